//! Benchmarks of `pallet-workers`: every call at its worst case.

use super::*;
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;
use sp_runtime::SaturatedConversion;

fn funded<T: Config>(who: &T::AccountId) {
	let plenty: BalanceOf<T> = u64::MAX.saturated_into();
	let _ = T::Currency::set_balance(who, plenty);
}

/// `count` published versions, each already served by `MaxWorkersPerModel - 1` other
/// workers, so adding to or removing from their server lists is as costly as it gets.
fn crowded_versions<T: Config>(
	count: u32,
	offset: u32,
) -> BoundedVec<ServedVersion, T::MaxModelsPerWorker> {
	let versions: Vec<ServedVersion> = (0..count)
		.map(|index| {
			let served = T::BenchmarkHelper::published_version(offset + index);
			let others: Vec<T::AccountId> = (0..T::MaxWorkersPerModel::get().saturating_sub(1))
				.map(|n| account("server", n, offset + index))
				.collect();
			Servers::<T>::insert(served.model, served.version, BoundedVec::truncate_from(others));
			served
		})
		.collect();
	BoundedVec::truncate_from(versions)
}

fn all_tiers() -> TierSet {
	Tier::ALL.into_iter().collect()
}

fn registered<T: Config>(who: &T::AccountId, models: u32) {
	funded::<T>(who);
	let served = crowded_versions::<T>(models, 0);
	let stake = T::MinStake::get().saturating_mul(4u32.into());
	Pallet::<T>::register(RawOrigin::Signed(who.clone()).into(), stake, all_tiers(), served)
		.expect("registration with funds and published versions succeeds");
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register(m: Linear<1, { T::MaxModelsPerWorker::get() }>) {
		let caller: T::AccountId = whitelisted_caller();
		funded::<T>(&caller);
		let served = crowded_versions::<T>(m, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), T::MinStake::get(), all_tiers(), served);
		assert!(Registered::<T>::contains_key(&caller));
	}

	#[benchmark]
	fn bond_extra() {
		let caller: T::AccountId = whitelisted_caller();
		registered::<T>(&caller, 1);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), T::MinStake::get());
		assert_eq!(
			Registered::<T>::get(&caller).unwrap().stake,
			T::MinStake::get().saturating_mul(5u32.into())
		);
	}

	#[benchmark]
	fn set_models(
		r: Linear<1, { T::MaxModelsPerWorker::get() }>,
		a: Linear<1, { T::MaxModelsPerWorker::get() }>,
	) {
		let caller: T::AccountId = whitelisted_caller();
		registered::<T>(&caller, r);
		let new = crowded_versions::<T>(a, T::MaxModelsPerWorker::get());
		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), new.clone());
		assert_eq!(Registered::<T>::get(&caller).unwrap().models, new);
	}

	#[benchmark]
	fn set_tiers() {
		let caller: T::AccountId = whitelisted_caller();
		registered::<T>(&caller, 1);
		let vanilla: TierSet = [Tier::Vanilla].into_iter().collect();
		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), vanilla);
		assert_eq!(Registered::<T>::get(&caller).unwrap().tiers, vanilla);
	}

	#[benchmark]
	fn go_online() {
		let caller: T::AccountId = whitelisted_caller();
		registered::<T>(&caller, 1);
		Pallet::<T>::go_offline(RawOrigin::Signed(caller.clone()).into()).expect("online");
		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()));
		assert!(Registered::<T>::get(&caller).unwrap().online);
	}

	#[benchmark]
	fn go_offline() {
		let caller: T::AccountId = whitelisted_caller();
		registered::<T>(&caller, 1);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()));
		assert!(!Registered::<T>::get(&caller).unwrap().online);
	}

	#[benchmark]
	fn heartbeat() {
		let caller: T::AccountId = whitelisted_caller();
		registered::<T>(&caller, 1);
		frame_system::Pallet::<T>::set_block_number(10u32.into());
		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()));
		assert_eq!(Registered::<T>::get(&caller).unwrap().last_seen, 10u32.into());
	}

	#[benchmark]
	fn unbond() {
		let caller: T::AccountId = whitelisted_caller();
		registered::<T>(&caller, 1);
		// Adding to stake already unbonding is the longer path.
		Pallet::<T>::unbond(RawOrigin::Signed(caller.clone()).into(), T::MinStake::get())
			.expect("stake stays above the minimum");
		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), T::MinStake::get());
		let info = Registered::<T>::get(&caller).unwrap();
		assert_eq!(info.unbonding.unwrap().amount, T::MinStake::get().saturating_mul(2u32.into()));
	}

	/// Worst case: the last stake is released and the worker leaves every server list.
	#[benchmark]
	fn withdraw_unbonded(m: Linear<1, { T::MaxModelsPerWorker::get() }>) {
		let caller: T::AccountId = whitelisted_caller();
		registered::<T>(&caller, m);
		let stake = Registered::<T>::get(&caller).unwrap().stake;
		Pallet::<T>::unbond(RawOrigin::Signed(caller.clone()).into(), stake).expect("unbond all");
		frame_system::Pallet::<T>::set_block_number(
			frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get()),
		);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()));
		assert!(!Registered::<T>::contains_key(&caller));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
