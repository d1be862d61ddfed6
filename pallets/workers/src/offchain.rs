//! The offchain worker's part in liveness: an inference node keeps its online workers live
//! with heartbeats, so an idle worker still gets jobs.
//!
//! A heartbeat is due when the worker's last sign of life is half a liveness window old; a
//! sent heartbeat is remembered in the node's persistent offchain storage, so it is not sent
//! again until [`RESEND_AFTER`] blocks have passed (the first one may have been dropped).

use super::*;
use frame_system::offchain::{AppCrypto, SendSignedTransaction, Signer, SigningTypes};
use sp_runtime::{
	offchain::storage::StorageValueRef,
	traits::IdentifyAccount,
	RuntimeAppPublic,
};

/// Blocks after which a heartbeat that did not land is sent again.
pub const RESEND_AFTER: u32 = 10;

const SENT_PREFIX: &[u8] = b"verin/workers/heartbeat/";

impl<T: Config> Pallet<T> {
	/// Sends the heartbeats due for this node's worker keys.
	pub fn send_heartbeats(now: BlockNumberFor<T>) {
		let half_window = T::LivenessWindow::get() / 2u32.into();
		for public in local_worker_keys::<T>() {
			let worker = public.clone().into_account();
			let Some(info) = Registered::<T>::get(&worker) else { continue };
			if !info.online || now < info.last_seen.saturating_add(half_window) {
				continue;
			}
			let key = (SENT_PREFIX, &worker).encode();
			let sent = StorageValueRef::persistent(&key);
			let recently = sent
				.get::<BlockNumberFor<T>>()
				.ok()
				.flatten()
				.is_some_and(|at| now < at.saturating_add(RESEND_AFTER.into()));
			if recently {
				continue;
			}
			let results = Signer::<T, T::AuthorityId>::all_accounts()
				.with_filter(alloc::vec![public])
				.send_signed_transaction(|_| Call::heartbeat {});
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
