//! Runtime API of the model registry, for wallets, explorers, the SDK and workers.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
use sp_core::H256;
use verin_primitives::model::{ModelId, ModelInfo, ModelVersion, VersionInfo};

sp_api::decl_runtime_apis! {
	/// Reads the model registry.
	pub trait ModelsApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// The model with this id.
		fn model(id: ModelId) -> Option<ModelInfo<AccountId, Balance, BlockNumber>>;

		/// Up to `limit` models with ids from `start` upwards, in id order. Page by passing
		/// the last id returned plus one. `limit` is capped by the runtime.
		fn models(start: ModelId, limit: u32) -> Vec<(ModelId, ModelInfo<AccountId, Balance, BlockNumber>)>;

		/// A published version of a model.
		fn version(id: ModelId, version: ModelVersion) -> Option<VersionInfo<Balance, BlockNumber>>;

		/// The chunk hashes of a published version, in file order: with the version's size
		/// they recompute its content id, and each names a chunk in the offchain store.
		fn chunk_hashes(id: ModelId, version: ModelVersion) -> Option<Vec<H256>>;
	}
}
