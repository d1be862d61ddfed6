//! A runtime for the pallet's tests: System, Balances, the real worker pool and the
//! market, with a stand-in model registry and a verifier for several tiers.

use frame_support::{
	parameter_types,
	traits::{ConstU128, ConstU32, ConstU64},
};
use sp_core::H256;
use sp_runtime::{traits::Convert, Perbill, Weight};
use verin_primitives::{
	market::{EvidenceError, ModelCatalog, ResultContext, ServedModel, TierVerifier, Verdict},
	model::{
		DeterminismClass, Dim, ElementType, ModelFormat, ModelId, ModelStatus, ModelVersion,
		TensorSchema, TensorSpec, VersionSpec,
	},
	tensor::{TensorData, TensorPayload},
	tier::Tier,
};

use crate as pallet_inference;

pub type AccountId = u64;
pub type Balance = u128;

pub const REQUESTER: AccountId = 1;
pub const OTHER_REQUESTER: AccountId = 2;
pub const OWNER: AccountId = 3;
pub const POOR: AccountId = 4;
/// Workers are 10, 11, 12, …
pub const WORKER_A: AccountId = 10;
pub const WORKER_B: AccountId = 11;
pub const WORKER_C: AccountId = 12;
pub const WORKER_D: AccountId = 13;
pub const WORKER_E: AccountId = 14;
pub const WORKER_F: AccountId = 15;
pub const WORKER_G: AccountId = 16;
pub const WORKER_H: AccountId = 17;
pub const TREASURY: AccountId = 99;

pub const INITIAL_BALANCE: Balance = 1_000_000_000;
pub const MIN_STAKE: Balance = 10_000;
pub const MODEL_PRICE: Balance = 1_000;
pub const TIER_FEE: Balance = 500;
pub const FEE_PER_BYTE: Balance = 2;
pub const MISS_PENALTY: Balance = 2_000;
pub const MAX_ATTEMPTS: u32 = 2;
pub const RESPONSE_BLOCKS: u64 = 3;
pub const RETENTION: u64 = 10;
pub const CHALLENGE_PERIOD: u64 = 5;
pub const TIMER_BUDGET: u32 = 4;
pub const CHALLENGE_BOND: Balance = 5_000;
pub const WRONG_RESULT_PENALTY: Balance = 8_000;
pub const COMMITTEE_SIZE: u32 = 3;
pub const VOTING_BLOCKS: u64 = 4;
pub const REVEAL_BLOCKS: u64 = 2;
pub const MIN_COMMITTEE: u32 = 2;
pub const MAX_CHALLENGERS: u32 = 3;

/// Model 0 (version 1.0 and 1.1) offers every tier; model 1 (1.0) only Vanilla.
pub const MODEL: ModelId = 0;
pub const VANILLA_ONLY_MODEL: ModelId = 1;
pub const V1: ModelVersion = ModelVersion::new(1, 0);
pub const V1_1: ModelVersion = ModelVersion::new(1, 1);

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Workers: pallet_workers,
		Inference: pallet_inference,
	}
);

verin_pallet_support::impl_test_system_with_balances!(Test, Balance);

parameter_types! {
	/// Model status the catalog reports (tests change it).
	pub static ModelStatusNow: ModelStatus = ModelStatus::Active;
	/// Whether the catalog reports model 0's circuit as trusted by its reviewers (tests
	/// change it).
	pub static ZkCircuitTrusted: bool = true;
	/// Models the benchmarks publish: id, owner and spec (version 1.0).
	pub static BenchModels: Vec<(ModelId, AccountId, VersionSpec)> = Vec::new();
	/// Request limits (tests of large payloads raise them).
	pub static MaxBatch: u32 = 4;
	pub static MaxInputBytes: u32 = 64;
	pub static MaxOutputBytes: u32 = 24;
}

fn tensor(name: &[u8], shape: Vec<Dim>) -> TensorSpec {
	TensorSpec {
		name: name.to_vec().try_into().unwrap(),
		element: ElementType::F32,
		shape: shape.try_into().unwrap(),
	}
}

/// Input: f32 [batch, 4]; output: f32 [batch, 2].
pub fn test_spec(tiers: &[Tier]) -> VersionSpec {
	VersionSpec {
		format: ModelFormat::Onnx { opset: 17 },
		schema: TensorSchema {
			inputs: vec![tensor(b"x", vec![Dim::Batch, Dim::Fixed(4)])].try_into().unwrap(),
			outputs: vec![tensor(b"y", vec![Dim::Batch, Dim::Fixed(2)])].try_into().unwrap(),
		},
		determinism: DeterminismClass::IntegerExact,
		tiers: tiers.iter().copied().collect(),
	}
}

pub struct TestCatalog;
impl ModelCatalog<AccountId, Balance> for TestCatalog {
	fn served_model(
		model: ModelId,
		version: Option<ModelVersion>,
	) -> Option<ServedModel<AccountId, Balance>> {
		if let Some((_, owner, spec)) = BenchModels::get().into_iter().find(|(id, ..)| *id == model)
		{
			return (version.unwrap_or(V1) == V1).then(|| ServedModel {
				owner,
				price: MODEL_PRICE,
				status: ModelStatus::Active,
				version: V1,
				content_id: H256::repeat_byte(7),
				spec,
				circuit_digest: None,
				circuit_trusted: false,
			});
		}
		let (versions, tiers): (&[ModelVersion], &[Tier]) = match model {
			MODEL => (&[V1, V1_1], &Tier::ALL),
			VANILLA_ONLY_MODEL => (&[V1], &[Tier::Vanilla]),
			_ => return None,
		};
		let version = version.unwrap_or(*versions.last().unwrap());
		versions.contains(&version).then(|| ServedModel {
			owner: OWNER,
			price: MODEL_PRICE,
			status: ModelStatusNow::get(),
			version,
			content_id: H256::repeat_byte(version.minor as u8 + 1),
			spec: test_spec(tiers),
			circuit_digest: tiers.contains(&Tier::Zk).then(|| H256::repeat_byte(0xC1)),
			circuit_trusted: tiers.contains(&Tier::Zk) && ZkCircuitTrusted::get(),
		})
	}

	fn circuit(model: ModelId, version: ModelVersion) -> Option<Vec<u8>> {
		Self::served_model(model, Some(version))?.circuit_digest.map(|digest| digest.0.to_vec())
	}
}

/// Vanilla: empty evidence. Optimistic: provisional for `CHALLENGE_PERIOD` blocks. Zk: the
/// evidence must be the output hash, and the registered circuit must reach the verifier.
/// Tee: unavailable.
pub struct TestVerifier;
impl TierVerifier<AccountId, u64> for TestVerifier {
	fn supports(tier: Tier) -> bool {
		tier != Tier::Tee
	}

	fn verify(
		tier: Tier,
		context: &ResultContext<'_, AccountId>,
		evidence: &[u8],
	) -> Result<Verdict<u64>, EvidenceError> {
		match tier {
			Tier::Vanilla if evidence.is_empty() => Ok(Verdict::Final),
			Tier::Vanilla => Err(EvidenceError::Malformed),
			Tier::Optimistic => Ok(Verdict::Provisional { challenge_period: CHALLENGE_PERIOD }),
			Tier::Zk if context.circuit != Some(&[0xC1; 32][..]) => Err(EvidenceError::Malformed),
			Tier::Zk if evidence.len() != 32 => Err(EvidenceError::Malformed),
			Tier::Zk if evidence == context.output_hash.as_bytes() => Ok(Verdict::Final),
			Tier::Zk => Err(EvidenceError::Invalid),
			Tier::Tee => Err(EvidenceError::TierUnavailable),
		}
	}

	fn weight(_tier: Tier, evidence_len: u32) -> Weight {
		Weight::from_parts(1_000 * evidence_len as u64, 0)
	}
}

pub struct TestTierFee;
impl Convert<Tier, Balance> for TestTierFee {
	fn convert(tier: Tier) -> Balance {
		TIER_FEE * (tier as u128 + 1)
	}
}

parameter_types! {
	pub const Treasury: AccountId = TREASURY;
	pub const TreasuryCut: Perbill = Perbill::from_percent(10);
	pub const WinnerShare: Perbill = Perbill::from_percent(50);
	pub const CommitteeShare: Perbill = Perbill::from_percent(30);
	pub const CongestionThreshold: Perbill = Perbill::from_percent(90);
}

impl pallet_workers::Config for Test {
	type AuthorityId = TestWorkerKey;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = TestCatalog;
	// This runtime's verifier refuses TEE results, so no enclave matters.
	type Enclaves = ();
	type MinStake = ConstU128<MIN_STAKE>;
	type UnbondingPeriod = ConstU64<100>;
	type LivenessWindow = ConstU64<1_000>;
	type MaxModelsPerWorker = ConstU32<4>;
	type MaxWorkersPerModel = ConstU32<8>;
	type MaxJobsPerWorker = ConstU32<64>;
	type StakePerOptimisticJob = ConstU128<WRONG_RESULT_PENALTY>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = WorkerBenchHelper;
}

/// The workers pallet's benchmarks are not run from this mock.
#[cfg(feature = "runtime-benchmarks")]
pub struct WorkerBenchHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_workers::BenchmarkHelper<Test> for WorkerBenchHelper {
	fn published_version(_index: u32) -> verin_primitives::market::ServedVersion {
		verin_primitives::market::ServedVersion { model: MODEL, version: V1 }
	}
}

// Signed extrinsics and worker keys for the offchain worker.
verin_pallet_support::impl_test_signing!(Test);

/// Most jobs one `request_batch` opens, and most answers one `submit_answers` carries.
pub const MAX_PER_CALL: u32 = 8;

impl pallet_inference::Config for Test {
	type AuthorityId = TestWorkerKey;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = TestCatalog;
	type Workers = Workers;
	type Verifier = TestVerifier;
	type Randomness = pallet_inference::ParentHashRandomness<Test>;
	type TierFee = TestTierFee;
	type FeePerByte = ConstU128<FEE_PER_BYTE>;
	type TreasuryCut = TreasuryCut;
	type TreasuryAccount = Treasury;
	type MissPenalty = ConstU128<MISS_PENALTY>;
	type ChallengeBond = ConstU128<CHALLENGE_BOND>;
	type WrongResultPenalty = ConstU128<WRONG_RESULT_PENALTY>;
	type CommitteeSize = ConstU32<COMMITTEE_SIZE>;
	type MinCommittee = ConstU32<MIN_COMMITTEE>;
	type MaxChallengers = ConstU32<MAX_CHALLENGERS>;
	type VotingBlocks = ConstU64<VOTING_BLOCKS>;
	type RevealBlocks = ConstU64<REVEAL_BLOCKS>;
	type WinnerShare = WinnerShare;
	type CommitteeShare = CommitteeShare;
	type MaxAttempts = ConstU32<MAX_ATTEMPTS>;
	type MinResponseBlocks = ConstU64<1>;
	type MaxResponseBlocks = ConstU64<50>;
	type MaxBatch = MaxBatch;
	type MaxRequestsPerCall = ConstU32<MAX_PER_CALL>;
	type MaxAnswersPerCall = ConstU32<MAX_PER_CALL>;
	type MaxPendingPerWorker = ConstU32<64>;
	type MaxInputBytes = MaxInputBytes;
	type MaxOutputBytes = MaxOutputBytes;
	type MaxEvidenceBytes = ConstU32<64>;
	type ResultRetention = ConstU64<RETENTION>;
	type CongestionThreshold = CongestionThreshold;
	type TimerBudget = ConstU32<TIMER_BUDGET>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TestCatalog;
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<Test> for TestCatalog {
	fn publish_model(
		owner: &AccountId,
		_price: Balance,
		spec: VersionSpec,
	) -> (ModelId, ModelVersion) {
		let id = 100 + BenchModels::get().len() as ModelId;
		BenchModels::mutate(|models| models.push((id, *owner, spec)));
		(id, V1)
	}

	fn register_worker(worker: &AccountId, model: ModelId, version: ModelVersion) {
		let served = vec![verin_primitives::market::ServedVersion { model, version }];
		pallet_workers::Pallet::<Test>::register(
			RuntimeOrigin::signed(*worker),
			MIN_STAKE * 10,
			Tier::ALL.into_iter().collect(),
			served.try_into().unwrap(),
		)
		.expect("funded worker serving a published version");
	}

	/// The mock verifier's ZK rule: the evidence is the output's hash.
	fn costliest_evidence() -> crate::EvidenceCase {
		let output = output(1, 2.0);
		crate::EvidenceCase {
			tier: Tier::Zk,
			spec: test_spec(&[Tier::Zk]),
			input: input(1, 1.0),
			output: output.clone(),
			circuit: Some((sp_core::H256::repeat_byte(0xC1), vec![0xC1; 32])),
			evidence: sp_io::hashing::blake2_256(&codec::Encode::encode(&output)).to_vec(),
		}
	}
}

/// Every account the tests use, for balance accounting.
pub const ACCOUNTS: [AccountId; 13] = [
	REQUESTER,
	OTHER_REQUESTER,
	OWNER,
	POOR,
	WORKER_A,
	WORKER_B,
	WORKER_C,
	WORKER_D,
	WORKER_E,
	WORKER_F,
	WORKER_G,
	WORKER_H,
	TREASURY,
];

pub fn new_test_ext() -> sp_io::TestExternalities {
	verin_pallet_support::testing::new_test_ext_with_balances::<Test>(vec![
		(REQUESTER, INITIAL_BALANCE),
		(OTHER_REQUESTER, INITIAL_BALANCE),
		(OWNER, 1),
		(POOR, 100),
		(WORKER_A, INITIAL_BALANCE),
		(WORKER_B, INITIAL_BALANCE),
		(WORKER_C, INITIAL_BALANCE),
		(WORKER_D, INITIAL_BALANCE),
		(WORKER_E, INITIAL_BALANCE),
		(WORKER_F, INITIAL_BALANCE),
		(WORKER_G, INITIAL_BALANCE),
		(WORKER_H, INITIAL_BALANCE),
		(TREASURY, 1),
	])
}

/// Runs blocks up to `n`, with the market's `on_initialize` at the start of each.
pub fn run_to_block(n: u64) {
	verin_pallet_support::testing::run_to_block::<Test, Inference>(n)
}

/// `batch` rows of the model's input, every element `value`.
pub fn input(batch: u32, value: f32) -> TensorPayload {
	payload(batch, 4, value)
}

/// `batch` rows of the model's output, every element `value`.
pub fn output(batch: u32, value: f32) -> TensorPayload {
	payload(batch, 2, value)
}

fn payload(batch: u32, width: u32, value: f32) -> TensorPayload {
	let data: Vec<u8> = (0..batch * width).flat_map(|_| value.to_le_bytes()).collect();
	vec![TensorData {
		shape: vec![batch, width].try_into().unwrap(),
		data: data.try_into().unwrap(),
	}]
	.try_into()
	.unwrap()
}
