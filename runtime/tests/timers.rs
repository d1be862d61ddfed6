//! The timer benchmark: Optimistic jobs at the highest rate the normal class of a block
//! admits (each requested and answered in the same block, so each opens a challenge
//! window), sustained for 200 blocks, with the runtime's real weights and `TimerBudget`.
//! It reports the request rate and the most blocks any timer fired late, and fails if a
//! timer fires more than one block late.
//!
//! Run it with `scripts/bench-timers.sh` (release build). It is
//! ignored in the ordinary test run because it dispatches some 10^5 calls.

use frame_support::weights::Weight;
use frame_support::{
	assert_ok,
	dispatch::{DispatchClass, GetDispatchInfo},
};
use sp_keyring::Sr25519Keyring;
use sp_runtime::traits::Dispatchable;
use verin_primitives::{
	currency::{MILLI_UNIT, UNIT},
	market::{JobStatus, ServedVersion},
	model::ModelVersion,
	tier::Tier,
};
use verin_runtime::{configs::TIMER_BUDGET, Runtime, RuntimeCall, RuntimeOrigin, System};

mod common;
use common::{dispatch, f32_payload, new_chain, next_block, publish_model};

const BLOCKS: u32 = 200;
const WORKERS: [Sr25519Keyring; 5] = [
	Sr25519Keyring::Bob,
	Sr25519Keyring::Charlie,
	Sr25519Keyring::Dave,
	Sr25519Keyring::Eve,
	Sr25519Keyring::Ferdie,
];
const REQUESTER: Sr25519Keyring = Sr25519Keyring::One;

/// Dispatches `call` signed by `who`; returns the weight it used.
fn weighed(who: Sr25519Keyring, call: impl Into<RuntimeCall>) -> Weight {
	let call = call.into();
	let info = call.get_dispatch_info();
	let post =
		call.dispatch(RuntimeOrigin::signed(who.to_account_id())).expect("the call succeeds");
	post.calc_actual_weight(&info)
}

/// The worker keyring a job is assigned to.
fn assigned_keyring(job: u64) -> Sr25519Keyring {
	let worker = match pallet_inference::Jobs::<Runtime>::get(job).unwrap().status {
		JobStatus::Assigned { worker, .. } => worker,
		other => panic!("job {job} is {other:?}"),
	};
	WORKERS
		.into_iter()
		.find(|keyring| keyring.to_account_id() == worker)
		.expect("one of the workers")
}

#[test]
#[ignore = "a benchmark: run it with scripts/bench-timers.sh"]
fn timers_keep_up_with_the_highest_request_rate() {
	new_chain().execute_with(|| {
		let model = publish_model(
			Sr25519Keyring::Alice,
			MILLI_UNIT,
			[Tier::Vanilla, Tier::Optimistic].into_iter().collect(),
		);
		for worker in WORKERS {
			let served = vec![ServedVersion { model, version: ModelVersion::new(1, 0) }];
			// Enough stake for every Optimistic job open at once (one wrong-result penalty each).
			assert_ok!(dispatch(
				worker,
				pallet_workers::Call::register {
					stake: 100_000 * UNIT,
					tiers: [Tier::Vanilla, Tier::Optimistic].into_iter().collect(),
					models: served.try_into().unwrap(),
				}
			));
		}
		let request = pallet_inference::Call::<Runtime>::request {
			model,
			version: None,
			input: f32_payload(1, 8, 0.5),
			tier: Tier::Optimistic,
			max_fee: UNIT,
			response_blocks: 10,
		};
		let answer = |job| pallet_inference::Call::<Runtime>::submit_result {
			job,
			output: f32_payload(1, 3, 0.25),
			evidence: Default::default(),
		};
		// Blocks fill by the weight calls actually use (the declared weight is refunded down
		// to it after dispatch): measure one job's request and result.
		let weights = <Runtime as frame_system::Config>::BlockWeights::get();
		let normal = weights.get(DispatchClass::Normal);
		let base = normal.base_extrinsic;
		let probe = pallet_inference::NextJobId::<Runtime>::get();
		let requested = weighed(REQUESTER, request.clone());
		let worker = assigned_keyring(probe);
		let answered = weighed(worker, answer(probe));
		let per_job = requested.saturating_add(answered).saturating_add(base.saturating_mul(2));
		let room = normal.max_total.unwrap_or(weights.max_block);
		let rate = (room.ref_time() / per_job.ref_time()) as u32;
		println!(
			"per job (request + result, as used): {} µs; normal class: {} ms; {rate} jobs per block",
			per_job.ref_time() / 1_000_000,
			room.ref_time() / 1_000_000_000,
		);
		assert!(
			TIMER_BUDGET >= 2 * rate,
			"TIMER_BUDGET {TIMER_BUDGET} is below two timers per job at {rate} jobs per block"
		);

		let mut most_late = 0;
		let mut fired = 0u64;
		for _ in 0..BLOCKS {
			// What falls due in the next block, and since when, before its hooks run.
			let now = System::block_number() + 1;
			let cursor = pallet_inference::TimerCursor::<Runtime>::get().unwrap_or(now);
			let due: u64 = (cursor..=now)
				.map(|block| {
					pallet_inference::Timers::<Runtime>::iter_key_prefix(block).count() as u64
				})
				.sum();
			next_block();
			fired += due.min(u64::from(TIMER_BUDGET));
			if due > 0 {
				most_late = most_late.max(now - cursor);
			}
			for _ in 0..rate {
				let job = pallet_inference::NextJobId::<Runtime>::get();
				assert_ok!(dispatch(REQUESTER, request.clone()));
				let signer = assigned_keyring(job);
				assert_ok!(dispatch(signer, answer(job)));
			}
		}
		println!(
			"{BLOCKS} blocks at {rate} jobs per block: {fired} timers due, the latest fired {most_late} block(s) late"
		);
		assert!(most_late <= 1, "a timer fired {most_late} blocks late");
	});
}
