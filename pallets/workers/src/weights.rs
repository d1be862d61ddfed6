//! Weights of `pallet_workers`. PROVISIONAL: estimates until `scripts/bench-weights.sh pallet_workers`
//! regenerates this file from the pallet's benchmarks.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::RocksDbWeight, Weight}};

/// Weight functions of `pallet_workers`.
pub trait WeightInfo {
	fn register(m: u32, ) -> Weight;
	fn bond_extra() -> Weight;
	fn set_models(r: u32, a: u32, ) -> Weight;
	fn set_tiers() -> Weight;
	fn go_online() -> Weight;
	fn go_offline() -> Weight;
	fn heartbeat() -> Weight;
	fn unbond() -> Weight;
	fn withdraw_unbonded(m: u32, ) -> Weight;
}

/// Weights for the Verin runtime.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register(m: u32, ) -> Weight {
		Weight::from_parts(60_000_000, 8000)
			.saturating_add(Weight::from_parts(10_000_000, 0).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads_writes(1, 1).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(40_000_000, 8000)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	fn set_models(r: u32, a: u32, ) -> Weight {
		Weight::from_parts(30_000_000, 8000)
			.saturating_add(Weight::from_parts(10_000_000, 0).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads_writes(1, 1).saturating_mul(r.into()))
			.saturating_add(Weight::from_parts(10_000_000, 0).saturating_mul(a.into()))
			.saturating_add(T::DbWeight::get().reads_writes(1, 1).saturating_mul(a.into()))
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn set_tiers() -> Weight {
		Weight::from_parts(20_000_000, 8000)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn go_online() -> Weight {
		Weight::from_parts(20_000_000, 8000)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn go_offline() -> Weight {
		Weight::from_parts(20_000_000, 8000)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn heartbeat() -> Weight {
		Weight::from_parts(15_000_000, 8000)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn unbond() -> Weight {
		Weight::from_parts(25_000_000, 8000)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn withdraw_unbonded(m: u32, ) -> Weight {
		Weight::from_parts(50_000_000, 8000)
			.saturating_add(Weight::from_parts(5_000_000, 0).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads_writes(1, 1).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
}

/// For tests: RocksDB's reference costs.
impl WeightInfo for () {
	fn register(m: u32, ) -> Weight {
		Weight::from_parts(60_000_000, 8000)
			.saturating_add(Weight::from_parts(10_000_000, 0).saturating_mul(m.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(1, 1).saturating_mul(m.into()))
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().writes(2))
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(40_000_000, 8000)
			.saturating_add(RocksDbWeight::get().reads(2))
			.saturating_add(RocksDbWeight::get().writes(2))
	}
	fn set_models(r: u32, a: u32, ) -> Weight {
		Weight::from_parts(30_000_000, 8000)
			.saturating_add(Weight::from_parts(10_000_000, 0).saturating_mul(r.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(1, 1).saturating_mul(r.into()))
			.saturating_add(Weight::from_parts(10_000_000, 0).saturating_mul(a.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(1, 1).saturating_mul(a.into()))
			.saturating_add(RocksDbWeight::get().reads(1))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn set_tiers() -> Weight {
		Weight::from_parts(20_000_000, 8000)
			.saturating_add(RocksDbWeight::get().reads(1))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn go_online() -> Weight {
		Weight::from_parts(20_000_000, 8000)
			.saturating_add(RocksDbWeight::get().reads(1))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn go_offline() -> Weight {
		Weight::from_parts(20_000_000, 8000)
			.saturating_add(RocksDbWeight::get().reads(1))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn heartbeat() -> Weight {
		Weight::from_parts(15_000_000, 8000)
			.saturating_add(RocksDbWeight::get().reads(1))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn unbond() -> Weight {
		Weight::from_parts(25_000_000, 8000)
			.saturating_add(RocksDbWeight::get().reads(1))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn withdraw_unbonded(m: u32, ) -> Weight {
		Weight::from_parts(50_000_000, 8000)
			.saturating_add(Weight::from_parts(5_000_000, 0).saturating_mul(m.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(1, 1).saturating_mul(m.into()))
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
}
