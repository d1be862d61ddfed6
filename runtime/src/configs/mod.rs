//! Pallet configurations of the Verin runtime and the parameters they read.

pub mod tiers;

use frame_support::{
	derive_impl,
	dispatch::DispatchClass,
	parameter_types,
	traits::{ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, VariantCountOf},
	weights::{
		constants::{ParityDbWeight, WEIGHT_REF_TIME_PER_SECOND},
		IdentityFee, Weight,
	},
};
use frame_system::limits::{BlockLength, BlockWeights};
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::traits::One;

use super::{
	AccountId, Aura, Balance, Balances, Block, BlockNumber, Enclaves, Hash, Inference, Models,
	Nonce, PalletInfo, Runtime, RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason,
	RuntimeOrigin, RuntimeTask, System, Timestamp, Workers, EXISTENTIAL_DEPOSIT,
	NORMAL_DISPATCH_RATIO, SLOT_DURATION, VERSION,
};
use verin_primitives::{
	currency::{MICRO_UNIT, MILLI_UNIT, UNIT},
	model::MODEL_CHUNK_SIZE,
	tensor::MAX_PAYLOAD_BYTES,
	time::{DAYS, HOURS, MINUTES},
};

/// Two seconds of compute per block (a third of the 6 s slot), the usual solochain budget.
const MAXIMUM_BLOCK_WEIGHT: Weight =
	Weight::from_parts(WEIGHT_REF_TIME_PER_SECOND.saturating_mul(2), u64::MAX);

/// 12 MiB blocks: normal extrinsics get 9 MiB, room for one request with the largest input
/// (`MAX_PAYLOAD_BYTES`, 8 MiB) beside ordinary traffic. Kept below the network's 16 MiB
/// block-response limit, so every block can be synced by a peer.
const MAXIMUM_BLOCK_LENGTH: u32 = 12 * 1024 * 1024;

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: sp_version::RuntimeVersion = VERSION;

	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		MAXIMUM_BLOCK_WEIGHT,
		NORMAL_DISPATCH_RATIO,
	);
	// Normal extrinsics may fill 75% of a block's bytes; the rest is for operational ones.
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(MAXIMUM_BLOCK_LENGTH)
		.modify_max_length_for_class(DispatchClass::Normal, |max| {
			*max = NORMAL_DISPATCH_RATIO * MAXIMUM_BLOCK_LENGTH
		})
		.build();
	/// Generic Substrate prefix until Verin registers its own.
	pub const SS58Prefix: u8 = 42;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	// The node stores state in ParityDB only (RocksDB is not compiled in): storage is
	// charged at ParityDB's reference costs.
	type DbWeight = ParityDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<32>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<32>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_timestamp::Config for Runtime {
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

impl pallet_balances::Config for Runtime {
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ();
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type RuntimeEvent = RuntimeEvent;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type WeightInfo = crate::weights::pallet_balances::WeightInfo<Runtime>;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

parameter_types! {
	pub FeeMultiplier: Multiplier = Multiplier::one();
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, ()>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightToFee = IdentityFee<Balance>;
	type LengthToFee = IdentityFee<Balance>;
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Covers the model record and its name index.
	pub const ModelDeposit: Balance = UNIT;
	/// Covers one version record and its chunk-hash list.
	pub const VersionDeposit: Balance = 100 * MILLI_UNIT;
	/// Per byte of model file: an 8 MiB model holds about 8.4 VRN while it exists.
	pub const ModelDepositPerByte: Balance = MICRO_UNIT;
}

/// Largest model file: 256 MiB (a ResNet-50 is about 100 MB), in 1,024 chunks of 256 KiB;
/// a version's chunk list is then at most 32 KiB of state.
pub const MAX_MODEL_SIZE: u64 = 256 * 1024 * 1024;

impl pallet_models::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	// A model with unsettled jobs cannot be removed.
	type ModelJobs = Inference;
	type ModelDeposit = ModelDeposit;
	type VersionDeposit = VersionDeposit;
	type DepositPerByte = ModelDepositPerByte;
	type MaxModelSize = ConstU64<MAX_MODEL_SIZE>;
	type MaxChunks = ConstU32<{ (MAX_MODEL_SIZE / MODEL_CHUNK_SIZE as u64) as u32 }>;
	type UploadTimeout = ConstU32<HOURS>;
	// Each expiry may release a 256 MiB upload's 1,024 chunks (about 160 ms here): two keep
	// the mandatory hook under a fifth of a block (`runtime/tests/large_payloads.rs`).
	type MaxExpiriesPerBlock = ConstU32<2>;
	type Circuits = tiers::ZkCircuits;
	// The digits circuit's verifier data is 1.6 KB; room for larger FRI caps and gate sets.
	type MaxCircuitBytes = ConstU32<{ 16 * 1024 }>;
	// Reviewers are bonded workers: their nodes compile circuits anyway, and their stake is
	// what a wrong review costs.
	type Staking = Workers;
	type MinReviewerBond = MinWorkerStake;
	type MaxCircuitReviewers = ConstU32<16>;
	// A wrong review costs what a worker must bond: it either let a circuit pay that is not
	// the model's, or stopped an owner's ZK jobs for nothing.
	type ReviewSlash = MinWorkerStake;
	// Root (sudo, later governance) recompiles a disputed model and decides.
	type GovernanceOrigin = frame_system::EnsureRoot<AccountId>;
	// The worker key reviews circuits, as it answers jobs.
	type AuthorityId = verin_pallet_support::WorkerAuthority;
	type SlashedTo = TreasuryAccount;
	type WeightInfo = pallet_models::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmarks::Helper;
}

parameter_types! {
	/// A worker bonds at least 10 VRN: ten missed jobs' worth of penalties.
	pub const MinWorkerStake: Balance = 10 * UNIT;
}

impl pallet_workers::Config for Runtime {
	// The key that answers jobs also keeps its worker live.
	type AuthorityId = verin_pallet_support::WorkerAuthority;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = Models;
	type Enclaves = Enclaves;
	type MinStake = MinWorkerStake;
	// Longer than a job can stay with one worker (MaxResponseBlocks), so a penalty for a
	// missed job always finds the stake.
	type UnbondingPeriod = ConstU32<WORKER_UNBONDING_PERIOD>;
	type LivenessWindow = ConstU32<HOURS>;
	type MaxModelsPerWorker = ConstU32<16>;
	type MaxWorkersPerModel = ConstU32<MAX_WORKERS_PER_MODEL>;
	type MaxJobsPerWorker = ConstU32<MAX_JOBS_PER_WORKER>;
	// Lying on every open Optimistic job costs the wrong-result penalty for each.
	type StakePerOptimisticJob = WrongResultPenalty;
	type WeightInfo = pallet_workers::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmarks::Helper;
}

/// An attestation qualifies a worker for TEE jobs for a day after its enclave made it; the
/// worker's node renews it in the last quarter (Nitro signing certificates are valid for
/// about three hours, and are checked when the attestation is registered).
pub const ATTESTATION_LIFETIME_MS: u64 = 24 * 60 * 60 * 1000;

impl pallet_enclaves::Config for Runtime {
	// The worker key registers its enclave.
	type AuthorityId = verin_pallet_support::WorkerAuthority;
	// Roots and measurements are the chain's trust anchors: only root (sudo, later
	// governance) changes them.
	type GovernanceOrigin = frame_system::EnsureRoot<AccountId>;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	// Paid once per registered enclave, back on deregistration: each account an operator
	// puts behind the TEE tier costs this much, on top of the worker bond.
	type EnclaveDeposit = ConstU128<{ 10 * UNIT }>;
	type UnixTime = Timestamp;
	type AttestationLifetime = ConstU64<ATTESTATION_LIFETIME_MS>;
	// Block authors' clocks and the enclave's may differ; a document up to a minute ahead of
	// the block's time is not refused.
	type MaxClockDrift = ConstU64<60_000>;
	// Nitro documents are about 4.5 KB (5 certificates); room for longer bundles.
	type MaxAttestationLength = ConstU32<{ 16 * 1024 }>;
	type MaxCertificateLength = ConstU32<2048>;
	type MaxVersionLength = ConstU32<64>;
	type WeightInfo = pallet_enclaves::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmarks::Helper;
}

/// Most workers serving one model version: bounds the matching step of a request.
pub const MAX_WORKERS_PER_MODEL: u32 = 32;

/// Treasury of the inference market: receives its cut of fees and slashed stake.
pub struct TreasuryAccount;
impl frame_support::traits::Get<AccountId> for TreasuryAccount {
	fn get() -> AccountId {
		use sp_runtime::traits::AccountIdConversion;
		frame_support::PalletId(*b"vrn/trsy").into_account_truncating()
	}
}

parameter_types! {
	/// 5% of every fee goes to the treasury.
	pub const InferenceTreasuryCut: sp_runtime::Perbill = sp_runtime::Perbill::from_percent(5);
	/// Stake lost for a missed deadline or a missed committee vote.
	pub const MissPenalty: Balance = UNIT;
	/// Free balance a challenger of an Optimistic result holds until the dispute ends.
	pub const ChallengeBond: Balance = 5 * UNIT;
	/// Stake a worker forfeits when its Optimistic result is overturned: the minimum stake,
	/// about 5,000 times the worker's fee for a typical Optimistic job (docs/tiers.md).
	pub const WrongResultPenalty: Balance = 10 * UNIT;
	/// Half of a forfeit goes to the dispute's winner.
	pub const WinnerShare: sp_runtime::Perbill = sp_runtime::Perbill::from_percent(50);
	/// A fifth of a forfeit goes to the committee members who voted with the majority.
	pub const CommitteeShare: sp_runtime::Perbill = sp_runtime::Perbill::from_percent(20);
	/// A block whose normal class is 90% full (by weight or length) extends the deadlines and
	/// challenge windows it falls in: it may have kept their transactions out.
	pub const CongestionThreshold: sp_runtime::Perbill = sp_runtime::Perbill::from_percent(90);
}

/// Blocks an Optimistic result may be challenged for (one minute): watchers re-execute a
/// result in the block after it lands.
pub const CHALLENGE_WINDOW: BlockNumber = 10;
/// Blocks a dispute's committee has to commit to its votes, from the draw (one block after
/// the challenge).
pub const VOTING_BLOCKS: BlockNumber = 10;
/// Blocks a dispute's committee has to reveal its votes, after the commit phase (a
/// committee that has all committed reveals at once).
pub const REVEAL_BLOCKS: BlockNumber = 5;
/// Workers drawn for a dispute's committee.
pub const COMMITTEE_SIZE: u32 = 3;
/// The smallest committee that decides: the Optimistic tier is offered for a version only
/// while this many workers besides the worker and a challenger could vote on it, and a
/// majority is always at least a majority of this many (docs/tiers.md).
pub const MIN_COMMITTEE: u32 = 2;
/// Timers `on_initialize` handles per block: twice the most single (unbatched) jobs the
/// normal class holds (a job fires at most two timers on its honest path, its window end
/// and its deletion), measured by the timer benchmark in `runtime/tests/timers.rs`. Jobs in
/// bulk requests are cheaper to open than their timers are to fire: past 900 of them per
/// block, sustained, timers run late (docs/benchmarks.md).
pub const TIMER_BUDGET: u32 = 1_800;
/// Most answers a worker sends in one `submit_answers`: what two workers answer per block at
/// the market's target rate (1,000 jobs a minute) with room to catch up.
pub const MAX_ANSWERS_PER_CALL: u32 = 128;
/// Most jobs a worker holds at once: at the market's target rate (1,000 jobs a minute, 50
/// per worker and block with two workers) a worker answering within three blocks holds 150.
pub const MAX_JOBS_PER_WORKER: u32 = 256;
/// A worker must not get its stake out before a result of its could be decided against it.
const WORKER_UNBONDING_PERIOD: BlockNumber = 2 * HOURS;
const _: () =
	assert!(WORKER_UNBONDING_PERIOD > CHALLENGE_WINDOW + 1 + VOTING_BLOCKS + REVEAL_BLOCKS + 1);

impl pallet_inference::Config for Runtime {
	type AuthorityId = verin_pallet_support::WorkerAuthority;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = Models;
	type Workers = Workers;
	type Verifier = tiers::VerinTiers;
	type Randomness = pallet_inference::ParentHashRandomness<Runtime>;
	type TierFee = tiers::VerinTiers;
	type FeePerByte = ConstU128<MICRO_UNIT>;
	type TreasuryCut = InferenceTreasuryCut;
	type TreasuryAccount = TreasuryAccount;
	type MissPenalty = MissPenalty;
	type ChallengeBond = ChallengeBond;
	type WrongResultPenalty = WrongResultPenalty;
	type CommitteeSize = ConstU32<COMMITTEE_SIZE>;
	type MinCommittee = ConstU32<MIN_COMMITTEE>;
	type MaxChallengers = ConstU32<4>;
	type VotingBlocks = ConstU32<VOTING_BLOCKS>;
	type RevealBlocks = ConstU32<REVEAL_BLOCKS>;
	type WinnerShare = WinnerShare;
	type CommitteeShare = CommitteeShare;
	type MaxAttempts = ConstU32<3>;
	type MinResponseBlocks = ConstU32<2>;
	type MaxResponseBlocks = ConstU32<{ 10 * MINUTES }>;
	type MaxBatch = ConstU32<64>;
	type MaxRequestsPerCall = ConstU32<64>;
	type MaxAnswersPerCall = ConstU32<MAX_ANSWERS_PER_CALL>;
	type MaxPendingPerWorker = ConstU32<MAX_JOBS_PER_WORKER>;
	type MaxInputBytes = ConstU32<MAX_PAYLOAD_BYTES>;
	type MaxOutputBytes = ConstU32<MAX_PAYLOAD_BYTES>;
	type MaxEvidenceBytes = ConstU32<{ 128 * 1024 }>;
	type ResultRetention = ConstU32<DAYS>;
	type CongestionThreshold = CongestionThreshold;
	type TimerBudget = ConstU32<TIMER_BUDGET>;
	type WeightInfo = pallet_inference::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmarks::Helper;
}

/// Offchain workers sign transactions (the inference node's answers) like wallets do.
impl frame_system::offchain::SigningTypes for Runtime {
	type Public = <crate::Signature as sp_runtime::traits::Verify>::Signer;
	type Signature = crate::Signature;
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type Extrinsic = crate::UncheckedExtrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateSignedTransaction<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_signed_transaction<
		A: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>,
	>(
		call: RuntimeCall,
		public: Self::Public,
		account: AccountId,
		nonce: Nonce,
	) -> Option<crate::UncheckedExtrinsic> {
		use codec::Encode;
		use sp_runtime::{generic::Era, SaturatedConversion};
		// Valid for 64 blocks from the parent block: an answer is useless after its deadline.
		let current_block = System::block_number().saturated_into::<u64>().saturating_sub(1);
		let extension: crate::TxExtension = (
			frame_system::AuthorizeCall::<Runtime>::new(),
			frame_system::CheckNonZeroSender::<Runtime>::new(),
			frame_system::CheckSpecVersion::<Runtime>::new(),
			frame_system::CheckTxVersion::<Runtime>::new(),
			frame_system::CheckGenesis::<Runtime>::new(),
			frame_system::CheckEra::<Runtime>::from(Era::mortal(64, current_block)),
			frame_system::CheckNonce::<Runtime>::from(nonce),
			frame_system::CheckWeight::<Runtime>::new(),
			pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
			frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
			frame_system::WeightReclaim::<Runtime>::new(),
		);
		let payload = crate::SignedPayload::new(call, extension).ok()?;
		let signature = payload.using_encoded(|bytes| A::sign(bytes, public))?;
		let (call, extension, _) = payload.deconstruct();
		Some(crate::UncheckedExtrinsic::new_signed(
			call,
			sp_runtime::MultiAddress::Id(account),
			signature,
			extension,
		))
	}
}
