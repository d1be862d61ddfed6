//! A minimal runtime for the pallet's tests: System, Balances and Workers, with a stand-in
//! model registry.

use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, ConstU64},
};
use sp_core::H256;
use sp_runtime::BuildStorage;
use verin_primitives::{
	market::{ModelCatalog, ServedModel},
	model::{
		DeterminismClass, Dim, ElementType, ModelFormat, ModelId, ModelStatus, ModelVersion,
		TensorSchema, TensorSpec, VersionSpec,
	},
	tier::Tier,
};

use crate as pallet_workers;

type Block = frame_system::mocking::MockBlock<Test>;
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

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type AccountStore = System;
	type ExistentialDeposit = ConstU128<1>;
	type RuntimeHoldReason = RuntimeHoldReason;
}

parameter_types! {
	/// Workers whose enclave a test attested.
	pub static Attested: Vec<AccountId> = Vec::new();
	/// Extra published versions a test adds.
	pub static ExtraPublished: Vec<(ModelId, ModelVersion)> = Vec::new();
}

/// Stands in for the model registry: serves the versions in [`PUBLISHED`].
pub struct TestCatalog;
impl ModelCatalog<AccountId, Balance> for TestCatalog {
	fn served_model(model: ModelId, version: Option<ModelVersion>) -> Option<ServedModel<AccountId, Balance>> {
		let version = version?;
		let published = PUBLISHED.contains(&(model, version)) || ExtraPublished::get().contains(&(model, version));
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
		})
	}

	fn circuit(_model: ModelId, _version: ModelVersion) -> Option<Vec<u8>> {
		None
	}
}

impl frame_system::offchain::SigningTypes for Test {
	type Public = sp_runtime::testing::UintAuthorityId;
	type Signature = sp_runtime::testing::TestSignature;
}

/// Extrinsics of the mock: signed by a plain account id, no extensions.
pub type Extrinsic = sp_runtime::testing::TestXt<RuntimeCall, ()>;

impl<C> frame_system::offchain::CreateTransactionBase<C> for Test
where
	RuntimeCall: From<C>,
{
	type Extrinsic = Extrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateSignedTransaction<C> for Test
where
	RuntimeCall: From<C>,
{
	fn create_signed_transaction<A: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>>(
		call: RuntimeCall,
		_public: Self::Public,
		account: AccountId,
		_nonce: u32,
	) -> Option<Extrinsic> {
		Some(Extrinsic::new_signed(call, account, (), ()))
	}
}

/// Worker keys of the mock: `UintAuthorityId(n)` is account `n`.
pub struct TestWorkerKey;
impl frame_system::offchain::AppCrypto<sp_runtime::testing::UintAuthorityId, sp_runtime::testing::TestSignature>
	for TestWorkerKey
{
	type RuntimeAppPublic = sp_runtime::testing::UintAuthorityId;
	type GenericPublic = sp_runtime::testing::UintAuthorityId;
	type GenericSignature = sp_runtime::testing::TestSignature;
}

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
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TestCatalog;
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::benchmarking::BenchmarkHelper<Test> for TestCatalog {
	fn published_version(index: u32) -> crate::ServedVersion {
		let served = crate::ServedVersion { model: 100 + index as u64, version: ModelVersion::new(1, 0) };
		ExtraPublished::mutate(|extra| extra.push((served.model, served.version)));
		served
	}
}

/// Externalities with funded accounts, at block 1 (events are only recorded from block 1).
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut balances: Vec<_> = (1..=3).map(|who| (who, INITIAL_BALANCE)).collect();
	balances.extend((10..20).map(|who| (who, INITIAL_BALANCE)));
	balances.push((POOR, MIN_STAKE / 2));
	balances.push((TREASURY, 1));
	pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Advances to block `n`.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		System::set_block_number(System::block_number() + 1);
	}
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
