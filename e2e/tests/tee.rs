//! End-to-end: the TEE tier on the dev node.
//!
//! The node runs `--worker --tee-provider dev`: in its first blocks its offchain worker has
//! the development enclave attest the enclave key for Alice (the genesis worker) and
//! registers it; the runtime verifies the document against the development root that the
//! dev chain spec pins. A TEE job of the float digits model then completes at inclusion
//! with onnxruntime's output, signed by the enclave.
//!
//! Bob, a second TEE worker, is played by the test itself: it registers an enclave it
//! attests with the development CA, and when a TEE job lands on Bob it submits the right
//! output twice: signed by another ed25519 key (refused as `InvalidEvidence`), then by the
//! registered enclave key (accepted).

use std::time::{Duration, Instant};

use codec::{Decode, Encode};
use sp_core::{ed25519, Pair, H256};
use verin_primitives::{
	currency::UNIT,
	market::{tee_result_message, Job, JobId, JobStatus},
	model::ModelVersion,
	tensor::{TensorData, TensorPayload},
	tier::{Tier, TierSet},
	AccountId, Balance, BlockNumber,
};
use verin_runtime::{Runtime, RuntimeCall};
use verin_testing::{
	reference, submit_call,
	subxt::rpcs::rpc_params,
	subxt_signer::sr25519::{dev, Keypair},
	try_submit_call, wait_for_finalized, DevNode,
};

type JobRecord = Job<AccountId, Balance, BlockNumber>;

/// The float digits model's id at genesis (it offers the TEE tier).
const DIGITS_F32: u64 = 0;

fn account(keypair: &Keypair) -> AccountId {
	AccountId::from(keypair.public_key().0)
}

async fn job(node: &DevNode, id: JobId) -> JobRecord {
	let record: Option<JobRecord> = node.runtime_api("InferenceApi_job", &id.encode()).await;
	record.expect("requested jobs stay readable")
}

async fn enclave(node: &DevNode, worker: &AccountId) -> Option<pallet_enclaves::Enclave> {
	let bytes = node.storage(&pallet_enclaves::Enclaves::<Runtime>::hashed_key_for(worker)).await?;
	Some(Decode::decode(&mut &bytes[..]).expect("an enclave record"))
}

fn payload(shape: &[u32], data: Vec<u8>) -> TensorPayload {
	vec![TensorData { shape: shape.to_vec().try_into().unwrap(), data: data.try_into().unwrap() }]
		.try_into()
		.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tee_job_completes_and_a_result_signed_by_another_key_is_rejected() {
	let node = DevNode::spawn(
		verin_testing::node_binary(),
		&["--dev", "--tmp", "--worker", "--tee-provider", "dev"],
	);
	let client = node.client().await;
	wait_for_finalized(&client, 1, Duration::from_secs(90)).await;

	// Alice's node registers her enclave by itself.
	let alice = account(&dev::alice());
	let start = Instant::now();
	let alices_enclave = loop {
		if let Some(enclave) = enclave(&node, &alice).await {
			break enclave;
		}
		assert!(
			start.elapsed() < Duration::from_secs(60),
			"Alice's enclave was not registered\n{}",
			node.log_tail()
		);
		tokio::time::sleep(Duration::from_millis(500)).await;
	};
	let dev_measurement =
		verin_attestation::dev_measurement(verin_attestation::DEV_SOFTWARE_VERSION);
	assert_eq!(alices_enclave.measurement, pallet_enclaves::measurement_id(&dev_measurement));
	assert_eq!(
		alices_enclave.root,
		pallet_enclaves::root_id(verin_attestation::DEV_ROOT_CERTIFICATE)
	);

	// Bob: a TEE worker of the digits model whose enclave the test holds.
	let bob = dev::bob();
	let bob_id = account(&bob);
	let register = RuntimeCall::Workers(pallet_workers::Call::<Runtime>::register {
		stake: 100 * UNIT,
		tiers: [Tier::Vanilla, Tier::Tee].into_iter().collect::<TierSet>(),
		models: vec![pallet_workers::ServedVersion {
			model: DIGITS_F32,
			version: ModelVersion::new(1, 0),
		}]
		.try_into()
		.unwrap(),
	});
	submit_call(&client, &bob, &register.encode()).await;
	let bobs_enclave = ed25519::Pair::from_seed(&[11; 32]);
	let genesis: H256 =
		node.rpc().await.request("chain_getBlockHash", rpc_params![0]).await.unwrap();
	let nonce = verin_attestation::enclave_nonce(&genesis.0, &bob_id.encode());
	let now_ms =
		std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis()
			as u64;
	let document = verin_attestation::dev::DocumentBuilder::new(
		now_ms,
		dev_measurement,
		&bobs_enclave.public().0,
		&nonce,
		verin_attestation::dev::key_from_label("tee e2e leaf"),
	)
	.build();
	let register_enclave =
		RuntimeCall::Enclaves(pallet_enclaves::Call::<Runtime>::register_enclave {
			attestation: document.try_into().unwrap(),
		});
	submit_call(&client, &bob, &register_enclave.encode()).await;

	let reference = reference::load("digits-mlp-f32");
	let input = payload(&reference.input_shape, reference.input_bytes.clone());
	let request = RuntimeCall::Inference(pallet_inference::Call::<Runtime>::request {
		model: DIGITS_F32,
		version: None,
		input: input.clone(),
		tier: Tier::Tee,
		max_fee: UNIT,
		response_blocks: 20,
	})
	.encode();

	// Requests until each of Alice and Bob holds a TEE job.
	let requesters = [dev::charlie(), dev::dave(), dev::eve(), dev::ferdie()];
	let mut next: JobId = 0;
	let (mut alices_job, mut bobs_job) = (None, None);
	for _ in 0..6 {
		futures::future::join_all(
			requesters.iter().map(|signer| submit_call(&client, signer, &request)),
		)
		.await;
		for id in next..next + requesters.len() as JobId {
			let record = job(&node, id).await;
			assert_eq!(record.tier, Tier::Tee);
			let worker = match record.status {
				JobStatus::Assigned { worker, .. } | JobStatus::Completed { worker, .. } => worker,
				other => panic!("job {id}: {other:?}\n{}", node.log_tail()),
			};
			if worker == alice {
				alices_job.get_or_insert(id);
			} else if worker == bob_id {
				bobs_job.get_or_insert(id);
			}
		}
		next += requesters.len() as JobId;
		if alices_job.is_some() && bobs_job.is_some() {
			break;
		}
	}
	let (Some(alices_job), Some(bobs_job)) = (alices_job, bobs_job) else {
		panic!("in {next} TEE jobs Alice held {alices_job:?}, Bob {bobs_job:?}");
	};

	// Alice's node answers with an enclave signature, accepted at inclusion.
	let start = Instant::now();
	let record = loop {
		let record = job(&node, alices_job).await;
		if record.status.ended_at().is_some() {
			break record;
		}
		assert!(
			start.elapsed() < Duration::from_secs(60),
			"Alice's TEE job is still {:?}\n{}",
			record.status,
			node.log_tail()
		);
		tokio::time::sleep(Duration::from_millis(500)).await;
	};
	let JobStatus::Completed { at, .. } = record.status else {
		panic!("Alice's TEE job ended as {:?}\n{}", record.status, node.log_tail());
	};
	let output =
		record.output.and_then(|stored| stored.inline()).expect("a completed job has its output");
	reference.assert_output(&output[0].shape, &output[0].data);
	println!("TEE job {alices_job}: requested in #{}, completed in #{at}", record.requested_at);

	// Bob's job: the right output, signed by another key, is refused; the enclave's passes.
	let record = job(&node, bobs_job).await;
	let output_bytes: Vec<u8> =
		reference.output.iter().flat_map(|v| (*v as f32).to_le_bytes()).collect();
	let output = payload(&reference.output_shape, output_bytes);
	// The chain's genesis hash, as Bob's enclave knows it from its own node.
	let genesis_hash = sp_core::H256(client.genesis_hash().0);
	let message = tee_result_message(
		genesis_hash,
		bobs_job,
		record.content_id,
		<sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(&input.encode()),
		<sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(&output.encode()),
	);
	let submit = |signature: [u8; 64]| {
		RuntimeCall::Inference(pallet_inference::Call::<Runtime>::submit_result {
			job: bobs_job,
			output: output.clone(),
			evidence: signature.to_vec().try_into().unwrap(),
		})
		.encode()
	};
	let impostor = ed25519::Pair::from_seed(&[12; 32]);
	let refused = try_submit_call(&client, &bob, &submit(impostor.sign(&message).0)).await;
	let Err(error) = refused else { panic!("a result signed by another key is refused") };
	assert!(error.contains("InvalidEvidence"), "{error}");
	assert!(
		matches!(job(&node, bobs_job).await.status, JobStatus::Assigned { .. }),
		"the job stays with Bob"
	);

	submit_call(&client, &bob, &submit(bobs_enclave.sign(&message).0)).await;
	let record = job(&node, bobs_job).await;
	assert!(
		matches!(&record.status, JobStatus::Completed { worker, .. } if *worker == bob_id),
		"Bob's job: {:?}",
		record.status
	);
}
