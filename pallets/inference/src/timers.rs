//! The timers `on_initialize` runs: deadlines (reassign or refund), challenge windows
//! (settle a provisional result), voting deadlines (decide a dispute) and retention ends
//! (delete an ended job).
//!
//! Every job has exactly one live timer from its request until it is deleted, in block
//! `next_timer`: the deadline timer of its current assignment, then the one that ends its
//! challenge window or its retention. So no job is ever left without an outcome, and no
//! record lingers. A timer replaced early (a result answered before the deadline and
//! opening a challenge window) stays in its old bucket as a stale entry and is skipped.

use super::*;

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
			let mut due = Timers::<T>::take(cursor).into_inner();
			let room = (budget - handled) as usize;
			let rest = if due.len() > room { due.split_off(room) } else { Vec::new() };
			for job in due {
				beyond_benchmark.saturating_accrue(Self::fire(job, cursor, now));
				handled += 1;
			}
			if !rest.is_empty() {
				// Timers only ever go to later blocks than `now`, so this bucket is not
				// written while its jobs are handled: putting the rest back loses nothing.
				let rest = BoundedVec::truncate_from(rest);
				Timers::<T>::insert(cursor, rest);
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
				let tier = record.tier;
				Self::deadline_missed(job, record, worker, now);
				return T::Workers::tier_check_weight(tier);
			},
			JobStatus::Provisional { worker, until } if until <= now => {
				ChallengeableJobs::<T>::remove(job);
				Self::settle(job, &mut record, worker);
				Self::schedule_pruning(job, &mut record, now);
				Jobs::<T>::insert(job, record);
			},
			JobStatus::Disputed { deadline, .. } if deadline < now => {
				Self::voting_ended(job, record, now);
				return T::WeightInfo::decide_dispute();
			},
			status => match status.ended_at() {
				Some(at) if now >= at.saturating_add(T::ResultRetention::get()) => {
					Jobs::<T>::remove(job);
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

	/// The assigned worker let the deadline pass: penalise and suspend it, then give the job
	/// to another eligible worker if attempts are left, or refund the requester.
	fn deadline_missed(
		job: JobId,
		mut record: JobOf<T>,
		worker: T::AccountId,
		now: BlockNumberFor<T>,
	) {
		PendingJobs::<T>::remove(&worker, job);
		T::Workers::job_released(&worker, false);
		let penalty = T::Workers::slash(
			&worker,
			T::MissPenalty::get(),
			&T::TreasuryAccount::get(),
			SlashReason::MissedDeadline,
		);
		T::Workers::suspend(&worker);
		Self::deposit_event(Event::DeadlineMissed { job, worker: worker.clone(), penalty });

		if record.attempts < T::MaxAttempts::get() {
			let candidates: Vec<_> =
				T::Workers::candidates(record.model, record.version, record.tier)
					.into_iter()
					.filter(|candidate| candidate.worker != worker)
					.collect();
			if let Some(next) = Self::draw(&candidates, job, record.attempts) {
				if let Some(deadline) =
					Self::schedule_deadline(now.saturating_add(record.response_blocks), job)
				{
					record.next_timer = deadline.saturating_add(One::one());
					record.attempts.saturating_inc();
					record.status = JobStatus::Assigned { worker: next.clone(), deadline };
					PendingJobs::<T>::insert(&next, job, ());
					T::Workers::job_assigned(&next);
					Jobs::<T>::insert(job, record);
					Self::deposit_event(Event::JobAssigned { job, worker: next, deadline });
					return;
				}
			}
		}

		let refunded = Self::refund(&record);
		record.status = JobStatus::Expired { at: now };
		Self::job_ended(record.model);
		Self::schedule_pruning(job, &mut record, now);
		Jobs::<T>::insert(job, record);
		Self::deposit_event(Event::JobExpired { job, refunded });
	}

	/// Schedules the deadline timer of a new assignment, moving the deadline a few blocks
	/// later if its block is full; `None` if every block tried was full.
	fn schedule_deadline(deadline: BlockNumberFor<T>, job: JobId) -> Option<BlockNumberFor<T>> {
		Self::schedule_from(deadline.saturating_add(One::one()), job)
			.map(|timer| timer.saturating_sub(One::one()))
	}

	pub(crate) fn schedule_pruning(job: JobId, record: &mut JobOf<T>, ended_at: BlockNumberFor<T>) {
		if let Some(at) =
			Self::schedule_from(ended_at.saturating_add(T::ResultRetention::get()), job)
		{
			record.next_timer = at;
			return;
		}
		// Nothing is held for an ended job: if every bucket tried is full, the record stays.
		log::warn!(target: "runtime::inference", "job {job}: no room to schedule its deletion");
	}

	/// Adds `job` to the timers of the first block from `at` with room, trying
	/// [`SCHEDULE_PROBES`] blocks; returns that block, or `None` if all were full.
	fn schedule_from(at: BlockNumberFor<T>, job: JobId) -> Option<BlockNumberFor<T>> {
		let mut block = at;
		for _ in 0..SCHEDULE_PROBES {
			if Self::schedule(block, job).is_ok() {
				return Some(block);
			}
			block.saturating_inc();
		}
		None
	}
}

/// How many consecutive blocks the hooks try when a timer's block is full.
const SCHEDULE_PROBES: u32 = 16;
