//! The `live` preset, the template of a production chain spec, trusts no development
//! artefact: a chain built from it pins the AWS Nitro root alone, allows no development
//! measurement, and refuses an enclave attested by the development CA (whose key is public:
//! anyone can make such a document for any key and measurement).

mod common;

use codec::Encode;
use sp_keyring::Sr25519Keyring;
use verin_attestation::dev::{self, DocumentBuilder};
use verin_runtime::{genesis_config_presets::LIVE_RUNTIME_PRESET, Runtime};

#[test]
fn the_live_preset_pins_neither_development_artefact() {
	common::new_chain_from(LIVE_RUNTIME_PRESET).execute_with(|| {
		let roots: Vec<_> = pallet_enclaves::Roots::<Runtime>::iter_keys().collect();
		assert_eq!(roots, vec![pallet_enclaves::root_id(verin_attestation::AWS_NITRO_ROOT_G1)]);
		assert!(!pallet_enclaves::Roots::<Runtime>::contains_key(pallet_enclaves::root_id(
			verin_attestation::DEV_ROOT_CERTIFICATE
		)));
		let development = pallet_enclaves::measurement_id(&verin_attestation::dev_measurement(
			verin_attestation::DEV_SOFTWARE_VERSION,
		));
		assert!(!pallet_enclaves::Measurements::<Runtime>::contains_key(development));
		assert_eq!(pallet_enclaves::Measurements::<Runtime>::iter().count(), 0);
		// No dev account is funded, no sudo key is set, and circuits need two reviewers.
		assert_eq!(pallet_balances::Pallet::<Runtime>::total_issuance(), 0);
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), None);
		assert_eq!(
			pallet_models::RequiredConfirmations::<Runtime>::get(),
			pallet_models::DEFAULT_REQUIRED_CONFIRMATIONS
		);
	});
}

#[test]
fn a_document_from_the_development_ca_is_refused_on_the_live_preset() {
	let worker = Sr25519Keyring::Alice;
	let document = |genesis_hash: &[u8; 32]| {
		let now_ms = pallet_timestamp::Now::<Runtime>::get();
		DocumentBuilder::new(
			now_ms,
			verin_attestation::dev_measurement(verin_attestation::DEV_SOFTWARE_VERSION),
			&[7; 32],
			&verin_attestation::enclave_nonce(genesis_hash, &worker.to_account_id().encode()),
			dev::key_from_label("a leaf the attacker made"),
		)
		.build()
	};
	let register = || {
		let genesis_hash = pallet_enclaves::Pallet::<Runtime>::genesis_hash();
		common::dispatch(
			worker,
			pallet_enclaves::Call::<Runtime>::register_enclave {
				attestation: document(&genesis_hash).try_into().unwrap(),
			},
		)
	};
	// The same document registers on a development chain...
	common::new_chain().execute_with(|| {
		pallet_timestamp::Now::<Runtime>::put(1_780_000_000_000);
		assert_eq!(register(), Ok(()));
	});
	// ...and not on a chain from the live preset.
	common::new_chain_from(LIVE_RUNTIME_PRESET).execute_with(|| {
		pallet_timestamp::Now::<Runtime>::put(1_780_000_000_000);
		assert_eq!(register(), Err(pallet_enclaves::Error::<Runtime>::UnknownRoot.into()));
	});
}
