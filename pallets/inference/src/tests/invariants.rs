//! Randomized sequences of requests, answers, refusals, silences, challenges and joins,
//! committed and revealed votes, and blocks, checking after every step that no balance is
//! created or lost, that every job-fee hold belongs to a job that has not ended, every
//! challenge bond to an open dispute, and every open Optimistic job to its worker's
//! stake; then that every job and dispute ends and every hold is gone.
//!
//! The CI runs 100 sequences of 150 steps; `VERIN_INVARIANT_SEEDS=700 cargo test --release
//! -p pallet-inference no_balance_is_created` runs 105,000 steps.

use super::*;
use std::collections::BTreeMap;

/// The outputs committee members committed to, by (job, member), to reveal them later.
type Committed = BTreeMap<(JobId, AccountId), TensorPayload>;

/// A small deterministic generator (xorshift64*), so a failing seed can be replayed.
struct Rng(u64);

impl Rng {
	fn next(&mut self) -> u64 {
		self.0 ^= self.0 >> 12;
		self.0 ^= self.0 << 25;
		self.0 ^= self.0 >> 27;
		self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
	}

	fn below(&mut self, n: u64) -> u64 {
		self.next() % n
	}

	fn pick<T: Copy>(&mut self, items: &[T]) -> T {
		items[self.below(items.len() as u64) as usize]
	}
}

const WORKERS: [AccountId; 8] =
	[WORKER_A, WORKER_B, WORKER_C, WORKER_D, WORKER_E, WORKER_F, WORKER_G, WORKER_H];
const REQUESTERS: [AccountId; 3] = [REQUESTER, OTHER_REQUESTER, OWNER];

fn open_fee_of(who: AccountId) -> Balance {
	Jobs::<Test>::iter_values()
		.filter(|job| job.requester == who && job.status.ended_at().is_none())
		.map(|job| job.fee.total)
		.sum()
}

fn check_invariants(issuance: Balance) {
	assert_eq!(Balances::total_issuance(), issuance, "issuance changed");
	let held_everywhere: Balance = ACCOUNTS.iter().map(Balances::total_balance).sum();
	assert_eq!(held_everywhere, issuance, "funds left the known accounts");
	for who in ACCOUNTS {
		assert_eq!(
			fee_held(who),
			open_fee_of(who),
			"job-fee hold of {who} differs from its open jobs"
		);
		let bond = Balances::balance_on_hold(&pallet_workers::HoldReason::WorkerBond.into(), &who);
		use verin_primitives::market::WorkerStaking;
		assert_eq!(bond, Workers::bonded(&who), "bond hold of {who} differs from its record");
		let challenged: Balance = Disputes::<Test>::iter_values()
			.flat_map(|d| d.challengers.into_inner())
			.filter(|(challenger, _)| *challenger == who)
			.map(|(_, bond)| bond)
			.sum();
		let challenge_held = Balances::balance_on_hold(&HoldReason::ChallengeBond.into(), &who);
		assert_eq!(
			challenge_held, challenged,
			"challenge-bond hold of {who} differs from its open disputes"
		);
	}
	for id in Disputes::<Test>::iter_keys() {
		let status = Jobs::<Test>::get(id).map(|job| job.status);
		assert!(
			matches!(status, Some(JobStatus::Disputed { .. })),
			"dispute {id} of a job that is {status:?}"
		);
	}
	for (id, job) in Jobs::<Test>::iter() {
		let disputed = matches!(job.status, JobStatus::Disputed { .. });
		assert_eq!(Disputes::<Test>::contains_key(id), disputed, "job {id}'s dispute record");
		let provisional = matches!(job.status, JobStatus::Provisional { .. });
		assert_eq!(
			ChallengeableJobs::<Test>::contains_key(id),
			provisional,
			"job {id}'s challengeable entry"
		);
	}
	for (id, job) in Jobs::<Test>::iter() {
		let pending = matches!(job.status, JobStatus::Assigned { .. });
		let listed =
			PendingJobs::<Test>::iter_values().flatten().filter(|listed| *listed == id).count();
		assert_eq!(listed, pending as usize, "job {id} pending-list entries");
		// Its own entry, or its batch's span, in its `next_timer` block.
		let live = Timers::<Test>::iter_prefix(job.next_timer)
			.any(|(first, span)| first <= id && id < first + u64::from(span));
		assert!(live, "job {id} has no live timer in block {}", job.next_timer);
		assert!(
			TimerCursor::<Test>::get().is_none_or(|cursor| cursor <= job.next_timer),
			"job {id}'s timer is behind the cursor: it would never fire"
		);
	}
	for worker in WORKERS {
		if let Ok(info) = Workers::worker(&worker) {
			let seats = Disputes::<Test>::iter_values()
				.filter(|d| {
					d.committee.contains(&worker)
						&& !d.votes.iter().any(|(voter, _)| *voter == worker)
				})
				.count();
			assert_eq!(
				info.load as usize,
				Inference::pending_jobs(&worker).len() + seats,
				"load of {worker}"
			);
			let at_stake = Jobs::<Test>::iter_values()
				.filter(|job| job.tier == Tier::Optimistic)
				.filter(|job| match &job.status {
					JobStatus::Assigned { worker: w, .. }
					| JobStatus::Provisional { worker: w, .. }
					| JobStatus::Disputed { worker: w, .. } => *w == worker,
					_ => false,
				})
				.count();
			assert_eq!(
				info.optimistic_open as usize, at_stake,
				"open Optimistic jobs resting on {worker}'s stake"
			);
		}
	}
	let open_by_model = |model| {
		Jobs::<Test>::iter_values()
			.filter(|job| job.model == model && job.status.ended_at().is_none())
			.count() as u32
	};
	assert_eq!(OpenJobs::<Test>::get(MODEL), open_by_model(MODEL));
	assert_eq!(OpenJobs::<Test>::get(VANILLA_ONLY_MODEL), open_by_model(VANILLA_ONLY_MODEL));
}

/// `worker`'s answer to `job`: mostly right for its tier, now and then a wrong batch, a
/// wrong proof or a refusal.
fn random_answer(rng: &mut Rng, job: JobId) -> JobAnswerOf<Test> {
	let record = Inference::job(job).unwrap();
	if rng.below(8) == 0 {
		return JobAnswer::Failure { job, reason: FailureReason::ExecutionFailed };
	}
	let result = output(record.batch, rng.below(100) as f32);
	let evidence = match record.tier {
		Tier::Zk if rng.below(4) != 0 => result.using_encoded(sp_io::hashing::blake2_256).to_vec(),
		Tier::Zk => vec![0; 32],
		_ => vec![],
	};
	let output = if rng.below(8) == 0 { output(record.batch + 1, 0.0) } else { result };
	JobAnswer::Result { job, output, evidence: evidence.try_into().unwrap() }
}

fn random_step(rng: &mut Rng, committed: &mut Committed) {
	match rng.below(18) {
		16 => {
			// A dapp's bulk request: all its jobs open, or none.
			let model = rng.pick(&[MODEL, VANILLA_ONLY_MODEL]);
			let tier = if model == MODEL {
				rng.pick(&[Tier::Vanilla, Tier::Optimistic, Tier::Zk])
			} else {
				Tier::Vanilla
			};
			let inputs: Vec<TensorPayload> = (0..1 + rng.below(MAX_PER_CALL as u64))
				.map(|_| {
					let rows = if tier == Tier::Zk { 1 } else { 1 + rng.below(2) as u32 };
					input(rows, rng.below(100) as f32)
				})
				.collect();
			let _ = Inference::request_batch(
				RuntimeOrigin::signed(rng.pick(&REQUESTERS)),
				model,
				None,
				inputs.try_into().unwrap(),
				tier,
				if rng.below(10) == 0 { 1 } else { Balance::MAX },
				1 + rng.below(4),
			);
		},
		17 => {
			// A worker's answers in one call; now and then with another worker's job among
			// them, or one job twice (both refused alone).
			let worker = rng.pick(&WORKERS);
			let mut jobs = Inference::pending_jobs(&worker);
			jobs.truncate(MAX_PER_CALL as usize - 1);
			if rng.below(4) == 0 {
				let anyone: Vec<JobId> = PendingJobs::<Test>::iter_values().flatten().collect();
				if !anyone.is_empty() {
					jobs.push(rng.pick(&anyone));
				}
			}
			if !jobs.is_empty() {
				let answers: Vec<JobAnswerOf<Test>> =
					jobs.into_iter().map(|job| random_answer(rng, job)).collect();
				let _ = Inference::submit_answers(
					RuntimeOrigin::signed(worker),
					answers.try_into().unwrap(),
				);
			}
		},
		0..=3 => {
			let model = rng.pick(&[MODEL, VANILLA_ONLY_MODEL]);
			let tier = if model == MODEL {
				rng.pick(&[Tier::Vanilla, Tier::Optimistic, Tier::Optimistic, Tier::Zk])
			} else {
				Tier::Vanilla
			};
			// A ZK request proves one row.
			let batch = if tier == Tier::Zk { 1 } else { 1 + rng.below(3) as u32 };
			let _ = Inference::request(
				RuntimeOrigin::signed(rng.pick(&REQUESTERS)),
				model,
				None,
				input(batch, rng.below(100) as f32),
				tier,
				if rng.below(10) == 0 { 1 } else { Balance::MAX },
				1 + rng.below(4),
			);
		},
		4..=6 => {
			let worker = rng.pick(&WORKERS);
			if let Some(&job) = Inference::pending_jobs(&worker).first() {
				let record = Inference::job(job).unwrap();
				let result = output(record.batch, rng.below(100) as f32);
				let evidence = match record.tier {
					Tier::Zk if rng.below(4) != 0 => {
						result.using_encoded(sp_io::hashing::blake2_256).to_vec()
					},
					Tier::Zk => vec![0; 32],
					_ => vec![],
				};
				// A wrong batch now and then: must be refused without side effects.
				let result = if rng.below(8) == 0 { output(record.batch + 1, 0.0) } else { result };
				let _ = Inference::submit_result(
					RuntimeOrigin::signed(worker),
					job,
					result,
					evidence.try_into().unwrap(),
				);
			}
		},
		7 => {
			let worker = rng.pick(&WORKERS);
			if let Some(&job) = Inference::pending_jobs(&worker).last() {
				let _ = Inference::report_failure(
					RuntimeOrigin::signed(worker),
					job,
					FailureReason::ExecutionFailed,
				);
			}
		},
		8 => {
			// Suspended workers come back; stake topped up when slashed low.
			for worker in WORKERS.into_iter().filter(|_| rng.below(2) == 0) {
				let _ = Workers::bond_extra(RuntimeOrigin::signed(worker), MISS_PENALTY);
				let _ = Workers::go_online(RuntimeOrigin::signed(worker));
			}
		},
		9..=10 => {
			// Provisional results, and disputes a worker may still join.
			let jobs: Vec<JobId> = ChallengeableJobs::<Test>::iter_keys()
				.chain(Disputes::<Test>::iter_keys())
				.collect();
			if !jobs.is_empty() {
				let job = rng.pick(&jobs);
				// Any account: workers, the job's own worker, requesters (refused).
				let who = if rng.below(8) == 0 { REQUESTER } else { rng.pick(&WORKERS) };
				let _ = Inference::challenge(RuntimeOrigin::signed(who), job);
			}
		},
		11..=13 => {
			let disputes: Vec<(JobId, Vec<AccountId>)> =
				Disputes::<Test>::iter().map(|(job, d)| (job, d.committee.into_inner())).collect();
			if !disputes.is_empty() {
				let (job, committee) = disputes[rng.below(disputes.len() as u64) as usize].clone();
				// Before the draw, or now and then: any worker (refused unless a member). Else
				// most members act, so that commit and reveal rounds complete.
				let voters: Vec<AccountId> = if committee.is_empty() || rng.below(6) == 0 {
					vec![rng.pick(&WORKERS)]
				} else {
					committee.into_iter().filter(|_| rng.below(5) != 0).collect()
				};
				for voter in voters {
					vote_step(rng, committed, job, voter);
				}
			}
		},
		14 => {
			// Full blocks: deadlines and challenge windows ending in them are extended.
			let now = System::block_number();
			(now + 1..=now + 1 + rng.below(3)).for_each(end_block_congested);
		},
		_ => run_to_block(System::block_number() + 1 + rng.below(3)),
	}
}

/// `voter` reveals the vote it committed to on `job`, or commits to one.
fn vote_step(rng: &mut Rng, committed: &mut Committed, job: JobId, voter: AccountId) {
	if let Some(ballot) = committed.get(&(job, voter)) {
		// A wrong salt now and then: refused.
		let salt = if rng.below(10) == 0 { [0; 32] } else { salt_of(voter) };
		let _ = Inference::reveal_vote(RuntimeOrigin::signed(voter), job, ballot.clone(), salt);
		return;
	}
	let answered = Inference::job(job).unwrap().output.unwrap().inline().unwrap();
	// Mostly one of two answers, so majorities form; now and then a third.
	let ballot = match rng.below(8) {
		0..=3 => answered,
		4..=6 => output(answered[0].shape[0], 7.0),
		_ => output(answered[0].shape[0], rng.below(3) as f32),
	};
	let sent = Inference::vote(RuntimeOrigin::signed(voter), job, commitment(job, voter, &ballot));
	if sent.is_ok() {
		committed.insert((job, voter), ballot);
	}
}

/// How often each outcome happened over all seeds: the sequences must reach every path.
#[derive(Default, Debug)]
struct Outcomes {
	completed: u32,
	provisional: u32,
	failed: u32,
	expired: u32,
	reassigned: u32,
	refused: u32,
	pruned: u32,
	challenged: u32,
	joined: u32,
	drawn: u32,
	voted_against: u32,
	upheld: u32,
	overturned: u32,
	unresolved: u32,
	votes_missed: u32,
	extended: u32,
	rejected_in_batch: u32,
}

impl Outcomes {
	fn count(&mut self) {
		let mut assigned = Vec::new();
		for event in events() {
			match event {
				Event::JobCompleted { .. } => self.completed += 1,
				Event::ResultProvisional { .. } => self.provisional += 1,
				Event::JobFailed { .. } => self.failed += 1,
				Event::JobExpired { .. } => self.expired += 1,
				Event::JobPruned { .. } => self.pruned += 1,
				Event::JobAssigned { job, .. } if assigned.contains(&job) => self.reassigned += 1,
				Event::JobAssigned { job, .. } => assigned.push(job),
				Event::ResultChallenged { .. } => self.challenged += 1,
				Event::ChallengeJoined { .. } => self.joined += 1,
				Event::CommitteeDrawn { .. } => self.drawn += 1,
				Event::VotedAgainstMajority { .. } => self.voted_against += 1,
				Event::JobRefused { .. } => self.refused += 1,
				Event::DisputeResolved { outcome: DisputeOutcome::Upheld, .. } => self.upheld += 1,
				Event::DisputeResolved { outcome: DisputeOutcome::Overturned, .. } => {
					self.overturned += 1
				},
				Event::DisputeResolved { outcome: DisputeOutcome::Unresolved, .. } => {
					self.unresolved += 1
				},
				Event::VoteMissed { .. } => self.votes_missed += 1,
				Event::AnswerRejected { .. } => self.rejected_in_batch += 1,
				Event::DeadlineExtended { .. } | Event::ChallengeWindowExtended { .. } => {
					self.extended += 1
				},
				_ => {},
			}
		}
	}
}

#[test]
fn no_balance_is_created_or_lost_and_no_hold_outlives_its_job() {
	let seeds: u64 = std::env::var("VERIN_INVARIANT_SEEDS")
		.ok()
		.and_then(|seeds| seeds.parse().ok())
		.unwrap_or(100);
	let mut outcomes = Outcomes::default();
	let mut steps = 0u64;
	for seed in 1..=seeds {
		new_test_ext().execute_with(|| {
			for worker in WORKERS {
				register_worker(worker, MIN_STAKE * 2, &Tier::ALL);
			}
			let issuance = Balances::total_issuance();
			let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
			let mut committed = Committed::new();
			for _ in 0..150 {
				random_step(&mut rng, &mut committed);
				check_invariants(issuance);
				steps += 1;
			}
			assert!(NextJobId::<Test>::get() > 0, "seed {seed} made no job");
			// Silence: every job must end (answered, refunded or expired) and be deleted.
			let quiet_until =
				System::block_number() + 2 * (50 + 1) * MAX_ATTEMPTS as u64 + RETENTION + 20;
			run_to_block(quiet_until);
			check_invariants(issuance);
			assert_eq!(
				Jobs::<Test>::iter().count(),
				0,
				"seed {seed}: a job outlived its retention"
			);
			for who in ACCOUNTS {
				assert_eq!(fee_held(who), 0, "seed {seed}: a fee hold outlived its job");
			}
			assert_eq!(PendingJobs::<Test>::iter_values().flatten().count(), 0);
			assert_eq!(OpenJobs::<Test>::iter().count(), 0);
			assert_eq!(Disputes::<Test>::iter().count(), 0, "seed {seed}: a dispute never ended");
			assert_eq!(ChallengeableJobs::<Test>::iter().count(), 0);
			for who in ACCOUNTS {
				assert_eq!(Balances::balance_on_hold(&HoldReason::ChallengeBond.into(), &who), 0);
			}
			outcomes.count();
		});
	}
	let Outcomes {
		completed,
		provisional,
		failed,
		expired,
		reassigned,
		refused,
		pruned,
		challenged,
		joined,
		drawn,
		voted_against,
		upheld,
		overturned,
		unresolved,
		votes_missed,
		extended,
		rejected_in_batch,
	} = outcomes;
	println!("{steps} steps: {outcomes:?}");
	assert!(
		[
			completed,
			provisional,
			failed,
			expired,
			reassigned,
			refused,
			pruned,
			challenged,
			joined,
			drawn,
			voted_against,
			upheld,
			overturned,
			unresolved,
			votes_missed,
			extended,
			rejected_in_batch,
		]
		.iter()
		.all(|n| *n > 10),
		"every path must be exercised: {outcomes:?}"
	);
}
