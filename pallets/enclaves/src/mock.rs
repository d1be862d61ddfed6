//! A minimal runtime for the pallet's tests: System and Enclaves, a settable clock, root as
//! governance, and the development CA's root pinned at genesis.

use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, UnixTime},
};
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;

use crate as pallet_enclaves;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
/// One day, in milliseconds.
pub const LIFETIME_MS: u64 = 24 * 3600 * 1000;
pub const DRIFT_MS: u64 = 60_000;
/// The chain's time when a test starts (2026-05-28).
pub const START_MS: u64 = 1_780_000_000_000;
/// The worker software version of the measurement allowed at genesis.
pub const VERSION: &str = "verin-node 0.1.0";

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Tee: pallet_enclaves,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

parameter_types! {
	/// The chain's time in milliseconds.
	pub static NowMs: u64 = START_MS;
}

/// The chain's clock, set by tests.
pub struct TestTime;
impl UnixTime for TestTime {
	fn now() -> core::time::Duration {
		core::time::Duration::from_millis(NowMs::get())
	}
}

impl pallet_enclaves::Config for Test {
	type AuthorityId = TestWorkerKey;
	type GovernanceOrigin = EnsureRoot<AccountId>;
	type UnixTime = TestTime;
	type AttestationLifetime = ConstU64<LIFETIME_MS>;
	type MaxClockDrift = ConstU64<DRIFT_MS>;
	type MaxAttestationLength = ConstU32<16_384>;
	type MaxCertificateLength = ConstU32<1_024>;
	type MaxVersionLength = ConstU32<64>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TestTime;
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper for TestTime {
	fn set_time(now_ms: u64) {
		NowMs::set(now_ms);
	}
}

// Signed extrinsics and worker keys for the offchain worker.
verin_pallet_support::impl_test_signing!(Test);

/// Genesis: the development root pinned, the development measurement of [`VERSION`] allowed.
pub fn new_test_ext() -> sp_io::TestExternalities {
	NowMs::set(START_MS);
	let genesis = RuntimeGenesisConfig {
		system: Default::default(),
		tee: pallet_enclaves::GenesisConfig {
			roots: vec![verin_attestation::DEV_ROOT_CERTIFICATE.to_vec()],
			measurements: vec![(
				VERSION.as_bytes().to_vec(),
				verin_attestation::dev_measurement(VERSION).concat(),
			)],
			..Default::default()
		},
	};
	let mut ext: sp_io::TestExternalities = genesis.build_storage().unwrap().into();
	ext.execute_with(|| System::set_block_number(1));
	ext
}
