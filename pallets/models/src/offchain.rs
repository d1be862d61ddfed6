//! The offchain worker's part in circuit review: an inference node reviews the ZK circuits
//! owners register, with each of its bonded worker keys that does not own the model.
//!
//! For a circuit under review it compiles the version's bytes (found by content id, as for a
//! job) through `verin_inference::circuit_digest` and sends [`Pallet::review_circuit`] with
//! the digest it got: equal to the registered one, that confirms the circuit; different, or
//! `None` when the model does not compile, that disputes it. A circuit already trusted is
//! compiled once too, and disputed if it differs: a late reviewer still catches a circuit
//! its confirmers let through.
//!
//! A node that cannot compile for a reason of its own (no engine, the bytes not found yet)
//! says nothing: only the compiler's verdict on the bytes is a review. Compiling is the
//! expensive step, so at most [`MAX_COMPILES_PER_RUN`] circuits are compiled per run; a
//! review sent is claimed for [`RESEND_AFTER`] blocks (it may have been dropped), and a
//! trusted circuit found faithful is remembered in the node's persistent offchain storage.

use super::*;
use sp_runtime::offchain::storage::StorageValueRef;
use verin_pallet_support::{local_worker_keys_with_accounts, send_signed, work_claim};
use verin_worker_primitives::{verin_inference, InferenceError};

/// Blocks after which a review that did not land is sent again.
pub const RESEND_AFTER: u32 = 10;

/// Most circuits one offchain-worker run compiles: a compile takes the node's CPU for up to
/// seconds, and the run also answers jobs.
pub const MAX_COMPILES_PER_RUN: u32 = 1;

const SENT_PREFIX: &[u8] = b"verin/models/review/";
const CHECKED_PREFIX: &[u8] = b"verin/models/review-checked/";

/// What a node's compile says about a registered circuit.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Compiled {
	/// The compiler made a circuit with this digest from the version's bytes.
	Digest(H256),
	/// The compiler refused the version's bytes: no circuit can be their compile.
	NotProvable,
}

impl Compiled {
	/// What a review reports: the digest, or `None` for a model that does not compile.
	pub fn reported(self) -> Option<H256> {
		match self {
			Compiled::Digest(digest) => Some(digest),
			Compiled::NotProvable => None,
		}
	}
}

/// Compiles the model with `content_id` with the node's ZK compiler; `None` when the node
/// cannot say (no engine, no bytes), which is no verdict on the circuit.
fn compile(content_id: H256) -> Option<Compiled> {
	match verin_inference::circuit_digest(content_id.0) {
		Ok(digest) => Some(Compiled::Digest(digest)),
		Err(InferenceError::NotProvable) => Some(Compiled::NotProvable),
		Err(error) => {
			log::debug!(
				target: "verin-models",
				"cannot review the circuit of {content_id:?} yet: {error:?}"
			);
			None
		},
	}
}

impl<T: Config> Pallet<T> {
	/// Reviews the circuits this node's worker keys have not reviewed (see the module docs).
	pub fn review_circuits(now: BlockNumberFor<T>) {
		let reviewers: alloc::vec::Vec<_> = local_worker_keys_with_accounts::<T, T::AuthorityId>()
			.into_iter()
			.filter(|(_, account)| T::Staking::bonded(account) >= T::MinReviewerBond::get())
			.collect();
		if reviewers.is_empty() {
			return;
		}
		let mut compiles = 0;
		for (model, version, review) in CircuitReviews::<T>::iter() {
			if compiles >= MAX_COMPILES_PER_RUN {
				break;
			}
			let trusted = match review.status {
				CircuitStatus::Unreviewed => false,
				CircuitStatus::Trusted => true,
				// Settled for good, or waiting for governance: no review is taken.
				CircuitStatus::Upheld | CircuitStatus::Disputed => continue,
			};
			let (Some(info), Some(published)) =
				(Models::<T>::get(model), Versions::<T>::get(model, version))
			else {
				continue;
			};
			let Some(registered) = published.circuit_digest else { continue };
			let pending: alloc::vec::Vec<_> = reviewers
				.iter()
				.filter(|(_, account)| *account != info.owner && !review.has_reviewed(account))
				.collect();
			if pending.is_empty() {
				continue;
			}
			let checked_key = (CHECKED_PREFIX, model, version, registered).encode();
			let checked = StorageValueRef::persistent(&checked_key);
			if trusted && matches!(checked.get::<bool>(), Ok(Some(true))) {
				continue;
			}
			let sent_key = (SENT_PREFIX, model, version).encode();
			let mut claim = work_claim::<T, RESEND_AFTER>(&sent_key, now);
			// Held: a review of this circuit went out less than `RESEND_AFTER` blocks ago.
			let Ok(sending) = claim.try_lock() else { continue };
			compiles += 1;
			let Some(compiled) = compile(published.content_id) else { continue };
			let faithful = compiled == Compiled::Digest(registered);
			if trusted && faithful {
				// Confirmations are full: nothing to send, and nothing to compile again.
				checked.set(&true);
				continue;
			}
			if !faithful {
				log::warn!(
					target: "verin-models",
					"circuit of model {model} version {version:?} is {registered:?}, its bytes \
					 compile to {compiled:?}: disputing it"
				);
			}
			let mut sent = false;
			for (public, _) in pending {
				let call = Call::review_circuit { model, version, compiled: compiled.reported() };
				sent |= send_signed::<T, T::AuthorityId, _>(public, call);
				if !faithful {
					// One dispute stops the circuit; the others' would be refused.
					break;
				}
			}
			if sent {
				sending.forget();
			}
		}
	}
}
