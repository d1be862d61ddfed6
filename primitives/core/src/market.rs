//! The inference market's view of its neighbours: the model registry, the worker pool and
//! the per-tier verifiers. Pallets see each other only through these traits (docs/architecture.md).

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;

use crate::{
	model::{ModelId, ModelStatus, ModelVersion, VersionSpec},
	tensor::TensorPayload,
	tier::Tier,
};

/// Identifier of an inference job, assigned in request order.
pub type JobId = u64;

/// A model version a worker serves.
///
/// Defined here rather than in the worker pool pallet so that a node can build a genesis
/// configuration without depending on the pallet; its serde form is the genesis JSON's.
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
pub struct ServedVersion {
	/// The model.
	pub model: ModelId,
	/// The exact version: a worker vouches for the bytes it has, not for future versions.
	pub version: ModelVersion,
}

/// What the market needs to know about a published model version to sell an inference.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct ServedModel<AccountId, Balance> {
	/// The model's owner: receives the royalty.
	pub owner: AccountId,
	/// Price of one inference (the owner's royalty).
	pub price: Balance,
	/// Lifecycle status; only `Active` models take new requests.
	pub status: ModelStatus,
	/// The version resolved (the latest when the caller named none).
	pub version: ModelVersion,
	/// Content id of the version's bytes.
	pub content_id: H256,
	/// Schema, determinism class and tiers of the version.
	pub spec: VersionSpec,
	/// Digest of the version's registered ZK circuit, if any.
	pub circuit_digest: Option<H256>,
	/// Whether workers other than the owner confirmed that the circuit is the compile of
	/// the version's bytes (or governance upheld it against a dispute): only then do ZK
	/// results prove what the model computes. False without a circuit.
	pub circuit_trusted: bool,
}

/// Read access to published models (implemented by the model registry).
pub trait ModelCatalog<AccountId, Balance> {
	/// The version `version` of `model`, or its latest version when `version` is `None`.
	fn served_model(
		model: ModelId,
		version: Option<ModelVersion>,
	) -> Option<ServedModel<AccountId, Balance>>;

	/// The verifier data of the ZK circuit registered for `version` of `model`.
	fn circuit(model: ModelId, version: ModelVersion) -> Option<Vec<u8>>;
}

/// A worker that may take a job, with what matching weighs.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct Candidate<AccountId, Balance> {
	/// The worker's account.
	pub worker: AccountId,
	/// Its active bonded stake.
	pub stake: Balance,
	/// Jobs it holds right now.
	pub load: u32,
}

/// Why a worker lost stake.
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
pub enum SlashReason {
	/// It let an assigned job pass its deadline without an answer.
	MissedDeadline,
	/// It lost a dispute about a result (optimistic tier).
	WrongResult,
	/// It sat on a dispute's committee and did not vote in time (optimistic tier).
	MissedVote,
	/// It reviewed a model version's ZK circuit and governance found it wrong: it
	/// confirmed a circuit that is not the compile of the version's bytes, or disputed one
	/// that is.
	FalseCircuitReview,
	/// It sat on a dispute's committee and voted for an output the majority rejected
	/// (optimistic tier): a member who copies the published output instead of running the
	/// model loses as much as one who stays silent.
	VotedAgainstMajority,
}

/// The worker pool as the market uses it (implemented by the workers pallet).
pub trait WorkerPool<AccountId, Balance> {
	/// Workers that may take a job for `model`@`version` at `tier` right now: registered,
	/// online, live, bonded at least the minimum, serving that version, supporting that
	/// tier and below their job limit. Bounded by the pool's per-version worker limit.
	fn candidates(
		model: ModelId,
		version: ModelVersion,
		tier: Tier,
	) -> Vec<Candidate<AccountId, Balance>>;

	/// Most candidates `candidates` ever returns (bounds the market's weights).
	fn max_candidates() -> u32;

	/// Weight `candidates` adds for `tier` beyond what every tier costs (the TEE tier reads
	/// each worker's enclave), for all candidates together.
	fn tier_check_weight(_tier: Tier) -> sp_runtime::Weight {
		sp_runtime::Weight::zero()
	}

	/// Workers that may sit on a committee for `model`@`version`: registered, online, live,
	/// bonded at least the minimum, serving that version and supporting the Optimistic tier,
	/// whatever their load (a vote is not a job). Bounded like `candidates`.
	fn voters(model: ModelId, version: ModelVersion) -> Vec<Candidate<AccountId, Balance>>;

	/// Whether `worker` serves `model`@`version` and is bonded at least the minimum (who
	/// may challenge a result of that version).
	fn serves(worker: &AccountId, model: ModelId, version: ModelVersion) -> bool;

	/// Whether `worker` is registered and bonded (it may answer jobs it already holds).
	fn is_bonded(worker: &AccountId) -> bool;

	/// A job was assigned to `worker`: counts towards its load, and for the Optimistic
	/// tier towards the jobs its stake answers for until their results are final.
	fn job_assigned(worker: &AccountId, tier: Tier);

	/// A job of `worker` ended; `answered` tells whether the worker answered it (a result
	/// or a reported failure), which also counts as a sign of life.
	fn job_released(worker: &AccountId, answered: bool);

	/// `worker` refused a job it was assigned (a reported failure): it leaves its load and
	/// counts against it; the market gives the job to another worker.
	fn job_refused(worker: &AccountId);

	/// An Optimistic job of `worker` no longer rests on its stake: the result is final,
	/// overturned or unresolved, or the job left the worker.
	fn optimistic_job_closed(worker: &AccountId);
}

/// Attested enclaves, as matching sees them (implemented by the enclaves pallet).
pub trait EnclaveRegistry<AccountId> {
	/// Whether `worker` may take TEE jobs now: its enclave's attestation is registered, not
	/// expired, its measurement still allowed and its root still pinned.
	fn is_attested(worker: &AccountId) -> bool;

	/// Upper bound of one `is_attested` call's weight.
	fn is_attested_weight() -> sp_runtime::Weight;
}

/// No enclaves: no worker is attested (runtimes and tests without the TEE tier).
impl<AccountId> EnclaveRegistry<AccountId> for () {
	fn is_attested(_worker: &AccountId) -> bool {
		false
	}

	fn is_attested_weight() -> sp_runtime::Weight {
		sp_runtime::Weight::zero()
	}
}

/// Stake at risk: how other pallets penalise workers (implemented by the workers pallet).
pub trait WorkerStaking<AccountId, Balance> {
	/// The stake `worker` has bonded, including stake that is unbonding.
	fn bonded(worker: &AccountId) -> Balance;

	/// Takes up to `amount` of `worker`'s bonded stake and pays it to `beneficiary`;
	/// returns the amount taken. Never fails: a worker with less stake loses what it has.
	fn slash(
		worker: &AccountId,
		amount: Balance,
		beneficiary: &AccountId,
		reason: SlashReason,
	) -> Balance;

	/// Takes the worker out of matching until it goes online again (after a missed job).
	fn suspend(worker: &AccountId);

	/// Keeps `worker`'s stake, bonded and unbonding, from being withdrawn until as many
	/// [`Self::release_judgement`] calls: a judgement that may slash it is open, and may
	/// take longer than the unbonding period. Holds count, so judgements may overlap.
	fn hold_for_judgement(worker: &AccountId);

	/// Ends one [`Self::hold_for_judgement`] of `worker`.
	fn release_judgement(worker: &AccountId);
}

/// What a tier verifier is told about the result it checks.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ResultContext<'a, AccountId> {
	/// The job.
	pub job: JobId,
	/// The assigned worker, who signed the result.
	pub worker: &'a AccountId,
	/// Content id of the model version that was requested.
	pub content_id: H256,
	/// Digest of the version's ZK circuit, if registered.
	pub circuit_digest: Option<H256>,
	/// blake2-256 of the SCALE-encoded input payload.
	pub input_hash: H256,
	/// blake2-256 of the SCALE-encoded output payload.
	pub output_hash: H256,
	/// What the version declares (schema, determinism, tiers).
	pub spec: &'a VersionSpec,
	/// The job's input, when chain state keeps it inline (always for the ZK tier, whose
	/// proof commits to the input's values).
	pub input: Option<&'a TensorPayload>,
	/// The submitted output (already checked against the schema).
	pub output: &'a TensorPayload,
	/// Verifier data of the version's ZK circuit, if one is registered.
	pub circuit: Option<&'a [u8]>,
}

impl<AccountId> ResultContext<'_, AccountId> {
	/// What an attested enclave signs for this result (TEE tier) on the chain whose genesis
	/// hash is `genesis_hash`.
	pub fn tee_message(&self, genesis_hash: H256) -> Vec<u8> {
		tee_result_message(
			genesis_hash,
			self.job,
			self.content_id,
			self.input_hash,
			self.output_hash,
		)
	}
}

/// Separates TEE result signatures from anything else an enclave key might sign.
pub const TEE_RESULT_DOMAIN: [u8; 16] = *b"verin/tee-result";

/// What an enclave signs for a TEE result: the domain, the genesis hash of the chain the
/// enclave's node follows, the job id, the model version's content id and the blake2-256
/// hashes of the SCALE-encoded input and output payloads, SCALE-encoded. The enclave builds
/// it natively, from its own chain and its own run of the model; the runtime rebuilds it
/// with this one function. A signature made for another chain (a chain spec of the
/// operator's own) does not verify on this one.
pub fn tee_result_message(
	genesis_hash: H256,
	job: JobId,
	content_id: H256,
	input_hash: H256,
	output_hash: H256,
) -> Vec<u8> {
	(TEE_RESULT_DOMAIN, genesis_hash, job, content_id, input_hash, output_hash).encode()
}

/// A verifier's decision about a result whose evidence it accepted.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Verdict<BlockNumber> {
	/// Final now: settle at inclusion (Vanilla, Tee, Zk).
	Final,
	/// Stands unless challenged before the given number of blocks pass (Optimistic).
	Provisional {
		/// Blocks of the challenge window.
		challenge_period: BlockNumber,
	},
}

/// Why evidence was rejected.
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
pub enum EvidenceError {
	/// This runtime has no verifier for the tier.
	TierUnavailable,
	/// The evidence does not decode or has the wrong size for the tier.
	Malformed,
	/// The evidence decodes but does not prove the result.
	Invalid,
}

/// Checks the evidence of one tier (or of all tiers, dispatching on the tier).
///
/// A tier plugs into the market by implementing this trait; the market calls it from
/// `submit_result` after the output passed schema validation, and settles by the verdict.
pub trait TierVerifier<AccountId, BlockNumber> {
	/// Whether this runtime verifies `tier` at all (requests for other tiers are refused).
	fn supports(tier: Tier) -> bool;

	/// Checks `evidence` for the result described by `context`.
	fn verify(
		tier: Tier,
		context: &ResultContext<'_, AccountId>,
		evidence: &[u8],
	) -> Result<Verdict<BlockNumber>, EvidenceError>;

	/// Upper bound of `verify`'s weight for `tier` and `evidence_len` bytes, charged before
	/// the call runs.
	fn weight(tier: Tier, evidence_len: u32) -> sp_runtime::Weight;
}

/// The Vanilla tier alone: the signed origin of the assigned, bonded worker is the whole
/// evidence, so the evidence bytes must be empty. Other tiers are unavailable.
pub struct VanillaOnly;

impl<AccountId, BlockNumber> TierVerifier<AccountId, BlockNumber> for VanillaOnly {
	fn supports(tier: Tier) -> bool {
		tier == Tier::Vanilla
	}

	fn verify(
		tier: Tier,
		_context: &ResultContext<'_, AccountId>,
		evidence: &[u8],
	) -> Result<Verdict<BlockNumber>, EvidenceError> {
		match tier {
			Tier::Vanilla if evidence.is_empty() => Ok(Verdict::Final),
			Tier::Vanilla => Err(EvidenceError::Malformed),
			_ => Err(EvidenceError::TierUnavailable),
		}
	}

	fn weight(_tier: Tier, _evidence_len: u32) -> sp_runtime::Weight {
		sp_runtime::Weight::zero()
	}
}

/// How a job's fee splits. The parts add up to `total`, which is held from the requester
/// when the job is requested and paid out when it completes.
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
pub struct FeeBreakdown<Balance> {
	/// Everything the requester pays.
	pub total: Balance,
	/// To the worker that answers.
	pub worker: Balance,
	/// To the model's owner (the royalty).
	pub royalty: Balance,
	/// To the treasury.
	pub treasury: Balance,
}

/// Why a worker could not answer a job (reported with `report_failure`).
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
pub enum FailureReason {
	/// The model bytes could not be found or did not match their content id.
	ModelUnavailable,
	/// The inference engine refused to load the model.
	ModelLoadFailed,
	/// The model ran and failed on this input.
	ExecutionFailed,
	/// The model produced output that does not fit its declared schema.
	OutputMismatch,
	/// The worker cannot produce the evidence the tier needs.
	EvidenceUnavailable,
	/// The model's registered ZK circuit differs from the one the worker compiles from the
	/// model's bytes: no honest proof can exist.
	CircuitMismatch,
	/// Loading or running the model took longer than the worker's time limit (a model
	/// that loops, or is far too slow for the market).
	ExecutionTimedOut,
	/// The model needed more memory than the worker's limit for one run.
	ResourceLimit,
	/// The worker's operator does not run this model (denied, or over its size cap).
	ModelDeclined,
	/// The job's input is kept by content and the worker's offchain store does not hold
	/// bytes with its hash (a node without offchain indexing, or one that joined late).
	InputUnavailable,
}

/// Where a job is in its life.
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
pub enum JobStatus<AccountId, BlockNumber> {
	/// Waiting for `worker`'s answer, included at the latest in block `deadline`.
	Assigned {
		/// The worker that must answer.
		worker: AccountId,
		/// Last block in which its answer is accepted.
		deadline: BlockNumber,
	},
	/// Answered with evidence that stands unless challenged before block `until`
	/// (Optimistic tier); settles then.
	Provisional {
		/// The worker that answered.
		worker: AccountId,
		/// First block at which the result is final.
		until: BlockNumber,
	},
	/// Answered and settled at block `at`.
	Completed {
		/// The worker that answered.
		worker: AccountId,
		/// Block of settlement.
		at: BlockNumber,
	},
	/// The worker reported it could not answer; the fee was refunded at block `at`.
	Failed {
		/// The worker that reported.
		worker: AccountId,
		/// What went wrong.
		reason: FailureReason,
		/// Block of the refund.
		at: BlockNumber,
	},
	/// No worker answered within the allowed attempts; the fee was refunded at block `at`.
	Expired {
		/// Block of the refund.
		at: BlockNumber,
	},
	/// `challenger` disputes `worker`'s provisional result (Optimistic tier); a committee
	/// re-executes the model and votes until block `deadline`.
	Disputed {
		/// The worker whose result is disputed.
		worker: AccountId,
		/// The worker who challenged it.
		challenger: AccountId,
		/// Last block in which a committee vote is accepted.
		deadline: BlockNumber,
	},
	/// The committee's majority found `worker`'s result wrong (block `at`): the worker was
	/// slashed, the job's output is the majority's, and the fee was refunded.
	Overturned {
		/// The worker whose result was overturned.
		worker: AccountId,
		/// Block of the decision.
		at: BlockNumber,
	},
	/// The dispute ended without a majority (too few votes, or split votes) at block `at`:
	/// nobody was slashed for the result, every hold was returned and the fee refunded. The
	/// worker's output stays readable but was not confirmed.
	Unresolved {
		/// The worker whose result was disputed.
		worker: AccountId,
		/// Block of the refund.
		at: BlockNumber,
	},
}

impl<AccountId, BlockNumber: Copy> JobStatus<AccountId, BlockNumber> {
	/// The block at which the job ended, if it did (fee paid out or refunded).
	pub fn ended_at(&self) -> Option<BlockNumber> {
		match self {
			JobStatus::Completed { at, .. }
			| JobStatus::Failed { at, .. }
			| JobStatus::Expired { at }
			| JobStatus::Overturned { at, .. }
			| JobStatus::Unresolved { at, .. } => Some(*at),
			JobStatus::Assigned { .. }
			| JobStatus::Provisional { .. }
			| JobStatus::Disputed { .. } => None,
		}
	}
}

/// An inference job: what was asked, what it costs and where it stands.
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
pub struct Job<AccountId, Balance, BlockNumber> {
	/// Who asked and pays.
	pub requester: AccountId,
	/// The model.
	pub model: ModelId,
	/// The exact version (the latest at request time when none was named).
	pub version: ModelVersion,
	/// Content id of the version's bytes: what the worker must run.
	pub content_id: H256,
	/// The verification tier asked for.
	pub tier: Tier,
	/// The input tensors: inline when small, else their hash and length (the bytes are in
	/// the nodes' offchain stores, see [`crate::payload`]).
	pub input: crate::payload::StoredPayload,
	/// Batch size of the input (and so of the output).
	pub batch: u32,
	/// The fee held and how it splits; the royalty goes to `royalty_to`.
	pub fee: FeeBreakdown<Balance>,
	/// The model's owner when the job was requested.
	pub royalty_to: AccountId,
	/// Blocks each assigned worker has to answer.
	pub response_blocks: BlockNumber,
	/// Workers assigned so far (the first assignment counts).
	pub attempts: u32,
	/// Where the job stands.
	pub status: JobStatus<AccountId, BlockNumber>,
	/// The result, once answered: inline when small, else by content as the input.
	pub output: Option<crate::payload::StoredPayload>,
	/// The block whose timer looks at the job next (deadline, end of the challenge window
	/// or of retention). Timers left in other blocks are stale and ignored.
	pub next_timer: BlockNumber,
	/// Block of the request.
	pub requested_at: BlockNumber,
}
