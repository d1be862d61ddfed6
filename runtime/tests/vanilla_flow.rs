//! The Vanilla inference flow through the real runtime: a model uploaded to the registry,
//! a worker bonded in the pool, a job requested, answered, settled; and the deadline path
//! that replaces a silent worker. Then the TEE path: an enclave registered with a
//! development-CA attestation, a TEE result accepted only with the enclave's signature, and
//! a revoked measurement taking the worker out of TEE matching. Calls are dispatched as signed `RuntimeCall`s, so every
//! pallet's checks run as on chain; blocks advance through every pallet's `on_initialize`.

use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::InspectHold, Get},
};
use sp_keyring::Sr25519Keyring;
use sp_runtime::DispatchResult;
use verin_primitives::{
	currency::{MILLI_UNIT, UNIT},
	market::{FeeBreakdown, JobStatus},
	model::ModelVersion,
	tier::Tier,
};
use verin_runtime::{
	configs::TreasuryAccount, AccountId, Balance, Balances, Runtime, RuntimeOrigin, System,
};

use pallet_inference_runtime_api::runtime_decl_for_inference_api::InferenceApiV1;

mod common;
use common::{dispatch, f32_payload, new_chain, next_block};

const OWNER: Sr25519Keyring = Sr25519Keyring::Alice;
const WORKER: Sr25519Keyring = Sr25519Keyring::Bob;
const DAPP: Sr25519Keyring = Sr25519Keyring::Charlie;
const SECOND_WORKER: Sr25519Keyring = Sr25519Keyring::Dave;
const PRICE: Balance = 3 * MILLI_UNIT;
const RESPONSE_BLOCKS: u32 = 3;

/// Registers and uploads a float model offering the Vanilla and TEE tiers; returns its id.
fn publish_model() -> u64 {
	common::publish_model(OWNER, PRICE, [Tier::Vanilla, Tier::Tee].into_iter().collect())
}

fn register_worker(who: Sr25519Keyring, model: u64) {
	let served =
		vec![verin_primitives::market::ServedVersion { model, version: ModelVersion::new(1, 0) }];
	assert_ok!(dispatch(
		who,
		pallet_workers::Call::register {
			stake: 100 * UNIT,
			tiers: [Tier::Vanilla].into_iter().collect(),
			models: served.try_into().unwrap(),
		}
	));
}

fn request(model: u64, tier: Tier) -> DispatchResult {
	dispatch(
		DAPP,
		pallet_inference::Call::request {
			model,
			version: None,
			input: f32_payload(2, 8, 0.5),
			tier,
			max_fee: UNIT,
			response_blocks: RESPONSE_BLOCKS,
		},
	)
}

fn free(who: &AccountId) -> Balance {
	Balances::free_balance(who)
}

fn fee_held(who: &AccountId) -> Balance {
	Balances::balance_on_hold(&pallet_inference::HoldReason::JobFee.into(), who)
}

fn assigned(job: u64) -> AccountId {
	match <Runtime as InferenceApiV1<verin_runtime::Block, AccountId, Balance, u32>>::job(job)
		.expect("job exists")
		.status
	{
		JobStatus::Assigned { worker, .. } => worker,
		other => panic!("job {job} is not assigned: {other:?}"),
	}
}

#[test]
fn a_vanilla_job_goes_from_upload_to_settlement() {
	new_chain().execute_with(|| {
		let model = publish_model();
		register_worker(WORKER, model);
		let (owner, worker, dapp, treasury) = (
			OWNER.to_account_id(),
			WORKER.to_account_id(),
			DAPP.to_account_id(),
			TreasuryAccount::get(),
		);

		let quote: FeeBreakdown<Balance> =
			<Runtime as InferenceApiV1<verin_runtime::Block, AccountId, Balance, u32>>::quote(model, None, f32_payload(2, 8, 0.5), Tier::Vanilla)
				.expect("the model takes this input");
		// Price + Vanilla fee + 1 µVRN per byte of input (64) and expected output (24).
		assert_eq!(quote.total, PRICE + MILLI_UNIT + 88 * verin_primitives::currency::MICRO_UNIT);
		assert_eq!(quote.worker + quote.royalty + quote.treasury, quote.total);

		let before = (free(&owner), free(&worker), free(&dapp), free(&treasury));
		assert_ok!(request(model, Tier::Vanilla));
		assert_eq!(fee_held(&dapp), quote.total);
		assert_eq!(assigned(0), worker);
		assert_eq!(<Runtime as InferenceApiV1<verin_runtime::Block, AccountId, Balance, u32>>::pending_jobs(worker.clone()), vec![0]);

		// The registry refuses to remove a model with an open job.
		assert_noop!(
			dispatch(OWNER, pallet_models::Call::remove { model, chunks: u32::MAX }),
			pallet_models::Error::<Runtime>::ModelHasOpenJobs
		);
		// The model offers TEE but its only worker serves Vanilla: refused by name.
		assert_noop!(request(model, Tier::Tee), pallet_inference::Error::<Runtime>::NoEligibleWorker);

		next_block();
		let output = f32_payload(2, 3, 0.25);
		assert_ok!(dispatch(
			WORKER,
			pallet_inference::Call::submit_result {
				job: 0,
				output: output.clone(),
				evidence: Default::default()
			}
		));

		let job = <Runtime as InferenceApiV1<verin_runtime::Block, AccountId, Balance, u32>>::job(0).unwrap();
		assert_eq!(job.status, JobStatus::Completed { worker: worker.clone(), at: 2 });
		assert_eq!(job.output.and_then(|stored| stored.inline()), Some(output));
		assert_eq!(fee_held(&dapp), 0);
		assert_eq!(free(&owner), before.0 + quote.royalty);
		assert_eq!(free(&worker), before.1 + quote.worker);
		assert_eq!(free(&dapp), before.2 - quote.total);
		assert_eq!(free(&treasury), before.3 + quote.treasury);
		assert!(<Runtime as InferenceApiV1<verin_runtime::Block, AccountId, Balance, u32>>::pending_jobs(worker).is_empty());
		let completed = System::events().into_iter().any(|record| {
			matches!(
				record.event,
				verin_runtime::RuntimeEvent::Inference(pallet_inference::Event::JobCompleted { job: 0, .. })
			)
		});
		assert!(completed, "JobCompleted is deposited");
		assert_ok!(dispatch(OWNER, pallet_models::Call::remove { model, chunks: u32::MAX }));
	});
}

#[test]
fn a_silent_worker_is_penalised_and_replaced() {
	new_chain().execute_with(|| {
		let model = publish_model();
		register_worker(WORKER, model);
		register_worker(SECOND_WORKER, model);
		let treasury = TreasuryAccount::get();
		let treasury_before = free(&treasury);
		assert_ok!(request(model, Tier::Vanilla));
		let silent = assigned(0);
		let bond_before = pallet_workers::Pallet::<Runtime>::worker(&silent).unwrap().stake;

		for _ in 0..=RESPONSE_BLOCKS {
			next_block();
		}
		let replacement = assigned(0);
		assert_ne!(replacement, silent);
		let penalty: Balance = <Runtime as pallet_inference::Config>::MissPenalty::get();
		let silent_info = pallet_workers::Pallet::<Runtime>::worker(&silent).unwrap();
		assert_eq!(silent_info.stake, bond_before - penalty);
		assert!(!silent_info.online, "suspended until it comes back");
		assert_eq!(free(&treasury), treasury_before + penalty);

		let answering = if replacement == WORKER.to_account_id() { WORKER } else { SECOND_WORKER };
		assert_ok!(dispatch(
			answering,
			pallet_inference::Call::submit_result {
				job: 0,
				output: f32_payload(2, 3, 1.0),
				evidence: Default::default()
			}
		));
		assert!(matches!(
			<Runtime as InferenceApiV1<verin_runtime::Block, AccountId, Balance, u32>>::job(0)
				.unwrap()
				.status,
			JobStatus::Completed { .. }
		));
		assert_eq!(fee_held(&DAPP.to_account_id()), 0);
	});
}

/// A TEE worker's enclave key and its registration, attested by the development CA that the
/// development preset pins.
fn register_enclave(
	who: Sr25519Keyring,
	enclave: &sp_core::ed25519::Pair,
	now_ms: u64,
) -> DispatchResult {
	use sp_core::Pair;
	let genesis = System::block_hash(0);
	let nonce =
		verin_attestation::enclave_nonce(&genesis.0, &codec::Encode::encode(&who.to_account_id()));
	let document = verin_attestation::dev::DocumentBuilder::new(
		now_ms,
		verin_attestation::dev_measurement(verin_attestation::DEV_SOFTWARE_VERSION),
		&enclave.public().0,
		&nonce,
		verin_attestation::dev::key_from_label("runtime test leaf"),
	)
	.build();
	dispatch(
		who,
		pallet_enclaves::Call::register_enclave { attestation: document.try_into().unwrap() },
	)
}

#[test]
fn a_tee_result_settles_only_with_the_attested_enclave_signature() {
	use sp_core::{ed25519, Pair, H256};
	new_chain().execute_with(|| {
		let now_ms = 1_780_000_000_000;
		pallet_timestamp::Now::<Runtime>::put(now_ms);
		let model = publish_model();
		let served = vec![verin_primitives::market::ServedVersion {
			model,
			version: ModelVersion::new(1, 0),
		}];
		assert_ok!(dispatch(
			WORKER,
			pallet_workers::Call::register {
				stake: 100 * UNIT,
				tiers: [Tier::Vanilla, Tier::Tee].into_iter().collect(),
				models: served.try_into().unwrap(),
			}
		));
		// Registered for the tier but not attested: no TEE job for it.
		assert_noop!(
			request(model, Tier::Tee),
			pallet_inference::Error::<Runtime>::NoEligibleWorker
		);

		let enclave = ed25519::Pair::from_seed(&[5; 32]);
		assert_ok!(register_enclave(WORKER, &enclave, now_ms));
		assert_ok!(request(model, Tier::Tee));
		let job = 0;
		assert_eq!(assigned(job), WORKER.to_account_id());

		let output = f32_payload(2, 3, 0.25);
		let content_id = pallet_models::Pallet::<Runtime>::version(model, ModelVersion::new(1, 0))
			.unwrap()
			.content_id;
		let message_on = |genesis_hash: H256| {
			verin_primitives::market::tee_result_message(
				genesis_hash,
				job,
				content_id,
				H256(sp_io::hashing::blake2_256(&codec::Encode::encode(&f32_payload(2, 8, 0.5)))),
				H256(sp_io::hashing::blake2_256(&codec::Encode::encode(&output))),
			)
		};
		let message = message_on(H256(pallet_enclaves::Pallet::<Runtime>::genesis_hash()));
		let submit = |signature: [u8; 64]| pallet_inference::Call::submit_result {
			job,
			output: output.clone(),
			evidence: signature.to_vec().try_into().unwrap(),
		};
		let impostor = ed25519::Pair::from_seed(&[6; 32]);
		assert_noop!(
			dispatch(WORKER, submit(impostor.sign(&message).0)),
			pallet_inference::Error::<Runtime>::InvalidEvidence
		);
		// The enclave's own signature, made on a chain of the operator's own (another
		// genesis hash), does not verify here.
		assert_noop!(
			dispatch(WORKER, submit(enclave.sign(&message_on(H256::repeat_byte(0xee))).0)),
			pallet_inference::Error::<Runtime>::InvalidEvidence
		);
		assert_noop!(
			dispatch(WORKER, submit([0; 64])),
			pallet_inference::Error::<Runtime>::InvalidEvidence
		);
		assert_ok!(dispatch(WORKER, submit(enclave.sign(&message).0)));
		assert!(matches!(
			<Runtime as InferenceApiV1<verin_runtime::Block, AccountId, Balance, u32>>::job(job)
				.unwrap()
				.status,
			JobStatus::Completed { .. }
		));

		// Governance revokes the development measurement: the worker is out of TEE matching.
		let measurement = pallet_enclaves::measurement_id(&verin_attestation::dev_measurement(
			verin_attestation::DEV_SOFTWARE_VERSION,
		));
		assert_ok!(pallet_enclaves::Pallet::<Runtime>::revoke_measurement(
			RuntimeOrigin::root(),
			measurement
		));
		assert_noop!(
			request(model, Tier::Tee),
			pallet_inference::Error::<Runtime>::NoEligibleWorker
		);
		assert_ok!(request(model, Tier::Vanilla));
	});
}
