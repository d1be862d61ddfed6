//! Large inputs and outputs: kept by content (offchain indexing), read back by the worker,
//! cleared with the job; state per job stays bounded whatever the payload size.

use super::*;
use sp_runtime::traits::Dispatchable;
use verin_pallet_support::testing::offchain_worker_node;
use verin_primitives::{
	model::{
		DeterminismClass, Dim, ElementType, ModelFormat, TensorSchema, TensorSpec, ToleranceRule,
		VersionSpec,
	},
	payload::{offchain_payload_key, PayloadRole, StoredPayload, MAX_INLINE_PAYLOAD_LEN},
};
use verin_worker_primitives::{InferenceBackend, InferenceError, InferenceExt, Proven};

/// Rows of the mock model's input (16 bytes each) that make a 33 KiB input and an output
/// (8 bytes a row) just over the inline limit.
const LARGE_BATCH: u32 = 2_100;

/// Raises the request limits so that payloads beyond the inline limit are allowed.
fn allow_large_payloads() {
	MaxBatch::set(4_096);
	MaxInputBytes::set(1 << 20);
	MaxOutputBytes::set(1 << 20);
}

fn request_batch(tier: Tier, batch: u32) -> Result<JobId, DispatchError> {
	let job = NextJobId::<Test>::get();
	Inference::request(
		RuntimeOrigin::signed(REQUESTER),
		MODEL,
		Some(V1),
		input(batch, 0.5),
		tier,
		Balance::MAX,
		RESPONSE_BLOCKS,
	)
	.map_err(|e| e.error)?;
	Ok(job)
}

fn offchain_bytes(ext: &mut sp_io::TestExternalities, key: &[u8]) -> Option<Vec<u8>> {
	ext.persist_offchain_overlay();
	ext.offchain_db().get(key)
}

/// Sums each input row into the first output column, as the offchain worker tests' engine.
struct RowSums;
impl InferenceBackend for RowSums {
	fn run(&mut self, _: H256, input: &TensorPayload) -> Result<TensorPayload, InferenceError> {
		let rows = input[0].shape[0];
		let data: Vec<u8> = input[0]
			.data
			.chunks_exact(16)
			.flat_map(|row| {
				let sum: f32 =
					row.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).sum();
				[sum, 0.0]
			})
			.flat_map(f32::to_le_bytes)
			.collect();
		let output =
			TensorData { shape: vec![rows, 2].try_into().unwrap(), data: data.try_into().unwrap() };
		Ok(vec![output].try_into().unwrap())
	}

	fn prove(&mut self, _: H256, _: H256, _: &TensorPayload) -> Result<Proven, InferenceError> {
		Err(InferenceError::Unavailable)
	}
}

#[test]
fn a_large_input_is_kept_by_content_and_the_job_stays_small_in_state() {
	let mut ext = new_test_ext();
	let job = ext.execute_with(|| {
		allow_large_payloads();
		all_tiers_worker(WORKER_A);
		let small = request_batch(Tier::Vanilla, 1).unwrap();
		let large = request_batch(Tier::Vanilla, LARGE_BATCH).unwrap();
		let small_len = Jobs::<Test>::hashed_key_for(small);
		let small_len = sp_io::storage::read(&small_len, &mut [], 0).unwrap();
		let key = Jobs::<Test>::hashed_key_for(large);
		let large_len = sp_io::storage::read(&key, &mut [], 0).unwrap();
		// Both are far below the input size: the large one holds a hash instead of bytes.
		assert!(large_len <= small_len + 64, "{large_len} bytes against {small_len}");
		let record = Inference::job(large).unwrap();
		let expected = input(LARGE_BATCH, 0.5);
		assert_eq!(
			record.input,
			StoredPayload::Indexed {
				hash: H256(expected.using_encoded(sp_io::hashing::blake2_256)),
				len: expected.encoded_size() as u32
			}
		);
		assert_eq!(Inference::job(small).unwrap().input.inline(), Some(input(1, 0.5)));
		assert!(matches!(
			events().iter().find(|e| matches!(e, Event::JobRequested { job, .. } if *job == large)),
			Some(Event::JobRequested { input_hash, .. }) if *input_hash == record.input.hash()
		));
		large
	});
	let hash = ext.execute_with(|| Inference::job(job).unwrap().input.hash());
	let indexed = offchain_bytes(&mut ext, &offchain_payload_key(job, PayloadRole::Input, &hash));
	assert_eq!(indexed, Some(input(LARGE_BATCH, 0.5).encode()), "every node's offchain store");
}

#[test]
fn the_worker_reads_a_large_input_from_its_offchain_store_and_its_large_output_goes_by_content() {
	let mut ext = new_test_ext();
	let pool = offchain_worker_node(&mut ext, [WORKER_A]);
	ext.register_extension(InferenceExt::new(RowSums));
	let job = ext.execute_with(|| {
		allow_large_payloads();
		register_worker(WORKER_A, 10 * MIN_STAKE, &[Tier::Vanilla]);
		request_batch(Tier::Vanilla, LARGE_BATCH).unwrap()
	});
	// The request's block is imported: its offchain indexing reaches the node's store.
	ext.persist_offchain_overlay();
	let output_hash = ext.execute_with(|| {
		Inference::offchain_worker(1);
		let [(signer, call)] = pool.take_signed::<RuntimeCall>().try_into().unwrap();
		let RuntimeCall::Inference(Call::submit_answers { answers }) = &call else {
			panic!("not answers: {:?}", call.encode().len())
		};
		let [JobAnswer::Result { output, .. }] = answers.as_slice() else {
			panic!("not one result")
		};
		assert_eq!(output[0].shape.to_vec(), vec![LARGE_BATCH, 2]);
		assert_eq!(f32::from_le_bytes(output[0].data[..4].try_into().unwrap()), 2.0);
		assert_ok!(call.clone().dispatch(RuntimeOrigin::signed(signer)));
		let record = Inference::job(job).unwrap();
		assert!(matches!(record.status, JobStatus::Completed { .. }));
		let stored = record.output.unwrap();
		assert!(stored.is_indexed(), "a 16.8 KB output is kept by content");
		assert_eq!(stored.hash(), H256(output.using_encoded(sp_io::hashing::blake2_256)));
		stored.hash()
	});
	let key = offchain_payload_key(job, PayloadRole::Output, &output_hash);
	assert!(offchain_bytes(&mut ext, &key).is_some(), "the output is in the offchain store");
}

#[test]
fn a_worker_whose_store_lacks_the_input_reports_it_unavailable_and_the_job_moves_on() {
	let mut ext = new_test_ext();
	let pool = offchain_worker_node(&mut ext, [WORKER_A]);
	ext.register_extension(InferenceExt::new(RowSums));
	ext.execute_with(|| {
		allow_large_payloads();
		register_worker(WORKER_A, 10 * MIN_STAKE, &[Tier::Vanilla]);
		let job = request_batch(Tier::Vanilla, LARGE_BATCH).unwrap();
		assert_eq!(assigned_worker(job), WORKER_A, "the only worker");
		register_worker(WORKER_B, 10 * MIN_STAKE, &[Tier::Vanilla]);
		// No `persist_offchain_overlay`: this node never indexed the request.
		Inference::offchain_worker(1);
		let [(signer, call)] = pool.take_signed::<RuntimeCall>().try_into().unwrap();
		assert_eq!(
			call,
			RuntimeCall::Inference(Call::submit_answers {
				answers: vec![JobAnswer::Failure { job, reason: FailureReason::InputUnavailable }]
					.try_into()
					.unwrap()
			})
		);
		assert_ok!(call.dispatch(RuntimeOrigin::signed(signer)));
		assert_eq!(assigned_worker(job), WORKER_B, "another worker gets the job");
	});
}

#[test]
fn a_pruned_job_clears_its_payloads_from_the_offchain_stores() {
	let mut ext = new_test_ext();
	let (job, input_key, output_key) = ext.execute_with(|| {
		allow_large_payloads();
		all_tiers_worker(WORKER_A);
		let job = request_batch(Tier::Vanilla, LARGE_BATCH).unwrap();
		let answer = output(LARGE_BATCH, 1.0);
		assert_ok!(Inference::submit_result(
			RuntimeOrigin::signed(WORKER_A),
			job,
			answer.clone(),
			Default::default()
		));
		let record = Inference::job(job).unwrap();
		let output_hash = record.output.as_ref().unwrap().hash();
		(
			job,
			offchain_payload_key(job, PayloadRole::Input, &record.input.hash()),
			offchain_payload_key(job, PayloadRole::Output, &output_hash),
		)
	});
	assert!(offchain_bytes(&mut ext, &input_key).is_some());
	assert!(offchain_bytes(&mut ext, &output_key).is_some());
	ext.execute_with(|| {
		run_to_block(1 + RETENTION + 1);
		assert!(Inference::job(job).is_none(), "pruned");
	});
	assert_eq!(offchain_bytes(&mut ext, &input_key), None);
	assert_eq!(offchain_bytes(&mut ext, &output_key), None);
}

/// A requester refunded in full (every worker refused, or every deadline passed) paid
/// nothing for the bytes its input put on every node: they leave with the refund, not a day
/// later with the pruned record.
#[test]
fn a_refunded_large_request_leaves_no_bytes_in_the_offchain_stores() {
	let mut ext = new_test_ext();
	let (refused_key, expired_key) = ext.execute_with(|| {
		allow_large_payloads();
		all_tiers_worker(WORKER_A);
		let input_key = |job| {
			let hash = Inference::job(job).unwrap().input.hash();
			offchain_payload_key(job, PayloadRole::Input, &hash)
		};
		let refused = request_batch(Tier::Vanilla, LARGE_BATCH).unwrap();
		let expired = request_batch(Tier::Vanilla, LARGE_BATCH).unwrap();
		(input_key(refused), input_key(expired))
	});
	assert!(offchain_bytes(&mut ext, &refused_key).is_some());
	assert!(offchain_bytes(&mut ext, &expired_key).is_some());
	ext.execute_with(|| {
		let balance_before = Balances::free_balance(REQUESTER);
		assert_ok!(Inference::report_failure(
			RuntimeOrigin::signed(WORKER_A),
			0,
			FailureReason::ModelUnavailable
		));
		assert!(matches!(Inference::job(0).unwrap().status, JobStatus::Failed { .. }));
		run_to_block(1 + RESPONSE_BLOCKS + 1);
		assert!(matches!(Inference::job(1).unwrap().status, JobStatus::Expired { .. }));
		assert!(Balances::free_balance(REQUESTER) > balance_before, "both fees refunded");
	});
	assert_eq!(offchain_bytes(&mut ext, &refused_key), None, "cleared with the refusal");
	assert_eq!(offchain_bytes(&mut ext, &expired_key), None, "cleared with the expiry");
}

#[test]
fn an_optimistic_request_whose_output_cannot_be_disputed_in_state_is_refused() {
	new_test_ext().execute_with(|| {
		allow_large_payloads();
		[WORKER_A, WORKER_B, WORKER_C, WORKER_D, WORKER_E].into_iter().for_each(all_tiers_worker);
		// 2,100 rows of output encode to 16.8 KB: a dispute could not compare them.
		assert_noop!(
			request_batch(Tier::Optimistic, LARGE_BATCH),
			Error::<Test>::OutputTooLargeForTier
		);
		// The input may be large: only the output is compared.
		let rows = (MAX_INLINE_PAYLOAD_LEN - 16) / 8;
		assert_ok!(request_batch(Tier::Optimistic, rows));
		assert_ok!(request_batch(Tier::Vanilla, LARGE_BATCH));
	});
}

#[test]
fn a_zk_request_whose_input_is_too_large_for_state_is_refused() {
	new_test_ext().execute_with(|| {
		allow_large_payloads();
		let wide = |name: &[u8], width| TensorSpec {
			name: name.to_vec().try_into().unwrap(),
			element: ElementType::F32,
			shape: vec![Dim::Batch, Dim::Fixed(width)].try_into().unwrap(),
		};
		let spec = VersionSpec {
			format: ModelFormat::Onnx { opset: 17 },
			schema: TensorSchema {
				inputs: vec![wide(b"x", 5_000)].try_into().unwrap(),
				outputs: vec![wide(b"y", 2)].try_into().unwrap(),
			},
			determinism: DeterminismClass::IntegerExact,
			tiers: [Tier::Zk].into_iter().collect(),
		};
		let model = 100;
		BenchModels::mutate(|models| models.push((model, OWNER, spec)));
		let version = V1;
		let row: Vec<u8> = (0..5_000).flat_map(|_| 1.0f32.to_le_bytes()).collect();
		let input: TensorPayload = vec![TensorData {
			shape: vec![1, 5_000].try_into().unwrap(),
			data: row.try_into().unwrap(),
		}]
		.try_into()
		.unwrap();
		assert_noop!(
			Inference::request(
				RuntimeOrigin::signed(REQUESTER),
				model,
				Some(version),
				input,
				Tier::Zk,
				Balance::MAX,
				RESPONSE_BLOCKS
			),
			Error::<Test>::InputTooLargeForTier
		);
	});
}

#[test]
fn ranged_dimensions_and_booleans_are_checked_by_name_and_hold_nothing() {
	new_test_ext().execute_with(|| {
		let tensor = |name: &[u8], element, shape: Vec<Dim>| TensorSpec {
			name: name.to_vec().try_into().unwrap(),
			element,
			shape: shape.try_into().unwrap(),
		};
		let spec = VersionSpec {
			format: ModelFormat::Onnx { opset: 17 },
			schema: TensorSchema {
				inputs: vec![
					tensor(
						b"audio",
						ElementType::F32,
						vec![Dim::Batch, Dim::Range { min: 2, max: 8 }],
					),
					tensor(b"mask", ElementType::Bool, vec![Dim::Fixed(2)]),
				]
				.try_into()
				.unwrap(),
				outputs: vec![tensor(b"y", ElementType::F32, vec![Dim::Batch])].try_into().unwrap(),
			},
			determinism: DeterminismClass::Float(ToleranceRule::ArgmaxEqual),
			tiers: [Tier::Vanilla].into_iter().collect(),
		};
		let model = 100;
		BenchModels::mutate(|models| models.push((model, OWNER, spec)));
		let payload = |samples: u32, mask: [u8; 2]| -> TensorPayload {
			let audio: Vec<u8> = (0..samples).flat_map(|_| 0.5f32.to_le_bytes()).collect();
			vec![
				TensorData {
					shape: vec![1, samples].try_into().unwrap(),
					data: audio.try_into().unwrap(),
				},
				TensorData {
					shape: vec![2].try_into().unwrap(),
					data: mask.to_vec().try_into().unwrap(),
				},
			]
			.try_into()
			.unwrap()
		};
		let request = |input| {
			Inference::request(
				RuntimeOrigin::signed(REQUESTER),
				model,
				Some(V1),
				input,
				Tier::Vanilla,
				Balance::MAX,
				RESPONSE_BLOCKS,
			)
		};
		let free = Balances::free_balance(REQUESTER);
		assert_noop!(request(payload(9, [0, 1])), Error::<Test>::InputDimensionOutOfRange);
		assert_noop!(request(payload(1, [0, 1])), Error::<Test>::InputDimensionOutOfRange);
		assert_noop!(request(payload(4, [0, 2])), Error::<Test>::InputInvalidBoolean);
		// Within the bounds the payload is accepted; nobody serves the model, so nothing is held.
		assert_noop!(request(payload(5, [1, 0])), Error::<Test>::NoEligibleWorker);
		assert_eq!(Balances::free_balance(REQUESTER), free);
	});
}
