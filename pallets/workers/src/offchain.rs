//! The offchain worker's part in liveness: an inference node keeps its online workers live
//! with heartbeats, so an idle worker still gets jobs.
//!
//! A heartbeat is due when the worker's last sign of life is half a liveness window old. A
//! sent heartbeat is claimed in the node's persistent offchain storage, so it is not sent
//! again until [`RESEND_AFTER`] blocks have passed (the first one may have been dropped).

use super::*;
use verin_pallet_support::{local_worker_keys_with_accounts, send_signed, work_claim};

/// Blocks after which a heartbeat that did not land is sent again.
pub const RESEND_AFTER: u32 = 10;

const SENT_PREFIX: &[u8] = b"verin/workers/heartbeat/";

impl<T: Config> Pallet<T> {
	/// Sends the heartbeats due for this node's worker keys.
	pub fn send_heartbeats(now: BlockNumberFor<T>) {
		let half_window = T::LivenessWindow::get() / 2u32.into();
		for (public, worker) in local_worker_keys_with_accounts::<T, T::AuthorityId>() {
			let Some(info) = Registered::<T>::get(&worker) else { continue };
			if !info.online || now < info.last_seen.saturating_add(half_window) {
				continue;
			}
			let key = (SENT_PREFIX, &worker).encode();
			let mut claim = work_claim::<T, RESEND_AFTER>(&key, now);
			// Held: a heartbeat went out less than `RESEND_AFTER` blocks ago.
			let Ok(sending) = claim.try_lock() else { continue };
			if send_signed::<T, T::AuthorityId, _>(&public, Call::heartbeat {}) {
				sending.forget();
			}
		}
	}
}
