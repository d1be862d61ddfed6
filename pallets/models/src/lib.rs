//! # Models pallet
//!
//! The model registry of Verin: model owners publish ONNX models here so that any worker can
//! fetch exactly those bytes and any dapp can call them by id.
//!
//! ## Overview
//!
//! - A **model** ([`ModelInfo`]) has an owner, descriptive metadata, a price per inference
//!   (the owner's royalty), a status and a list of published versions. Its name is unique
//!   among its owner's models.
//! - A **version** ([`VersionInfo`]) `major.minor` fixes the model bytes by their content id
//!   together with the format, tensor schema, determinism class and supported tiers.
//!   Versions only increase and a published version never changes, so callers stay pinned
//!   to what they audited.
//! - **Uploads** carry the bytes in chunks: [`Pallet::begin_upload`], one
//!   [`Pallet::upload_chunk`] per chunk in order, [`Pallet::finish_upload`]. The runtime
//!   hashes each chunk as it arrives and writes its bytes to the nodes' offchain stores
//!   (offchain indexing), never into chain state; the content id is computed from the chunk
//!   hashes ([`verin_primitives::model::content_id`]) and anyone can recompute it from the
//!   file. Publishing also indexes a manifest (size and chunk hashes) under the content
//!   id, so a node can rebuild the file from its content id alone
//!   ([`verin_primitives::model::assemble_from_store`]). An upload not finished within [`Config::UploadTimeout`] blocks expires: its
//!   chunk hashes are dropped and its deposit returned.
//! - **Deposits**: the owner holds a storage deposit ([`HoldReason::ModelStorage`]) for the
//!   model record and for every byte of every version and pending upload, returned in full
//!   when the upload is cancelled or expires, or the model is removed.
//!
//! ## Terminology
//!
//! - *Content id*: blake2-256 over a domain tag, the file size and the chunk hashes.
//! - *Chunk*: [`verin_primitives::model::MODEL_CHUNK_SIZE`] bytes of the file (the last one
//!   shorter), indexed offchain under
//!   [`verin_primitives::model::offchain_chunk_key`] of its hash.
//!
//! ## Interface for other pallets
//!
//! The inference market reads models through [`Pallet::model`] and [`Pallet::version`]
//! (and later a trait in `verin-primitives`); the registry asks the market whether a model
//! has open jobs through [`Config::ModelJobs`] before removing it.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
pub mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, InspectHold, Mutate, MutateHold},
		tokens::Precision,
	},
};
use frame_system::pallet_prelude::*;
use sp_core::H256;
use sp_runtime::{
	traits::{Saturating, Zero},
	SaturatedConversion,
};
use verin_primitives::{
	model::{
		self, validate_version_properties, CircuitInspector, CircuitRefusal, ModelId,
		ModelMetadata, ModelName, ModelStatus, ModelVersion, SchemaError, VersionSpec,
		MODEL_CHUNK_SIZE,
	},
	tier::Tier,
	traits::ModelJobs,
};

/// Balance type of the currency that holds deposits.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A model record as this runtime stores it.
pub type ModelInfo<T> =
	model::ModelInfo<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

/// A version record as this runtime stores it.
pub type VersionInfo<T> = model::VersionInfo<BalanceOf<T>, BlockNumberFor<T>>;

/// Bytes of one uploaded chunk.
pub type ChunkBytes = BoundedVec<u8, ConstU32<MODEL_CHUNK_SIZE>>;

/// An upload in progress: the version it will publish and the chunk hashes received so far.
#[derive(
	Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct PendingUpload<T: Config> {
	/// The version that `finish_upload` publishes.
	pub version: ModelVersion,
	/// What the version declares about its bytes.
	pub spec: VersionSpec,
	/// Declared size of the file in bytes.
	pub size: u64,
	/// Hashes of the chunks received, in order.
	pub chunk_hashes: BoundedVec<H256, T::MaxChunks>,
	/// Deposit held for the version's bytes (part of the model's deposit).
	pub deposit: BalanceOf<T>,
	/// Block at which the upload expires if unfinished.
	pub expires_at: BlockNumberFor<T>,
}

impl<T: Config> PendingUpload<T> {
	fn chunk_count(&self) -> u64 {
		model::chunk_count(self.size)
	}
}

/// A model published at genesis; re-exported from `verin-primitives`, where the node can
/// reach it without this crate.
pub use verin_primitives::model::GenesisModel;

/// What the benchmarks need from the runtime: circuits its verifier accepts.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper {
	/// Verifier data that the runtime's [`Config::Circuits`] accepts, of about `len` bytes,
	/// and the tensor schema its rows are (a circuit registers only under a spec that
	/// declares them). A runtime whose real circuits all have one size returns that size
	/// whatever `len` is.
	fn verifier_data(len: u32) -> (alloc::vec::Vec<u8>, model::TensorSchema);
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the model registry.
	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The currency in which storage deposits are held.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ InspectHold<Self::AccountId>
			+ Mutate<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// Whether a model still has unsettled jobs (implemented by the inference market).
		type ModelJobs: ModelJobs;

		/// Deposit held for a model record (metadata, name index).
		#[pallet::constant]
		type ModelDeposit: Get<BalanceOf<Self>>;

		/// Deposit held for each version record, besides its bytes.
		#[pallet::constant]
		type VersionDeposit: Get<BalanceOf<Self>>;

		/// Deposit held per byte of model file, while the version exists.
		#[pallet::constant]
		type DepositPerByte: Get<BalanceOf<Self>>;

		/// Largest model file, in bytes.
		#[pallet::constant]
		type MaxModelSize: Get<u64>;

		/// Most chunks of one file: at least `MaxModelSize / MODEL_CHUNK_SIZE`, rounded up.
		#[pallet::constant]
		type MaxChunks: Get<u32>;

		/// Blocks an upload may stay unfinished before it expires and its deposit returns.
		#[pallet::constant]
		type UploadTimeout: Get<BlockNumberFor<Self>>;

		/// Most uploads that may expire in the same block (bounds `on_initialize`).
		#[pallet::constant]
		type MaxExpiriesPerBlock: Get<u32>;

		/// Decodes ZK circuits' verifier data into their digests.
		type Circuits: CircuitInspector;

		/// Largest verifier data of a ZK circuit, in bytes.
		#[pallet::constant]
		type MaxCircuitBytes: Get<u32>;

		/// Weights of this pallet's calls and hooks.
		type WeightInfo: WeightInfo;

		/// Supplies circuits for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// Storage deposit of a model, its versions and its pending upload.
		#[codec(index = 0)]
		ModelStorage,
	}

	/// The id the next registered model gets.
	#[pallet::storage]
	pub type NextModelId<T> = StorageValue<_, ModelId, ValueQuery>;

	/// Registered models by id.
	#[pallet::storage]
	pub type Models<T: Config> = StorageMap<_, Blake2_128Concat, ModelId, ModelInfo<T>>;

	/// Model ids by owner and name: enforces unique names per owner.
	#[pallet::storage]
	pub type ModelIdByName<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Blake2_128Concat, ModelName, ModelId>;

	/// Published versions of each model.
	#[pallet::storage]
	pub type Versions<T: Config> =
		StorageDoubleMap<_, Twox64Concat, ModelId, Twox64Concat, ModelVersion, VersionInfo<T>>;

	/// Chunk hashes of each published version, in file order.
	#[pallet::storage]
	pub type VersionChunks<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		ModelId,
		Twox64Concat,
		ModelVersion,
		BoundedVec<H256, T::MaxChunks>,
	>;

	/// Verifier data of the ZK circuit registered for a version; its digest is the
	/// version's `circuit_digest`.
	#[pallet::storage]
	pub type VersionCircuits<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		ModelId,
		Twox64Concat,
		ModelVersion,
		BoundedVec<u8, T::MaxCircuitBytes>,
	>;

	/// The upload in progress of each model (at most one per model).
	#[pallet::storage]
	pub type Uploads<T: Config> = StorageMap<_, Twox64Concat, ModelId, PendingUpload<T>>;

	/// Uploads that expire at each block, processed by `on_initialize` of that block.
	#[pallet::storage]
	pub type UploadExpiries<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<ModelId, T::MaxExpiriesPerBlock>,
		ValueQuery,
	>;

	/// Models published at genesis.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Each gets an id in order, from 0, and version 1.0.
		pub models: alloc::vec::Vec<GenesisModel<T::AccountId, BalanceOf<T>>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for model in &self.models {
				Pallet::<T>::publish_at_genesis(model);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A model was registered.
		ModelRegistered { model: ModelId, owner: T::AccountId, name: ModelName },
		/// An upload of a new version began; `deposit` is now held from the owner.
		UploadStarted {
			model: ModelId,
			version: ModelVersion,
			size: u64,
			chunk_count: u32,
			deposit: BalanceOf<T>,
		},
		/// A chunk was received and indexed offchain under its hash.
		ChunkUploaded { model: ModelId, index: u32, chunk_hash: H256 },
		/// A version was published with its content id.
		VersionPublished { model: ModelId, version: ModelVersion, content_id: H256, size: u64 },
		/// The owner cancelled an upload; its deposit was returned.
		UploadCancelled { model: ModelId, version: ModelVersion, deposit_returned: BalanceOf<T> },
		/// An unfinished upload expired; its deposit was returned.
		UploadExpired { model: ModelId, version: ModelVersion, deposit_returned: BalanceOf<T> },
		/// The price per inference changed.
		PriceSet { model: ModelId, price: BalanceOf<T> },
		/// The status changed.
		StatusChanged { model: ModelId, status: ModelStatus },
		/// The owner offered the model to another account.
		OwnershipOffered { model: ModelId, from: T::AccountId, to: T::AccountId },
		/// The offered account accepted: it owns the model and holds its deposit now.
		OwnershipTransferred { model: ModelId, from: T::AccountId, to: T::AccountId },
		/// The model and all its versions were removed; the deposit was returned.
		ModelRemoved { model: ModelId, deposit_returned: BalanceOf<T> },
		/// A version's ZK circuit was registered; `deposit` is now held for its bytes.
		CircuitRegistered {
			model: ModelId,
			version: ModelVersion,
			digest: H256,
			deposit: BalanceOf<T>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No model has this id.
		ModelNotFound,
		/// Only the model's owner may do this.
		NotOwner,
		/// The owner already has a model with this name.
		NameTaken,
		/// The model name is empty.
		EmptyName,
		/// Model ids are exhausted.
		ModelIdOverflow,
		/// The version is not greater than the latest published one.
		VersionNotIncreasing,
		/// The model has the maximum number of versions.
		TooManyVersions,
		/// The model already has an upload in progress: finish or cancel it first.
		UploadInProgress,
		/// The model has no upload in progress.
		NoUploadInProgress,
		/// The file is larger than `MaxModelSize`.
		ModelTooLarge,
		/// The file is empty.
		EmptyModel,
		/// `chunk_count` does not match the size cut into `MODEL_CHUNK_SIZE` chunks.
		ChunkCountMismatch,
		/// The chunk is ahead of the next expected index: chunks arrive in order.
		ChunkOutOfOrder,
		/// A chunk with this index was already received.
		ChunkAlreadyUploaded,
		/// The chunk's length is wrong for its position (full chunks except the last).
		ChunkSizeMismatch,
		/// Not all chunks have been received.
		UploadIncomplete,
		/// The schema has no input or no output tensor.
		SchemaNoTensors,
		/// A tensor of the schema has an empty name.
		SchemaEmptyTensorName,
		/// Two inputs, or two outputs, share a name.
		SchemaDuplicateTensorName,
		/// A tensor dimension is zero.
		SchemaZeroDimension,
		/// The batch dimension may only be a tensor's first dimension.
		SchemaMisplacedBatchDimension,
		/// A tensor has more than `u32::MAX` elements per batch item.
		SchemaTensorTooLarge,
		/// An integer-exact model declares a float tensor.
		SchemaFloatTensorInIntegerModel,
		/// The tier set is empty or names unknown tiers.
		InvalidTiers,
		/// The ZK tier needs an integer-exact model.
		ZkNeedsIntegerExact,
		/// The model has jobs that are not settled yet.
		ModelHasOpenJobs,
		/// The model already has this status.
		StatusUnchanged,
		/// The caller already owns the model.
		AlreadyOwner,
		/// The caller is not the account the model was offered to.
		NotPendingOwner,
		/// Too many uploads expire at the same block; retry in a later block.
		ExpiryQueueFull,
		/// The account cannot cover the storage deposit.
		InsufficientDeposit,
		/// The model has no such version.
		VersionNotFound,
		/// The version does not offer the ZK tier, so it takes no circuit.
		ZkNotOffered,
		/// The version already has a circuit; circuits are fixed once registered.
		CircuitAlreadyRegistered,
		/// The verifier data does not decode as a circuit.
		MalformedCircuit,
		/// The circuit's rows (the element types and widths it fixes itself) are not the
		/// version's single input and output tensors: its proofs would be read by other types
		/// than the ones it was compiled for.
		CircuitSpecMismatch,
	}

	impl<T> From<SchemaError> for Error<T> {
		fn from(error: SchemaError) -> Self {
			match error {
				SchemaError::NoTensors => Error::SchemaNoTensors,
				SchemaError::EmptyTensorName => Error::SchemaEmptyTensorName,
				SchemaError::DuplicateTensorName => Error::SchemaDuplicateTensorName,
				SchemaError::ZeroDimension => Error::SchemaZeroDimension,
				SchemaError::MisplacedBatchDimension => Error::SchemaMisplacedBatchDimension,
				SchemaError::TensorTooLarge => Error::SchemaTensorTooLarge,
				SchemaError::FloatTensorInIntegerModel => Error::SchemaFloatTensorInIntegerModel,
				SchemaError::InvalidTiers => Error::InvalidTiers,
				SchemaError::ZkNeedsIntegerExact => Error::ZkNeedsIntegerExact,
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let expiring = UploadExpiries::<T>::take(now);
			let count = expiring.len() as u32;
			for model in expiring {
				Self::expire_upload(model, now);
			}
			T::WeightInfo::on_initialize_expiries(count)
		}

		fn integrity_test() {
			let chunks_needed = model::chunk_count(T::MaxModelSize::get());
			assert!(
				T::MaxChunks::get() as u64 >= chunks_needed,
				"MaxChunks must cover MaxModelSize cut into MODEL_CHUNK_SIZE chunks"
			);
			assert!(!T::UploadTimeout::get().is_zero(), "UploadTimeout must be positive");
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers a model owned by the caller, holding `ModelDeposit`.
		///
		/// The model has no version until an upload is finished. Emits `ModelRegistered`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_model())]
		pub fn register_model(
			origin: OriginFor<T>,
			metadata: ModelMetadata,
			price: BalanceOf<T>,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			ensure!(!metadata.name.is_empty(), Error::<T>::EmptyName);
			ensure!(
				!ModelIdByName::<T>::contains_key(&owner, &metadata.name),
				Error::<T>::NameTaken
			);
			let model = NextModelId::<T>::get();
			let next = model.checked_add(1).ok_or(Error::<T>::ModelIdOverflow)?;

			let deposit = T::ModelDeposit::get();
			Self::hold_deposit(&owner, deposit)?;

			let name = metadata.name.clone();
			ModelIdByName::<T>::insert(&owner, &name, model);
			Models::<T>::insert(
				model,
				ModelInfo::<T> {
					owner: owner.clone(),
					pending_owner: None,
					metadata,
					price,
					status: ModelStatus::Active,
					versions: Default::default(),
					deposit,
					created_at: frame_system::Pallet::<T>::block_number(),
				},
			);
			NextModelId::<T>::put(next);
			Self::deposit_event(Event::ModelRegistered { model, owner, name });
			Ok(())
		}

		/// Begins the upload of `version` of `model`: a file of `size` bytes in
		/// `chunk_count` chunks of `MODEL_CHUNK_SIZE` bytes (the last one shorter).
		///
		/// `spec` fixes the version's format, schema, determinism class and tiers; it is
		/// validated now. Holds `VersionDeposit + DepositPerByte * size` from the owner. The
		/// upload expires after `UploadTimeout` blocks unless finished. Emits `UploadStarted`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::begin_upload())]
		pub fn begin_upload(
			origin: OriginFor<T>,
			model: ModelId,
			version: ModelVersion,
			spec: VersionSpec,
			size: u64,
			chunk_count: u32,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut info = Self::owned_model(model, &who)?;
			ensure!(!Uploads::<T>::contains_key(model), Error::<T>::UploadInProgress);
			ensure!(
				info.latest_version().is_none_or(|latest| version > latest),
				Error::<T>::VersionNotIncreasing
			);
			ensure!(!info.versions.is_full(), Error::<T>::TooManyVersions);
			ensure!(size > 0, Error::<T>::EmptyModel);
			ensure!(size <= T::MaxModelSize::get(), Error::<T>::ModelTooLarge);
			ensure!(model::chunk_count(size) == chunk_count as u64, Error::<T>::ChunkCountMismatch);
			validate_version_properties(&spec.schema, &spec.determinism, &spec.tiers)
				.map_err(Error::<T>::from)?;

			let now = frame_system::Pallet::<T>::block_number();
			let expires_at = now.saturating_add(T::UploadTimeout::get());
			UploadExpiries::<T>::try_mutate(expires_at, |queue| queue.try_push(model))
				.map_err(|_| Error::<T>::ExpiryQueueFull)?;

			let deposit = Self::version_deposit(size);
			Self::hold_deposit(&who, deposit)?;
			info.deposit = info.deposit.saturating_add(deposit);
			Models::<T>::insert(model, info);

			Uploads::<T>::insert(
				model,
				PendingUpload::<T> {
					version,
					spec,
					size,
					chunk_hashes: Default::default(),
					deposit,
					expires_at,
				},
			);
			Self::deposit_event(Event::UploadStarted {
				model,
				version,
				size,
				chunk_count,
				deposit,
			});
			Ok(())
		}

		/// Uploads chunk `index` of the model's pending upload. Chunks arrive in order.
		///
		/// The runtime hashes the bytes and indexes them offchain under the hash; chain state
		/// keeps only the hash. Emits `ChunkUploaded`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::upload_chunk(bytes.len() as u32))]
		pub fn upload_chunk(
			origin: OriginFor<T>,
			model: ModelId,
			index: u32,
			bytes: ChunkBytes,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::owned_model(model, &who)?;
			let mut upload = Uploads::<T>::get(model).ok_or(Error::<T>::NoUploadInProgress)?;
			let expected = upload.chunk_hashes.len() as u32;
			ensure!(index >= expected, Error::<T>::ChunkAlreadyUploaded);
			ensure!(index == expected, Error::<T>::ChunkOutOfOrder);
			ensure!(
				model::chunk_len(upload.size, index as u64) == Some(bytes.len() as u32),
				Error::<T>::ChunkSizeMismatch
			);

			let chunk_hash = H256(sp_io::hashing::blake2_256(&bytes));
			upload.chunk_hashes.try_push(chunk_hash).map_err(|_| Error::<T>::ChunkOutOfOrder)?;
			sp_io::offchain_index::set(&model::offchain_chunk_key(&chunk_hash), &bytes);
			Uploads::<T>::insert(model, upload);
			Self::deposit_event(Event::ChunkUploaded { model, index, chunk_hash });
			Ok(())
		}

		/// Publishes the pending upload as a new version once every chunk arrived.
		///
		/// Computes the content id from the chunk hashes. Emits `VersionPublished`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::finish_upload(T::MaxChunks::get()))]
		pub fn finish_upload(origin: OriginFor<T>, model: ModelId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let mut info = Self::owned_model(model, &who)?;
			let upload = Uploads::<T>::get(model).ok_or(Error::<T>::NoUploadInProgress)?;
			let chunks = upload.chunk_hashes.len() as u32;
			ensure!(chunks as u64 == upload.chunk_count(), Error::<T>::UploadIncomplete);
			// Checked at `begin_upload`; re-checked so a full list can never be overrun.
			info.versions.try_push(upload.version).map_err(|_| Error::<T>::TooManyVersions)?;

			let content_id = model::content_id(upload.size, &upload.chunk_hashes);
			let manifest = model::ModelManifest {
				size: upload.size,
				chunk_hashes: upload.chunk_hashes.to_vec(),
			};
			sp_io::offchain_index::set(
				&model::offchain_manifest_key(&content_id),
				&manifest.encode(),
			);
			let version = upload.version;
			Versions::<T>::insert(
				model,
				version,
				VersionInfo::<T> {
					content_id,
					size: upload.size,
					spec: upload.spec,
					circuit_digest: None,
					deposit: upload.deposit,
					created_at: frame_system::Pallet::<T>::block_number(),
				},
			);
			VersionChunks::<T>::insert(model, version, upload.chunk_hashes);
			Models::<T>::insert(model, info);
			Uploads::<T>::remove(model);
			Self::remove_from_expiry_queue(upload.expires_at, model);
			Self::deposit_event(Event::VersionPublished {
				model,
				version,
				content_id,
				size: upload.size,
			});
			Ok(Some(T::WeightInfo::finish_upload(chunks)).into())
		}

		/// Cancels the model's pending upload and returns its deposit. Emits
		/// `UploadCancelled`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::cancel_upload())]
		pub fn cancel_upload(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::owned_model(model, &who)?;
			let upload = Uploads::<T>::get(model).ok_or(Error::<T>::NoUploadInProgress)?;
			Self::remove_from_expiry_queue(upload.expires_at, model);
			let deposit_returned = Self::drop_upload(model)?;
			Self::deposit_event(Event::UploadCancelled {
				model,
				version: upload.version,
				deposit_returned,
			});
			Ok(())
		}

		/// Sets the price of one inference (the owner's royalty). Emits `PriceSet`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::set_price())]
		pub fn set_price(
			origin: OriginFor<T>,
			model: ModelId,
			price: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut info = Self::owned_model(model, &who)?;
			info.price = price;
			Models::<T>::insert(model, info);
			Self::deposit_event(Event::PriceSet { model, price });
			Ok(())
		}

		/// Sets the status: `Active` accepts requests, `Deprecated` still does but warns,
		/// `Disabled` accepts none. Emits `StatusChanged`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::set_status())]
		pub fn set_status(
			origin: OriginFor<T>,
			model: ModelId,
			status: ModelStatus,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::change_status(model, &who, status)
		}

		/// Marks the model `Deprecated`: shorthand for `set_status(model, Deprecated)`.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::set_status())]
		pub fn deprecate(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::change_status(model, &who, ModelStatus::Deprecated)
		}

		/// Removes the model, its versions and any pending upload, and returns the whole
		/// deposit. Refused while the model has unsettled jobs. Emits `ModelRemoved`.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::remove(model::MAX_VERSIONS))]
		pub fn remove(origin: OriginFor<T>, model: ModelId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let info = Self::owned_model(model, &who)?;
			ensure!(!T::ModelJobs::has_open_jobs(model), Error::<T>::ModelHasOpenJobs);

			if let Some(upload) = Uploads::<T>::take(model) {
				Self::remove_from_expiry_queue(upload.expires_at, model);
			}
			for version in info.versions.iter() {
				Versions::<T>::remove(model, version);
				VersionChunks::<T>::remove(model, version);
				VersionCircuits::<T>::remove(model, version);
			}
			ModelIdByName::<T>::remove(&info.owner, &info.metadata.name);
			Models::<T>::remove(model);
			let deposit_returned = Self::release_deposit(&info.owner, info.deposit);
			Self::deposit_event(Event::ModelRemoved { model, deposit_returned });
			Ok(Some(T::WeightInfo::remove(info.versions.len() as u32)).into())
		}

		/// Registers the ZK circuit of `version` of `model`: the verifier data the runtime
		/// checks its proofs with, as `verin zk compile` derives it from the version's
		/// bytes. Only for versions that offer the ZK tier, once; holds `DepositPerByte` per
		/// byte until the model is removed. Workers compile the circuit themselves and refuse
		/// jobs if it differs. Emits `CircuitRegistered`.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::register_circuit(verifier_data.len() as u32))]
		pub fn register_circuit(
			origin: OriginFor<T>,
			model: ModelId,
			version: ModelVersion,
			verifier_data: BoundedVec<u8, T::MaxCircuitBytes>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::owned_model(model, &who)?;
			Self::attach_circuit(&who, model, version, verifier_data)
		}

		/// Offers the model to `new_owner`, who becomes owner by calling
		/// `accept_ownership`. A later offer replaces an earlier one. Emits
		/// `OwnershipOffered`.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::transfer_ownership())]
		pub fn transfer_ownership(
			origin: OriginFor<T>,
			model: ModelId,
			new_owner: T::AccountId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut info = Self::owned_model(model, &who)?;
			ensure!(new_owner != who, Error::<T>::AlreadyOwner);
			info.pending_owner = Some(new_owner.clone());
			Models::<T>::insert(model, info);
			Self::deposit_event(Event::OwnershipOffered { model, from: who, to: new_owner });
			Ok(())
		}

		/// Accepts an offered model: the caller becomes its owner and takes over its
		/// deposit, which is returned to the previous owner. Emits `OwnershipTransferred`.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::accept_ownership())]
		pub fn accept_ownership(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut info = Models::<T>::get(model).ok_or(Error::<T>::ModelNotFound)?;
			ensure!(info.pending_owner.as_ref() == Some(&who), Error::<T>::NotPendingOwner);
			ensure!(
				!ModelIdByName::<T>::contains_key(&who, &info.metadata.name),
				Error::<T>::NameTaken
			);
			Self::hold_deposit(&who, info.deposit)?;
			let previous = core::mem::replace(&mut info.owner, who.clone());
			Self::release_deposit(&previous, info.deposit);
			ModelIdByName::<T>::remove(&previous, &info.metadata.name);
			ModelIdByName::<T>::insert(&who, &info.metadata.name, model);
			info.pending_owner = None;
			Models::<T>::insert(model, info);
			Self::deposit_event(Event::OwnershipTransferred { model, from: previous, to: who });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// Registers `model` and publishes its version 1.0, holding the usual deposits. A
	/// genesis that cannot be built is a broken chain spec: this panics with the reason.
	fn publish_at_genesis(model: &GenesisModel<T::AccountId, BalanceOf<T>>) {
		let owner = model.owner.clone();
		let id = NextModelId::<T>::get();
		Self::register_model(
			frame_system::RawOrigin::Signed(owner.clone()).into(),
			model.metadata.clone(),
			model.price,
		)
		.expect("genesis model: the owner is funded and the name is unique");
		validate_version_properties(&model.spec.schema, &model.spec.determinism, &model.spec.tiers)
			.expect("genesis model: the version spec is valid");
		assert!(
			model.size > 0 && model.size <= T::MaxModelSize::get(),
			"genesis model: size within limits"
		);
		assert_eq!(
			model::chunk_count(model.size),
			model.chunk_hashes.len() as u64,
			"genesis model: one hash per chunk"
		);
		let chunk_hashes: BoundedVec<H256, T::MaxChunks> =
			model.chunk_hashes.clone().try_into().expect("genesis model: within MaxChunks");
		let deposit = Self::version_deposit(model.size);
		Self::hold_deposit(&owner, deposit)
			.expect("genesis model: the owner can pay the version deposit");
		let version = ModelVersion::new(1, 0);
		let now = frame_system::Pallet::<T>::block_number();
		Models::<T>::mutate(id, |info| {
			let info = info.as_mut().expect("registered above");
			info.versions.try_push(version).expect("a new model has no version yet");
			info.deposit = info.deposit.saturating_add(deposit);
		});
		Versions::<T>::insert(
			id,
			version,
			VersionInfo::<T> {
				content_id: model::content_id(model.size, &chunk_hashes),
				size: model.size,
				spec: model.spec.clone(),
				circuit_digest: None,
				deposit,
				created_at: now,
			},
		);
		VersionChunks::<T>::insert(id, version, chunk_hashes);
		if let Some(circuit) = &model.circuit {
			let circuit =
				circuit.clone().try_into().expect("genesis model: circuit within MaxCircuitBytes");
			Self::attach_circuit(&owner, id, version, circuit)
				.expect("genesis model: the circuit registers");
		}
	}

	fn attach_circuit(
		owner: &T::AccountId,
		model: ModelId,
		version: ModelVersion,
		verifier_data: BoundedVec<u8, T::MaxCircuitBytes>,
	) -> DispatchResult {
		let mut published =
			Versions::<T>::get(model, version).ok_or(Error::<T>::VersionNotFound)?;
		ensure!(published.spec.tiers.contains(Tier::Zk), Error::<T>::ZkNotOffered);
		ensure!(published.circuit_digest.is_none(), Error::<T>::CircuitAlreadyRegistered);
		let digest =
			T::Circuits::inspect(&verifier_data, &published.spec.schema).map_err(|refusal| {
				match refusal {
					CircuitRefusal::Malformed => Error::<T>::MalformedCircuit,
					CircuitRefusal::SpecMismatch => Error::<T>::CircuitSpecMismatch,
				}
			})?;
		let deposit = T::DepositPerByte::get().saturating_mul((verifier_data.len() as u32).into());
		Self::hold_deposit(owner, deposit)?;
		Models::<T>::mutate(model, |info| {
			if let Some(info) = info {
				info.deposit = info.deposit.saturating_add(deposit);
			}
		});
		published.circuit_digest = Some(digest);
		published.deposit = published.deposit.saturating_add(deposit);
		Versions::<T>::insert(model, version, published);
		VersionCircuits::<T>::insert(model, version, verifier_data);
		Self::deposit_event(Event::CircuitRegistered { model, version, digest, deposit });
		Ok(())
	}

	/// The model with this id.
	pub fn model(id: ModelId) -> Option<ModelInfo<T>> {
		Models::<T>::get(id)
	}

	/// Up to `limit` models from id `start` upwards (ids are dense, so this is a range read).
	pub fn models(start: ModelId, limit: u32) -> alloc::vec::Vec<(ModelId, ModelInfo<T>)> {
		let end = NextModelId::<T>::get();
		(start..end)
			.filter_map(|id| Models::<T>::get(id).map(|info| (id, info)))
			.take(limit as usize)
			.collect()
	}

	/// A published version of a model.
	pub fn version(id: ModelId, version: ModelVersion) -> Option<VersionInfo<T>> {
		Versions::<T>::get(id, version)
	}

	/// The chunk hashes of a published version, in file order.
	pub fn chunk_hashes(id: ModelId, version: ModelVersion) -> Option<alloc::vec::Vec<H256>> {
		VersionChunks::<T>::get(id, version).map(|hashes| hashes.into_inner())
	}

	/// Deposit for a version of `size` bytes.
	pub fn version_deposit(size: u64) -> BalanceOf<T> {
		let bytes: BalanceOf<T> = size.saturated_into();
		T::VersionDeposit::get().saturating_add(T::DepositPerByte::get().saturating_mul(bytes))
	}

	fn owned_model(model: ModelId, who: &T::AccountId) -> Result<ModelInfo<T>, DispatchError> {
		let info = Models::<T>::get(model).ok_or(Error::<T>::ModelNotFound)?;
		ensure!(&info.owner == who, Error::<T>::NotOwner);
		Ok(info)
	}

	fn change_status(model: ModelId, who: &T::AccountId, status: ModelStatus) -> DispatchResult {
		let mut info = Self::owned_model(model, who)?;
		ensure!(info.status != status, Error::<T>::StatusUnchanged);
		info.status = status;
		Models::<T>::insert(model, info);
		Self::deposit_event(Event::StatusChanged { model, status });
		Ok(())
	}

	fn hold_deposit(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		T::Currency::hold(&HoldReason::ModelStorage.into(), who, amount)
			.map_err(|_| Error::<T>::InsufficientDeposit.into())
	}

	/// Releases up to `amount` of `who`'s model deposit; returns what was released. Holds
	/// of this reason are only created by this pallet, so the full amount is always there.
	fn release_deposit(who: &T::AccountId, amount: BalanceOf<T>) -> BalanceOf<T> {
		if amount.is_zero() {
			return amount;
		}
		T::Currency::release(&HoldReason::ModelStorage.into(), who, amount, Precision::BestEffort)
			.unwrap_or_else(|error| {
				log::error!(target: "runtime::models", "releasing a model deposit failed: {error:?}");
				Zero::zero()
			})
	}

	/// Deletes the model's pending upload and returns its deposit to the owner. The caller
	/// takes care of the expiry queue.
	fn drop_upload(model: ModelId) -> Result<BalanceOf<T>, DispatchError> {
		let upload = Uploads::<T>::take(model).ok_or(Error::<T>::NoUploadInProgress)?;
		let mut info = Models::<T>::get(model).ok_or(Error::<T>::ModelNotFound)?;
		let returned = Self::release_deposit(&info.owner, upload.deposit);
		info.deposit = info.deposit.saturating_sub(upload.deposit);
		Models::<T>::insert(model, info);
		Ok(returned)
	}

	fn remove_from_expiry_queue(expires_at: BlockNumberFor<T>, model: ModelId) {
		UploadExpiries::<T>::mutate_exists(expires_at, |queue| {
			if let Some(entries) = queue {
				entries.retain(|queued| *queued != model);
				if entries.is_empty() {
					*queue = None;
				}
			}
		});
	}

	/// Expires the model's upload if it is the one due at `now` (a newer upload of the same
	/// model, begun after a cancel, has a later expiry and is left alone).
	fn expire_upload(model: ModelId, now: BlockNumberFor<T>) {
		let Some(upload) = Uploads::<T>::get(model) else { return };
		if upload.expires_at != now {
			return;
		}
		if let Ok(deposit_returned) = Self::drop_upload(model) {
			Self::deposit_event(Event::UploadExpired {
				model,
				version: upload.version,
				deposit_returned,
			});
		}
	}
}

impl<T: Config> verin_primitives::market::ModelCatalog<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn served_model(
		model: ModelId,
		version: Option<ModelVersion>,
	) -> Option<verin_primitives::market::ServedModel<T::AccountId, BalanceOf<T>>> {
		let info = Models::<T>::get(model)?;
		let version = version.or_else(|| info.latest_version())?;
		let published = Versions::<T>::get(model, version)?;
		Some(verin_primitives::market::ServedModel {
			owner: info.owner,
			price: info.price,
			status: info.status,
			version,
			content_id: published.content_id,
			spec: published.spec,
			circuit_digest: published.circuit_digest,
		})
	}

	fn circuit(model: ModelId, version: ModelVersion) -> Option<alloc::vec::Vec<u8>> {
		VersionCircuits::<T>::get(model, version).map(BoundedVec::into_inner)
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl<T: Config> Pallet<T> {
	/// Writes a published model with one version straight into storage, without deposits or
	/// upload, for other pallets' benchmarks that need a model to exist.
	pub fn publish_for_benchmarks(
		owner: T::AccountId,
		price: BalanceOf<T>,
		spec: VersionSpec,
	) -> (ModelId, ModelVersion) {
		let model = NextModelId::<T>::get();
		let version = ModelVersion::new(1, 0);
		let now = frame_system::Pallet::<T>::block_number();
		let name: ModelName =
			BoundedVec::truncate_from(alloc::format!("bench-{model}").into_bytes());
		ModelIdByName::<T>::insert(&owner, &name, model);
		Models::<T>::insert(
			model,
			ModelInfo::<T> {
				owner,
				pending_owner: None,
				metadata: ModelMetadata {
					name,
					description: Default::default(),
					task: Default::default(),
					license: Default::default(),
					tags: Default::default(),
				},
				price,
				status: ModelStatus::Active,
				versions: BoundedVec::truncate_from(alloc::vec![version]),
				deposit: Zero::zero(),
				created_at: now,
			},
		);
		Versions::<T>::insert(
			model,
			version,
			VersionInfo::<T> {
				content_id: H256::repeat_byte(model as u8),
				size: 1,
				spec,
				circuit_digest: None,
				deposit: Zero::zero(),
				created_at: now,
			},
		);
		NextModelId::<T>::put(model.saturating_add(1));
		(model, version)
	}
}
