//! End-to-end: the dev node (`--dev --worker`) answers inference requests for each example
//! model. A dapp submits `inference.request` with subxt; the dev worker's offchain worker
//! runs the model with ONNX Runtime and submits the result; the result is on chain within two
//! blocks of the request's block and equals what onnxruntime in Python computed for the same
//! input (bit-exact for the integer model, within 1e-5 for the float ones).

use std::time::{Duration, Instant};

use codec::Encode;
use verin_primitives::{
	currency::UNIT,
	market::{Job, JobId, JobStatus},
	model::ModelId,
	tensor::{TensorData, TensorPayload},
	tier::Tier,
	AccountId, Balance, BlockNumber,
};
use verin_runtime::{Runtime, RuntimeCall};
use verin_testing::{
	reference, submit_call, subxt_signer::sr25519::dev, wait_for_finalized, DevNode,
};

type JobRecord = Job<AccountId, Balance, BlockNumber>;

/// Ids the dev chain's genesis gives the example models.
const EXAMPLES: [(ModelId, &str); 3] =
	[(0, "digits-mlp-f32"), (1, "digits-mlp-int8"), (2, "intent-mlp-f32")];

async fn job(node: &DevNode, id: JobId) -> Option<JobRecord> {
	node.runtime_api("InferenceApi_job", &id.encode()).await
}

/// Waits until the job has ended (or panics after `timeout`) and returns it.
async fn ended(node: &DevNode, id: JobId, timeout: Duration) -> JobRecord {
	let start = Instant::now();
	loop {
		if let Some(record) = job(node, id).await {
			if record.status.ended_at().is_some() {
				return record;
			}
		}
		assert!(
			start.elapsed() < timeout,
			"job {id} did not end within {timeout:?}\n{}",
			node.log_tail()
		);
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dev_worker_answers_every_example_model_like_python_onnxruntime() {
	let node = DevNode::spawn(verin_testing::node_binary(), &["--dev", "--tmp", "--worker"]);
	let client = node.client().await;
	wait_for_finalized(&client, 1, Duration::from_secs(90)).await;
	let dapp = dev::bob();

	for (index, (model, name)) in EXAMPLES.into_iter().enumerate() {
		let reference = reference::load(name);
		let input: TensorPayload = vec![TensorData {
			shape: reference.input_shape.clone().try_into().expect("rank fits"),
			data: reference.input_bytes.clone().try_into().expect("size fits"),
		}]
		.try_into()
		.expect("one tensor");
		let call = RuntimeCall::Inference(pallet_inference::Call::<Runtime>::request {
			model,
			version: None,
			input,
			tier: Tier::Vanilla,
			max_fee: UNIT,
			response_blocks: 10,
		});
		submit_call(&client, &dapp, &call.encode()).await;

		let id = index as JobId;
		let record = ended(&node, id, Duration::from_secs(60)).await;
		let JobStatus::Completed { at, .. } = record.status else {
			panic!("{name}: job {id} ended as {:?}\n{}", record.status, node.log_tail());
		};
		assert!(
			at <= record.requested_at + 2,
			"{name}: requested in block {}, answered in block {at}: more than two blocks",
			record.requested_at
		);
		let output = record
			.output
			.and_then(|stored| stored.inline())
			.expect("a completed job has its output");
		assert_eq!(output.len(), 1, "{name}: one output tensor");
		reference.assert_output(&output[0].shape, &output[0].data);
		println!("{name}: requested in #{}, answered in #{at}", record.requested_at);
	}
}
