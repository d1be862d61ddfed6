//! Tests of the enclaves pallet: a valid registration, each way an attestation is refused
//! (with its own error), governance, revocation and expiry, result signatures, and the
//! offchain worker's renewal.

use super::*;
use crate::mock::*;
use frame_support::{assert_noop, assert_ok};
use sp_core::{ed25519, Pair};
use sp_runtime::DispatchError;
use verin_attestation::dev::{self, DocumentBuilder};

/// The test enclave's ed25519 result key.
fn enclave_pair() -> ed25519::Pair {
	ed25519::Pair::from_seed(&[42; 32])
}

/// A development-CA document for `worker`'s enclave, made at the chain's time.
fn document_for(worker: AccountId) -> DocumentBuilder {
	let nonce = verin_attestation::enclave_nonce(&Tee::genesis_hash(), &worker.encode());
	DocumentBuilder::new(
		NowMs::get(),
		dev::measurement(VERSION),
		&enclave_pair().public().0,
		&nonce,
		dev::key_from_label("test enclave signing certificate"),
	)
}

fn register(worker: AccountId, document: &DocumentBuilder) -> DispatchResult {
	Tee::register_enclave(RuntimeOrigin::signed(worker), document.build().try_into().unwrap())
}

fn last_event() -> Event<Test> {
	System::events()
		.into_iter()
		.rev()
		.find_map(
			|record| if let RuntimeEvent::Tee(event) = record.event { Some(event) } else { None },
		)
		.expect("an enclaves event")
}

fn message() -> Vec<u8> {
	verin_primitives::market::tee_result_message(
		H256(Tee::genesis_hash()),
		7,
		H256::repeat_byte(1),
		H256::repeat_byte(2),
		H256::repeat_byte(3),
	)
}

#[test]
fn a_valid_attestation_registers_the_enclave_key() {
	new_test_ext().execute_with(|| {
		assert!(!Tee::is_attested(&ALICE));
		assert_ok!(register(ALICE, &document_for(ALICE)));
		let measurement = measurement_id(&dev::measurement(VERSION));
		let expires_at = START_MS + LIFETIME_MS;
		assert_eq!(
			last_event(),
			Event::EnclaveRegistered {
				worker: ALICE,
				key: enclave_pair().public().0,
				measurement,
				expires_at
			}
		);
		let enclave = pallet::Enclaves::<Test>::get(ALICE).unwrap();
		assert_eq!(enclave.root, root_id(verin_attestation::DEV_ROOT_CERTIFICATE));
		assert_eq!(enclave.attested_at, START_MS);
		assert!(Tee::is_attested(&ALICE));
		assert!(!Tee::is_attested(&BOB));
	});
}

#[test]
fn a_chain_from_an_unpinned_root_is_refused() {
	new_test_ext().execute_with(|| {
		let mut document = document_for(ALICE);
		let impostor = dev::key_from_label("an impostor CA");
		let name = dev::name(dev::ROOT_NAME);
		document.root_certificate = dev::certificate(
			1,
			&name,
			&name,
			0,
			4_000_000_000,
			impostor.verifying_key(),
			true,
			&impostor,
		);
		document.issuer_key = Some(impostor);
		assert_noop!(register(ALICE, &document), Error::<Test>::UnknownRoot);
	});
}

#[test]
fn an_expired_certificate_is_refused() {
	new_test_ext().execute_with(|| {
		let mut document = document_for(ALICE);
		document.leaf_not_after = START_MS / 1000 - 1;
		assert_noop!(register(ALICE, &document), Error::<Test>::CertificateExpired);
		document.leaf_not_before = START_MS / 1000 + 10;
		document.leaf_not_after = START_MS / 1000 + 100;
		assert_noop!(register(ALICE, &document), Error::<Test>::CertificateNotYetValid);
	});
}

#[test]
fn an_unknown_measurement_is_refused() {
	new_test_ext().execute_with(|| {
		let mut document = document_for(ALICE);
		document.pcrs = dev::measurement("verin-node 9.9.9 (never allowed)");
		assert_noop!(register(ALICE, &document), Error::<Test>::UnknownMeasurement);
	});
}

#[test]
fn a_revoked_measurement_is_refused_and_deactivates_its_enclaves_at_once() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, &document_for(ALICE)));
		let signature = enclave_pair().sign(&message()).0;
		assert_ok!(Tee::verify_result(&ALICE, &message(), &signature));

		let measurement = measurement_id(&dev::measurement(VERSION));
		assert_ok!(Tee::revoke_measurement(RuntimeOrigin::root(), measurement));
		assert_eq!(last_event(), Event::MeasurementRevoked { measurement });
		assert!(!Tee::is_attested(&ALICE), "no more TEE jobs");
		assert_eq!(Tee::verify_result(&ALICE, &message(), &signature), Err(EvidenceError::Invalid));
		assert_noop!(register(BOB, &document_for(BOB)), Error::<Test>::MeasurementRevoked);
		assert_noop!(
			Tee::revoke_measurement(RuntimeOrigin::root(), measurement),
			Error::<Test>::MeasurementRevoked
		);

		// Governance may allow it again (e.g. a revocation by mistake).
		let pcrs = dev::measurement(VERSION);
		assert_ok!(Tee::allow_measurement(
			RuntimeOrigin::root(),
			VERSION.as_bytes().to_vec().try_into().unwrap(),
			pcrs
		));
		assert!(Tee::is_attested(&ALICE));
	});
}

#[test]
fn a_certificate_signed_by_a_mismatched_key_is_refused() {
	new_test_ext().execute_with(|| {
		let mut document = document_for(ALICE);
		document.issuer_key = Some(dev::key_from_label("not the root's key"));
		assert_noop!(register(ALICE, &document), Error::<Test>::IssuerKeyMismatch);
		let mut document = document_for(ALICE);
		document.issuer_name = Some(dev::name("another issuer"));
		assert_noop!(register(ALICE, &document), Error::<Test>::BrokenChain);
	});
}

#[test]
fn an_attestation_made_for_another_worker_or_without_an_ed25519_key_is_refused() {
	new_test_ext().execute_with(|| {
		assert_noop!(register(ALICE, &document_for(BOB)), Error::<Test>::WrongNonce);
		let mut document = document_for(ALICE);
		document.nonce = None;
		assert_noop!(register(ALICE, &document), Error::<Test>::WrongNonce);
		let mut document = document_for(ALICE);
		document.public_key = Some(vec![3; 33]);
		assert_noop!(register(ALICE, &document), Error::<Test>::MalformedEnclaveKey);
		document.public_key = None;
		assert_noop!(register(ALICE, &document), Error::<Test>::MalformedEnclaveKey);
	});
}

#[test]
fn a_bad_document_signature_is_refused() {
	new_test_ext().execute_with(|| {
		let mut document = document_for(ALICE);
		document.document_key = dev::key_from_label("not the certificate's key");
		assert_noop!(register(ALICE, &document), Error::<Test>::BadSignature);
		let mut bytes = document_for(ALICE).build();
		let last = bytes.len() - 1;
		bytes[last] ^= 1;
		assert_noop!(
			Tee::register_enclave(RuntimeOrigin::signed(ALICE), bytes.try_into().unwrap()),
			Error::<Test>::BadSignature
		);
	});
}

#[test]
fn truncated_or_malformed_cbor_is_refused() {
	new_test_ext().execute_with(|| {
		let bytes = document_for(ALICE).build();
		for end in [0, 1, 10, bytes.len() / 2, bytes.len() - 1] {
			assert_noop!(
				Tee::register_enclave(
					RuntimeOrigin::signed(ALICE),
					bytes[..end].to_vec().try_into().unwrap()
				),
				Error::<Test>::TruncatedCbor
			);
		}
		assert_noop!(
			Tee::register_enclave(
				RuntimeOrigin::signed(ALICE),
				vec![0x84, 0x01, 0x02, 0x03, 0x04].try_into().unwrap()
			),
			Error::<Test>::MalformedCbor
		);
		let mut document = document_for(ALICE);
		document.module_id = String::new();
		assert_noop!(register(ALICE, &document), Error::<Test>::MissingField);
	});
}

#[test]
fn stale_and_future_attestations_are_refused() {
	new_test_ext().execute_with(|| {
		let document = document_for(ALICE);
		// Two hours later the certificate is still valid but the attestation lifetime of a
		// day has not passed: it registers. A day and a second later it is too old.
		NowMs::set(START_MS + 2 * 3600 * 1000);
		assert_ok!(register(ALICE, &document));
		let mut old = document_for(ALICE);
		old.timestamp_ms = START_MS - LIFETIME_MS - 1;
		assert_noop!(register(ALICE, &old), Error::<Test>::AttestationTooOld);
		let mut future = document_for(ALICE);
		future.timestamp_ms = NowMs::get() + DRIFT_MS + 1;
		assert_noop!(register(ALICE, &future), Error::<Test>::AttestationFromFuture);
	});
}

#[test]
fn an_expired_attestation_gets_no_new_jobs_but_signs_held_ones_and_renewal_restores_it() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, &document_for(ALICE)));
		NowMs::set(START_MS + LIFETIME_MS);
		assert!(!Tee::is_attested(&ALICE), "stale: no TEE jobs");
		let signature = enclave_pair().sign(&message()).0;
		assert_ok!(Tee::verify_result(&ALICE, &message(), &signature));
		// The node renews with a fresh document (its leaf certificate is new too).
		assert_ok!(register(ALICE, &document_for(ALICE)));
		assert!(Tee::is_attested(&ALICE));
	});
}

#[test]
fn a_result_signed_by_another_key_is_rejected() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, &document_for(ALICE)));
		let impostor = ed25519::Pair::from_seed(&[7; 32]);
		assert_eq!(
			Tee::verify_result(&ALICE, &message(), &impostor.sign(&message()).0),
			Err(EvidenceError::Invalid)
		);
		// The enclave's own signature, but over another job's message.
		let other = verin_primitives::market::tee_result_message(
			H256(Tee::genesis_hash()),
			8,
			H256::repeat_byte(1),
			H256::repeat_byte(2),
			H256::repeat_byte(3),
		);
		assert_eq!(
			Tee::verify_result(&ALICE, &message(), &enclave_pair().sign(&other).0),
			Err(EvidenceError::Invalid)
		);
		assert_eq!(Tee::verify_result(&ALICE, &message(), &[0; 63]), Err(EvidenceError::Malformed));
		// Bob has no enclave: nothing he submits verifies.
		assert_eq!(
			Tee::verify_result(&BOB, &message(), &enclave_pair().sign(&message()).0),
			Err(EvidenceError::Invalid)
		);
		assert_ok!(Tee::verify_result(&ALICE, &message(), &enclave_pair().sign(&message()).0));
	});
}

#[test]
fn unpinning_a_root_deactivates_its_enclaves() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, &document_for(ALICE)));
		let root = root_id(verin_attestation::DEV_ROOT_CERTIFICATE);
		assert_ok!(Tee::unpin_root(RuntimeOrigin::root(), root));
		assert_eq!(last_event(), Event::RootUnpinned { root });
		assert!(!Tee::is_attested(&ALICE));
		assert_noop!(register(ALICE, &document_for(ALICE)), Error::<Test>::UnknownRoot);
		assert_noop!(Tee::unpin_root(RuntimeOrigin::root(), root), Error::<Test>::RootNotPinned);
		assert_ok!(Tee::pin_root(
			RuntimeOrigin::root(),
			verin_attestation::DEV_ROOT_CERTIFICATE.to_vec().try_into().unwrap()
		));
		assert_eq!(last_event(), Event::RootPinned { root });
		assert!(Tee::is_attested(&ALICE));
	});
}

#[test]
fn governance_calls_need_governance_and_check_their_input() {
	new_test_ext().execute_with(|| {
		let root = verin_attestation::DEV_ROOT_CERTIFICATE.to_vec();
		let pcrs = dev::measurement("verin-node 0.2.0");
		let version: BoundedVec<u8, _> = b"verin-node 0.2.0".to_vec().try_into().unwrap();
		let signed = RuntimeOrigin::signed(ALICE);
		assert_noop!(
			Tee::pin_root(signed.clone(), root.clone().try_into().unwrap()),
			DispatchError::BadOrigin
		);
		assert_noop!(Tee::unpin_root(signed.clone(), root_id(&root)), DispatchError::BadOrigin);
		assert_noop!(
			Tee::allow_measurement(signed.clone(), version.clone(), pcrs),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Tee::revoke_measurement(signed, measurement_id(&pcrs)),
			DispatchError::BadOrigin
		);

		assert_noop!(
			Tee::pin_root(RuntimeOrigin::root(), root.clone().try_into().unwrap()),
			Error::<Test>::RootAlreadyPinned
		);
		assert_noop!(
			Tee::pin_root(
				RuntimeOrigin::root(),
				vec![0x30, 0x03, 0x02, 0x01, 0x01].try_into().unwrap()
			),
			Error::<Test>::InvalidRootCertificate
		);
		assert_noop!(
			Tee::revoke_measurement(RuntimeOrigin::root(), measurement_id(&pcrs)),
			Error::<Test>::UnknownMeasurement
		);
		assert_ok!(Tee::allow_measurement(RuntimeOrigin::root(), version.clone(), pcrs));
		assert_eq!(
			last_event(),
			Event::MeasurementAllowed {
				measurement: measurement_id(&pcrs),
				software_version: version.clone()
			}
		);
		assert_noop!(
			Tee::allow_measurement(RuntimeOrigin::root(), version, pcrs),
			Error::<Test>::MeasurementAlreadyAllowed
		);
	});
}

/// A document AWS Nitro hardware made (the `verin-attestation` test vector) passes every
/// cryptographic check of the pallet once governance pins the AWS root and allows its
/// PCRs, and is then refused by policy: its nonce is not this chain's.
#[test]
fn a_real_nitro_attestation_passes_the_chain_checks_and_meets_the_nonce_policy() {
	new_test_ext().execute_with(|| {
		use base64::Engine;
		let text =
			include_str!("../../../primitives/attestation/tests/vectors/nitro-2025-09-09.b64");
		let document = base64::engine::general_purpose::STANDARD.decode(text.trim()).unwrap();
		let aws_root = verin_attestation::AWS_NITRO_ROOT_G1;
		NowMs::set(1_757_440_781_958);
		let attempt = || {
			Tee::register_enclave(
				RuntimeOrigin::signed(ALICE),
				document.clone().try_into().unwrap(),
			)
		};
		assert_noop!(attempt(), Error::<Test>::UnknownRoot);
		assert_ok!(Tee::pin_root(RuntimeOrigin::root(), aws_root.to_vec().try_into().unwrap()));
		assert_noop!(attempt(), Error::<Test>::UnknownMeasurement);
		let pcrs =
			verin_attestation::nitro::verify(&document, |_| true, 1_757_440_781).unwrap().pcrs;
		assert_ok!(Tee::allow_measurement(
			RuntimeOrigin::root(),
			b"real".to_vec().try_into().unwrap(),
			pcrs
		));
		assert_noop!(attempt(), Error::<Test>::WrongNonce);
	});
}

mod offchain_worker {
	use super::*;
	use std::sync::Arc;
	use verin_pallet_support::testing::offchain_worker_node;
	use verin_worker_primitives::{EnclaveBackend, TeeError, TeeExt};

	/// An enclave backed by the development CA, as the node's development provider, whose
	/// node follows the chain with `genesis_hash`.
	struct DevEnclave {
		genesis_hash: [u8; 32],
	}
	impl EnclaveBackend for DevEnclave {
		fn public_key(&self) -> [u8; 32] {
			enclave_pair().public().0
		}
		fn attest_worker(&self, worker: &[u8]) -> Result<Vec<u8>, TeeError> {
			let nonce = verin_attestation::enclave_nonce(&self.genesis_hash, worker);
			let leaf = dev::key_from_label("offchain test leaf");
			Ok(DocumentBuilder::new(
				NowMs::get(),
				dev::measurement(VERSION),
				&self.public_key(),
				&nonce,
				leaf,
			)
			.build())
		}
		fn run_and_sign(
			&self,
			_job: u64,
			_content_id: H256,
			_input: &verin_primitives::tensor::TensorPayload,
		) -> Result<verin_worker_primitives::SignedOutput, TeeError> {
			Err(TeeError::Unavailable)
		}
	}

	/// The enclave of a node that follows this chain.
	fn this_chains_enclave(ext: &mut sp_io::TestExternalities) -> Arc<DevEnclave> {
		Arc::new(DevEnclave { genesis_hash: ext.execute_with(Tee::genesis_hash) })
	}

	#[test]
	fn an_enclave_that_follows_another_chain_cannot_register_on_this_one() {
		let mut ext = new_test_ext();
		let pool = offchain_worker_node(&mut ext, [ALICE]);
		// The approved image, started on a chain spec of the operator's own.
		ext.register_extension(TeeExt::new(Arc::new(DevEnclave { genesis_hash: [0xee; 32] })));
		ext.execute_with(|| {
			Tee::renew_local_enclaves(1);
			let (who, call) = pool.take_signed().into_iter().next().expect("a registration");
			let RuntimeCall::Tee(call) = call else { panic!("not an enclaves call") };
			assert_noop!(
				frame_support::traits::UnfilteredDispatchable::dispatch_bypass_filter(
					call,
					RuntimeOrigin::signed(who)
				),
				Error::<Test>::WrongNonce
			);
		});
	}

	#[test]
	fn a_node_with_an_enclave_registers_it_once_and_renews_it_before_expiry() {
		let mut ext = new_test_ext();
		let pool = offchain_worker_node(&mut ext, [ALICE]);
		let enclave = this_chains_enclave(&mut ext);
		ext.register_extension(TeeExt::new(enclave));
		// The offchain worker of block `block`, on that block's state.
		let registrations_at = |block: u64| -> Vec<(AccountId, RuntimeCall)> {
			System::set_block_number(block);
			Tee::renew_local_enclaves(block);
			pool.take_signed()
		};
		ext.execute_with(|| {
			let sent = registrations_at(1);
			assert_eq!(sent.len(), 1);
			assert!(
				registrations_at(2).is_empty(),
				"the first registration may still be in the pool"
			);

			let (who, call) = sent.into_iter().next().unwrap();
			let RuntimeCall::Tee(call) = call else { panic!("not an enclaves call") };
			assert_ok!(frame_support::traits::UnfilteredDispatchable::dispatch_bypass_filter(
				call,
				RuntimeOrigin::signed(who)
			));
			assert!(Tee::is_attested(&ALICE));
			assert!(registrations_at(20).is_empty(), "registered and fresh");

			// With less than a quarter of the lifetime left, the node renews.
			NowMs::set(START_MS + LIFETIME_MS * 3 / 4 + 1);
			assert_eq!(registrations_at(21).len(), 1);
		});
	}

	#[test]
	fn a_node_with_two_worker_keys_registers_its_enclave_for_one() {
		let mut ext = new_test_ext();
		let pool = offchain_worker_node(&mut ext, [ALICE, BOB]);
		let enclave = this_chains_enclave(&mut ext);
		ext.register_extension(TeeExt::new(enclave));
		ext.execute_with(|| {
			Tee::renew_local_enclaves(1);
			let sent = pool.take_signed();
			assert_eq!(sent.len(), 1, "one enclave, one account");
			let (who, call) = sent.into_iter().next().unwrap();
			let RuntimeCall::Tee(call) = call else { panic!("not an enclaves call") };
			assert_ok!(frame_support::traits::UnfilteredDispatchable::dispatch_bypass_filter(
				call,
				RuntimeOrigin::signed(who)
			));
			// Later runs leave the enclave with that account and send nothing for the other.
			for block in [20u64, 40] {
				System::set_block_number(block);
				Tee::renew_local_enclaves(block);
				assert!(pool.take_signed::<RuntimeCall>().is_empty());
			}
		});
	}

	#[test]
	fn a_node_without_an_enclave_sends_nothing() {
		let mut ext = new_test_ext();
		let pool = offchain_worker_node(&mut ext, [ALICE]);
		ext.execute_with(|| Tee::renew_local_enclaves(1));
		assert!(pool.is_empty());
	}
}

/// One enclave key serves one account, and a registration holds a deposit.
mod key_binding_and_deposit {
	use super::*;
	use frame_support::traits::fungible::InspectHold;

	fn document_with_key(worker: AccountId, key: &ed25519::Pair) -> DocumentBuilder {
		let nonce = verin_attestation::enclave_nonce(&Tee::genesis_hash(), &worker.encode());
		DocumentBuilder::new(
			NowMs::get(),
			dev::measurement(VERSION),
			&key.public().0,
			&nonce,
			dev::key_from_label("test enclave signing certificate"),
		)
	}

	fn held(who: AccountId) -> Balance {
		Balances::balance_on_hold(&HoldReason::EnclaveRegistration.into(), &who)
	}

	#[test]
	fn one_enclave_cannot_stand_behind_two_accounts() {
		new_test_ext().execute_with(|| {
			assert_ok!(register(ALICE, &document_for(ALICE)));
			// The same enclave attests Bob's nonce: its key is Alice's already.
			assert_noop!(register(BOB, &document_for(BOB)), Error::<Test>::EnclaveKeyInUse);
			assert!(!Tee::is_attested(&BOB));
			// Once Alice deregisters, the key is free.
			assert_ok!(Tee::deregister_enclave(RuntimeOrigin::signed(ALICE)));
			assert_ok!(register(BOB, &document_for(BOB)));
			assert!(Tee::is_attested(&BOB));
		});
	}

	#[test]
	fn registration_holds_the_deposit_once_and_deregistration_returns_it() {
		new_test_ext().execute_with(|| {
			assert_ok!(register(ALICE, &document_for(ALICE)));
			assert_eq!(held(ALICE), DEPOSIT);
			// A renewal holds nothing more.
			assert_ok!(register(ALICE, &document_for(ALICE)));
			assert_eq!(held(ALICE), DEPOSIT);

			assert_ok!(Tee::deregister_enclave(RuntimeOrigin::signed(ALICE)));
			assert_eq!(held(ALICE), 0);
			assert_eq!(
				last_event(),
				Event::EnclaveDeregistered {
					worker: ALICE,
					key: enclave_pair().public().0,
					deposit_returned: DEPOSIT
				}
			);
			assert!(!Tee::is_attested(&ALICE));
			// It signs nothing any more.
			let signature = enclave_pair().sign(&message()).0;
			assert_eq!(
				Tee::verify_result(&ALICE, &message(), &signature),
				Err(EvidenceError::Invalid)
			);
			assert_noop!(
				Tee::deregister_enclave(RuntimeOrigin::signed(ALICE)),
				Error::<Test>::NoEnclave
			);
		});
	}

	#[test]
	fn a_worker_that_cannot_pay_the_deposit_is_refused() {
		new_test_ext().execute_with(|| {
			assert_noop!(register(POOR, &document_for(POOR)), Error::<Test>::InsufficientBalance);
			assert!(pallet::KeyOwners::<Test>::get(enclave_pair().public().0).is_none());
		});
	}

	#[test]
	fn renewing_with_a_new_key_frees_the_old_one() {
		new_test_ext().execute_with(|| {
			assert_ok!(register(ALICE, &document_for(ALICE)));
			// Alice's node restarted with a new enclave key.
			let restarted = ed25519::Pair::from_seed(&[43; 32]);
			assert_ok!(register(ALICE, &document_with_key(ALICE, &restarted)));
			assert_eq!(held(ALICE), DEPOSIT);
			assert_eq!(pallet::Enclaves::<Test>::get(ALICE).unwrap().key, restarted.public().0);
			// The old key is free for another account; the new one is Alice's.
			assert_ok!(register(BOB, &document_for(BOB)));
			assert_noop!(
				register(BOB, &document_with_key(BOB, &restarted)),
				Error::<Test>::EnclaveKeyInUse
			);
		});
	}
}
