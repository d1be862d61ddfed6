//! A minimal runtime for the pallet's tests: System, Balances and Workers, with a stand-in
//! model registry.

use frame_support::{
	parameter_types,
	traits::{ConstU128, ConstU32, ConstU64},
};
use sp_core::H256;
use verin_primitives::{
	market::{ModelCatalog, ServedModel},
	model::{
		DeterminismClass, Dim, ElementType, ModelFormat, ModelId, ModelStatus, ModelVersion,
		TensorSchema, TensorSpec, VersionSpec,
	},
	tier::Tier,
};

use crate as pallet_workers;

pub type AccountId = u64;
pub type Balance = u128;

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CAROL: AccountId = 3;
/// Cannot afford the minimum stake.
pub const POOR: AccountId = 4;
/// Receives slashed stake.
pub const TREASURY: AccountId = 99;
pub const INITIAL_BALANCE: Balance = 1_000_000;
pub const MIN_STAKE: Balance = 1_000;
pub const UNBONDING_PERIOD: u64 = 20;
pub const LIVENESS_WINDOW: u64 = 10;
pub const MAX_WORKERS_PER_MODEL: u32 = 3;
pub const MAX_JOBS_PER_WORKER: u32 = 2;
pub const STAKE_PER_OPTIMISTIC_JOB: Balance = 400;

/// Model 0 has versions 1.0 and 1.1 published; model 1 has 1.0.
pub const PUBLISHED: [(ModelId, ModelVersion); 3] =
	[(0, ModelVersion::new(1, 0)), (0, ModelVersion::new(1, 1)), (1, ModelVersion::new(1, 0))];

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Workers: pallet_workers,
	}
);

verin_pallet_support::impl_test_system_with_balances!(Test, Balance);

parameter_types! {
	/// Workers whose enclave a test attested.
	pub static Attested: Vec<AccountId> = Vec::new();
	/// Extra published versions a test adds.
	pub static ExtraPublished: Vec<(ModelId, ModelVersion)> = Vec::new();
}

/// Stands in for the model registry: serves the versions in [`PUBLISHED`].
pub struct TestCatalog;
impl ModelCatalog<AccountId, Balance> for TestCatalog {
	fn served_model(
		model: ModelId,
		version: Option<ModelVersion>,
	) -> Option<ServedModel<AccountId, Balance>> {
		let version = version?;
		let published = PUBLISHED.contains(&(model, version))
			|| ExtraPublished::get().contains(&(model, version));
		let tensor = |name: &[u8]| TensorSpec {
			name: name.to_vec().try_into().unwrap(),
			element: ElementType::F32,
			shape: vec![Dim::Batch, Dim::Fixed(4)].try_into().unwrap(),
		};
		published.then(|| ServedModel {
			owner: ALICE,
			price: 10,
			status: ModelStatus::Active,
			version,
			content_id: H256::repeat_byte(model as u8),
			spec: VersionSpec {
				format: ModelFormat::Onnx { opset: 17 },
				schema: TensorSchema {
					inputs: vec![tensor(b"x")].try_into().unwrap(),
					outputs: vec![tensor(b"y")].try_into().unwrap(),
				},
				determinism: DeterminismClass::IntegerExact,
				tiers: [Tier::Vanilla].into_iter().collect(),
			},
			circuit_digest: None,
			circuit_trusted: false,
		})
	}

	fn circuit(_model: ModelId, _version: ModelVersion) -> Option<Vec<u8>> {
		None
	}
}

// Signed extrinsics and worker keys for the offchain worker.
verin_pallet_support::impl_test_signing!(Test);

impl pallet_workers::Config for Test {
	type AuthorityId = TestWorkerKey;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = TestCatalog;
	type Enclaves = TestEnclaves;
	type MinStake = ConstU128<MIN_STAKE>;
	type UnbondingPeriod = ConstU64<UNBONDING_PERIOD>;
	type LivenessWindow = ConstU64<LIVENESS_WINDOW>;
	type MaxModelsPerWorker = ConstU32<3>;
	type MaxWorkersPerModel = ConstU32<MAX_WORKERS_PER_MODEL>;
	type MaxJobsPerWorker = ConstU32<MAX_JOBS_PER_WORKER>;
	type StakePerOptimisticJob = ConstU128<STAKE_PER_OPTIMISTIC_JOB>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TestCatalog;
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<Test> for TestCatalog {
	fn published_version(index: u32) -> crate::ServedVersion {
		let served =
			crate::ServedVersion { model: 100 + index as u64, version: ModelVersion::new(1, 0) };
		ExtraPublished::mutate(|extra| extra.push((served.model, served.version)));
		served
	}
}

/// Externalities with funded accounts, at block 1 (events are only recorded from block 1).
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut balances: Vec<_> = (1..=3).map(|who| (who, INITIAL_BALANCE)).collect();
	balances.extend((10..20).map(|who| (who, INITIAL_BALANCE)));
	balances.push((POOR, MIN_STAKE / 2));
	balances.push((TREASURY, 1));
	verin_pallet_support::testing::new_test_ext_with_balances::<Test>(balances)
}

/// Advances to block `n`, running no hooks.
pub fn run_to_block(n: u64) {
	verin_pallet_support::testing::run_to_block::<Test, ()>(n)
}

/// Stands in for the enclaves pallet: the workers in [`Attested`] are attested.
pub struct TestEnclaves;
impl verin_primitives::market::EnclaveRegistry<AccountId> for TestEnclaves {
	fn is_attested(worker: &AccountId) -> bool {
		Attested::get().contains(worker)
	}

	fn is_attested_weight() -> frame_support::weights::Weight {
		frame_support::weights::Weight::zero()
	}
}
