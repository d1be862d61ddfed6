//! The offchain worker's part in the TEE tier: a node with an enclave keeps each local
//! worker key's enclave registration current.
//!
//! A registration is due when the worker has none, when it names another key than the
//! local enclave's (the enclave restarted and made a new key), or when less than a quarter
//! of [`Config::AttestationLifetime`] is left. The node's enclave makes a document for the
//! worker (host function `verin_tee::attest_worker`: the enclave computes the nonce from its
//! own chain's genesis hash and the worker's account), and the worker key submits it. A
//! sent registration is claimed in the persistent offchain storage for [`RESEND_AFTER`]
//! blocks, so one that is still in the pool is not sent twice.
//!
//! An enclave key serves one account ([`KeyOwners`]): on a node with several worker keys,
//! the enclave stays with the key it is registered for, and the others do not try.

use super::*;
use verin_pallet_support::{local_worker_keys_with_accounts, send_signed, work_claim};
use verin_worker_primitives::{verin_tee, TeeError};

/// Blocks after which a registration that did not land is sent again.
pub const RESEND_AFTER: u32 = 10;

const SENT_PREFIX: &[u8] = b"verin/enclaves/registration/";

impl<T: Config> Pallet<T> {
	/// Registers or renews the enclave for the one local worker key it serves, if needed.
	pub fn renew_local_enclaves(now: BlockNumberFor<T>) {
		// Nodes without an enclave (most) stop here.
		let Ok(local_key) = verin_tee::public_key() else { return };
		let now_ms = T::UnixTime::now().as_millis() as u64;
		let renew_before = T::AttestationLifetime::get() / 4;
		// The local key the enclave is registered for, else the first local key if the
		// enclave is nobody's: the chain refuses it to any other (`EnclaveKeyInUse`).
		let keys = local_worker_keys_with_accounts::<T, T::AuthorityId>();
		let chosen = match KeyOwners::<T>::get(local_key) {
			Some(owner) => keys.into_iter().find(|(_, worker)| *worker == owner),
			None => keys.into_iter().next(),
		};
		let Some((public, worker)) = chosen else { return };
		let current = Enclaves::<T>::get(&worker).is_some_and(|enclave| {
			enclave.key == local_key && now_ms.saturating_add(renew_before) < enclave.expires_at
		});
		if current {
			return;
		}
		let key = (SENT_PREFIX, &worker).encode();
		let mut claim = work_claim::<T, RESEND_AFTER>(&key, now);
		// Held: a registration went out less than `RESEND_AFTER` blocks ago.
		let Ok(sending) = claim.try_lock() else { return };
		let document = match verin_tee::attest_worker(&worker.encode()) {
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
		if send_signed::<T, T::AuthorityId, _>(&public, Call::register_enclave { attestation }) {
			sending.forget();
		}
	}
}
