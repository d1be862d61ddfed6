//! Benchmarks of `pallet-enclaves`: every call at its worst case, and the TEE result check.
//!
//! `register_enclave` verifies a development-CA document whose bundle holds the most
//! certificates the verifier accepts ([`nitro::MAX_CA_BUNDLE`]), so it pays for eight
//! certificate signatures and the document's (AWS Nitro chains have four or five).

use super::*;
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;
use verin_attestation::dev::{self, DocumentBuilder};

/// The chain time of the benchmarks (2026-05-28).
const NOW_MS: u64 = 1_780_000_000_000;
/// The benchmark enclave's ed25519 key (seed `[42; 32]`) and its signature over
/// `tee_result_message([0; 32], 7, [1; 32], [2; 32], [3; 32])`.
const ENCLAVE_KEY: &str = "197f6b23e16c8532c6abc838facd5ea789be0c76b2920334039bfa8b3d368d61";
const RESULT_SIGNATURE: &str = "864c9b47003b8f8922640111df3661071c25d1799d4935fe2c307f74b7b323150fa903f77ef500e3261566a6716d95c8b462d8a724b9864dfa97e0b70b350f0c";

fn unhex<const N: usize>(text: &str) -> [u8; N] {
	let mut out = [0u8; N];
	for (index, byte) in out.iter_mut().enumerate() {
		*byte = u8::from_str_radix(&text[2 * index..2 * index + 2], 16).expect("hex constant");
	}
	out
}

fn version<T: Config>() -> BoundedVec<u8, T::MaxVersionLength> {
	BoundedVec::truncate_from(b"verin-node bench".to_vec())
}

/// The development root pinned and the bench measurement allowed.
fn trusted<T: Config>() -> [Pcr; 3] {
	let root = verin_attestation::DEV_ROOT_CERTIFICATE;
	Roots::<T>::insert(root_id(root), BoundedVec::truncate_from(root.to_vec()));
	let pcrs = dev::measurement("verin-node bench");
	Measurements::<T>::insert(
		measurement_id(&pcrs),
		Measurement { pcrs, software_version: version::<T>(), revoked: false },
	);
	pcrs
}

/// `who` with enough to hold any deposit.
fn funded<T: Config>(who: &T::AccountId) {
	use sp_runtime::SaturatedConversion;
	let plenty: BalanceOf<T> = u64::MAX.saturated_into();
	let _ = T::Currency::set_balance(who, plenty);
}

/// A development-CA document for `caller`'s enclave with the bench key, its bundle as long
/// as the verifier accepts.
fn longest_document<T: Config>(caller: &T::AccountId, pcrs: [Pcr; 3]) -> Vec<u8> {
	let nonce = verin_attestation::enclave_nonce(&Pallet::<T>::genesis_hash(), &caller.encode());
	let mut document = DocumentBuilder::new(
		NOW_MS,
		pcrs,
		&unhex::<32>(ENCLAVE_KEY),
		&nonce,
		dev::key_from_label("bench leaf"),
	);
	document.intermediates = nitro::MAX_CA_BUNDLE - 1;
	document.build()
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// A first registration: the deposit is held and the key bound.
	#[benchmark]
	fn register_enclave() {
		T::BenchmarkHelper::set_time(NOW_MS);
		let pcrs = trusted::<T>();
		let caller: T::AccountId = whitelisted_caller();
		funded::<T>(&caller);
		let attestation = BoundedVec::try_from(longest_document::<T>(&caller, pcrs))
			.expect("fits the attestation limit");
		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), attestation);
		assert!(Enclaves::<T>::contains_key(&caller));
	}

	#[benchmark]
	fn deregister_enclave() {
		T::BenchmarkHelper::set_time(NOW_MS);
		let pcrs = trusted::<T>();
		let caller: T::AccountId = whitelisted_caller();
		funded::<T>(&caller);
		let attestation = BoundedVec::try_from(longest_document::<T>(&caller, pcrs))
			.expect("fits the attestation limit");
		Pallet::<T>::register_enclave(RawOrigin::Signed(caller.clone()).into(), attestation)
			.expect("registers");
		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()));
		assert!(!Enclaves::<T>::contains_key(&caller));
	}

	#[benchmark]
	fn pin_root() -> Result<(), BenchmarkError> {
		let certificate = dev::root_certificate();
		Roots::<T>::remove(root_id(&certificate));
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, BoundedVec::truncate_from(certificate.clone()));
		assert!(Roots::<T>::contains_key(root_id(&certificate)));
		Ok(())
	}

	#[benchmark]
	fn unpin_root() -> Result<(), BenchmarkError> {
		trusted::<T>();
		let root = root_id(verin_attestation::DEV_ROOT_CERTIFICATE);
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, root);
		assert!(!Roots::<T>::contains_key(root));
		Ok(())
	}

	#[benchmark]
	fn allow_measurement() -> Result<(), BenchmarkError> {
		let pcrs = dev::measurement("verin-node bench 2");
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, version::<T>(), pcrs);
		assert!(Measurements::<T>::contains_key(measurement_id(&pcrs)));
		Ok(())
	}

	#[benchmark]
	fn revoke_measurement() -> Result<(), BenchmarkError> {
		let measurement = measurement_id(&trusted::<T>());
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, measurement);
		assert!(Measurements::<T>::get(measurement).is_some_and(|m| m.revoked));
		Ok(())
	}

	/// The TEE tier's result check: three reads and one ed25519 verification.
	#[benchmark]
	fn verify_result() {
		let pcrs = trusted::<T>();
		let worker: T::AccountId = whitelisted_caller();
		Enclaves::<T>::insert(
			&worker,
			Enclave {
				key: unhex::<32>(ENCLAVE_KEY),
				measurement: measurement_id(&pcrs),
				root: root_id(verin_attestation::DEV_ROOT_CERTIFICATE),
				attested_at: NOW_MS,
				expires_at: u64::MAX,
			},
		);
		let message = verin_primitives::market::tee_result_message(
			H256::zero(),
			7,
			H256::repeat_byte(1),
			H256::repeat_byte(2),
			H256::repeat_byte(3),
		);
		let signature = unhex::<64>(RESULT_SIGNATURE);
		let result;
		#[block]
		{
			result = Pallet::<T>::verify_result(&worker, &message, &signature);
		}
		assert_eq!(result, Ok(()));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
