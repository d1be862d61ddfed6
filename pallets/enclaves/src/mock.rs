//! A minimal runtime for the pallet's tests: System, Balances and Enclaves, a settable
//! clock, root as governance, and the development CA's root pinned at genesis.

use frame_support::{
	parameter_types,
	traits::{ConstU128, ConstU32, ConstU64, UnixTime},
};
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;

use crate as pallet_enclaves;

pub type AccountId = u64;
pub type Balance = u128;

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
/// An account that cannot pay the enclave deposit.
pub const POOR: AccountId = 3;
/// The enclave deposit.
pub const DEPOSIT: Balance = 1_000;
pub const INITIAL_BALANCE: Balance = 1_000_000;
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
		Balances: pallet_balances,
		Tee: pallet_enclaves,
	}
);

verin_pallet_support::impl_test_system_with_balances!(Test, Balance);

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
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type EnclaveDeposit = ConstU128<DEPOSIT>;
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
		balances: pallet_balances::GenesisConfig {
			balances: vec![(ALICE, INITIAL_BALANCE), (BOB, INITIAL_BALANCE), (POOR, DEPOSIT / 2)],
			..Default::default()
		},
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
