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

mod convert;
mod prover;
mod sources;

use std::{
	collections::VecDeque,
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
	/// Most ready sessions kept.
	pub cache_capacity: usize,
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
	capacity: usize,
	/// Ready sessions, most recently used last.
	sessions: Mutex<VecDeque<(H256, Session)>>,
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
		Ok(OrtEngine {
			inner: Arc::new(Inner {
				environment,
				sources,
				capacity: config.cache_capacity.max(1),
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
		let mut sessions =
			self.inner.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		let position = match sessions.iter().position(|(id, _)| *id == content_id) {
			Some(position) => position,
			None => {
				let session = self.load(content_id)?;
				if sessions.len() >= self.inner.capacity {
					sessions.pop_front();
				}
				sessions.push_back((content_id, session));
				sessions.len() - 1
			},
		};
		let entry = sessions.remove(position).expect("position is in range");
		sessions.push_back(entry);
		let session = &mut sessions.back_mut().expect("just pushed").1;
		convert::run(session, input)
	}

	fn load(&self, content_id: H256) -> Result<Session, InferenceError> {
		let bytes = self.inner.sources.bytes(content_id)?;
		session_settings(self.inner.environment)
			.and_then(|mut builder| builder.commit_from_memory(&bytes))
			.map_err(|error| {
				log::warn!(target: "verin-inference", "model {content_id:?} does not load: {error}");
				InferenceError::LoadFailed
			})
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
		self.inner.provers.prove(&self.inner.sources, content_id, circuit_digest, input)
	}

	/// The digest of the circuit compiled from the bytes of the model with `content_id`
	/// (how the worker reviews the circuit an owner registered).
	pub fn circuit_digest(&self, content_id: H256) -> Result<H256, InferenceError> {
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
