//! The offchain worker: answers the local worker keys' jobs through the host function, once
//! per assignment, with results or named failures.

use super::*;
use crate::offchain::{claimed, RESUBMIT_AFTER};
use sp_runtime::traits::Dispatchable;
use verin_pallet_support::testing::{offchain_worker_node, TransactionPool};
use verin_primitives::{market::ServedVersion, tier::TierSet};
use verin_worker_primitives::{InferenceBackend, InferenceError, InferenceExt, Proven};

/// Sums each input row into the first output column; version 1.1's bytes do not load.
struct FakeEngine;
impl InferenceBackend for FakeEngine {
	fn run(
		&mut self,
		content_id: H256,
		input: &TensorPayload,
	) -> Result<TensorPayload, InferenceError> {
		match content_id {
			id if id == H256::repeat_byte(1) => {
				let rows = input[0].shape[0];
				let values: Vec<f32> = input[0]
					.data
					.chunks_exact(4)
					.map(|c| f32::from_le_bytes(c.try_into().unwrap()))
					.collect();
				let data: Vec<u8> = values
					.chunks_exact(4)
					.flat_map(|row| [row.iter().sum::<f32>(), 0.0])
					.flat_map(f32::to_le_bytes)
					.collect();
				Ok(vec![TensorData {
					shape: vec![rows, 2].try_into().unwrap(),
					data: data.try_into().unwrap(),
				}]
				.try_into()
				.unwrap())
			},
			id if id == H256::repeat_byte(2) => Err(InferenceError::LoadFailed),
			_ => Err(InferenceError::ModelNotFound),
		}
	}

	/// Version 1.0's bytes compile to circuit `0xC1…`; its "proof" is the output's hash,
	/// which is what the mock verifier accepts. Version 1.1's compile to another circuit.
	fn prove(
		&mut self,
		content_id: H256,
		circuit_digest: H256,
		input: &TensorPayload,
	) -> Result<Proven, InferenceError> {
		if content_id != H256::repeat_byte(1) || circuit_digest != H256::repeat_byte(0xC1) {
			return Err(InferenceError::CircuitMismatch);
		}
		let output = self.run(content_id, input)?;
		let proof = output.using_encoded(sp_io::hashing::blake2_256).to_vec();
		Ok(Proven { output, proof })
	}
}

/// Test externalities with an offchain DB, a transaction pool and, if `engine`, the fake
/// engine; `WORKER_A`'s key is the node's only worker key.
fn worker_node(engine: bool) -> (sp_io::TestExternalities, TransactionPool) {
	let mut ext = new_test_ext();
	let pool = offchain_worker_node(&mut ext, [WORKER_A]);
	if engine {
		ext.register_extension(InferenceExt::new(FakeEngine));
	}
	(ext, pool)
}

/// The call that sends `answers` in one transaction, as the offchain worker sends them.
fn answers_call(answers: Vec<JobAnswerOf<Test>>) -> RuntimeCall {
	RuntimeCall::Inference(Call::submit_answers { answers: answers.try_into().unwrap() })
}

/// The transactions the offchain worker sent since the last call, as signer and call.
fn submitted(pool: &TransactionPool) -> Vec<(AccountId, RuntimeCall)> {
	pool.take_signed()
}

fn request_version(version: ModelVersion) -> JobId {
	let job = NextJobId::<Test>::get();
	assert_ok!(Inference::request(
		RuntimeOrigin::signed(REQUESTER),
		MODEL,
		Some(version),
		input(2, 0.5),
		Tier::Vanilla,
		Balance::MAX,
		RESPONSE_BLOCKS
	));
	job
}

#[test]
fn the_worker_answers_its_jobs_once_with_the_engines_output() {
	let (mut ext, pool) = worker_node(true);
	ext.execute_with(|| {
		register_worker(WORKER_A, 10 * MIN_STAKE, &[Tier::Vanilla]);
		let job = request_version(V1);
		Inference::offchain_worker(1);
		let expected_output = {
			let data: Vec<u8> =
				[2.0f32, 0.0, 2.0, 0.0].into_iter().flat_map(f32::to_le_bytes).collect();
			let payload: TensorPayload = vec![TensorData {
				shape: vec![2, 2].try_into().unwrap(),
				data: data.try_into().unwrap(),
			}]
			.try_into()
			.unwrap();
			payload
		};
		assert_eq!(
			submitted(&pool),
			vec![(
				WORKER_A,
				answers_call(vec![JobAnswer::Result {
					job,
					output: expected_output.clone(),
					evidence: Default::default()
				}])
			)]
		);
		assert_eq!(claimed::<u64>(job, 1), Some(1));

		// The next blocks' runs do not answer the same assignment again …
		run_to_block(2);
		Inference::offchain_worker(2);
		assert!(submitted(&pool).is_empty());
		// … unless the answer never landed and the claim is old.
		run_to_block(1 + RESUBMIT_AFTER as u64);
		Inference::offchain_worker(1 + RESUBMIT_AFTER as u64);
		assert!(submitted(&pool).is_empty(), "past the deadline: nothing to answer");

		// An answer that lands ends the job: nothing is pending any more. (The missed first
		// job suspended the worker: it comes back online.)
		assert_ok!(Workers::go_online(RuntimeOrigin::signed(WORKER_A)));
		let second = request_version(V1);
		let now = System::block_number();
		Inference::offchain_worker(now);
		let answers = submitted(&pool);
		assert_eq!(answers.len(), 1);
		let (who, call) = answers.into_iter().next().unwrap();
		assert_ok!(call.dispatch(RuntimeOrigin::signed(who)));
		assert!(matches!(Inference::job(second).unwrap().status, JobStatus::Completed { .. }));
		Inference::offchain_worker(now + 1);
		assert!(submitted(&pool).is_empty());
	});
}

#[test]
fn a_model_that_does_not_load_is_reported_with_its_reason() {
	let (mut ext, pool) = worker_node(true);
	ext.execute_with(|| {
		register_worker(WORKER_A, MIN_STAKE, &[Tier::Vanilla]);
		let job = request_version(V1_1);
		Inference::offchain_worker(1);
		assert_eq!(
			submitted(&pool),
			vec![(
				WORKER_A,
				answers_call(vec![JobAnswer::Failure {
					job,
					reason: FailureReason::ModelLoadFailed
				}])
			)]
		);
	});
}

#[test]
fn a_node_without_an_engine_submits_nothing() {
	let (mut ext, pool) = worker_node(false);
	ext.execute_with(|| {
		register_worker(WORKER_A, MIN_STAKE, &[Tier::Vanilla]);
		let job = request_version(V1);
		Inference::offchain_worker(1);
		assert!(submitted(&pool).is_empty(), "Unavailable is the node's problem, not the job's");
		assert_eq!(
			claimed::<u64>(job, 1),
			None,
			"the claim is released so a node with an engine answers at once"
		);
	});
}

#[test]
fn jobs_of_other_workers_are_left_alone() {
	let (mut ext, pool) = worker_node(true);
	ext.execute_with(|| {
		register_worker(WORKER_B, MIN_STAKE, &[Tier::Vanilla]);
		request_version(V1);
		Inference::offchain_worker(1);
		assert!(submitted(&pool).is_empty());
	});
}

#[test]
fn an_answer_that_never_landed_is_sent_again_after_a_while() {
	let (mut ext, pool) = worker_node(true);
	ext.execute_with(|| {
		register_worker(WORKER_A, MIN_STAKE, &[Tier::Vanilla]);
		assert_ok!(Inference::request(
			RuntimeOrigin::signed(REQUESTER),
			MODEL,
			Some(V1),
			input(1, 1.0),
			Tier::Vanilla,
			Balance::MAX,
			20
		));
		Inference::offchain_worker(1);
		assert_eq!(submitted(&pool).len(), 1, "first answer (dropped by the test)");
		for block in 2..1 + RESUBMIT_AFTER as u64 {
			run_to_block(block);
			Inference::offchain_worker(block);
			assert!(submitted(&pool).is_empty(), "block {block}: the claim still holds");
		}
		let again = 1 + RESUBMIT_AFTER as u64;
		run_to_block(again);
		Inference::offchain_worker(again);
		assert_eq!(submitted(&pool).len(), 1, "still assigned: the answer goes out again");
		assert_eq!(claimed::<u64>(0, 1), Some(again));
	});
}

#[test]
fn zk_jobs_are_answered_with_a_proof_or_refused_when_the_circuit_differs() {
	let (mut ext, pool) = worker_node(true);
	ext.execute_with(|| {
		register_worker(WORKER_A, MIN_STAKE, &Tier::ALL);
		let job = NextJobId::<Test>::get();
		assert_ok!(Inference::request(
			RuntimeOrigin::signed(REQUESTER),
			MODEL,
			Some(V1),
			input(1, 0.5),
			Tier::Zk,
			Balance::MAX,
			3
		));
		Inference::offchain_worker(1);
		let answers = submitted(&pool);
		let [(who, RuntimeCall::Inference(Call::submit_answers { answers: sent }))] =
			answers.as_slice()
		else {
			panic!("expected one submit_answers, got {answers:?}");
		};
		let [JobAnswer::Result { job: answered, output, evidence }] = sent.as_slice() else {
			panic!("expected one result, got {sent:?}");
		};
		assert_eq!((*who, *answered), (WORKER_A, job));
		assert_eq!(evidence.to_vec(), output.using_encoded(sp_io::hashing::blake2_256).to_vec());
		let (who, call) = answers.into_iter().next().unwrap();
		assert_ok!(call.dispatch(RuntimeOrigin::signed(who)));
		assert!(matches!(Inference::job(job).unwrap().status, JobStatus::Completed { .. }));

		// Version 1.1's bytes compile to another circuit than the registered one.
		let job = NextJobId::<Test>::get();
		assert_ok!(Inference::request(
			RuntimeOrigin::signed(REQUESTER),
			MODEL,
			Some(V1_1),
			input(1, 0.5),
			Tier::Zk,
			Balance::MAX,
			3
		));
		Inference::offchain_worker(1);
		assert_eq!(
			submitted(&pool),
			vec![(
				WORKER_A,
				answers_call(vec![JobAnswer::Failure {
					job,
					reason: FailureReason::CircuitMismatch
				}])
			)]
		);
	});
}

/// Registers `who` serving only `versions` of the model, at every tier.
fn register_serving(who: AccountId, versions: &[ModelVersion]) {
	let models: Vec<ServedVersion> =
		versions.iter().map(|version| ServedVersion { model: MODEL, version: *version }).collect();
	assert_ok!(Workers::register(
		RuntimeOrigin::signed(who),
		MIN_STAKE * 10,
		Tier::ALL.into_iter().collect::<TierSet>(),
		models.try_into().unwrap()
	));
}

/// An Optimistic job of `version` answered by its assigned worker with `value` in every
/// output element; returns the job and the worker.
fn optimistic_answer(version: ModelVersion, value: f32) -> (JobId, AccountId) {
	let job = NextJobId::<Test>::get();
	assert_ok!(Inference::request(
		RuntimeOrigin::signed(REQUESTER),
		MODEL,
		Some(version),
		input(1, 0.5),
		Tier::Optimistic,
		Balance::MAX,
		RESPONSE_BLOCKS
	));
	let worker = assigned_worker(job);
	assert_ok!(Inference::submit_result(
		RuntimeOrigin::signed(worker),
		job,
		output(1, value),
		Default::default()
	));
	(job, worker)
}

/// Dispatches every transaction the offchain worker sent.
fn dispatch_all(pool: &TransactionPool) -> usize {
	let sent = submitted(pool);
	let count = sent.len();
	for (who, call) in sent {
		assert_ok!(call.dispatch(RuntimeOrigin::signed(who)));
	}
	count
}

#[test]
fn a_lie_is_challenged_and_overturned_through_committed_and_revealed_votes() {
	let mut ext = new_test_ext();
	let honest = [WORKER_A, WORKER_B, WORKER_C, WORKER_D];
	let pool = offchain_worker_node(&mut ext, honest);
	ext.register_extension(InferenceExt::new(FakeEngine));
	ext.execute_with(|| {
		honest.into_iter().for_each(|who| register_serving(who, &[V1]));
		// The liar bonds so much that it is drawn for the job.
		assert_ok!(Workers::register(
			RuntimeOrigin::signed(WORKER_E),
			MIN_STAKE * 50_000,
			Tier::ALL.into_iter().collect::<TierSet>(),
			vec![ServedVersion { model: MODEL, version: V1 }].try_into().unwrap()
		));
		let (job, liar) = optimistic_answer(V1, 9.0);
		assert_eq!(liar, WORKER_E);
		run_to_block(2);
		Inference::offchain_worker(2);
		assert_eq!(dispatch_all(&pool), 1, "one challenge");
		run_to_block(3);
		let committee = Disputes::<Test>::get(job).unwrap().committee;
		assert_eq!(committee.len(), COMMITTEE_SIZE as usize);
		Inference::offchain_worker(3);
		let commitments = submitted(&pool);
		assert_eq!(commitments.len(), committee.len());
		assert!(commitments
			.iter()
			.all(|(_, call)| matches!(call, RuntimeCall::Inference(Call::vote { .. }))));
		for (who, call) in commitments {
			assert_ok!(call.dispatch(RuntimeOrigin::signed(who)));
		}
		// Every member committed: the reveals go out with the next run.
		Inference::offchain_worker(3);
		assert_eq!(dispatch_all(&pool), committee.len());
		let record = Inference::job(job).unwrap();
		assert!(matches!(record.status, JobStatus::Overturned { .. }), "{:?}", record.status);
		let engines: Vec<u8> = [2.0f32, 0.0].into_iter().flat_map(f32::to_le_bytes).collect();
		assert_eq!(
			record.output.unwrap().inline().unwrap()[0].data.to_vec(),
			engines,
			"the engine's output"
		);
	});
}

#[test]
fn a_flood_of_decoys_does_not_keep_a_lie_unchecked() {
	let mut ext = new_test_ext();
	let pool = offchain_worker_node(&mut ext, [WORKER_A]);
	ext.register_extension(InferenceExt::new(FakeEngine));
	ext.execute_with(|| {
		// The attacker's sybils serve version 1.1 alone and answer a flood of cheap decoys
		// there, all inside the lie's challenge window; the honest node's key serves 1.0.
		[WORKER_B, WORKER_C, WORKER_D, WORKER_E]
			.into_iter()
			.for_each(|who| register_serving(who, &[V1_1]));
		for _ in 0..30 {
			optimistic_answer(V1_1, 1.0);
		}
		register_serving(WORKER_A, &[V1]);
		[WORKER_F, WORKER_G].into_iter().for_each(|who| register_serving(who, &[V1]));
		assert_ok!(Workers::register(
			RuntimeOrigin::signed(WORKER_H),
			MIN_STAKE * 50_000,
			Tier::ALL.into_iter().collect::<TierSet>(),
			vec![ServedVersion { model: MODEL, version: V1 }].try_into().unwrap()
		));
		let (lie, liar) = optimistic_answer(V1, 9.0);
		assert_eq!(liar, WORKER_H);
		let JobStatus::Provisional { until, .. } = Inference::job(lie).unwrap().status else {
			panic!()
		};
		let mut challenged = false;
		for block in 2..until {
			run_to_block(block);
			Inference::offchain_worker(block);
			for (who, call) in submitted(&pool) {
				if matches!(&call, RuntimeCall::Inference(Call::challenge { job }) if *job == lie) {
					assert_eq!(who, WORKER_A);
					challenged = true;
				}
			}
		}
		assert!(challenged, "the lie's window closed unchecked behind the decoys");
	});
}

#[test]
fn every_provisional_result_has_watchers_the_worker_could_not_choose() {
	new_test_ext().execute_with(|| {
		[WORKER_A, WORKER_B, WORKER_C, WORKER_D, WORKER_E].into_iter().for_each(all_tiers_worker);
		let (job, worker) = optimistic_answer(V1, 1.0);
		let record = Inference::job(job).unwrap();
		// The block the result landed in has no hash yet: nobody knows its watchers.
		assert!(Inference::watchers_of(job, &record, &worker, 1).is_empty());
		run_to_block(2);
		let watchers = Inference::watchers_of(job, &record, &worker, 1);
		assert_eq!(watchers.len(), crate::offchain::WATCHERS_PER_RESULT as usize);
		assert!(!watchers.contains(&worker));
	});
}

#[test]
fn a_workers_jobs_are_answered_in_one_transaction_per_full_call_and_per_model() {
	let (mut ext, pool) = worker_node(true);
	ext.execute_with(|| {
		register_worker(WORKER_A, 10 * MIN_STAKE, &[Tier::Vanilla]);
		let answerable = MAX_PER_CALL as u64 + 2;
		let jobs: Vec<JobId> = (0..answerable).map(|_| request_version(V1)).collect();
		let refused = request_version(V1_1);
		Inference::offchain_worker(1);
		let sent = submitted(&pool);
		let batches: Vec<Vec<JobAnswerOf<Test>>> = sent
			.iter()
			.map(|(who, call)| {
				assert_eq!(*who, WORKER_A);
				let RuntimeCall::Inference(Call::submit_answers { answers }) = call else {
					panic!("a batch of answers: {call:?}");
				};
				answers.to_vec()
			})
			.collect();
		// A full call of the oldest jobs, then the model's other two; the other model's job
		// goes in a call of its own, sent before that model ran (it might have been slow).
		assert_eq!(batches.len(), 3, "one transaction per full call and per model");
		let first: Vec<JobId> = batches[0].iter().map(JobAnswer::job).collect();
		assert_eq!(first, jobs[..MAX_PER_CALL as usize]);
		let second: Vec<JobId> = batches[1].iter().map(JobAnswer::job).collect();
		assert_eq!(second, jobs[MAX_PER_CALL as usize..]);
		assert_eq!(
			batches[2],
			vec![JobAnswer::Failure { job: refused, reason: FailureReason::ModelLoadFailed }]
		);
		for (who, call) in sent {
			assert_ok!(call.dispatch(RuntimeOrigin::signed(who)));
		}
		assert!(jobs.iter().all(|job| matches!(
			Inference::job(*job).unwrap().status,
			JobStatus::Completed { .. }
		)));
		run_to_block(2);
		Inference::offchain_worker(2);
		assert!(submitted(&pool).is_empty(), "every job answered once");
	});
}
