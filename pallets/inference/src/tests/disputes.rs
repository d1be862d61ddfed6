//! The optimistic tier's disputes: challenges, committee votes, every outcome and its money
//! flows, and every named error of `challenge` and `vote`.

use super::*;
use verin_primitives::market::WorkerStaking;

const WORKERS: [AccountId; 5] = [WORKER_A, WORKER_B, WORKER_C, WORKER_D, WORKER_E];

fn right() -> TensorPayload {
	output(1, 1.0)
}

fn wrong() -> TensorPayload {
	output(1, 9.0)
}

fn bond_held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::ChallengeBond.into(), &who)
}

/// Five workers serving every tier; an Optimistic job answered with `answer`.
fn answered_job(answer: TensorPayload) -> (JobId, AccountId) {
	WORKERS.into_iter().for_each(all_tiers_worker);
	let job = requested(Tier::Optimistic);
	let worker = assigned_worker(job);
	assert_ok!(Inference::submit_result(
		RuntimeOrigin::signed(worker),
		job,
		answer,
		Default::default()
	));
	(job, worker)
}

/// Some worker other than `worker` challenges `job`; returns it and the committee.
fn challenged(job: JobId, worker: AccountId) -> (AccountId, Vec<AccountId>) {
	let challenger = WORKERS.into_iter().find(|w| *w != worker).unwrap();
	assert_ok!(Inference::challenge(RuntimeOrigin::signed(challenger), job));
	let committee = Disputes::<Test>::get(job).unwrap().committee.into_inner();
	(challenger, committee)
}

fn vote(job: JobId, voter: AccountId, output: TensorPayload) {
	assert_ok!(Inference::vote(RuntimeOrigin::signed(voter), job, output));
}

fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}

#[test]
fn an_unchallenged_result_settles_when_the_window_closes() {
	new_test_ext().execute_with(|| {
		let (job, worker) = answered_job(right());
		assert!(ChallengeableJobs::<Test>::contains_key(job));
		let JobStatus::Provisional { until, .. } = Inference::job(job).unwrap().status else {
			panic!()
		};
		run_to_block(until);
		assert_eq!(Inference::job(job).unwrap().status, JobStatus::Completed { worker, at: until });
		assert!(!ChallengeableJobs::<Test>::contains_key(job));
		let other = WORKERS.into_iter().find(|w| *w != worker).unwrap();
		assert_noop!(
			Inference::challenge(RuntimeOrigin::signed(other), job),
			Error::<Test>::NotChallengeable
		);
	});
}

#[test]
fn the_committee_excludes_worker_and_challenger_and_counts_as_load() {
	new_test_ext().execute_with(|| {
		let (job, worker) = answered_job(right());
		let (challenger, committee) = challenged(job, worker);
		assert_eq!(committee.len(), COMMITTEE_SIZE as usize);
		assert!(!committee.contains(&worker) && !committee.contains(&challenger));
		let mut distinct = committee.clone();
		distinct.sort();
		distinct.dedup();
		assert_eq!(distinct.len(), committee.len(), "members are distinct");
		for member in &committee {
			assert_eq!(pallet_workers::Registered::<Test>::get(member).unwrap().load, 1);
		}
		assert_eq!(bond_held(challenger), CHALLENGE_BOND);
		let record = Inference::job(job).unwrap();
		let deadline = 1 + VOTING_BLOCKS;
		assert_eq!(record.status, JobStatus::Disputed { worker, challenger, deadline });
		assert_eq!(record.next_timer, deadline + 1);
		assert!(!ChallengeableJobs::<Test>::contains_key(job));
		assert!(
			matches!(last_event(), Event::ResultChallenged { job: j, bond: CHALLENGE_BOND, .. } if j == job)
		);
	});
}

#[test]
fn a_wrong_result_is_overturned_and_its_worker_slashed() {
	new_test_ext().execute_with(|| {
		let (job, worker) = answered_job(wrong());
		let (challenger, committee) = challenged(job, worker);
		let worker_bond = Workers::bonded(&worker);
		let before: Vec<Balance> = committee.iter().map(|m| free(*m)).collect();
		let (challenger_free, treasury_free, requester_free) =
			(free(challenger), free(TREASURY), free(REQUESTER));

		for member in &committee {
			vote(job, *member, right());
		}

		// Decided with the last vote, without waiting for the deadline.
		let record = Inference::job(job).unwrap();
		assert_eq!(record.status, JobStatus::Overturned { worker, at: 1 });
		assert_eq!(record.output, Some(right()), "the requester reads the majority's output");
		assert_eq!(fee_held(REQUESTER), 0);
		assert_eq!(
			free(REQUESTER),
			requester_free + expected_fee(Tier::Optimistic).total,
			"refunded in full"
		);
		assert!(!Disputes::<Test>::contains_key(job));

		let to_winner = WRONG_RESULT_PENALTY / 2;
		let per_voter = WRONG_RESULT_PENALTY * 3 / 10 / 3;
		assert_eq!(Workers::bonded(&worker), worker_bond - WRONG_RESULT_PENALTY);
		assert_eq!(bond_held(challenger), 0);
		assert_eq!(free(challenger), challenger_free + CHALLENGE_BOND + to_winner);
		for (member, before) in committee.iter().zip(before) {
			assert_eq!(free(*member), before + per_voter);
			assert_eq!(pallet_workers::Registered::<Test>::get(member).unwrap().load, 0);
		}
		assert_eq!(
			free(TREASURY),
			treasury_free + WRONG_RESULT_PENALTY - to_winner - 3 * per_voter
		);
		assert!(
			!pallet_workers::Registered::<Test>::get(worker).unwrap().online,
			"the liar is suspended"
		);
		assert!(events().contains(&Event::DisputeResolved {
			job,
			outcome: DisputeOutcome::Overturned,
			loser: Some(worker),
			forfeited: WRONG_RESULT_PENALTY,
			to_winner,
			to_committee: 3 * per_voter,
		}));
		assert!(matches!(last_event(), Event::ResultOverturned { job: j, .. } if j == job));
	});
}

#[test]
fn a_frivolous_challenge_forfeits_the_challengers_bond() {
	new_test_ext().execute_with(|| {
		let (job, worker) = answered_job(right());
		let (challenger, committee) = challenged(job, worker);
		let (worker_free, treasury_free, challenger_free) =
			(free(worker), free(TREASURY), free(challenger));
		let before: Vec<Balance> = committee.iter().map(|m| free(*m)).collect();
		for member in &committee {
			vote(job, *member, right());
		}
		let record = Inference::job(job).unwrap();
		assert_eq!(record.status, JobStatus::Completed { worker, at: 1 });
		assert_eq!(record.output, Some(right()));
		let fee = expected_fee(Tier::Optimistic);
		let to_winner = CHALLENGE_BOND / 2;
		let per_voter = CHALLENGE_BOND * 3 / 10 / 3;
		assert_eq!(bond_held(challenger), 0);
		assert_eq!(free(challenger), challenger_free, "the held bond is gone");
		assert_eq!(free(worker), worker_free + fee.worker + to_winner);
		for (member, before) in committee.iter().zip(before) {
			assert_eq!(free(*member), before + per_voter);
		}
		assert_eq!(
			free(TREASURY),
			treasury_free + fee.treasury + CHALLENGE_BOND - to_winner - 3 * per_voter
		);
		assert!(events().contains(&Event::DisputeResolved {
			job,
			outcome: DisputeOutcome::Upheld,
			loser: Some(challenger),
			forfeited: CHALLENGE_BOND,
			to_winner,
			to_committee: 3 * per_voter,
		}));
	});
}

#[test]
fn silent_members_are_penalised_and_the_voters_decide_at_the_deadline() {
	new_test_ext().execute_with(|| {
		let (job, worker) = answered_job(wrong());
		let (_, committee) = challenged(job, worker);
		let silent = committee[2];
		let silent_bond = Workers::bonded(&silent);
		vote(job, committee[0], right());
		vote(job, committee[1], right());
		assert!(
			matches!(Inference::job(job).unwrap().status, JobStatus::Disputed { .. }),
			"one vote is missing"
		);

		run_to_block(1 + VOTING_BLOCKS + 1);
		assert!(
			matches!(Inference::job(job).unwrap().status, JobStatus::Overturned { .. }),
			"2 of 3 is a majority"
		);
		assert_eq!(Workers::bonded(&silent), silent_bond - MISS_PENALTY);
		let info = pallet_workers::Registered::<Test>::get(silent).unwrap();
		assert!(!info.online, "the silent member is suspended");
		assert_eq!(info.load, 0);
		assert!(events().contains(&Event::VoteMissed {
			job,
			voter: silent,
			penalty: MISS_PENALTY
		}));
	});
}

#[test]
fn without_a_majority_every_hold_is_returned() {
	new_test_ext().execute_with(|| {
		let (job, worker) = answered_job(wrong());
		let (challenger, committee) = challenged(job, worker);
		let worker_bond = Workers::bonded(&worker);
		let (challenger_free, requester_free) = (free(challenger), free(REQUESTER));
		vote(job, committee[0], right());

		run_to_block(1 + VOTING_BLOCKS + 1);
		let record = Inference::job(job).unwrap();
		assert_eq!(record.status, JobStatus::Unresolved { worker, at: 1 + VOTING_BLOCKS + 1 });
		assert_eq!(record.output, Some(wrong()), "the unconfirmed output stays readable");
		assert_eq!(Workers::bonded(&worker), worker_bond, "one vote decides nothing");
		assert_eq!(bond_held(challenger), 0);
		assert_eq!(free(challenger), challenger_free + CHALLENGE_BOND);
		assert_eq!(fee_held(REQUESTER), 0);
		assert_eq!(free(REQUESTER), requester_free + expected_fee(Tier::Optimistic).total);
		assert!(events().contains(&Event::DisputeUnresolved {
			job,
			refunded: expected_fee(Tier::Optimistic).total
		}));
		for silent in &committee[1..] {
			assert!(events().contains(&Event::VoteMissed {
				job,
				voter: *silent,
				penalty: MISS_PENALTY
			}));
		}
	});
}

#[test]
fn a_three_way_split_is_unresolved_at_once() {
	new_test_ext().execute_with(|| {
		let (job, worker) = answered_job(wrong());
		let (challenger, committee) = challenged(job, worker);
		vote(job, committee[0], right());
		vote(job, committee[1], wrong());
		vote(job, committee[2], output(1, 3.0));
		assert_eq!(Inference::job(job).unwrap().status, JobStatus::Unresolved { worker, at: 1 });
		assert_eq!(bond_held(challenger), 0);
		assert!(!events().iter().any(|event| matches!(event, Event::VoteMissed { .. })));
	});
}

#[test]
fn a_dispute_with_a_smaller_committee_needs_a_majority_of_it() {
	new_test_ext().execute_with(|| {
		// Three workers: after the worker and the challenger, one member is left.
		[WORKER_A, WORKER_B, WORKER_C].into_iter().for_each(all_tiers_worker);
		let job = requested(Tier::Optimistic);
		let worker = assigned_worker(job);
		assert_ok!(Inference::submit_result(
			RuntimeOrigin::signed(worker),
			job,
			wrong(),
			Default::default()
		));
		let challenger = [WORKER_A, WORKER_B, WORKER_C].into_iter().find(|w| *w != worker).unwrap();
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(challenger), job));
		let committee = Disputes::<Test>::get(job).unwrap().committee;
		assert_eq!(committee.len(), 1);
		vote(job, committee[0], right());
		assert!(matches!(Inference::job(job).unwrap().status, JobStatus::Overturned { .. }));
	});
}

#[test]
fn challenges_are_refused_with_named_errors_and_hold_nothing() {
	new_test_ext().execute_with(|| {
		let (job, worker) = answered_job(right());
		let challenge = |who: AccountId| Inference::challenge(RuntimeOrigin::signed(who), job);
		assert_noop!(challenge(worker), Error::<Test>::OwnResult);
		assert_noop!(challenge(REQUESTER), Error::<Test>::ChallengerNotBonded);
		assert_noop!(
			Inference::challenge(RuntimeOrigin::signed(WORKER_A), 77),
			Error::<Test>::UnknownJob
		);

		let vanilla = requested(Tier::Vanilla);
		assert_noop!(
			Inference::challenge(RuntimeOrigin::signed(worker), vanilla),
			Error::<Test>::NotChallengeable
		);

		let JobStatus::Provisional { until, .. } = Inference::job(job).unwrap().status else {
			panic!()
		};
		let other = WORKERS.into_iter().find(|w| *w != worker).unwrap();
		System::set_block_number(until);
		assert_noop!(challenge(other), Error::<Test>::ChallengeWindowClosed);
	});
}

#[test]
fn a_challenge_without_a_possible_committee_is_refused() {
	new_test_ext().execute_with(|| {
		[WORKER_A, WORKER_B].into_iter().for_each(all_tiers_worker);
		let job = requested(Tier::Optimistic);
		let worker = assigned_worker(job);
		assert_ok!(Inference::submit_result(
			RuntimeOrigin::signed(worker),
			job,
			right(),
			Default::default()
		));
		let challenger = if worker == WORKER_A { WORKER_B } else { WORKER_A };
		assert_noop!(
			Inference::challenge(RuntimeOrigin::signed(challenger), job),
			Error::<Test>::NoCommitteeAvailable
		);
	});
}

#[test]
fn a_challenger_that_cannot_pay_the_bond_is_refused() {
	new_test_ext().execute_with(|| {
		let (job, worker) = answered_job(right());
		let challenger = WORKERS.into_iter().find(|w| *w != worker).unwrap();
		let keep = Balances::free_balance(challenger) - CHALLENGE_BOND / 2;
		assert_ok!(Balances::transfer_allow_death(RuntimeOrigin::signed(challenger), POOR, keep));
		assert_noop!(
			Inference::challenge(RuntimeOrigin::signed(challenger), job),
			Error::<Test>::InsufficientChallengeBond
		);
	});
}

#[test]
fn votes_are_refused_with_named_errors() {
	new_test_ext().execute_with(|| {
		let (job, worker) = answered_job(wrong());
		let vote = |who: AccountId, output: TensorPayload| {
			Inference::vote(RuntimeOrigin::signed(who), job, output)
		};
		assert_noop!(vote(WORKER_A, right()), Error::<Test>::NotDisputed);
		let (challenger, committee) = challenged(job, worker);
		assert_noop!(vote(challenger, right()), Error::<Test>::NotCommitteeMember);
		assert_noop!(vote(worker, right()), Error::<Test>::NotCommitteeMember);
		assert_noop!(vote(committee[0], input(1, 1.0)), Error::<Test>::OutputShapeMismatch);
		assert_ok!(vote(committee[0], right()));
		assert_noop!(vote(committee[0], right()), Error::<Test>::AlreadyVoted);
		System::set_block_number(1 + VOTING_BLOCKS + 1);
		assert_noop!(vote(committee[1], right()), Error::<Test>::VotingClosed);
		assert_noop!(
			Inference::vote(RuntimeOrigin::signed(WORKER_A), 77, right()),
			Error::<Test>::UnknownJob
		);
	});
}

#[test]
fn a_decided_dispute_is_pruned_after_retention() {
	new_test_ext().execute_with(|| {
		let (job, worker) = answered_job(wrong());
		let (_, committee) = challenged(job, worker);
		committee.iter().for_each(|member| vote(job, *member, right()));
		run_to_block(1 + RETENTION);
		assert!(Inference::job(job).is_none());
		assert!(events().contains(&Event::JobPruned { job }));
	});
}
