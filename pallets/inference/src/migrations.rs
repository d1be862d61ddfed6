//! Storage migrations of `pallet-inference`, one module per storage version.

/// Version 0 to 1: timers became spans of job ids, and pending jobs one list per worker.
pub mod v1 {
	use crate::{Config, JobId, Pallet, PendingJobs, Timers};
	use alloc::{collections::BTreeMap, vec::Vec};
	use frame_support::{
		migrations::VersionedMigration, pallet_prelude::*, storage_alias,
		traits::UncheckedOnRuntimeUpgrade,
	};

	/// `PendingJobs` at version 0: a `(worker, job)` entry per pending job.
	#[storage_alias]
	type OldPendingJobs<T: Config> = StorageDoubleMap<
		Pallet<T>,
		Blake2_128Concat,
		<T as frame_system::Config>::AccountId,
		Twox64Concat,
		JobId,
		(),
	>;

	/// Rewrites every version-0 entry: a timer `(block, job) -> ()` stands for that one job
	/// (span 1); a worker's `(worker, job)` entries become its list, oldest first.
	pub struct InnerMigrateV0ToV1<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV0ToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut timers = 0u64;
			Timers::<T>::translate_values::<(), _>(|()| {
				timers += 1;
				Some(1)
			});
			let mut lists: BTreeMap<T::AccountId, Vec<JobId>> = BTreeMap::new();
			let mut pending = 0u64;
			for (worker, job, ()) in OldPendingJobs::<T>::drain() {
				pending += 1;
				lists.entry(worker).or_default().push(job);
			}
			let workers = lists.len() as u64;
			for (worker, mut jobs) in lists {
				jobs.sort_unstable();
				PendingJobs::<T>::insert(worker, BoundedVec::truncate_from(jobs));
			}
			T::DbWeight::get().reads_writes(
				timers.saturating_add(pending),
				timers.saturating_add(pending + workers),
			)
		}
	}

	/// [`InnerMigrateV0ToV1`], run once: only while the pallet's storage version is 0.
	pub type MigrateV0ToV1<T> = VersionedMigration<
		0,
		1,
		InnerMigrateV0ToV1<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;

	#[cfg(test)]
	mod tests {
		use super::*;
		use crate::mock::*;
		use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};

		#[test]
		fn version_0_timers_and_pending_jobs_keep_every_job() {
			new_test_ext().execute_with(|| {
				StorageVersion::new(0).put::<Pallet<Test>>();
				// Version 0's value of a timer is `()`: no bytes.
				frame_support::storage::unhashed::put_raw(
					&Timers::<Test>::hashed_key_for(7u64, 3u64),
					&[],
				);
				frame_support::storage::unhashed::put_raw(
					&Timers::<Test>::hashed_key_for(7u64, 5u64),
					&[],
				);
				OldPendingJobs::<Test>::insert(WORKER_A, 5, ());
				OldPendingJobs::<Test>::insert(WORKER_A, 3, ());
				OldPendingJobs::<Test>::insert(WORKER_B, 4, ());

				MigrateV0ToV1::<Test>::on_runtime_upgrade();

				let mut timers: Vec<_> = Timers::<Test>::iter_prefix(7).collect();
				timers.sort_unstable();
				assert_eq!(timers, vec![(3, 1), (5, 1)]);
				assert_eq!(Pallet::<Test>::pending_jobs(&WORKER_A), vec![3, 5]);
				assert_eq!(Pallet::<Test>::pending_jobs(&WORKER_B), vec![4]);
				assert_eq!(OldPendingJobs::<Test>::iter().count(), 0);
				assert_eq!(Pallet::<Test>::on_chain_storage_version(), 1);
			});
		}
	}
}
