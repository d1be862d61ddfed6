//! Runtime API of the inference market, for dapps, wallets, the SDK and workers.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
use sp_runtime::DispatchError;
use verin_primitives::{
	market::{FeeBreakdown, Job, JobId},
	model::{ModelId, ModelVersion},
	tensor::TensorPayload,
	tier::Tier,
};

sp_api::decl_runtime_apis! {
	/// Reads the inference market.
	pub trait InferenceApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// The fee `inference.request` would hold for this model (the latest version when
		/// `version` is `None`), input and tier, and how it splits; or the error the request
		/// would fail with for them (unknown model, tier not offered, input not fitting the
		/// schema, …). Worker availability and the caller's balance are not checked.
		fn quote(
			model: ModelId,
			version: Option<ModelVersion>,
			input: TensorPayload,
			tier: Tier,
		) -> Result<FeeBreakdown<Balance>, DispatchError>;

		/// A job: request, fee, status and output. Ended jobs are kept for the runtime's
		/// retention period, then deleted.
		fn job(id: JobId) -> Option<Job<AccountId, Balance, BlockNumber>>;

		/// The jobs `worker` must answer now, oldest first.
		fn pending_jobs(worker: AccountId) -> Vec<JobId>;
	}
}
