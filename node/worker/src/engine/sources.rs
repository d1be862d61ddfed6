//! Finding a model's bytes by content id: the local model directory, then the offchain store.

use std::{
	collections::HashMap,
	path::{Path, PathBuf},
	sync::Arc,
};

use sp_core::H256;
use verin_primitives::model::{assemble_from_store, content_id_of, AssembleError};
use verin_worker_primitives::InferenceError;

/// Reads a value of the node's offchain store (persistent local storage) by key.
pub type OffchainGet = Arc<dyn Fn(&[u8]) -> Option<Vec<u8>> + Send + Sync>;

/// Where the engine looks for model bytes.
pub struct ModelSources {
	/// Models handed to the engine in memory, by content id.
	embedded: std::sync::RwLock<HashMap<H256, Arc<[u8]>>>,
	/// Content id of each `*.onnx` file of the model directory.
	local: HashMap<H256, PathBuf>,
	offchain: Option<OffchainGet>,
}

impl ModelSources {
	/// Indexes `model_dir` (if any) by content id.
	pub fn new(model_dir: Option<&Path>, offchain: Option<OffchainGet>) -> std::io::Result<Self> {
		let mut local = HashMap::new();
		if let Some(dir) = model_dir {
			for entry in std::fs::read_dir(dir)? {
				let path = entry?.path();
				if path.extension().is_some_and(|ext| ext == "onnx") {
					let bytes = std::fs::read(&path)?;
					local.insert(content_id_of(&bytes), path);
				}
			}
		}
		Ok(ModelSources { embedded: Default::default(), local, offchain })
	}

	/// Serves `bytes` under their content id; returns it.
	pub fn add(&self, bytes: Vec<u8>) -> H256 {
		let id = content_id_of(&bytes);
		self.embedded.write().unwrap_or_else(|e| e.into_inner()).insert(id, bytes.into());
		id
	}

	/// Content ids of the in-memory and directory models.
	pub fn local_models(&self) -> Vec<H256> {
		let embedded = self.embedded.read().unwrap_or_else(|e| e.into_inner());
		embedded.keys().chain(self.local.keys()).copied().collect()
	}

	/// The model's bytes, verified against its content id.
	pub fn bytes(&self, content_id: H256) -> Result<Vec<u8>, InferenceError> {
		if let Some(bytes) =
			self.embedded.read().unwrap_or_else(|e| e.into_inner()).get(&content_id)
		{
			return Ok(bytes.to_vec());
		}
		if let Some(path) = self.local.get(&content_id) {
			// The file may have changed since it was indexed: hash it again.
			let bytes = std::fs::read(path).map_err(|_| InferenceError::ModelNotFound)?;
			return if content_id_of(&bytes) == content_id {
				Ok(bytes)
			} else {
				Err(InferenceError::ContentMismatch)
			};
		}
		let offchain = self.offchain.as_ref().ok_or(InferenceError::ModelNotFound)?;
		assemble_from_store(&content_id, |key| offchain(key)).map_err(|error| match error {
			AssembleError::MissingManifest | AssembleError::MissingChunk { .. } => {
				InferenceError::ModelNotFound
			},
			_ => InferenceError::ContentMismatch,
		})
	}
}
