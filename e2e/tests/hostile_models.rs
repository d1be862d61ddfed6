//! A model owner cannot stall a worker node. Dave and Eve publish two hostile models
//! (`scripts/models/hostile`) and Alice (the dev worker) serves them: a `Loop` that never ends and an
//! 8 GiB allocation. Bob requests the looping one and, in the same block, Charlie a job of
//! the genesis intent classifier; then Bob requests the allocating one:
//! - the intent job is answered from the next block on, while the looping job still holds
//!   its runner (the node runs it with a time limit of a few blocks, to show that it is not
//!   waited for);
//! - the looping job ends `Failed { ExecutionTimedOut }`, the allocating one
//!   `Failed { ResourceLimit }`, both refunded;
//! - Alice, an honest worker that could not run them, keeps all of her stake.

use std::time::{Duration, Instant};

use codec::{Decode, Encode};
use verin_primitives::{
	currency::UNIT,
	market::{FailureReason, Job, JobId, JobStatus},
	model::{
		DeterminismClass, Dim, ElementType, ModelFormat, ModelId, ModelMetadata, ModelVersion,
		TensorSchema, TensorSpec, ToleranceRule, VersionSpec,
	},
	tensor::{TensorData, TensorPayload},
	tier::Tier,
	AccountId, Balance, BlockNumber,
};
use verin_runtime::{Runtime, RuntimeCall};
use verin_testing::{
	submit_call,
	subxt_signer::sr25519::{dev, Keypair},
	wait_for_finalized, Client, DevNode,
};

type JobRecord = Job<AccountId, Balance, BlockNumber>;

const LOOP_FOREVER: &[u8] = include_bytes!("../../scripts/models/hostile/loop-forever.onnx");
const MEMORY_BOMB: &[u8] = include_bytes!("../../scripts/models/hostile/memory-bomb.onnx");
/// The genesis intent classifier (48 keyword counts to 6 scores).
const INTENT: ModelId = 2;
/// A few blocks: the looping job still runs when the intent job is answered. (Below the
/// offchain worker's claim of 5 blocks, after which a job still unanswered is run again.)
const MODEL_TIMEOUT_MS: &str = "20000";

fn tensor(name: &str, width: u32) -> TensorSpec {
	TensorSpec {
		name: name.as_bytes().to_vec().try_into().unwrap(),
		element: ElementType::F32,
		shape: vec![Dim::Batch, Dim::Fixed(width)].try_into().unwrap(),
	}
}

/// Registers model `name` of `owner` and publishes `bytes` (one chunk) as its version 1.0;
/// returns its id.
async fn publish(
	node: &DevNode,
	client: &Client,
	owner: &Keypair,
	name: &str,
	bytes: &[u8],
) -> ModelId {
	let metadata = ModelMetadata {
		name: name.as_bytes().to_vec().try_into().unwrap(),
		description: Default::default(),
		task: b"test".to_vec().try_into().unwrap(),
		license: b"Apache-2.0".to_vec().try_into().unwrap(),
		tags: Default::default(),
	};
	let spec = VersionSpec {
		format: ModelFormat::Onnx { opset: 17 },
		schema: TensorSchema {
			inputs: vec![tensor("features", 4)].try_into().unwrap(),
			outputs: vec![tensor("scores", 4)].try_into().unwrap(),
		},
		determinism: DeterminismClass::Float(ToleranceRule::ArgmaxEqual),
		tiers: [Tier::Vanilla].into_iter().collect(),
	};
	let name: verin_primitives::model::ModelName = metadata.name.clone();
	let register = pallet_models::Call::<Runtime>::register_model { metadata, price: 0 };
	submit_call(client, owner, &RuntimeCall::Models(register).encode()).await;
	let owner_id = AccountId::from(owner.public_key().0);
	let key = pallet_models::ModelIdByName::<Runtime>::hashed_key_for(&owner_id, &name);
	let model = ModelId::decode(&mut &node.storage(&key).await.expect("registered")[..]).unwrap();
	let calls = [
		pallet_models::Call::<Runtime>::begin_upload {
			model,
			version: ModelVersion::new(1, 0),
			spec,
			size: bytes.len() as u64,
			chunk_count: 1,
		},
		pallet_models::Call::upload_chunk {
			model,
			index: 0,
			bytes: bytes.to_vec().try_into().unwrap(),
		},
		pallet_models::Call::finish_upload { model },
	];
	for call in calls {
		submit_call(client, owner, &RuntimeCall::Models(call).encode()).await;
	}
	model
}

fn features(width: u32) -> TensorPayload {
	let data: Vec<u8> = (0..width).flat_map(|i| (i as f32).to_le_bytes()).collect();
	vec![TensorData { shape: vec![1, width].try_into().unwrap(), data: data.try_into().unwrap() }]
		.try_into()
		.unwrap()
}

async fn request(client: &Client, dapp: &Keypair, model: ModelId, width: u32) {
	let request = RuntimeCall::Inference(pallet_inference::Call::<Runtime>::request {
		model,
		version: None,
		input: features(width),
		tier: Tier::Vanilla,
		max_fee: UNIT,
		response_blocks: 20,
	});
	submit_call(client, dapp, &request.encode()).await;
}

async fn job(node: &DevNode, id: JobId) -> JobRecord {
	let record: Option<JobRecord> = node.runtime_api("InferenceApi_job", &id.encode()).await;
	record.unwrap_or_else(|| panic!("job {id} exists"))
}

async fn ended(node: &DevNode, id: JobId, within: Duration) -> JobRecord {
	let start = Instant::now();
	loop {
		let record = job(node, id).await;
		if record.status.ended_at().is_some() {
			return record;
		}
		assert!(start.elapsed() < within, "job {id} did not end\n{}", node.log_tail());
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

async fn stake(node: &DevNode, who: &AccountId) -> Balance {
	let bytes = node.storage(&pallet_workers::Registered::<Runtime>::hashed_key_for(who)).await;
	let info: pallet_workers::WorkerInfo<Runtime> =
		Decode::decode(&mut &bytes.expect("the worker is registered")[..]).expect("a record");
	info.stake
}

fn failure(record: &JobRecord) -> Option<FailureReason> {
	match record.status {
		JobStatus::Failed { reason, .. } => Some(reason),
		_ => None,
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_models_end_with_named_failures_and_do_not_stall_the_worker() {
	let node = DevNode::spawn(
		verin_testing::node_binary(),
		&["--dev", "--tmp", "--worker", "--model-timeout-ms", MODEL_TIMEOUT_MS],
	);
	let client = node.client().await;
	wait_for_finalized(&client, 1, Duration::from_secs(90)).await;
	let (owner, dapp) = (dev::alice(), dev::bob());
	let alice = AccountId::from(owner.public_key().0);

	// Two owners publish at once (any owner may deploy a model; Alice serves both).
	let (dave, eve) = (dev::dave(), dev::eve());
	let (looping_model, bomb_model) = tokio::join!(
		publish(&node, &client, &dave, "loop-forever", LOOP_FOREVER),
		publish(&node, &client, &eve, "memory-bomb", MEMORY_BOMB),
	);
	let served: Vec<pallet_workers::ServedVersion> = [0, 1, INTENT, looping_model, bomb_model]
		.into_iter()
		.map(|model| pallet_workers::ServedVersion { model, version: ModelVersion::new(1, 0) })
		.collect();
	let set_models = RuntimeCall::Workers(pallet_workers::Call::set_models {
		models: served.try_into().unwrap(),
	});
	submit_call(&client, &owner, &set_models.encode()).await;
	let stake_before = stake(&node, &alice).await;

	// Jobs 0 (never ends) and 1 (an honest model), in the same block.
	let charlie = dev::charlie();
	// The two publishes race, so either may hold either id: use the ids they returned.
	tokio::join!(request(&client, &dapp, looping_model, 4), request(&client, &charlie, INTENT, 48));
	let (looping_id, intent_id) =
		if job(&node, 0).await.model == looping_model { (0, 1) } else { (1, 0) };
	let answered = ended(&node, intent_id, Duration::from_secs(60)).await;
	assert!(
		matches!(answered.status, JobStatus::Completed { .. }),
		"the intent job is answered: {:?}",
		answered.status
	);
	let answered_at = answered.status.ended_at().unwrap();
	assert!(
		answered_at <= answered.requested_at + 3,
		"answered from the next block on, not after the looping job: requested at {}, answered at {answered_at}",
		answered.requested_at
	);
	request(&client, &dapp, bomb_model, 4).await; // job 2: allocates 8 GiB

	let looping = ended(&node, looping_id, Duration::from_secs(90)).await;
	assert_eq!(failure(&looping), Some(FailureReason::ExecutionTimedOut), "{:?}", looping.status);
	assert!(answered_at < looping.status.ended_at().unwrap(), "answered while the loop ran");
	let bomb = ended(&node, 2, Duration::from_secs(60)).await;
	assert_eq!(failure(&bomb), Some(FailureReason::ResourceLimit), "{:?}", bomb.status);
	assert!(looping.output.is_none() && bomb.output.is_none());

	assert_eq!(stake(&node, &alice).await, stake_before, "no honest worker is slashed");
	// The node answers the next job after both.
	request(&client, &dapp, INTENT, 48).await;
	let next = ended(&node, 3, Duration::from_secs(40)).await;
	assert!(matches!(next.status, JobStatus::Completed { .. }), "{:?}", next.status);
}
