//! Large inputs through the real runtime: an 8 MiB request is accepted, priced by its
//! bytes, and kept by content, so a job's state has the same small bound whatever its
//! input size; a larger one is refused by name and holds nothing.

use codec::MaxEncodedLen;
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use sp_keyring::Sr25519Keyring;
use verin_primitives::{
	currency::UNIT,
	market::ServedVersion,
	model::ModelVersion,
	payload::{offchain_payload_key, PayloadRole, StoredPayload},
	tensor::{TensorPayload, MAX_PAYLOAD_BYTES},
	tier::Tier,
};
use verin_runtime::{Balances, Runtime};

mod common;
use common::{dispatch, f32_payload, new_chain, publish_model_of_width, publish_model_with_inputs};

const OWNER: Sr25519Keyring = Sr25519Keyring::Alice;
const WORKER: Sr25519Keyring = Sr25519Keyring::Bob;
const DAPP: Sr25519Keyring = Sr25519Keyring::Charlie;
/// f32 features per row: 64 rows of them are 8 MiB.
const WIDTH: u32 = 32 * 1024;

fn serve(model: u64) {
	let served = vec![ServedVersion { model, version: ModelVersion::new(1, 0) }];
	assert_ok!(dispatch(
		WORKER,
		pallet_workers::Call::register {
			stake: 100 * UNIT,
			tiers: [Tier::Vanilla].into_iter().collect(),
			models: served.try_into().unwrap(),
		}
	));
}

fn request(model: u64, input: TensorPayload) -> sp_runtime::DispatchResult {
	dispatch(
		DAPP,
		pallet_inference::Call::request {
			model,
			version: None,
			input,
			tier: Tier::Vanilla,
			max_fee: 100 * UNIT,
			response_blocks: 5,
		},
	)
}

fn stored_len(job: u64) -> usize {
	let key = pallet_inference::Jobs::<Runtime>::hashed_key_for(job);
	sp_io::storage::read(&key, &mut [], 0).expect("the job is stored") as usize
}

#[test]
fn a_job_with_an_8_mib_input_keeps_a_bounded_state_and_its_bytes_go_by_content() {
	let mut ext = new_chain();
	let input = f32_payload(64, WIDTH, 0.25);
	let job =
		ext.execute_with(|| {
			let model =
				publish_model_of_width(OWNER, 0, [Tier::Vanilla].into_iter().collect(), WIDTH, 3);
			serve(model);
			assert_eq!(
				verin_primitives::tensor::payload_bytes(&input),
				MAX_PAYLOAD_BYTES,
				"the largest input the runtime takes"
			);
			assert_ok!(request(model, f32_payload(1, WIDTH, 0.25)));
			assert_ok!(request(model, input.clone()));
			let (small, large) = (stored_len(0), stored_len(1));
			let bound = pallet_inference::JobOf::<Runtime>::max_encoded_len();
			println!("job state: {small} bytes (128 KiB input), {large} bytes (8 MiB input), bound {bound}");
			// The stated bound (docs/pallets.md): a job's state is at most its `max_encoded_len`,
			// about 33 KiB, and a large payload takes a hash and a length of it.
			assert!(large <= 1024 && small <= 1024, "{small} and {large} bytes");
			assert!(bound < 40 * 1024, "{bound}");
			let record = pallet_inference::Jobs::<Runtime>::get(1).unwrap();
			assert!(
				matches!(record.input, StoredPayload::Indexed { len, .. } if len as usize > 8 << 20)
			);
			// The fee grows with the bytes: 1 µVRN per byte of input and expected output.
			let held = Balances::balance_on_hold(
				&pallet_inference::HoldReason::JobFee.into(),
				&DAPP.to_account_id(),
			);
			assert!(held > 8 * UNIT, "{held}");
			1
		});
	ext.persist_offchain_overlay();
	let hash =
		ext.execute_with(|| pallet_inference::Jobs::<Runtime>::get(job).unwrap().input.hash());
	let indexed = ext.offchain_db().get(&offchain_payload_key(job, PayloadRole::Input, &hash));
	assert_eq!(indexed.map(|bytes| bytes.len()), Some(codec::Encode::encoded_size(&input)));
}

#[test]
fn an_input_above_the_limit_is_refused_by_name_and_holds_nothing() {
	new_chain().execute_with(|| {
		// Two inputs of 4 MiB and one more row: each tensor fits the call's type, their sum
		// is above the runtime's 8 MiB.
		let half = WIDTH / 2;
		let tiers = [Tier::Vanilla].into_iter().collect();
		let model = publish_model_with_inputs(OWNER, 0, tiers, &[half, half + 1], 3);
		serve(model);
		let free = Balances::free_balance(DAPP.to_account_id());
		let mut input = f32_payload(64, half, 0.25);
		input.try_push(f32_payload(64, half + 1, 0.25)[0].clone()).unwrap();
		assert_noop!(request(model, input), pallet_inference::Error::<Runtime>::InputTooLarge);
		assert_eq!(Balances::free_balance(DAPP.to_account_id()), free);
		assert!(pallet_inference::Jobs::<Runtime>::iter().next().is_none());
	});
}

#[test]
fn the_largest_model_can_be_removed_in_one_block() {
	use frame_support::{dispatch::DispatchClass, traits::Get};
	let max_chunks = <Runtime as pallet_models::Config>::MaxChunks::get();
	let limit = <Runtime as frame_system::Config>::BlockWeights::get()
		.get(DispatchClass::Normal)
		.max_extrinsic
		.expect("normal extrinsics have a limit");
	let removal = pallet_models::Pallet::<Runtime>::removal_weight;
	assert!(
		removal(max_chunks).all_lte(limit),
		"removing a {max_chunks}-chunk model weighs {:?}; an extrinsic may weigh {limit:?}",
		removal(max_chunks)
	);
	let full_versions = (1..=verin_primitives::model::MAX_VERSIONS)
		.take_while(|versions| removal(versions * max_chunks).all_lte(limit))
		.count();
	println!("a removal may release {full_versions} full-size versions in one block");
}

/// Uploads expire in the mandatory `on_initialize`: the most one block can expire, each
/// releasing a 256 MiB upload's chunks, must leave most of the block to transactions.
#[test]
fn the_uploads_one_block_expires_fit_in_a_fifth_of_a_block() {
	use frame_support::traits::Get;
	use pallet_models::weights::WeightInfo;
	type Models = <Runtime as pallet_models::Config>::WeightInfo;
	let expiries: u32 = <Runtime as pallet_models::Config>::MaxExpiriesPerBlock::get();
	let max_chunks: u32 = <Runtime as pallet_models::Config>::MaxChunks::get();
	let block = <Runtime as frame_system::Config>::BlockWeights::get().max_block;
	let hook =
		Models::on_initialize_expiries(expiries).saturating_add(
			pallet_models::Pallet::<Runtime>::chunk_release_weight(expiries * max_chunks),
		);
	assert!(
		hook.ref_time() * 5 <= block.ref_time(),
		"expiring {expiries} full uploads weighs {hook:?}; a block {block:?}"
	);
	println!("the expiry hook weighs at most {} ms", hook.ref_time() / 1_000_000_000);
}
