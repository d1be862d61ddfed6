//! The worker at the runtime boundary: the worker key ([`key`]) and the host functions
//! through which the offchain worker runs ONNX models (`verin_inference`) and reaches the
//! node's enclave (`verin_tee`). The runtime calls them; the node (`verin-worker`) answers.
//!
//! The runtime calls [`verin_inference::run`] with a model's content id and an input
//! payload; the node answers with the output payload or an [`InferenceError`]. Model bytes
//! never cross the wasm boundary: the node's backend finds them by content id, verifies
//! them and keeps a ready session.
//!
//! The std side looks up an [`InferenceExt`] extension that the node registers for
//! offchain-worker calls. Without one (a node that is not a worker, or a call outside the
//! offchain worker) every call answers [`InferenceError::Unavailable`].
//!
//! [`verin_inference::prove`] is the ZK tier's counterpart of `run`: the node compiles the
//! model into its circuit, checks the circuit's digest against the one registered on chain,
//! and returns the output with a proof of it. [`verin_inference::circuit_digest`] compiles
//! the circuit alone, so that workers can review the circuits owners register.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod key;

use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;
use sp_core::H256;
#[cfg(feature = "std")]
use sp_externalities::ExternalitiesExt;
use sp_runtime_interface::{
	pass_by::{
		AllocateAndReturnByCodec, PassFatPointerAndDecode, PassFatPointerAndRead,
		PassPointerAndReadCopy,
	},
	runtime_interface,
};
use verin_primitives::{market::FailureReason, tensor::TensorPayload};

/// Why a model could not be run.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, Copy, PartialEq, Eq, Debug)]
pub enum InferenceError {
	/// This node runs no models (not a worker), or the call came from outside the
	/// offchain worker.
	Unavailable,
	/// The model's bytes are neither in the offchain store nor in the local model directory.
	ModelNotFound,
	/// Bytes were found but do not hash to the content id (corrupt or tampered).
	ContentMismatch,
	/// ONNX Runtime refused to load the model.
	LoadFailed,
	/// The input does not fit the model's inputs (count, element type, shape).
	InvalidInput,
	/// ONNX Runtime failed while running the model on this input.
	ExecutionFailed,
	/// The model produced an output this chain cannot represent (type or size).
	UnsupportedOutput,
	/// The model is outside the ZK tier's integer-exact subset (no circuit compiles).
	NotProvable,
	/// The circuit compiled from the model's bytes has another digest than the one
	/// registered on chain.
	CircuitMismatch,
	/// The prover failed on this input.
	ProvingFailed,
	/// Loading or running the model took longer than the node's time limit.
	ExecutionTimedOut,
	/// The model needed more memory than the node's limit for one run.
	ResourceLimit,
	/// The node's operator does not run this model (denied, or over its size cap).
	ModelDeclined,
}

/// A ZK answer: the output and the proof that the model's circuit computes it.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct Proven {
	/// The output payload, as `run` would return it.
	pub output: TensorPayload,
	/// The serialized proof (the job's evidence).
	pub proof: alloc::vec::Vec<u8>,
}

impl InferenceError {
	/// What a worker reports on chain when a job fails with this error; `None` when the
	/// failure is the node's own (it should not claim the job failed).
	pub fn failure_reason(self) -> Option<FailureReason> {
		match self {
			InferenceError::Unavailable => None,
			InferenceError::ModelNotFound | InferenceError::ContentMismatch => {
				Some(FailureReason::ModelUnavailable)
			},
			InferenceError::LoadFailed => Some(FailureReason::ModelLoadFailed),
			InferenceError::InvalidInput | InferenceError::ExecutionFailed => {
				Some(FailureReason::ExecutionFailed)
			},
			InferenceError::UnsupportedOutput => Some(FailureReason::OutputMismatch),
			InferenceError::NotProvable | InferenceError::ProvingFailed => {
				Some(FailureReason::EvidenceUnavailable)
			},
			InferenceError::CircuitMismatch => Some(FailureReason::CircuitMismatch),
			InferenceError::ExecutionTimedOut => Some(FailureReason::ExecutionTimedOut),
			InferenceError::ResourceLimit => Some(FailureReason::ResourceLimit),
			InferenceError::ModelDeclined => Some(FailureReason::ModelDeclined),
		}
	}
}

/// A native engine that runs models by content id (implemented by the node).
#[cfg(feature = "std")]
pub trait InferenceBackend: Send + 'static {
	/// Runs the model whose bytes have `content_id` on `input`.
	fn run(
		&mut self,
		content_id: H256,
		input: &TensorPayload,
	) -> Result<TensorPayload, InferenceError>;

	/// Proves the output of the model whose bytes have `content_id` on `input`, with the
	/// circuit whose digest is `circuit_digest`. Backends without a prover are unavailable.
	fn prove(
		&mut self,
		_content_id: H256,
		_circuit_digest: H256,
		_input: &TensorPayload,
	) -> Result<Proven, InferenceError> {
		Err(InferenceError::Unavailable)
	}

	/// The digest of the circuit the ZK compiler makes from the bytes of the model with
	/// `content_id`: [`InferenceError::NotProvable`] if it makes none. Backends without a
	/// compiler are unavailable.
	fn circuit_digest(&mut self, _content_id: H256) -> Result<H256, InferenceError> {
		Err(InferenceError::Unavailable)
	}
}

/// A backend for nodes that run no models: every call is [`InferenceError::Unavailable`].
#[cfg(feature = "std")]
pub struct UnavailableBackend;

#[cfg(feature = "std")]
impl InferenceBackend for UnavailableBackend {
	fn run(
		&mut self,
		_content_id: H256,
		_input: &TensorPayload,
	) -> Result<TensorPayload, InferenceError> {
		Err(InferenceError::Unavailable)
	}
}

#[cfg(feature = "std")]
sp_externalities::decl_extension! {
	/// The inference backend the node registers for offchain-worker calls.
	pub struct InferenceExt(Box<dyn InferenceBackend>);
}

#[cfg(feature = "std")]
impl InferenceExt {
	/// Wraps a backend.
	pub fn new(backend: impl InferenceBackend) -> Self {
		InferenceExt(Box::new(backend))
	}
}

/// Running models natively from the runtime.
#[runtime_interface]
pub trait VerinInference {
	/// Runs the model with `content_id` on `input` and returns its output.
	fn run(
		&mut self,
		content_id: PassPointerAndReadCopy<[u8; 32], 32>,
		input: PassFatPointerAndDecode<TensorPayload>,
	) -> AllocateAndReturnByCodec<Result<TensorPayload, InferenceError>> {
		match self.extension::<InferenceExt>() {
			Some(ext) => ext.0.run(H256(content_id), &input),
			None => Err(InferenceError::Unavailable),
		}
	}

	/// Proves the output of the model with `content_id` on `input` with the circuit whose
	/// digest is `circuit_digest` (ZK tier).
	fn prove(
		&mut self,
		content_id: PassPointerAndReadCopy<[u8; 32], 32>,
		circuit_digest: PassPointerAndReadCopy<[u8; 32], 32>,
		input: PassFatPointerAndDecode<TensorPayload>,
	) -> AllocateAndReturnByCodec<Result<Proven, InferenceError>> {
		match self.extension::<InferenceExt>() {
			Some(ext) => ext.0.prove(H256(content_id), H256(circuit_digest), &input),
			None => Err(InferenceError::Unavailable),
		}
	}

	/// The digest of the circuit compiled from the bytes of the model with `content_id`
	/// (how a worker reviews a registered circuit).
	fn circuit_digest(
		&mut self,
		content_id: PassPointerAndReadCopy<[u8; 32], 32>,
	) -> AllocateAndReturnByCodec<Result<H256, InferenceError>> {
		match self.extension::<InferenceExt>() {
			Some(ext) => ext.0.circuit_digest(H256(content_id)),
			None => Err(InferenceError::Unavailable),
		}
	}
}

/// Why an enclave could not attest or answer.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, Copy, PartialEq, Eq, Debug)]
pub enum TeeError {
	/// This node has no enclave (no attestation provider configured), or the call came
	/// from outside the offchain worker.
	Unavailable,
	/// The attestation provider failed (the NSM device refused or the document could not
	/// be made).
	AttestationFailed,
	/// The enclave could not run the model: why.
	Inference(InferenceError),
}

/// A TEE answer: the output the enclave computed and its signature over the job's result
/// message ([`verin_primitives::market::tee_result_message`]).
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct SignedOutput {
	/// The output payload, as `verin_inference::run` would return it.
	pub output: TensorPayload,
	/// The enclave key's ed25519 signature (the job's evidence).
	pub signature: [u8; 64],
}

/// An enclave as the worker sees it (implemented by the node): a result-signing key that
/// lives inside it and a provider of attestation documents for that key.
///
/// Nothing here signs or attests bytes the caller chooses. The enclave knows the genesis
/// hash of the chain its node follows (natively, from its own client), makes the
/// registration nonce from it, and signs only outputs it computed itself: a runtime of the
/// operator's own (on a chain spec of its own) can ask for neither a document that
/// registers on another chain nor a signature over an output the model did not produce.
#[cfg(feature = "std")]
pub trait EnclaveBackend: Send + Sync + 'static {
	/// The enclave's ed25519 result-signing key.
	fn public_key(&self) -> [u8; 32];
	/// An attestation document for the key that registers it for `worker` (a SCALE-encoded
	/// account) on the enclave's own chain: its nonce is
	/// `verin_attestation::enclave_nonce(own genesis hash, worker)`.
	fn attest_worker(&self, worker: &[u8]) -> Result<alloc::vec::Vec<u8>, TeeError>;
	/// Runs the model with `content_id` on `input` inside the enclave and signs the result
	/// message of `job` on the enclave's own chain.
	fn run_and_sign(
		&self,
		job: u64,
		content_id: H256,
		input: &TensorPayload,
	) -> Result<SignedOutput, TeeError>;
}

#[cfg(feature = "std")]
sp_externalities::decl_extension! {
	/// The enclave the node registers for offchain-worker calls (TEE tier).
	pub struct TeeExt(std::sync::Arc<dyn EnclaveBackend>);
}

#[cfg(feature = "std")]
impl TeeExt {
	/// Wraps an enclave.
	pub fn new(enclave: std::sync::Arc<dyn EnclaveBackend>) -> Self {
		TeeExt(enclave)
	}
}

/// The enclave's key, attestation and answers, from the runtime (TEE tier). Without an
/// enclave every call answers [`TeeError::Unavailable`].
#[runtime_interface]
pub trait VerinTee {
	/// The enclave's ed25519 result-signing key.
	fn public_key(&mut self) -> AllocateAndReturnByCodec<Result<[u8; 32], TeeError>> {
		match self.extension::<TeeExt>() {
			Some(ext) => Ok(ext.0.public_key()),
			None => Err(TeeError::Unavailable),
		}
	}

	/// An attestation document that registers the enclave's key for `worker` (a
	/// SCALE-encoded account) on the chain the node follows.
	fn attest_worker(
		&mut self,
		worker: PassFatPointerAndRead<&[u8]>,
	) -> AllocateAndReturnByCodec<Result<alloc::vec::Vec<u8>, TeeError>> {
		match self.extension::<TeeExt>() {
			Some(ext) => ext.0.attest_worker(worker),
			None => Err(TeeError::Unavailable),
		}
	}

	/// Runs the model with `content_id` on `input` in the enclave, which signs the output
	/// it computed for `job` on its own chain.
	fn run_and_sign(
		&mut self,
		job: u64,
		content_id: PassPointerAndReadCopy<[u8; 32], 32>,
		input: PassFatPointerAndDecode<TensorPayload>,
	) -> AllocateAndReturnByCodec<Result<SignedOutput, TeeError>> {
		match self.extension::<TeeExt>() {
			Some(ext) => ext.0.run_and_sign(job, H256(content_id), &input),
			None => Err(TeeError::Unavailable),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use verin_primitives::tensor::TensorData;

	/// Echoes its input, to show the call reaches the registered backend.
	struct Echo;
	impl InferenceBackend for Echo {
		fn run(
			&mut self,
			content_id: H256,
			input: &TensorPayload,
		) -> Result<TensorPayload, InferenceError> {
			if content_id == H256::repeat_byte(1) {
				Ok(input.clone())
			} else {
				Err(InferenceError::ModelNotFound)
			}
		}
	}

	fn payload() -> TensorPayload {
		vec![TensorData {
			shape: vec![2].try_into().unwrap(),
			data: vec![1, 2].try_into().unwrap(),
		}]
		.try_into()
		.unwrap()
	}

	#[test]
	fn without_a_backend_every_call_is_unavailable() {
		sp_io_free_ext().execute_with(|| {
			assert_eq!(verin_inference::run([1; 32], payload()), Err(InferenceError::Unavailable));
		});
	}

	#[test]
	fn calls_reach_the_registered_backend() {
		let mut ext = sp_io_free_ext();
		ext.register_extension(InferenceExt::new(Echo));
		ext.execute_with(|| {
			assert_eq!(verin_inference::run([1; 32], payload()), Ok(payload()));
			assert_eq!(
				verin_inference::run([2; 32], payload()),
				Err(InferenceError::ModelNotFound)
			);
		});
		let mut unavailable = sp_io_free_ext();
		unavailable.register_extension(InferenceExt::new(UnavailableBackend));
		unavailable.execute_with(|| {
			assert_eq!(verin_inference::run([1; 32], payload()), Err(InferenceError::Unavailable));
		});
	}

	#[test]
	fn node_failures_are_not_reported_as_job_failures() {
		assert_eq!(InferenceError::Unavailable.failure_reason(), None);
		assert_eq!(
			InferenceError::ContentMismatch.failure_reason(),
			Some(FailureReason::ModelUnavailable)
		);
		assert_eq!(
			InferenceError::LoadFailed.failure_reason(),
			Some(FailureReason::ModelLoadFailed)
		);
		assert_eq!(
			InferenceError::CircuitMismatch.failure_reason(),
			Some(FailureReason::CircuitMismatch)
		);
		assert_eq!(
			InferenceError::NotProvable.failure_reason(),
			Some(FailureReason::EvidenceUnavailable)
		);
		// A model past the node's limits, or one its operator declines, is reported: the job
		// then goes to another worker or ends with that reason, and the worker is not slashed.
		assert_eq!(
			InferenceError::ExecutionTimedOut.failure_reason(),
			Some(FailureReason::ExecutionTimedOut)
		);
		assert_eq!(
			InferenceError::ResourceLimit.failure_reason(),
			Some(FailureReason::ResourceLimit)
		);
		assert_eq!(
			InferenceError::ModelDeclined.failure_reason(),
			Some(FailureReason::ModelDeclined)
		);
	}

	fn sp_io_free_ext() -> sp_io::TestExternalities {
		sp_io::TestExternalities::default()
	}
}
