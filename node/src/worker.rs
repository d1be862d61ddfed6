//! Wiring of the inference worker: which backend the offchain worker's `verin_inference`
//! host functions reach, and the dev worker key.

use std::sync::Arc;

use sc_service::{error::Error as ServiceError, Configuration};
use sp_core::offchain::OffchainStorage;
use sp_keystore::{Keystore, KeystorePtr};
use verin_inference_engine::{EngineConfig, OrtEngine};
use verin_inference_host::{InferenceExt, UnavailableBackend};
use verin_primitives::market::WORKER_KEY_TYPE;

/// Makes a fresh extension for each offchain-worker run.
pub type BackendFactory = Box<dyn Fn() -> InferenceExt + Send + Sync>;

/// The backend for this node: ONNX Runtime for `--worker` nodes, "unavailable" otherwise.
pub fn inference_backend<S: OffchainStorage + 'static>(
	args: &crate::cli::InferenceArgs,
	config: &Configuration,
	offchain_storage: Option<S>,
	keystore: &KeystorePtr,
) -> Result<BackendFactory, ServiceError> {
	if !args.worker {
		return Ok(Box::new(|| InferenceExt::new(UnavailableBackend)));
	}
	let library = args
		.ort_library
		.clone()
		.or_else(|| std::env::var_os("VERIN_ORT_LIBRARY").map(Into::into))
		.ok_or_else(|| {
			ServiceError::Other(
				"--worker needs the ONNX Runtime library: pass --ort-library PATH or set \
				 VERIN_ORT_LIBRARY (scripts/setup.sh installs it; scripts/env.sh sets it)"
					.into(),
			)
		})?;
	let offchain = offchain_storage.map(|storage| {
		let read: verin_inference_engine::OffchainGet =
			Arc::new(move |key: &[u8]| storage.get(sp_core::offchain::STORAGE_PREFIX, key));
		read
	});
	let engine = OrtEngine::new(
		EngineConfig {
			library,
			model_dir: args.model_dir.clone(),
			cache_capacity: args.session_cache,
		},
		offchain,
	)
	.map_err(|error| ServiceError::Other(format!("inference engine: {error}")))?;
	if config.chain_spec.chain_type() != sc_service::ChainType::Live {
		// Example models are published at genesis of the dev and local chains, which cannot
		// index their bytes offchain: serve them from the binary.
		for model in crate::example_models::example_models() {
			engine.add_model(model.bytes.to_vec());
		}
	}
	for suri in args.worker_key.iter().chain(config.dev_key_seed.iter()) {
		insert_worker_key(keystore, suri).map_err(|error| ServiceError::Other(format!("worker key: {error}")))?;
	}
	let workers = keystore.sr25519_public_keys(WORKER_KEY_TYPE).len();
	log::info!(target: "verin-worker", "inference worker on, {workers} worker key(s) in the keystore");
	if workers == 0 {
		log::warn!(
			target: "verin-worker",
			"no worker key: insert one with `verin-node key insert --key-type vwrk --scheme sr25519 \
			 --suri 0x<secret seed>` (a raw seed: a mnemonic is re-derived for every signature)"
		);
	}
	#[cfg(feature = "test-lying-worker")]
	{
		log::warn!(target: "verin-worker", "built with `test-lying-worker`: this node's outputs are WRONG on purpose");
		Ok(Box::new(move || InferenceExt::new(lying::Lying(engine.clone()))))
	}
	#[cfg(not(feature = "test-lying-worker"))]
	Ok(Box::new(move || InferenceExt::new(engine.clone())))
}

/// A dishonest worker for tests of the optimistic tier (feature `test-lying-worker`).
#[cfg(feature = "test-lying-worker")]
mod lying {
	use sp_core::H256;
	use verin_inference_engine::OrtEngine;
	use verin_inference_host::{InferenceBackend, InferenceError, Proven};
	use verin_primitives::tensor::TensorPayload;

	/// Runs the model, then alters the output (so it answers, watches and votes wrongly).
	pub struct Lying(pub OrtEngine);

	impl InferenceBackend for Lying {
		fn run(&mut self, content_id: H256, input: &TensorPayload) -> Result<TensorPayload, InferenceError> {
			self.0.run(content_id, input).map(super::altered)
		}

		fn prove(&mut self, content_id: H256, digest: H256, input: &TensorPayload) -> Result<Proven, InferenceError> {
			self.0.prove(content_id, digest, input)
		}
	}
}

/// The output with every tensor's elements rotated by one place (the last first), which
/// moves the largest element of a row; a tensor whose elements are all equal gets its first
/// byte changed instead. The result always differs from the output, keeps its shape and
/// size, and so passes the chain's schema check.
#[cfg_attr(not(feature = "test-lying-worker"), allow(dead_code))]
pub fn altered(mut output: verin_primitives::tensor::TensorPayload) -> verin_primitives::tensor::TensorPayload {
	for tensor in output.iter_mut() {
		let elements: usize = tensor.shape.iter().map(|dim| *dim as usize).product();
		let width = if elements == 0 { 1 } else { (tensor.data.len() / elements).max(1) };
		let original = tensor.data.clone();
		let mut bytes = tensor.data.to_vec();
		let shift = width.min(bytes.len());
		bytes.rotate_right(shift);
		if bytes == original.to_vec() {
			if let Some(first) = bytes.first_mut() {
				*first ^= 1;
			}
		}
		tensor.data = bytes.try_into().expect("same length as before");
	}
	output
}

#[cfg(test)]
mod tests {
	use verin_primitives::tensor::{TensorData, TensorPayload};

	fn payload(shape: &[u32], data: &[u8]) -> TensorPayload {
		vec![TensorData { shape: shape.to_vec().try_into().unwrap(), data: data.to_vec().try_into().unwrap() }]
			.try_into()
			.unwrap()
	}

	#[test]
	fn an_altered_output_always_differs_and_keeps_its_shape() {
		let scores: Vec<u8> = [3i32, 9, 1].iter().flat_map(|v| v.to_le_bytes()).collect();
		let lie = super::altered(payload(&[1, 3], &scores));
		let expected: Vec<u8> = [1i32, 3, 9].iter().flat_map(|v| v.to_le_bytes()).collect();
		assert_eq!(lie[0].data.to_vec(), expected, "elements rotate whole");
		assert_eq!(lie[0].shape.to_vec(), vec![1, 3]);
		let flat = super::altered(payload(&[1, 2], &[5, 5]));
		assert_ne!(flat[0].data.to_vec(), vec![5, 5]);
	}
}

/// Inserts the worker key for secret URI `suri` (e.g. `//Alice`) in the keystore, stored as
/// its raw secret seed where the URI allows.
///
/// The keystore keeps the URI it was given and re-derives the pair from it for every
/// signature; for a mnemonic or dev phrase that is a BIP-39 PBKDF2 of 2048 SHA-512 rounds,
/// about 1.6 ms here, on every result a worker submits. Derived once, the raw seed signs in
/// microseconds (measured by `scripts/bench-inference.sh`).
pub fn insert_worker_key(keystore: &KeystorePtr, suri: &str) -> Result<(), String> {
	use sp_core::{sr25519, Pair};
	let (pair, seed) =
		sr25519::Pair::from_string_with_seed(suri, None).map_err(|error| format!("invalid secret URI: {error:?}"))?;
	let stored = match seed {
		Some(seed) => format!("0x{}", hex_encode(seed.as_ref())),
		None => suri.to_string(),
	};
	keystore
		.insert(WORKER_KEY_TYPE, &stored, pair.public().as_ref())
		.map_err(|()| "the keystore refused the key".to_string())
}

fn hex_encode(bytes: &[u8]) -> String {
	bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
