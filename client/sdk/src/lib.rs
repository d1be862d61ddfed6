//! Verin's Rust SDK: deploy a model and publish its versions, manage it, request verified inferences, follow jobs, run a worker
//! account, all over a node's JSON-RPC.
//!
//! Transactions are built from the runtime's metadata (`metadata/verin.scale`, refreshed by
//! `scripts/update-metadata.sh`); reads go through the node's `models_*` and `inference_*`
//! RPC methods, which answer with the runtime's own types (see `verin-primitives`).
//!
//! ```no_run
//! # async fn example() -> Result<(), verin_sdk::Error> {
//! use verin_sdk::{Verin, signer};
//! let verin = Verin::connect("ws://127.0.0.1:9944").await?;
//! let alice = signer("//Alice")?;
//! let (id, model) = verin.find_model("digits-mlp-int8").await?;
//! # Ok(()) }
//! ```
//!
//! Features: `zk` (off by default) adds the ZK circuit compiler ([`zk::compile_circuit`],
//! and [`Verin::deploy`] of a model offering the zk tier). It builds on plonky2, which
//! needs `RUSTC_BOOTSTRAP=plonky2_field,plonky2` on stable Rust; without it the SDK builds on
//! plain stable and those calls return [`Error::ZkFeatureDisabled`].

mod client;
mod error;
mod lifecycle;
pub mod spec;
pub mod tensors;
mod upload;
pub mod zk;

pub use client::{
	signer, CircuitReviewInfo, JobOutcome, ModelVerification, Requested, Verin, WorkerStatus,
};
pub use error::Error;
pub use lifecycle::ModelChange;
pub use subxt_signer::sr25519::Keypair;
pub use upload::{DeployProgress, Deployed, ModelFile, PendingUpload, VersionFile};
pub use verin_primitives::{
	market::{FeeBreakdown, JobId, JobStatus},
	model::{CircuitStatus, ModelId, ModelStatus, ModelVersion, ToleranceRule, VersionSpec},
	tier::{Tier, TierSet},
};

/// The account id type of the chain (SS58 in JSON and on screen).
pub type AccountId = sp_core::crypto::AccountId32;
/// A job as the node returns it.
pub type Job = verin_primitives::market::Job<AccountId, u128, u32>;
/// A model as the node returns it.
pub type ModelInfo = verin_primitives::model::ModelInfo<AccountId, u128, u32>;
/// A published model version as the node returns it.
pub type VersionInfo = verin_primitives::model::VersionInfo<u128, u32>;

/// Types and calls generated from the runtime's metadata. SCALE codecs on every type let
/// the SDK move values between them and `verin-primitives`' types of the same shape.
#[subxt::subxt(
	runtime_metadata_path = "metadata/verin.scale",
	derive_for_all_types = "::codec::Encode, ::codec::Decode"
)]
pub mod runtime {}

/// Smallest unit of the chain's token per whole token (12 decimals).
pub const UNIT: u128 = verin_primitives::currency::UNIT;

/// `amount` in whole tokens, as the CLI prints it (`0.001000 VRN`).
pub fn format_balance(amount: u128) -> String {
	format!("{}.{:06} VRN", amount / UNIT, (amount % UNIT) / (UNIT / 1_000_000))
}

/// `amount` in VRN with every decimal that matters (`0.021104`), as `--max-fee` reads it.
pub fn exact_amount(amount: u128) -> String {
	let fraction = format!("{:012}", amount % UNIT);
	let fraction = fraction.trim_end_matches('0');
	if fraction.is_empty() {
		format!("{}", amount / UNIT)
	} else {
		format!("{}.{fraction}", amount / UNIT)
	}
}

/// `bytes` as `0x`-prefixed lowercase hex, as digests are printed.
pub fn hex(bytes: &[u8]) -> String {
	sp_core::bytes::to_hex(bytes, false)
}
