//! A minimal runtime for the pallet's tests: System, Balances and Models, with stand-ins
//! for the inference market (open jobs), the ZK verifier (circuits) and the worker pool
//! (reviewers' stake).

use std::collections::BTreeMap;

use frame_support::{
	parameter_types,
	traits::{ConstU128, ConstU32, ConstU64},
};
use verin_primitives::{
	market::{SlashReason, WorkerStaking},
	model::{CircuitRefusal, ModelId},
	traits::ModelJobs,
};

use crate as pallet_models;

pub type AccountId = u64;
pub type Balance = u128;

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
/// Has almost nothing: cannot pay deposits.
pub const POOR: AccountId = 3;
/// Can pay a model deposit but no version deposit.
pub const CAROL: AccountId = 4;
pub const INITIAL_BALANCE: Balance = 1_000_000_000_000;

pub const MODEL_DEPOSIT: Balance = 1_000;
pub const VERSION_DEPOSIT: Balance = 500;
pub const DEPOSIT_PER_BYTE: Balance = 1;
pub const MAX_MODEL_SIZE: u64 = 2 * 1024 * 1024;
pub const UPLOAD_TIMEOUT: u64 = 10;
pub const MAX_EXPIRIES_PER_BLOCK: u32 = 2;

/// Receives the slashes of rejected circuits' confirmers.
pub const TREASURY: AccountId = 99;
/// Bond a circuit reviewer needs in the worker pool.
pub const MIN_REVIEWER_BOND: Balance = 100;
/// Stake a wrong reviewer loses.
pub const REVIEW_SLASH: Balance = 40;
/// Most confirmations a circuit's review keeps.
pub const MAX_CIRCUIT_REVIEWERS: u32 = 4;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Models: pallet_models,
	}
);

verin_pallet_support::impl_test_system_with_balances!(Test, Balance);
verin_pallet_support::impl_test_signing!(Test);

parameter_types! {
	/// Models the test marks as having open jobs.
	pub static BusyModels: Vec<ModelId> = Vec::new();
}

/// Stands in for the inference market.
pub struct TestJobs;
impl ModelJobs for TestJobs {
	fn has_open_jobs(model: ModelId) -> bool {
		BusyModels::get().contains(&model)
	}
}

/// Stands in for the runtime's ZK verifier: verifier data "decodes" when it starts with
/// [`CIRCUIT_MAGIC`], and its rows differ from any spec when its second byte is
/// [`OTHER_ROWS`]; its digest is its blake2-256 hash, as in the runtime.
pub struct TestCircuits;
pub const CIRCUIT_MAGIC: u8 = 0xC1;
pub const OTHER_ROWS: u8 = 0x0E;
pub const MAX_CIRCUIT_BYTES: u32 = 64;
impl verin_primitives::model::CircuitInspector for TestCircuits {
	fn inspect(
		verifier_data: &[u8],
		_schema: &verin_primitives::model::TensorSchema,
	) -> Result<sp_core::H256, CircuitRefusal> {
		if verifier_data.first() != Some(&CIRCUIT_MAGIC) {
			return Err(CircuitRefusal::Malformed);
		}
		if verifier_data.get(1) == Some(&OTHER_ROWS) {
			return Err(CircuitRefusal::SpecMismatch);
		}
		Ok(sp_core::H256(sp_io::hashing::blake2_256(verifier_data)))
	}
}

parameter_types! {
	/// Stake each account has bonded in the stand-in worker pool.
	pub static Bonded: BTreeMap<AccountId, Balance> = BTreeMap::new();
	/// Open judgement holds on each worker's stake.
	pub static JudgementHolds: BTreeMap<AccountId, u32> = BTreeMap::new();
	/// Every slash asked of the worker pool: worker, amount taken, beneficiary, reason.
	pub static Slashes: Vec<(AccountId, Balance, AccountId, SlashReason)> = Vec::new();
}

/// Bonds `amount` for `who` in the stand-in worker pool.
pub fn bond(who: AccountId, amount: Balance) {
	Bonded::mutate(|bonded| {
		bonded.insert(who, amount);
	});
}

/// Stands in for the worker pool: bonds are numbers, a slash takes what is bonded (up to
/// the amount, as the real pool does) and is recorded.
pub struct TestStaking;
impl WorkerStaking<AccountId, Balance> for TestStaking {
	fn bonded(worker: &AccountId) -> Balance {
		Bonded::get().get(worker).copied().unwrap_or_default()
	}

	fn slash(
		worker: &AccountId,
		amount: Balance,
		beneficiary: &AccountId,
		reason: SlashReason,
	) -> Balance {
		let taken = amount.min(Self::bonded(worker));
		bond(*worker, Self::bonded(worker) - taken);
		Slashes::mutate(|slashes| slashes.push((*worker, taken, *beneficiary, reason)));
		taken
	}

	fn suspend(_worker: &AccountId) {}

	fn hold_for_judgement(worker: &AccountId) {
		JudgementHolds::mutate(|holds| *holds.entry(*worker).or_default() += 1);
	}

	fn release_judgement(worker: &AccountId) {
		JudgementHolds::mutate(|holds| {
			let count = holds.get_mut(worker).expect("released only what was held");
			*count -= 1;
			if *count == 0 {
				holds.remove(worker);
			}
		});
	}
}

impl pallet_models::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ModelJobs = TestJobs;
	type ModelDeposit = ConstU128<MODEL_DEPOSIT>;
	type VersionDeposit = ConstU128<VERSION_DEPOSIT>;
	type DepositPerByte = ConstU128<DEPOSIT_PER_BYTE>;
	type MaxModelSize = ConstU64<MAX_MODEL_SIZE>;
	type MaxChunks = ConstU32<8>;
	type UploadTimeout = ConstU64<UPLOAD_TIMEOUT>;
	type MaxExpiriesPerBlock = ConstU32<MAX_EXPIRIES_PER_BLOCK>;
	type Circuits = TestCircuits;
	type MaxCircuitBytes = ConstU32<MAX_CIRCUIT_BYTES>;
	type Staking = TestStaking;
	type MinReviewerBond = ConstU128<MIN_REVIEWER_BOND>;
	type MaxCircuitReviewers = ConstU32<MAX_CIRCUIT_REVIEWERS>;
	type ReviewSlash = ConstU128<REVIEW_SLASH>;
	type GovernanceOrigin = frame_system::EnsureRoot<AccountId>;
	type AuthorityId = TestWorkerKey;
	type SlashedTo = frame_support::traits::ConstU64<TREASURY>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TestCircuits;
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId, Balance> for TestCircuits {
	fn verifier_data(len: u32) -> (Vec<u8>, verin_primitives::model::TensorSchema) {
		let mut data = vec![7u8; len.max(1) as usize];
		data[0] = CIRCUIT_MAGIC;
		let tensor = verin_primitives::model::TensorSpec {
			name: b"x".to_vec().try_into().unwrap(),
			element: verin_primitives::model::ElementType::I8,
			shape: vec![verin_primitives::model::Dim::Batch].try_into().unwrap(),
		};
		let schema = verin_primitives::model::TensorSchema {
			inputs: vec![tensor.clone()].try_into().unwrap(),
			outputs: vec![tensor].try_into().unwrap(),
		};
		(data, schema)
	}

	fn bond_reviewer(who: &AccountId, amount: Balance) {
		bond(*who, amount);
	}
}

/// Externalities with funded accounts, at block 1 (events are only recorded from block 1).
pub fn new_test_ext() -> sp_io::TestExternalities {
	verin_pallet_support::testing::new_test_ext_with_balances::<Test>(vec![
		(ALICE, INITIAL_BALANCE),
		(BOB, INITIAL_BALANCE),
		(POOR, 10),
		(CAROL, MODEL_DEPOSIT + 100),
	])
}

/// A node's ZK compiler, for the offchain worker's tests: compiles every model to the
/// digest `Compiles` maps its content id to, refuses those mapped to `None` and has no bytes
/// of the others. Counts its compiles.
pub struct TestCompiler;

parameter_types! {
	/// What each content id compiles to: a digest, or `None` for a model with no circuit.
	pub static Compiles: BTreeMap<sp_core::H256, Option<sp_core::H256>> = BTreeMap::new();
	/// Compiles done by [`TestCompiler`].
	pub static CompileCount: u32 = 0;
}

impl verin_worker_primitives::InferenceBackend for TestCompiler {
	fn run(
		&mut self,
		_content_id: sp_core::H256,
		_input: &verin_primitives::tensor::TensorPayload,
	) -> Result<verin_primitives::tensor::TensorPayload, verin_worker_primitives::InferenceError> {
		Err(verin_worker_primitives::InferenceError::Unavailable)
	}

	fn circuit_digest(
		&mut self,
		content_id: sp_core::H256,
	) -> Result<sp_core::H256, verin_worker_primitives::InferenceError> {
		CompileCount::mutate(|count| *count += 1);
		match Compiles::get().get(&content_id) {
			Some(Some(digest)) => Ok(*digest),
			Some(None) => Err(verin_worker_primitives::InferenceError::NotProvable),
			None => Err(verin_worker_primitives::InferenceError::ModelNotFound),
		}
	}
}

/// Advances to block `n`, running the pallet's `on_initialize` for each block.
pub fn run_to_block(n: u64) {
	verin_pallet_support::testing::run_to_block::<Test, Models>(n)
}
