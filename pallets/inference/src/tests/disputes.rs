//! The optimistic tier's disputes: challenges, the committee draw, committed and revealed
//! votes, every outcome and its money flows, and every named error of `challenge`, `vote`
//! and `reveal_vote`.

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
	optimistic_result(&WORKERS, answer)
}

/// Some worker other than `worker` challenges `job` in block 1; the committee is drawn in
/// block 2. Returns the challenger and the committee.
fn challenged(job: JobId, worker: AccountId) -> (AccountId, Vec<AccountId>) {
	let challenger = WORKERS.into_iter().find(|w| *w != worker).unwrap();
	assert_ok!(Inference::challenge(RuntimeOrigin::signed(challenger), job));
	run_to_block(DRAW_AT);
	let committee = Disputes::<Test>::get(job).unwrap().committee.into_inner();
	(challenger, committee)
}

/// The block a dispute opened in block 1 draws its committee in.
const DRAW_AT: u64 = 2;
/// Its last commit block, and its last reveal block.
const COMMIT_UNTIL: u64 = DRAW_AT + VOTING_BLOCKS;
const REVEAL_UNTIL: u64 = COMMIT_UNTIL + REVEAL_BLOCKS;

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
		let deadline = REVEAL_UNTIL;
		assert_eq!(record.status, JobStatus::Disputed { worker, challenger, deadline });
		assert_eq!(record.next_timer, deadline + 1);
		assert!(!ChallengeableJobs::<Test>::contains_key(job));
		assert!(events().contains(&Event::ResultChallenged {
			job,
			challenger,
			bond: CHALLENGE_BOND,
			draw_at: DRAW_AT
		}));
		assert!(
			matches!(last_event(), Event::CommitteeDrawn { job: j, commit_until: COMMIT_UNTIL, .. } if j == job)
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

		let ballots: Vec<_> = committee.iter().map(|member| (*member, right())).collect();
		votes(job, &ballots);

		// Decided with the last reveal, without waiting for the deadline.
		let record = Inference::job(job).unwrap();
		assert_eq!(record.status, JobStatus::Overturned { worker, at: DRAW_AT });
		assert_eq!(
			record.output.and_then(|stored| stored.inline()),
			Some(right()),
			"the requester reads the majority's output"
		);
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
		let ballots: Vec<_> = committee.iter().map(|member| (*member, right())).collect();
		votes(job, &ballots);
		let record = Inference::job(job).unwrap();
		assert_eq!(record.status, JobStatus::Completed { worker, at: DRAW_AT });
		assert_eq!(record.output.and_then(|stored| stored.inline()), Some(right()));
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
		votes(job, &[(committee[0], right()), (committee[1], right())]);
		assert!(
			matches!(Inference::job(job).unwrap().status, JobStatus::Disputed { .. }),
			"one vote is missing"
		);

		run_to_block(REVEAL_UNTIL + 1);
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
fn without_a_majority_the_bonds_return_and_the_fee_goes_to_the_treasury() {
	new_test_ext().execute_with(|| {
		let (job, worker) = answered_job(wrong());
		let (challenger, committee) = challenged(job, worker);
		let worker_bond = Workers::bonded(&worker);
		let (challenger_free, requester_free, worker_free, treasury_free) =
			(free(challenger), free(REQUESTER), free(worker), free(TREASURY));
		votes(job, &[(committee[0], right())]);

		run_to_block(REVEAL_UNTIL + 1);
		let record = Inference::job(job).unwrap();
		assert_eq!(record.status, JobStatus::Unresolved { worker, at: REVEAL_UNTIL + 1 });
		assert_eq!(
			record.output.and_then(|stored| stored.inline()),
			Some(wrong()),
			"the unconfirmed output stays readable"
		);
		assert_eq!(Workers::bonded(&worker), worker_bond, "one vote decides nothing");
		assert_eq!(bond_held(challenger), 0);
		assert_eq!(free(challenger), challenger_free + CHALLENGE_BOND);
		let fee = expected_fee(Tier::Optimistic).total;
		assert_eq!(fee_held(REQUESTER), 0);
		assert_eq!(free(REQUESTER), requester_free, "no refund for an output already read");
		assert_eq!(free(worker), worker_free, "no pay for an unconfirmed result");
		assert_eq!(free(TREASURY), treasury_free + fee + 2 * MISS_PENALTY);
		assert!(events().contains(&Event::DisputeUnresolved { job, to_treasury: fee }));
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
		votes(
			job,
			&[(committee[0], right()), (committee[1], wrong()), (committee[2], output(1, 3.0))],
		);
		assert_eq!(
			Inference::job(job).unwrap().status,
			JobStatus::Unresolved { worker, at: DRAW_AT }
		);
		assert_eq!(bond_held(challenger), 0);
		assert!(!events().iter().any(|event| matches!(event, Event::VoteMissed { .. })));
	});
}

#[test]
fn a_dispute_with_the_smallest_committee_needs_both_members() {
	new_test_ext().execute_with(|| {
		// Four workers: after the worker and the challenger, MIN_COMMITTEE (two) are left.
		let four = [WORKER_A, WORKER_B, WORKER_C, WORKER_D];
		let (job, worker) = optimistic_result(&four, wrong());
		let challenger = four.into_iter().find(|w| *w != worker).unwrap();
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(challenger), job));
		run_to_block(DRAW_AT);
		let committee = Disputes::<Test>::get(job).unwrap().committee;
		assert_eq!(committee.len(), MIN_COMMITTEE as usize);
		votes(job, &[(committee[0], right()), (committee[1], right())]);
		assert!(matches!(Inference::job(job).unwrap().status, JobStatus::Overturned { .. }));
	});
}

#[test]
fn challenges_are_refused_with_named_errors_and_hold_nothing() {
	new_test_ext().execute_with(|| {
		let (job, worker) = answered_job(right());
		let challenge = |who: AccountId| Inference::challenge(RuntimeOrigin::signed(who), job);
		assert_noop!(challenge(worker), Error::<Test>::OwnResult);
		assert_noop!(challenge(REQUESTER), Error::<Test>::ChallengerNotServing);
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
		let four = [WORKER_A, WORKER_B, WORKER_C, WORKER_D];
		let (job, worker) = optimistic_result(&four, right());
		let mut others = four.into_iter().filter(|w| *w != worker);
		let challenger = others.next().unwrap();
		for member in others {
			assert_ok!(Workers::go_offline(RuntimeOrigin::signed(member)));
		}
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
fn commitments_and_reveals_are_refused_with_named_errors() {
	new_test_ext().execute_with(|| {
		let (job, worker) = answered_job(wrong());
		let commit = |who: AccountId, output: &TensorPayload| {
			Inference::vote(RuntimeOrigin::signed(who), job, commitment(job, who, output))
		};
		let reveal = |who: AccountId, output: TensorPayload| {
			Inference::reveal_vote(RuntimeOrigin::signed(who), job, output, salt_of(who))
		};
		assert_noop!(commit(WORKER_A, &right()), Error::<Test>::NotDisputed);
		let challenger = WORKERS.into_iter().find(|w| *w != worker).unwrap();
		assert_ok!(Inference::challenge(RuntimeOrigin::signed(challenger), job));
		assert_noop!(commit(WORKER_A, &right()), Error::<Test>::CommitteeNotDrawn);
		run_to_block(DRAW_AT);
		let committee = Disputes::<Test>::get(job).unwrap().committee;
		assert_noop!(commit(challenger, &right()), Error::<Test>::NotCommitteeMember);
		assert_noop!(commit(worker, &right()), Error::<Test>::NotCommitteeMember);
		assert_noop!(reveal(committee[0], right()), Error::<Test>::NoCommitment);
		assert_ok!(commit(committee[0], &input(1, 1.0)));
		assert_noop!(commit(committee[0], &right()), Error::<Test>::AlreadyVoted);
		assert_noop!(reveal(committee[0], input(1, 1.0)), Error::<Test>::RevealNotOpen);
		assert_ok!(commit(committee[1], &right()));
		assert_ok!(commit(committee[2], &right()));
		// Every member committed: the reveal phase is open before the commit deadline.
		assert_noop!(reveal(committee[1], wrong()), Error::<Test>::CommitmentMismatch);
		assert_noop!(reveal(committee[0], input(1, 1.0)), Error::<Test>::OutputShapeMismatch);
		assert_ok!(reveal(committee[1], right()));
		assert_noop!(reveal(committee[1], right()), Error::<Test>::AlreadyVoted);
		System::set_block_number(REVEAL_UNTIL + 1);
		assert_noop!(reveal(committee[2], right()), Error::<Test>::VotingClosed);
		assert_noop!(
			Inference::vote(RuntimeOrigin::signed(WORKER_A), 77, H256::zero()),
			Error::<Test>::UnknownJob
		);
	});
}

#[test]
fn a_commitment_after_the_commit_phase_is_refused() {
	new_test_ext().execute_with(|| {
		let (job, worker) = answered_job(wrong());
		let (_, committee) = challenged(job, worker);
		System::set_block_number(COMMIT_UNTIL + 1);
		assert_noop!(
			Inference::vote(
				RuntimeOrigin::signed(committee[0]),
				job,
				commitment(job, committee[0], &right())
			),
			Error::<Test>::VotingClosed
		);
	});
}

#[test]
fn joining_a_dispute_is_refused_with_named_errors_and_holds_nothing() {
	new_test_ext().execute_with(|| {
		let (job, worker) = answered_job(wrong());
		let (challenger, committee) = challenged(job, worker);
		let join = |who: AccountId| Inference::challenge(RuntimeOrigin::signed(who), job);
		assert_noop!(join(worker), Error::<Test>::OwnResult);
		assert_noop!(join(challenger), Error::<Test>::AlreadyChallenged);
		assert_noop!(join(committee[0]), Error::<Test>::CommitteeMemberCannotChallenge);
		assert_noop!(join(REQUESTER), Error::<Test>::ChallengerNotServing);
		System::set_block_number(COMMIT_UNTIL + 1);
		let outsider = WORKERS
			.into_iter()
			.find(|w| *w != worker && *w != challenger && !committee.contains(w));
		if let Some(outsider) = outsider {
			assert_noop!(join(outsider), Error::<Test>::DisputeJoinClosed);
		}
	});
}

#[test]
fn a_decided_dispute_is_pruned_after_retention() {
	new_test_ext().execute_with(|| {
		let (job, worker) = answered_job(wrong());
		let (_, committee) = challenged(job, worker);
		let ballots: Vec<_> = committee.iter().map(|member| (*member, right())).collect();
		votes(job, &ballots);
		run_to_block(DRAW_AT + RETENTION);
		assert!(Inference::job(job).is_none());
		assert!(events().contains(&Event::JobPruned { job }));
	});
}
