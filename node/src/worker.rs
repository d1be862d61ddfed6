//! Wiring of the inference worker: which backend the offchain workers' `verin_inference`
//! host functions reach, the enclave behind `verin_tee`, and the worker keys.

use std::sync::Arc;

use sc_service::{error::Error as ServiceError, ChainType, Configuration};
use sp_core::offchain::OffchainStorage;
use sp_keystore::KeystorePtr;
use verin_worker::{
	enclave::Enclave,
	example_models::example_models,
	keys::{insert_worker_key, worker_key_count},
	EngineConfig, ModelPolicy, OffchainGet, OrtEngine, RunLimits, RunnerCommand, SandboxConfig,
};
use verin_worker_primitives::{InferenceExt, UnavailableBackend};

use crate::cli::InferenceArgs;

/// Makes a fresh extension for each offchain-worker run.
pub type BackendFactory = Box<dyn Fn() -> InferenceExt + Send + Sync>;

/// Makes the extension an offchain-worker run uses from the node's engine: the honest node
/// uses the engine as it is ([`honest_backend`]); test builds may wrap it.
pub type WrapBackend = fn(OrtEngine) -> InferenceExt;

/// The engine itself answers.
pub fn honest_backend(engine: OrtEngine) -> InferenceExt {
	InferenceExt::new(engine)
}

/// The backend for this node: ONNX Runtime for `--worker` nodes, "unavailable" otherwise;
/// and the engine itself (unwrapped), which the enclave runs TEE jobs with.
pub fn inference_backend<S: OffchainStorage + 'static>(
	args: &InferenceArgs,
	config: &Configuration,
	offchain_storage: Option<S>,
	keystore: &KeystorePtr,
	wrap_backend: WrapBackend,
) -> Result<(BackendFactory, Option<OrtEngine>), ServiceError> {
	if !args.worker {
		return Ok((Box::new(|| InferenceExt::new(UnavailableBackend)), None));
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
		let read: OffchainGet =
			Arc::new(move |key: &[u8]| storage.get(sp_core::offchain::STORAGE_PREFIX, key));
		read
	});
	// Every run happens in a runner process of this very binary, with the operator's
	// limits: no model can stall or exhaust the node.
	let runner = RunnerCommand::this_executable()
		.map_err(|error| ServiceError::Other(format!("model runner: {error}")))?;
	let sandbox = SandboxConfig {
		runner,
		limits: RunLimits {
			timeout: std::time::Duration::from_millis(args.model_timeout_ms),
			memory_bytes: args.model_memory_mib.saturating_mul(1024 * 1024),
		},
		max_runners: args.model_runners.max(1),
	};
	let policy = ModelPolicy {
		denied: args.deny_model.iter().copied().collect(),
		max_model_size: args.max_model_size,
	};
	let engine = OrtEngine::new(
		EngineConfig {
			library,
			model_dir: args.model_dir.clone(),
			cache_capacity: args.session_cache,
			sandbox: Some(sandbox),
			policy,
		},
		offchain,
	)
	.map_err(|error| ServiceError::Other(format!("inference engine: {error}")))?;
	if config.chain_spec.chain_type() != ChainType::Live {
		// Example models are published at genesis of the dev and local chains, which cannot
		// index their bytes offchain: serve them from the binary.
		for model in example_models() {
			engine.add_model(model.bytes.to_vec());
		}
	}
	for suri in args.worker_key.iter().chain(config.dev_key_seed.iter()) {
		insert_worker_key(keystore, suri)
			.map_err(|error| ServiceError::Other(format!("worker key: {error}")))?;
	}
	let workers = worker_key_count(keystore);
	log::info!(target: "verin-worker", "inference worker on, {workers} worker key(s) in the keystore");
	if workers == 0 {
		log::warn!(
			target: "verin-worker",
			"no worker key: insert one with `verin-node key insert --key-type vwrk --scheme sr25519 \
			 --suri 0x<secret seed>` (a raw seed: a mnemonic is re-derived for every signature)"
		);
	}
	let for_enclave = engine.clone();
	Ok((Box::new(move || wrap_backend(engine.clone())), Some(for_enclave)))
}

/// The enclave of this node, if `--tee-provider` names one: for the chain with
/// `genesis_hash` (the node's own, never the runtime's word), running TEE jobs with the
/// node's engine as it is (a test build's wrapped backend does not reach it).
pub fn enclave(
	args: &InferenceArgs,
	config: &Configuration,
	genesis_hash: [u8; 32],
	engine: Option<OrtEngine>,
) -> Result<Option<Arc<Enclave>>, ServiceError> {
	let run_model: verin_worker::enclave::RunModel = match engine {
		Some(engine) => Box::new(move |content_id, input| engine.run(content_id, input)),
		None => Box::new(|_, _| Err(verin_worker_primitives::InferenceError::Unavailable)),
	};
	verin_worker::enclave::enclave(
		args.tee_provider,
		config.chain_spec.chain_type() == ChainType::Live,
		genesis_hash,
		run_model,
	)
	.map_err(ServiceError::Other)
}
