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
	if let Some(suri) = &config.dev_key_seed {
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
	Ok(Box::new(move || InferenceExt::new(engine.clone())))
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
