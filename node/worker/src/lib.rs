//! The inference node's worker, natively: what the `verin_inference` and `verin_tee` host
//! functions reach when a node runs with `--worker`.
//!
//! - [`engine`]: ONNX Runtime sessions for models addressed by content id, and the ZK
//!   prover (a model's plonky2 circuit, compiled from the same bytes the engine runs).
//! - [`enclave`]: the TEE tier's enclave key and its attestation providers (the Nitro
//!   Secure Module, or the development CA on dev and local chains).
//! - [`example_models`]: the models dev and local chains publish at genesis, served from
//!   the binary.
//! - [`keys`]: the worker key in the node's keystore.
//!
//! The node (`verin-node`) only wires these into its offchain workers; the runtime side of
//! the worker (claims, answers, challenges, votes) is in the pallets' `offchain` modules.

pub mod enclave;
pub mod engine;
pub mod example_models;
pub mod keys;

pub use engine::{
	sandbox::{RunLimits, RunnerCommand, SandboxConfig},
	session_settings, EngineConfig, EngineError, ModelPolicy, ModelSources, OffchainGet, OrtEngine,
};
