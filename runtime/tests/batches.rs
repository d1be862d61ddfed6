//! Batches in the real runtime: a dapp's jobs in one `request_batch`, a worker's answers in
//! one `submit_answers`, and the weight a full batch declares against the extrinsic limit.

use frame_support::{assert_ok, dispatch::DispatchClass};
use pallet_inference::{offchain::MAX_ANSWER_WEIGHT_SHARE, JobAnswer, JobAnswerOf};
use sp_keyring::Sr25519Keyring;
use verin_primitives::{
	currency::UNIT,
	market::{JobStatus, ServedVersion, TierVerifier},
	model::ModelVersion,
	tier::Tier,
};
use verin_runtime::{
	configs::{tiers::VerinTiers, RuntimeBlockWeights, MAX_ANSWERS_PER_CALL},
	Runtime,
};

mod common;
use common::{dispatch, f32_payload, new_chain, next_block};

type Inference = pallet_inference::Pallet<Runtime>;

fn vanilla_result(job: u64) -> JobAnswerOf<Runtime> {
	// The digits model's output: ten f32 per row.
	JobAnswer::Result { job, output: f32_payload(1, 10, 0.5), evidence: Default::default() }
}

#[test]
fn a_full_batch_of_vanilla_answers_fits_the_share_of_an_extrinsic_the_worker_uses() {
	let answers: Vec<_> = (0..u64::from(MAX_ANSWERS_PER_CALL)).map(vanilla_result).collect();
	let declared = Inference::answers_weight(&answers);
	let limits = RuntimeBlockWeights::get();
	let max_extrinsic = limits.get(DispatchClass::Normal).max_extrinsic.unwrap();
	assert!(
		declared.all_lte(MAX_ANSWER_WEIGHT_SHARE * max_extrinsic),
		"{MAX_ANSWERS_PER_CALL} Vanilla answers declare {declared:?}, over a quarter of {max_extrinsic:?}: \
		 a worker's batch would be split, or refused by the pool"
	);
}

#[test]
fn evidence_too_short_for_its_tier_costs_no_verifier_time() {
	// A Vanilla answer's empty evidence is charged at the costliest tier that could be
	// checking it: neither the ZK verifier nor the enclave check runs on it.
	let weight = |tier, len| <VerinTiers as TierVerifier<_, u32>>::weight(tier, len);
	assert_eq!(weight(Tier::Zk, 0), Default::default());
	assert_eq!(weight(Tier::Tee, 0), Default::default());
	assert!(weight(Tier::Zk, verin_zk::REFERENCE_PROOF_BYTES as u32).ref_time() > 0);
	assert!(weight(Tier::Tee, 64).ref_time() > 0);
}

#[test]
fn a_dapps_bulk_request_and_a_workers_answers_settle_in_one_call_each() {
	new_chain().execute_with(|| {
		let model = common::publish_model(
			Sr25519Keyring::Alice,
			UNIT / 1000,
			[Tier::Vanilla].into_iter().collect(),
		);
		let served = vec![ServedVersion { model, version: ModelVersion::new(1, 0) }];
		assert_ok!(dispatch(
			Sr25519Keyring::Bob,
			pallet_workers::Call::register {
				stake: 100 * UNIT,
				tiers: [Tier::Vanilla].into_iter().collect(),
				models: served.try_into().unwrap(),
			}
		));
		let inputs: Vec<_> = (0..16).map(|_| f32_payload(2, 8, 0.5)).collect();
		assert_ok!(dispatch(
			Sr25519Keyring::Charlie,
			pallet_inference::Call::request_batch {
				model,
				version: None,
				inputs: inputs.try_into().unwrap(),
				tier: Tier::Vanilla,
				max_fee: UNIT,
				response_blocks: 3,
			}
		));
		let bob = Sr25519Keyring::Bob.to_account_id();
		assert_eq!(Inference::pending_jobs(&bob), (0..16).collect::<Vec<_>>());
		next_block();
		let answers: Vec<JobAnswerOf<Runtime>> = (0..16)
			.map(|job| JobAnswer::Result {
				job,
				output: f32_payload(2, 3, 0.25),
				evidence: Default::default(),
			})
			.collect();
		assert_ok!(dispatch(
			Sr25519Keyring::Bob,
			pallet_inference::Call::submit_answers { answers: answers.try_into().unwrap() }
		));
		for job in 0..16 {
			let status = Inference::job(job).unwrap().status;
			assert!(matches!(status, JobStatus::Completed { .. }), "job {job}: {status:?}");
		}
		assert!(Inference::pending_jobs(&bob).is_empty());
	});
}
