//! The offchain worker's part in the TEE tier: a node with an enclave keeps each local
//! worker key's enclave registration current.
//!
//! A registration is due when the worker has none, when it names another key than the
//! local enclave's (the enclave restarted and made a new key), or when less than a quarter
//! of [`Config::AttestationLifetime`] is left. The node's enclave makes a document with the
//! worker's nonce (host function `verin_tee::attest`), and the worker key submits it. A
//! sent registration is remembered in the persistent offchain storage for
//! [`RESEND_AFTER`] blocks, so one that is still in the pool is not sent twice.

use super::*;
use frame_system::offchain::{AppCrypto, SendSignedTransaction, Signer, SigningTypes};
use sp_runtime::{offchain::storage::StorageValueRef, traits::IdentifyAccount, RuntimeAppPublic, Saturating};
use verin_inference_host::{verin_tee, TeeError};

/// Blocks after which a registration that did not land is sent again.
pub const RESEND_AFTER: u32 = 10;

const SENT_PREFIX: &[u8] = b"verin/enclaves/registration/";

impl<T: Config> Pallet<T> {
	/// Registers or renews the enclave of every local worker key that needs it.
	pub fn renew_local_enclaves(now: BlockNumberFor<T>) {
		// Nodes without an enclave (most) stop here.
		let Ok(local_key) = verin_tee::public_key() else { return };
		let now_ms = T::UnixTime::now().as_millis() as u64;
		let renew_before = T::AttestationLifetime::get() / 4;
		let genesis_hash = Self::genesis_hash();
		for public in local_worker_keys::<T>() {
			let worker = public.clone().into_account();
			let current = Enclaves::<T>::get(&worker).is_some_and(|enclave| {
				enclave.key == local_key && now_ms.saturating_add(renew_before) < enclave.expires_at
			});
			if current {
				continue;
			}
			let sent = (SENT_PREFIX, &worker).encode();
			let sent = StorageValueRef::persistent(&sent);
			let recently = sent
				.get::<BlockNumberFor<T>>()
				.ok()
				.flatten()
				.is_some_and(|at| now < at.saturating_add(RESEND_AFTER.into()));
			if recently {
				continue;
			}
			let nonce = verin_attestation::enclave_nonce(&genesis_hash, &worker.encode());
			let document = match verin_tee::attest(&nonce) {
				Ok(document) => document,
				Err(TeeError::Unavailable) => return,
				Err(error) => {
					log::warn!(target: "runtime::enclaves", "the enclave could not attest: {error:?}");
					return;
				},
			};
			let Ok(attestation) = BoundedVec::try_from(document) else {
				log::warn!(target: "runtime::enclaves", "the enclave's attestation is longer than this chain accepts");
				return;
			};
			let results = Signer::<T, T::AuthorityId>::all_accounts()
				.with_filter(alloc::vec![public])
				.send_signed_transaction(|_| Call::register_enclave { attestation: attestation.clone() });
			if results.iter().any(|(_, result)| result.is_ok()) {
				sent.set(&now);
			}
		}
	}
}

/// The worker keys in the node's keystore, as the runtime's signer type.
fn local_worker_keys<T: Config>() -> Vec<<T as SigningTypes>::Public> {
	<T::AuthorityId as AppCrypto<T::Public, T::Signature>>::RuntimeAppPublic::all()
		.into_iter()
		.map(|key| {
			let generic: <T::AuthorityId as AppCrypto<T::Public, T::Signature>>::GenericPublic = key.into();
			generic.into()
		})
		.collect()
}
