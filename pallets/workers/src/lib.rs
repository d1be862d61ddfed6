//! # Workers pallet
//!
//! The worker pool of Verin: the inference nodes that run models for the market, and the
//! stake they put at risk for it.
//!
//! ## Overview
//!
//! - A **worker** registers with a bonded stake (held from its balance under
//!   [`HoldReason::WorkerBond`], at least [`Config::MinStake`]), the model versions it
//!   serves and the verification tiers it supports ([`WorkerInfo`]).
//! - **Matching** ([`WorkerPool::candidates`]) offers a worker for a job only when it is
//!   online, *live* (seen within [`Config::LivenessWindow`] blocks: a [`Pallet::heartbeat`]
//!   or an answered job), bonded at least the minimum, serves the exact version, supports
//!   the tier and holds fewer than [`Config::MaxJobsPerWorker`] jobs. For the TEE tier its
//!   enclave must also be attested now ([`Config::Enclaves`]).
//! - **Unbonding**: [`Pallet::unbond`] moves stake out of matching at once but keeps it
//!   held (and slashable) for [`Config::UnbondingPeriod`] blocks; then
//!   [`Pallet::withdraw_unbonded`] releases it. A worker with no stake, no unbonding stake
//!   and no jobs is deregistered by that call.
//! - **Slashing** ([`WorkerStaking::slash`]): other pallets take stake (active first, then
//!   unbonding) and pay it to a beneficiary, e.g. the treasury; a missed job also
//!   suspends the worker ([`WorkerStaking::suspend`]) until it goes online again.
//!
//! ## Interface for other pallets
//!
//! The inference market depends on the traits [`WorkerPool`] and [`WorkerStaking`] from
//! `verin-primitives`, which this pallet implements; it never names this crate.
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

use alloc::vec::Vec;
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, InspectHold, Mutate, MutateHold},
		tokens::{Fortitude, Precision, Restriction},
	},
};
use frame_system::pallet_prelude::*;
use sp_runtime::traits::{Saturating, Zero};
use verin_primitives::{
	market::{Candidate, EnclaveRegistry, ModelCatalog, SlashReason, WorkerPool, WorkerStaking},
	model::{ModelId, ModelVersion},
	tier::{Tier, TierSet},
};

/// Balance type of the currency that holds bonds.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A worker registered at genesis: its account, stake, tiers and served versions.
pub type GenesisWorker<T> =
	(<T as frame_system::Config>::AccountId, BalanceOf<T>, TierSet, Vec<ServedVersion>);

/// A model version a worker serves; re-exported from `verin-primitives`, where the node
/// can reach it without this crate.
pub use verin_primitives::market::ServedVersion;

/// Stake on its way out: still held and slashable until `unlock_at`.
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
)]
pub struct Unbonding<Balance, BlockNumber> {
	/// Amount unbonding.
	pub amount: Balance,
	/// First block at which it can be withdrawn.
	pub unlock_at: BlockNumber,
}

/// A registered worker.
#[derive(
	Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct WorkerInfo<T: Config> {
	/// Active bonded stake: weighs in matching, slashable.
	pub stake: BalanceOf<T>,
	/// Stake unbonding: out of matching, still slashable.
	pub unbonding: Option<Unbonding<BalanceOf<T>, BlockNumberFor<T>>>,
	/// Tiers whose evidence the worker can produce.
	pub tiers: TierSet,
	/// Model versions the worker serves.
	pub models: BoundedVec<ServedVersion, T::MaxModelsPerWorker>,
	/// Whether the worker wants jobs.
	pub online: bool,
	/// Last block the worker showed it is alive (registration, heartbeat, going online or
	/// an answered job).
	pub last_seen: BlockNumberFor<T>,
	/// Jobs assigned and not yet ended.
	pub load: u32,
	/// Jobs it answered (a result or a reported failure).
	pub answered: u32,
	/// Jobs it let pass their deadline.
	pub missed: u32,
	/// Jobs it refused (reported it could not answer); each went to another worker.
	pub refused: u32,
	/// Optimistic jobs whose result still rests on its stake: assigned, provisional or
	/// disputed. Matching offers it another only while its stake covers one more
	/// [`Config::StakePerOptimisticJob`].
	pub optimistic_open: u32,
}

impl<T: Config> WorkerInfo<T> {
	fn total_bonded(&self) -> BalanceOf<T> {
		self.stake.saturating_add(self.unbonding.map(|u| u.amount).unwrap_or_default())
	}

	fn is_live(&self, now: BlockNumberFor<T>) -> bool {
		now <= self.last_seen.saturating_add(T::LivenessWindow::get())
	}
}

/// What the benchmarks need from the runtime: published model versions to serve.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<T: Config> {
	/// Publishes (or finds) a distinct model version for each `index`.
	fn published_version(index: u32) -> ServedVersion;
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the worker pool.
	#[pallet::config]
	pub trait Config:
		frame_system::Config + frame_system::offchain::CreateSignedTransaction<Call<Self>>
	{
		/// The worker key the offchain worker signs heartbeats with (the same key that
		/// answers jobs).
		type AuthorityId: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>;

		/// The currency in which stake is bonded.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ InspectHold<Self::AccountId>
			+ Mutate<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The model registry: a worker may only serve published versions.
		type Models: ModelCatalog<Self::AccountId, BalanceOf<Self>>;

		/// Attested enclaves: a worker gets TEE jobs only while its enclave is attested.
		type Enclaves: EnclaveRegistry<Self::AccountId>;

		/// Least active stake of a worker that gets jobs.
		#[pallet::constant]
		type MinStake: Get<BalanceOf<Self>>;

		/// Blocks unbonding stake stays held (and slashable) before it can be withdrawn.
		/// Longer than any job's deadline, so a worker cannot escape a penalty by leaving.
		#[pallet::constant]
		type UnbondingPeriod: Get<BlockNumberFor<Self>>;

		/// Blocks after its last sign of life during which a worker still gets jobs.
		#[pallet::constant]
		type LivenessWindow: Get<BlockNumberFor<Self>>;

		/// Most model versions one worker serves.
		#[pallet::constant]
		type MaxModelsPerWorker: Get<u32>;

		/// Most workers serving one model version (bounds matching).
		#[pallet::constant]
		type MaxWorkersPerModel: Get<u32>;

		/// Most jobs one worker holds at a time; a busier worker is not matched.
		#[pallet::constant]
		type MaxJobsPerWorker: Get<u32>;

		/// Active stake each open Optimistic job of a worker needs (the penalty for a wrong
		/// result): lying on every open job costs a penalty per job, never less.
		#[pallet::constant]
		type StakePerOptimisticJob: Get<BalanceOf<Self>>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Publishes model versions for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self>;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A worker's bonded stake, active or unbonding.
		#[codec(index = 0)]
		WorkerBond,
	}

	/// Registered workers.
	#[pallet::storage]
	pub type Registered<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, WorkerInfo<T>>;

	/// Open judgements that may slash a worker (e.g. a dispute about a circuit it reviewed),
	/// by worker: while any is open its unbonding stake cannot be withdrawn, so the slash
	/// finds it however long the judgement takes. Absent means none.
	#[pallet::storage]
	pub type JudgementHolds<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// The workers serving each model version, in registration order: the matching index.
	#[pallet::storage]
	pub type Servers<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		ModelId,
		Twox64Concat,
		ModelVersion,
		BoundedVec<T::AccountId, T::MaxWorkersPerModel>,
		ValueQuery,
	>;

	/// Why a worker went offline.
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
	)]
	pub enum OfflineReason {
		/// The worker asked to.
		Requested,
		/// It unbonded its whole stake.
		Unbonded,
		/// It missed a job's deadline; it must go online again to get jobs.
		Suspended,
	}

	/// Workers registered at genesis: (account, stake, tiers, served versions). They bond
	/// from their genesis balances, and the versions must be published at genesis too.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The workers, each online from block 0.
		pub workers: Vec<GenesisWorker<T>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (worker, stake, tiers, models) in &self.workers {
				Pallet::<T>::register(
					frame_system::RawOrigin::Signed(worker.clone()).into(),
					*stake,
					*tiers,
					BoundedVec::try_from(models.clone())
						.expect("genesis worker: within MaxModelsPerWorker"),
				)
				.expect(
					"genesis worker: funded, bonded at least MinStake, serving published versions",
				);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A worker registered and bonded `stake`; it is online.
		WorkerRegistered { worker: T::AccountId, stake: BalanceOf<T>, tiers: TierSet },
		/// A worker bonded more stake.
		StakeBonded { worker: T::AccountId, amount: BalanceOf<T>, stake: BalanceOf<T> },
		/// A worker changed the model versions it serves.
		ModelsChanged { worker: T::AccountId, models: Vec<ServedVersion> },
		/// A worker changed the tiers it supports.
		TiersChanged { worker: T::AccountId, tiers: TierSet },
		/// A worker went online: it gets jobs while live.
		WentOnline { worker: T::AccountId },
		/// A worker went offline: it gets no new jobs.
		WentOffline { worker: T::AccountId, reason: OfflineReason },
		/// Stake started unbonding; it can be withdrawn from `unlock_at`.
		Unbonding { worker: T::AccountId, amount: BalanceOf<T>, unlock_at: BlockNumberFor<T> },
		/// Unbonded stake was released to the worker's free balance.
		Withdrawn { worker: T::AccountId, amount: BalanceOf<T> },
		/// A worker with nothing bonded and no jobs left the pool.
		WorkerDeregistered { worker: T::AccountId },
		/// `worker` lost its slot among the servers of `model`@`version` to `by`, who bonds
		/// more (or `worker` was offline, not live or below the minimum stake).
		ServerEvicted {
			worker: T::AccountId,
			model: ModelId,
			version: ModelVersion,
			by: T::AccountId,
		},
		/// A worker lost stake; `amount` went to `beneficiary` (or was burnt if it could not
		/// receive it).
		WorkerSlashed {
			worker: T::AccountId,
			amount: BalanceOf<T>,
			beneficiary: T::AccountId,
			reason: SlashReason,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a worker.
		AlreadyRegistered,
		/// The account is not a worker.
		NotRegistered,
		/// The stake is below `MinStake`.
		StakeBelowMinimum,
		/// The free balance cannot cover the stake.
		InsufficientBalance,
		/// The amount is zero.
		ZeroAmount,
		/// The tier set is empty or holds unknown bits.
		InvalidTiers,
		/// A served model version is not published.
		UnknownModelVersion,
		/// The same model version is listed twice.
		DuplicateModelVersion,
		/// The worker lists no model version.
		NoModels,
		/// The worker lists more model versions than `MaxModelsPerWorker`.
		TooManyModels,
		/// A model version already has `MaxWorkersPerModel` workers, each online, live and
		/// bonding at least as much as the caller.
		TooManyWorkersForModel,
		/// The worker is already online.
		AlreadyOnline,
		/// The worker is already offline.
		AlreadyOffline,
		/// Unbonding more than the active stake.
		UnbondExceedsStake,
		/// The stake left would be above zero but below `MinStake`: unbond less, or all.
		WouldFallBelowMinimum,
		/// No stake is unbonding.
		NothingUnbonding,
		/// The unbonding stake is not unlocked yet.
		StillUnbonding,
		/// A judgement that may slash the worker is open (a dispute about a circuit it
		/// reviewed): its stake stays until the judgement ends.
		StakeUnderJudgement,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers the caller as a worker: bonds `stake` (held from its free balance),
		/// serves `models` and supports `tiers`. The worker starts online and live.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register(models.len() as u32))]
		pub fn register(
			origin: OriginFor<T>,
			stake: BalanceOf<T>,
			tiers: TierSet,
			models: BoundedVec<ServedVersion, T::MaxModelsPerWorker>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!Registered::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
			ensure!(stake >= T::MinStake::get(), Error::<T>::StakeBelowMinimum);
			Self::check_tiers(tiers)?;
			Self::check_models(&models)?;
			Self::add_to_servers(&who, stake, &models)?;
			T::Currency::hold(&HoldReason::WorkerBond.into(), &who, stake)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			let now = frame_system::Pallet::<T>::block_number();
			Registered::<T>::insert(
				&who,
				WorkerInfo {
					stake,
					unbonding: None,
					tiers,
					models,
					online: true,
					last_seen: now,
					load: 0,
					answered: 0,
					missed: 0,
					refused: 0,
					optimistic_open: 0,
				},
			);
			Self::deposit_event(Event::WorkerRegistered { worker: who, stake, tiers });
			Ok(())
		}

		/// Bonds `amount` more of the caller's free balance as active stake.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::bond_extra())]
		pub fn bond_extra(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			let mut info = Self::worker(&who)?;
			T::Currency::hold(&HoldReason::WorkerBond.into(), &who, amount)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			info.stake = info.stake.saturating_add(amount);
			let stake = info.stake;
			Registered::<T>::insert(&who, info);
			Self::deposit_event(Event::StakeBonded { worker: who, amount, stake });
			Ok(())
		}

		/// Replaces the model versions the caller serves. Jobs it already holds are not
		/// affected.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_models(T::MaxModelsPerWorker::get(), models.len() as u32))]
		pub fn set_models(
			origin: OriginFor<T>,
			models: BoundedVec<ServedVersion, T::MaxModelsPerWorker>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let mut info = Self::worker(&who)?;
			Self::check_models(&models)?;
			let removed = info.models.len() as u32;
			Self::remove_from_servers(&who, &info.models);
			Self::add_to_servers(&who, info.stake, &models)?;
			info.models = models.clone();
			Registered::<T>::insert(&who, info);
			Self::deposit_event(Event::ModelsChanged { worker: who, models: models.to_vec() });
			Ok(Some(T::WeightInfo::set_models(removed, models.len() as u32)).into())
		}

		/// Replaces the tiers the caller supports.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::set_tiers())]
		pub fn set_tiers(origin: OriginFor<T>, tiers: TierSet) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::check_tiers(tiers)?;
			let mut info = Self::worker(&who)?;
			info.tiers = tiers;
			Registered::<T>::insert(&who, info);
			Self::deposit_event(Event::TiersChanged { worker: who, tiers });
			Ok(())
		}

		/// Puts the caller back into matching (also after a suspension). Needs at least
		/// `MinStake` active; counts as a sign of life.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::go_online())]
		pub fn go_online(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut info = Self::worker(&who)?;
			ensure!(!info.online, Error::<T>::AlreadyOnline);
			ensure!(info.stake >= T::MinStake::get(), Error::<T>::StakeBelowMinimum);
			info.online = true;
			info.last_seen = frame_system::Pallet::<T>::block_number();
			Registered::<T>::insert(&who, info);
			Self::deposit_event(Event::WentOnline { worker: who });
			Ok(())
		}

		/// Takes the caller out of matching. Jobs it holds must still be answered.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::go_offline())]
		pub fn go_offline(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut info = Self::worker(&who)?;
			ensure!(info.online, Error::<T>::AlreadyOffline);
			info.online = false;
			Registered::<T>::insert(&who, info);
			Self::deposit_event(Event::WentOffline {
				worker: who,
				reason: OfflineReason::Requested,
			});
			Ok(())
		}

		/// Tells the chain the caller is alive: it stays matchable for `LivenessWindow`
		/// more blocks. Inference nodes send it when they have had no job to answer.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::heartbeat())]
		pub fn heartbeat(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Registered::<T>::try_mutate(&who, |maybe| {
				let info = maybe.as_mut().ok_or(Error::<T>::NotRegistered)?;
				info.last_seen = frame_system::Pallet::<T>::block_number();
				Ok(())
			})
		}

		/// Starts unbonding `amount` of the caller's active stake: out of matching now,
		/// withdrawable after `UnbondingPeriod`. What stays active must be zero or at least
		/// `MinStake`; unbonding everything takes the worker offline. Unbonding more while
		/// some is already unbonding adds to it and restarts the period.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn unbond(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			let mut info = Self::worker(&who)?;
			ensure!(amount <= info.stake, Error::<T>::UnbondExceedsStake);
			let remaining = info.stake.saturating_sub(amount);
			ensure!(
				remaining.is_zero() || remaining >= T::MinStake::get(),
				Error::<T>::WouldFallBelowMinimum
			);
			let unlock_at =
				frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
			let unbonding_total =
				info.unbonding.map(|u| u.amount).unwrap_or_default().saturating_add(amount);
			info.unbonding = Some(Unbonding { amount: unbonding_total, unlock_at });
			info.stake = remaining;
			let went_offline = remaining.is_zero() && info.online;
			if went_offline {
				info.online = false;
			}
			Registered::<T>::insert(&who, info);
			Self::deposit_event(Event::Unbonding { worker: who.clone(), amount, unlock_at });
			if went_offline {
				Self::deposit_event(Event::WentOffline {
					worker: who,
					reason: OfflineReason::Unbonded,
				});
			}
			Ok(())
		}

		/// Releases the caller's unlocked unbonding stake. A worker left with no stake, nothing
		/// unbonding and no jobs is deregistered (also when nothing was unbonding). Refused
		/// while a judgement that may slash the worker is open ([`JudgementHolds`]).
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded(T::MaxModelsPerWorker::get()))]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let mut info = Self::worker(&who)?;
			ensure!(JudgementHolds::<T>::get(&who) == 0, Error::<T>::StakeUnderJudgement);
			match info.unbonding {
				Some(unbonding) => {
					let now = frame_system::Pallet::<T>::block_number();
					ensure!(now >= unbonding.unlock_at, Error::<T>::StillUnbonding);
					let released = T::Currency::release(
						&HoldReason::WorkerBond.into(),
						&who,
						unbonding.amount,
						Precision::BestEffort,
					)
					.unwrap_or_else(|_| Zero::zero());
					info.unbonding = None;
					Self::deposit_event(Event::Withdrawn { worker: who.clone(), amount: released });
				},
				None => ensure!(info.stake.is_zero(), Error::<T>::NothingUnbonding),
			}
			if info.stake.is_zero() && info.load == 0 {
				let served = info.models.len() as u32;
				Self::remove_from_servers(&who, &info.models);
				Registered::<T>::remove(&who);
				Self::deposit_event(Event::WorkerDeregistered { worker: who });
				Ok(Some(T::WeightInfo::withdraw_unbonded(served)).into())
			} else {
				Registered::<T>::insert(&who, info);
				Ok(Some(T::WeightInfo::withdraw_unbonded(0)).into())
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Keeps this node's online workers live: sends a heartbeat for each local worker key
		/// that has shown no sign of life for half the liveness window.
		fn offchain_worker(now: BlockNumberFor<T>) {
			Self::send_heartbeats(now);
		}

		fn integrity_test() {
			assert!(!T::MinStake::get().is_zero(), "a worker must bond something");
			assert!(T::MaxModelsPerWorker::get() > 0, "a worker must be able to serve a model");
			assert!(T::MaxWorkersPerModel::get() > 0, "a model must be servable");
			assert!(T::MaxJobsPerWorker::get() > 0, "a worker must be able to take a job");
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The worker record of `who`.
	pub fn worker(who: &T::AccountId) -> Result<WorkerInfo<T>, DispatchError> {
		Registered::<T>::get(who).ok_or_else(|| Error::<T>::NotRegistered.into())
	}

	fn check_tiers(tiers: TierSet) -> DispatchResult {
		ensure!(!tiers.is_empty() && !tiers.has_unknown_bits(), Error::<T>::InvalidTiers);
		Ok(())
	}

	fn check_models(models: &[ServedVersion]) -> DispatchResult {
		ensure!(!models.is_empty(), Error::<T>::NoModels);
		for (index, served) in models.iter().enumerate() {
			ensure!(!models[..index].contains(served), Error::<T>::DuplicateModelVersion);
			ensure!(
				T::Models::served_model(served.model, Some(served.version)).is_some(),
				Error::<T>::UnknownModelVersion
			);
		}
		Ok(())
	}

	/// Adds `who` (bonding `stake`) to the servers of each version. A full version gives
	/// the slot of its weakest server to `who`: first one that could not take a job now
	/// (offline, not live, below the minimum stake), else the one bonding least, if less
	/// than `stake`. So slots go to online, bonded workers ranked by stake, and squatting
	/// them costs as much stake as serving.
	fn add_to_servers(
		who: &T::AccountId,
		stake: BalanceOf<T>,
		models: &[ServedVersion],
	) -> DispatchResult {
		for served in models {
			let mut servers = Servers::<T>::get(served.model, served.version);
			if servers.is_full() {
				let weakest =
					Self::weakest_server(&servers).ok_or(Error::<T>::TooManyWorkersForModel)?;
				let (index, evicted, evicted_stake, can_work) = weakest;
				ensure!(!can_work || evicted_stake < stake, Error::<T>::TooManyWorkersForModel);
				servers.remove(index);
				Self::drop_served_version(&evicted, served);
				Self::deposit_event(Event::ServerEvicted {
					worker: evicted,
					model: served.model,
					version: served.version,
					by: who.clone(),
				});
			}
			servers.try_push(who.clone()).map_err(|_| Error::<T>::TooManyWorkersForModel)?;
			Servers::<T>::insert(served.model, served.version, servers);
		}
		Ok(())
	}

	/// The server that first gives up its slot: (index, account, active stake, whether it
	/// could take a job now). Servers that could not work go first, then the least stake.
	fn weakest_server(
		servers: &[T::AccountId],
	) -> Option<(usize, T::AccountId, BalanceOf<T>, bool)> {
		let now = frame_system::Pallet::<T>::block_number();
		servers
			.iter()
			.enumerate()
			.map(|(index, server)| {
				let info = Registered::<T>::get(server);
				let stake = info.as_ref().map(|info| info.stake).unwrap_or_default();
				let can_work = info.is_some_and(|info| {
					info.online && info.is_live(now) && info.stake >= T::MinStake::get()
				});
				(index, server.clone(), stake, can_work)
			})
			.min_by(|a, b| (a.3, a.2).cmp(&(b.3, b.2)))
	}

	/// Takes `served` out of the versions `who` lists (it lost that slot).
	fn drop_served_version(who: &T::AccountId, served: &ServedVersion) {
		Registered::<T>::mutate(who, |maybe| {
			if let Some(info) = maybe {
				info.models.retain(|listed| listed != served);
			}
		});
	}

	fn remove_from_servers(who: &T::AccountId, models: &[ServedVersion]) {
		for served in models {
			Servers::<T>::mutate_exists(served.model, served.version, |servers| {
				if let Some(list) = servers {
					list.retain(|server| server != who);
					if list.is_empty() {
						*servers = None;
					}
				}
			});
		}
	}

	/// Every worker the market could offer a job for `model`@`version` at `tier` now.
	pub fn eligible(
		model: ModelId,
		version: ModelVersion,
		tier: Tier,
	) -> Vec<Candidate<T::AccountId, BalanceOf<T>>> {
		Self::servers_where(model, version, |worker, info| {
			info.tiers.contains(tier)
				&& info.load < T::MaxJobsPerWorker::get()
				&& (tier != Tier::Optimistic || Self::covers_another_optimistic_job(info))
				&& (tier != Tier::Tee || T::Enclaves::is_attested(worker))
		})
	}

	/// The servers of `model`@`version` that are online, live and bonded at least the
	/// minimum, and pass `keep`, as matching candidates.
	fn servers_where(
		model: ModelId,
		version: ModelVersion,
		keep: impl Fn(&T::AccountId, &WorkerInfo<T>) -> bool,
	) -> Vec<Candidate<T::AccountId, BalanceOf<T>>> {
		let now = frame_system::Pallet::<T>::block_number();
		Servers::<T>::get(model, version)
			.into_iter()
			.filter_map(|worker| {
				let info = Registered::<T>::get(&worker)?;
				let available = info.online
					&& info.is_live(now)
					&& info.stake >= T::MinStake::get()
					&& keep(&worker, &info);
				available.then_some(Candidate { worker, stake: info.stake, load: info.load })
			})
			.collect()
	}
}

impl<T: Config> Pallet<T> {
	/// Whether `info`'s active stake covers one more open Optimistic job.
	fn covers_another_optimistic_job(info: &WorkerInfo<T>) -> bool {
		let open = BalanceOf::<T>::from(info.optimistic_open.saturating_add(1));
		T::StakePerOptimisticJob::get().saturating_mul(open) <= info.stake
	}

	/// Every server of `model`@`version` that could vote in a dispute now.
	pub fn committee_pool(
		model: ModelId,
		version: ModelVersion,
	) -> Vec<Candidate<T::AccountId, BalanceOf<T>>> {
		Self::servers_where(model, version, |_, info| info.tiers.contains(Tier::Optimistic))
	}
}

impl<T: Config> WorkerPool<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn candidates(
		model: ModelId,
		version: ModelVersion,
		tier: Tier,
	) -> Vec<Candidate<T::AccountId, BalanceOf<T>>> {
		Self::eligible(model, version, tier)
	}

	fn max_candidates() -> u32 {
		T::MaxWorkersPerModel::get()
	}

	fn tier_check_weight(tier: Tier) -> Weight {
		match tier {
			Tier::Tee => T::Enclaves::is_attested_weight()
				.saturating_mul(T::MaxWorkersPerModel::get().into()),
			// The market counts the version's possible committee (`voters`): the servers list
			// and each server's record, read again.
			Tier::Optimistic => {
				T::DbWeight::get().reads(u64::from(T::MaxWorkersPerModel::get()).saturating_add(1))
			},
			_ => Weight::zero(),
		}
	}

	fn is_bonded(worker: &T::AccountId) -> bool {
		Registered::<T>::get(worker).is_some_and(|info| !info.total_bonded().is_zero())
	}

	fn voters(model: ModelId, version: ModelVersion) -> Vec<Candidate<T::AccountId, BalanceOf<T>>> {
		Self::committee_pool(model, version)
	}

	fn serves(worker: &T::AccountId, model: ModelId, version: ModelVersion) -> bool {
		Registered::<T>::get(worker).is_some_and(|info| {
			info.stake >= T::MinStake::get()
				&& info.models.contains(&ServedVersion { model, version })
		})
	}

	fn job_assigned(worker: &T::AccountId, tier: Tier) {
		Registered::<T>::mutate(worker, |maybe| {
			if let Some(info) = maybe {
				info.load = info.load.saturating_add(1);
				if tier == Tier::Optimistic {
					info.optimistic_open = info.optimistic_open.saturating_add(1);
				}
			}
		});
	}

	fn job_refused(worker: &T::AccountId) {
		Registered::<T>::mutate(worker, |maybe| {
			if let Some(info) = maybe {
				info.load = info.load.saturating_sub(1);
				info.refused = info.refused.saturating_add(1);
				info.last_seen = frame_system::Pallet::<T>::block_number();
			}
		});
	}

	fn optimistic_job_closed(worker: &T::AccountId) {
		Registered::<T>::mutate(worker, |maybe| {
			if let Some(info) = maybe {
				info.optimistic_open = info.optimistic_open.saturating_sub(1);
			}
		});
	}

	fn job_released(worker: &T::AccountId, answered: bool) {
		Registered::<T>::mutate(worker, |maybe| {
			if let Some(info) = maybe {
				info.load = info.load.saturating_sub(1);
				if answered {
					info.answered = info.answered.saturating_add(1);
					info.last_seen = frame_system::Pallet::<T>::block_number();
				} else {
					info.missed = info.missed.saturating_add(1);
				}
			}
		});
	}
}

impl<T: Config> WorkerStaking<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn bonded(worker: &T::AccountId) -> BalanceOf<T> {
		Registered::<T>::get(worker).map(|info| info.total_bonded()).unwrap_or_default()
	}

	fn slash(
		worker: &T::AccountId,
		amount: BalanceOf<T>,
		beneficiary: &T::AccountId,
		reason: SlashReason,
	) -> BalanceOf<T> {
		let Some(mut info) = Registered::<T>::get(worker) else { return Zero::zero() };
		let amount = amount.min(info.total_bonded());
		if amount.is_zero() {
			return amount;
		}
		let hold = HoldReason::WorkerBond.into();
		// Paying a beneficiary can fail (e.g. it would stay below the existential deposit);
		// the stake is burnt then, so the penalty always lands.
		let taken = T::Currency::transfer_on_hold(
			&hold,
			worker,
			beneficiary,
			amount,
			Precision::BestEffort,
			Restriction::Free,
			Fortitude::Force,
		)
		.or_else(|_| {
			T::Currency::burn_held(&hold, worker, amount, Precision::BestEffort, Fortitude::Force)
		})
		.unwrap_or_else(|_| Zero::zero());
		let from_active = taken.min(info.stake);
		info.stake = info.stake.saturating_sub(from_active);
		let from_unbonding = taken.saturating_sub(from_active);
		if let Some(unbonding) = info.unbonding.as_mut() {
			unbonding.amount = unbonding.amount.saturating_sub(from_unbonding);
			if unbonding.amount.is_zero() {
				info.unbonding = None;
			}
		}
		Registered::<T>::insert(worker, info);
		Self::deposit_event(Event::WorkerSlashed {
			worker: worker.clone(),
			amount: taken,
			beneficiary: beneficiary.clone(),
			reason,
		});
		taken
	}

	fn suspend(worker: &T::AccountId) {
		let suspended = Registered::<T>::mutate(worker, |maybe| match maybe {
			Some(info) if info.online => {
				info.online = false;
				true
			},
			_ => false,
		});
		if suspended {
			Self::deposit_event(Event::WentOffline {
				worker: worker.clone(),
				reason: OfflineReason::Suspended,
			});
		}
	}

	fn hold_for_judgement(worker: &T::AccountId) {
		JudgementHolds::<T>::mutate(worker, |holds| *holds = holds.saturating_add(1));
	}

	fn release_judgement(worker: &T::AccountId) {
		JudgementHolds::<T>::mutate_exists(worker, |holds| {
			*holds = holds.map(|count| count.saturating_sub(1)).filter(|count| *count > 0);
		});
	}
}
