//! The Optimistic tier and the market read as an adversary would: each test is an attack,
//! named after it, that worked against an earlier design (see `docs/tiers.md`, "What an
//! attacker can do").

use super::*;

const WORKERS: [AccountId; 5] = [WORKER_A, WORKER_B, WORKER_C, WORKER_D, WORKER_E];

fn right() -> TensorPayload {
	output(1, 1.0)
}

fn wrong() -> TensorPayload {
	output(1, 9.0)
}

/// Cheap requests on the Vanilla-only model whose timers all land in block `at` (deadline
/// `at - 1`): `count` of them, or as many as the market takes (at least the per-block cap
/// it once had, 8 in this mock, less a timer already there).
fn flood_timers_at(at: u64, count: usize) {
	let now = System::block_number();
	let landed = (0..count)
		.take_while(|_| {
			Inference::request(
				RuntimeOrigin::signed(OTHER_REQUESTER),
				VANILLA_ONLY_MODEL,
				None,
				input(1, 0.5),
				Tier::Vanilla,
				Balance::MAX,
				at - 1 - now,
			)
			.is_ok()
		})
		.count();
	assert!(landed >= 7, "only {landed} flooding requests landed");
}

fn optimistic_job_answered_by(answer: TensorPayload) -> (JobId, AccountId) {
	optimistic_result(&WORKERS, answer)
}

fn status(job: JobId) -> JobStatus<AccountId, u64> {
	Inference::job(job).expect("the job exists").status
}

#[test]
fn timer_flooding_cannot_make_an_honest_optimistic_answer_fail() {
	new_test_ext().execute_with(|| {
		WORKERS.into_iter().for_each(all_tiers_worker);
		let job = requested(Tier::Optimistic);
		let worker = assigned_worker(job);
		// The block where the answer's challenge window would end is filled beyond any
		// per-block cap the market ever had.
		flood_timers_at(1 + CHALLENGE_PERIOD, 40);
		assert_ok!(Inference::submit_result(
			RuntimeOrigin::signed(worker),
			job,
			right(),
			Default::default()
		));
		assert!(matches!(status(job), JobStatus::Provisional { .. }));
	});
}

#[test]
fn timer_flooding_cannot_block_a_challenge() {
	new_test_ext().execute_with(|| {
		let (job, worker) = optimistic_job_answered_by(wrong());
		// Every block a dispute could need a timer in, filled.
		for at in 3..=2 + VOTING_BLOCKS + 4 {
			flood_timers_at(at, 12);
		}
		let challenger = WORKERS.into_iter().find(|w| *w != worker).unwrap();
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(challenger), job));
		assert!(matches!(status(job), JobStatus::Disputed { .. }));
	});
}

#[test]
fn timer_flooding_cannot_keep_an_ended_job_in_storage_forever() {
	new_test_ext().execute_with(|| {
		WORKERS.into_iter().for_each(all_tiers_worker);
		let job = requested(Tier::Vanilla);
		let worker = assigned_worker(job);
		// Every block its deletion could be scheduled in, filled.
		for at in 1 + RETENTION..1 + RETENTION + 20 {
			flood_timers_at(at, 10);
		}
		assert_ok!(Inference::submit_result(
			RuntimeOrigin::signed(worker),
			job,
			right(),
			Default::default()
		));
		run_to_block(1 + RETENTION + 200);
		assert!(Inference::job(job).is_none(), "the ended job was never deleted");
	});
}

/// The committee of `job`'s dispute, once drawn.
fn committee(job: JobId) -> Vec<AccountId> {
	Disputes::<Test>::get(job).expect("a dispute").committee.into_inner()
}

fn challenger_for(worker: AccountId) -> AccountId {
	WORKERS.into_iter().find(|w| *w != worker).unwrap()
}

#[test]
fn an_abstaining_member_does_not_give_the_requester_free_inference() {
	new_test_ext().execute_with(|| {
		let (job, worker) = optimistic_job_answered_by(right());
		let fee = Inference::job(job).unwrap().fee.total;
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(challenger_for(worker)), job));
		run_to_block(2);
		let members = committee(job);
		// The requester's friend on the committee abstains, another member splits the vote.
		votes(job, &[(members[0], right()), (members[1], wrong())]);
		run_to_block(10);
		assert!(matches!(status(job), JobStatus::Unresolved { .. }));
		assert_eq!(fee_held(REQUESTER), 0);
		assert_eq!(
			Balances::free_balance(REQUESTER),
			INITIAL_BALANCE - fee,
			"the requester read an output and got its fee back"
		);
	});
}

#[test]
fn a_selective_refusal_does_not_deny_the_requester() {
	new_test_ext().execute_with(|| {
		WORKERS.into_iter().for_each(all_tiers_worker);
		let job = requested(Tier::Vanilla);
		let refuser = assigned_worker(job);
		assert_ok!(Inference::report_failure(
			RuntimeOrigin::signed(refuser),
			job,
			FailureReason::ExecutionFailed
		));
		let next = assigned_worker(job);
		assert_ne!(next, refuser, "the job went back to the worker that refused it");
		assert_eq!(fee_held(REQUESTER), expected_fee(Tier::Vanilla).total);
	});
}

#[test]
fn lying_on_every_open_job_costs_a_penalty_per_job() {
	new_test_ext().execute_with(|| {
		// Each worker's stake covers one wrong-result penalty, not two.
		for worker in WORKERS {
			register_worker(worker, WRONG_RESULT_PENALTY + WRONG_RESULT_PENALTY / 2, &Tier::ALL);
		}
		for _ in WORKERS {
			assert_ok!(request(REQUESTER, Tier::Optimistic));
		}
		assert!(
			request(REQUESTER, Tier::Optimistic).is_err(),
			"a worker took more Optimistic jobs than its stake could answer for"
		);
		// Other tiers' evidence does not rest on the bond: they are still served.
		assert_ok!(request(REQUESTER, Tier::Vanilla));
	});
}

#[test]
fn the_optimistic_tier_is_not_offered_without_a_committee() {
	new_test_ext().execute_with(|| {
		// With three servers, a dispute's committee would be one member deciding alone.
		[WORKER_A, WORKER_B, WORKER_C].into_iter().for_each(all_tiers_worker);
		assert!(request(REQUESTER, Tier::Optimistic).is_err());
		all_tiers_worker(WORKER_D);
		assert_ok!(request(REQUESTER, Tier::Optimistic));
	});
}

#[test]
fn a_lone_committee_member_cannot_decide_a_dispute() {
	new_test_ext().execute_with(|| {
		let four = [WORKER_A, WORKER_B, WORKER_C, WORKER_D];
		let (job, worker) = optimistic_result(&four, right());
		let challenger = four.into_iter().find(|w| *w != worker).unwrap();
		// All but one possible member go offline before the challenge.
		let others: Vec<_> =
			four.into_iter().filter(|w| *w != worker && *w != challenger).collect();
		assert_ok!(Workers::go_offline(RuntimeOrigin::signed(others[0])));
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(challenger), job));
		run_to_block(2);
		let members = committee(job);
		assert_eq!(members, vec![others[1]]);
		votes(job, &[(others[1], wrong())]);
		run_to_block(10);
		assert!(
			!matches!(status(job), JobStatus::Overturned { .. }),
			"one member overturned a result alone"
		);
	});
}

#[test]
fn a_challenger_cannot_choose_its_committee() {
	new_test_ext().execute_with(|| {
		let (job, worker) = optimistic_job_answered_by(wrong());
		// The parent hash of the challenge's block is public: a committee drawn from it is
		// one the challenger chose by choosing the block.
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(challenger_for(worker)), job));
		assert!(committee(job).is_empty(), "the committee was known when challenging");
		run_to_block(2);
		assert_eq!(committee(job).len(), COMMITTEE_SIZE as usize);
	});
}

#[test]
fn a_first_challenge_by_the_liars_sybil_does_not_lock_out_honest_watchers() {
	new_test_ext().execute_with(|| {
		let (job, worker) = optimistic_job_answered_by(wrong());
		let mut others = WORKERS.into_iter().filter(|w| *w != worker);
		let sybil = others.next().unwrap();
		let honest = others.next().unwrap();
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(sybil), job));
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(honest), job));
	});
}

#[test]
fn a_challenger_must_serve_the_model() {
	new_test_ext().execute_with(|| {
		let (job, _) = optimistic_job_answered_by(wrong());
		let outsider = 20;
		assert_ok!(Balances::mint_into(&outsider, INITIAL_BALANCE));
		let served = vec![ServedVersion { model: VANILLA_ONLY_MODEL, version: V1 }];
		assert_ok!(Workers::register(
			RuntimeOrigin::signed(outsider),
			MIN_STAKE,
			[Tier::Vanilla].into_iter().collect::<TierSet>(),
			served.try_into().unwrap()
		));
		assert!(Inference::challenge(RuntimeOrigin::signed(outsider), job).is_err());
	});
}

#[test]
fn a_member_copying_the_published_output_is_penalised_when_overturned() {
	new_test_ext().execute_with(|| {
		let (job, worker) = optimistic_job_answered_by(wrong());
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(challenger_for(worker)), job));
		run_to_block(2);
		let members = committee(job);
		let copier = members[2];
		let bonded = Workers::worker(&copier).unwrap().stake;
		// The copier commits to the worker's published output instead of running the model.
		votes(job, &[(members[0], right()), (members[1], right()), (copier, wrong())]);
		run_to_block(10);
		assert!(matches!(status(job), JobStatus::Overturned { .. }));
		assert!(
			Workers::worker(&copier).unwrap().stake < bonded,
			"a member who voted for the overturned output lost nothing"
		);
	});
}

#[test]
fn request_weight_counts_the_tier_check_and_the_input() {
	new_test_ext().execute_with(|| {
		WORKERS.into_iter().for_each(all_tiers_worker);
		let input = input(3, 0.5);
		let info = Inference::request(
			RuntimeOrigin::signed(REQUESTER),
			MODEL,
			Some(V1),
			input.clone(),
			Tier::Vanilla,
			Balance::MAX,
			RESPONSE_BLOCKS,
		)
		.unwrap();
		let bytes = tensor::payload_bytes(&input);
		let at_least = <() as WeightInfo>::request(WORKERS.len() as u32, bytes);
		assert!(
			info.actual_weight.unwrap().all_gte(at_least),
			"the actual weight dropped the input's bytes"
		);
	});
}

#[test]
fn honest_watchers_joining_a_dispute_do_not_thin_its_committee() {
	new_test_ext().execute_with(|| {
		// Four servers: the liar and three honest ones, two of which challenge in the same
		// block. Were joiners left out of the draw, one member would be left, who cannot
		// decide alone: the lie would stand unresolved.
		let four = [WORKER_A, WORKER_B, WORKER_C, WORKER_D];
		let (job, liar) = optimistic_result(&four, wrong());
		let honest: Vec<_> = four.into_iter().filter(|w| *w != liar).collect();
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(honest[0]), job));
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(honest[1]), job));
		run_to_block(2);
		let members = committee(job);
		assert_eq!(members.len(), MIN_COMMITTEE as usize);
		assert!(!members.contains(&honest[0]) && !members.contains(&liar));
		let ballots: Vec<_> = members.iter().map(|member| (*member, right())).collect();
		votes(job, &ballots);
		assert!(matches!(status(job), JobStatus::Overturned { .. }));
	});
}

#[test]
fn block_stuffing_cannot_make_an_honest_worker_miss_its_deadline() {
	new_test_ext().execute_with(|| {
		WORKERS.into_iter().for_each(all_tiers_worker);
		let balance = Balances::free_balance(REQUESTER);
		let job = requested(Tier::Vanilla);
		let worker = assigned_worker(job);
		let stake = Workers::bonded(&worker);
		// The worker's answer waits in the pool while the attacker fills every block of
		// the window.
		let deadline = 1 + RESPONSE_BLOCKS;
		(2..=deadline).for_each(end_block_congested);
		run_to_block(deadline + 1);
		assert_eq!(Workers::bonded(&worker), stake, "the honest worker was slashed");
		let extended = deadline + 1 + RESPONSE_BLOCKS;
		assert_eq!(status(job), JobStatus::Assigned { worker, deadline: extended });
		assert!(events().contains(&Event::DeadlineExtended { job, worker, deadline: extended }));
		// Once a block has room the answer lands, and the requester pays for it.
		run_to_block(deadline + 2);
		assert_ok!(Inference::submit_result(
			RuntimeOrigin::signed(worker),
			job,
			right(),
			Default::default()
		));
		assert!(matches!(status(job), JobStatus::Completed { .. }));
		let fee = expected_fee(Tier::Vanilla).total;
		assert_eq!(Balances::free_balance(REQUESTER), balance - fee, "no free inference");
	});
}

#[test]
fn block_stuffing_cannot_close_a_challenge_window_on_a_lie() {
	new_test_ext().execute_with(|| {
		let (job, worker) = optimistic_job_answered_by(wrong());
		// The liar fills every block of its result's challenge window, so no challenge
		// gets in.
		let until = match status(job) {
			JobStatus::Provisional { until, .. } => until,
			other => panic!("not provisional: {other:?}"),
		};
		(2..until).for_each(end_block_congested);
		run_to_block(until);
		let extended = until + (until - 1);
		assert_eq!(status(job), JobStatus::Provisional { worker, until: extended }, "settled");
		assert!(events().contains(&Event::ChallengeWindowExtended { job, until: extended }));
		// The first block with room carries the honest watcher's challenge.
		run_to_block(until + 1);
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(challenger_for(worker)), job));
		assert!(matches!(status(job), JobStatus::Disputed { .. }));
	});
}

#[test]
fn a_window_without_congestion_still_closes_on_time() {
	new_test_ext().execute_with(|| {
		WORKERS.into_iter().for_each(all_tiers_worker);
		let job = requested(Tier::Vanilla);
		let worker = assigned_worker(job);
		// Full blocks that leave the window's last block with room excuse nothing: the
		// answer could have landed there.
		let deadline = 1 + RESPONSE_BLOCKS;
		(1..deadline).for_each(end_block_congested);
		run_to_block(deadline + 1);
		assert!(events().iter().any(|event| matches!(
			event,
			Event::DeadlineMissed { job: missed, worker: missing, .. }
				if *missed == job && *missing == worker
		)));
	});
}

#[test]
fn block_stuffing_cannot_make_committee_members_miss_their_votes() {
	new_test_ext().execute_with(|| {
		let (job, worker) = optimistic_job_answered_by(wrong());
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(challenger_for(worker)), job));
		run_to_block(2);
		let members = committee(job);
		let stakes: Vec<_> = members.iter().map(|m| Workers::worker(m).unwrap().stake).collect();
		// The liar fills every block of the commit and reveal phases: no vote gets in.
		let dispute = Disputes::<Test>::get(job).unwrap();
		(3..=dispute.deadline).for_each(end_block_congested);
		run_to_block(dispute.deadline + 1);
		let now = dispute.deadline + 1;
		let (commit_until, deadline) = (now + VOTING_BLOCKS, now + VOTING_BLOCKS + REVEAL_BLOCKS);
		assert!(
			events().contains(&Event::VotingExtended { job, commit_until, deadline }),
			"the dispute was decided without the votes the stuffing kept out"
		);
		assert!(!events().iter().any(|event| matches!(event, Event::VoteMissed { .. })));
		// Once blocks have room the members vote, and the lie is overturned.
		votes(job, &[(members[0], right()), (members[1], right()), (members[2], right())]);
		assert!(matches!(status(job), JobStatus::Overturned { .. }));
		let after: Vec<_> = members.iter().map(|m| Workers::worker(m).unwrap().stake).collect();
		assert!(after.iter().zip(&stakes).all(|(after, before)| after >= before));
	});
}

#[test]
fn block_stuffing_of_the_reveal_phase_cannot_make_members_miss_their_reveals() {
	new_test_ext().execute_with(|| {
		let (job, worker) = optimistic_job_answered_by(wrong());
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(challenger_for(worker)), job));
		run_to_block(2);
		let members = committee(job);
		for member in &members {
			assert_ok!(Inference::vote(
				RuntimeOrigin::signed(*member),
				job,
				commitment(job, *member, &right())
			));
		}
		// Every member committed; the liar fills the reveal phase.
		let dispute = Disputes::<Test>::get(job).unwrap();
		(3..=dispute.deadline).for_each(end_block_congested);
		run_to_block(dispute.deadline + 1);
		let now = dispute.deadline + 1;
		let (commit_until, deadline) = (dispute.commit_until, now + REVEAL_BLOCKS);
		assert!(events().contains(&Event::VotingExtended { job, commit_until, deadline }));
		for member in &members {
			assert_ok!(Inference::reveal_vote(
				RuntimeOrigin::signed(*member),
				job,
				right(),
				salt_of(*member)
			));
		}
		assert!(matches!(status(job), JobStatus::Overturned { .. }));
	});
}
