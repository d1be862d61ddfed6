//! Models: identifiers, versions, tensor schemas, determinism classes and the content
//! addressing of model bytes.
//!
//! # Content addressing
//! A model file is cut into chunks of [`MODEL_CHUNK_SIZE`] bytes (the last one shorter).
//! Each chunk is identified by its blake2-256 hash and the file by its *content id*: the
//! blake2-256 hash of a domain tag, the file size and the chunk hashes in order
//! ([`content_id`]). The chunking is fixed by the protocol, so anyone can recompute a
//! content id from the file alone ([`content_id_of`]). The runtime hashes chunks as they
//! are uploaded and writes their bytes to the nodes' offchain stores under
//! [`offchain_chunk_key`]; [`assemble`] puts a file back together from any such store and
//! checks every chunk and the content id on the way.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::{ConstU32, Get, H256};
use sp_runtime::BoundedVec;

use crate::tier::{Tier, TierSet};

/// Identifier of a registered model, assigned in registration order.
pub type ModelId = u64;

/// Bytes per upload chunk. Protocol constant: changing it changes every content id.
pub const MODEL_CHUNK_SIZE: u32 = 256 * 1024;

/// Longest tensor name, in bytes.
pub const MAX_TENSOR_NAME_LEN: u32 = 64;
/// Highest tensor rank a schema may declare.
pub const MAX_TENSOR_RANK: u32 = 8;
/// Most input (or output) tensors a model may declare.
pub const MAX_TENSORS: u32 = 8;

/// Domain tag hashed into every content id, so a content id is never a hash of something else.
const CONTENT_ID_DOMAIN: &[u8] = b"verin:model-content:v1";
/// Prefix of the offchain-storage keys under which chunk bytes are indexed.
const OFFCHAIN_CHUNK_PREFIX: &[u8] = b"verin/model-chunk/";
/// Prefix of the offchain-storage keys under which a file's [`ModelManifest`] is indexed.
const OFFCHAIN_MANIFEST_PREFIX: &[u8] = b"verin/model-manifest/";

/// A model version `major.minor`. Versions of a model only ever increase; a published
/// version's content never changes.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	Default,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct ModelVersion {
	/// Incompatible changes (schema changes).
	pub major: u16,
	/// Compatible changes (retrained weights, same schema).
	pub minor: u16,
}

impl ModelVersion {
	/// `major.minor`.
	pub const fn new(major: u16, minor: u16) -> Self {
		ModelVersion { major, minor }
	}
}

impl core::fmt::Display for ModelVersion {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		write!(f, "{}.{}", self.major, self.minor)
	}
}

/// Element type of a tensor.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum ElementType {
	/// IEEE-754 binary32.
	F32,
	/// Signed 8-bit integer.
	I8,
	/// Unsigned 8-bit integer.
	U8,
	/// Signed 32-bit integer.
	I32,
	/// Signed 64-bit integer.
	I64,
	/// IEEE-754 binary16 (half precision).
	F16,
	/// Boolean, one byte per element: 0 (false) or 1 (true).
	Bool,
	/// IEEE-754 binary64.
	F64,
}

impl ElementType {
	/// Bytes per element in the little-endian tensor encoding.
	pub const fn byte_width(self) -> u32 {
		match self {
			ElementType::I8 | ElementType::U8 | ElementType::Bool => 1,
			ElementType::F16 => 2,
			ElementType::F32 | ElementType::I32 => 4,
			ElementType::I64 | ElementType::F64 => 8,
		}
	}

	/// Whether the type holds exact values (integers and booleans, allowed in
	/// integer-exact models), as opposed to floating point.
	pub const fn is_exact(self) -> bool {
		!self.is_float()
	}

	/// Whether the type is a floating-point type.
	pub const fn is_float(self) -> bool {
		matches!(self, ElementType::F16 | ElementType::F32 | ElementType::F64)
	}
}

/// One dimension of a tensor shape.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum Dim {
	/// The batch dimension, chosen per request. Only allowed first.
	Batch,
	/// A fixed, non-zero size.
	Fixed(u32),
	/// A size each request (or, for an output, each result) chooses within bounds the
	/// owner declares: a sequence length, an image's height or width. Fees and size
	/// checks count `max`, so the bounds are what the owner lets requesters ask for.
	Range {
		/// Smallest size, at least 1.
		min: u32,
		/// Largest size, at least `min`.
		max: u32,
	},
}

impl Dim {
	/// Whether `size` is allowed here (any non-zero size for the batch dimension; the
	/// batch bound is the runtime's).
	pub const fn admits(self, size: u32) -> bool {
		match self {
			Dim::Batch => size > 0,
			Dim::Fixed(fixed) => size == fixed,
			Dim::Range { min, max } => min <= size && size <= max,
		}
	}
}

/// A named tensor of a model's input or output.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	PartialEq,
	Eq,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct TensorSpec {
	/// The graph's name for the tensor (UTF-8).
	pub name: BoundedVec<u8, ConstU32<MAX_TENSOR_NAME_LEN>>,
	/// Element type.
	pub element: ElementType,
	/// Shape; `Dim::Batch` may only be the first dimension.
	pub shape: BoundedVec<Dim, ConstU32<MAX_TENSOR_RANK>>,
}

/// The tensors a model consumes and produces.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	PartialEq,
	Eq,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct TensorSchema {
	/// Input tensors, in the graph's order.
	pub inputs: BoundedVec<TensorSpec, ConstU32<MAX_TENSORS>>,
	/// Output tensors, in the graph's order.
	pub outputs: BoundedVec<TensorSpec, ConstU32<MAX_TENSORS>>,
}

/// How two executions of a float model are compared (re-execution in the Optimistic tier).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum ToleranceRule {
	/// Every output element within this absolute error, in millionths.
	MaxAbsErrorMicros(u32),
	/// The index of the largest element of each output row is the same.
	ArgmaxEqual,
}

/// Whether a model's executions can be compared bit for bit.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum DeterminismClass {
	/// Integer weights and activations only: every execution gives identical bytes.
	IntegerExact,
	/// Floating point: executions are compared with the given rule.
	Float(ToleranceRule),
}

/// Serialization format of the model bytes.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum ModelFormat {
	/// An ONNX graph with the given default-domain opset version.
	Onnx {
		/// Opset version of the default (`ai.onnx`) domain.
		opset: u16,
	},
}

/// Lifecycle status of a model.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum ModelStatus {
	/// Accepts new requests.
	Active,
	/// Still served, but its owner asks callers to move on; clients warn.
	Deprecated,
	/// Accepts no new requests.
	Disabled,
}

/// What is wrong with a schema or with a version's declared properties.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SchemaError {
	/// No input or no output tensor.
	NoTensors,
	/// A tensor has an empty name.
	EmptyTensorName,
	/// Two inputs, or two outputs, share a name.
	DuplicateTensorName,
	/// A dimension is zero.
	ZeroDimension,
	/// `Dim::Batch` appears somewhere other than first.
	MisplacedBatchDimension,
	/// A `Dim::Range` has `min` zero or greater than `max`.
	InvalidDimensionRange,
	/// The fixed dimensions multiply to more than `u32::MAX` elements.
	TensorTooLarge,
	/// An integer-exact model declares a float tensor.
	FloatTensorInIntegerModel,
	/// The tier set is empty or holds unknown bits.
	InvalidTiers,
	/// The ZK tier needs an integer-exact model.
	ZkNeedsIntegerExact,
	/// The ZK tier needs fixed shapes (a circuit has one size): no `Dim::Range`.
	ZkNeedsFixedShapes,
}

impl TensorSpec {
	/// Most elements per batch item: the product of the other dimensions, each ranged
	/// dimension at its `max`.
	pub fn elements_per_item(&self) -> Option<u32> {
		self.shape.iter().try_fold(1u32, |acc, dim| match dim {
			Dim::Batch => Some(acc),
			Dim::Fixed(n) | Dim::Range { max: n, .. } => acc.checked_mul(*n),
		})
	}

	/// Whether a request chooses any dimension besides the batch.
	pub fn has_ranged_dimension(&self) -> bool {
		self.shape.iter().any(|dim| matches!(dim, Dim::Range { .. }))
	}

	fn validate(&self) -> Result<(), SchemaError> {
		if self.name.is_empty() {
			return Err(SchemaError::EmptyTensorName);
		}
		for (index, dim) in self.shape.iter().enumerate() {
			match dim {
				Dim::Fixed(0) => return Err(SchemaError::ZeroDimension),
				Dim::Batch if index != 0 => return Err(SchemaError::MisplacedBatchDimension),
				Dim::Range { min, max } if *min == 0 || min > max => {
					return Err(SchemaError::InvalidDimensionRange)
				},
				_ => {},
			}
		}
		self.elements_per_item().map(|_| ()).ok_or(SchemaError::TensorTooLarge)
	}
}

fn validate_tensor_list(tensors: &[TensorSpec]) -> Result<(), SchemaError> {
	if tensors.is_empty() {
		return Err(SchemaError::NoTensors);
	}
	for (index, tensor) in tensors.iter().enumerate() {
		tensor.validate()?;
		if tensors[..index].iter().any(|earlier| earlier.name == tensor.name) {
			return Err(SchemaError::DuplicateTensorName);
		}
	}
	Ok(())
}

impl TensorSchema {
	/// Checks the schema on its own: tensors present, names unique, shapes well formed.
	pub fn validate(&self) -> Result<(), SchemaError> {
		validate_tensor_list(&self.inputs)?;
		validate_tensor_list(&self.outputs)
	}

	fn all_tensors(&self) -> impl Iterator<Item = &TensorSpec> {
		self.inputs.iter().chain(self.outputs.iter())
	}
}

/// Checks that a version's schema, determinism class and tiers fit together
/// (docs/tiers.md: ZK needs an integer-exact model; integer-exact models have no floats).
pub fn validate_version_properties(
	schema: &TensorSchema,
	determinism: &DeterminismClass,
	tiers: &TierSet,
) -> Result<(), SchemaError> {
	schema.validate()?;
	if tiers.is_empty() || tiers.has_unknown_bits() {
		return Err(SchemaError::InvalidTiers);
	}
	let integer_exact = matches!(determinism, DeterminismClass::IntegerExact);
	if integer_exact && schema.all_tensors().any(|t| !t.element.is_exact()) {
		return Err(SchemaError::FloatTensorInIntegerModel);
	}
	if tiers.contains(Tier::Zk) && !integer_exact {
		return Err(SchemaError::ZkNeedsIntegerExact);
	}
	if tiers.contains(Tier::Zk) && schema.all_tensors().any(TensorSpec::has_ranged_dimension) {
		return Err(SchemaError::ZkNeedsFixedShapes);
	}
	Ok(())
}

/// Longest model name, in bytes. Names are unique per owner.
pub const MAX_MODEL_NAME_LEN: u32 = 64;
/// Longest model description, in bytes.
pub const MAX_DESCRIPTION_LEN: u32 = 1024;
/// Longest task label (e.g. `image-classification`), in bytes.
pub const MAX_TASK_LEN: u32 = 64;
/// Longest license identifier (an SPDX expression), in bytes.
pub const MAX_LICENSE_LEN: u32 = 64;
/// Most tags per model.
pub const MAX_TAGS: u32 = 8;
/// Longest tag, in bytes.
pub const MAX_TAG_LEN: u32 = 32;
/// Most published versions per model.
pub const MAX_VERSIONS: u32 = 32;

/// A model's name.
pub type ModelName = BoundedVec<u8, ConstU32<MAX_MODEL_NAME_LEN>>;
/// A model's tags.
pub type ModelTags = BoundedVec<BoundedVec<u8, ConstU32<MAX_TAG_LEN>>, ConstU32<MAX_TAGS>>;

/// Descriptive fields of a model, set at registration.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	PartialEq,
	Eq,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct ModelMetadata {
	/// Name, unique among the owner's models (UTF-8).
	pub name: ModelName,
	/// Free text for humans (UTF-8).
	pub description: BoundedVec<u8, ConstU32<MAX_DESCRIPTION_LEN>>,
	/// What the model does, e.g. `image-classification`, `intent-classification`.
	pub task: BoundedVec<u8, ConstU32<MAX_TASK_LEN>>,
	/// License of the weights, as an SPDX expression.
	pub license: BoundedVec<u8, ConstU32<MAX_LICENSE_LEN>>,
	/// Search tags.
	pub tags: ModelTags,
}

/// What a version declares about its bytes, fixed when its upload begins.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	PartialEq,
	Eq,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct VersionSpec {
	/// Serialization format.
	pub format: ModelFormat,
	/// Input and output tensors.
	pub schema: TensorSchema,
	/// How executions compare.
	pub determinism: DeterminismClass,
	/// Tiers requests may ask for.
	pub tiers: TierSet,
}

/// A registered model.
#[derive(
	Encode,
	Decode,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	PartialEq,
	Eq,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct ModelInfo<AccountId, Balance, BlockNumber> {
	/// Account that may change or remove the model and receives its royalties.
	pub owner: AccountId,
	/// Account the owner offered the model to, until it accepts.
	pub pending_owner: Option<AccountId>,
	/// Descriptive fields.
	pub metadata: ModelMetadata,
	/// Price of one inference, paid to the owner as royalty.
	pub price: Balance,
	/// Lifecycle status.
	pub status: ModelStatus,
	/// Published versions, oldest first.
	pub versions: BoundedVec<ModelVersion, ConstU32<MAX_VERSIONS>>,
	/// Storage deposit held from the owner for the model, its versions and any upload.
	pub deposit: Balance,
	/// Block of registration.
	pub created_at: BlockNumber,
}

impl<AccountId, Balance, BlockNumber> ModelInfo<AccountId, Balance, BlockNumber> {
	/// The newest published version.
	pub fn latest_version(&self) -> Option<ModelVersion> {
		self.versions.last().copied()
	}
}

/// A published version of a model.
#[derive(
	Encode,
	Decode,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	PartialEq,
	Eq,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct VersionInfo<Balance, BlockNumber> {
	/// Content id of the model bytes ([`content_id`]).
	pub content_id: H256,
	/// Size of the model file in bytes.
	pub size: u64,
	/// What the version declares about its bytes.
	pub spec: VersionSpec,
	/// Digest of the ZK circuit compiled from the bytes, once registered.
	pub circuit_digest: Option<H256>,
	/// Storage deposit this version accounts for (part of the model's deposit).
	pub deposit: Balance,
	/// Block of publication.
	pub created_at: BlockNumber,
}

/// A model published at genesis, with one version `1.0`. Genesis cannot index bytes
/// offchain: workers serve such models from a local model directory (or embedded copies).
///
/// Defined here rather than in the model registry pallet so that a node can build a genesis
/// configuration without depending on the pallet; its serde form is the genesis JSON's.
#[derive(
	Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize,
)]
pub struct GenesisModel<AccountId, Balance> {
	/// Owner; pays the usual deposits from its genesis balance.
	pub owner: AccountId,
	/// Descriptive fields.
	pub metadata: ModelMetadata,
	/// Price of one inference.
	pub price: Balance,
	/// What version 1.0 declares.
	pub spec: VersionSpec,
	/// Size of the file in bytes.
	pub size: u64,
	/// Hashes of its chunks, in order ([`chunk_hash`]).
	pub chunk_hashes: Vec<H256>,
	/// Verifier data of the version's ZK circuit, registered with it (see the model
	/// registry's `register_circuit`).
	#[serde(default)]
	pub circuit: Option<Vec<u8>>,
}

/// Number of chunks a file of `size` bytes is cut into.
pub fn chunk_count(size: u64) -> u64 {
	size.div_ceil(MODEL_CHUNK_SIZE as u64)
}

/// Length of chunk `index` of a file of `size` bytes, or `None` past the last chunk.
pub fn chunk_len(size: u64, index: u64) -> Option<u32> {
	let start = index.checked_mul(MODEL_CHUNK_SIZE as u64)?;
	if start >= size {
		return None;
	}
	Some((size - start).min(MODEL_CHUNK_SIZE as u64) as u32)
}

/// Hash of one chunk.
pub fn chunk_hash(bytes: &[u8]) -> H256 {
	H256(sp_crypto_hashing::blake2_256(bytes))
}

/// The content id of a file of `size` bytes with the given chunk hashes, in order.
pub fn content_id(size: u64, chunk_hashes: &[H256]) -> H256 {
	let mut preimage = Vec::with_capacity(CONTENT_ID_DOMAIN.len() + 8 + 32 * chunk_hashes.len());
	preimage.extend_from_slice(CONTENT_ID_DOMAIN);
	preimage.extend_from_slice(&size.to_le_bytes());
	chunk_hashes.iter().for_each(|hash| preimage.extend_from_slice(hash.as_bytes()));
	H256(sp_crypto_hashing::blake2_256(&preimage))
}

/// The content id of a whole file.
pub fn content_id_of(file: &[u8]) -> H256 {
	let hashes: Vec<H256> = file.chunks(MODEL_CHUNK_SIZE as usize).map(chunk_hash).collect();
	content_id(file.len() as u64, &hashes)
}

/// Offchain-storage key (persistent kind) under which the bytes of the chunk with this hash
/// are indexed.
pub fn offchain_chunk_key(chunk_hash: &H256) -> Vec<u8> {
	let mut key = Vec::with_capacity(OFFCHAIN_CHUNK_PREFIX.len() + 32);
	key.extend_from_slice(OFFCHAIN_CHUNK_PREFIX);
	key.extend_from_slice(chunk_hash.as_bytes());
	key
}

/// Offchain-storage key (persistent kind) under which the [`ModelManifest`] of the file with
/// this content id is indexed.
pub fn offchain_manifest_key(content_id: &H256) -> Vec<u8> {
	let mut key = Vec::with_capacity(OFFCHAIN_MANIFEST_PREFIX.len() + 32);
	key.extend_from_slice(OFFCHAIN_MANIFEST_PREFIX);
	key.extend_from_slice(content_id.as_bytes());
	key
}

/// What a node needs to rebuild a file from its content id alone: indexed offchain by the
/// runtime when a version is published.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct ModelManifest {
	/// File size in bytes.
	pub size: u64,
	/// Chunk hashes in file order.
	pub chunk_hashes: Vec<H256>,
}

/// Why [`assemble`] could not rebuild a file.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AssembleError {
	/// The chunk list does not fit the declared size.
	ChunkCountMismatch {
		/// Chunks the size implies.
		expected: u64,
		/// Chunks listed.
		listed: u64,
	},
	/// The store has no bytes for chunk `index`.
	MissingChunk {
		/// Position of the chunk in the file.
		index: u32,
	},
	/// The stored bytes of chunk `index` do not hash to the listed hash.
	CorruptChunk {
		/// Position of the chunk in the file.
		index: u32,
	},
	/// Chunk `index` has the wrong length for its position.
	ChunkLengthMismatch {
		/// Position of the chunk in the file.
		index: u32,
	},
	/// The chunk hashes do not produce the expected content id.
	ContentIdMismatch,
	/// The store has no manifest for the content id.
	MissingManifest,
	/// The stored manifest does not decode.
	CorruptManifest,
}

/// Rebuilds a file from a chunk store, verifying each chunk's hash and length and the
/// content id. `fetch` returns the stored bytes of a chunk by its hash.
pub fn assemble(
	size: u64,
	chunk_hashes: &[H256],
	expected_content_id: &H256,
	mut fetch: impl FnMut(&H256) -> Option<Vec<u8>>,
) -> Result<Vec<u8>, AssembleError> {
	let expected = chunk_count(size);
	if expected != chunk_hashes.len() as u64 {
		return Err(AssembleError::ChunkCountMismatch {
			expected,
			listed: chunk_hashes.len() as u64,
		});
	}
	if content_id(size, chunk_hashes) != *expected_content_id {
		return Err(AssembleError::ContentIdMismatch);
	}
	let mut file = Vec::with_capacity(size as usize);
	for (index, hash) in chunk_hashes.iter().enumerate() {
		let index32 = index as u32;
		let bytes = fetch(hash).ok_or(AssembleError::MissingChunk { index: index32 })?;
		if chunk_len(size, index as u64) != Some(bytes.len() as u32) {
			return Err(AssembleError::ChunkLengthMismatch { index: index32 });
		}
		if chunk_hash(&bytes) != *hash {
			return Err(AssembleError::CorruptChunk { index: index32 });
		}
		file.extend_from_slice(&bytes);
	}
	Ok(file)
}

/// Rebuilds the file with `content_id` from an offchain store that the runtime indexed into:
/// reads its [`ModelManifest`], then every chunk, verifying all of it. `read` returns the
/// value stored under a key.
pub fn assemble_from_store(
	content_id: &H256,
	mut read: impl FnMut(&[u8]) -> Option<Vec<u8>>,
) -> Result<Vec<u8>, AssembleError> {
	let encoded = read(&offchain_manifest_key(content_id)).ok_or(AssembleError::MissingManifest)?;
	let manifest =
		ModelManifest::decode(&mut &encoded[..]).map_err(|_| AssembleError::CorruptManifest)?;
	assemble(manifest.size, &manifest.chunk_hashes, content_id, |hash| {
		read(&offchain_chunk_key(hash))
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::{collections::BTreeMap, vec};

	fn file(len: usize) -> Vec<u8> {
		(0..len).map(|i| (i * 31 % 251) as u8).collect()
	}

	fn store_of(file: &[u8]) -> (Vec<H256>, BTreeMap<H256, Vec<u8>>) {
		let chunks: Vec<&[u8]> = file.chunks(MODEL_CHUNK_SIZE as usize).collect();
		let hashes = chunks.iter().map(|c| chunk_hash(c)).collect();
		let store = chunks.iter().map(|c| (chunk_hash(c), c.to_vec())).collect();
		(hashes, store)
	}

	#[test]
	fn chunking_covers_the_file_exactly() {
		let chunk = MODEL_CHUNK_SIZE as u64;
		assert_eq!(chunk_count(0), 0);
		assert_eq!(chunk_count(1), 1);
		assert_eq!(chunk_count(chunk), 1);
		assert_eq!(chunk_count(chunk + 1), 2);
		assert_eq!(chunk_len(chunk + 1, 0), Some(MODEL_CHUNK_SIZE));
		assert_eq!(chunk_len(chunk + 1, 1), Some(1));
		assert_eq!(chunk_len(chunk + 1, 2), None);
		assert_eq!(chunk_len(10, u64::MAX), None);
	}

	#[test]
	fn assemble_returns_the_file_whose_content_id_matches() {
		let original = file(MODEL_CHUNK_SIZE as usize * 2 + 12_345);
		let (hashes, store) = store_of(&original);
		let id = content_id_of(&original);
		assert_eq!(id, content_id(original.len() as u64, &hashes));
		let rebuilt = assemble(original.len() as u64, &hashes, &id, |h| store.get(h).cloned());
		assert_eq!(rebuilt, Ok(original));
	}

	#[test]
	fn assemble_from_store_needs_only_the_content_id() {
		let original = file(MODEL_CHUNK_SIZE as usize + 99);
		let (hashes, chunks) = store_of(&original);
		let id = content_id_of(&original);
		let mut store: BTreeMap<Vec<u8>, Vec<u8>> =
			chunks.into_iter().map(|(hash, bytes)| (offchain_chunk_key(&hash), bytes)).collect();
		assert_eq!(
			assemble_from_store(&id, |key| store.get(key).cloned()),
			Err(AssembleError::MissingManifest)
		);
		store.insert(offchain_manifest_key(&id), vec![1, 2]);
		assert_eq!(
			assemble_from_store(&id, |key| store.get(key).cloned()),
			Err(AssembleError::CorruptManifest)
		);
		let manifest = ModelManifest { size: original.len() as u64, chunk_hashes: hashes };
		store.insert(offchain_manifest_key(&id), manifest.encode());
		assert_eq!(assemble_from_store(&id, |key| store.get(key).cloned()), Ok(original));
	}

	#[test]
	fn content_id_depends_on_every_byte_and_the_size() {
		let original = file(1000);
		let mut changed = original.clone();
		changed[999] ^= 1;
		assert_ne!(content_id_of(&original), content_id_of(&changed));
		assert_ne!(content_id_of(&original), content_id_of(&original[..999]));
	}

	#[test]
	fn assemble_rejects_missing_corrupt_and_misplaced_chunks() {
		let original = file(MODEL_CHUNK_SIZE as usize + 10);
		let (hashes, mut store) = store_of(&original);
		let size = original.len() as u64;
		let id = content_id_of(&original);

		let missing = assemble(size, &hashes, &id, |h| (h != &hashes[1]).then(|| store[h].clone()));
		assert_eq!(missing, Err(AssembleError::MissingChunk { index: 1 }));

		let wrong_root = assemble(size, &hashes, &H256::repeat_byte(7), |h| store.get(h).cloned());
		assert_eq!(wrong_root, Err(AssembleError::ContentIdMismatch));

		let too_few = assemble(size, &hashes[..1], &id, |h| store.get(h).cloned());
		assert_eq!(too_few, Err(AssembleError::ChunkCountMismatch { expected: 2, listed: 1 }));

		store.get_mut(&hashes[1]).unwrap()[0] ^= 0xff;
		let corrupt = assemble(size, &hashes, &id, |h| store.get(h).cloned());
		assert_eq!(corrupt, Err(AssembleError::CorruptChunk { index: 1 }));

		let short = assemble(size, &hashes, &id, |h| Some(vec![0; (h == &hashes[0]) as usize]));
		assert_eq!(short, Err(AssembleError::ChunkLengthMismatch { index: 0 }));
	}

	fn tensor(name: &str, element: ElementType, shape: Vec<Dim>) -> TensorSpec {
		TensorSpec {
			name: name.as_bytes().to_vec().try_into().unwrap(),
			element,
			shape: shape.try_into().unwrap(),
		}
	}

	fn schema(inputs: Vec<TensorSpec>, outputs: Vec<TensorSpec>) -> TensorSchema {
		TensorSchema { inputs: inputs.try_into().unwrap(), outputs: outputs.try_into().unwrap() }
	}

	#[test]
	fn schema_validation_names_each_defect() {
		use ElementType::*;
		let ok_in = tensor("x", I8, vec![Dim::Batch, Dim::Fixed(64)]);
		let ok_out = tensor("y", I32, vec![Dim::Batch, Dim::Fixed(10)]);
		let vanilla: TierSet = [Tier::Vanilla].into_iter().collect();
		let zk: TierSet = [Tier::Zk].into_iter().collect();
		let exact = DeterminismClass::IntegerExact;
		let float = DeterminismClass::Float(ToleranceRule::ArgmaxEqual);

		let good = schema(vec![ok_in.clone()], vec![ok_out.clone()]);
		assert_eq!(validate_version_properties(&good, &exact, &zk), Ok(()));
		assert_eq!(
			validate_version_properties(&good, &float, &zk),
			Err(SchemaError::ZkNeedsIntegerExact)
		);
		assert_eq!(
			validate_version_properties(&good, &exact, &TierSet::empty()),
			Err(SchemaError::InvalidTiers)
		);
		assert_eq!(
			validate_version_properties(&schema(vec![], vec![ok_out.clone()]), &exact, &vanilla),
			Err(SchemaError::NoTensors)
		);
		assert_eq!(
			validate_version_properties(
				&schema(vec![tensor("", I8, vec![])], vec![ok_out.clone()]),
				&exact,
				&vanilla
			),
			Err(SchemaError::EmptyTensorName)
		);
		assert_eq!(
			validate_version_properties(
				&schema(vec![ok_in.clone(), ok_in.clone()], vec![ok_out.clone()]),
				&exact,
				&vanilla
			),
			Err(SchemaError::DuplicateTensorName)
		);
		assert_eq!(
			validate_version_properties(
				&schema(vec![tensor("x", I8, vec![Dim::Fixed(0)])], vec![ok_out.clone()]),
				&exact,
				&vanilla
			),
			Err(SchemaError::ZeroDimension)
		);
		assert_eq!(
			validate_version_properties(
				&schema(
					vec![tensor("x", I8, vec![Dim::Fixed(2), Dim::Batch])],
					vec![ok_out.clone()]
				),
				&exact,
				&vanilla
			),
			Err(SchemaError::MisplacedBatchDimension)
		);
		assert_eq!(
			validate_version_properties(
				&schema(
					vec![tensor("x", I8, vec![Dim::Fixed(u32::MAX), Dim::Fixed(2)])],
					vec![ok_out.clone()]
				),
				&exact,
				&vanilla
			),
			Err(SchemaError::TensorTooLarge)
		);
		let float_in = schema(vec![tensor("x", F32, vec![Dim::Fixed(4)])], vec![ok_out]);
		assert_eq!(
			validate_version_properties(&float_in, &exact, &vanilla),
			Err(SchemaError::FloatTensorInIntegerModel)
		);
		assert_eq!(validate_version_properties(&float_in, &float, &vanilla), Ok(()));
	}

	#[test]
	fn ranged_dimensions_need_sane_bounds_and_keep_out_of_zk() {
		use ElementType::*;
		let ranged = |min, max| tensor("x", I8, vec![Dim::Batch, Dim::Range { min, max }]);
		let out = tensor("y", I32, vec![Dim::Batch, Dim::Fixed(10)]);
		let vanilla: TierSet = [Tier::Vanilla].into_iter().collect();
		let zk: TierSet = [Tier::Vanilla, Tier::Zk].into_iter().collect();
		let exact = DeterminismClass::IntegerExact;
		let check = |input: TensorSpec, tiers: &TierSet| {
			validate_version_properties(&schema(vec![input], vec![out.clone()]), &exact, tiers)
		};
		assert_eq!(check(ranged(1, 4096), &vanilla), Ok(()));
		assert_eq!(check(ranged(7, 7), &vanilla), Ok(()));
		assert_eq!(check(ranged(0, 4096), &vanilla), Err(SchemaError::InvalidDimensionRange));
		assert_eq!(check(ranged(9, 8), &vanilla), Err(SchemaError::InvalidDimensionRange));
		assert_eq!(check(ranged(1, 4096), &zk), Err(SchemaError::ZkNeedsFixedShapes));
		assert_eq!(ranged(1, 4096).elements_per_item(), Some(4096));
		assert_eq!(
			check(
				tensor("x", I8, vec![Dim::Range { min: 1, max: u32::MAX }, Dim::Fixed(2)]),
				&vanilla
			),
			Err(SchemaError::TensorTooLarge)
		);
	}

	#[test]
	fn booleans_are_exact_and_half_and_double_floats_are_not() {
		use ElementType::*;
		assert!(Bool.is_exact() && I64.is_exact() && U8.is_exact());
		assert!(!F16.is_exact() && !F32.is_exact() && !F64.is_exact());
		assert_eq!((F16.byte_width(), Bool.byte_width(), F64.byte_width()), (2, 1, 8));
		let exact = DeterminismClass::IntegerExact;
		let vanilla: TierSet = [Tier::Vanilla].into_iter().collect();
		let mask = schema(
			vec![tensor("mask", Bool, vec![Dim::Batch, Dim::Fixed(3)])],
			vec![tensor("y", I64, vec![Dim::Batch])],
		);
		assert_eq!(validate_version_properties(&mask, &exact, &vanilla), Ok(()));
		let half =
			schema(vec![tensor("x", F16, vec![Dim::Fixed(3)])], vec![mask.outputs[0].clone()]);
		assert_eq!(
			validate_version_properties(&half, &exact, &vanilla),
			Err(SchemaError::FloatTensorInIntegerModel)
		);
	}
}

/// Why the registry refuses a circuit's verifier data.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CircuitRefusal {
	/// The bytes do not decode as a circuit the runtime's verifier accepts.
	Malformed,
	/// The circuit's rows (element types and widths, which it fixes itself) are not the
	/// version's single input and output tensors.
	SpecMismatch,
}

/// Reads the verifier data of a ZK circuit (implemented by the runtime with its ZK
/// verifier): the registry stores only data that decodes and whose rows are those the
/// version's spec declares, under the digest it hashes to.
pub trait CircuitInspector {
	/// The digest of the circuit `verifier_data` describes, once its rows match `schema`.
	fn inspect(verifier_data: &[u8], schema: &TensorSchema) -> Result<H256, CircuitRefusal>;
}

/// Where a registered ZK circuit stands with the workers who recompiled it.
///
/// The runtime cannot compile a model, so it cannot tell whether a circuit is the compile
/// of the version's bytes; a circuit registered by the model's owner pays for ZK jobs only
/// once other bonded workers have compiled the bytes themselves and found the same digest.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum CircuitStatus {
	/// Registered, with fewer confirmations than the registry requires: ZK requests are
	/// refused.
	#[default]
	Unreviewed,
	/// Confirmed by as many reviewers as the registry requires (or registered at genesis):
	/// ZK requests are taken. Still open to a dispute.
	Trusted,
	/// A reviewer compiled something else (or nothing) from the bytes: ZK requests are
	/// refused until governance resolves the dispute.
	Disputed,
	/// Governance recompiled the bytes and found the dispute false: ZK requests are taken
	/// and no further dispute is accepted.
	Upheld,
}

impl CircuitStatus {
	/// Whether results proved against the circuit may be paid for.
	pub const fn is_trusted(self) -> bool {
		matches!(self, CircuitStatus::Trusted | CircuitStatus::Upheld)
	}
}

/// The review of one version's ZK circuit: who confirmed its digest and who disputed it.
///
/// `MaxReviewers` bounds the confirmations kept; the registry stops taking them once the
/// circuit is trusted, so it never needs more than its required number.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, serde::Serialize, serde::Deserialize)]
#[codec(mel_bound(AccountId: MaxEncodedLen, MaxReviewers: Get<u32>))]
#[scale_info(skip_type_params(MaxReviewers))]
#[serde(bound(
	serialize = "AccountId: serde::Serialize",
	deserialize = "AccountId: serde::Deserialize<'de>, MaxReviewers: Get<u32>"
))]
pub struct CircuitReview<AccountId, MaxReviewers> {
	/// Where the circuit stands.
	pub status: CircuitStatus,
	/// Reviewers who compiled the version's bytes and found the registered digest, in
	/// order; each is slashed if governance later rejects the circuit.
	pub confirmed_by: BoundedVec<AccountId, MaxReviewers>,
	/// The reviewer who disputed the circuit and the digest it compiled (`None` if the
	/// model did not compile for it). Kept after governance upholds the circuit, as the
	/// record of whom the dispute cost.
	pub disputed_by: Option<(AccountId, Option<H256>)>,
}

impl<AccountId, MaxReviewers> CircuitReview<AccountId, MaxReviewers> {
	/// A review that starts at `status`, with nobody's review yet.
	pub fn new(status: CircuitStatus) -> Self {
		CircuitReview { status, confirmed_by: BoundedVec::new(), disputed_by: None }
	}
}

impl<AccountId: PartialEq, MaxReviewers> CircuitReview<AccountId, MaxReviewers> {
	/// Whether `who` confirmed or disputed the circuit already.
	pub fn has_reviewed(&self, who: &AccountId) -> bool {
		self.confirmed_by.contains(who)
			|| self.disputed_by.as_ref().is_some_and(|(disputer, _)| disputer == who)
	}
}

// Written out rather than derived: a derive would demand `Clone`, `PartialEq` and `Debug`
// of `MaxReviewers` too, which a runtime's `Get<u32>` constants need not have.
impl<AccountId: Clone, MaxReviewers> Clone for CircuitReview<AccountId, MaxReviewers> {
	fn clone(&self) -> Self {
		CircuitReview {
			status: self.status,
			confirmed_by: self.confirmed_by.clone(),
			disputed_by: self.disputed_by.clone(),
		}
	}
}

impl<AccountId: PartialEq, MaxReviewers: Get<u32>> PartialEq
	for CircuitReview<AccountId, MaxReviewers>
{
	fn eq(&self, other: &Self) -> bool {
		self.status == other.status
			&& self.confirmed_by == other.confirmed_by
			&& self.disputed_by == other.disputed_by
	}
}

impl<AccountId: Eq, MaxReviewers: Get<u32>> Eq for CircuitReview<AccountId, MaxReviewers> {}

impl<AccountId: core::fmt::Debug, MaxReviewers: Get<u32>> core::fmt::Debug
	for CircuitReview<AccountId, MaxReviewers>
{
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.debug_struct("CircuitReview")
			.field("status", &self.status)
			.field("confirmed_by", &self.confirmed_by)
			.field("disputed_by", &self.disputed_by)
			.finish()
	}
}

#[cfg(test)]
mod circuit_review_tests {
	use super::*;

	type Review = CircuitReview<u64, ConstU32<3>>;

	#[test]
	fn only_trusted_and_upheld_circuits_are_trusted() {
		assert!(!CircuitStatus::Unreviewed.is_trusted());
		assert!(CircuitStatus::Trusted.is_trusted());
		assert!(!CircuitStatus::Disputed.is_trusted());
		assert!(CircuitStatus::Upheld.is_trusted());
		assert_eq!(CircuitStatus::default(), CircuitStatus::Unreviewed);
	}

	#[test]
	fn confirmers_and_the_disputer_have_reviewed() {
		let mut review = Review::new(CircuitStatus::Unreviewed);
		assert!(!review.has_reviewed(&1));
		review.confirmed_by.try_push(1).unwrap();
		review.disputed_by = Some((2, None));
		assert!(review.has_reviewed(&1));
		assert!(review.has_reviewed(&2));
		assert!(!review.has_reviewed(&3));
	}

	#[test]
	fn a_full_review_fits_its_max_encoded_len() {
		let review = Review {
			status: CircuitStatus::Disputed,
			confirmed_by: vec![1, 2, 3].try_into().unwrap(),
			disputed_by: Some((4, Some(H256::repeat_byte(9)))),
		};
		let encoded = review.encode();
		assert_eq!(encoded.len(), Review::max_encoded_len());
		assert_eq!(Review::decode(&mut &encoded[..]), Ok(review.clone()));
		assert_eq!(review.clone(), review);
	}
}
