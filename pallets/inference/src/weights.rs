//! Weights of `pallet_inference`. PROVISIONAL: estimates until `scripts/bench-weights.sh pallet_inference`
//! regenerates this file from the pallet's benchmarks.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::RocksDbWeight, Weight}};

/// Weight functions of `pallet_inference`.
pub trait WeightInfo {
	fn request(w: u32, i: u32, ) -> Weight;
	fn submit_result(o: u32, ) -> Weight;
	fn report_failure() -> Weight;
	fn on_initialize_timers(n: u32, ) -> Weight;
}

/// Weights for the Verin runtime.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn request(w: u32, i: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 8000)
			.saturating_add(Weight::from_parts(1_000_000, 0).saturating_mul(w.into()))
			.saturating_add(T::DbWeight::get().reads_writes(1, 1).saturating_mul(w.into()))
			.saturating_add(Weight::from_parts(2_000, 0).saturating_mul(i.into()))
			.saturating_add(T::DbWeight::get().reads(8))
			.saturating_add(T::DbWeight::get().writes(7))
	}
	fn submit_result(o: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 8000)
			.saturating_add(Weight::from_parts(2_000, 0).saturating_mul(o.into()))
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(8))
	}
	fn report_failure() -> Weight {
		Weight::from_parts(60_000_000, 8000)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	fn on_initialize_timers(n: u32, ) -> Weight {
		Weight::from_parts(10_000_000, 8000)
			.saturating_add(Weight::from_parts(150_000_000, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads_writes(1, 1).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
}

/// For tests: RocksDB's reference costs.
impl WeightInfo for () {
	fn request(w: u32, i: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 8000)
			.saturating_add(Weight::from_parts(1_000_000, 0).saturating_mul(w.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(1, 1).saturating_mul(w.into()))
			.saturating_add(Weight::from_parts(2_000, 0).saturating_mul(i.into()))
			.saturating_add(RocksDbWeight::get().reads(8))
			.saturating_add(RocksDbWeight::get().writes(7))
	}
	fn submit_result(o: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 8000)
			.saturating_add(Weight::from_parts(2_000, 0).saturating_mul(o.into()))
			.saturating_add(RocksDbWeight::get().reads(6))
			.saturating_add(RocksDbWeight::get().writes(8))
	}
	fn report_failure() -> Weight {
		Weight::from_parts(60_000_000, 8000)
			.saturating_add(RocksDbWeight::get().reads(4))
			.saturating_add(RocksDbWeight::get().writes(5))
	}
	fn on_initialize_timers(n: u32, ) -> Weight {
		Weight::from_parts(10_000_000, 8000)
			.saturating_add(Weight::from_parts(150_000_000, 0).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(1, 1).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads(1))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
}
