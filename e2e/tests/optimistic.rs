//! End-to-end: the optimistic tier on a two-node dev network with four workers, one lying.
//!
//! Node A (`--dev --worker`) is the validator and holds the worker keys of Alice (the genesis
//! worker), Bob and Charlie. Node B runs `verin-node-lying` (the `test-lying-worker` build,
//! `scripts/build.sh` makes it) with Dave's key: every output its engine gives is altered.
//! Optimistic jobs of the integer digits model are requested until Dave is assigned one.
//! Without any manual step, node A's watcher re-executes Dave's result, challenges it, the
//! committee drawn in the next block (the two other honest keys) commits to and reveals its
//! votes, and the result is overturned: the requester
//! reads the right output (Python onnxruntime's), Dave loses `WrongResultPenalty` of his
//! stake and is suspended, within the challenge window plus the voting blocks. Node B's
//! watcher, lying too, challenges honest results: those challenges fail and the honest jobs
//! complete with the right output.

use std::time::{Duration, Instant};

use codec::{Decode, Encode};
use verin_primitives::{
	currency::UNIT,
	market::{Job, JobId, JobStatus},
	model::ModelVersion,
	tensor::{TensorData, TensorPayload},
	tier::{Tier, TierSet},
	AccountId, Balance, BlockNumber,
};
use verin_runtime::{
	configs::{WrongResultPenalty, CHALLENGE_WINDOW, REVEAL_BLOCKS, VOTING_BLOCKS},
	Runtime, RuntimeCall,
};
use verin_testing::{
	reference, submit_call,
	subxt::rpcs::rpc_params,
	subxt_signer::sr25519::{dev, Keypair},
	wait_for_finalized, DevNode,
};

type JobRecord = Job<AccountId, Balance, BlockNumber>;

/// The integer digits model's id at genesis.
const DIGITS_INT8: u64 = 1;
const STAKE: Balance = 100 * UNIT;

fn account(keypair: &Keypair) -> AccountId {
	AccountId::from(keypair.public_key().0)
}

async fn insert_worker_key(node: &DevNode, suri: &str, keypair: &Keypair) {
	node.insert_key("vwrk", suri, &keypair.public_key().0).await;
}

async fn worker_info(node: &DevNode, who: &AccountId) -> pallet_workers::WorkerInfo<Runtime> {
	let bytes = node.storage(&pallet_workers::Registered::<Runtime>::hashed_key_for(who)).await;
	Decode::decode(&mut &bytes.expect("the worker is registered")[..]).expect("a worker record")
}

async fn job(node: &DevNode, id: JobId) -> Option<JobRecord> {
	node.runtime_api("InferenceApi_job", &id.encode()).await
}

fn assigned_to(record: &JobRecord) -> Option<AccountId> {
	match &record.status {
		JobStatus::Assigned { worker, .. }
		| JobStatus::Provisional { worker, .. }
		| JobStatus::Completed { worker, .. }
		| JobStatus::Disputed { worker, .. }
		| JobStatus::Overturned { worker, .. }
		| JobStatus::Unresolved { worker, .. }
		| JobStatus::Failed { worker, .. } => Some(worker.clone()),
		JobStatus::Expired { .. } => None,
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lying_worker_is_challenged_overturned_and_slashed() {
	let honest = DevNode::spawn(verin_testing::node_binary(), &["--dev", "--tmp", "--worker"]);
	let client = honest.client().await;
	wait_for_finalized(&client, 1, Duration::from_secs(90)).await;
	let peer_id: String =
		honest.rpc().await.request("system_localPeerId", rpc_params![]).await.unwrap();
	let bootnode = format!("/ip4/127.0.0.1/tcp/{}/p2p/{peer_id}", honest.p2p_port());
	let liar_node = DevNode::spawn(
		verin_testing::workspace_binary("verin-node-lying"),
		&["--chain", "dev", "--tmp", "--worker", "--bootnodes", &bootnode],
	);

	let (bob, charlie, dave) = (dev::bob(), dev::charlie(), dev::dave());
	insert_worker_key(&honest, "//Bob", &bob).await;
	insert_worker_key(&honest, "//Charlie", &charlie).await;
	insert_worker_key(&liar_node, "//Dave", &dave).await;
	let tiers: TierSet = [Tier::Vanilla, Tier::Optimistic].into_iter().collect();
	let served = vec![pallet_workers::ServedVersion {
		model: DIGITS_INT8,
		version: ModelVersion::new(1, 0),
	}];
	let register = RuntimeCall::Workers(pallet_workers::Call::<Runtime>::register {
		stake: STAKE,
		tiers,
		models: served.try_into().unwrap(),
	})
	.encode();
	futures::future::join_all(
		[&bob, &charlie, &dave].map(|signer| submit_call(&client, signer, &register)),
	)
	.await;

	let reference = reference::load("digits-mlp-int8");
	let input: TensorPayload = vec![TensorData {
		shape: vec![1, 64].try_into().unwrap(),
		data: reference.input_bytes[..64].to_vec().try_into().unwrap(),
	}]
	.try_into()
	.unwrap();
	let expected: Vec<u8> =
		reference.output[..10].iter().flat_map(|v| (*v as i32).to_le_bytes()).collect();
	let request = RuntimeCall::Inference(pallet_inference::Call::<Runtime>::request {
		model: DIGITS_INT8,
		version: None,
		input,
		tier: Tier::Optimistic,
		max_fee: UNIT,
		response_blocks: 10,
	})
	.encode();

	// Rounds of four concurrent requests (one per requester) until Dave holds a job. The
	// requesters are no worker keys: a worker's node submits with the worker's account, and
	// subxt takes the nonce from the finalized state, so a requester that is also a worker
	// could have its request outdated by its own node's answer.
	let dave_id = account(&dave);
	let requesters = [dev::eve(), dev::ferdie(), dev::one(), dev::two()];
	let mut jobs: Vec<JobId> = Vec::new();
	let liars_job = 'rounds: {
		for _ in 0..5 {
			futures::future::join_all(
				requesters.iter().map(|signer| submit_call(&client, signer, &request)),
			)
			.await;
			let next = jobs.len() as JobId;
			jobs.extend(next..next + requesters.len() as JobId);
			for id in next..next + requesters.len() as JobId {
				let record = job(&honest, id).await.expect("requested");
				if assigned_to(&record) == Some(dave_id.clone()) {
					break 'rounds id;
				}
			}
		}
		panic!("Dave was never assigned one of {} jobs", jobs.len());
	};

	// Every job ends without anyone stepping in.
	let deadline = Instant::now() + Duration::from_secs(300);
	let mut ended = Vec::new();
	for &id in &jobs {
		let record = loop {
			let record = job(&honest, id).await.expect("jobs stay readable for a day");
			if record.status.ended_at().is_some() {
				break record;
			}
			assert!(
				Instant::now() < deadline,
				"job {id} is still {:?}\n--- honest node\n{}\n--- lying node\n{}",
				record.status,
				honest.log_tail(),
				liar_node.log_tail()
			);
			tokio::time::sleep(Duration::from_millis(500)).await;
		};
		ended.push((id, record));
	}

	for (id, record) in &ended {
		let output = record
			.output
			.as_ref()
			.and_then(|stored| stored.inline())
			.expect("every job here has an output");
		assert_eq!(
			output[0].data.to_vec(),
			expected,
			"job {id} ({:?}) ends with onnxruntime's output",
			record.status
		);
		if *id == liars_job {
			let JobStatus::Overturned { at, .. } = record.status else {
				panic!("Dave's job {id} ended as {:?}\n{}", record.status, honest.log_tail());
			};
			// The result lands the block after the request; the window, the committee draw
			// (one block after the challenge), the commit and reveal phases follow.
			let latest =
				record.requested_at + 1 + CHALLENGE_WINDOW + 1 + VOTING_BLOCKS + REVEAL_BLOCKS + 1;
			assert!(at <= latest, "overturned in #{at}, after #{latest}");
			println!("Dave's job {id}: requested in #{}, overturned in #{at}", record.requested_at);
		} else if assigned_to(record) != Some(dave_id.clone()) {
			assert!(
				matches!(record.status, JobStatus::Completed { .. }),
				"honest job {id}: {:?}",
				record.status
			);
		}
	}

	let dave_info = worker_info(&honest, &dave_id).await;
	let lost = STAKE - dave_info.stake;
	assert!(lost >= WrongResultPenalty::get(), "Dave lost {lost}, less than the penalty");
	assert!(!dave_info.online, "the liar is suspended");
	for honest_worker in [account(&bob), account(&charlie)] {
		assert_eq!(
			worker_info(&honest, &honest_worker).await.stake,
			STAKE,
			"an honest worker keeps its stake"
		);
	}
	println!(
		"{} jobs: Dave's job {liars_job} overturned, Dave lost {} VRN of stake",
		jobs.len(),
		lost / UNIT
	);
}
