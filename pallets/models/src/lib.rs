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
//!   ([`verin_primitives::model::assemble_from_store`]). An upload not finished within
//!   [`Config::UploadTimeout`] blocks expires: its chunk hashes are dropped and its deposit
//!   returned.
//! - **Offchain bytes end with their last use**: a cancelled or expired upload and a
//!   removed model clear their chunks and manifests from the nodes' offchain stores
//!   (`offchain_index::clear`), so a few fees cannot leave megabytes on every node. Chunks
//!   and content ids are shared between models with the same bytes, so the runtime counts
//!   their uses ([`ChunkUses`], [`ContentUses`]) and clears only what nothing uses.
//! - **Deposits**: the owner holds a storage deposit ([`HoldReason::ModelStorage`]) for the
//!   model record and for every byte of every version and pending upload, returned in full
//!   when the upload is cancelled or expires, or the model is removed.
//! - **ZK circuits**: the owner of a version that offers the ZK tier registers its circuit
//!   ([`Pallet::register_circuit`]). The runtime checks that it decodes and that its rows
//!   are the version's, but cannot compile the model, so nothing ties the circuit's wiring
//!   or constants to the bytes: an owner could register the circuit of another model (one
//!   with the output it likes) and prove jobs against it.
//! - **Circuit review**: a registered circuit therefore starts
//!   [`CircuitStatus::Unreviewed`] and ZK jobs are refused until
//!   [`RequiredConfirmations`] bonded workers other than the owner have compiled the
//!   version's bytes and confirmed the digest ([`Pallet::review_circuit`]); it is then
//!   [`CircuitStatus::Trusted`]. A reviewer who compiles something else disputes it
//!   instead, which stops ZK jobs until governance recompiles the bytes and resolves the
//!   dispute ([`Pallet::resolve_circuit_dispute`]): a faithful circuit is
//!   [`CircuitStatus::Upheld`] for good and the disputer loses [`Config::ReviewSlash`] of
//!   its bond to the owner; an unfaithful one is removed, its deposit burnt and every
//!   confirmer loses [`Config::ReviewSlash`] to [`Config::SlashedTo`]. Circuits in the genesis
//!   configuration are trusted at once: the chain spec's author defines the chain.
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
//! The inference market reads models through [`verin_primitives::market::ModelCatalog`],
//! whose `circuit_trusted` says whether the version's circuit passed review; the registry
//! asks the market whether a model has open jobs through [`Config::ModelJobs`] before
//! removing it, and slashes reviewers through [`Config::Staking`] (the worker pool).
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
pub mod benchmarking;
#[cfg(test)]
mod mock;
pub mod offchain;
#[cfg(test)]
mod tests;
pub mod weights;

use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, InspectHold, Mutate, MutateHold},
		tokens::{Fortitude, Precision},
	},
};
use frame_system::pallet_prelude::*;
use sp_core::H256;
use sp_runtime::{
	traits::{One, Saturating, Zero},
	SaturatedConversion,
};
use verin_primitives::{
	market::{SlashReason, WorkerStaking},
	model::{
		self, validate_version_properties, CircuitInspector, CircuitRefusal, CircuitReview,
		CircuitStatus, ModelId, ModelMetadata, ModelName, ModelStatus, ModelVersion, SchemaError,
		VersionSpec, MODEL_CHUNK_SIZE,
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

/// The review of a version's ZK circuit as this runtime stores it.
pub type CircuitReviewOf<T> =
	CircuitReview<<T as frame_system::Config>::AccountId, <T as Config>::MaxCircuitReviewers>;

/// Confirmations a circuit needs before it is trusted, unless the genesis configuration or
/// governance says otherwise: two, so that no single reviewer's word makes a circuit pay.
pub const DEFAULT_REQUIRED_CONFIRMATIONS: u32 = 2;

/// Blocks from an upload's due expiry on that `begin_upload` looks through for one whose
/// expiry queue has room: a full block delays an expiry rather than refusing the upload, so
/// filling one block's queue does not lock owners out.
pub const EXPIRY_SPREAD_BLOCKS: u32 = 8;

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

/// What the benchmarks need from the runtime: circuits its verifier accepts and reviewers
/// its worker pool counts as bonded.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId, Balance> {
	/// Verifier data that the runtime's [`Config::Circuits`] accepts, of about `len` bytes,
	/// and the tensor schema its rows are (a circuit registers only under a spec that
	/// declares them). A runtime whose real circuits all have one size returns that size
	/// whatever `len` is.
	fn verifier_data(len: u32) -> (alloc::vec::Vec<u8>, model::TensorSchema);

	/// Makes `who` a worker with at least `bond` bonded in [`Config::Staking`], so that it
	/// may review circuits and its slashes take real stake.
	fn bond_reviewer(who: &AccountId, bond: Balance);
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
	pub trait Config:
		frame_system::Config + frame_system::offchain::CreateSignedTransaction<Call<Self>>
	{
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

		/// Most uploads that may expire in the same block. Bounds `on_initialize`: each may
		/// release `MaxChunks` chunks.
		#[pallet::constant]
		type MaxExpiriesPerBlock: Get<u32>;

		/// Decodes ZK circuits' verifier data into their digests.
		type Circuits: CircuitInspector;

		/// Largest verifier data of a ZK circuit, in bytes.
		#[pallet::constant]
		type MaxCircuitBytes: Get<u32>;

		/// The worker pool's stake: who may review circuits, and where a wrong review's
		/// slash comes from.
		type Staking: WorkerStaking<Self::AccountId, BalanceOf<Self>>;

		/// Stake a reviewer must have bonded in [`Config::Staking`]. It is what makes each
		/// reviewer cost something, so that confirmations cannot come from free accounts;
		/// must be positive and at least [`Config::ReviewSlash`].
		#[pallet::constant]
		type MinReviewerBond: Get<BalanceOf<Self>>;

		/// Most confirmations a circuit's review keeps; the highest value
		/// [`RequiredConfirmations`] may take.
		#[pallet::constant]
		type MaxCircuitReviewers: Get<u32>;

		/// Stake taken from a reviewer governance finds wrong: each confirmer of a rejected
		/// circuit (paid to [`Config::SlashedTo`]), or the disputer of an upheld one (paid to
		/// the model's owner).
		#[pallet::constant]
		type ReviewSlash: Get<BalanceOf<Self>>;

		/// Receives what the confirmers of a rejected circuit are slashed (the treasury). Not
		/// the disputer: it may be the owner's own account, which would collect its
		/// accomplices' slashes.
		type SlashedTo: Get<Self::AccountId>;

		/// Resolves circuit disputes and sets [`RequiredConfirmations`]: it recompiles the
		/// model offchain, so it is the arbiter the runtime cannot be.
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The worker key the offchain worker signs its circuit reviews with (the key the
		/// worker pool bonds).
		type AuthorityId: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>;

		/// Weights of this pallet's calls and hooks.
		type WeightInfo: WeightInfo;

		/// Supplies circuits and bonded reviewers for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId, BalanceOf<Self>>;
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

	/// The review of each registered circuit, by model and version: ZK jobs are taken only
	/// while its status is trusted. Created with the circuit; removed with it when governance
	/// rejects it, and with the model. A circuit without a review reads as unreviewed.
	#[pallet::storage]
	pub type CircuitReviews<T: Config> =
		StorageDoubleMap<_, Twox64Concat, ModelId, Twox64Concat, ModelVersion, CircuitReviewOf<T>>;

	/// Confirmations by distinct bonded reviewers that make a circuit trusted; between 1 and
	/// [`Config::MaxCircuitReviewers`]. A change applies from the next confirmation of each
	/// circuit still unreviewed; trusted circuits stay trusted.
	#[pallet::storage]
	pub type RequiredConfirmations<T: Config> =
		StorageValue<_, u32, ValueQuery, DefaultRequiredConfirmations<T>>;

	/// [`DEFAULT_REQUIRED_CONFIRMATIONS`], lowered to [`Config::MaxCircuitReviewers`] if
	/// that is smaller: the value before genesis or governance sets one.
	#[pallet::type_value]
	pub fn DefaultRequiredConfirmations<T: Config>() -> u32 {
		DEFAULT_REQUIRED_CONFIRMATIONS.min(T::MaxCircuitReviewers::get())
	}

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

	/// How many pending uploads and published versions use each chunk (by its hash). Chunks
	/// are content-addressed, so two models may share one: its bytes stay in the nodes'
	/// offchain stores while anything uses them and are cleared with the last use. Were they
	/// cleared with any one use, an attacker could upload a chunk of someone else's model,
	/// cancel, and take that model's bytes off every node.
	#[pallet::storage]
	pub type ChunkUses<T: Config> = StorageMap<_, Identity, H256, u32>;

	/// How many published versions have each content id: the manifest indexed under it
	/// stays while one does.
	#[pallet::storage]
	pub type ContentUses<T: Config> = StorageMap<_, Identity, H256, u32>;

	/// Models published at genesis, and the review rule.
	#[pallet::genesis_config]
	pub struct GenesisConfig<T: Config> {
		/// Each gets an id in order, from 0, and version 1.0. Their circuits are trusted at
		/// once.
		pub models: alloc::vec::Vec<GenesisModel<T::AccountId, BalanceOf<T>>>,
		/// The initial [`RequiredConfirmations`], between 1 and
		/// [`Config::MaxCircuitReviewers`]; [`DEFAULT_REQUIRED_CONFIRMATIONS`] by default.
		pub required_confirmations: u32,
	}

	impl<T: Config> Default for GenesisConfig<T> {
		fn default() -> Self {
			GenesisConfig {
				models: Default::default(),
				required_confirmations: DEFAULT_REQUIRED_CONFIRMATIONS,
			}
		}
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			assert!(
				(1..=T::MaxCircuitReviewers::get()).contains(&self.required_confirmations),
				"genesis: required_confirmations between 1 and MaxCircuitReviewers"
			);
			RequiredConfirmations::<T>::put(self.required_confirmations);
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
		/// A version's ZK circuit was registered; `deposit` is now held for its bytes. It
		/// takes no ZK job until reviewers confirm it.
		CircuitRegistered {
			model: ModelId,
			version: ModelVersion,
			digest: H256,
			deposit: BalanceOf<T>,
		},
		/// `reviewer` compiled the version's bytes into `compiled` (`None`: they did not
		/// compile); `confirmations` is the circuit's count of confirmations now.
		CircuitReviewed {
			model: ModelId,
			version: ModelVersion,
			reviewer: T::AccountId,
			compiled: Option<H256>,
			confirmations: u32,
		},
		/// The circuit has the confirmations it needs: ZK jobs are taken.
		CircuitTrusted { model: ModelId, version: ModelVersion, confirmations: u32 },
		/// `by` compiled something else than the registered circuit (`compiled`, or nothing):
		/// ZK jobs are refused until governance resolves the dispute.
		CircuitDisputed {
			model: ModelId,
			version: ModelVersion,
			by: T::AccountId,
			compiled: Option<H256>,
		},
		/// Governance found the registered circuit faithful: it is trusted for good, and
		/// `slashed` was taken from the disputer and paid to the owner.
		CircuitUpheld {
			model: ModelId,
			version: ModelVersion,
			disputer: T::AccountId,
			slashed: BalanceOf<T>,
		},
		/// Governance found the registered circuit unfaithful: it was removed, the owner's
		/// `deposit_burnt` for it burnt, and `confirmers_slashed` in all taken from those who
		/// confirmed it and paid to `disputer`. The owner may register another circuit.
		CircuitRejected {
			model: ModelId,
			version: ModelVersion,
			disputer: T::AccountId,
			deposit_burnt: BalanceOf<T>,
			confirmers_slashed: BalanceOf<T>,
		},
		/// Governance set the confirmations a circuit needs to be trusted.
		RequiredConfirmationsSet { required: u32 },
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
		/// The expiry queues of the `EXPIRY_SPREAD_BLOCKS` blocks an upload could expire in
		/// are full; retry in a later block.
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
		/// The reviewer has less than `MinReviewerBond` bonded as a worker.
		NotAReviewer,
		/// The model's owner registered the circuit; its word is what the review checks.
		OwnerCannotReview,
		/// The account has already reviewed this circuit.
		AlreadyReviewed,
		/// The version has no registered circuit.
		NoCircuit,
		/// The circuit is disputed: no review counts, and the model cannot be removed, until
		/// governance resolves the dispute.
		CircuitUnderDispute,
		/// Governance upheld the circuit against a dispute: it takes no further dispute.
		CircuitSettled,
		/// The circuit is already trusted (or holds all the confirmations it can):
		/// confirming it adds nothing.
		ReviewNotNeeded,
		/// The circuit is not disputed: there is nothing to resolve.
		NotDisputed,
		/// Required confirmations must be at least 1 and at most `MaxCircuitReviewers`.
		RequiredConfirmationsOutOfRange,
		/// `remove` was given fewer chunks than the model holds (see `removal_chunks`).
		ChunkWitnessTooLow,
		/// A ranged dimension of the schema has a minimum of zero or above its maximum.
		SchemaInvalidDimensionRange,
		/// The ZK tier needs fixed shapes: a circuit has one size, so no ranged dimensions.
		ZkNeedsFixedShapes,
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
				SchemaError::InvalidDimensionRange => Error::SchemaInvalidDimensionRange,
				SchemaError::ZkNeedsFixedShapes => Error::ZkNeedsFixedShapes,
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let expiring = UploadExpiries::<T>::take(now);
			let count = expiring.len() as u32;
			let released = expiring.into_iter().fold(0u32, |released, model| {
				released.saturating_add(Self::expire_upload(model, now))
			});
			T::WeightInfo::on_initialize_expiries(count)
				.saturating_add(Self::chunk_release_weight(released))
		}

		/// Reviews registered ZK circuits with this node's worker keys: compiles the
		/// version's bytes and confirms or disputes the digest ([`offchain`]).
		fn offchain_worker(now: BlockNumberFor<T>) {
			Self::review_circuits(now);
		}

		fn integrity_test() {
			let chunks_needed = model::chunk_count(T::MaxModelSize::get());
			assert!(
				T::MaxChunks::get() as u64 >= chunks_needed,
				"MaxChunks must cover MaxModelSize cut into MODEL_CHUNK_SIZE chunks"
			);
			assert!(!T::UploadTimeout::get().is_zero(), "UploadTimeout must be positive");
			assert!(
				T::MaxCircuitReviewers::get() >= 1,
				"MaxCircuitReviewers must allow one confirmation"
			);
			// A zero bond would let any account confirm circuits at no risk.
			assert!(!T::MinReviewerBond::get().is_zero(), "MinReviewerBond must be positive");
			assert!(!T::ReviewSlash::get().is_zero(), "ReviewSlash must be positive");
			// A reviewer bonded at the minimum must have the whole slash at stake.
			assert!(
				T::ReviewSlash::get() <= T::MinReviewerBond::get(),
				"ReviewSlash must not exceed MinReviewerBond"
			);
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
		/// upload expires after `UploadTimeout` blocks unless finished (or up to
		/// [`EXPIRY_SPREAD_BLOCKS`] blocks later when that block's expiries are taken).
		/// Emits `UploadStarted`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::begin_upload()
			.saturating_add(T::DbWeight::get().reads(EXPIRY_SPREAD_BLOCKS.into())))]
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
			let expires_at =
				Self::queue_expiry(now.saturating_add(T::UploadTimeout::get()), model)?;

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
			Self::use_chunks(&[chunk_hash]);
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
			Self::use_content(content_id);
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

		/// Cancels the model's pending upload and returns its deposit. The bytes of its
		/// chunks leave the nodes' offchain stores, except chunks another upload or version
		/// also uses. Emits `UploadCancelled`.
		#[pallet::call_index(4)]
		#[pallet::weight(Pallet::<T>::upload_release_weight(T::MaxChunks::get()))]
		pub fn cancel_upload(origin: OriginFor<T>, model: ModelId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::owned_model(model, &who)?;
			let upload = Uploads::<T>::get(model).ok_or(Error::<T>::NoUploadInProgress)?;
			let received = upload.chunk_hashes.len() as u32;
			Self::remove_from_expiry_queue(upload.expires_at, model);
			let deposit_returned = Self::drop_upload(model)?;
			Self::deposit_event(Event::UploadCancelled {
				model,
				version: upload.version,
				deposit_returned,
			});
			Ok(Some(Self::upload_release_weight(received)).into())
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
		/// deposit. Their bytes and manifests leave the nodes' offchain stores, except those
		/// another model's upload or version also uses. Refused while the model has unsettled
		/// jobs, and while a circuit of it is disputed (its deposit awaits the verdict).
		///
		/// `chunks` is at least the number of chunks the model holds (every version's, and
		/// the pending upload's received ones; `removal_chunks` counts them): the weight is
		/// charged for it, since each chunk's use is released. Emits `ModelRemoved`.
		#[pallet::call_index(8)]
		#[pallet::weight(Pallet::<T>::removal_weight(*chunks))]
		pub fn remove(
			origin: OriginFor<T>,
			model: ModelId,
			chunks: u32,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let info = Self::owned_model(model, &who)?;
			let held = Self::removal_chunks(model);
			ensure!(held <= chunks, Error::<T>::ChunkWitnessTooLow);
			ensure!(!T::ModelJobs::has_open_jobs(model), Error::<T>::ModelHasOpenJobs);
			// Removing would return the deposit a rejection burns, and strand the stakes
			// the dispute holds.
			ensure!(
				!info.versions.iter().any(|version| CircuitReviews::<T>::get(model, version)
					.is_some_and(|review| review.status == CircuitStatus::Disputed)),
				Error::<T>::CircuitUnderDispute
			);

			if let Some(upload) = Uploads::<T>::take(model) {
				Self::remove_from_expiry_queue(upload.expires_at, model);
				Self::release_chunks(&upload.chunk_hashes);
			}
			for version in info.versions.iter() {
				if let Some(removed) = Versions::<T>::take(model, version) {
					Self::release_content(removed.content_id);
				}
				if let Some(chunks) = VersionChunks::<T>::take(model, version) {
					Self::release_chunks(&chunks);
				}
				VersionCircuits::<T>::remove(model, version);
				CircuitReviews::<T>::remove(model, version);
			}
			ModelIdByName::<T>::remove(&info.owner, &info.metadata.name);
			Models::<T>::remove(model);
			let deposit_returned = Self::release_deposit(&info.owner, info.deposit);
			Self::deposit_event(Event::ModelRemoved { model, deposit_returned });
			Ok(Some(Self::removal_weight(held)).into())
		}

		/// Registers the ZK circuit of `version` of `model`: the verifier data the runtime
		/// checks its proofs with, as `verin zk compile` derives it from the version's
		/// bytes. Only for versions that offer the ZK tier, once (again only after governance
		/// rejected the previous one); holds `DepositPerByte` per byte until the model is
		/// removed. The circuit starts unreviewed: ZK jobs wait for `RequiredConfirmations`
		/// reviewers ([`Pallet::review_circuit`]). Emits `CircuitRegistered`.
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
			Self::attach_circuit(&who, model, version, verifier_data, CircuitStatus::Unreviewed)
		}

		/// Reviews the ZK circuit of `version` of `model`: the caller compiled the version's
		/// bytes (`verin zk compile`) and got the digest `compiled`, or `None` if the model
		/// did not compile.
		///
		/// The caller must have at least `MinReviewerBond` bonded as a worker, must not own
		/// the model and may review each circuit once. A `compiled` equal to the registered
		/// digest confirms the circuit; with `RequiredConfirmations` confirmations it is
		/// trusted. Anything else disputes it: ZK jobs stop until governance resolves the
		/// dispute ([`Pallet::resolve_circuit_dispute`]), which costs the losing side
		/// `ReviewSlash` of its bond; until then the disputer's and the confirmers' stakes
		/// cannot be withdrawn from the worker pool. A trusted circuit may still be disputed; an upheld one
		/// may not, and no review is taken while a dispute is open.
		///
		/// Emits `CircuitReviewed`, and `CircuitTrusted` or `CircuitDisputed` when the status
		/// changes.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::review_circuit().max(T::WeightInfo::dispute_circuit()))]
		pub fn review_circuit(
			origin: OriginFor<T>,
			model: ModelId,
			version: ModelVersion,
			compiled: Option<H256>,
		) -> DispatchResult {
			let reviewer = ensure_signed(origin)?;
			let info = Models::<T>::get(model).ok_or(Error::<T>::ModelNotFound)?;
			let published =
				Versions::<T>::get(model, version).ok_or(Error::<T>::VersionNotFound)?;
			let registered = published.circuit_digest.ok_or(Error::<T>::NoCircuit)?;
			ensure!(reviewer != info.owner, Error::<T>::OwnerCannotReview);
			ensure!(
				T::Staking::bonded(&reviewer) >= T::MinReviewerBond::get(),
				Error::<T>::NotAReviewer
			);
			let mut review = Self::review_of(model, version);
			ensure!(review.status != CircuitStatus::Disputed, Error::<T>::CircuitUnderDispute);
			ensure!(!review.has_reviewed(&reviewer), Error::<T>::AlreadyReviewed);

			if compiled == Some(registered) {
				ensure!(!review.status.is_trusted(), Error::<T>::ReviewNotNeeded);
				review
					.confirmed_by
					.try_push(reviewer.clone())
					.map_err(|_| Error::<T>::ReviewNotNeeded)?;
				let confirmations = review.confirmed_by.len() as u32;
				// Never fewer than one: an unset or zero value must not trust a circuit
				// nobody confirmed.
				let trusted_now = confirmations >= RequiredConfirmations::<T>::get().max(1);
				if trusted_now {
					review.status = CircuitStatus::Trusted;
				}
				CircuitReviews::<T>::insert(model, version, review);
				Self::deposit_event(Event::CircuitReviewed {
					model,
					version,
					reviewer,
					compiled,
					confirmations,
				});
				if trusted_now {
					Self::deposit_event(Event::CircuitTrusted { model, version, confirmations });
				}
			} else {
				ensure!(review.status != CircuitStatus::Upheld, Error::<T>::CircuitSettled);
				let confirmations = review.confirmed_by.len() as u32;
				// Governance may take longer than an unbonding period: everyone the verdict
				// may slash keeps its stake until then.
				T::Staking::hold_for_judgement(&reviewer);
				review.confirmed_by.iter().for_each(T::Staking::hold_for_judgement);
				review.status = CircuitStatus::Disputed;
				review.disputed_by = Some((reviewer.clone(), compiled));
				CircuitReviews::<T>::insert(model, version, review);
				Self::deposit_event(Event::CircuitReviewed {
					model,
					version,
					reviewer: reviewer.clone(),
					compiled,
					confirmations,
				});
				Self::deposit_event(Event::CircuitDisputed {
					model,
					version,
					by: reviewer,
					compiled,
				});
			}
			Ok(())
		}

		/// Resolves the open dispute about the ZK circuit of `version` of `model`, after
		/// recompiling the version's bytes offchain: `faithful` says whether the registered
		/// circuit is their compile.
		///
		/// - `faithful`: the circuit is upheld, trusted for good; the disputer loses
		///   `ReviewSlash` of its bond to the model's owner, so that a false dispute, which
		///   stopped the owner's ZK jobs, is not free. Emits `CircuitUpheld`.
		/// - not `faithful`: the circuit and its review are removed and the version's digest
		///   cleared, so the owner may register the right circuit. The circuit's deposit is
		///   burnt rather than paid to the disputer: the disputer may be the owner's own
		///   account, which would get it back. For the same reason every confirmer loses
		///   `ReviewSlash` of its bond to [`Config::SlashedTo`] (the treasury), not to the
		///   disputer. Emits `CircuitRejected`.
		///
		/// Only `GovernanceOrigin`.
		#[pallet::call_index(13)]
		#[pallet::weight(
			T::WeightInfo::resolve_circuit_dispute_upheld().max(
				T::WeightInfo::resolve_circuit_dispute_rejected(T::MaxCircuitReviewers::get())
			)
		)]
		pub fn resolve_circuit_dispute(
			origin: OriginFor<T>,
			model: ModelId,
			version: ModelVersion,
			faithful: bool,
		) -> DispatchResultWithPostInfo {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let review = CircuitReviews::<T>::get(model, version)
				.filter(|review| review.status == CircuitStatus::Disputed)
				.ok_or(Error::<T>::NotDisputed)?;
			let (disputer, _) = review.disputed_by.clone().ok_or(Error::<T>::NotDisputed)?;
			let info = Models::<T>::get(model).ok_or(Error::<T>::ModelNotFound)?;
			// The stakes held when the dispute opened are free again once the verdict's
			// slashes (below) are taken.
			let release = |review: &CircuitReviewOf<T>| {
				T::Staking::release_judgement(&disputer);
				review.confirmed_by.iter().for_each(T::Staking::release_judgement);
			};

			if faithful {
				let slashed = T::Staking::slash(
					&disputer,
					T::ReviewSlash::get(),
					&info.owner,
					SlashReason::FalseCircuitReview,
				);
				release(&review);
				CircuitReviews::<T>::insert(
					model,
					version,
					CircuitReview { status: CircuitStatus::Upheld, ..review },
				);
				Self::deposit_event(Event::CircuitUpheld { model, version, disputer, slashed });
				return Ok(Some(T::WeightInfo::resolve_circuit_dispute_upheld()).into());
			}

			let deposit_burnt = Self::remove_circuit(model, version, info)?;
			let mut confirmers_slashed = BalanceOf::<T>::zero();
			for confirmer in review.confirmed_by.iter() {
				let taken = T::Staking::slash(
					confirmer,
					T::ReviewSlash::get(),
					&T::SlashedTo::get(),
					SlashReason::FalseCircuitReview,
				);
				confirmers_slashed = confirmers_slashed.saturating_add(taken);
			}
			release(&review);
			CircuitReviews::<T>::remove(model, version);
			Self::deposit_event(Event::CircuitRejected {
				model,
				version,
				disputer,
				deposit_burnt,
				confirmers_slashed,
			});
			let confirmers = review.confirmed_by.len() as u32;
			Ok(Some(T::WeightInfo::resolve_circuit_dispute_rejected(confirmers)).into())
		}

		/// Sets how many confirmations make a circuit trusted: at least 1, at most
		/// `MaxCircuitReviewers`. Circuits already trusted stay trusted; an unreviewed one
		/// is judged by the new number at its next confirmation. Only `GovernanceOrigin`.
		/// Emits `RequiredConfirmationsSet`.
		#[pallet::call_index(14)]
		#[pallet::weight(T::WeightInfo::set_required_confirmations())]
		pub fn set_required_confirmations(origin: OriginFor<T>, required: u32) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ensure!(
				(1..=T::MaxCircuitReviewers::get()).contains(&required),
				Error::<T>::RequiredConfirmationsOutOfRange
			);
			RequiredConfirmations::<T>::put(required);
			Self::deposit_event(Event::RequiredConfirmationsSet { required });
			Ok(())
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
		let content_id = model::content_id(model.size, &chunk_hashes);
		Self::use_content(content_id);
		Self::use_chunks(&chunk_hashes);
		Versions::<T>::insert(
			id,
			version,
			VersionInfo::<T> {
				content_id,
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
			// The chain spec's author defines the chain: its circuits need no review.
			Self::attach_circuit(&owner, id, version, circuit, CircuitStatus::Trusted)
				.expect("genesis model: the circuit registers");
		}
	}

	/// Checks and stores `verifier_data` as the circuit of `version`, holds its deposit from
	/// `owner` and opens its review at `status`.
	fn attach_circuit(
		owner: &T::AccountId,
		model: ModelId,
		version: ModelVersion,
		verifier_data: BoundedVec<u8, T::MaxCircuitBytes>,
		status: CircuitStatus,
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
		CircuitReviews::<T>::insert(model, version, CircuitReviewOf::<T>::new(status));
		Self::deposit_event(Event::CircuitRegistered { model, version, digest, deposit });
		Ok(())
	}

	/// Deletes the circuit of `version` of `model` (whose record is `info`), clears its
	/// digest and burns the deposit held for its bytes from the owner; returns the amount
	/// burnt. The review is left to the caller.
	fn remove_circuit(
		model: ModelId,
		version: ModelVersion,
		mut info: ModelInfo<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		let mut published =
			Versions::<T>::get(model, version).ok_or(Error::<T>::VersionNotFound)?;
		let circuit_bytes = VersionCircuits::<T>::take(model, version)
			.map(|data| data.len() as u32)
			.unwrap_or_default();
		// Recomputed as `attach_circuit` held it. Capped by what the version accounts for, so
		// a changed `DepositPerByte` can never burn another version's or model's deposit.
		let deposit =
			T::DepositPerByte::get().saturating_mul(circuit_bytes.into()).min(published.deposit);
		let burnt = if deposit.is_zero() {
			deposit
		} else {
			T::Currency::burn_held(
				&HoldReason::ModelStorage.into(),
				&info.owner,
				deposit,
				Precision::BestEffort,
				Fortitude::Force,
			)
			.unwrap_or_else(|error| {
				log::error!(target: "runtime::models", "burning a circuit deposit failed: {error:?}");
				Zero::zero()
			})
		};
		// Only what was burnt leaves the books: the rest is still held and returns with the
		// model.
		published.deposit = published.deposit.saturating_sub(burnt);
		published.circuit_digest = None;
		info.deposit = info.deposit.saturating_sub(burnt);
		Versions::<T>::insert(model, version, published);
		Models::<T>::insert(model, info);
		Ok(burnt)
	}

	/// The review of the circuit of `version`, unreviewed if none is stored (a circuit
	/// registered before reviews existed).
	fn review_of(model: ModelId, version: ModelVersion) -> CircuitReviewOf<T> {
		CircuitReviews::<T>::get(model, version)
			.unwrap_or_else(|| CircuitReviewOf::<T>::new(CircuitStatus::Unreviewed))
	}

	/// The review of the ZK circuit of a published version, if a circuit is registered.
	pub fn circuit_review(model: ModelId, version: ModelVersion) -> Option<CircuitReviewOf<T>> {
		Versions::<T>::get(model, version)?.circuit_digest?;
		Some(Self::review_of(model, version))
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
		Self::release_chunks(&upload.chunk_hashes);
		let mut info = Models::<T>::get(model).ok_or(Error::<T>::ModelNotFound)?;
		let returned = Self::release_deposit(&info.owner, upload.deposit);
		info.deposit = info.deposit.saturating_sub(upload.deposit);
		Models::<T>::insert(model, info);
		Ok(returned)
	}

	/// Counts one more use of each chunk in `hashes`.
	fn use_chunks(hashes: &[H256]) {
		for hash in hashes {
			Self::add_use::<ChunkUses<T>>(hash);
		}
	}

	/// Counts one use fewer of each chunk in `hashes` and clears the bytes of those no
	/// longer used from the nodes' offchain stores.
	/// Chunks `remove` releases for `model`: every version's and the pending upload's
	/// received ones. The witness `remove` takes must be at least this.
	pub fn removal_chunks(model: ModelId) -> u32 {
		let versions = Models::<T>::get(model).map(|info| info.versions).unwrap_or_default();
		let published = versions.iter().fold(0u32, |total, version| {
			let chunks = VersionChunks::<T>::decode_len(model, version).unwrap_or(0) as u32;
			total.saturating_add(chunks)
		});
		let pending = Uploads::<T>::get(model).map_or(0, |upload| upload.chunk_hashes.len() as u32);
		published.saturating_add(pending)
	}

	/// Weight of `remove` releasing `chunks` chunks. The benchmark removes versions of
	/// `MaxChunks` chunks each: a version's share is charged per chunk, and every possible
	/// version's own records as if it held `VERSION_RECORD_CHUNKS` more.
	pub fn removal_weight(chunks: u32) -> Weight {
		/// A version's own records (its entry, circuit, review, content use) cost about as
		/// much as this many chunk releases in the benchmark's per-version slope.
		const VERSION_RECORD_CHUNKS: u32 = 8;
		let records = VERSION_RECORD_CHUNKS.saturating_mul(model::MAX_VERSIONS);
		T::WeightInfo::remove(0)
			.saturating_add(Self::chunk_release_weight(chunks.saturating_add(records)))
	}

	/// Weight of releasing `chunks` chunks (a use counter each, and an offchain clear when
	/// it falls to zero): `remove`'s benchmark releases versions of `MaxChunks` distinct
	/// chunks, and its per-version slope is charged per chunk.
	pub fn chunk_release_weight(chunks: u32) -> Weight {
		let per_version = T::WeightInfo::remove(1).saturating_sub(T::WeightInfo::remove(0));
		let per_version_chunks = T::MaxChunks::get().max(1) as u64;
		let share = |part: u64| part.saturating_mul(chunks as u64).div_ceil(per_version_chunks);
		Weight::from_parts(share(per_version.ref_time()), share(per_version.proof_size()))
	}

	/// Weight of `cancel_upload` for an upload that received `chunks` chunks: the call's
	/// benchmark cancels an upload with none, and the chunks are charged as `remove` pays
	/// for them.
	pub fn upload_release_weight(chunks: u32) -> Weight {
		T::WeightInfo::cancel_upload().saturating_add(Self::chunk_release_weight(chunks))
	}

	fn release_chunks(hashes: &[H256]) {
		for hash in hashes {
			if Self::release_use::<ChunkUses<T>>(hash) {
				sp_io::offchain_index::clear(&model::offchain_chunk_key(hash));
			}
		}
	}

	/// Counts one more published version with `content_id`.
	fn use_content(content_id: H256) {
		Self::add_use::<ContentUses<T>>(&content_id);
	}

	/// Counts one published version fewer with `content_id` and clears its manifest from
	/// the nodes' offchain stores when none is left.
	fn release_content(content_id: H256) {
		if Self::release_use::<ContentUses<T>>(&content_id) {
			sp_io::offchain_index::clear(&model::offchain_manifest_key(&content_id));
		}
	}

	/// Counts one more use under `key` of a use counter.
	fn add_use<Counter: frame_support::StorageMap<H256, u32, Query = Option<u32>>>(key: &H256) {
		Counter::mutate(key, |uses| *uses = Some(uses.unwrap_or(0).saturating_add(1)));
	}

	/// Counts one use fewer under `key` of a use counter; true when none is left.
	fn release_use<Counter: frame_support::StorageMap<H256, u32, Query = Option<u32>>>(
		key: &H256,
	) -> bool {
		Counter::mutate_exists(key, |uses| {
			let left = uses.unwrap_or(0).saturating_sub(1);
			*uses = (left > 0).then_some(left);
			left == 0
		})
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
	/// Returns the number of chunks the expiry released.
	fn expire_upload(model: ModelId, now: BlockNumberFor<T>) -> u32 {
		let Some(upload) = Uploads::<T>::get(model) else { return 0 };
		if upload.expires_at != now {
			return 0;
		}
		let received = upload.chunk_hashes.len() as u32;
		match Self::drop_upload(model) {
			Ok(deposit_returned) => {
				Self::deposit_event(Event::UploadExpired {
					model,
					version: upload.version,
					deposit_returned,
				});
				received
			},
			Err(_) => 0,
		}
	}

	/// Puts `model`'s upload in the expiry queue of `due`, or of the first of the
	/// [`EXPIRY_SPREAD_BLOCKS`] blocks from `due` on with room; returns the block.
	fn queue_expiry(
		due: BlockNumberFor<T>,
		model: ModelId,
	) -> Result<BlockNumberFor<T>, DispatchError> {
		let mut block = due;
		for _ in 0..EXPIRY_SPREAD_BLOCKS {
			if UploadExpiries::<T>::try_mutate(block, |queue| queue.try_push(model)).is_ok() {
				return Ok(block);
			}
			block = block.saturating_add(One::one());
		}
		Err(Error::<T>::ExpiryQueueFull.into())
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
		let circuit_trusted = published.circuit_digest.is_some()
			&& CircuitReviews::<T>::get(model, version)
				.is_some_and(|review| review.status.is_trusted());
		Some(verin_primitives::market::ServedModel {
			owner: info.owner,
			price: info.price,
			status: info.status,
			version,
			content_id: published.content_id,
			spec: published.spec,
			circuit_digest: published.circuit_digest,
			circuit_trusted,
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
