//! Weights of `pallet-models`.
//!
//! PROVISIONAL: these numbers are conservative estimates written by hand, not yet measured.
//! The benchmarks in `benchmarking.rs` exist and pass as tests; running them in the wasm
//! runtime with `scripts/bench-weights.sh` replaces this file with measured weights.
//! Storage costs use the runtime's `DbWeight`.

#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions of `pallet-models`.
pub trait WeightInfo {
	fn register_model() -> Weight;
	fn begin_upload() -> Weight;
	/// `l`: bytes in the chunk.
	fn upload_chunk(l: u32) -> Weight;
	/// `c`: chunks of the file.
	fn finish_upload(c: u32) -> Weight;
	fn cancel_upload() -> Weight;
	fn set_price() -> Weight;
	fn set_status() -> Weight;
	/// `v`: published versions of the model.
	fn remove(v: u32) -> Weight;
	fn transfer_ownership() -> Weight;
	fn accept_ownership() -> Weight;
	/// `n`: uploads expiring in the block.
	fn on_initialize_expiries(n: u32) -> Weight;
}

/// Weights of `pallet-models` for the Verin runtime (provisional estimates, see above).
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register_model() -> Weight {
		Weight::from_parts(40_000_000, 3_600)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	fn begin_upload() -> Weight {
		Weight::from_parts(45_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	fn upload_chunk(l: u32) -> Weight {
		Weight::from_parts(20_000_000, 4_000)
			.saturating_add(Weight::from_parts(3_000, 0).saturating_mul(l.into()))
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn finish_upload(c: u32) -> Weight {
		Weight::from_parts(35_000_000, 6_000)
			.saturating_add(Weight::from_parts(300_000, 32).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	fn cancel_upload() -> Weight {
		Weight::from_parts(40_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	fn set_price() -> Weight {
		Weight::from_parts(15_000_000, 3_600)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn set_status() -> Weight {
		Weight::from_parts(15_000_000, 3_600)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn remove(v: u32) -> Weight {
		Weight::from_parts(45_000_000, 6_000)
			.saturating_add(Weight::from_parts(5_000_000, 0).saturating_mul(v.into()))
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(5))
			.saturating_add(T::DbWeight::get().writes((2_u64).saturating_mul(v.into())))
	}
	fn transfer_ownership() -> Weight {
		Weight::from_parts(16_000_000, 3_600)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn accept_ownership() -> Weight {
		Weight::from_parts(60_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(6))
	}
	fn on_initialize_expiries(n: u32) -> Weight {
		Weight::from_parts(3_000_000, 1_500)
			.saturating_add(Weight::from_parts(35_000_000, 6_000).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(1))
			.saturating_add(T::DbWeight::get().writes((3_u64).saturating_mul(n.into())))
	}
}

/// Unit weights for tests: the same shape, measured numbers are irrelevant there.
impl WeightInfo for () {
	fn register_model() -> Weight {
		Weight::from_parts(40_000_000, 3_600).saturating_add(RocksDbWeight::get().reads_writes(3, 4))
	}
	fn begin_upload() -> Weight {
		Weight::from_parts(45_000_000, 6_000).saturating_add(RocksDbWeight::get().reads_writes(4, 4))
	}
	fn upload_chunk(l: u32) -> Weight {
		Weight::from_parts(20_000_000, 4_000)
			.saturating_add(Weight::from_parts(3_000, 0).saturating_mul(l.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(2, 1))
	}
	fn finish_upload(c: u32) -> Weight {
		Weight::from_parts(35_000_000, 6_000)
			.saturating_add(Weight::from_parts(300_000, 32).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(3, 5))
	}
	fn cancel_upload() -> Weight {
		Weight::from_parts(40_000_000, 6_000).saturating_add(RocksDbWeight::get().reads_writes(4, 4))
	}
	fn set_price() -> Weight {
		Weight::from_parts(15_000_000, 3_600).saturating_add(RocksDbWeight::get().reads_writes(1, 1))
	}
	fn set_status() -> Weight {
		Weight::from_parts(15_000_000, 3_600).saturating_add(RocksDbWeight::get().reads_writes(1, 1))
	}
	fn remove(v: u32) -> Weight {
		Weight::from_parts(45_000_000, 6_000)
			.saturating_add(Weight::from_parts(5_000_000, 0).saturating_mul(v.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(4, 5))
	}
	fn transfer_ownership() -> Weight {
		Weight::from_parts(16_000_000, 3_600).saturating_add(RocksDbWeight::get().reads_writes(1, 1))
	}
	fn accept_ownership() -> Weight {
		Weight::from_parts(60_000_000, 6_000).saturating_add(RocksDbWeight::get().reads_writes(5, 6))
	}
	fn on_initialize_expiries(n: u32) -> Weight {
		Weight::from_parts(3_000_000, 1_500)
			.saturating_add(Weight::from_parts(35_000_000, 6_000).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(1, 1))
	}
}
