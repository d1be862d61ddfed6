//! End-to-end: an inference node that was down when a job was assigned to its key answers
//! the job after it restarts, and its claim on the job survives further restarts.
//!
//! The dev node first runs without `--worker` (no engine, no worker key in use), so the job
//! assigned to the dev worker waits. The node is stopped and started again on the same
//! database with `--worker`: its offchain worker reads the key's pending jobs from the
//! chain, answers the old job and records its claim in the persistent offchain store. A
//! third start finds the claim still there and the job answered exactly once.

use std::time::{Duration, Instant};

use codec::{Decode, Encode};
use verin_primitives::{
	currency::UNIT,
	market::{Job, JobId, JobStatus},
	tensor::{TensorData, TensorPayload},
	tier::Tier,
	AccountId, Balance, BlockNumber,
};
use verin_runtime::{Runtime, RuntimeCall};
use verin_testing::{
	reference, submit_call, subxt_signer::sr25519::dev, wait_for_finalized, DevNode, TempDir,
};

type JobRecord = Job<AccountId, Balance, BlockNumber>;

/// Blocks the assignment stays open: enough to cover the blocks produced across the two
/// restarts (a single dev validator produces none while it is down).
const RESPONSE_BLOCKS: BlockNumber = 40;

fn start_node(base: &TempDir, worker: bool) -> DevNode {
	let base = base.path().to_str().expect("temporary paths are UTF-8");
	let mut args = vec!["--dev", "--base-path", base];
	if worker {
		args.push("--worker");
	}
	DevNode::spawn(verin_testing::node_binary(), &args)
}

async fn job(node: &DevNode, id: JobId) -> Option<JobRecord> {
	node.runtime_api("InferenceApi_job", &id.encode()).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restarted_worker_answers_the_job_assigned_while_it_was_down_and_only_once() {
	let base = TempDir::new("verin-restart");
	let reference = reference::load("digits-mlp-int8");
	let input: TensorPayload = vec![TensorData {
		shape: reference.input_shape.clone().try_into().expect("rank fits"),
		data: reference.input_bytes.clone().try_into().expect("size fits"),
	}]
	.try_into()
	.expect("one tensor");

	// 1. No engine: the job is assigned to the dev worker and stays open.
	let node = start_node(&base, false);
	let client = node.client().await;
	wait_for_finalized(&client, 1, Duration::from_secs(90)).await;
	let call = RuntimeCall::Inference(pallet_inference::Call::<Runtime>::request {
		model: 1,
		version: None,
		input,
		tier: Tier::Vanilla,
		max_fee: UNIT,
		response_blocks: RESPONSE_BLOCKS,
	});
	submit_call(&client, &dev::bob(), &call.encode()).await;
	let assigned = job(&node, 0).await.expect("the request created job 0");
	let JobStatus::Assigned { deadline, .. } = assigned.status else {
		panic!("job 0 is {:?}, expected assigned", assigned.status);
	};
	// A few more blocks: a node that cannot run models must not answer or fail the job.
	let requested = assigned.requested_at as u64;
	wait_for_finalized(&client, requested + 3, Duration::from_secs(60)).await;
	let waiting = job(&node, 0).await.expect("job 0 exists");
	assert!(
		matches!(waiting.status, JobStatus::Assigned { .. }),
		"without an engine the job waits: {:?}",
		waiting.status
	);
	drop(client);
	node.stop();

	// 2. Back with the engine: the pending job is answered from the chain's pending list.
	let node = start_node(&base, true);
	let client = node.client().await;
	let start = Instant::now();
	let answered = loop {
		let record = job(&node, 0).await.expect("job 0 survives the restart");
		if record.status.ended_at().is_some() {
			break record;
		}
		assert!(
			start.elapsed() < Duration::from_secs(120),
			"job 0 not answered after the restart\n{}",
			node.log_tail()
		);
		tokio::time::sleep(Duration::from_millis(500)).await;
	};
	let JobStatus::Completed { at, .. } = answered.status else {
		panic!("job 0 ended as {:?}\n{}", answered.status, node.log_tail());
	};
	assert!(at <= deadline, "answered in #{at}, after the deadline #{deadline}");
	let output =
		answered.output.and_then(|stored| stored.inline()).expect("a completed job has its output");
	reference.assert_output(&output[0].shape, &output[0].data);
	// The pallet's claim key: (prefix as a byte slice, job, attempt), SCALE-encoded.
	let claim_key = (&b"verin/inference/claim/"[..], 0 as JobId, answered.attempts).encode();
	assert!(
		node.offchain_get(&claim_key).await.is_some(),
		"the worker recorded its claim on job 0"
	);
	wait_for_finalized(&client, at as u64, Duration::from_secs(60)).await;
	drop(client);
	node.stop();

	// 3. Another restart: the claim persisted, and the chain holds one result for job 0.
	let node = start_node(&base, true);
	let client = node.client().await;
	assert!(node.offchain_get(&claim_key).await.is_some(), "the claim survives a restart");
	let finalized = client.at_current_block().await.expect("a finalized block").block_number();
	wait_for_finalized(&client, finalized + 3, Duration::from_secs(60)).await;
	let results = count_results(&client, 0, finalized + 3).await;
	assert_eq!(results, 1, "exactly one ResultSubmitted for job 0 over the whole chain");
	println!("job 0: requested in #{requested}, answered in #{at} after the restart");
}

/// Counts `Inference::ResultSubmitted` events for `job` in blocks 1..=`up_to`.
async fn count_results(client: &verin_testing::Client, job: JobId, up_to: u64) -> usize {
	let mut count = 0;
	for number in 1..=up_to {
		let at = client.at_block(number).await.unwrap_or_else(|e| panic!("block #{number}: {e}"));
		let events =
			at.events().fetch().await.unwrap_or_else(|e| panic!("events of #{number}: {e}"));
		for event in events.iter() {
			let event =
				event.unwrap_or_else(|e| panic!("an event of #{number} does not decode: {e}"));
			if event.pallet_name() == "Inference" && event.event_name() == "ResultSubmitted" {
				let fields = event.field_bytes();
				if JobId::decode(&mut &fields[..]).ok() == Some(job) {
					count += 1;
				}
			}
		}
	}
	count
}
