//! A model version's bytes on chain: register a model, upload a version in chunks (a window
//! of them in flight), finish it, and take up an upload the chain already holds part of.

use std::collections::VecDeque;

use codec::{Decode, Encode};
use sp_core::H256;
use verin_primitives::{
	model::{chunk_hash, content_id_of, ModelId, ModelMetadata, ModelVersion, VersionSpec},
	tier::Tier,
};

use crate::{
	client::{account_of, bounded_text, generated, Submitted, Transactions, FINALITY_TIMEOUT},
	error::hint,
	runtime, AccountId, Error, Keypair, ModelInfo, Verin,
};

/// Model chunks an upload keeps in the node's transaction pool at once (8 MiB): below the
/// pool's default 20 MiB, and about what one block takes (9 MiB of normal extrinsics). A
/// chunk leaves the window when it is in a block.
const UPLOAD_WINDOW: usize = 32;

/// How long an upload signs against one finalized block before it takes a newer one. Its
/// transactions are mortal for 32 blocks from that block (subxt's default): 30 s (5 blocks
/// of 6 s) leaves them most of their era to get in.
const SIGNING_BLOCK_REUSE: std::time::Duration = std::time::Duration::from_secs(30);

/// Bytes of one chunk (the last one of a file is shorter).
const CHUNK_SIZE: usize = verin_primitives::model::MODEL_CHUNK_SIZE as usize;

/// The bytes of a model version and what to declare about them.
pub struct VersionFile {
	/// The ONNX file's bytes.
	pub bytes: Vec<u8>,
	/// The declaration (from [`crate::spec::spec_from_onnx`]).
	pub spec: VersionSpec,
	/// Verifier data to register as the ZK circuit instead of compiling the model here
	/// (e.g. made by `verin zk compile` on another machine); `None` compiles it when the spec
	/// offers the zk tier. Workers review it against the bytes either way: a circuit that is
	/// not their compile is disputed and pays for nothing.
	pub circuit: Option<Vec<u8>>,
}

impl VersionFile {
	/// The hashes of the file's chunks, in order: what the chain keeps of each.
	pub fn chunk_hashes(&self) -> Vec<H256> {
		self.bytes.chunks(CHUNK_SIZE).map(chunk_hash).collect()
	}
}

/// A new model: its registry entry and the file of its version 1.0.
pub struct ModelFile {
	/// Name in the registry (unique among the owner's models).
	pub name: String,
	/// One line for humans.
	pub description: String,
	/// What it does (e.g. `image-classification`).
	pub task: String,
	/// SPDX license of the weights.
	pub license: String,
	/// Price per inference, in the smallest unit.
	pub price: u128,
	/// The bytes and declaration of version 1.0.
	pub file: VersionFile,
}

/// A step of a deployment or publication, for progress display.
pub enum DeployProgress {
	/// The model is registered under this id.
	Registered(ModelId),
	/// The signer's model of this name has no version yet (an earlier deployment stopped
	/// before publishing): it is continued instead of registering another.
	Continuing(ModelId),
	/// The upload of `version` begins, or resumes with `received` chunks already on chain.
	Uploading {
		/// The model.
		model: ModelId,
		/// The version the upload publishes.
		version: ModelVersion,
		/// Chunks the chain already holds from an earlier, interrupted upload of this file.
		received: u32,
		/// Bytes of those chunks.
		received_bytes: u64,
		/// Chunks of the file.
		chunks: u32,
		/// Bytes of the file.
		bytes: u64,
	},
	/// `done` of `chunks` chunks (`bytes_done` of `bytes` bytes) are in blocks, counting
	/// those received before this run.
	Chunk {
		/// Chunks on chain.
		done: u32,
		/// Chunks of the file.
		chunks: u32,
		/// Bytes on chain.
		bytes_done: u64,
		/// Bytes of the file.
		bytes: u64,
	},
	/// The ZK circuit is compiled; its registration is being submitted.
	CircuitCompiled {
		/// Its digest.
		digest: [u8; 32],
		/// Bytes of its verifier data.
		bytes: usize,
	},
	/// The version is published.
	Published(ModelVersion),
}

/// A published model version.
pub struct Deployed {
	/// The model's id.
	pub model: ModelId,
	/// The version published.
	pub version: ModelVersion,
	/// Content id of its bytes.
	pub content_id: H256,
	/// Digest of its registered ZK circuit, if the ZK tier is offered.
	pub circuit_digest: Option<[u8; 32]>,
}

/// An upload in progress, as the chain keeps it (`Models::Uploads`).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct PendingUpload {
	/// The version finishing it publishes.
	pub version: ModelVersion,
	/// What the version declares about its bytes.
	pub spec: VersionSpec,
	/// Size of the file in bytes.
	pub size: u64,
	/// Hashes of the chunks received so far, in order.
	pub chunk_hashes: Vec<H256>,
	/// Deposit held for the version's bytes.
	pub deposit: u128,
	/// Block at which the upload expires if unfinished.
	pub expires_at: u32,
}

impl PendingUpload {
	/// Chunks of the whole file.
	pub fn chunk_count(&self) -> u32 {
		verin_primitives::model::chunk_count(self.size) as u32
	}

	/// How this upload differs from one of `file` as `version`; `None` if it is that
	/// upload, possibly unfinished.
	pub fn difference(&self, version: ModelVersion, file: &VersionFile) -> Option<&'static str> {
		if self.version != version {
			return Some("another version");
		}
		if self.size != file.bytes.len() as u64 {
			return Some("another size");
		}
		let hashes = file.chunk_hashes();
		if self.chunk_hashes.len() > hashes.len()
			|| self.chunk_hashes[..] != hashes[..self.chunk_hashes.len()]
		{
			return Some("other bytes");
		}
		if self.spec != file.spec {
			return Some("another declaration: schema, tiers or tolerance");
		}
		None
	}
}

/// What a transaction of an upload does, so that its finality is reported for what it is.
enum Step {
	Begin,
	Chunk { bytes: u64 },
	Finish,
	Circuit,
}

/// The signing client of an upload, renewed every [`SIGNING_BLOCK_REUSE`]: fetching the
/// block, its header and the runtime version for each chunk took longer than the chain
/// takes to include it.
struct Signing {
	transactions: Transactions,
	since: std::time::Instant,
}

impl Signing {
	async fn new(verin: &Verin) -> Result<Self, Error> {
		Ok(Self { transactions: verin.transactions().await?, since: std::time::Instant::now() })
	}

	async fn current(&mut self, verin: &Verin) -> Result<&mut Transactions, Error> {
		if self.since.elapsed() > SIGNING_BLOCK_REUSE {
			*self = Self::new(verin).await?;
		}
		Ok(&mut self.transactions)
	}
}

/// Chunks and bytes of a file on chain, counted as their transactions get into blocks.
struct Tally {
	done: u32,
	chunks: u32,
	bytes_done: u64,
	bytes: u64,
}

impl Tally {
	fn settled(&mut self, step: &Step, progress: &mut impl FnMut(DeployProgress)) {
		if let Step::Chunk { bytes } = step {
			self.done += 1;
			self.bytes_done += bytes;
			progress(DeployProgress::Chunk {
				done: self.done,
				chunks: self.chunks,
				bytes_done: self.bytes_done,
				bytes: self.bytes,
			});
		}
	}
}

impl Verin {
	/// Registers a new model owned by the signer, with no version yet; returns its id.
	pub async fn register_model(&self, key: &Keypair, model: &ModelFile) -> Result<ModelId, Error> {
		let metadata = ModelMetadata {
			name: bounded_text(&model.name, "the name")?,
			description: bounded_text(&model.description, "the description")?,
			task: bounded_text(&model.task, "the task")?,
			license: bounded_text(&model.license, "the license")?,
			tags: Default::default(),
		};
		let registered = self
			.send(
				&runtime::transactions().models().register_model(generated(&metadata), model.price),
				key,
			)
			.await?;
		Ok(registered
			.find_first::<runtime::models::events::ModelRegistered>()
			.ok_or_else(|| Error::Node("the registration emitted no ModelRegistered event".into()))?
			.map_err(|e| Error::Node(e.to_string()))?
			.model)
	}

	/// Registers a model and publishes its version 1.0 ([`Verin::publish_version`]).
	///
	/// An earlier deployment that stopped half way is continued: if the signer owns a model
	/// of this name without a version, that model is used (its price set to this one's), and
	/// its pending upload of this file resumes where it stopped. A model of this name with a
	/// version is [`Error::NameTaken`].
	pub async fn deploy(
		&self,
		key: &Keypair,
		model: &ModelFile,
		mut progress: impl FnMut(DeployProgress),
	) -> Result<Deployed, Error> {
		// Compile before anything is paid for: a model outside the subset (or an SDK built
		// without the `zk` feature) fails here.
		let circuit = circuit_of(&model.file)?;
		let owner = account_of(key);
		let id = match self.owned_model_named(&owner, &model.name).await? {
			Some((id, info)) if !info.versions.is_empty() => {
				return Err(Error::NameTaken { name: model.name.clone(), model: id });
			},
			Some((id, info)) => {
				progress(DeployProgress::Continuing(id));
				if info.price != model.price {
					self.set_price(key, id, model.price).await?;
				}
				id
			},
			None => {
				let id = self.register_model(key, model).await?;
				progress(DeployProgress::Registered(id));
				id
			},
		};
		self.upload_version(key, id, ModelVersion::new(1, 0), &model.file, circuit, progress).await
	}

	/// Publishes `version` of the signer's `model` from `file`: uploads its bytes in
	/// chunks, finishes the upload and, when the spec offers the ZK tier, registers its
	/// circuit (compiled here unless `file.circuit` gives it, which needs the `zk` feature).
	/// The version must be greater than the model's latest ([`Error::VersionNotIncreasing`]).
	///
	/// An upload of the same version of the same file that the chain holds part of (an
	/// interrupted run) resumes at its first missing chunk; an upload of anything else is
	/// [`Error::OtherUploadPending`]. `progress` sees each step.
	pub async fn publish_version(
		&self,
		key: &Keypair,
		model: ModelId,
		version: ModelVersion,
		file: &VersionFile,
		progress: impl FnMut(DeployProgress),
	) -> Result<Deployed, Error> {
		let info = self.model(model).await?;
		if info.owner != account_of(key) {
			return Err(refusal("Models::NotOwner"));
		}
		if let Some(latest) = info.latest_version().filter(|latest| version <= *latest) {
			return Err(Error::VersionNotIncreasing { model: model.to_string(), version, latest });
		}
		let circuit = circuit_of(file)?;
		self.upload_version(key, model, version, file, circuit, progress).await
	}

	/// Begins the upload of `file` as `version` of the signer's `model`, and nothing more.
	/// A building block of [`Verin::publish_version`], which does the whole upload (and
	/// resumes one begun this way), for clients that drive an upload step by step.
	pub async fn begin_upload(
		&self,
		key: &Keypair,
		model: ModelId,
		version: ModelVersion,
		file: &VersionFile,
	) -> Result<(), Error> {
		let size = file.bytes.len() as u64;
		let chunks = verin_primitives::model::chunk_count(size) as u32;
		let call = runtime::transactions().models().begin_upload(
			model,
			generated(&version),
			generated(&file.spec),
			size,
			chunks,
		);
		self.send(&call, key).await?;
		Ok(())
	}

	/// Uploads chunk `index` of `file` to the signer's `model`, whose upload of it began
	/// ([`Verin::begin_upload`]); chunks go in order.
	pub async fn upload_chunk(
		&self,
		key: &Keypair,
		model: ModelId,
		file: &VersionFile,
		index: u32,
	) -> Result<(), Error> {
		let chunk = file
			.bytes
			.chunks(CHUNK_SIZE)
			.nth(index as usize)
			.ok_or_else(|| Error::File(format!("the file has no chunk {index}")))?;
		let call =
			runtime::transactions().models().upload_chunk(model, index, generated(&chunk.to_vec()));
		self.send(&call, key).await?;
		Ok(())
	}

	/// The upload in progress of `model` in the finalized state, if any.
	pub async fn pending_upload(&self, model: ModelId) -> Result<Option<PendingUpload>, Error> {
		let at = self.api.at_current_block().await.map_err(|e| Error::Node(e.to_string()))?;
		let entry = at
			.storage()
			.entry(runtime::storage().models().uploads())
			.map_err(|e| Error::RuntimeMismatch(e.to_string()))?;
		let Some(value) =
			entry.try_fetch((model,)).await.map_err(|e| Error::Node(e.to_string()))?
		else {
			return Ok(None);
		};
		let upload = value.decode().map_err(|e| Error::Node(e.to_string()))?;
		PendingUpload::decode(&mut &upload.encode()[..])
			.map(Some)
			.map_err(|e| Error::RuntimeMismatch(format!("Models::Uploads: {e}")))
	}

	/// The signer's model named `name`, if it owns one (names are unique per owner).
	async fn owned_model_named(
		&self,
		owner: &AccountId,
		name: &str,
	) -> Result<Option<(ModelId, ModelInfo)>, Error> {
		Ok(self.models().await?.into_iter().find(|(_, info)| {
			info.owner == *owner && info.metadata.name.as_slice() == name.as_bytes()
		}))
	}

	/// Uploads `file` as `version` of `model` (resuming the chain's pending upload of it),
	/// publishes it and registers `circuit`.
	async fn upload_version(
		&self,
		key: &Keypair,
		model: ModelId,
		version: ModelVersion,
		file: &VersionFile,
		circuit: Option<crate::zk::CompiledCircuit>,
		mut progress: impl FnMut(DeployProgress),
	) -> Result<Deployed, Error> {
		let owner = account_of(key);
		// A run that was interrupted may have left chunks in the pool: the chain's pending
		// upload is only what resumes from once they are in.
		self.wait_until_settled(&owner).await?;
		let received = match self.pending_upload(model).await? {
			None => None,
			Some(pending) => match pending.difference(version, file) {
				None => Some(pending.chunk_hashes.len()),
				Some(difference) => {
					return Err(Error::OtherUploadPending {
						model: model.to_string(),
						pending: pending.version,
						difference,
					});
				},
			},
		};
		let size = file.bytes.len() as u64;
		let chunks: Vec<&[u8]> = file.bytes.chunks(CHUNK_SIZE).collect();
		let first_missing = received.unwrap_or(0);
		let received_bytes: u64 = chunks[..first_missing].iter().map(|c| c.len() as u64).sum();
		progress(DeployProgress::Uploading {
			model,
			version,
			received: first_missing as u32,
			received_bytes,
			chunks: chunks.len() as u32,
			bytes: size,
		});

		// Everything goes out back to back with consecutive nonces (the pool orders them)
		// and is awaited in order, as the window allows: no round trip per transaction.
		let mut nonce = self.next_nonce(&owner).await?;
		let mut signing = Signing::new(self).await?;
		let mut pending: VecDeque<(Step, Submitted)> = VecDeque::with_capacity(UPLOAD_WINDOW + 3);
		let mut tally = Tally {
			done: first_missing as u32,
			chunks: chunks.len() as u32,
			bytes_done: received_bytes,
			bytes: size,
		};
		if received.is_none() {
			let begin = runtime::transactions().models().begin_upload(
				model,
				generated(&version),
				generated(&file.spec),
				size,
				chunks.len() as u32,
			);
			pending.push_back((
				Step::Begin,
				self.submit_with(signing.current(self).await?, &begin, key, nonce).await?,
			));
			nonce += 1;
		}
		for (index, chunk) in chunks.iter().enumerate().skip(first_missing) {
			let call = runtime::transactions().models().upload_chunk(
				model,
				index as u32,
				generated(&chunk.to_vec()),
			);
			let step = Step::Chunk { bytes: chunk.len() as u64 };
			pending.push_back((
				step,
				self.submit_with(signing.current(self).await?, &call, key, nonce).await?,
			));
			nonce += 1;
			// A large model would overflow the node's transaction pool (20 MiB by default):
			// at most `UPLOAD_WINDOW` chunks wait at once.
			while pending.len() > UPLOAD_WINDOW {
				let Some((step, oldest)) = pending.pop_front() else { break };
				self.settle(key, &step, oldest).await?;
				tally.settled(&step, &mut progress);
			}
		}
		let finish = runtime::transactions().models().finish_upload(model);
		pending.push_back((
			Step::Finish,
			self.submit_with(signing.current(self).await?, &finish, key, nonce).await?,
		));
		nonce += 1;
		let circuit_digest = match circuit {
			Some(circuit) => {
				progress(DeployProgress::CircuitCompiled {
					digest: circuit.digest,
					bytes: circuit.verifier_data.len(),
				});
				let call = runtime::transactions().models().register_circuit(
					model,
					generated(&version),
					generated(&circuit.verifier_data),
				);
				pending.push_back((
					Step::Circuit,
					self.submit_with(signing.current(self).await?, &call, key, nonce).await?,
				));
				Some(circuit.digest)
			},
			None => None,
		};
		for (step, transaction) in pending {
			self.settle(key, &step, transaction).await?;
			tally.settled(&step, &mut progress);
		}
		progress(DeployProgress::Published(version));
		Ok(Deployed { model, version, content_id: content_id_of(&file.bytes), circuit_digest })
	}

	/// Waits for a transaction of an upload. A chunk is only awaited into a block, which
	/// frees its room in the pool for the next; the finalized success of `finish_upload`,
	/// sent after every chunk, is what proves they all arrived (a missing one fails it with
	/// `UploadIncomplete`).
	async fn settle(
		&self,
		key: &Keypair,
		step: &Step,
		transaction: Submitted,
	) -> Result<(), Error> {
		match step {
			Step::Chunk { .. } => self.included(key, transaction).await,
			Step::Begin | Step::Finish | Step::Circuit => {
				self.finalized(key, transaction).await.map(|_| ())
			},
		}
	}

	/// Waits until every transaction `who` sent is finalized (its nonce in the finalized
	/// state reaches the pool's next one); [`Error::EarlierTransactionsPending`] if that
	/// takes longer than a transaction may.
	async fn wait_until_settled(&self, who: &AccountId) -> Result<(), Error> {
		let account = subxt::utils::AccountId32(who.clone().into());
		let started = std::time::Instant::now();
		loop {
			let next = self.next_nonce(who).await?;
			let at = self.api.at_current_block().await.map_err(|e| Error::Node(e.to_string()))?;
			let finalized = at
				.transactions()
				.account_nonce(&account)
				.await
				.map_err(|e| Error::Node(e.to_string()))?;
			if finalized >= next {
				return Ok(());
			}
			if started.elapsed() > FINALITY_TIMEOUT {
				return Err(Error::EarlierTransactionsPending { account: who.to_string() });
			}
			tokio::time::sleep(std::time::Duration::from_secs(1)).await;
		}
	}
}

/// The circuit to register with `file`: none unless its spec offers the zk tier; the given
/// verifier data, or the compile of the bytes.
fn circuit_of(file: &VersionFile) -> Result<Option<crate::zk::CompiledCircuit>, Error> {
	Ok(match (&file.circuit, file.spec.tiers.contains(Tier::Zk)) {
		(_, false) => None,
		(Some(verifier_data), true) => {
			Some(crate::zk::CompiledCircuit::from_verifier_data(verifier_data.clone()))
		},
		(None, true) => Some(crate::zk::compile_circuit(&file.bytes)?),
	})
}

/// The refusal the chain would answer with `error` (`Pallet::Error`), found before sending.
pub(crate) fn refusal(error: &str) -> Error {
	Error::Refused { error: error.to_string(), hint: hint(error) }
}

#[cfg(test)]
mod tests {
	use super::*;
	use verin_primitives::{model::ToleranceRule, tier::TierSet};

	/// The three-chunk float MLP, declared for the vanilla tier.
	fn float_mlp() -> VersionFile {
		let path =
			format!("{}/../../scripts/models/digits-mlp-f32.onnx", env!("CARGO_MANIFEST_DIR"));
		let bytes = std::fs::read(path).expect("the repository's models are there");
		let tiers: TierSet = [Tier::Vanilla].into_iter().collect();
		let spec = crate::spec::spec_from_onnx(&bytes, tiers, ToleranceRule::ArgmaxEqual)
			.expect("the float MLP declares");
		VersionFile { bytes, spec, circuit: None }
	}

	/// The chain's record of an upload of `file` as 1.0 that received `received` chunks.
	fn pending(file: &VersionFile, received: usize) -> PendingUpload {
		PendingUpload {
			version: ModelVersion::new(1, 0),
			spec: file.spec.clone(),
			size: file.bytes.len() as u64,
			chunk_hashes: file.chunk_hashes()[..received].to_vec(),
			deposit: 0,
			expires_at: 100,
		}
	}

	#[test]
	fn an_upload_of_the_same_file_is_resumable_at_any_point() {
		let file = float_mlp();
		assert_eq!(file.chunk_hashes().len(), 3);
		for received in 0..=3 {
			let upload = pending(&file, received);
			assert_eq!(upload.difference(ModelVersion::new(1, 0), &file), None);
			assert_eq!(upload.chunk_count(), 3);
		}
	}

	#[test]
	fn an_upload_of_anything_else_is_named() {
		let file = float_mlp();
		let upload = pending(&file, 2);
		assert_eq!(upload.difference(ModelVersion::new(1, 1), &file), Some("another version"));

		let mut other_bytes = float_mlp();
		other_bytes.bytes[10] ^= 1;
		assert_eq!(upload.difference(ModelVersion::new(1, 0), &other_bytes), Some("other bytes"));

		let mut shorter = float_mlp();
		shorter.bytes.truncate(shorter.bytes.len() - 1);
		assert_eq!(upload.difference(ModelVersion::new(1, 0), &shorter), Some("another size"));

		let mut redeclared = float_mlp();
		redeclared.spec.tiers = [Tier::Vanilla, Tier::Optimistic].into_iter().collect();
		assert!(upload
			.difference(ModelVersion::new(1, 0), &redeclared)
			.unwrap()
			.contains("declaration"));
	}

	#[test]
	fn a_pending_upload_has_the_shape_of_the_runtimes() {
		// `pending_upload` decodes `Models::Uploads` through this type: it must read what the
		// runtime's metadata says is stored there, field by field.
		let upload = pending(&float_mlp(), 2);
		let stored: runtime::runtime_types::pallet_models::PendingUpload = generated(&upload);
		assert_eq!(stored.size, upload.size);
		assert_eq!(stored.chunk_hashes.0.len(), 2);
		assert_eq!(stored.expires_at, upload.expires_at);
		assert_eq!(PendingUpload::decode(&mut &stored.encode()[..]).unwrap(), upload);
	}
}
