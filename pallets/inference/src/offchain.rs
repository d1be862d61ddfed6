//! The worker side: the offchain worker of an inference node answers the jobs assigned to
//! the worker keys in its keystore.
//!
//! After each imported block, for every local worker key (key type `vwrk`, `verin_worker_primitives::key`) it lists
//! the key's pending jobs, runs each job's model natively through the
//! `verin_inference::run` host function, and answers each with its output, or with the
//! reason when the model cannot be run on the input: all of a key's answers of one run in
//! one signed `submit_answers`.
//!
//! A job is claimed in the node's persistent offchain storage before it is run, keyed by job
//! and attempt ([`verin_pallet_support::claim`]), so two offchain-worker runs (overlapping
//! blocks, or a restart) never submit for the same assignment. The claim is retried only if
//! the job is still assigned to the same key [`RESUBMIT_AFTER`] blocks later, i.e. the first
//! transaction never made it into a block. Because the storage persists and the pending
//! list is read afresh from the chain every block, a restarted node picks up where it was.
//!
//! The optimistic tier's two duties run from the same hook, with the same claims:
//! - watching: a node re-executes only results of model versions one of its keys serves
//!   (other than the result's worker). Each provisional result has [`WATCHERS_PER_RESULT`]
//!   assigned watchers, drawn by stake from the version's servers with the hash of the
//!   block the result landed in (unknown to the worker when it answered): a node checks the
//!   results assigned to its keys first, earliest window end first, up to
//!   [`MAX_ASSIGNED_CHECKS_PER_RUN`] per block, then up to [`MAX_CHECKS_PER_RUN`] others.
//!   Results of other versions never take a check, so a flood of decoys on a model of the
//!   attacker's own cannot keep a version's watchers from its results. A result whose
//!   output disagrees with this node's by the model's determinism class is challenged
//!   with that key; a result already disputed is joined while its commit phase lasts;
//! - voting: every local key on a dispute's committee commits to the output of its own
//!   execution with a fresh salt (kept in the node's persistent offchain storage), then
//!   reveals it once the reveal phase opens.

use super::*;
use frame_system::offchain::SigningTypes;
use sp_runtime::offchain::storage::StorageValueRef;
use verin_pallet_support::{local_worker_keys_with_accounts, work_claim};
use verin_primitives::payload::{resolve_payload, PayloadReadError};
use verin_worker_primitives::{verin_inference, InferenceError, TeeError};

/// Blocks after which an unanswered claim may be submitted again (the first transaction was
/// dropped before inclusion).
pub const RESUBMIT_AFTER: u32 = 5;

/// How long one offchain-worker run spends computing one key's answers, in milliseconds:
/// half a block, so the answers reach the next block's author (the model's own time limit
/// may add one run's worth to it).
pub const ANSWER_TIME_BUDGET_MS: u64 = 3_000;

/// Most bytes of answers (outputs and evidence) in one `submit_answers`: ZK proofs run to
/// tens of KiB each, and a transaction must fit in a block with room for others.
pub const MAX_ANSWER_BYTES_PER_CALL: usize = 1024 * 1024;

/// Most of an extrinsic's weight limit one `submit_answers` may declare: a batch the pool
/// refuses, or that only a nearly empty block admits, would leave its answers late.
pub const MAX_ANSWER_WEIGHT_SHARE: Perbill = Perbill::from_percent(25);

/// Most results not assigned to a local key that a node re-executes per block.
pub const MAX_CHECKS_PER_RUN: usize = 4;

/// Most results assigned to its keys that a node re-executes per block.
pub const MAX_ASSIGNED_CHECKS_PER_RUN: usize = 16;

/// Watchers assigned to each provisional result.
pub const WATCHERS_PER_RESULT: u32 = 2;

const CLAIM_PREFIX: &[u8] = b"verin/inference/claim/";
const CHECK_PREFIX: &[u8] = b"verin/inference/check/";
const COMMIT_PREFIX: &[u8] = b"verin/inference/commit/";
const REVEAL_PREFIX: &[u8] = b"verin/inference/reveal/";
const SECRET_PREFIX: &[u8] = b"verin/inference/vote-secret/";

/// The answer a worker sends for a job.
#[derive(
	frame_support::DebugNoBound,
	frame_support::CloneNoBound,
	frame_support::PartialEqNoBound,
	frame_support::EqNoBound,
)]
pub enum Answer<T: Config> {
	/// The model ran: submit the output with the tier's evidence.
	Result(TensorPayload, BoundedVec<u8, T::MaxEvidenceBytes>),
	/// The model cannot run on this job: report why.
	Failure(FailureReason),
}

impl<T: Config> Pallet<T> {
	/// Answers the local worker keys' pending jobs (the offchain worker's entry point): for
	/// each key, oldest first, as many as its engine finishes within
	/// [`ANSWER_TIME_BUDGET_MS`] of the key's turn, in signed `submit_answers` calls that
	/// each stay within the call's answer limit, [`MAX_ANSWER_BYTES_PER_CALL`] and a
	/// [`MAX_ANSWER_WEIGHT_SHARE`] of an extrinsic's weight limit.
	pub fn answer_local_jobs(now: BlockNumberFor<T>) {
		for (public, worker) in local_worker_keys_with_accounts::<T, T::AuthorityId>() {
			// Each key gets its own turn: a busy key does not starve the others.
			let started = sp_io::offchain::timestamp();
			let mut batch = AnswerBatch::<T>::default();
			let mut model = None;
			for (job, record) in Self::answerable_by_model(&worker, now) {
				if sp_io::offchain::timestamp().diff(&started).millis() >= ANSWER_TIME_BUDGET_MS {
					break;
				}
				// Answers computed are sent before a model not run yet in this batch: a model
				// is only known to be quick once it ran, and a slow one must not hold back
				// the answers of others.
				if model != Some(record.content_id) {
					batch.send(&public);
					model = Some(record.content_id);
				}
				let Some(answer) = Self::answer_job(job, &record, now) else { continue };
				if !batch.fits(&answer) {
					batch.send(&public);
				}
				batch.push(answer);
			}
			batch.send(&public);
		}
	}

	/// `worker`'s jobs it may answer now, grouped by model (the models in the order of their
	/// oldest job, each model's jobs oldest first), with their records.
	fn answerable_by_model(
		worker: &T::AccountId,
		now: BlockNumberFor<T>,
	) -> Vec<(JobId, JobOf<T>)> {
		let mut jobs: Vec<(JobId, JobOf<T>)> = Self::pending_jobs(worker)
			.into_iter()
			.filter_map(|job| Some((job, Jobs::<T>::get(job)?)))
			.filter(|(_, record)| {
				matches!(&record.status, JobStatus::Assigned { worker: assigned, deadline } if assigned == worker && *deadline >= now)
			})
			.collect();
		let mut models = Vec::new();
		for (_, record) in &jobs {
			if !models.contains(&record.content_id) {
				models.push(record.content_id);
			}
		}
		jobs.sort_by_key(|(job, record)| {
			(models.iter().position(|model| *model == record.content_id), *job)
		});
		jobs
	}

	/// Claims and computes the answer to `job` (assigned to a local key); `None` if another
	/// run claimed it, or this node cannot run it (the claim is then released, so that a
	/// later run may).
	fn answer_job(job: JobId, record: &JobOf<T>, now: BlockNumberFor<T>) -> Option<JobAnswerOf<T>> {
		let key = (CLAIM_PREFIX, job, record.attempts).encode();
		let mut claim = work_claim::<T, RESUBMIT_AFTER>(&key, now);
		let answering = claim.try_lock().ok()?;
		// Dropping `answering` releases the claim: nothing will be sent, so the next run (e.g.
		// after a restart with a backend) tries at once instead of waiting out the claim.
		let answer = Self::compute_answer(job, record)?;
		answering.forget();
		Some(match answer {
			Answer::Result(output, evidence) => JobAnswer::Result { job, output, evidence },
			Answer::Failure(reason) => JobAnswer::Failure { job, reason },
		})
	}

	/// Re-executes Optimistic results a local key could challenge (assigned ones first),
	/// and challenges those whose output disagrees with this node's.
	pub fn watch_provisional_results(now: BlockNumberFor<T>) {
		let keys = local_worker_keys_with_accounts::<T, T::AuthorityId>();
		if keys.is_empty() {
			return;
		}
		let mut assigned = Vec::new();
		let mut others = Vec::new();
		for (job, (answered_at, until)) in ChallengeableJobs::<T>::iter() {
			if until <= now {
				continue;
			}
			let Some(record) = Jobs::<T>::get(job) else { continue };
			let JobStatus::Provisional { worker, .. } = &record.status else { continue };
			// Which local keys serve the version is read once per job, and the watcher draw
			// (every voter's record) only for jobs some local key could check.
			let serving: Vec<_> = keys
				.iter()
				.filter(|(_, account)| {
					account != worker && T::Workers::serves(account, record.model, record.version)
				})
				.collect();
			let Some((first, _)) = serving.first() else { continue };
			let watchers = Self::watchers_of(job, &record, worker, answered_at);
			match serving.iter().find(|(_, account)| watchers.contains(account)) {
				Some((public, _)) => assigned.push((until, job, public.clone())),
				None => others.push((until, job, first.clone())),
			}
		}
		// A dispute in its commit phase may be joined by a serving key that is neither the
		// worker, a challenger nor a member.
		for (job, dispute) in Disputes::<T>::iter() {
			if now > dispute.commit_until {
				continue;
			}
			let Some(record) = Jobs::<T>::get(job) else { continue };
			let JobStatus::Disputed { worker, .. } = &record.status else { continue };
			if let Some((public, _)) = keys.iter().find(|(_, account)| {
				account != worker
					&& !dispute.committee.contains(account)
					&& !dispute.challengers.iter().any(|(who, _)| who == account)
					&& T::Workers::serves(account, record.model, record.version)
			}) {
				others.push((dispute.commit_until, job, public.clone()));
			}
		}
		assigned.sort_unstable_by_key(|(until, job, _)| (*until, *job));
		others.sort_unstable_by_key(|(until, job, _)| (*until, *job));
		for (_, job, public) in assigned.into_iter().take(MAX_ASSIGNED_CHECKS_PER_RUN) {
			Self::check_result(job, &public, now);
		}
		let mut checked = 0;
		for (_, job, public) in others {
			if checked >= MAX_CHECKS_PER_RUN {
				break;
			}
			checked += usize::from(Self::check_result(job, &public, now));
		}
	}

	/// The watchers assigned to `job`'s result, which landed in block `answered_at`: drawn
	/// by stake from the version's servers other than `worker`, with that block's hash
	/// (known from the next block on; none before).
	pub fn watchers_of(
		job: JobId,
		record: &JobOf<T>,
		worker: &T::AccountId,
		answered_at: BlockNumberFor<T>,
	) -> Vec<T::AccountId> {
		let hash = frame_system::Pallet::<T>::block_hash(answered_at);
		if hash == Default::default() {
			return Vec::new();
		}
		let mut candidates: Vec<_> = T::Workers::voters(record.model, record.version)
			.into_iter()
			.filter(|candidate| candidate.worker != *worker)
			.collect();
		let mut watchers = Vec::new();
		for seat in 0..WATCHERS_PER_RESULT {
			let seed =
				H256((b"verin/watch", job, seat, hash).using_encoded(sp_io::hashing::blake2_256));
			let Some(watcher) = Self::draw_with_seed(&candidates, seed) else { break };
			candidates.retain(|candidate| candidate.worker != watcher);
			watchers.push(watcher);
		}
		watchers
	}

	/// Re-executes `job`'s result once per claim and challenges it with `public`'s key if
	/// the outputs disagree. Returns whether it took a check.
	fn check_result(
		job: JobId,
		public: &<T as SigningTypes>::Public,
		now: BlockNumberFor<T>,
	) -> bool {
		let Some(record) = Jobs::<T>::get(job) else { return false };
		// Optimistic outputs are kept inline (`OutputTooLargeForTier`).
		let Some(answered) = record.output.as_ref().and_then(StoredPayload::inline) else {
			return false;
		};
		let key = (CHECK_PREFIX, job).encode();
		let mut claim = work_claim::<T, RESUBMIT_AFTER>(&key, now);
		let Ok(checking) = claim.try_lock() else { return false };
		let served = T::Models::served_model(record.model, Some(record.version));
		// No engine, or no model: dropping `checking` releases the claim, so that another
		// run, which may do better, is not blocked.
		let (Some(served), Some(own)) = (served, Self::re_execute(job, &record)) else {
			return true;
		};
		// Checked: whether it agrees or is challenged, this node has nothing more to do for
		// it while the claim holds.
		checking.forget();
		if compare::outputs_agree(
			&served.spec.determinism,
			&served.spec.schema.outputs,
			&answered,
			&own,
		) {
			return true;
		}
		log::info!(target: "runtime::inference", "job {job}: the result differs from this node's; challenging");
		send_signed::<T>(public, Call::challenge { job }, job, "challenge");
		true
	}

	/// Commits and then reveals a vote for every local key on a dispute's committee; the
	/// model runs once per dispute, however many local keys sit on its committee.
	pub fn vote_in_local_disputes(now: BlockNumberFor<T>) {
		let workers = local_worker_keys_with_accounts::<T, T::AuthorityId>();
		if workers.is_empty() {
			return;
		}
		for (job, dispute) in Disputes::<T>::iter() {
			if dispute.committee.is_empty() || dispute.deadline < now {
				continue;
			}
			let reveal_open =
				now > dispute.commit_until || dispute.commitments.len() == dispute.committee.len();
			let mut output = None;
			for (public, member) in &workers {
				if !dispute.committee.contains(member) {
					continue;
				}
				let secret_key = (SECRET_PREFIX, job, member).encode();
				let secret = StorageValueRef::persistent(&secret_key);
				if dispute.votes.iter().any(|(voter, _)| voter == member) {
					let mut secret = secret;
					secret.clear();
					continue;
				}
				let committed = dispute.commitments.iter().any(|(voter, _)| voter == member);
				if !committed && now <= dispute.commit_until {
					let key = (COMMIT_PREFIX, job, member).encode();
					let mut claim = work_claim::<T, RESUBMIT_AFTER>(&key, now);
					let Ok(committing) = claim.try_lock() else { continue };
					// A commitment resent after a dropped transaction keeps its salt: the
					// first one may still land.
					let stored: Option<(TensorPayload, [u8; 32])> = secret.get().ok().flatten();
					let (own, salt) = match stored {
						Some(stored) => stored,
						None => {
							if output.is_none() {
								output = Jobs::<T>::get(job)
									.and_then(|record| Self::re_execute(job, &record));
							}
							// No output to vote with: dropping `committing` releases the claim.
							let Some(own) = output.clone() else { continue };
							let salt = sp_io::offchain::random_seed();
							secret.set(&(own.clone(), salt));
							(own, salt)
						},
					};
					let commitment = vote_commitment(job, member, &own, &salt);
					send_signed::<T>(
						public,
						Call::vote { job, commitment },
						job,
						"vote commitment",
					);
					committing.forget();
				} else if committed && reveal_open {
					let Some((own, salt)) =
						secret.get::<(TensorPayload, [u8; 32])>().ok().flatten()
					else {
						log::warn!(target: "runtime::inference", "job {job}: no stored vote to reveal");
						continue;
					};
					let key = (REVEAL_PREFIX, job, member).encode();
					let mut claim = work_claim::<T, RESUBMIT_AFTER>(&key, now);
					let Ok(revealing) = claim.try_lock() else { continue };
					send_signed::<T>(
						public,
						Call::reveal_vote { job, output: own, salt },
						job,
						"vote reveal",
					);
					revealing.forget();
				}
			}
		}
	}

	/// This node's own output for a job; `None` when the node cannot run it.
	fn re_execute(job: JobId, record: &JobOf<T>) -> Option<TensorPayload> {
		let input = Self::job_input(job, record)
			.map_err(|error| {
				log::info!(target: "runtime::inference", "job {job}: no usable input to re-execute: {error:?}");
			})
			.ok()?;
		verin_inference::run(record.content_id.0, input)
			.map_err(|error| {
				log::info!(target: "runtime::inference", "model {:?} could not be re-executed: {error:?}", record.content_id);
			})
			.ok()
	}
}

/// Sends `call` about `job` (`what` names it in the log) signed by the local key `public`;
/// logs when no transaction left the node.
fn send_signed<T: Config>(
	public: &<T as SigningTypes>::Public,
	call: Call<T>,
	job: JobId,
	what: &str,
) {
	if !verin_pallet_support::send_signed::<T, T::AuthorityId, _>(public, call) {
		log::warn!(target: "runtime::inference", "job {job}: the {what} could not be submitted");
	}
}

/// Answers gathered for one `submit_answers`, with what they add up to.
struct AnswerBatch<T: Config> {
	answers: Vec<JobAnswerOf<T>>,
	bytes: usize,
	weight: Weight,
}

impl<T: Config> Default for AnswerBatch<T> {
	fn default() -> Self {
		Self { answers: Vec::new(), bytes: 0, weight: Pallet::<T>::answers_weight(&[]) }
	}
}

impl<T: Config> AnswerBatch<T> {
	/// Whether `answer` can join the batch without the call growing past its answer limit,
	/// [`MAX_ANSWER_BYTES_PER_CALL`], or [`MAX_ANSWER_WEIGHT_SHARE`] of the extrinsic
	/// weight limit (a call the pool refuses would leave every answer in it to miss its
	/// deadline). An empty batch takes any answer.
	fn fits(&self, answer: &JobAnswerOf<T>) -> bool {
		if self.answers.is_empty() {
			return true;
		}
		if self.answers.len() >= T::MaxAnswersPerCall::get() as usize
			|| self.bytes.saturating_add(answer.encoded_size()) > MAX_ANSWER_BYTES_PER_CALL
		{
			return false;
		}
		let limits = <T as frame_system::Config>::BlockWeights::get();
		let normal = limits.get(frame_support::dispatch::DispatchClass::Normal);
		let limit = normal.max_extrinsic.unwrap_or(limits.max_block);
		self.weight.saturating_add(Self::weight_of(answer)).all_lte(MAX_ANSWER_WEIGHT_SHARE * limit)
	}

	/// What `answer` adds to a batch's declared weight (which is linear in its answers).
	fn weight_of(answer: &JobAnswerOf<T>) -> Weight {
		Pallet::<T>::answers_weight(core::slice::from_ref(answer))
			.saturating_sub(Pallet::<T>::answers_weight(&[]))
	}

	fn push(&mut self, answer: JobAnswerOf<T>) {
		self.bytes = self.bytes.saturating_add(answer.encoded_size());
		self.weight = self.weight.saturating_add(Self::weight_of(&answer));
		self.answers.push(answer);
	}

	/// Sends the batch signed by `public`, and empties it. The claims of its jobs stay
	/// whether or not the pool takes it: answers refused are sent again after
	/// `RESUBMIT_AFTER` blocks, like dropped ones.
	fn send(&mut self, public: &<T as SigningTypes>::Public) {
		let answers = core::mem::take(&mut self.answers);
		*self = Self::default();
		let Some(first) = answers.first().map(JobAnswer::job) else { return };
		let call = Call::submit_answers { answers: BoundedVec::truncate_from(answers) };
		send_signed::<T>(public, call, first, "answer");
	}
}

impl<T: Config> Pallet<T> {
	/// Runs the job's model and decides the answer; `None` when this node cannot run models
	/// (or, for a TEE job, has no enclave).
	pub fn compute_answer(job: JobId, record: &JobOf<T>) -> Option<Answer<T>> {
		let served = T::Models::served_model(record.model, Some(record.version));
		let input = match Self::job_input(job, record) {
			Ok(input) => input,
			Err(error) => {
				log::warn!(target: "runtime::inference", "job {job}: input unavailable: {error:?}");
				return Some(Answer::Failure(FailureReason::InputUnavailable));
			},
		};
		let computed = match record.tier {
			// An Optimistic result's evidence is the worker's bond: no bytes, as for Vanilla.
			Tier::Vanilla | Tier::Optimistic => verin_inference::run(record.content_id.0, input)
				.map(|output| (output, alloc::vec::Vec::new())),
			Tier::Zk => {
				let Some(digest) = served.as_ref().and_then(|served| served.circuit_digest) else {
					return Some(Answer::Failure(FailureReason::EvidenceUnavailable));
				};
				verin_inference::prove(record.content_id.0, digest.0, input)
					.map(|proven| (proven.output, proven.proof))
			},
			// The enclave runs the model itself and signs its own output for this job on the
			// chain its node follows: the runtime gets no signature over bytes of its choosing.
			Tier::Tee => {
				verin_worker_primitives::verin_tee::run_and_sign(job, record.content_id.0, input)
					.map(|signed| (signed.output, signed.signature.to_vec()))
					.map_err(|error| match error {
						TeeError::Inference(error) => error,
						TeeError::Unavailable | TeeError::AttestationFailed => {
							InferenceError::Unavailable
						},
					})
			},
		};
		let (output, evidence) = match computed {
			Ok(computed) => computed,
			Err(error) => {
				log::info!(target: "runtime::inference", "model {:?} failed: {error:?}", record.content_id);
				return error.failure_reason().map(Answer::Failure);
			},
		};
		let Ok(evidence) = BoundedVec::try_from(evidence) else {
			return Some(Answer::Failure(FailureReason::EvidenceUnavailable));
		};
		let fits =
			served.is_some_and(|served| Self::check_output(&served, record, &output).is_ok());
		Some(if fits {
			Answer::Result(output, evidence)
		} else {
			Answer::Failure(FailureReason::OutputMismatch)
		})
	}
}

impl<T: Config> Pallet<T> {
	/// `job`'s input: from state when inline, else from this node's offchain store (written
	/// there by offchain indexing when the request was imported), checked against its hash.
	pub fn job_input(job: JobId, record: &JobOf<T>) -> Result<TensorPayload, PayloadReadError> {
		let indexed = match &record.input {
			StoredPayload::Inline(_) => None,
			StoredPayload::Indexed { hash, .. } => sp_io::offchain::local_storage_get(
				sp_core::offchain::StorageKind::PERSISTENT,
				&offchain_payload_key(job, PayloadRole::Input, hash),
			),
		};
		resolve_payload(&record.input, indexed)
	}
}

/// The block at which this node claimed assignment `attempt` of `job`, if it did (for tests
/// and tools). The claim stays stored after it expires.
pub fn claimed<N: Decode>(job: JobId, attempt: u32) -> Option<N> {
	StorageValueRef::persistent(&(CLAIM_PREFIX, job, attempt).encode()).get().ok().flatten()
}
