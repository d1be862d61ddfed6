//! The timers `on_initialize` runs: deadlines (reassign or refund), challenge windows
//! (settle a provisional result), committee draws, voting deadlines (decide a dispute) and
//! retention ends (delete an ended job).
//!
//! Every job has one live timer from its request until it is deleted, in block
//! `next_timer`: the deadline of its current assignment, then the end of its challenge
//! window, its committee draw and voting deadline, or its retention. The jobs of one
//! `request_batch` share one entry (a span of job ids). Moving a timer removes the job's own
//! entry; a span it shares stays (it cannot be split when one of its jobs moves) and fires
//! for that job without effect (`fire` checks `next_timer`).
//! A block takes any number of timers: scheduling
//! never fails, whoever fills a block, and no job is ever left without an outcome or a
//! deletion. `on_initialize` handles at most `TimerBudget` per block, oldest block first;
//! the rest waits for the next block (a cursor walks the blocks).

use super::*;
use frame_support::dispatch::DispatchClass;

impl<T: Config> Pallet<T> {
	/// Handles due timers, oldest block first, at most `TimerBudget` jobs and as many
	/// buckets. Timers left over stay in their bucket, and the cursor waits there.
	pub(crate) fn run_timers(now: BlockNumberFor<T>) -> Weight {
		let budget = T::TimerBudget::get();
		let mut cursor = TimerCursor::<T>::get().unwrap_or(now);
		let (mut handled, mut buckets) = (0u32, 0u32);
		let mut beyond_benchmark = Weight::zero();
		while cursor <= now && handled < budget && buckets < budget {
			buckets += 1;
			let room = (budget - handled) as usize;
			// One more than there is room for tells whether the block is done: every entry
			// stands for one job at least.
			let due: Vec<(JobId, u32)> = Timers::<T>::iter_prefix(cursor).take(room + 1).collect();
			let mut finished = due.len() <= room;
			// Timers only ever go to later blocks than `now`, so this block's entries are not
			// written while its jobs are handled, except for what is left of a span.
			for (first, span) in due {
				if span == 0 {
					// Stands for no job: nothing to keep it for.
					Timers::<T>::remove(cursor, first);
					continue;
				}
				let take = span.min(budget - handled);
				if take == 0 {
					finished = false;
					break;
				}
				Timers::<T>::remove(cursor, first);
				for job in first..first.saturating_add(take.into()) {
					beyond_benchmark.saturating_accrue(Self::fire(job, cursor, now));
					handled += 1;
				}
				if take < span {
					Self::add_timer(cursor, first.saturating_add(take.into()), span - take);
					finished = false;
					break;
				}
			}
			if !finished {
				break;
			}
			cursor.saturating_inc();
		}
		TimerCursor::<T>::put(cursor);
		let buckets_and_cursor =
			T::DbWeight::get().reads_writes(u64::from(buckets) + 1, u64::from(buckets) + 1);
		// The benchmark's fit over 0..=TimerBudget jobs has a large intercept (its setup
		// warms dozens of workers); a block without due jobs only touches buckets and cursor.
		if handled == 0 {
			buckets_and_cursor
		} else {
			T::WeightInfo::on_initialize_timers(handled)
				.saturating_add(beyond_benchmark)
				.saturating_add(buckets_and_cursor)
		}
	}

	/// Handles one timer; returns the weight it took beyond the deadline the timer
	/// benchmark measures: a decided dispute, or a TEE job's reassignment (its matching
	/// reads every candidate's enclave).
	fn fire(job: JobId, bucket: BlockNumberFor<T>, now: BlockNumberFor<T>) -> Weight {
		let Some(mut record) = Jobs::<T>::get(job) else { return Weight::zero() };
		if record.next_timer != bucket {
			return Weight::zero();
		}
		match record.status.clone() {
			JobStatus::Assigned { worker, deadline } if deadline < now => {
				// The deadline block is the last that could carry the answer.
				if Self::congested_through(deadline) {
					let deadline = now.saturating_add(record.response_blocks);
					Self::set_timer(job, &mut record, deadline.saturating_add(One::one()));
					record.status = JobStatus::Assigned { worker: worker.clone(), deadline };
					Jobs::<T>::insert(job, record);
					Self::deposit_event(Event::DeadlineExtended { job, worker, deadline });
					return Weight::zero();
				}
				let tier = record.tier;
				Self::deadline_missed(job, record, worker, now);
				return T::Workers::tier_check_weight(tier);
			},
			JobStatus::Provisional { worker, until } if until <= now => {
				if let Some((answered_at, _)) = ChallengeableJobs::<T>::get(job) {
					// A challenge lands before `until`.
					if Self::congested_through(until.saturating_sub(One::one())) {
						let period = until.saturating_sub(answered_at).max(One::one());
						let until = now.saturating_add(period);
						Self::set_timer(job, &mut record, until);
						record.status = JobStatus::Provisional { worker, until };
						Jobs::<T>::insert(job, record);
						ChallengeableJobs::<T>::insert(job, (answered_at, until));
						Self::deposit_event(Event::ChallengeWindowExtended { job, until });
						return Weight::zero();
					}
				}
				ChallengeableJobs::<T>::remove(job);
				Self::settle(job, &mut record, worker);
				Self::schedule_pruning(job, &mut record, now);
				Jobs::<T>::insert(job, record);
			},
			JobStatus::Disputed { deadline, .. } if deadline < now => {
				if Self::extend_voting_if_congested(job, &mut record, now) {
					return Weight::zero();
				}
				Self::voting_ended(job, record, now);
				return T::WeightInfo::decide_dispute();
			},
			JobStatus::Disputed { .. } => {
				Self::draw_dispute_committee(job, record, now);
				return T::WeightInfo::challenge(T::Workers::max_candidates())
					.saturating_add(T::WeightInfo::decide_dispute());
			},
			status => match status.ended_at() {
				Some(at) if now >= at.saturating_add(T::ResultRetention::get()) => {
					Jobs::<T>::remove(job);
					Self::forget_payloads(job, &record);
					Self::deposit_event(Event::JobPruned { job });
				},
				Some(at) => {
					Self::schedule_pruning(job, &mut record, at);
					Jobs::<T>::insert(job, record);
				},
				// Not reachable: an open job's live timer is its deadline or window end.
				None => {},
			},
		}
		Weight::zero()
	}

	/// Whether a window whose last block is `last` ended congested. A transaction in the
	/// pool is kept out of a window only if the blocks up to its end are full, so a window
	/// whose last block was congested is extended: filling blocks then costs a full block's
	/// fee per block and delays a job, but cannot make an honest worker miss its deadline or
	/// shut challenges out of a window.
	fn congested_through(last: BlockNumberFor<T>) -> bool {
		LastCongestedBlock::<T>::get().is_some_and(|congested| congested >= last)
	}

	/// A dispute's votes are due: when congestion may have kept some out, gives the
	/// committee another phase instead of deciding. A commit phase that ended congested with
	/// commitments missing starts again (with a reveal phase after it); a reveal phase that
	/// ended congested with reveals missing runs again. Returns whether it did.
	fn extend_voting_if_congested(
		job: JobId,
		record: &mut JobOf<T>,
		now: BlockNumberFor<T>,
	) -> bool {
		let Some(mut dispute) = Disputes::<T>::get(job) else { return false };
		let JobStatus::Disputed { worker, challenger, .. } = record.status.clone() else {
			return false;
		};
		let members = dispute.committee.len();
		let commits_kept_out =
			dispute.commitments.len() < members && Self::congested_through(dispute.commit_until);
		let reveals_kept_out =
			dispute.votes.len() < members && Self::congested_through(dispute.deadline);
		if commits_kept_out {
			dispute.commit_until = now.saturating_add(T::VotingBlocks::get());
		} else if !reveals_kept_out {
			return false;
		}
		dispute.deadline = dispute.commit_until.max(now).saturating_add(T::RevealBlocks::get());
		let (commit_until, deadline) = (dispute.commit_until, dispute.deadline);
		Disputes::<T>::insert(job, dispute);
		Self::set_timer(job, record, deadline.saturating_add(One::one()));
		record.status = JobStatus::Disputed { worker, challenger, deadline };
		Jobs::<T>::insert(job, record.clone());
		Self::deposit_event(Event::VotingExtended { job, commit_until, deadline });
		true
	}

	/// Whether this block's normal class is filled past `CongestionThreshold`, by weight or
	/// by length.
	pub(crate) fn block_congested() -> bool {
		let threshold = T::CongestionThreshold::get();
		let weights = <T as frame_system::Config>::BlockWeights::get();
		let normal = weights.get(DispatchClass::Normal);
		let limit = normal.max_total.unwrap_or(weights.max_block);
		let used = *frame_system::BlockWeight::<T>::get().get(DispatchClass::Normal);
		let full_by_weight = used.ref_time() >= threshold * limit.ref_time()
			|| used.proof_size() >= threshold * limit.proof_size();
		let length_limit =
			*<T as frame_system::Config>::BlockLength::get().max.get(DispatchClass::Normal);
		let full_by_length = frame_system::Pallet::<T>::block_size() >= threshold * length_limit;
		full_by_weight || full_by_length
	}

	/// The assigned worker let the deadline pass: penalise and suspend it, then give the job
	/// to another eligible worker if attempts are left, or refund the requester.
	fn deadline_missed(
		job: JobId,
		mut record: JobOf<T>,
		worker: T::AccountId,
		now: BlockNumberFor<T>,
	) {
		Self::remove_pending(&worker, job);
		T::Workers::job_released(&worker, false);
		Self::release_exposure(&record, &worker);
		let penalty = T::Workers::slash(
			&worker,
			T::MissPenalty::get(),
			&T::TreasuryAccount::get(),
			SlashReason::MissedDeadline,
		);
		T::Workers::suspend(&worker);
		Self::deposit_event(Event::DeadlineMissed { job, worker: worker.clone(), penalty });

		if Self::reassign(job, &mut record, &worker, now) {
			Jobs::<T>::insert(job, record);
			return;
		}

		let refunded = Self::refund(&record);
		// Refunded in full, so nothing paid for the bytes on every node: they go now.
		Self::forget_payloads(job, &record);
		record.status = JobStatus::Expired { at: now };
		Self::job_ended(record.model);
		Self::schedule_pruning(job, &mut record, now);
		Jobs::<T>::insert(job, record);
		Self::deposit_event(Event::JobExpired { job, refunded });
	}

	/// Gives `job` to another eligible worker than `previous` (which missed or refused it),
	/// if attempts are left: a new deadline and its timer. Returns whether it did.
	pub(crate) fn reassign(
		job: JobId,
		record: &mut JobOf<T>,
		previous: &T::AccountId,
		now: BlockNumberFor<T>,
	) -> bool {
		if record.attempts >= T::MaxAttempts::get() {
			return false;
		}
		let candidates: Vec<_> = T::Workers::candidates(record.model, record.version, record.tier)
			.into_iter()
			.filter(|candidate| candidate.worker != *previous)
			.collect();
		let Some(next) = Self::draw(&candidates, job, record.attempts) else { return false };
		if Self::add_pending(&next, job).is_err() {
			return false;
		}
		let deadline = now.saturating_add(record.response_blocks);
		Self::set_timer(job, record, deadline.saturating_add(One::one()));
		record.attempts.saturating_inc();
		record.status = JobStatus::Assigned { worker: next.clone(), deadline };
		T::Workers::job_assigned(&next, record.tier);
		Self::deposit_event(Event::JobAssigned { job, worker: next, deadline });
		true
	}

	/// Schedules the deletion of an ended job, `ResultRetention` blocks after it ended.
	pub(crate) fn schedule_pruning(job: JobId, record: &mut JobOf<T>, ended_at: BlockNumberFor<T>) {
		Self::set_timer(job, record, ended_at.saturating_add(T::ResultRetention::get()));
	}
}
