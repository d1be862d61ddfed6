//! # Inference pallet
//!
//! The inference market of Verin: a dapp pays for an inference, the network picks a worker,
//! the worker answers with evidence for the tier asked for, the runtime settles.
//!
//! ## Overview
//!
//! 1. [`Pallet::request`] checks the input against the model version's schema, quotes the
//!    fee ([`Pallet::quote`]: model price + tier fee + per-byte fee for input and expected
//!    output), holds it from the requester ([`HoldReason::JobFee`]) and assigns the job to
//!    an eligible worker (see *Matching*). The worker must answer by block
//!    `now + response_blocks`.
//! 2. The worker answers with [`Pallet::submit_result`] (output checked against the output
//!    schema, evidence checked by [`Config::Verifier`] for the tier) or, if it cannot run the
//!    model, [`Pallet::report_failure`]: the refusal counts against it and the job goes to
//!    another eligible worker; the requester is refunded in full when none is left.
//! 3. Settlement of a final result pays the worker, the model owner's royalty and the
//!    treasury's cut from the hold ([`verin_primitives::market::FeeBreakdown`]); whatever
//!    is left of the hold goes back to the requester. A provisional result (Optimistic
//!    tier) settles when its challenge window closes.
//! 4. Timers ([`Timers`]) fire one block after a worker's deadline: the silent worker is
//!    slashed [`Config::MissPenalty`] (paid to the treasury) and suspended, and the job goes
//!    to another worker, at most [`Config::MaxAttempts`] assignments in all; then, or when
//!    no other worker is eligible, the fee is refunded. Ended jobs stay readable for
//!    [`Config::ResultRetention`] blocks and are then deleted. Each job has exactly one
//!    timer and a block takes any number, so scheduling never fails; `on_initialize`
//!    handles at most [`Config::TimerBudget`] timers per block, and late timers carry over
//!    to the next block (a cursor walks the blocks), so no timer is ever skipped.
//!
//! ## Optimistic tier: challenges and disputes
//!
//! An Optimistic result is provisional ([`JobStatus::Provisional`]) for the verifier's
//! challenge window, with the worker's bond at stake. The tier is offered for a version
//! only while [`Config::MinCommittee`] + 2 workers could vote on it, and the workers pool
//! offers a worker another Optimistic job only while its stake covers one more penalty.
//! Any other worker serving the version may [`Pallet::challenge`] it within the window,
//! holding [`Config::ChallengeBond`] ([`HoldReason::ChallengeBond`]); further workers may
//! join the dispute until its commit phase ends (at most [`Config::MaxChallengers`]). The
//! committee, up to [`Config::CommitteeSize`] eligible workers for the version (neither the
//! worker nor the first challenger; see *Matching*), is drawn in the next block's `on_initialize`,
//! from randomness the challenger did not know. Its members' offchain workers re-execute
//! the model, commit to their output with [`Pallet::vote`] within [`Config::VotingBlocks`]
//! and reveal it with [`Pallet::reveal_vote`] within [`Config::RevealBlocks`] more. A vote
//! counts for the worker's output if it agrees with it by the model's determinism class
//! ([`verin_primitives::compare`]), else for the first alternative output it agrees with.
//! The dispute is decided when every member revealed, or at the reveal deadline; a
//! majority is of the committee, or of [`Config::MinCommittee`] if the committee is smaller:
//!
//! - a majority for the worker's output: the result stands and settles; every challenger's
//!   bond is forfeit;
//! - a majority for one alternative: the result is overturned, the requester gets that
//!   output and a full refund, the worker forfeits [`Config::WrongResultPenalty`] of its bond
//!   and is suspended, and the challengers' bonds are returned;
//! - otherwise (too few votes, a split): the bonds are returned, and the fee goes to the
//!   treasury (the requester has read the output; the worker's result was not confirmed).
//!
//! A forfeit goes [`Config::WinnerShare`] to the winning side (split among the
//! challengers), [`Config::CommitteeShare`] in equal parts to the members who voted with
//! the majority, and the rest to the treasury. Members who did not commit and reveal, or
//! who voted against a decided majority, lose [`Config::MissPenalty`] of their bond to the
//! treasury (the silent ones are also suspended). `docs/tiers.md` gives the security
//! argument.
//!
//! ## Matching
//!
//! Eligible workers come from [`Config::Workers`] (registered, online, live, bonded at least
//! the minimum, serving the exact version, supporting the tier, below their job limit). One
//! is drawn with probability proportional to `stake / (1 + load)`: stake buys share, and a
//! busy worker yields to idle ones.
//!
//! The draw uses [`Config::Randomness`]; the runtime uses [`ParentHashRandomness`], the
//! parent block's hash mixed with the job id and attempt. Its limits: everyone knows the
//! parent hash before a request is included, so the assignment is predictable one block
//! ahead, and a block author can influence it by choosing which requests to include in
//! its block (or by not authoring). It cannot forge a result: assignment decides who
//! answers, and the tier's evidence decides whether the answer stands. A VRF-based source
//! (BABE) would narrow the author's influence; Aura chains have none.
//!
//! ## Tiers
//!
//! A tier plugs in through [`verin_primitives::market::TierVerifier`]: it says which tiers
//! the runtime verifies, checks a result's evidence against a [`ResultContext`] (job, worker,
//! model content id, circuit digest, input and output hashes) and returns a verdict, final
//! or provisional with a challenge period. [`verin_primitives::market::VanillaOnly`] accepts
//! Vanilla results (the signed origin of the assigned, bonded worker is the evidence).
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
pub mod benchmarking;
mod disputes;
pub mod migrations;
#[cfg(test)]
mod mock;
pub mod offchain;
mod settlement;
#[cfg(test)]
mod tests;
mod timers;
pub mod weights;

use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, InspectHold, Mutate, MutateHold},
		tokens::{Fortitude, Precision, Restriction},
		Randomness,
	},
};
use frame_system::pallet_prelude::*;
use sp_core::H256;
use sp_runtime::{
	traits::{Convert, One, Saturating, UniqueSaturatedInto, Zero},
	Perbill,
};
use verin_primitives::{
	compare,
	market::{
		Candidate, EvidenceError, FailureReason, FeeBreakdown, JobId, JobStatus, ModelCatalog,
		ResultContext, ServedModel, SlashReason, TierVerifier, Verdict, WorkerPool, WorkerStaking,
	},
	model::{ModelId, ModelStatus, ModelVersion},
	payload::{offchain_payload_key, PayloadRole, StoredPayload, MAX_INLINE_PAYLOAD_LEN},
	tensor::{self, TensorError, TensorPayload},
	tier::Tier,
	traits::ModelJobs,
};

/// Balance type of the currency that holds fees.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A job as this runtime stores it.
pub type JobOf<T> = verin_primitives::market::Job<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	BlockNumberFor<T>,
>;

type ServedModelOf<T> = ServedModel<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

/// A dispute as this runtime stores it.
pub type DisputeOf<T> = Dispute<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	BlockNumberFor<T>,
	<T as Config>::CommitteeSize,
	<T as Config>::MaxChallengers,
>;

/// What a committee member's vote counted for.
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
pub enum Ballot {
	/// The member's output agrees with the worker's.
	Upholds,
	/// The member's output agrees with the dispute's alternative output at this index.
	Alternative(u32),
}

/// A challenged Optimistic result while its committee is drawn and votes.
///
/// Votes are committed, then revealed: a member commits to
/// [`vote_commitment`]`(job, member, output, salt)` until `commit_until`, and reveals the
/// output and salt once every member committed or the commit phase ended, until
/// `deadline`. No member sees another's output before committing to its own.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
#[scale_info(skip_type_params(MaxMembers, MaxChallengers))]
#[codec(mel_bound(AccountId: MaxEncodedLen, Balance: MaxEncodedLen, BlockNumber: MaxEncodedLen))]
pub struct Dispute<AccountId, Balance, BlockNumber, MaxMembers: Get<u32>, MaxChallengers: Get<u32>>
{
	/// The workers who challenged the result, each with the bond it holds until the
	/// dispute ends; the first opened the dispute.
	pub challengers: BoundedVec<(AccountId, Balance), MaxChallengers>,
	/// The members drawn to re-execute the model (any possible voter but the worker and the
	/// first challenger); empty until the draw in block `draw_at`.
	pub committee: BoundedVec<AccountId, MaxMembers>,
	/// The members' vote commitments, in order.
	pub commitments: BoundedVec<(AccountId, H256), MaxMembers>,
	/// The revealed votes, in order.
	pub votes: BoundedVec<(AccountId, Ballot), MaxMembers>,
	/// Outputs voted for that disagree with the worker's (and with each other).
	pub alternatives: BoundedVec<StoredPayload, MaxMembers>,
	/// The block whose `on_initialize` draws the committee, from randomness nobody knew
	/// when the challenge was sent.
	pub draw_at: BlockNumber,
	/// Last block in which a member may commit to its vote (or another worker join).
	pub commit_until: BlockNumber,
	/// Last block in which a vote is revealed.
	pub deadline: BlockNumber,
}

/// What a committee member commits to before revealing its vote on `job`: its `output`
/// and a `salt` of its choosing (so the commitment does not give the output away).
pub fn vote_commitment<AccountId: Encode>(
	job: JobId,
	member: &AccountId,
	output: &TensorPayload,
	salt: &[u8; 32],
) -> H256 {
	H256((b"verin/vote", job, member, output, salt).using_encoded(sp_io::hashing::blake2_256))
}

/// How a dispute ended.
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
pub enum DisputeOutcome {
	/// The majority agreed with the worker: the challenger forfeited its bond.
	Upheld,
	/// The majority agreed on another output: the worker forfeited stake.
	Overturned,
	/// No majority: nobody forfeited anything.
	Unresolved,
}

/// One answer in a worker's [`Pallet::submit_answers`]: what [`Pallet::submit_result`] or
/// [`Pallet::report_failure`] would send for one job.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub enum JobAnswer<Evidence> {
	/// The model ran: its output, with the tier's evidence.
	Result {
		/// The job answered.
		job: JobId,
		/// The model's output.
		output: TensorPayload,
		/// The tier's evidence (empty for Vanilla and Optimistic).
		evidence: Evidence,
	},
	/// The worker cannot answer the job.
	Failure {
		/// The job refused.
		job: JobId,
		/// Why.
		reason: FailureReason,
	},
}

impl<Evidence> JobAnswer<Evidence> {
	/// The job this answer is for.
	pub fn job(&self) -> JobId {
		match self {
			Self::Result { job, .. } | Self::Failure { job, .. } => *job,
		}
	}
}

/// An answer as this runtime's [`Pallet::submit_answers`] takes it.
pub type JobAnswerOf<T> = JobAnswer<BoundedVec<u8, <T as Config>::MaxEvidenceBytes>>;

/// Randomness from the parent block's hash, mixed with the subject. Predictable one block
/// ahead and open to the block author's influence (see the crate docs); good enough to
/// spread jobs, not to keep secrets.
pub struct ParentHashRandomness<T>(PhantomData<T>);

impl<T: frame_system::Config> Randomness<H256, BlockNumberFor<T>> for ParentHashRandomness<T> {
	fn random(subject: &[u8]) -> (H256, BlockNumberFor<T>) {
		let parent = frame_system::Pallet::<T>::parent_hash();
		let seed = (b"verin/randomness", parent, subject).using_encoded(sp_io::hashing::blake2_256);
		let known_since = frame_system::Pallet::<T>::block_number().saturating_sub(One::one());
		(H256(seed), known_since)
	}
}

/// What the benchmarks need from the runtime: models to request and workers to answer.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<T: Config> {
	/// Publishes a model version with `spec`, owned by `owner`, priced `price`.
	fn publish_model(
		owner: &T::AccountId,
		price: BalanceOf<T>,
		spec: verin_primitives::model::VersionSpec,
	) -> (ModelId, ModelVersion);

	/// Registers `worker` (already funded) serving `model`@`version` at every tier.
	fn register_worker(worker: &T::AccountId, model: ModelId, version: ModelVersion);

	/// The costliest evidence the runtime's [`Config::Verifier`] checks, with the result it
	/// backs (a ZK proof, where that tier is supported).
	fn costliest_evidence() -> EvidenceCase;
}

/// A result and the evidence that backs it, for [`BenchmarkHelper::costliest_evidence`].
#[cfg(feature = "runtime-benchmarks")]
pub struct EvidenceCase {
	/// The tier the evidence is for.
	pub tier: Tier,
	/// The model version's spec.
	pub spec: verin_primitives::model::VersionSpec,
	/// The job's input.
	pub input: TensorPayload,
	/// The result's output.
	pub output: TensorPayload,
	/// The version's registered circuit: its digest and verifier data.
	pub circuit: Option<(H256, alloc::vec::Vec<u8>)>,
	/// The evidence.
	pub evidence: alloc::vec::Vec<u8>,
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the inference market.
	#[pallet::config]
	pub trait Config:
		frame_system::Config + frame_system::offchain::CreateSignedTransaction<Call<Self>>
	{
		/// The worker key the offchain worker signs answers with (`verin_pallet_support::WorkerAuthority`
		/// in a runtime).
		type AuthorityId: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>;

		/// The currency in which fees are held and paid.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ InspectHold<Self::AccountId>
			+ Mutate<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The model registry.
		type Models: ModelCatalog<Self::AccountId, BalanceOf<Self>>;

		/// The worker pool and its stake.
		type Workers: WorkerPool<Self::AccountId, BalanceOf<Self>>
			+ WorkerStaking<Self::AccountId, BalanceOf<Self>>;

		/// Checks results' evidence, per tier.
		type Verifier: TierVerifier<Self::AccountId, BlockNumberFor<Self>>;

		/// Source of the matching draw.
		type Randomness: Randomness<H256, BlockNumberFor<Self>>;

		/// The fee of each tier, on top of the model's price (pays for producing evidence).
		type TierFee: Convert<Tier, BalanceOf<Self>>;

		/// Fee per byte of input and of expected output.
		#[pallet::constant]
		type FeePerByte: Get<BalanceOf<Self>>;

		/// The treasury's share of every fee (of the royalty and of the worker's part).
		#[pallet::constant]
		type TreasuryCut: Get<Perbill>;

		/// Receives the treasury's cut and slashed stake.
		#[pallet::constant]
		type TreasuryAccount: Get<Self::AccountId>;

		/// Stake a worker loses for letting a job pass its deadline.
		#[pallet::constant]
		type MissPenalty: Get<BalanceOf<Self>>;

		/// Free balance a challenger holds until its challenge is decided (forfeit if the
		/// committee upholds the result).
		#[pallet::constant]
		type ChallengeBond: Get<BalanceOf<Self>>;

		/// Bonded stake a worker forfeits when the committee overturns its result.
		#[pallet::constant]
		type WrongResultPenalty: Get<BalanceOf<Self>>;

		/// Committee members drawn for a dispute (fewer when fewer workers are eligible).
		#[pallet::constant]
		type CommitteeSize: Get<u32>;

		/// Smallest committee that may decide: a majority is always at least a majority of
		/// this many, and a version is offered at the Optimistic tier only while this many
		/// workers besides the worker and one challenger could vote.
		#[pallet::constant]
		type MinCommittee: Get<u32>;

		/// Most workers challenging one result (the first opens the dispute, the others
		/// join it until the commit phase ends).
		#[pallet::constant]
		type MaxChallengers: Get<u32>;

		/// Blocks a committee has to commit to its votes, from the draw.
		#[pallet::constant]
		type VotingBlocks: Get<BlockNumberFor<Self>>;

		/// Blocks a committee has to reveal its votes, after the commit phase.
		#[pallet::constant]
		type RevealBlocks: Get<BlockNumberFor<Self>>;

		/// Share of a forfeit paid to the dispute's winner.
		#[pallet::constant]
		type WinnerShare: Get<Perbill>;

		/// Share of a forfeit split among the members who voted with the majority.
		#[pallet::constant]
		type CommitteeShare: Get<Perbill>;

		/// Most workers a job is assigned to (the first included) before it is refunded.
		#[pallet::constant]
		type MaxAttempts: Get<u32>;

		/// Fewest blocks a requester may give a worker to answer.
		#[pallet::constant]
		type MinResponseBlocks: Get<BlockNumberFor<Self>>;

		/// Most blocks a requester may give a worker to answer.
		#[pallet::constant]
		type MaxResponseBlocks: Get<BlockNumberFor<Self>>;

		/// Largest batch in one request.
		#[pallet::constant]
		type MaxBatch: Get<u32>;

		/// Most jobs one [`Pallet::request_batch`] opens.
		#[pallet::constant]
		type MaxRequestsPerCall: Get<u32>;

		/// Most answers in one [`Pallet::submit_answers`].
		#[pallet::constant]
		type MaxAnswersPerCall: Get<u32>;

		/// Most jobs a worker holds at once: at least the worker pool's job limit (a worker
		/// at its limit is not a candidate).
		#[pallet::constant]
		type MaxPendingPerWorker: Get<u32>;

		/// Largest input, in bytes of tensor data.
		#[pallet::constant]
		type MaxInputBytes: Get<u32>;

		/// Largest output, in bytes of tensor data.
		#[pallet::constant]
		type MaxOutputBytes: Get<u32>;

		/// Largest evidence, in bytes.
		#[pallet::constant]
		type MaxEvidenceBytes: Get<u32>;

		/// Blocks an ended job stays in storage for the requester to read.
		#[pallet::constant]
		type ResultRetention: Get<BlockNumberFor<Self>>;

		/// Share of a block's normal class (by weight or by length) past which the block
		/// counts as congested. A deadline or challenge window whose last block was congested
		/// is extended rather than closed: filling blocks must not make an honest worker miss
		/// its deadline, nor shut out a challenge.
		#[pallet::constant]
		type CongestionThreshold: Get<Perbill>;

		/// Most timers `on_initialize` handles in one block; set so that it keeps up with the
		/// most jobs the block weight lets in (the timer benchmark in `docs/tiers.md`).
		#[pallet::constant]
		type TimerBudget: Get<u32>;

		/// Weights of this pallet's calls and hooks.
		type WeightInfo: WeightInfo;

		/// Sets up models and workers for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self>;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The fee of a job that has not ended.
		#[codec(index = 0)]
		JobFee,
		/// A challenger's bond while its challenge is decided.
		#[codec(index = 1)]
		ChallengeBond,
	}

	/// The id the next job gets.
	#[pallet::storage]
	pub type NextJobId<T> = StorageValue<_, JobId, ValueQuery>;

	/// Jobs, from request until `ResultRetention` blocks after they end.
	#[pallet::storage]
	pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, JobId, JobOf<T>>;

	/// The jobs each worker must answer now, in the order they were assigned to it: one
	/// entry per worker, so that a batch of jobs for one worker, or of its answers, writes
	/// it once.
	#[pallet::storage]
	pub type PendingJobs<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<JobId, T::MaxPendingPerWorker>,
		ValueQuery,
	>;

	/// Jobs of each model that have not ended (the registry refuses to remove such models).
	#[pallet::storage]
	pub type OpenJobs<T: Config> = StorageMap<_, Twox64Concat, ModelId, u32, ValueQuery>;

	/// Jobs to look at in each block: deadlines, challenge windows, committee draws, voting
	/// deadlines and retention ends. An entry `(block, job) -> span` stands for the `span`
	/// jobs from `job` on (the jobs of one `request_batch` share one entry); a job's live
	/// entry is the one in its `next_timer` block, and a batch's span it left when its timer
	/// moved fires for it without effect. A block takes any number, so scheduling never fails: what
	/// a block's budget leaves waits for the next block.
	#[pallet::storage]
	pub type Timers<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BlockNumberFor<T>, Twox64Concat, JobId, u32, ValueQuery>;

	/// Provisional results that may still be challenged: the block the result landed in
	/// (whose hash assigns its watchers) and the first block at which it is final.
	#[pallet::storage]
	pub type ChallengeableJobs<T: Config> =
		StorageMap<_, Twox64Concat, JobId, (BlockNumberFor<T>, BlockNumberFor<T>)>;

	/// Disputes whose committee is voting.
	#[pallet::storage]
	pub type Disputes<T: Config> = StorageMap<_, Twox64Concat, JobId, DisputeOf<T>>;

	/// The oldest block whose timers may not all have been handled.
	#[pallet::storage]
	pub type TimerCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, OptionQuery>;

	/// The last block whose normal class was filled past `CongestionThreshold` (written in
	/// `on_finalize`, only by such blocks).
	#[pallet::storage]
	pub type LastCongestedBlock<T: Config> = StorageValue<_, BlockNumberFor<T>, OptionQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A job was requested and its fee held. `input_hash` is blake2-256 of the
		/// SCALE-encoded input (what the tiers' evidence binds; a large input is kept by it).
		JobRequested {
			job: JobId,
			requester: T::AccountId,
			model: ModelId,
			version: ModelVersion,
			tier: Tier,
			fee: BalanceOf<T>,
			input_hash: H256,
		},
		/// A job was assigned to a worker, who must answer by block `deadline`.
		JobAssigned { job: JobId, worker: T::AccountId, deadline: BlockNumberFor<T> },
		/// A worker missed its deadline and was penalised `penalty`.
		DeadlineMissed { job: JobId, worker: T::AccountId, penalty: BalanceOf<T> },
		/// A worker answered; the result is stored with the job.
		ResultSubmitted { job: JobId, worker: T::AccountId, output_hash: H256 },
		/// A provisional result stands unless challenged before block `until`.
		ResultProvisional { job: JobId, until: BlockNumberFor<T> },
		/// A job's result is final and its fee was paid out.
		JobCompleted {
			job: JobId,
			worker: T::AccountId,
			paid_worker: BalanceOf<T>,
			royalty: BalanceOf<T>,
			treasury: BalanceOf<T>,
			refunded: BalanceOf<T>,
		},
		/// The assigned worker refused the job (reported it could not answer it); the job
		/// goes to another worker if one is eligible and attempts are left.
		JobRefused { job: JobId, worker: T::AccountId, reason: FailureReason },
		/// The last assigned worker reported it could not answer; the fee was refunded.
		JobFailed {
			job: JobId,
			worker: T::AccountId,
			reason: FailureReason,
			refunded: BalanceOf<T>,
		},
		/// No worker answered in time within the allowed attempts (or none was left); the
		/// fee was refunded.
		JobExpired { job: JobId, refunded: BalanceOf<T> },
		/// An ended job's record was deleted after its retention period.
		JobPruned { job: JobId },
		/// `challenger` disputes the job's provisional result, holding `bond`; the committee
		/// is drawn in block `draw_at`.
		ResultChallenged {
			job: JobId,
			challenger: T::AccountId,
			bond: BalanceOf<T>,
			draw_at: BlockNumberFor<T>,
		},
		/// Another worker joined the dispute of the job's result as a challenger, holding
		/// `bond`.
		ChallengeJoined { job: JobId, challenger: T::AccountId, bond: BalanceOf<T> },
		/// The dispute's committee was drawn: it commits to its votes until `commit_until`
		/// and reveals them until `deadline`.
		CommitteeDrawn {
			job: JobId,
			committee: BoundedVec<T::AccountId, T::CommitteeSize>,
			commit_until: BlockNumberFor<T>,
			deadline: BlockNumberFor<T>,
		},
		/// A committee member committed to its vote (the output stays hidden until revealed).
		VoteCommitted { job: JobId, voter: T::AccountId },
		/// A committee member revealed its vote; `upholds` tells whether its output agrees
		/// with the worker's.
		VoteCast { job: JobId, voter: T::AccountId, upholds: bool },
		/// A committee member did not commit or reveal in time and was penalised `penalty`.
		VoteMissed { job: JobId, voter: T::AccountId, penalty: BalanceOf<T> },
		/// A committee member voted for an output the majority rejected and was penalised
		/// `penalty` (as one who did not vote: copying the published output is not voting).
		VotedAgainstMajority { job: JobId, voter: T::AccountId, penalty: BalanceOf<T> },
		/// A dispute ended; the losing side (the worker if overturned, the challengers if
		/// upheld, nobody if unresolved) forfeited `forfeited`, of which `to_winner` went to
		/// the other side and `to_committee` to the members who voted with the majority.
		DisputeResolved {
			job: JobId,
			outcome: DisputeOutcome,
			forfeited: BalanceOf<T>,
			to_winner: BalanceOf<T>,
			to_committee: BalanceOf<T>,
		},
		/// The committee overturned the job's result: the requester gets the majority's
		/// output and `refunded`.
		ResultOverturned {
			job: JobId,
			worker: T::AccountId,
			output_hash: H256,
			refunded: BalanceOf<T>,
		},
		/// A dispute ended without a majority: neither the worker nor the requester gets the
		/// fee (the requester already read the output); `to_treasury` went to the treasury.
		DisputeUnresolved { job: JobId, to_treasury: BalanceOf<T> },
		/// The worker's deadline block was congested (see `CongestionThreshold`): instead of
		/// missing its deadline, the worker has until block `deadline`.
		DeadlineExtended { job: JobId, worker: T::AccountId, deadline: BlockNumberFor<T> },
		/// The last block of the result's challenge window was congested: it stays
		/// challengeable until block `until`.
		ChallengeWindowExtended { job: JobId, until: BlockNumberFor<T> },
		/// The last block of a dispute's commit or reveal phase was congested while votes
		/// were missing: the committee commits until `commit_until` and reveals until
		/// `deadline`.
		VotingExtended { job: JobId, commit_until: BlockNumberFor<T>, deadline: BlockNumberFor<T> },
		/// One answer of a worker's [`Pallet::submit_answers`] was refused with `error` (what
		/// `submit_result` or `report_failure` would have returned for it); the batch's other
		/// answers stand, and this one changed nothing.
		AnswerRejected { job: JobId, worker: T::AccountId, error: DispatchError },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The model or the version does not exist (or is not published).
		UnknownModelVersion,
		/// The model is disabled by its owner.
		ModelNotActive,
		/// The model version does not offer this tier.
		TierNotOffered,
		/// This runtime does not verify this tier yet.
		TierUnavailable,
		/// A ZK request takes exactly one row: each row is proven by its own proof.
		ZkOneRowOnly,
		/// The version offers the ZK tier but has no registered circuit to verify proofs with.
		ZkCircuitNotRegistered,
		/// The response window is shorter than `MinResponseBlocks` or longer than
		/// `MaxResponseBlocks`.
		ResponseWindowOutOfRange,
		/// The input has a different number of tensors than the model declares.
		InputTensorCountMismatch,
		/// An input tensor's shape does not fit the model's schema.
		InputShapeMismatch,
		/// The batch size is zero, above `MaxBatch`, or differs between input tensors.
		InputBatchInvalid,
		/// An input tensor's data length is not its element count times the element width.
		InputDataLengthMismatch,
		/// The input is larger than `MaxInputBytes`.
		InputTooLarge,
		/// The model's output for this batch would be larger than `MaxOutputBytes`.
		OutputWouldBeTooLarge,
		/// The ZK tier needs the input in chain state (its proof commits to the values):
		/// its SCALE encoding must fit `MAX_INLINE_PAYLOAD_LEN`.
		InputTooLargeForTier,
		/// The Optimistic tier compares outputs in the runtime when a result is disputed:
		/// the model's output for this batch must fit `MAX_INLINE_PAYLOAD_LEN` encoded.
		OutputTooLargeForTier,
		/// The quoted fee is above the caller's `max_fee`.
		FeeCapTooLow,
		/// No worker is eligible for this model version and tier right now.
		NoEligibleWorker,
		/// The free balance cannot cover the fee.
		InsufficientBalance,
		/// The Optimistic tier needs at least `MinCommittee` workers besides the one that
		/// answers and one challenger to be able to vote on this version; fewer serve it now.
		CommitteeTooSmall,
		/// No job has this id (it never existed or was pruned).
		UnknownJob,
		/// The job is not waiting for an answer.
		JobNotAssigned,
		/// Only the job's assigned worker may answer it.
		NotAssignedWorker,
		/// The job's deadline has passed.
		DeadlinePassed,
		/// The worker has no bonded stake.
		WorkerNotBonded,
		/// The output has a different number of tensors than the model declares.
		OutputTensorCountMismatch,
		/// An output tensor's shape does not fit the schema and the input's batch.
		OutputShapeMismatch,
		/// An output tensor's data length is not its element count times the element width.
		OutputDataLengthMismatch,
		/// The output is larger than `MaxOutputBytes`.
		OutputTooLarge,
		/// The evidence does not decode or has the wrong size for the tier.
		MalformedEvidence,
		/// The evidence does not prove the result.
		InvalidEvidence,
		/// Job ids are exhausted.
		JobIdOverflow,
		/// The job has no provisional result that could be challenged (not Optimistic, not
		/// answered yet, already challenged or final).
		NotChallengeable,
		/// The challenge window of the result has closed.
		ChallengeWindowClosed,
		/// A worker cannot challenge its own result.
		OwnResult,
		/// Only a worker serving the result's model version, bonded at least the minimum, may
		/// challenge it.
		ChallengerNotServing,
		/// This worker already challenges the result.
		AlreadyChallenged,
		/// The dispute already has `MaxChallengers` challengers.
		TooManyChallengers,
		/// A committee member cannot also challenge the result it votes on.
		CommitteeMemberCannotChallenge,
		/// The dispute's commit phase has ended: no one may join it any more.
		DisputeJoinClosed,
		/// The dispute's committee is drawn at the start of the next block: wait for it.
		CommitteeNotDrawn,
		/// This member committed to no vote, so it has nothing to reveal.
		NoCommitment,
		/// Votes are revealed once every member committed or the commit phase ended.
		RevealNotOpen,
		/// The revealed output and salt are not what the member committed to.
		CommitmentMismatch,
		/// No eligible worker other than the worker and the challenger could sit on the
		/// committee; nothing was held.
		NoCommitteeAvailable,
		/// The free balance cannot cover the challenge bond.
		InsufficientChallengeBond,
		/// The job is not under dispute.
		NotDisputed,
		/// Only a member of the job's committee may vote.
		NotCommitteeMember,
		/// This member has already voted.
		AlreadyVoted,
		/// The dispute's commit phase (for a commitment) or reveal phase (for a reveal) has
		/// passed.
		VotingClosed,
		/// The version's ZK circuit is not trusted: too few workers other than its owner
		/// have confirmed that it is the compile of the model's bytes, or a dispute about it
		/// is open. Until then a valid proof could prove another model's output.
		ZkCircuitNotTrusted,
		/// An input dimension the model lets requests choose is outside the bounds its owner
		/// declared.
		InputDimensionOutOfRange,
		/// A boolean input tensor holds a byte other than 0 or 1.
		InputInvalidBoolean,
		/// A boolean output tensor holds a byte other than 0 or 1.
		OutputInvalidBoolean,
		/// A `submit_answers` without answers.
		NoAnswers,
		/// A `request_batch` without inputs.
		NoInputs,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Requests an inference of `model` (at `version`, or its latest version) on `input`,
		/// verified at `tier`. Holds the quoted fee if it is at most `max_fee` and assigns the
		/// job to an eligible worker, who must answer within `response_blocks` blocks.
		#[pallet::call_index(0)]
		#[pallet::weight(Pallet::<T>::request_batch_weight(
			1,
			T::Workers::max_candidates(),
			tensor::payload_bytes(input),
		).saturating_add(T::Workers::tier_check_weight(*tier)))]
		pub fn request(
			origin: OriginFor<T>,
			model: ModelId,
			version: Option<ModelVersion>,
			input: TensorPayload,
			tier: Tier,
			max_fee: BalanceOf<T>,
			response_blocks: BlockNumberFor<T>,
		) -> DispatchResultWithPostInfo {
			let requester = ensure_signed(origin)?;
			let input_bytes = tensor::payload_bytes(&input);
			let considered = Self::open_jobs(
				requester,
				model,
				version,
				alloc::vec![input],
				tier,
				max_fee,
				response_blocks,
			)?;
			Ok(Some(
				Self::request_batch_weight(1, considered, input_bytes)
					.saturating_add(T::Workers::tier_check_weight(tier)),
			)
			.into())
		}

		/// Answers `job` with `output` and the tier's `evidence`. Only the assigned worker,
		/// before its deadline. A final result settles the fee at once; a provisional one
		/// (Optimistic) when its challenge window closes.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::submit_result(tensor::payload_bytes(output))
			.saturating_add(Pallet::<T>::max_verifier_weight(evidence.len() as u32)))]
		pub fn submit_result(
			origin: OriginFor<T>,
			job: JobId,
			output: TensorPayload,
			evidence: BoundedVec<u8, T::MaxEvidenceBytes>,
		) -> DispatchResultWithPostInfo {
			let worker = ensure_signed(origin)?;
			let output_bytes = tensor::payload_bytes(&output);
			let mut settlements = settlement::Settlements::<T>::new();
			let verified = Self::accept_result(worker, job, output, &evidence, &mut settlements)?;
			settlements.pay_out();
			Ok(Some(T::WeightInfo::submit_result(output_bytes).saturating_add(verified)).into())
		}

		/// Tells the chain the assigned worker cannot answer `job` (for `reason`). The worker
		/// is not penalised, but the refusal counts against it and the job goes to another
		/// eligible worker (a refusal cannot deny a requester service); the requester gets
		/// the whole fee back when no worker or attempt is left.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::report_failure()
			.saturating_add(T::Workers::tier_check_weight(Tier::Tee)))]
		pub fn report_failure(
			origin: OriginFor<T>,
			job: JobId,
			reason: FailureReason,
		) -> DispatchResultWithPostInfo {
			let worker = ensure_signed(origin)?;
			let matched = Self::refuse_job(worker, job, reason)?;
			Ok(Some(T::WeightInfo::report_failure().saturating_add(matched)).into())
		}

		/// Requests one inference of `model` (at `version`, or its latest version) per input
		/// of `inputs`, all verified at `tier` and answered within `response_blocks`: one job
		/// each, as [`Pallet::request`] would open it, under one hold of the sum of their
		/// fees. Each job's fee must be at most `max_fee`. All or nothing: an input the model
		/// refuses, or a job no worker is left for, opens no job at all.
		#[pallet::call_index(6)]
		#[pallet::weight(Pallet::<T>::request_batch_weight(
			inputs.len() as u32,
			T::Workers::max_candidates(),
			Pallet::<T>::bytes_of(inputs),
		).saturating_add(T::Workers::tier_check_weight(*tier).saturating_mul(inputs.len() as u64)))]
		pub fn request_batch(
			origin: OriginFor<T>,
			model: ModelId,
			version: Option<ModelVersion>,
			inputs: BoundedVec<TensorPayload, T::MaxRequestsPerCall>,
			tier: Tier,
			max_fee: BalanceOf<T>,
			response_blocks: BlockNumberFor<T>,
		) -> DispatchResultWithPostInfo {
			let requester = ensure_signed(origin)?;
			ensure!(!inputs.is_empty(), Error::<T>::NoInputs);
			let jobs = inputs.len() as u32;
			let input_bytes = Pallet::<T>::bytes_of(&inputs);
			let considered = Self::open_jobs(
				requester,
				model,
				version,
				inputs.into_inner(),
				tier,
				max_fee,
				response_blocks,
			)?;
			Ok(Some(
				Self::request_batch_weight(jobs, considered, input_bytes).saturating_add(
					T::Workers::tier_check_weight(tier).saturating_mul(jobs.into()),
				),
			)
			.into())
		}

		/// Answers several jobs assigned to the caller in one transaction: each answer is
		/// checked, verified and settled as its own [`Pallet::submit_result`] or
		/// [`Pallet::report_failure`] would be. An answer those would refuse is rejected
		/// alone ([`Event::AnswerRejected`], nothing of it kept); the others stand.
		#[pallet::call_index(7)]
		#[pallet::weight(Pallet::<T>::answers_weight(answers))]
		pub fn submit_answers(
			origin: OriginFor<T>,
			answers: BoundedVec<JobAnswerOf<T>, T::MaxAnswersPerCall>,
		) -> DispatchResultWithPostInfo {
			let worker = ensure_signed(origin)?;
			ensure!(!answers.is_empty(), Error::<T>::NoAnswers);
			let mut used = Self::answers_weight_base(&answers);
			// The batch's final results are paid together, once every answer was handled.
			let mut settlements = settlement::Settlements::<T>::new();
			for answer in answers {
				let job = answer.job();
				// A rejected answer is charged its costliest check: an invalid proof still
				// took the verifier's time.
				let costliest = match &answer {
					JobAnswer::Result { evidence, .. } => {
						Self::max_verifier_weight(evidence.len() as u32)
					},
					JobAnswer::Failure { .. } => T::Workers::tier_check_weight(Tier::Tee),
				};
				let answered = frame_support::storage::with_storage_layer(|| match answer {
					JobAnswer::Result { job, output, evidence } => Self::accept_result(
						worker.clone(),
						job,
						output,
						&evidence,
						&mut settlements,
					),
					JobAnswer::Failure { job, reason } => {
						Self::refuse_job(worker.clone(), job, reason)
					},
				});
				match answered {
					Ok(beyond_base) => used.saturating_accrue(beyond_base),
					Err(error) => {
						used.saturating_accrue(costliest);
						Self::deposit_event(Event::AnswerRejected {
							job,
							worker: worker.clone(),
							error,
						});
					},
				}
			}
			settlements.pay_out();
			Ok(Some(used).into())
		}

		/// Disputes `job`'s Optimistic result: the caller, a worker serving its model version
		/// other than the one that answered, holds [`Config::ChallengeBond`]. Within the
		/// challenge window it opens a dispute, whose committee is drawn at the start of the
		/// next block; while a dispute's commit phase lasts, further workers may join it
		/// (see the crate docs).
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::challenge(T::Workers::max_candidates()))]
		pub fn challenge(origin: OriginFor<T>, job: JobId) -> DispatchResultWithPostInfo {
			let challenger = ensure_signed(origin)?;
			let considered = Self::challenge_result(job, challenger)?;
			Ok(Some(T::WeightInfo::challenge(considered)).into())
		}

		/// A committee member's commitment to its vote on `job`'s dispute:
		/// [`vote_commitment`]`(job, member, output, salt)`, where `output` is what the
		/// member's own execution of the model gave. Revealed with [`Pallet::reveal_vote`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::vote(0))]
		pub fn vote(origin: OriginFor<T>, job: JobId, commitment: H256) -> DispatchResult {
			let voter = ensure_signed(origin)?;
			Self::commit_vote(job, voter, commitment)
		}

		/// Reveals the vote a committee member committed to on `job`'s dispute. The dispute
		/// is decided as soon as every member revealed.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::vote(tensor::payload_bytes(output))
			.saturating_add(T::WeightInfo::decide_dispute()))]
		pub fn reveal_vote(
			origin: OriginFor<T>,
			job: JobId,
			output: TensorPayload,
			salt: [u8; 32],
		) -> DispatchResultWithPostInfo {
			let voter = ensure_signed(origin)?;
			let revealed = T::WeightInfo::vote(tensor::payload_bytes(&output));
			let decided = Self::reveal(job, voter, output, salt)?;
			Ok(Some(if decided {
				revealed.saturating_add(T::WeightInfo::decide_dispute())
			} else {
				revealed
			})
			.into())
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			// `on_finalize` reads the block's weight and length, and may note the block.
			Self::run_timers(now).saturating_add(T::DbWeight::get().reads_writes(2, 1))
		}

		fn on_finalize(now: BlockNumberFor<T>) {
			if Self::block_congested() {
				LastCongestedBlock::<T>::put(now);
			}
		}

		/// Answers the jobs assigned to this node's worker keys, re-executes provisional
		/// results and challenges wrong ones, and votes in the disputes whose committee holds
		/// a local key (nothing on nodes without worker keys).
		fn offchain_worker(now: BlockNumberFor<T>) {
			Self::answer_local_jobs(now);
			Self::watch_provisional_results(now);
			Self::vote_in_local_disputes(now);
		}

		fn integrity_test() {
			assert!(T::MaxAttempts::get() > 0, "a job must be assigned at least once");
			assert!(T::MaxBatch::get() > 0, "a request needs a batch of at least one");
			assert!(
				T::MaxRequestsPerCall::get() > 0 && T::MaxAnswersPerCall::get() > 0,
				"batches must hold a job"
			);
			assert!(T::MaxPendingPerWorker::get() > 0, "a worker must be able to hold a job");
			assert!(T::TimerBudget::get() > 0, "timers must run");
			assert!(
				!T::CongestionThreshold::get().is_zero(),
				"an empty block must not count as congested"
			);
			assert!(!T::ResultRetention::get().is_zero(), "timers must go to later blocks");
			assert!(
				T::MinCommittee::get() > 0 && T::MinCommittee::get() <= T::CommitteeSize::get(),
				"a dispute needs a committee, and the smallest that decides must fit"
			);
			assert!(T::MaxChallengers::get() > 0, "a result must be challengeable");
			assert!(
				!T::VotingBlocks::get().is_zero() && !T::RevealBlocks::get().is_zero(),
				"a committee needs time to commit and reveal"
			);
			assert!(
				T::WinnerShare::get().saturating_add(T::CommitteeShare::get()) <= Perbill::one(),
				"a forfeit cannot pay out more than itself"
			);
			assert!(
				T::MinResponseBlocks::get() >= One::one()
					&& T::MinResponseBlocks::get() <= T::MaxResponseBlocks::get(),
				"the response window must be a non-empty range of at least one block"
			);
		}
	}
}

impl<T: Config> Pallet<T> {
	/// Opens one job per input for `requester` under one hold of the sum of their fees:
	/// checks and prices every input, then draws each job's worker (the loads of the jobs
	/// drawn before it count). Returns the most candidates one draw considered.
	fn open_jobs(
		requester: T::AccountId,
		model: ModelId,
		version: Option<ModelVersion>,
		inputs: Vec<TensorPayload>,
		tier: Tier,
		max_fee: BalanceOf<T>,
		response_blocks: BlockNumberFor<T>,
	) -> Result<u32, DispatchError> {
		let served =
			T::Models::served_model(model, version).ok_or(Error::<T>::UnknownModelVersion)?;
		let mut priced = Vec::with_capacity(inputs.len());
		let mut total = BalanceOf::<T>::zero();
		for input in inputs {
			let (batch, fee) = Self::check_request(&served, &input, tier)?;
			ensure!(fee.total <= max_fee, Error::<T>::FeeCapTooLow);
			total = total.saturating_add(fee.total);
			priced.push((input, batch, fee));
		}
		ensure!(
			response_blocks >= T::MinResponseBlocks::get()
				&& response_blocks <= T::MaxResponseBlocks::get(),
			Error::<T>::ResponseWindowOutOfRange
		);
		let version = served.version;
		if tier == Tier::Optimistic {
			let voters = T::Workers::voters(model, version).len() as u32;
			ensure!(
				voters >= T::MinCommittee::get().saturating_add(2),
				Error::<T>::CommitteeTooSmall
			);
		}
		T::Currency::hold(&HoldReason::JobFee.into(), &requester, total)
			.map_err(|_| Error::<T>::InsufficientBalance)?;

		let now = frame_system::Pallet::<T>::block_number();
		let deadline = now.saturating_add(response_blocks);
		let next_timer = deadline.saturating_add(One::one());
		let mut job_id = NextJobId::<T>::get();
		let mut most_considered = 0u32;
		let opened = priced.len() as u32;
		for (input, batch, fee) in priced {
			let candidates = T::Workers::candidates(model, version, tier);
			most_considered = most_considered.max(candidates.len() as u32);
			let worker = Self::draw(&candidates, job_id, 0).ok_or(Error::<T>::NoEligibleWorker)?;
			let input = Self::keep_payload(job_id, PayloadRole::Input, &input);
			let input_hash = input.hash();
			Jobs::<T>::insert(
				job_id,
				JobOf::<T> {
					requester: requester.clone(),
					model,
					version,
					content_id: served.content_id,
					tier,
					input,
					batch,
					fee,
					royalty_to: served.owner.clone(),
					response_blocks,
					attempts: 1,
					status: JobStatus::Assigned { worker: worker.clone(), deadline },
					output: None,
					next_timer,
					requested_at: now,
				},
			);
			Self::add_pending(&worker, job_id).map_err(|()| Error::<T>::NoEligibleWorker)?;
			T::Workers::job_assigned(&worker, tier);
			Self::deposit_event(Event::JobRequested {
				job: job_id,
				requester: requester.clone(),
				model,
				version,
				tier,
				fee: fee.total,
				input_hash,
			});
			Self::deposit_event(Event::JobAssigned { job: job_id, worker, deadline });
			job_id = job_id.checked_add(1).ok_or(Error::<T>::JobIdOverflow)?;
		}
		Self::add_timer(next_timer, NextJobId::<T>::get(), opened);
		NextJobId::<T>::put(job_id);
		OpenJobs::<T>::mutate(model, |open| *open = open.saturating_add(opened));
		Ok(most_considered)
	}

	/// Checks, verifies and applies the assigned `worker`'s result for `job` (what
	/// [`Pallet::submit_result`] does); returns the weight its tier's verifier took.
	fn accept_result(
		worker: T::AccountId,
		job: JobId,
		output: TensorPayload,
		evidence: &[u8],
		settlements: &mut settlement::Settlements<T>,
	) -> Result<Weight, DispatchError> {
		let mut record = Self::assigned_job(job, &worker)?;
		ensure!(T::Workers::is_bonded(&worker), Error::<T>::WorkerNotBonded);
		let served = T::Models::served_model(record.model, Some(record.version))
			.ok_or(Error::<T>::UnknownModelVersion)?;
		Self::check_output(&served, &record, &output).map_err(Self::output_error)?;

		let stored_output = StoredPayload::of(&output);
		let output_hash = stored_output.0.hash();
		let input = record.input.inline();
		// Only the ZK tier reads the circuit (kilobytes of verifier data).
		let circuit = (record.tier == Tier::Zk)
			.then(|| T::Models::circuit(record.model, record.version))
			.flatten();
		let context = ResultContext {
			job,
			worker: &worker,
			content_id: record.content_id,
			circuit_digest: served.circuit_digest,
			input_hash: record.input.hash(),
			output_hash,
			spec: &served.spec,
			input: input.as_ref(),
			output: &output,
			circuit: circuit.as_deref(),
		};
		let verdict =
			T::Verifier::verify(record.tier, &context, evidence).map_err(Self::evidence_error)?;

		Self::remove_pending(&worker, job);
		T::Workers::job_released(&worker, true);
		record.output = Some(Self::index_payload(job, PayloadRole::Output, stored_output));
		Self::deposit_event(Event::ResultSubmitted { job, worker: worker.clone(), output_hash });
		match verdict {
			Verdict::Final => settlements.complete(job, &mut record, worker),
			Verdict::Provisional { challenge_period } => {
				// At least one block: timers of the current block have already run.
				let now = frame_system::Pallet::<T>::block_number();
				let until = now.saturating_add(challenge_period.max(One::one()));
				Self::set_timer(job, &mut record, until);
				record.status = JobStatus::Provisional { worker, until };
				ChallengeableJobs::<T>::insert(job, (now, until));
				Self::deposit_event(Event::ResultProvisional { job, until });
			},
		}
		let verified = T::Verifier::weight(record.tier, evidence.len() as u32);
		Jobs::<T>::insert(job, record);
		Ok(verified)
	}

	/// The assigned `worker` refuses `job` (what [`Pallet::report_failure`] does); returns
	/// the weight of its tier's eligibility check if the job went to another worker.
	fn refuse_job(
		worker: T::AccountId,
		job: JobId,
		reason: FailureReason,
	) -> Result<Weight, DispatchError> {
		let mut record = Self::assigned_job(job, &worker)?;
		Self::remove_pending(&worker, job);
		T::Workers::job_refused(&worker);
		Self::release_exposure(&record, &worker);
		Self::deposit_event(Event::JobRefused { job, worker: worker.clone(), reason });
		let now = frame_system::Pallet::<T>::block_number();
		let tier = record.tier;
		if Self::reassign(job, &mut record, &worker, now) {
			Jobs::<T>::insert(job, record);
			return Ok(T::Workers::tier_check_weight(tier));
		}
		let refunded = Self::refund(&record);
		// Refunded in full, so nothing paid for the bytes on every node: they go now.
		Self::forget_payloads(job, &record);
		record.status = JobStatus::Failed { worker: worker.clone(), reason, at: now };
		Self::job_ended(record.model);
		Jobs::<T>::insert(job, record);
		Self::deposit_event(Event::JobFailed { job, worker, reason, refunded });
		Ok(Weight::zero())
	}

	/// Bytes of tensor data in `payloads`, in all.
	pub fn bytes_of(payloads: &[TensorPayload]) -> u32 {
		payloads
			.iter()
			.fold(0u32, |sum, payload| sum.saturating_add(tensor::payload_bytes(payload)))
	}

	/// The weight of a `request_batch` of `jobs` jobs (or of a `request`: a batch of one)
	/// whose draws consider `candidates` workers each, on `input_bytes` bytes of input in
	/// all: the batch benchmark (one-byte inputs) plus the per-byte cost the `request`
	/// benchmark measures over inputs up to the largest.
	pub fn request_batch_weight(jobs: u32, candidates: u32, input_bytes: u32) -> Weight {
		let per_byte = T::WeightInfo::request(1, input_bytes.saturating_add(1))
			.saturating_sub(T::WeightInfo::request(1, 1));
		T::WeightInfo::request_batch(jobs.max(1), candidates).saturating_add(per_byte)
	}

	/// The most a `submit_answers` of `answers` may weigh: the batch benchmark for its
	/// results, their output bytes and the costliest verifier for their evidence, and a
	/// `report_failure` (at the TEE tier's matching) per failure.
	pub fn answers_weight(answers: &[JobAnswerOf<T>]) -> Weight {
		let verifiers = answers.iter().fold(Weight::zero(), |sum, answer| match answer {
			JobAnswer::Result { evidence, .. } => {
				sum.saturating_add(Self::max_verifier_weight(evidence.len() as u32))
			},
			JobAnswer::Failure { .. } => {
				sum.saturating_add(T::Workers::tier_check_weight(Tier::Tee))
			},
		});
		Self::answers_weight_base(answers).saturating_add(verifiers)
	}

	/// A `submit_answers` of `answers` without its verifiers' and matching's part: what it
	/// weighs whichever tiers its jobs are at.
	fn answers_weight_base(answers: &[JobAnswerOf<T>]) -> Weight {
		let (mut results, mut failures, mut output_bytes) = (0u32, 0u32, 0u32);
		for answer in answers {
			match answer {
				JobAnswer::Result { output, .. } => {
					results.saturating_inc();
					output_bytes = output_bytes.saturating_add(tensor::payload_bytes(output));
				},
				JobAnswer::Failure { .. } => failures.saturating_inc(),
			}
		}
		let per_byte = T::WeightInfo::submit_result(output_bytes.saturating_add(1))
			.saturating_sub(T::WeightInfo::submit_result(1));
		T::WeightInfo::submit_answers(results)
			.saturating_add(per_byte)
			.saturating_add(T::WeightInfo::report_failure().saturating_mul(failures.into()))
	}
}

impl<T: Config> Pallet<T> {
	/// The fee of an inference of `served` on `input` at `tier`, with its split; or the
	/// error `request` would return for this model, input and tier.
	pub fn quote(
		model: ModelId,
		version: Option<ModelVersion>,
		input: &TensorPayload,
		tier: Tier,
	) -> Result<FeeBreakdown<BalanceOf<T>>, DispatchError> {
		let served =
			T::Models::served_model(model, version).ok_or(Error::<T>::UnknownModelVersion)?;
		Self::check_request(&served, input, tier).map(|(_, fee)| fee)
	}

	/// A job by id.
	pub fn job(job: JobId) -> Option<JobOf<T>> {
		Jobs::<T>::get(job)
	}

	/// The jobs `worker` must answer now, oldest first.
	pub fn pending_jobs(worker: &T::AccountId) -> Vec<JobId> {
		let mut jobs = PendingJobs::<T>::get(worker).into_inner();
		jobs.sort_unstable();
		jobs
	}

	/// Adds `job` to `worker`'s pending jobs; fails if the worker holds `MaxPendingPerWorker`
	/// already (the worker pool's limit keeps it from being drawn before that).
	pub(crate) fn add_pending(worker: &T::AccountId, job: JobId) -> Result<(), ()> {
		PendingJobs::<T>::try_mutate(worker, |jobs| jobs.try_push(job).map_err(|_| ()))
	}

	/// Takes `job` off `worker`'s pending jobs.
	pub(crate) fn remove_pending(worker: &T::AccountId, job: JobId) {
		PendingJobs::<T>::mutate_exists(worker, |jobs| {
			if let Some(list) = jobs {
				list.retain(|pending| *pending != job);
				if list.is_empty() {
					*jobs = None;
				}
			}
		});
	}

	/// Checks a request against the model version and prices it: returns the batch size
	/// and the fee.
	fn check_request(
		served: &ServedModelOf<T>,
		input: &TensorPayload,
		tier: Tier,
	) -> Result<(u32, FeeBreakdown<BalanceOf<T>>), DispatchError> {
		ensure!(served.status != ModelStatus::Disabled, Error::<T>::ModelNotActive);
		ensure!(served.spec.tiers.contains(tier), Error::<T>::TierNotOffered);
		ensure!(T::Verifier::supports(tier), Error::<T>::TierUnavailable);
		let batch = tensor::validate_payload(
			&served.spec.schema.inputs,
			input,
			None,
			T::MaxBatch::get(),
			T::MaxInputBytes::get(),
		)
		.map_err(Self::input_error)?;
		if tier == Tier::Zk {
			// The proof commits to the input's values, which the verifier reads from state.
			ensure!(
				input.encoded_size() <= MAX_INLINE_PAYLOAD_LEN as usize,
				Error::<T>::InputTooLargeForTier
			);
			ensure!(served.circuit_digest.is_some(), Error::<T>::ZkCircuitNotRegistered);
			ensure!(served.circuit_trusted, Error::<T>::ZkCircuitNotTrusted);
			ensure!(batch == 1, Error::<T>::ZkOneRowOnly);
		}
		let output_bytes = tensor::expected_bytes(&served.spec.schema.outputs, batch);
		ensure!(output_bytes <= T::MaxOutputBytes::get() as u64, Error::<T>::OutputWouldBeTooLarge);
		if tier == Tier::Optimistic {
			// A dispute compares outputs in the runtime, so they must be in state.
			ensure!(
				tensor::expected_encoded_len(&served.spec.schema.outputs, batch)
					<= MAX_INLINE_PAYLOAD_LEN as u64,
				Error::<T>::OutputTooLargeForTier
			);
		}
		let bytes = (tensor::payload_bytes(input) as u64).saturating_add(output_bytes);
		Ok((batch, Self::price(served.price, tier, bytes)))
	}

	/// Most bytes of element data an output the Optimistic tier disputes may carry: one
	/// tensor whose encoding fits `MAX_INLINE_PAYLOAD_LEN` (the benchmarks' largest vote).
	pub fn max_disputed_output_bytes() -> u32 {
		// A one-tensor payload's encoding adds at most 1 + 1 + 4 * rank + 4 bytes; 64 covers
		// a rank of up to 14.
		T::MaxOutputBytes::get().min(MAX_INLINE_PAYLOAD_LEN - 64)
	}

	/// How state keeps `job`'s `payload` in `role`; a payload too large for state goes to
	/// the nodes' offchain stores (offchain indexing), where workers and the RPC read it.
	pub(crate) fn keep_payload(
		job: JobId,
		role: PayloadRole,
		payload: &TensorPayload,
	) -> StoredPayload {
		Self::index_payload(job, role, StoredPayload::of(payload))
	}

	fn index_payload(
		job: JobId,
		role: PayloadRole,
		(stored, indexed): (StoredPayload, Option<Vec<u8>>),
	) -> StoredPayload {
		if let Some(bytes) = indexed {
			sp_io::offchain_index::set(&offchain_payload_key(job, role, &stored.hash()), &bytes);
		}
		stored
	}

	/// Clears a job's payloads from the offchain stores: when it is deleted, or when it
	/// ends refunded in full (its hashes stay in the record).
	pub(crate) fn forget_payloads(job: JobId, record: &JobOf<T>) {
		let payloads = [
			(PayloadRole::Input, Some(&record.input)),
			(PayloadRole::Output, record.output.as_ref()),
		];
		for (role, stored) in payloads {
			if let Some(stored @ StoredPayload::Indexed { .. }) = stored {
				sp_io::offchain_index::clear(&offchain_payload_key(job, role, &stored.hash()));
			}
		}
	}

	/// Checks a job's output against the version's output schema and the input's batch.
	fn check_output(
		served: &ServedModelOf<T>,
		record: &JobOf<T>,
		output: &TensorPayload,
	) -> Result<u32, TensorError> {
		tensor::validate_payload(
			&served.spec.schema.outputs,
			output,
			Some(record.batch),
			T::MaxBatch::get(),
			T::MaxOutputBytes::get(),
		)
	}

	fn price(royalty: BalanceOf<T>, tier: Tier, bytes: u64) -> FeeBreakdown<BalanceOf<T>> {
		let bytes: BalanceOf<T> = bytes.unique_saturated_into();
		let service =
			T::TierFee::convert(tier).saturating_add(T::FeePerByte::get().saturating_mul(bytes));
		let cut = T::TreasuryCut::get();
		let royalty_paid = royalty.saturating_sub(cut * royalty);
		let worker_paid = service.saturating_sub(cut * service);
		let total = royalty.saturating_add(service);
		FeeBreakdown {
			total,
			worker: worker_paid,
			royalty: royalty_paid,
			treasury: total.saturating_sub(royalty_paid).saturating_sub(worker_paid),
		}
	}

	/// Draws a worker for assignment `attempt` of `job` (see [`Self::draw_for`]).
	fn draw(
		candidates: &[Candidate<T::AccountId, BalanceOf<T>>],
		job: JobId,
		attempt: u32,
	) -> Option<T::AccountId> {
		Self::draw_for(candidates, &(b"verin/match", job, attempt).encode())
	}

	/// Draws a worker, each with odds `stake / (1 + load)`, from randomness for `subject`;
	/// `None` if there is no candidate.
	fn draw_for(
		candidates: &[Candidate<T::AccountId, BalanceOf<T>>],
		subject: &[u8],
	) -> Option<T::AccountId> {
		let (seed, _) = T::Randomness::random(subject);
		Self::draw_with_seed(candidates, seed)
	}

	/// Draws a worker, each with odds `stake / (1 + load)`, from `seed`; `None` if there
	/// is no candidate.
	pub(crate) fn draw_with_seed(
		candidates: &[Candidate<T::AccountId, BalanceOf<T>>],
		seed: H256,
	) -> Option<T::AccountId> {
		let odds = |c: &Candidate<T::AccountId, BalanceOf<T>>| -> u128 {
			let stake: u128 = c.stake.unique_saturated_into();
			stake / (c.load as u128 + 1)
		};
		let total = candidates.iter().fold(0u128, |acc, c| acc.saturating_add(odds(c)));
		let mut bytes = [0u8; 16];
		bytes.copy_from_slice(&seed.as_bytes()[..16]);
		let random = u128::from_le_bytes(bytes);
		if total == 0 {
			let len = candidates.len() as u128;
			return (len > 0).then(|| candidates[(random % len) as usize].worker.clone());
		}
		let mut point = random % total;
		candidates.iter().find_map(|c| {
			let weight = odds(c);
			if point < weight {
				Some(c.worker.clone())
			} else {
				point -= weight;
				None
			}
		})
	}

	fn assigned_job(job: JobId, who: &T::AccountId) -> Result<JobOf<T>, DispatchError> {
		let record = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
		let JobStatus::Assigned { worker, deadline } = &record.status else {
			return Err(Error::<T>::JobNotAssigned.into());
		};
		ensure!(worker == who, Error::<T>::NotAssignedWorker);
		ensure!(frame_system::Pallet::<T>::block_number() <= *deadline, Error::<T>::DeadlinePassed);
		Ok(record)
	}

	/// Moves `job`'s timer to block `at` (a later block than this one). An entry of its own
	/// is removed; a span it shares with its batch stays where it is and fires for this job
	/// without effect: `fire` acts only on a job whose `next_timer` is the block firing.
	pub(crate) fn set_timer(job: JobId, record: &mut JobOf<T>, at: BlockNumberFor<T>) {
		// The job's own entry goes; a batch's span stays for the batch's other jobs.
		Timers::<T>::mutate_exists(record.next_timer, job, |entry| {
			if *entry == Some(1) {
				*entry = None;
			}
		});
		Self::add_timer(at, job, 1);
		record.next_timer = at;
	}

	/// Schedules the `span` jobs from `first` on in block `at`, keeping any longer span an
	/// entry there already has.
	pub(crate) fn add_timer(at: BlockNumberFor<T>, first: JobId, span: u32) {
		Timers::<T>::mutate(at, first, |scheduled| *scheduled = (*scheduled).max(span));
	}

	/// An Optimistic job of `worker` no longer rests on its stake.
	fn release_exposure(record: &JobOf<T>, worker: &T::AccountId) {
		if record.tier == Tier::Optimistic {
			T::Workers::optimistic_job_closed(worker);
		}
	}

	/// Pays a final result out of the job's hold; the rest goes back to the requester.
	fn settle(job: JobId, record: &mut JobOf<T>, worker: T::AccountId) {
		let mut settlements = settlement::Settlements::<T>::new();
		settlements.complete(job, record, worker);
		settlements.pay_out();
	}

	/// Moves `amount` of `payer`'s hold for `reason` to `payee`'s free balance. A payee that
	/// cannot receive it (it would stay below the existential deposit) leaves it in the
	/// hold, and the caller returns what is left to the payer.
	fn pay(
		reason: HoldReason,
		payer: &T::AccountId,
		payee: &T::AccountId,
		amount: BalanceOf<T>,
	) -> BalanceOf<T> {
		if amount.is_zero() || payer == payee {
			return Zero::zero();
		}
		T::Currency::transfer_on_hold(
			&reason.into(),
			payer,
			payee,
			amount,
			Precision::Exact,
			Restriction::Free,
			Fortitude::Force,
		)
		.unwrap_or_else(|_| Zero::zero())
	}

	/// Returns the whole fee of a job that ends without a result.
	fn refund(record: &JobOf<T>) -> BalanceOf<T> {
		Self::release(&record.requester, record.fee.total)
	}

	/// Releases `amount` of `requester`'s job-fee hold. A requester with several open jobs
	/// holds all their fees under one reason, so only one job's amount is ever released.
	fn release(requester: &T::AccountId, amount: BalanceOf<T>) -> BalanceOf<T> {
		Self::release_hold(HoldReason::JobFee, requester, amount)
	}

	/// Releases `amount` of `who`'s hold for `reason` (one job's or one dispute's share).
	fn release_hold(reason: HoldReason, who: &T::AccountId, amount: BalanceOf<T>) -> BalanceOf<T> {
		if amount.is_zero() {
			return amount;
		}
		T::Currency::release(&reason.into(), who, amount, Precision::BestEffort)
			.unwrap_or_else(|_| Zero::zero())
	}

	/// The most any tier's verifier may weigh for evidence of `evidence_len` bytes.
	fn max_verifier_weight(evidence_len: u32) -> Weight {
		Tier::ALL
			.into_iter()
			.filter(|tier| T::Verifier::supports(*tier))
			.map(|tier| T::Verifier::weight(tier, evidence_len))
			.fold(Weight::zero(), |max, weight| max.max(weight))
	}

	fn job_ended(model: ModelId) {
		OpenJobs::<T>::mutate_exists(model, |open| {
			let left = open.unwrap_or_default().saturating_sub(1);
			*open = (left > 0).then_some(left);
		});
	}

	fn input_error(error: TensorError) -> DispatchError {
		match error {
			TensorError::TensorCountMismatch => Error::<T>::InputTensorCountMismatch,
			TensorError::ShapeMismatch => Error::<T>::InputShapeMismatch,
			TensorError::BadBatchSize => Error::<T>::InputBatchInvalid,
			TensorError::DataLengthMismatch => Error::<T>::InputDataLengthMismatch,
			TensorError::PayloadTooLarge => Error::<T>::InputTooLarge,
			TensorError::DimensionOutOfRange => Error::<T>::InputDimensionOutOfRange,
			TensorError::InvalidBoolean => Error::<T>::InputInvalidBoolean,
		}
		.into()
	}

	fn output_error(error: TensorError) -> DispatchError {
		match error {
			TensorError::TensorCountMismatch => Error::<T>::OutputTensorCountMismatch,
			TensorError::ShapeMismatch
			| TensorError::BadBatchSize
			| TensorError::DimensionOutOfRange => Error::<T>::OutputShapeMismatch,
			TensorError::DataLengthMismatch => Error::<T>::OutputDataLengthMismatch,
			TensorError::PayloadTooLarge => Error::<T>::OutputTooLarge,
			TensorError::InvalidBoolean => Error::<T>::OutputInvalidBoolean,
		}
		.into()
	}

	fn evidence_error(error: EvidenceError) -> DispatchError {
		match error {
			EvidenceError::TierUnavailable => Error::<T>::TierUnavailable,
			EvidenceError::Malformed => Error::<T>::MalformedEvidence,
			EvidenceError::Invalid => Error::<T>::InvalidEvidence,
		}
		.into()
	}
}

impl<T: Config> ModelJobs for Pallet<T> {
	fn has_open_jobs(model: ModelId) -> bool {
		OpenJobs::<T>::contains_key(model)
	}
}
