//! End-to-end: a ZK job on the dev node. The dev worker compiles the integer digits model's
//! circuit from the model's bytes, finds its digest equal to the one registered at genesis,
//! proves the output, and the runtime verifies the plonky2 proof before settling. The
//! output equals Python onnxruntime's, bit for bit.

use std::time::{Duration, Instant};

use codec::Encode;
use verin_primitives::{
	currency::UNIT,
	market::{Job, JobId, JobStatus},
	tensor::{TensorData, TensorPayload},
	tier::Tier,
	AccountId, Balance, BlockNumber,
};
use verin_runtime::{Runtime, RuntimeCall};
use verin_testing::{
	reference, submit_call, subxt_signer::sr25519::dev, wait_for_finalized, DevNode,
};

type JobRecord = Job<AccountId, Balance, BlockNumber>;

/// The integer digits model's id at genesis.
const DIGITS_INT8: u64 = 1;

#[tokio::test(flavor = "multi_thread")]
async fn a_zk_job_completes_with_its_proof_verified_on_chain() {
	let node = DevNode::spawn(verin_testing::node_binary(), &["--dev", "--tmp", "--worker"]);
	let client = node.client().await;
	wait_for_finalized(&client, 1, Duration::from_secs(90)).await;

	let reference = reference::load("digits-mlp-int8");
	let row = reference.input_bytes[..64].to_vec();
	let input: TensorPayload =
		vec![TensorData { shape: vec![1, 64].try_into().unwrap(), data: row.try_into().unwrap() }]
			.try_into()
			.unwrap();
	let call = RuntimeCall::Inference(pallet_inference::Call::<Runtime>::request {
		model: DIGITS_INT8,
		version: None,
		input,
		tier: Tier::Zk,
		max_fee: UNIT,
		response_blocks: 10,
	});
	submit_call(&client, &dev::bob(), &call.encode()).await;

	let job: JobId = 0;
	let start = Instant::now();
	let record = loop {
		let record: Option<JobRecord> = node.runtime_api("InferenceApi_job", &job.encode()).await;
		if let Some(record) = record.filter(|r| r.status.ended_at().is_some()) {
			break record;
		}
		assert!(
			start.elapsed() < Duration::from_secs(90),
			"the ZK job did not end\n{}",
			node.log_tail()
		);
		tokio::time::sleep(Duration::from_millis(500)).await;
	};
	let JobStatus::Completed { at, .. } = record.status else {
		panic!("the ZK job ended as {:?}\n{}", record.status, node.log_tail());
	};
	assert_eq!(record.tier, Tier::Zk);
	let output =
		record.output.and_then(|stored| stored.inline()).expect("a completed job has its output");
	// The first row of Python onnxruntime's outputs for the reference inputs.
	let expected: Vec<u8> =
		reference.output[..10].iter().flat_map(|v| (*v as i32).to_le_bytes()).collect();
	assert_eq!(output[0].shape.to_vec(), vec![1, 10]);
	assert_eq!(
		output[0].data.to_vec(),
		expected,
		"the proven output is onnxruntime's, bit for bit"
	);
	println!("ZK job: requested in #{}, proven and verified in #{at}", record.requested_at);
}
