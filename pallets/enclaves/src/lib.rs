//! # Enclaves pallet
//!
//! The TEE tier's trust on chain: which attestation roots and enclave measurements
//! governance accepts, which enclave key each worker registered, and the check of the
//! enclave signatures on TEE results.
//!
//! ## Overview
//!
//! - **Roots** ([`Roots`]): root certificates an attestation chain must start at, pinned and
//!   unpinned by [`Config::GovernanceOrigin`]. Production pins the AWS Nitro Enclaves root
//!   G1; development and local chain specs also pin the development CA of
//!   `verin-attestation`, whose key is public.
//! - **Measurements** ([`Measurements`]): PCR0–2 of the enclave images governance allows,
//!   each labelled with the worker software version it belongs to. Revoking one
//!   ([`Pallet::revoke_measurement`]) deactivates every enclave attested with it at once:
//!   eligibility reads the measurement's state, no enclave record has to be touched.
//! - **Enclaves** ([`Enclaves`]): [`Pallet::register_enclave`] verifies an AWS Nitro
//!   attestation document in the runtime (COSE_Sign1/ES384, certificate chain to a pinned
//!   root, validity at the chain's time), then checks the policy: an allowed measurement, a
//!   nonce that names this chain and this worker, a fresh timestamp, and a 32-byte ed25519
//!   enclave key. The key qualifies the worker until [`Config::AttestationLifetime`] after
//!   the document's time; the worker's node renews it before then.
//! - **One account per enclave key, and a deposit**: a key registered by one worker is
//!   refused to any other ([`KeyOwners`]), so one enclave cannot stand behind a crowd of
//!   accounts; a first registration holds [`Config::EnclaveDeposit`]
//!   ([`HoldReason::EnclaveRegistration`]) until the worker deregisters
//!   ([`Pallet::deregister_enclave`]).
//! - **Results** ([`Pallet::verify_result`]): a TEE result's evidence is the enclave key's
//!   ed25519 signature over [`verin_primitives::market::tee_result_message`].
//!
//! ## Interface for other pallets
//!
//! [`EnclaveRegistry`] (from `verin-primitives`) tells the worker pool whether a worker may
//! take TEE jobs now; the runtime's tier verifier calls [`Pallet::verify_result`].
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
pub mod benchmarking;
#[cfg(test)]
mod mock;
pub mod offchain;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::vec::Vec;
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, InspectHold, Mutate, MutateHold},
		tokens::Precision,
		UnixTime,
	},
};
use frame_system::pallet_prelude::*;
use sp_core::H256;
use sp_runtime::traits::Zero;
use verin_attestation::{nitro, AttestationError, Pcr};
use verin_primitives::market::{EnclaveRegistry, EvidenceError};

/// An enclave's ed25519 result-signing key.
pub type EnclaveKey = [u8; 32];

/// Balance type of the currency that holds enclave deposits.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Identifies an allowed measurement: blake2-256 of the SCALE-encoded PCR0–2.
pub fn measurement_id(pcrs: &[Pcr; 3]) -> H256 {
	H256(sp_io::hashing::blake2_256(&pcrs.encode()))
}

/// Identifies a root: blake2-256 of its DER certificate.
pub fn root_id(certificate: &[u8]) -> H256 {
	H256(sp_io::hashing::blake2_256(certificate))
}

/// An enclave image governance allows.
#[derive(
	Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Measurement<T: Config> {
	/// PCR0 (enclave image), PCR1 (kernel and boot), PCR2 (application).
	pub pcrs: [Pcr; 3],
	/// The worker software version this image is built from.
	pub software_version: BoundedVec<u8, T::MaxVersionLength>,
	/// Revoked: enclaves attested with it get no TEE jobs and their results are refused.
	pub revoked: bool,
}

/// A worker's registered enclave.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub struct Enclave {
	/// The enclave's ed25519 result-signing key.
	pub key: EnclaveKey,
	/// The measurement it was attested with.
	pub measurement: H256,
	/// The root its attestation chained to.
	pub root: H256,
	/// The attestation document's time (ms since the Unix epoch).
	pub attested_at: u64,
	/// When the attestation stops qualifying the worker for new TEE jobs (ms).
	pub expires_at: u64,
}

/// What the benchmarks need from the runtime: a chain time they can set.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper {
	/// Sets the chain's time (milliseconds since the Unix epoch).
	fn set_time(now_ms: u64);
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the enclaves pallet.
	#[pallet::config]
	pub trait Config:
		frame_system::Config + frame_system::offchain::CreateSignedTransaction<Call<Self>>
	{
		/// The worker key the offchain worker registers enclaves with.
		type AuthorityId: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>;

		/// Who pins roots and allows or revokes measurements.
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The currency enclave deposits are held in.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ InspectHold<Self::AccountId>
			+ Mutate<Self::AccountId>;

		/// The runtime's hold reasons, which include this pallet's.
		type RuntimeHoldReason: From<HoldReason>;

		/// Held from a worker while it has an enclave registered: registrations cost their
		/// storage, and a crowd of accounts costs a crowd of deposits.
		#[pallet::constant]
		type EnclaveDeposit: Get<BalanceOf<Self>>;

		/// The chain's time: certificate validity and attestation age are judged by it.
		type UnixTime: UnixTime;

		/// Milliseconds an attestation qualifies a worker for TEE jobs after the document
		/// was made.
		#[pallet::constant]
		type AttestationLifetime: Get<u64>;

		/// Milliseconds a document's time may be ahead of the chain's (clock skew between
		/// the enclave and the block author).
		#[pallet::constant]
		type MaxClockDrift: Get<u64>;

		/// Longest attestation document accepted.
		#[pallet::constant]
		type MaxAttestationLength: Get<u32>;

		/// Longest root certificate accepted.
		#[pallet::constant]
		type MaxCertificateLength: Get<u32>;

		/// Longest software version label of a measurement.
		#[pallet::constant]
		type MaxVersionLength: Get<u32>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Sets the chain's time for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper;
	}

	/// Pinned root certificates (DER), by [`root_id`].
	#[pallet::storage]
	pub type Roots<T: Config> =
		StorageMap<_, Identity, H256, BoundedVec<u8, T::MaxCertificateLength>>;

	/// Enclave measurements governance allowed (and revoked), by [`measurement_id`].
	#[pallet::storage]
	pub type Measurements<T: Config> = StorageMap<_, Identity, H256, Measurement<T>>;

	/// Each worker's registered enclave.
	#[pallet::storage]
	pub type Enclaves<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, Enclave>;

	/// The worker each registered enclave key belongs to: a key serves one account.
	#[pallet::storage]
	pub type KeyOwners<T: Config> = StorageMap<_, Blake2_128Concat, EnclaveKey, T::AccountId>;

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of a registered enclave.
		#[codec(index = 0)]
		EnclaveRegistration,
	}

	/// Roots and measurements of a new chain.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Root certificates (DER) to pin.
		pub roots: Vec<Vec<u8>>,
		/// Allowed measurements: software version and PCR0–2 concatenated (144 bytes).
		pub measurements: Vec<(Vec<u8>, Vec<u8>)>,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for root in &self.roots {
				Pallet::<T>::pin(
					root.clone().try_into().expect("genesis root certificate too long"),
				)
				.expect("genesis root certificate is not an ECDSA P-384 certificate");
			}
			for (version, concatenated) in &self.measurements {
				let version =
					version.clone().try_into().expect("genesis software version too long");
				assert_eq!(
					concatenated.len(),
					3 * verin_attestation::PCR_LENGTH,
					"genesis PCRs are not 3 x 48 bytes"
				);
				let pcrs: [Pcr; 3] = core::array::from_fn(|index| {
					let start = index * verin_attestation::PCR_LENGTH;
					concatenated[start..start + verin_attestation::PCR_LENGTH]
						.try_into()
						.expect("length checked")
				});
				Measurements::<T>::insert(
					measurement_id(&pcrs),
					Measurement { pcrs, software_version: version, revoked: false },
				);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Governance pinned a root certificate.
		RootPinned { root: H256 },
		/// Governance unpinned a root: enclaves attested through it are inactive.
		RootUnpinned { root: H256 },
		/// Governance allowed an enclave measurement for a software version.
		MeasurementAllowed {
			measurement: H256,
			software_version: BoundedVec<u8, T::MaxVersionLength>,
		},
		/// Governance revoked a measurement: every enclave attested with it is inactive.
		MeasurementRevoked { measurement: H256 },
		/// A worker registered (or renewed) its enclave key with a verified attestation.
		EnclaveRegistered {
			worker: T::AccountId,
			key: EnclaveKey,
			measurement: H256,
			expires_at: u64,
		},
		/// A worker deregistered its enclave; its key is free and its deposit returned.
		EnclaveDeregistered {
			worker: T::AccountId,
			key: EnclaveKey,
			deposit_returned: BalanceOf<T>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The attestation document ends inside a CBOR item.
		TruncatedCbor,
		/// The attestation is not well-formed CBOR, or not a COSE_Sign1 attestation document.
		MalformedCbor,
		/// A required field of the attestation document is missing or empty.
		MissingField,
		/// A field of the attestation document is outside the format's limits.
		MalformedDocument,
		/// The attestation is not signed with ES384 or its digest is not SHA-384.
		UnsupportedAlgorithm,
		/// The attestation's certificate chain does not start at a pinned root.
		UnknownRoot,
		/// A certificate of the attestation is not an ECDSA P-384 / SHA-384 certificate.
		MalformedCertificate,
		/// A certificate's issuer is not the certificate above it, or that one is no CA.
		BrokenChain,
		/// A certificate was not signed by the key of the certificate above it.
		IssuerKeyMismatch,
		/// A certificate of the attestation's chain has expired.
		CertificateExpired,
		/// A certificate of the attestation's chain is not valid yet.
		CertificateNotYetValid,
		/// The attestation document's signature does not verify with its certificate's key.
		BadSignature,
		/// The attested PCR0–2 are not an allowed measurement.
		UnknownMeasurement,
		/// The attested measurement was revoked.
		MeasurementRevoked,
		/// The attestation's nonce was not made for this chain and this worker.
		WrongNonce,
		/// The attestation carries no 32-byte ed25519 enclave key.
		MalformedEnclaveKey,
		/// The attestation is older than the attestation lifetime.
		AttestationTooOld,
		/// The attestation's time is ahead of the chain's by more than the allowed drift.
		AttestationFromFuture,
		/// The root certificate is already pinned.
		RootAlreadyPinned,
		/// No pinned root has this id.
		RootNotPinned,
		/// The root certificate is not an ECDSA P-384 / SHA-384 certificate.
		InvalidRootCertificate,
		/// The measurement is already allowed.
		MeasurementAlreadyAllowed,
		/// The attested enclave key is registered by another worker: a key serves one
		/// account.
		EnclaveKeyInUse,
		/// The worker cannot pay the enclave deposit.
		InsufficientBalance,
		/// The worker has no enclave registered.
		NoEnclave,
	}

	impl<T> From<AttestationError> for Error<T> {
		fn from(error: AttestationError) -> Self {
			match error {
				AttestationError::TruncatedCbor => Error::TruncatedCbor,
				AttestationError::MalformedCbor => Error::MalformedCbor,
				AttestationError::MissingField => Error::MissingField,
				AttestationError::MalformedDocument => Error::MalformedDocument,
				AttestationError::UnsupportedAlgorithm => Error::UnsupportedAlgorithm,
				AttestationError::UnknownRoot => Error::UnknownRoot,
				AttestationError::MalformedCertificate => Error::MalformedCertificate,
				AttestationError::BrokenChain => Error::BrokenChain,
				AttestationError::IssuerKeyMismatch => Error::IssuerKeyMismatch,
				AttestationError::CertificateExpired => Error::CertificateExpired,
				AttestationError::CertificateNotYetValid => Error::CertificateNotYetValid,
				AttestationError::BadSignature => Error::BadSignature,
				// The path rules' refusals land on the nearest existing error, so the pallet's
				// errors and the metadata clients decode them with stay as they are.
				AttestationError::IssuerNotCa
				| AttestationError::IssuerWithoutKeyCertSign
				| AttestationError::PathLengthExceeded
				| AttestationError::LeafIsCa => Error::BrokenChain,
				AttestationError::UnknownCriticalExtension
				| AttestationError::MalformedExtension => Error::MalformedCertificate,
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn offchain_worker(now: BlockNumberFor<T>) {
			Self::renew_local_enclaves(now);
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers (or renews) the caller's enclave from an AWS Nitro attestation document.
		///
		/// The document must verify (see the crate docs) against a pinned root at the chain's
		/// time, attest an allowed and unrevoked measurement, carry the nonce
		/// [`verin_attestation::enclave_nonce`] of this chain's genesis hash and the caller's
		/// account, be at most [`Config::AttestationLifetime`] old, and carry a 32-byte
		/// ed25519 key that no other worker registered. The key then qualifies the caller
		/// until the lifetime ends, and stays bound to it until it registers another key or
		/// deregisters. A first registration holds [`Config::EnclaveDeposit`]. Emits
		/// [`Event::EnclaveRegistered`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_enclave())]
		pub fn register_enclave(
			origin: OriginFor<T>,
			attestation: BoundedVec<u8, T::MaxAttestationLength>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let now_ms = T::UnixTime::now().as_millis() as u64;
			let attested = nitro::verify(
				&attestation,
				|root| Roots::<T>::contains_key(root_id(root)),
				now_ms / 1000,
			)
			.map_err(Error::<T>::from)?;

			let measurement = measurement_id(&attested.pcrs);
			let allowed =
				Measurements::<T>::get(measurement).ok_or(Error::<T>::UnknownMeasurement)?;
			ensure!(!allowed.revoked, Error::<T>::MeasurementRevoked);
			let nonce = verin_attestation::enclave_nonce(&Self::genesis_hash(), &who.encode());
			ensure!(attested.nonce == Some(&nonce[..]), Error::<T>::WrongNonce);
			let key: EnclaveKey = attested
				.public_key
				.and_then(|key| key.try_into().ok())
				.ok_or(Error::<T>::MalformedEnclaveKey)?;
			ensure!(
				attested.timestamp_ms <= now_ms.saturating_add(T::MaxClockDrift::get()),
				Error::<T>::AttestationFromFuture
			);
			let expires_at = attested.timestamp_ms.saturating_add(T::AttestationLifetime::get());
			ensure!(expires_at > now_ms, Error::<T>::AttestationTooOld);
			ensure!(
				KeyOwners::<T>::get(key).is_none_or(|owner| owner == who),
				Error::<T>::EnclaveKeyInUse
			);
			match Enclaves::<T>::get(&who) {
				// A renewal with a new key (the node restarted) frees the old one.
				Some(previous) if previous.key != key => KeyOwners::<T>::remove(previous.key),
				Some(_) => {},
				None => T::Currency::hold(
					&HoldReason::EnclaveRegistration.into(),
					&who,
					T::EnclaveDeposit::get(),
				)
				.map_err(|_| Error::<T>::InsufficientBalance)?,
			}
			KeyOwners::<T>::insert(key, &who);

			let enclave = Enclave {
				key,
				measurement,
				root: root_id(attested.root),
				attested_at: attested.timestamp_ms,
				expires_at,
			};
			Enclaves::<T>::insert(&who, enclave);
			Self::deposit_event(Event::EnclaveRegistered {
				worker: who,
				key,
				measurement,
				expires_at,
			});
			Ok(())
		}

		/// Pins a root certificate (DER, ECDSA P-384 / SHA-384) that attestation chains may
		/// start at. Governance only. Emits [`Event::RootPinned`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::pin_root())]
		pub fn pin_root(
			origin: OriginFor<T>,
			certificate: BoundedVec<u8, T::MaxCertificateLength>,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let root = Self::pin(certificate)?;
			Self::deposit_event(Event::RootPinned { root });
			Ok(())
		}

		/// Unpins a root: enclaves attested through it stop getting TEE jobs and their results
		/// are refused at once. Governance only. Emits [`Event::RootUnpinned`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::unpin_root())]
		pub fn unpin_root(origin: OriginFor<T>, root: H256) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ensure!(Roots::<T>::contains_key(root), Error::<T>::RootNotPinned);
			Roots::<T>::remove(root);
			Self::deposit_event(Event::RootUnpinned { root });
			Ok(())
		}

		/// Allows an enclave measurement (PCR0–2) for a worker software version, or allows a
		/// revoked one again. Governance only. Emits [`Event::MeasurementAllowed`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::allow_measurement())]
		pub fn allow_measurement(
			origin: OriginFor<T>,
			software_version: BoundedVec<u8, T::MaxVersionLength>,
			pcrs: [Pcr; 3],
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let measurement = measurement_id(&pcrs);
			ensure!(
				Measurements::<T>::get(measurement).is_none_or(|existing| existing.revoked),
				Error::<T>::MeasurementAlreadyAllowed
			);
			Measurements::<T>::insert(
				measurement,
				Measurement { pcrs, software_version: software_version.clone(), revoked: false },
			);
			Self::deposit_event(Event::MeasurementAllowed { measurement, software_version });
			Ok(())
		}

		/// Revokes a measurement: every enclave attested with it stops getting TEE jobs and its
		/// results are refused at once, and it cannot register again. Governance only. Emits
		/// [`Event::MeasurementRevoked`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::revoke_measurement())]
		pub fn revoke_measurement(origin: OriginFor<T>, measurement: H256) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			Measurements::<T>::try_mutate(measurement, |entry| {
				let entry = entry.as_mut().ok_or(Error::<T>::UnknownMeasurement)?;
				ensure!(!entry.revoked, Error::<T>::MeasurementRevoked);
				entry.revoked = true;
				Ok::<_, Error<T>>(())
			})?;
			Self::deposit_event(Event::MeasurementRevoked { measurement });
			Ok(())
		}

		/// Deregisters the caller's enclave: it takes no TEE job and signs no result from
		/// now on (results of TEE jobs it still holds are refused), its key is free, and the
		/// deposit is returned. Emits [`Event::EnclaveDeregistered`].
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::deregister_enclave())]
		pub fn deregister_enclave(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let enclave = Enclaves::<T>::take(&who).ok_or(Error::<T>::NoEnclave)?;
			KeyOwners::<T>::remove(enclave.key);
			let reason = HoldReason::EnclaveRegistration.into();
			let held = T::Currency::balance_on_hold(&reason, &who);
			let deposit_returned = T::Currency::release(&reason, &who, held, Precision::BestEffort)
				.unwrap_or_else(|error| {
					log::error!(target: "runtime::enclaves", "releasing an enclave deposit failed: {error:?}");
					Zero::zero()
				});
			Self::deposit_event(Event::EnclaveDeregistered {
				worker: who,
				key: enclave.key,
				deposit_returned,
			});
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	fn pin(certificate: BoundedVec<u8, T::MaxCertificateLength>) -> Result<H256, Error<T>> {
		verin_attestation::x509::Certificate::parse(&certificate)
			.map_err(|_| Error::<T>::InvalidRootCertificate)?;
		let root = root_id(&certificate);
		ensure!(!Roots::<T>::contains_key(root), Error::<T>::RootAlreadyPinned);
		Roots::<T>::insert(root, certificate);
		Ok(root)
	}

	/// The hash of block zero: attestation nonces name the chain by it.
	pub fn genesis_hash() -> [u8; 32] {
		let hash = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		let mut out = [0u8; 32];
		out.copy_from_slice(hash.as_ref());
		out
	}

	/// The worker's enclave if it is still trusted: its measurement allowed and its root
	/// pinned (expiry aside).
	pub fn trusted_enclave(worker: &T::AccountId) -> Option<Enclave> {
		let enclave = Enclaves::<T>::get(worker)?;
		let allowed = Measurements::<T>::get(enclave.measurement).is_some_and(|m| !m.revoked);
		(allowed && Roots::<T>::contains_key(enclave.root)).then_some(enclave)
	}

	/// Checks a TEE result's evidence: the 64-byte ed25519 signature of `worker`'s trusted
	/// enclave over `message`. An expired attestation still signs the jobs its worker
	/// already holds (expiry only stops new ones); a revoked or unrooted one does not.
	pub fn verify_result(
		worker: &T::AccountId,
		message: &[u8],
		evidence: &[u8],
	) -> Result<(), EvidenceError> {
		let signature: [u8; 64] = evidence.try_into().map_err(|_| EvidenceError::Malformed)?;
		let enclave = Self::trusted_enclave(worker).ok_or(EvidenceError::Invalid)?;
		let valid = sp_io::crypto::ed25519_verify(
			&sp_core::ed25519::Signature::from_raw(signature),
			message,
			&sp_core::ed25519::Public::from_raw(enclave.key),
		);
		valid.then_some(()).ok_or(EvidenceError::Invalid)
	}
}

impl<T: Config> EnclaveRegistry<T::AccountId> for Pallet<T> {
	fn is_attested(worker: &T::AccountId) -> bool {
		let now_ms = T::UnixTime::now().as_millis() as u64;
		Self::trusted_enclave(worker).is_some_and(|enclave| now_ms < enclave.expires_at)
	}

	fn is_attested_weight() -> Weight {
		// The enclave, its measurement and its root (the clock is read once per block).
		T::DbWeight::get().reads(3)
	}
}
