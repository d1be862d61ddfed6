//! Settlement of final results: a job's fee goes out of the requester's hold to the worker,
//! the model's owner and the treasury, and what is left back to the requester.
//!
//! Results settle in [`Settlements`]: a job is completed at once, and the fees of all the
//! jobs completed together are paid in one transfer per (requester, payee) pair. A worker's
//! `submit_answers` of 16 jobs from one dapp moves money four times, not 64; a single
//! result is a settlement of one job. Each job's `JobCompleted` reports what its own fee
//! paid: a transfer that fails (the payee would stay below the existential deposit, or is
//! the requester) leaves every share it carried with the requester, as refunds.

use super::*;
use alloc::collections::BTreeMap;

/// A job completed in a [`Settlements`], whose fee is not paid yet.
struct Owed<T: Config> {
	job: JobId,
	requester: T::AccountId,
	worker: T::AccountId,
	owner: T::AccountId,
	fee: FeeBreakdown<BalanceOf<T>>,
}

/// Jobs completed together whose fees are paid together (see the module docs).
pub(crate) struct Settlements<T: Config> {
	owed: Vec<Owed<T>>,
}

impl<T: Config> Settlements<T> {
	pub(crate) fn new() -> Self {
		Self { owed: Vec::new() }
	}

	/// Completes `job` with `worker`'s result now; its fee is paid by [`Self::pay_out`].
	pub(crate) fn complete(&mut self, job: JobId, record: &mut JobOf<T>, worker: T::AccountId) {
		let now = frame_system::Pallet::<T>::block_number();
		Pallet::<T>::release_exposure(record, &worker);
		record.status = JobStatus::Completed { worker: worker.clone(), at: now };
		Pallet::<T>::job_ended(record.model);
		self.owed.push(Owed {
			job,
			requester: record.requester.clone(),
			worker,
			owner: record.royalty_to.clone(),
			fee: record.fee,
		});
	}

	/// Pays every completed job's fee out of its requester's hold, one transfer per
	/// (requester, payee) pair, returns the rest, and reports each job's `JobCompleted`.
	pub(crate) fn pay_out(self) {
		let treasury = T::TreasuryAccount::get();
		let mut due: BTreeMap<(T::AccountId, T::AccountId), BalanceOf<T>> = BTreeMap::new();
		for owed in &self.owed {
			for (payee, amount) in [
				(&owed.worker, owed.fee.worker),
				(&owed.owner, owed.fee.royalty),
				(&treasury, owed.fee.treasury),
			] {
				let total = due.entry((owed.requester.clone(), payee.clone())).or_default();
				*total = total.saturating_add(amount);
			}
		}
		let paid: BTreeMap<(T::AccountId, T::AccountId), bool> = due
			.into_iter()
			.map(|((requester, payee), amount)| {
				let paid = Pallet::<T>::pay(HoldReason::JobFee, &requester, &payee, amount);
				((requester, payee), paid == amount && !amount.is_zero())
			})
			.collect();
		let share = |owed: &Owed<T>, payee: &T::AccountId, amount: BalanceOf<T>| {
			let went = paid.get(&(owed.requester.clone(), payee.clone())).copied();
			if went.unwrap_or(false) {
				amount
			} else {
				Zero::zero()
			}
		};
		let mut returned: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut completed = Vec::with_capacity(self.owed.len());
		for owed in &self.owed {
			let paid_worker = share(owed, &owed.worker, owed.fee.worker);
			let royalty = share(owed, &owed.owner, owed.fee.royalty);
			let to_treasury = share(owed, &treasury, owed.fee.treasury);
			let refunded = owed
				.fee
				.total
				.saturating_sub(paid_worker)
				.saturating_sub(royalty)
				.saturating_sub(to_treasury);
			let rest = returned.entry(owed.requester.clone()).or_default();
			*rest = rest.saturating_add(refunded);
			completed.push((paid_worker, royalty, to_treasury, refunded));
		}
		for (requester, amount) in returned {
			Pallet::<T>::release(&requester, amount);
		}
		for (owed, (paid_worker, royalty, treasury, refunded)) in
			self.owed.into_iter().zip(completed)
		{
			Pallet::<T>::deposit_event(Event::JobCompleted {
				job: owed.job,
				worker: owed.worker,
				paid_worker,
				royalty,
				treasury,
				refunded,
			});
		}
	}
}
