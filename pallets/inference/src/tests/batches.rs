//! Batches: a worker's answers in one `submit_answers`, a dapp's jobs in one
//! `request_batch`. Each answer and each job is what its single call would make of it; a bad
//! answer is rejected alone, a bad input opens no job at all.

use super::*;
use frame_support::dispatch::GetDispatchInfo;

fn result(job: JobId, answer: TensorPayload) -> JobAnswerOf<Test> {
	JobAnswer::Result { job, output: answer, evidence: Default::default() }
}

fn submit_answers(
	worker: AccountId,
	answers: Vec<JobAnswerOf<Test>>,
) -> DispatchResultWithPostInfo {
	Inference::submit_answers(RuntimeOrigin::signed(worker), answers.try_into().unwrap())
}

fn request_batch(rows: Vec<TensorPayload>) -> DispatchResultWithPostInfo {
	Inference::request_batch(
		RuntimeOrigin::signed(REQUESTER),
		MODEL,
		Some(V1),
		rows.try_into().unwrap(),
		Tier::Vanilla,
		Balance::MAX,
		RESPONSE_BLOCKS,
	)
}

/// `count` Vanilla jobs of one bulk request, all assigned to `WORKER_A` (the only worker).
fn bulk_jobs(count: u32) -> Vec<JobId> {
	register_worker(WORKER_A, MIN_STAKE * 10, &[Tier::Vanilla]);
	let first = NextJobId::<Test>::get();
	assert_ok!(request_batch((0..count).map(|_| input(1, 0.5)).collect()));
	(first..first + u64::from(count)).collect()
}

fn rejected(job: JobId) -> Option<DispatchError> {
	events().into_iter().find_map(|event| match event {
		Event::AnswerRejected { job: rejected, error, .. } if rejected == job => Some(error),
		_ => None,
	})
}

/// The jobs that expired so far, in order.
fn expired_jobs() -> Vec<JobId> {
	events()
		.into_iter()
		.filter_map(|event| match event {
			Event::JobExpired { job, .. } => Some(job),
			_ => None,
		})
		.collect()
}

fn completed(job: JobId) -> bool {
	matches!(Inference::job(job).unwrap().status, JobStatus::Completed { .. })
}

#[test]
fn a_batch_of_answers_settles_each_job_as_its_own_answer_would() {
	new_test_ext().execute_with(|| {
		let jobs = bulk_jobs(3);
		let worker_before = Balances::free_balance(WORKER_A);
		let fee = expected_fee(Tier::Vanilla);
		assert_eq!(fee_held(REQUESTER), 3 * fee.total);

		assert_ok!(submit_answers(
			WORKER_A,
			jobs.iter().map(|job| result(*job, output(1, 0.0))).collect()
		));

		assert!(jobs.iter().all(|job| completed(*job)));
		assert_eq!(fee_held(REQUESTER), 0);
		assert_eq!(Balances::free_balance(WORKER_A), worker_before + 3 * fee.worker);
		assert!(Inference::pending_jobs(&WORKER_A).is_empty());
		assert_eq!(Workers::worker(&WORKER_A).unwrap().load, 0);
		let completions = events()
			.into_iter()
			.filter(
				|event| matches!(event, Event::JobCompleted { paid_worker, .. } if *paid_worker == fee.worker),
			)
			.count();
		assert_eq!(completions, 3);
	});
}

#[test]
fn a_rejected_answer_changes_nothing_and_the_others_stand() {
	new_test_ext().execute_with(|| {
		let jobs = bulk_jobs(3);
		assert_ok!(submit_answers(
			WORKER_A,
			vec![
				result(jobs[0], output(1, 0.0)),
				// Two rows for a one-row job.
				result(jobs[1], output(2, 0.0)),
				result(jobs[2], output(1, 0.0)),
			]
		));
		assert!(completed(jobs[0]) && completed(jobs[2]));
		assert_eq!(rejected(jobs[1]), Some(Error::<Test>::OutputShapeMismatch.into()));
		assert_eq!(assigned_worker(jobs[1]), WORKER_A);
		assert_eq!(Inference::pending_jobs(&WORKER_A), vec![jobs[1]]);
		assert_eq!(fee_held(REQUESTER), expected_fee(Tier::Vanilla).total);
		// The job is still the worker's to answer.
		assert_ok!(submit_answers(WORKER_A, vec![result(jobs[1], output(1, 0.0))]));
		assert!(completed(jobs[1]));
	});
}

#[test]
fn a_worker_cannot_answer_another_workers_job_inside_a_batch() {
	new_test_ext().execute_with(|| {
		register_worker(WORKER_B, MIN_STAKE * 10, &[Tier::Vanilla]);
		let theirs = requested(Tier::Vanilla);
		assert_eq!(assigned_worker(theirs), WORKER_B);
		register_worker(WORKER_A, MIN_STAKE * 10, &[Tier::Vanilla]);
		// WORKER_A holds a job of its own, to hide the other one among.
		let first = NextJobId::<Test>::get();
		let mine = loop {
			let job = requested(Tier::Vanilla);
			if assigned_worker(job) == WORKER_A {
				break job;
			}
			assert!(job < first + 32, "WORKER_A is never drawn");
		};

		assert_ok!(submit_answers(
			WORKER_A,
			vec![result(mine, output(1, 0.0)), result(theirs, output(1, 0.0))]
		));

		assert!(completed(mine));
		assert_eq!(rejected(theirs), Some(Error::<Test>::NotAssignedWorker.into()));
		assert_eq!(assigned_worker(theirs), WORKER_B);
	});
}

#[test]
fn answering_a_job_twice_in_one_batch_pays_once() {
	new_test_ext().execute_with(|| {
		let jobs = bulk_jobs(1);
		let worker_before = Balances::free_balance(WORKER_A);
		assert_ok!(submit_answers(
			WORKER_A,
			vec![result(jobs[0], output(1, 0.0)), result(jobs[0], output(1, 1.0))]
		));
		assert_eq!(rejected(jobs[0]), Some(Error::<Test>::JobNotAssigned.into()));
		assert_eq!(
			Balances::free_balance(WORKER_A),
			worker_before + expected_fee(Tier::Vanilla).worker
		);
		assert_eq!(
			Inference::job(jobs[0]).unwrap().output,
			Some(StoredPayload::of(&output(1, 0.0)).0)
		);
	});
}

#[test]
fn failures_in_a_batch_refund_their_jobs_and_results_settle() {
	new_test_ext().execute_with(|| {
		let jobs = bulk_jobs(2);
		let fee = expected_fee(Tier::Vanilla);
		assert_ok!(submit_answers(
			WORKER_A,
			vec![
				JobAnswer::Failure { job: jobs[0], reason: FailureReason::ModelLoadFailed },
				result(jobs[1], output(1, 0.0)),
			]
		));
		// No other worker serves the model: the refused job is refunded, the other paid.
		assert!(matches!(Inference::job(jobs[0]).unwrap().status, JobStatus::Failed { .. }));
		assert!(completed(jobs[1]));
		assert_eq!(fee_held(REQUESTER), 0);
		assert_eq!(
			Balances::free_balance(REQUESTER),
			INITIAL_BALANCE - fee.total,
			"one fee paid, the other refunded"
		);
	});
}

#[test]
fn empty_batches_are_refused() {
	new_test_ext().execute_with(|| {
		bulk_jobs(1);
		assert_noop!(submit_answers(WORKER_A, vec![]), Error::<Test>::NoAnswers);
		assert_noop!(request_batch(vec![]), Error::<Test>::NoInputs);
	});
}

#[test]
fn a_bulk_request_opens_a_job_per_input_under_one_hold_of_their_fees() {
	new_test_ext().execute_with(|| {
		register_worker(WORKER_A, MIN_STAKE * 10, &[Tier::Vanilla]);
		register_worker(WORKER_B, MIN_STAKE * 10, &[Tier::Vanilla]);
		assert_ok!(request_batch(vec![input(1, 0.5), input(2, 0.5), input(1, 0.25)]));
		let one_row = expected_fee(Tier::Vanilla).total;
		// A two-row job pays for its 32 input and 16 output bytes.
		let two_rows = one_row + FEE_PER_BYTE * (16 + 8);
		assert_eq!(fee_held(REQUESTER), 2 * one_row + two_rows);
		assert_eq!(NextJobId::<Test>::get(), 3);
		assert_eq!(OpenJobs::<Test>::get(MODEL), 3);
		for job in 0..3 {
			let record = Inference::job(job).unwrap();
			assert_eq!(record.batch, if job == 1 { 2 } else { 1 });
			assert!(Inference::pending_jobs(&assigned_worker(job)).contains(&job));
		}
		let loads =
			Workers::worker(&WORKER_A).unwrap().load + Workers::worker(&WORKER_B).unwrap().load;
		assert_eq!(loads, 3);
		let requested = events()
			.into_iter()
			.filter(|event| matches!(event, Event::JobRequested { .. }))
			.count();
		assert_eq!(requested, 3);
	});
}

#[test]
fn a_bulk_request_with_one_bad_input_opens_nothing() {
	new_test_ext().execute_with(|| {
		register_worker(WORKER_A, MIN_STAKE * 10, &[Tier::Vanilla]);
		let wrong_width = output(1, 0.5);
		assert_noop!(
			request_batch(vec![input(1, 0.5), wrong_width]),
			Error::<Test>::InputShapeMismatch
		);
	});
}

#[test]
fn a_bulk_request_beyond_the_workers_capacity_opens_nothing() {
	new_test_ext().execute_with(|| {
		register_worker(WORKER_A, MIN_STAKE * 10, &[Tier::Vanilla]);
		let capacity: u32 = <<Test as pallet_workers::Config>::MaxJobsPerWorker as Get<u32>>::get();
		for _ in 0..capacity - 1 {
			assert_ok!(request(REQUESTER, Tier::Vanilla));
		}
		let held = fee_held(REQUESTER);
		assert_noop!(
			request_batch(vec![input(1, 0.5), input(1, 0.5)]),
			Error::<Test>::NoEligibleWorker
		);
		assert_eq!(fee_held(REQUESTER), held);
	});
}

#[test]
fn a_bulk_request_is_capped_per_job() {
	new_test_ext().execute_with(|| {
		register_worker(WORKER_A, MIN_STAKE * 10, &[Tier::Vanilla]);
		let one_row = expected_fee(Tier::Vanilla).total;
		// Each job within the cap, even though the batch's total is not.
		assert_ok!(Inference::request_batch(
			RuntimeOrigin::signed(REQUESTER),
			MODEL,
			Some(V1),
			vec![input(1, 0.5), input(1, 0.5)].try_into().unwrap(),
			Tier::Vanilla,
			one_row,
			RESPONSE_BLOCKS,
		));
		assert_noop!(
			Inference::request_batch(
				RuntimeOrigin::signed(REQUESTER),
				MODEL,
				Some(V1),
				vec![input(1, 0.5), input(2, 0.5)].try_into().unwrap(),
				Tier::Vanilla,
				one_row,
				RESPONSE_BLOCKS,
			),
			Error::<Test>::FeeCapTooLow
		);
	});
}

#[test]
fn a_refunded_job_of_a_bulk_request_releases_only_its_own_fee() {
	new_test_ext().execute_with(|| {
		let jobs = bulk_jobs(3);
		let fee = expected_fee(Tier::Vanilla).total;
		assert_ok!(Inference::report_failure(
			RuntimeOrigin::signed(WORKER_A),
			jobs[1],
			FailureReason::ModelLoadFailed
		));
		assert_eq!(fee_held(REQUESTER), 2 * fee);
		// The other two still expire, each refunding its own fee: nothing stays held.
		run_to_block(2 + RESPONSE_BLOCKS);
		assert_eq!(fee_held(REQUESTER), 0);
		assert_eq!(Balances::free_balance(REQUESTER), INITIAL_BALANCE);
	});
}

#[test]
fn a_batch_is_charged_per_answer_and_a_rejected_answer_its_costliest_check() {
	new_test_ext().execute_with(|| {
		let jobs = bulk_jobs(3);
		let evidence: BoundedVec<u8, _> = vec![0u8; 40].try_into().unwrap();
		let answers: Vec<JobAnswerOf<Test>> = vec![
			result(jobs[0], output(1, 0.0)),
			// Evidence on a Vanilla job is refused, after the verifier looked at it.
			JobAnswer::Result { job: jobs[1], output: output(1, 0.0), evidence },
			result(jobs[2], output(1, 0.0)),
		];
		let call = Call::<Test>::submit_answers { answers: answers.clone().try_into().unwrap() };
		let declared = call.get_dispatch_info().call_weight;
		let charged = submit_answers(WORKER_A, answers.clone()).unwrap().actual_weight.unwrap();
		assert!(rejected(jobs[1]).is_some());
		assert!(charged.all_lte(declared));
		let verifier = |len: u32| <Test as Config>::Verifier::weight(Tier::Vanilla, len);
		assert_eq!(
			charged,
			Inference::answers_weight_base(&answers) + verifier(0) * 2 + verifier(40),
			"the accepted answers at their tier's cost, the rejected one at its costliest"
		);
		// More answers weigh more.
		let one = Inference::answers_weight(&answers[..1]);
		assert!(one.ref_time() < declared.ref_time());
	});
}

#[test]
fn a_bulk_requests_jobs_share_one_timer_that_fires_for_each() {
	new_test_ext().execute_with(|| {
		let jobs = bulk_jobs(3);
		let due = 1 + RESPONSE_BLOCKS + 1;
		assert_eq!(Timers::<Test>::iter_prefix(due).collect::<Vec<_>>(), vec![(jobs[0], 3)]);
		// One job answered Optimistic-style elsewhere would move its own timer; here one is
		// answered (final: its timer stays) and the other two expire.
		assert_ok!(submit_answers(WORKER_A, vec![result(jobs[1], output(1, 0.0))]));
		run_to_block(due);
		let expired = expired_jobs();
		assert_eq!(expired, vec![jobs[0], jobs[2]]);
		assert!(completed(jobs[1]));
		assert_eq!(fee_held(REQUESTER), 0);
	});
}

#[test]
fn a_span_longer_than_the_timer_budget_carries_its_rest_to_the_next_block() {
	new_test_ext().execute_with(|| {
		let jobs = bulk_jobs(TIMER_BUDGET + 2);
		let due = 1 + RESPONSE_BLOCKS + 1;
		run_to_block(due);
		let expired = || {
			events().iter().filter(|event| matches!(event, Event::JobExpired { .. })).count() as u32
		};
		assert_eq!(expired(), TIMER_BUDGET);
		assert_eq!(
			Timers::<Test>::iter_prefix(due).collect::<Vec<_>>(),
			vec![(jobs[TIMER_BUDGET as usize], 2)]
		);
		run_to_block(due + 1);
		assert_eq!(expired(), TIMER_BUDGET + 2);
		assert_eq!(fee_held(REQUESTER), 0);
	});
}

#[test]
fn a_share_that_cannot_be_paid_goes_back_to_each_job_of_the_batch() {
	use frame_support::traits::fungible::Mutate;
	new_test_ext().execute_with(|| {
		// The model's owner requests its own model: its royalty has nowhere to go.
		assert_ok!(Balances::mint_into(&OWNER, INITIAL_BALANCE));
		let before = Balances::free_balance(OWNER);
		register_worker(WORKER_A, MIN_STAKE * 10, &[Tier::Vanilla]);
		assert_ok!(Inference::request_batch(
			RuntimeOrigin::signed(OWNER),
			MODEL,
			Some(V1),
			vec![input(1, 0.5), input(1, 0.5)].try_into().unwrap(),
			Tier::Vanilla,
			Balance::MAX,
			RESPONSE_BLOCKS,
		));
		assert_ok!(submit_answers(
			WORKER_A,
			vec![result(0, output(1, 0.0)), result(1, output(1, 0.0))]
		));
		let fee = expected_fee(Tier::Vanilla);
		let completions: Vec<_> = events()
			.into_iter()
			.filter_map(|event| match event {
				Event::JobCompleted { job, paid_worker, royalty, treasury, refunded, .. } => {
					Some((job, paid_worker, royalty, treasury, refunded))
				},
				_ => None,
			})
			.collect();
		assert_eq!(
			completions,
			vec![
				(0, fee.worker, 0, fee.treasury, fee.royalty),
				(1, fee.worker, 0, fee.treasury, fee.royalty)
			]
		);
		assert_eq!(fee_held(OWNER), 0);
		assert_eq!(Balances::free_balance(OWNER), before - 2 * (fee.worker + fee.treasury));
	});
}

#[test]
fn a_timer_entry_standing_for_no_job_does_not_stop_the_timers() {
	new_test_ext().execute_with(|| {
		let jobs = bulk_jobs(2);
		let due = 1 + RESPONSE_BLOCKS + 1;
		// Entries of span 0 (no code path writes one), in the batch's block and before it.
		Timers::<Test>::insert(due, jobs[1] + 100, 0u32);
		Timers::<Test>::insert(due - 1, jobs[1] + 101, 0u32);
		run_to_block(due);
		let expired =
			events().iter().filter(|event| matches!(event, Event::JobExpired { .. })).count();
		assert_eq!(expired, 2);
		assert_eq!(Timers::<Test>::iter_prefix(due).count(), 0);
		assert_eq!(TimerCursor::<Test>::get(), Some(due + 1));
	});
}

#[test]
fn a_moved_job_leaves_its_batchs_span_to_the_others() {
	new_test_ext().execute_with(|| {
		let jobs = bulk_jobs(3);
		let due = 1 + RESPONSE_BLOCKS + 1;
		// The first job of the span is refused and refunded (nobody else serves the model):
		// the span stays for the other two.
		assert_ok!(submit_answers(
			WORKER_A,
			vec![JobAnswer::Failure { job: jobs[0], reason: FailureReason::ModelLoadFailed }]
		));
		assert_eq!(Timers::<Test>::iter_prefix(due).collect::<Vec<_>>(), vec![(jobs[0], 3)]);
		run_to_block(due);
		let expired = expired_jobs();
		assert_eq!(expired, vec![jobs[1], jobs[2]]);
		assert_eq!(fee_held(REQUESTER), 0);
	});
}
