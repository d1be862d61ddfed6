//! The native side of `verin_inference::run` and `prove`: runs ONNX models with ONNX
//! Runtime (`ort`) and proves integer models' rows with their circuits.
//!
//! - **Where models come from**: a model is named by its content id only. The engine looks
//!   in a local model directory first (every `*.onnx` file there is indexed by its content
//!   id at start), then rebuilds the file from the node's offchain store, where the model
//!   registry indexed its chunks and manifest ([`verin_primitives::model::assemble_from_store`]).
//!   Either way the bytes are hashed again before loading: bytes that do not match the
//!   content id are refused ([`InferenceError::ContentMismatch`]).
//! - **Sessions** are kept ready in a bounded cache (least recently used goes first), so a
//!   model is parsed once, not per job.
//! - **Fixed execution settings** ([`session_settings`]): one intra-op and one inter-op
//!   thread, sequential execution, basic graph optimizations only. Two workers then compute
//!   the same bits for an integer-exact model, and the same float results up to the
//!   machines' floating-point differences.
//! - **ZK proofs** (`verin_inference::prove`): the engine compiles the model's bytes into
//!   its plonky2 circuit (`verin-zk`, cached like sessions), refuses if the circuit's digest
//!   differs from the one registered on chain, and proves the row. The same compile answers
//!   `verin_inference::circuit_digest`, with which the worker reviews registered circuits.
//! - **ONNX Runtime library**: the official build, loaded at run time from the path the node
//!   is given (`scripts/setup.sh` takes it from the `onnxruntime` wheel on PyPI).
//! - **Isolation** ([`sandbox`]): the node runs models in runner processes with a time and
//!   a memory limit, so a looping or memory-hungry model ends with a named failure
//!   ([`InferenceError::ExecutionTimedOut`], [`InferenceError::ResourceLimit`]) instead of
//!   stalling the node. Without a sandbox (tests, benchmarks) runs happen in this process,
//!   one session lock per model.
//! - **The operator's policy** ([`ModelPolicy`]): models it denies, and a size cap, are
//!   declined ([`InferenceError::ModelDeclined`]) before any byte is loaded.

mod convert;
mod prover;
pub mod sandbox;
mod sources;

use std::{
	collections::{HashSet, VecDeque},
	path::{Path, PathBuf},
	sync::{Arc, Mutex, OnceLock},
};

use ort::session::{builder::GraphOptimizationLevel, Session};
pub use sources::{ModelSources, OffchainGet};
use sp_core::H256;
use verin_primitives::tensor::TensorPayload;
use verin_worker_primitives::{InferenceBackend, InferenceError, Proven};

/// How the engine is set up.
#[derive(Clone, Debug)]
pub struct EngineConfig {
	/// Path of the ONNX Runtime shared library (`libonnxruntime.so.1.31.1`).
	pub library: PathBuf,
	/// A directory of `*.onnx` files to serve besides the offchain store.
	pub model_dir: Option<PathBuf>,
	/// Most ready sessions kept (per runner, with a sandbox).
	pub cache_capacity: usize,
	/// Runner processes with limits for model runs; `None` runs them in this process,
	/// without limits (tests and benchmarks of trusted models only).
	pub sandbox: Option<sandbox::SandboxConfig>,
	/// Models the operator will not run.
	pub policy: ModelPolicy,
}

impl EngineConfig {
	/// Runs in this process, no model directory, eight sessions, no policy.
	pub fn new(library: PathBuf) -> Self {
		EngineConfig {
			library,
			model_dir: None,
			cache_capacity: 8,
			sandbox: None,
			policy: ModelPolicy::default(),
		}
	}
}

/// Which models the operator's node declines to run, whatever it serves on chain.
#[derive(Clone, Debug, Default)]
pub struct ModelPolicy {
	/// Content ids never run.
	pub denied: HashSet<H256>,
	/// Largest model file run, in bytes (`None`: the chain's limit).
	pub max_model_size: Option<u64>,
}

impl ModelPolicy {
	fn check_id(&self, content_id: H256) -> Result<(), InferenceError> {
		if self.denied.contains(&content_id) {
			log::info!(target: "verin-inference", "model {content_id:?} is denied by this node's operator");
			return Err(InferenceError::ModelDeclined);
		}
		Ok(())
	}

	fn check_size(&self, content_id: H256, size: usize) -> Result<(), InferenceError> {
		match self.max_model_size {
			Some(cap) if size as u64 > cap => {
				log::info!(
					target: "verin-inference",
					"model {content_id:?} has {size} bytes, over this node's cap of {cap}"
				);
				Err(InferenceError::ModelDeclined)
			},
			_ => Ok(()),
		}
	}
}

/// Why the engine could not start.
#[derive(Debug)]
pub enum EngineError {
	/// The ONNX Runtime library could not be loaded or initialised.
	Runtime(String),
	/// The model directory could not be read.
	ModelDir(std::io::Error),
}

impl std::fmt::Display for EngineError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			EngineError::Runtime(error) => write!(f, "ONNX Runtime: {error}"),
			EngineError::ModelDir(error) => write!(f, "model directory: {error}"),
		}
	}
}

impl std::error::Error for EngineError {}

/// The process-wide ONNX Runtime environment (ONNX Runtime allows one per process).
static ENVIRONMENT: OnceLock<Result<ort::environment::Environment, String>> = OnceLock::new();

fn environment(library: &Path) -> Result<&'static ort::environment::Environment, EngineError> {
	ENVIRONMENT
		.get_or_init(|| {
			ort::init_from(library)
				.map_err(|error| error.to_string())?
				.with_name("verin")
				.build()
				.map_err(|error| error.to_string())
		})
		.as_ref()
		.map_err(|error| EngineError::Runtime(error.clone()))
}

/// The execution settings every worker uses, so results agree between workers.
pub fn session_settings(
	environment: &ort::environment::Environment,
) -> ort::Result<ort::session::builder::SessionBuilder> {
	Ok(Session::builder(environment)?
		.with_intra_threads(1)?
		.with_inter_threads(1)?
		.with_parallel_execution(false)?
		.with_optimization_level(GraphOptimizationLevel::Level1)?
		.with_deterministic_compute(true)?)
}

/// Runs models by content id with ONNX Runtime. Cheap to clone: clones share the cache.
#[derive(Clone)]
pub struct OrtEngine {
	inner: Arc<Inner>,
}

struct Inner {
	environment: &'static ort::environment::Environment,
	sources: ModelSources,
	policy: ModelPolicy,
	capacity: usize,
	/// Runner processes, when runs are isolated.
	sandbox: Option<sandbox::Sandbox>,
	/// Ready sessions of in-process runs, most recently used last; each has its own lock,
	/// so a long run of one model does not hold up another's.
	sessions: Mutex<VecDeque<(H256, Arc<Mutex<Session>>)>>,
	/// Compiled ZK circuits.
	provers: prover::Provers,
}

impl OrtEngine {
	/// Loads ONNX Runtime and indexes the model directory. `offchain` reads the node's
	/// offchain store (persistent local storage); `None` serves the directory alone.
	pub fn new(config: EngineConfig, offchain: Option<OffchainGet>) -> Result<Self, EngineError> {
		let environment = environment(&config.library)?;
		let sources = ModelSources::new(config.model_dir.as_deref(), offchain)
			.map_err(EngineError::ModelDir)?;
		let sandbox = config.sandbox.map(|sandbox| {
			sandbox::Sandbox::new(sandbox, config.library.clone(), config.cache_capacity)
		});
		Ok(OrtEngine {
			inner: Arc::new(Inner {
				environment,
				sources,
				policy: config.policy,
				capacity: config.cache_capacity.max(1),
				sandbox,
				sessions: Mutex::new(VecDeque::new()),
				provers: prover::Provers::new(config.cache_capacity),
			}),
		})
	}

	/// The ONNX Runtime environment sessions are built in (for benchmarks and tools that
	/// build sessions with [`session_settings`]).
	pub fn environment(&self) -> &'static ort::environment::Environment {
		self.inner.environment
	}

	/// Serves `bytes` from memory under their content id (which it returns).
	pub fn add_model(&self, bytes: Vec<u8>) -> H256 {
		self.inner.sources.add(bytes)
	}

	/// Content ids of the models served from memory or the model directory.
	pub fn local_models(&self) -> Vec<H256> {
		self.inner.sources.local_models()
	}

	/// Runs the model with `content_id` on `input`.
	pub fn run(
		&self,
		content_id: H256,
		input: &TensorPayload,
	) -> Result<TensorPayload, InferenceError> {
		self.inner.policy.check_id(content_id)?;
		if let Some(sandbox) = &self.inner.sandbox {
			return sandbox.run(content_id, input, || self.bytes(content_id));
		}
		let session = self.session(content_id)?;
		let mut session = session.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		convert::run(&mut session, input)
	}

	/// The model's verified bytes, within the operator's size cap.
	fn bytes(&self, content_id: H256) -> Result<Vec<u8>, InferenceError> {
		let bytes = self.inner.sources.bytes(content_id)?;
		self.inner.policy.check_size(content_id, bytes.len())?;
		Ok(bytes)
	}

	/// The in-process session of the model, loaded if it is not ready.
	fn session(&self, content_id: H256) -> Result<Arc<Mutex<Session>>, InferenceError> {
		let cached = |sessions: &mut VecDeque<(H256, Arc<Mutex<Session>>)>| {
			let position = sessions.iter().position(|(id, _)| *id == content_id)?;
			let entry = sessions.remove(position).expect("position is in range");
			let session = entry.1.clone();
			sessions.push_back(entry);
			Some(session)
		};
		let lock = || self.inner.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		if let Some(session) = cached(&mut lock()) {
			return Ok(session);
		}
		// Loaded without the cache's lock: parsing a large model holds up no other model.
		let session = Arc::new(Mutex::new(self.load(content_id)?));
		let mut sessions = lock();
		if let Some(session) = cached(&mut sessions) {
			return Ok(session);
		}
		if sessions.len() >= self.inner.capacity {
			sessions.pop_front();
		}
		sessions.push_back((content_id, session.clone()));
		Ok(session)
	}

	fn load(&self, content_id: H256) -> Result<Session, InferenceError> {
		let bytes = self.bytes(content_id)?;
		session_settings(self.inner.environment)
			.and_then(|mut builder| builder.commit_from_memory(&bytes))
			.map_err(|error| {
				log::warn!(target: "verin-inference", "model {content_id:?} does not load: {error}");
				InferenceError::LoadFailed
			})
	}

	/// Runner processes alive (0 without a sandbox).
	pub fn runners_alive(&self) -> usize {
		self.inner.sandbox.as_ref().map_or(0, |sandbox| sandbox.runners_alive())
	}
}

impl OrtEngine {
	/// Proves the output of the model with `content_id` on a one-row `input`, if its
	/// circuit compiles to `circuit_digest` (ZK tier).
	pub fn prove(
		&self,
		content_id: H256,
		circuit_digest: H256,
		input: &TensorPayload,
	) -> Result<Proven, InferenceError> {
		self.inner.policy.check_id(content_id)?;
		self.inner.provers.prove(&self.inner.sources, content_id, circuit_digest, input)
	}

	/// The digest of the circuit compiled from the bytes of the model with `content_id`
	/// (how the worker reviews the circuit an owner registered).
	pub fn circuit_digest(&self, content_id: H256) -> Result<H256, InferenceError> {
		self.inner.policy.check_id(content_id)?;
		self.inner.provers.digest(&self.inner.sources, content_id)
	}
}

impl InferenceBackend for OrtEngine {
	fn run(
		&mut self,
		content_id: H256,
		input: &TensorPayload,
	) -> Result<TensorPayload, InferenceError> {
		OrtEngine::run(self, content_id, input)
	}

	fn prove(
		&mut self,
		content_id: H256,
		circuit_digest: H256,
		input: &TensorPayload,
	) -> Result<Proven, InferenceError> {
		OrtEngine::prove(self, content_id, circuit_digest, input)
	}

	fn circuit_digest(&mut self, content_id: H256) -> Result<H256, InferenceError> {
		OrtEngine::circuit_digest(self, content_id)
	}
}
