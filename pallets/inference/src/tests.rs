//! Tests of the inference market: every call and hook path, every named error, matching,
//! settlement arithmetic, and a randomized invariant test of the money flows.

use super::*;
use crate::mock::*;
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use verin_primitives::market::ServedVersion;
use verin_primitives::{market::Job, tensor::TensorData, tier::TierSet};

mod attacks;
mod batches;
mod disputes;
mod invariants;
mod offchain_worker;
mod payloads;

fn register_worker(who: AccountId, stake: Balance, tiers: &[Tier]) {
	let models: Vec<ServedVersion> = [(MODEL, V1), (MODEL, V1_1), (VANILLA_ONLY_MODEL, V1)]
		.into_iter()
		.map(|(model, version)| ServedVersion { model, version })
		.collect();
	assert_ok!(Workers::register(
		RuntimeOrigin::signed(who),
		stake,
		tiers.iter().copied().collect::<TierSet>(),
		models.try_into().unwrap()
	));
}

fn all_tiers_worker(who: AccountId) {
	register_worker(who, MIN_STAKE * 10, &Tier::ALL);
}

fn request(who: AccountId, tier: Tier) -> DispatchResultWithPostInfo {
	Inference::request(
		RuntimeOrigin::signed(who),
		MODEL,
		Some(V1),
		input(1, 0.5),
		tier,
		Balance::MAX,
		RESPONSE_BLOCKS,
	)
}

fn requested(tier: Tier) -> JobId {
	let id = NextJobId::<Test>::get();
	assert_ok!(request(REQUESTER, tier));
	id
}

/// `workers` serve every tier; an Optimistic job is requested and its assigned worker
/// answers `answer`. Returns the job and the worker.
fn optimistic_result(workers: &[AccountId], answer: TensorPayload) -> (JobId, AccountId) {
	workers.iter().copied().for_each(all_tiers_worker);
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

/// Ends block `block` as one its author filled with the attacker's transactions: the normal
/// class used up to its limit, as cheap remarks or uploads would.
fn end_block_congested(block: u64) {
	use frame_support::{
		dispatch::DispatchClass,
		traits::{Get, Hooks},
	};
	run_to_block(block);
	let weights: frame_system::limits::BlockWeights =
		<Test as frame_system::Config>::BlockWeights::get();
	let limit = weights.get(DispatchClass::Normal).max_total.unwrap_or(weights.max_block);
	frame_system::Pallet::<Test>::register_extra_weight_unchecked(limit, DispatchClass::Normal);
	assert!(Inference::block_congested());
	<Inference as Hooks<u64>>::on_finalize(block);
	frame_system::BlockWeight::<Test>::kill();
}

fn assigned_worker(job: JobId) -> AccountId {
	match Inference::job(job).unwrap().status {
		JobStatus::Assigned { worker, .. } => worker,
		other => panic!("job {job} is not assigned: {other:?}"),
	}
}

fn fee_held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::JobFee.into(), &who)
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Inference(event) => Some(event),
			_ => None,
		})
		.collect()
}

/// The salt a committee member's vote uses in the tests.
fn salt_of(member: AccountId) -> [u8; 32] {
	[member as u8; 32]
}

/// What `member` commits to when it votes `output` on `job`.
fn commitment(job: JobId, member: AccountId, output: &TensorPayload) -> H256 {
	vote_commitment(job, &member, output, &salt_of(member))
}

/// Each listed member commits to its output, then reveals it; if some member of the
/// committee does not commit, the reveals wait for the end of the commit phase.
fn votes(job: JobId, ballots: &[(AccountId, TensorPayload)]) {
	for (member, output) in ballots {
		assert_ok!(Inference::vote(
			RuntimeOrigin::signed(*member),
			job,
			commitment(job, *member, output)
		));
	}
	let dispute = Disputes::<Test>::get(job).expect("an open dispute");
	if dispute.commitments.len() < dispute.committee.len() {
		run_to_block(dispute.commit_until + 1);
	}
	for (member, output) in ballots {
		assert_ok!(Inference::reveal_vote(
			RuntimeOrigin::signed(*member),
			job,
			output.clone(),
			salt_of(*member)
		));
	}
}

fn last_event() -> Event<Test> {
	events().pop().expect("an inference event")
}

/// The fee of one batch-1 request on model 0 at `tier`: 16 input bytes, 8 output bytes.
fn expected_fee(tier: Tier) -> FeeBreakdown<Balance> {
	let service = TIER_FEE * (tier as u128 + 1) + FEE_PER_BYTE * (16 + 8);
	// 10% to the treasury, rounded to the nearest unit.
	let cut = |amount: Balance| (amount * 10 + 50) / 100;
	let royalty = MODEL_PRICE - cut(MODEL_PRICE);
	let worker = service - cut(service);
	let total = MODEL_PRICE + service;
	FeeBreakdown { total, worker, royalty, treasury: total - worker - royalty }
}

mod requesting {
	use super::*;

	#[test]
	fn request_holds_the_quoted_fee_and_assigns_a_worker() {
		new_test_ext().execute_with(|| {
			all_tiers_worker(WORKER_A);
			let job = requested(Tier::Vanilla);
			let fee = expected_fee(Tier::Vanilla);
			assert_eq!(fee_held(REQUESTER), fee.total);
			let record = Inference::job(job).unwrap();
			assert_eq!(record.fee, fee);
			assert_eq!(record.royalty_to, OWNER);
			assert_eq!(record.batch, 1);
			assert_eq!(record.attempts, 1);
			assert_eq!(record.content_id, H256::repeat_byte(1));
			let deadline = 1 + RESPONSE_BLOCKS;
			assert_eq!(record.status, JobStatus::Assigned { worker: WORKER_A, deadline });
			assert_eq!(Inference::pending_jobs(&WORKER_A), vec![job]);
			assert!(Inference::has_open_jobs(MODEL));
			assert_eq!(Workers::worker(&WORKER_A).unwrap().load, 1);
			assert_eq!(
				Timers::<Test>::iter_key_prefix(deadline + 1).collect::<Vec<_>>(),
				vec![job]
			);
			assert_eq!(
				events(),
				vec![
					Event::JobRequested {
						job,
						requester: REQUESTER,
						model: MODEL,
						version: V1,
						tier: Tier::Vanilla,
						fee: fee.total,
						input_hash: Inference::job(job).unwrap().input.hash(),
					},
					Event::JobAssigned { job, worker: WORKER_A, deadline },
				]
			);
		});
	}

	#[test]
	fn zk_requests_need_one_row_and_a_registered_circuit() {
		new_test_ext().execute_with(|| {
			register_worker(WORKER_A, MIN_STAKE, &Tier::ALL);
			assert_noop!(
				Inference::request(
					RuntimeOrigin::signed(REQUESTER),
					MODEL,
					None,
					input(2, 0.0),
					Tier::Zk,
					Balance::MAX,
					3
				),
				Error::<Test>::ZkOneRowOnly
			);
			BenchModels::mutate(|models| models.push((99, OWNER, test_spec(&Tier::ALL))));
			assert_noop!(
				Inference::request(
					RuntimeOrigin::signed(REQUESTER),
					99,
					None,
					input(1, 0.0),
					Tier::Zk,
					Balance::MAX,
					3
				),
				Error::<Test>::ZkCircuitNotRegistered
			);
			assert_ok!(Inference::request(
				RuntimeOrigin::signed(REQUESTER),
				MODEL,
				None,
				input(1, 0.0),
				Tier::Zk,
				Balance::MAX,
				3
			));
		});
	}

	/// The attack the registry's circuit review stops: a circuit only its owner vouches for
	/// (or one under dispute) may be another model's, whose valid proofs show an output the
	/// owner chose. A ZK request on it is refused before anything is held; other tiers of
	/// the version are unaffected.
	#[test]
	fn a_zk_request_on_an_untrusted_circuit_is_refused_and_holds_nothing() {
		new_test_ext().execute_with(|| {
			register_worker(WORKER_A, MIN_STAKE, &Tier::ALL);
			ZkCircuitTrusted::set(false);
			let free_before = Balances::free_balance(REQUESTER);
			assert_noop!(request(REQUESTER, Tier::Zk), Error::<Test>::ZkCircuitNotTrusted);
			assert_eq!(fee_held(REQUESTER), 0);
			assert_eq!(Balances::free_balance(REQUESTER), free_before);
			assert_eq!(NextJobId::<Test>::get(), 0);
			assert_eq!(
				Inference::quote(MODEL, None, &input(1, 0.0), Tier::Zk),
				Err(Error::<Test>::ZkCircuitNotTrusted.into())
			);
			assert_ok!(request(REQUESTER, Tier::Vanilla));

			ZkCircuitTrusted::set(true);
			assert_ok!(request(REQUESTER, Tier::Zk));
		});
	}

	#[test]
	fn quote_prices_model_tier_and_bytes_and_splits_without_remainder() {
		new_test_ext().execute_with(|| {
			for tier in [Tier::Vanilla, Tier::Optimistic, Tier::Zk] {
				let fee = Inference::quote(MODEL, None, &input(1, 0.0), tier).unwrap();
				assert_eq!(fee, expected_fee(tier));
				assert_eq!(fee.worker + fee.royalty + fee.treasury, fee.total);
			}
			let batch3 = Inference::quote(MODEL, None, &input(3, 0.0), Tier::Vanilla).unwrap();
			let bytes = 3 * 16 + 3 * 8;
			assert_eq!(batch3.total, MODEL_PRICE + TIER_FEE + FEE_PER_BYTE * bytes);
		});
	}

	#[test]
	fn no_version_means_the_latest_and_deprecated_models_are_still_served() {
		new_test_ext().execute_with(|| {
			all_tiers_worker(WORKER_A);
			ModelStatusNow::set(ModelStatus::Deprecated);
			assert_ok!(Inference::request(
				RuntimeOrigin::signed(REQUESTER),
				MODEL,
				None,
				input(2, 1.0),
				Tier::Vanilla,
				Balance::MAX,
				RESPONSE_BLOCKS
			));
			let record = Inference::job(0).unwrap();
			assert_eq!(record.version, V1_1);
			assert_eq!(record.content_id, H256::repeat_byte(2));
			assert_eq!(record.batch, 2);
			ModelStatusNow::set(ModelStatus::Active);
		});
	}

	#[test]
	fn request_rejects_bad_requests_with_named_errors_and_holds_nothing() {
		new_test_ext().execute_with(|| {
			all_tiers_worker(WORKER_A);
			let call = |model, version, input: TensorPayload, tier, max_fee, window| {
				Inference::request(
					RuntimeOrigin::signed(REQUESTER),
					model,
					version,
					input,
					tier,
					max_fee,
					window,
				)
			};
			let ok_input = || input(1, 0.0);
			assert_noop!(
				call(7, None, ok_input(), Tier::Vanilla, Balance::MAX, 3),
				Error::<Test>::UnknownModelVersion
			);
			assert_noop!(
				call(
					MODEL,
					Some(ModelVersion::new(9, 0)),
					ok_input(),
					Tier::Vanilla,
					Balance::MAX,
					3
				),
				Error::<Test>::UnknownModelVersion
			);
			assert_noop!(
				call(VANILLA_ONLY_MODEL, None, ok_input(), Tier::Zk, Balance::MAX, 3),
				Error::<Test>::TierNotOffered
			);
			assert_noop!(
				call(MODEL, None, ok_input(), Tier::Tee, Balance::MAX, 3),
				Error::<Test>::TierUnavailable
			);
			assert_noop!(
				call(MODEL, None, ok_input(), Tier::Vanilla, Balance::MAX, 0),
				Error::<Test>::ResponseWindowOutOfRange
			);
			assert_noop!(
				call(MODEL, None, ok_input(), Tier::Vanilla, Balance::MAX, 51),
				Error::<Test>::ResponseWindowOutOfRange
			);
			let fee = expected_fee(Tier::Vanilla).total;
			assert_noop!(
				call(MODEL, None, ok_input(), Tier::Vanilla, fee - 1, 3),
				Error::<Test>::FeeCapTooLow
			);
			assert_noop!(
				call(MODEL, None, TensorPayload::default(), Tier::Vanilla, Balance::MAX, 3),
				Error::<Test>::InputTensorCountMismatch
			);
			assert_noop!(
				call(MODEL, None, output(1, 0.0), Tier::Vanilla, Balance::MAX, 3),
				Error::<Test>::InputShapeMismatch
			);
			assert_noop!(
				call(MODEL, None, input(5, 0.0), Tier::Vanilla, Balance::MAX, 3),
				Error::<Test>::InputTooLarge
			);
			let mut short = input(1, 0.0);
			short[0].data.pop();
			assert_noop!(
				call(MODEL, None, short, Tier::Vanilla, Balance::MAX, 3),
				Error::<Test>::InputDataLengthMismatch
			);
			let zero_batch: TensorPayload = vec![TensorData {
				shape: vec![0, 4].try_into().unwrap(),
				data: Default::default(),
			}]
			.try_into()
			.unwrap();
			assert_noop!(
				call(MODEL, None, zero_batch, Tier::Vanilla, Balance::MAX, 3),
				Error::<Test>::InputBatchInvalid
			);
			assert_noop!(
				call(MODEL, None, input(4, 0.0), Tier::Vanilla, Balance::MAX, 3),
				Error::<Test>::OutputWouldBeTooLarge
			);
			assert_noop!(
				Inference::request(
					RuntimeOrigin::signed(POOR),
					MODEL,
					None,
					ok_input(),
					Tier::Vanilla,
					Balance::MAX,
					3
				),
				Error::<Test>::InsufficientBalance
			);
			ModelStatusNow::set(ModelStatus::Disabled);
			assert_noop!(
				call(MODEL, None, ok_input(), Tier::Vanilla, Balance::MAX, 3),
				Error::<Test>::ModelNotActive
			);
			ModelStatusNow::set(ModelStatus::Active);
			assert_eq!(fee_held(REQUESTER), 0);
		});
	}

	#[test]
	fn request_without_an_eligible_worker_is_refused() {
		new_test_ext().execute_with(|| {
			assert_noop!(request(REQUESTER, Tier::Vanilla), Error::<Test>::NoEligibleWorker);
			register_worker(WORKER_A, MIN_STAKE, &[Tier::Vanilla]);
			assert_noop!(request(REQUESTER, Tier::Zk), Error::<Test>::NoEligibleWorker);
			assert_ok!(Workers::go_offline(RuntimeOrigin::signed(WORKER_A)));
			assert_noop!(request(REQUESTER, Tier::Vanilla), Error::<Test>::NoEligibleWorker);
		});
	}

	#[test]
	fn job_ids_do_not_wrap() {
		new_test_ext().execute_with(|| {
			all_tiers_worker(WORKER_A);
			NextJobId::<Test>::put(JobId::MAX);
			assert_noop!(request(REQUESTER, Tier::Vanilla), Error::<Test>::JobIdOverflow);
		});
	}
}

mod matching {
	use super::*;

	#[test]
	fn draws_follow_stake_over_load() {
		new_test_ext().execute_with(|| {
			register_worker(WORKER_A, MIN_STAKE, &[Tier::Vanilla]);
			register_worker(WORKER_B, 3 * MIN_STAKE, &[Tier::Vanilla]);
			let candidates = |load_b| {
				vec![
					Candidate { worker: WORKER_A, stake: MIN_STAKE, load: 0 },
					Candidate { worker: WORKER_B, stake: 3 * MIN_STAKE, load: load_b },
				]
			};
			let share_of_b = |load_b| {
				let hits = (0..4_000u64)
					.filter(|job| Inference::draw(&candidates(load_b), *job, 0) == Some(WORKER_B))
					.count();
				hits as f64 / 4_000.0
			};
			// Odds 3:1 when idle; 1:1 when B holds two jobs (3/(1+2) against 1/(1+0)).
			let idle = share_of_b(0);
			let busy = share_of_b(2);
			assert!((0.70..0.80).contains(&idle), "B's share when idle: {idle}");
			assert!((0.45..0.55).contains(&busy), "B's share when busy: {busy}");
			assert_eq!(Inference::draw(&[], 0, 0), None);
		});
	}

	#[test]
	fn zero_stake_candidates_are_drawn_uniformly() {
		new_test_ext().execute_with(|| {
			let candidates = vec![
				Candidate { worker: WORKER_A, stake: 0, load: 0 },
				Candidate { worker: WORKER_B, stake: 0, load: 0 },
			];
			let drawn: Vec<_> =
				(0..50).filter_map(|job| Inference::draw(&candidates, job, 0)).collect();
			assert_eq!(drawn.len(), 50);
			assert!(drawn.contains(&WORKER_A) && drawn.contains(&WORKER_B));
		});
	}
}

mod answering {
	use super::*;

	#[test]
	fn a_vanilla_result_pays_worker_owner_and_treasury() {
		new_test_ext().execute_with(|| {
			register_worker(WORKER_A, MIN_STAKE, &[Tier::Vanilla]);
			let job = requested(Tier::Vanilla);
			let fee = expected_fee(Tier::Vanilla);
			let before = |who| Balances::free_balance(who);
			let (requester, worker, owner, treasury) =
				(before(REQUESTER), before(WORKER_A), before(OWNER), before(TREASURY));
			run_to_block(2);
			assert_ok!(Inference::submit_result(
				RuntimeOrigin::signed(WORKER_A),
				job,
				output(1, 0.25),
				Default::default()
			));
			assert_eq!(fee_held(REQUESTER), 0);
			assert_eq!(Balances::free_balance(REQUESTER), requester);
			assert_eq!(Balances::free_balance(WORKER_A), worker + fee.worker);
			assert_eq!(Balances::free_balance(OWNER), owner + fee.royalty);
			assert_eq!(Balances::free_balance(TREASURY), treasury + fee.treasury);
			let record = Inference::job(job).unwrap();
			assert_eq!(record.status, JobStatus::Completed { worker: WORKER_A, at: 2 });
			assert_eq!(record.output.and_then(|stored| stored.inline()), Some(output(1, 0.25)));
			assert!(Inference::pending_jobs(&WORKER_A).is_empty());
			assert!(!Inference::has_open_jobs(MODEL));
			let info = Workers::worker(&WORKER_A).unwrap();
			assert_eq!((info.load, info.answered, info.last_seen), (0, 1, 2));
			let output_hash = H256(output(1, 0.25).using_encoded(sp_io::hashing::blake2_256));
			let tail = events().split_off(2);
			assert_eq!(
				tail,
				vec![
					Event::ResultSubmitted { job, worker: WORKER_A, output_hash },
					Event::JobCompleted {
						job,
						worker: WORKER_A,
						paid_worker: fee.worker,
						royalty: fee.royalty,
						treasury: fee.treasury,
						refunded: 0
					},
				]
			);
		});
	}

	#[test]
	fn a_requester_that_owns_the_model_keeps_its_royalty() {
		new_test_ext().execute_with(|| {
			register_worker(WORKER_A, MIN_STAKE, &[Tier::Vanilla]);
			let _ = Balances::mint_into(&OWNER, INITIAL_BALANCE);
			assert_ok!(request(OWNER, Tier::Vanilla));
			let balance = Balances::free_balance(OWNER);
			let fee = expected_fee(Tier::Vanilla);
			assert_ok!(Inference::submit_result(
				RuntimeOrigin::signed(WORKER_A),
				0,
				output(1, 0.0),
				Default::default()
			));
			assert_eq!(Balances::free_balance(OWNER), balance + fee.royalty);
			assert_eq!(fee_held(OWNER), 0);
			assert!(matches!(last_event(), Event::JobCompleted { royalty: 0, refunded, .. } if refunded == fee.royalty));
		});
	}

	#[test]
	fn a_zk_result_needs_valid_evidence() {
		new_test_ext().execute_with(|| {
			all_tiers_worker(WORKER_A);
			let job = requested(Tier::Zk);
			let submit = |evidence: Vec<u8>| {
				Inference::submit_result(
					RuntimeOrigin::signed(WORKER_A),
					job,
					output(1, 1.0),
					evidence.try_into().unwrap(),
				)
			};
			assert_noop!(submit(vec![]), Error::<Test>::MalformedEvidence);
			assert_noop!(submit(vec![0; 32]), Error::<Test>::InvalidEvidence);
			let output_hash = output(1, 1.0).using_encoded(sp_io::hashing::blake2_256);
			assert_ok!(submit(output_hash.to_vec()));
			assert!(matches!(Inference::job(job).unwrap().status, JobStatus::Completed { .. }));
		});
	}

	#[test]
	fn an_optimistic_result_settles_when_its_window_closes() {
		new_test_ext().execute_with(|| {
			// The Optimistic tier needs a possible committee besides worker and challenger.
			[WORKER_A, WORKER_B, WORKER_C, WORKER_D].into_iter().for_each(all_tiers_worker);
			let job = requested(Tier::Optimistic);
			let worker = assigned_worker(job);
			let fee = expected_fee(Tier::Optimistic);
			let worker_balance = Balances::free_balance(worker);
			assert_ok!(Inference::submit_result(
				RuntimeOrigin::signed(worker),
				job,
				output(1, 1.0),
				Default::default()
			));
			let until = 1 + CHALLENGE_PERIOD;
			assert_eq!(
				Inference::job(job).unwrap().status,
				JobStatus::Provisional { worker, until }
			);
			assert_eq!(last_event(), Event::ResultProvisional { job, until });
			assert_eq!(fee_held(REQUESTER), fee.total, "nothing paid during the window");
			assert!(Inference::has_open_jobs(MODEL));
			run_to_block(until - 1);
			assert_eq!(fee_held(REQUESTER), fee.total);
			run_to_block(until);
			assert_eq!(
				Inference::job(job).unwrap().status,
				JobStatus::Completed { worker, at: until }
			);
			assert_eq!(Balances::free_balance(worker), worker_balance + fee.worker);
			assert_eq!(fee_held(REQUESTER), 0);
			assert!(!Inference::has_open_jobs(MODEL));
		});
	}

	#[test]
	fn submit_result_rejects_wrong_callers_and_states() {
		new_test_ext().execute_with(|| {
			all_tiers_worker(WORKER_A);
			let submit = |who, job| {
				Inference::submit_result(
					RuntimeOrigin::signed(who),
					job,
					output(1, 0.0),
					Default::default(),
				)
			};
			assert_noop!(submit(WORKER_A, 5), Error::<Test>::UnknownJob);
			let job = requested(Tier::Vanilla);
			assert_noop!(submit(WORKER_B, job), Error::<Test>::NotAssignedWorker);
			assert_ok!(submit(WORKER_A, job));
			assert_noop!(submit(WORKER_A, job), Error::<Test>::JobNotAssigned);

			let late = requested(Tier::Vanilla);
			// Past the deadline, before the timer ran (a lagging cursor).
			System::set_block_number(1 + RESPONSE_BLOCKS + 1);
			assert_noop!(submit(WORKER_A, late), Error::<Test>::DeadlinePassed);
		});
	}

	#[test]
	fn submit_result_checks_the_output_and_evidence() {
		new_test_ext().execute_with(|| {
			all_tiers_worker(WORKER_A);
			let job = requested(Tier::Vanilla);
			let submit = |output: TensorPayload, evidence: Vec<u8>| {
				Inference::submit_result(
					RuntimeOrigin::signed(WORKER_A),
					job,
					output,
					evidence.try_into().unwrap(),
				)
			};
			assert_noop!(
				submit(TensorPayload::default(), vec![]),
				Error::<Test>::OutputTensorCountMismatch
			);
			assert_noop!(submit(output(2, 0.0), vec![]), Error::<Test>::OutputShapeMismatch);
			assert_noop!(submit(input(1, 0.0), vec![]), Error::<Test>::OutputShapeMismatch);
			let mut short = output(1, 0.0);
			short[0].data.pop();
			assert_noop!(submit(short, vec![]), Error::<Test>::OutputDataLengthMismatch);
			let big: TensorPayload = vec![TensorData {
				shape: vec![1, 2].try_into().unwrap(),
				data: vec![0; 25].try_into().unwrap(),
			}]
			.try_into()
			.unwrap();
			assert_noop!(submit(big, vec![]), Error::<Test>::OutputTooLarge);
			assert_noop!(submit(output(1, 0.0), vec![1]), Error::<Test>::MalformedEvidence);
		});
	}

	#[test]
	fn a_worker_without_bond_cannot_answer() {
		new_test_ext().execute_with(|| {
			register_worker(WORKER_A, MIN_STAKE, &[Tier::Vanilla]);
			let job = requested(Tier::Vanilla);
			use verin_primitives::market::WorkerStaking;
			Workers::slash(&WORKER_A, MIN_STAKE, &TREASURY, SlashReason::WrongResult);
			assert_noop!(
				Inference::submit_result(
					RuntimeOrigin::signed(WORKER_A),
					job,
					output(1, 0.0),
					Default::default()
				),
				Error::<Test>::WorkerNotBonded
			);
		});
	}

	#[test]
	fn report_failure_refunds_everything_without_penalty() {
		new_test_ext().execute_with(|| {
			register_worker(WORKER_A, MIN_STAKE, &[Tier::Vanilla]);
			let balance = Balances::free_balance(REQUESTER);
			let job = requested(Tier::Vanilla);
			assert_noop!(
				Inference::report_failure(
					RuntimeOrigin::signed(WORKER_B),
					job,
					FailureReason::ModelLoadFailed
				),
				Error::<Test>::NotAssignedWorker
			);
			assert_noop!(
				Inference::report_failure(
					RuntimeOrigin::signed(WORKER_A),
					9,
					FailureReason::ModelLoadFailed
				),
				Error::<Test>::UnknownJob
			);
			assert_ok!(Inference::report_failure(
				RuntimeOrigin::signed(WORKER_A),
				job,
				FailureReason::ModelLoadFailed
			));
			assert_eq!(Balances::free_balance(REQUESTER), balance);
			assert_eq!(fee_held(REQUESTER), 0);
			assert_eq!(
				last_event(),
				Event::JobFailed {
					job,
					worker: WORKER_A,
					reason: FailureReason::ModelLoadFailed,
					refunded: expected_fee(Tier::Vanilla).total
				}
			);
			assert_eq!(
				Inference::job(job).unwrap().status,
				JobStatus::Failed {
					worker: WORKER_A,
					reason: FailureReason::ModelLoadFailed,
					at: 1
				}
			);
			assert_eq!(Workers::bonded(&WORKER_A), MIN_STAKE);
			assert!(!Inference::has_open_jobs(MODEL));
			assert_noop!(
				Inference::report_failure(
					RuntimeOrigin::signed(WORKER_A),
					job,
					FailureReason::ModelLoadFailed
				),
				Error::<Test>::JobNotAssigned
			);
		});
	}
}

mod deadlines {
	use super::*;
	use verin_primitives::market::WorkerStaking;

	#[test]
	fn a_silent_worker_is_penalised_and_the_job_moves_to_another() {
		new_test_ext().execute_with(|| {
			register_worker(WORKER_A, MIN_STAKE, &[Tier::Vanilla]);
			let job = requested(Tier::Vanilla);
			register_worker(WORKER_B, MIN_STAKE, &[Tier::Vanilla]);
			let treasury = Balances::free_balance(TREASURY);
			let deadline = 1 + RESPONSE_BLOCKS;
			run_to_block(deadline);
			assert_eq!(assigned_worker(job), WORKER_A, "still inside the deadline");
			run_to_block(deadline + 1);
			assert_eq!(Workers::bonded(&WORKER_A), MIN_STAKE - MISS_PENALTY);
			assert_eq!(Balances::free_balance(TREASURY), treasury + MISS_PENALTY);
			let info = Workers::worker(&WORKER_A).unwrap();
			assert!(!info.online);
			assert_eq!((info.load, info.missed), (0, 1));
			let new_deadline = deadline + 1 + RESPONSE_BLOCKS;
			let record = Inference::job(job).unwrap();
			assert_eq!(
				record.status,
				JobStatus::Assigned { worker: WORKER_B, deadline: new_deadline }
			);
			assert_eq!(record.attempts, 2);
			assert_eq!(Inference::pending_jobs(&WORKER_B), vec![job]);
			assert!(Inference::pending_jobs(&WORKER_A).is_empty());
			assert!(events().ends_with(&[
				Event::DeadlineMissed { job, worker: WORKER_A, penalty: MISS_PENALTY },
				Event::JobAssigned { job, worker: WORKER_B, deadline: new_deadline },
			]));
			assert_ok!(Inference::submit_result(
				RuntimeOrigin::signed(WORKER_B),
				job,
				output(1, 0.0),
				Default::default()
			));
		});
	}

	#[test]
	fn after_the_last_attempt_the_fee_is_refunded() {
		new_test_ext().execute_with(|| {
			register_worker(WORKER_A, MIN_STAKE, &[Tier::Vanilla]);
			register_worker(WORKER_B, MIN_STAKE, &[Tier::Vanilla]);
			let balance = Balances::free_balance(REQUESTER);
			let job = requested(Tier::Vanilla);
			run_to_block(1 + 2 * (RESPONSE_BLOCKS + 1));
			assert_eq!(Inference::job(job).unwrap().attempts, MAX_ATTEMPTS);
			let refunded = expected_fee(Tier::Vanilla).total;
			assert_eq!(last_event(), Event::JobExpired { job, refunded });
			assert_eq!(Balances::free_balance(REQUESTER), balance);
			assert_eq!(fee_held(REQUESTER), 0);
			assert_eq!(Inference::job(job).unwrap().status, JobStatus::Expired { at: 9 });
			assert_eq!(
				Workers::bonded(&WORKER_A) + Workers::bonded(&WORKER_B),
				2 * MIN_STAKE - 2 * MISS_PENALTY
			);
			assert!(!Inference::has_open_jobs(MODEL));
		});
	}

	#[test]
	fn with_no_other_worker_the_fee_is_refunded_at_the_first_miss() {
		new_test_ext().execute_with(|| {
			register_worker(WORKER_A, MIN_STAKE, &[Tier::Vanilla]);
			let job = requested(Tier::Vanilla);
			run_to_block(2 + RESPONSE_BLOCKS);
			assert_eq!(Inference::job(job).unwrap().attempts, 1);
			assert!(matches!(last_event(), Event::JobExpired { .. }));
		});
	}

	#[test]
	fn ended_jobs_are_deleted_after_the_retention_period() {
		new_test_ext().execute_with(|| {
			register_worker(WORKER_A, MIN_STAKE, &[Tier::Vanilla]);
			let job = requested(Tier::Vanilla);
			run_to_block(2);
			assert_ok!(Inference::submit_result(
				RuntimeOrigin::signed(WORKER_A),
				job,
				output(1, 0.0),
				Default::default()
			));
			// The deadline timer reschedules the deletion for 2 + RETENTION.
			run_to_block(2 + RETENTION - 1);
			assert!(Inference::job(job).is_some());
			run_to_block(2 + RETENTION);
			assert!(Inference::job(job).is_none());
			assert_eq!(last_event(), Event::JobPruned { job });
			assert_eq!(Timers::<Test>::iter().count(), 0);
		});
	}

	#[test]
	fn timers_beyond_the_budget_carry_over_to_the_next_block() {
		new_test_ext().execute_with(|| {
			register_worker(WORKER_A, MIN_STAKE * 10, &[Tier::Vanilla]);
			for _ in 0..TIMER_BUDGET + 2 {
				assert_ok!(request(REQUESTER, Tier::Vanilla));
			}
			let due = 2 + RESPONSE_BLOCKS;
			run_to_block(due);
			let expired = |events: Vec<Event<Test>>| {
				events.iter().filter(|e| matches!(e, Event::JobExpired { .. })).count() as u32
			};
			assert_eq!(expired(events()), TIMER_BUDGET);
			assert_eq!(Timers::<Test>::iter_key_prefix(due).count(), 2);
			assert_eq!(TimerCursor::<Test>::get(), Some(due));
			run_to_block(due + 1);
			assert_eq!(expired(events()), TIMER_BUDGET + 2);
			assert_eq!(fee_held(REQUESTER), 0);
			assert_eq!(TimerCursor::<Test>::get(), Some(due + 2));
		});
	}

	#[test]
	fn the_timer_weight_counts_jobs_and_buckets() {
		new_test_ext().execute_with(|| {
			register_worker(WORKER_A, MIN_STAKE * 10, &[Tier::Vanilla]);
			assert_ok!(request(REQUESTER, Tier::Vanilla));
			let db: frame_support::weights::RuntimeDbWeight =
				<Test as frame_system::Config>::DbWeight::get();
			let timers = <() as crate::WeightInfo>::on_initialize_timers;
			System::set_block_number(2);
			// One empty bucket and the cursor.
			assert_eq!(Inference::run_timers(2), db.reads_writes(2, 2));
			let due = 2 + RESPONSE_BLOCKS;
			System::set_block_number(due);
			// Buckets 3, 4 and 5 and the cursor; the job in 5 expires.
			assert_eq!(Inference::run_timers(due), timers(1).saturating_add(db.reads_writes(4, 4)));
			assert!(matches!(last_event(), Event::JobExpired { .. }));
		});
	}
}

mod reading {
	use super::*;

	#[test]
	fn model_jobs_tell_the_registry_about_open_jobs() {
		new_test_ext().execute_with(|| {
			register_worker(WORKER_A, MIN_STAKE, &[Tier::Vanilla]);
			assert!(!Inference::has_open_jobs(MODEL));
			let first = requested(Tier::Vanilla);
			let second = requested(Tier::Vanilla);
			assert_eq!(OpenJobs::<Test>::get(MODEL), 2);
			assert!(!Inference::has_open_jobs(VANILLA_ONLY_MODEL));
			for job in [first, second] {
				assert_ok!(Inference::report_failure(
					RuntimeOrigin::signed(WORKER_A),
					job,
					FailureReason::ExecutionFailed
				));
			}
			assert!(!OpenJobs::<Test>::contains_key(MODEL));
		});
	}

	#[test]
	fn pending_jobs_lists_a_workers_open_jobs_in_order() {
		new_test_ext().execute_with(|| {
			register_worker(WORKER_A, MIN_STAKE, &[Tier::Vanilla]);
			let jobs: Vec<_> = (0..5).map(|_| requested(Tier::Vanilla)).collect();
			assert_eq!(Inference::pending_jobs(&WORKER_A), jobs);
			let job: Option<Job<AccountId, Balance, u64>> = Inference::job(jobs[0]);
			assert_eq!(job.unwrap().requester, REQUESTER);
			assert!(Inference::pending_jobs(&WORKER_B).is_empty());
		});
	}
}

#[test]
fn integrity_test_passes_for_the_mock() {
	use frame_support::traits::Hooks;
	Inference::integrity_test();
}
