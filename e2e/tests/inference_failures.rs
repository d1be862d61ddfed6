//! End-to-end failure paths of the inference node, each ending in a refunded job with its
//! reason: model bytes that do not match their content id, a model ONNX Runtime cannot load,
//! and an input the model rejects. Alice (the dev worker) publishes three deliberately broken
//! model versions and serves them; Bob requests each.

use std::time::{Duration, Instant};

use codec::Encode;
use verin_primitives::{
	currency::UNIT,
	market::{FailureReason, Job, JobId, JobStatus},
	model::{
		chunk_hash, offchain_chunk_key, DeterminismClass, Dim, ElementType, ModelFormat, ModelId,
		ModelMetadata, ModelVersion, TensorSchema, TensorSpec, ToleranceRule, VersionSpec,
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

const INTENT: &[u8] = include_bytes!("../../scripts/models/intent-mlp-f32.onnx");

fn tensor(name: &str, width: u32) -> TensorSpec {
	TensorSpec {
		name: name.as_bytes().to_vec().try_into().unwrap(),
		element: ElementType::F32,
		shape: vec![Dim::Batch, Dim::Fixed(width)].try_into().unwrap(),
	}
}

/// A float model taking `width` features to 6 scores, Vanilla only.
fn spec(width: u32) -> VersionSpec {
	VersionSpec {
		format: ModelFormat::Onnx { opset: 17 },
		schema: TensorSchema {
			inputs: vec![tensor("features", width)].try_into().unwrap(),
			outputs: vec![tensor("scores", 6)].try_into().unwrap(),
		},
		determinism: DeterminismClass::Float(ToleranceRule::ArgmaxEqual),
		tiers: [Tier::Vanilla].into_iter().collect(),
	}
}

/// Publishes `bytes` (one chunk) as version 1.0 of a new model `name` owned by `owner`.
async fn publish(
	client: &Client,
	owner: &Keypair,
	model: ModelId,
	name: &str,
	bytes: &[u8],
	spec: VersionSpec,
) {
	let metadata = ModelMetadata {
		name: name.as_bytes().to_vec().try_into().unwrap(),
		description: Default::default(),
		task: b"test".to_vec().try_into().unwrap(),
		license: b"Apache-2.0".to_vec().try_into().unwrap(),
		tags: Default::default(),
	};
	let calls = [
		pallet_models::Call::<Runtime>::register_model { metadata, price: 0 },
		pallet_models::Call::begin_upload {
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
}

fn payload(width: u32) -> TensorPayload {
	let data: Vec<u8> = (0..width).flat_map(|i| (i as f32).to_le_bytes()).collect();
	vec![TensorData { shape: vec![1, width].try_into().unwrap(), data: data.try_into().unwrap() }]
		.try_into()
		.unwrap()
}

async fn ended(node: &DevNode, id: JobId) -> JobRecord {
	let start = Instant::now();
	loop {
		let record: Option<JobRecord> = node.runtime_api("InferenceApi_job", &id.encode()).await;
		if let Some(record) = record.filter(|r| r.status.ended_at().is_some()) {
			return record;
		}
		assert!(
			start.elapsed() < Duration::from_secs(60),
			"job {id} did not end\n{}",
			node.log_tail()
		);
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

/// `who`'s reserved (held) balance, read from `System.Account` at the best block.
async fn held(node: &DevNode, who: &Keypair) -> Balance {
	let account = AccountId::from(who.public_key().0);
	let mut key = sp_io::hashing::twox_128(b"System").to_vec();
	key.extend(sp_io::hashing::twox_128(b"Account"));
	key.extend(sp_io::hashing::blake2_128(account.as_ref()));
	key.extend(account.encode());
	let bytes = node.storage(&key).await.expect("the dapp's account exists");
	let info = <frame_system::AccountInfo<u32, pallet_balances::AccountData<Balance>> as codec::Decode>::decode(&mut &bytes[..])
		.expect("AccountInfo decodes");
	info.data.reserved
}

#[tokio::test(flavor = "multi_thread")]
async fn broken_models_and_rejected_inputs_end_in_refunds_with_reasons() {
	let node = DevNode::spawn(verin_testing::node_binary(), &["--dev", "--tmp", "--worker"]);
	let client = node.client().await;
	wait_for_finalized(&client, 1, Duration::from_secs(90)).await;
	let (owner, dapp) = (dev::alice(), dev::bob());

	// Model 3: bytes that will be corrupted in the worker's offchain store.
	let tampered: Vec<u8> = (0..1_000u32).map(|i| (i % 7) as u8).collect();
	publish(&client, &owner, 3, "tampered", &tampered, spec(48)).await;
	let mut corrupt = tampered.clone();
	corrupt[0] ^= 0xff;
	node.offchain_set(&offchain_chunk_key(&chunk_hash(&tampered)), &corrupt).await;
	// Model 4: not an ONNX graph at all.
	publish(&client, &owner, 4, "not-onnx", b"definitely not a protobuf", spec(48)).await;
	// Model 5: the intent classifier declared with 47 features: ONNX Runtime rejects the input.
	publish(&client, &owner, 5, "wrong-width", INTENT, spec(47)).await;

	let served: Vec<pallet_workers::ServedVersion> = (0..6)
		.map(|model| pallet_workers::ServedVersion { model, version: ModelVersion::new(1, 0) })
		.collect();
	let set_models = RuntimeCall::Workers(pallet_workers::Call::set_models {
		models: served.try_into().unwrap(),
	});
	submit_call(&client, &owner, &set_models.encode()).await;

	let cases = [
		(3, 48, FailureReason::ModelUnavailable),
		(4, 48, FailureReason::ModelLoadFailed),
		(5, 47, FailureReason::ExecutionFailed),
	];
	for (index, (model, width, expected)) in cases.into_iter().enumerate() {
		let request = RuntimeCall::Inference(pallet_inference::Call::<Runtime>::request {
			model,
			version: None,
			input: payload(width),
			tier: Tier::Vanilla,
			max_fee: UNIT,
			response_blocks: 10,
		});
		submit_call(&client, &dapp, &request.encode()).await;
		let record = ended(&node, index as JobId).await;
		match record.status {
			JobStatus::Failed { reason, .. } => assert_eq!(reason, expected, "model {model}"),
			other => panic!("model {model}: expected a reported failure, got {other:?}"),
		}
		assert!(record.output.is_none());
	}
	assert_eq!(held(&node, &dapp).await, 0);
}
