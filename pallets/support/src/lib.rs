//! What Verin's pallets share in their offchain workers.
//!
//! The worker pool (heartbeats), the enclave registry (enclave registrations) and the
//! inference market (answers, challenges, votes) each run an offchain worker that acts with
//! the worker keys in the node's keystore. They share three steps, kept here once:
//!
//! - finding the node's worker keys: [`local_worker_keys`], [`local_worker_keys_with_accounts`];
//! - claiming a piece of work so that it is done once, not again by the next block's run or
//!   by a run of another block that overlaps: [`claim::WorkClaim`];
//! - sending a call signed by one of those keys, with a nonce that follows the key's own
//!   transactions still in the pool: [`send_signed`];
//! - the crypto a runtime signs those calls with: [`WorkerAuthority`].
//!
//! With the feature `test-support`, [`testing`] holds what the pallets' mock runtimes and
//! offchain-worker tests share.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod claim;
#[cfg(feature = "test-support")]
pub mod testing;

pub use claim::{work_claim, HeldForBlocks, WorkClaim};

use alloc::vec::Vec;
use codec::Encode;
use frame_system::{
	offchain::{AppCrypto, CreateSignedTransaction, SigningTypes, SubmitTransaction},
	pallet_prelude::BlockNumberFor,
};
use sp_runtime::{
	offchain::storage::{MutateStorageError, StorageValueRef},
	traits::{IdentifyAccount, One, Saturating},
	RuntimeAppPublic,
};

/// Signs worker transactions with the worker key (`verin_worker_primitives::key`, sr25519):
/// the `AuthorityId` a runtime gives the pallets whose offchain workers act for workers.
pub struct WorkerAuthority;

impl AppCrypto<sp_runtime::MultiSigner, sp_runtime::MultiSignature> for WorkerAuthority {
	type RuntimeAppPublic = verin_worker_primitives::key::Public;
	type GenericSignature = sp_runtime::app_crypto::sr25519::Signature;
	type GenericPublic = sp_runtime::app_crypto::sr25519::Public;
}

/// The keys of crypto `C` in the node's keystore (the worker keys, for every Verin pallet's
/// `AuthorityId`), as the runtime's signer type.
pub fn local_worker_keys<T, C>() -> Vec<T::Public>
where
	T: SigningTypes,
	C: AppCrypto<T::Public, T::Signature>,
{
	C::RuntimeAppPublic::all()
		.into_iter()
		.map(|key| {
			// The keystore's type converts to the runtime's signer type only through the
			// crypto's generic key type.
			let generic: C::GenericPublic = key.into();
			generic.into()
		})
		.collect()
}

/// [`local_worker_keys`], each with the account it signs for.
pub fn local_worker_keys_with_accounts<T, C>() -> Vec<(T::Public, T::AccountId)>
where
	T: SigningTypes,
	C: AppCrypto<T::Public, T::Signature>,
{
	local_worker_keys::<T, C>()
		.into_iter()
		.map(|public| {
			let account = public.clone().into_account();
			(public, account)
		})
		.collect()
}

/// Sends `call` as a transaction signed with the local key `public` (of crypto `C`); true if
/// it left the node, i.e. the transaction pool took it.
///
/// Whether it lands in a block is not known here: callers keep a [`WorkClaim`] for as long
/// as a transaction may take to land before they send again.
///
/// The nonce: a key's transactions from one offchain-worker run follow each other, but the
/// next block's run reads the same on-chain nonce while they still wait in the pool, and its
/// transaction would replace one of them (a challenge replacing an answer makes an honest
/// worker miss its deadline). So the next nonce each key used is kept in the node's
/// persistent offchain storage and followed while fresh ([`NONCE_FRESH_FOR`] blocks, at
/// most [`NONCE_AHEAD`] past the chain's): a transaction that never landed leaves a gap
/// only until then.
pub fn send_signed<T, C, LocalCall>(public: &T::Public, call: LocalCall) -> bool
where
	T: CreateSignedTransaction<LocalCall>,
	C: AppCrypto<T::Public, T::Signature>,
	LocalCall: Clone,
{
	let account = public.clone().into_account();
	if !local_worker_keys::<T, C>().contains(public) {
		return false;
	}
	let on_chain = frame_system::Account::<T>::get(&account).nonce;
	let now = frame_system::Pallet::<T>::block_number();
	let key = (NONCE_PREFIX, &account).encode();
	let next = StorageValueRef::persistent(&key);
	// Reserve the nonce atomically: two runs of overlapping blocks never take the same one.
	let reserved = next.mutate::<(T::Nonce, BlockNumberFor<T>), (), _>(|stored| {
		let nonce = match stored {
			Ok(Some((next, at)))
				if next > on_chain
					&& next <= on_chain.saturating_add(T::Nonce::from(NONCE_AHEAD))
					&& now <= at.saturating_add(NONCE_FRESH_FOR.into()) =>
			{
				next
			},
			_ => on_chain,
		};
		Ok((nonce.saturating_add(One::one()), now))
	});
	let nonce = match reserved {
		Ok((next, _)) => next.saturating_sub(One::one()),
		Err(MutateStorageError::ConcurrentModification(_))
		| Err(MutateStorageError::ValueFunctionFailed(())) => return false,
	};
	let Some(transaction) =
		T::create_signed_transaction::<C>(call.into(), public.clone(), account, nonce)
	else {
		return false;
	};
	let sent = SubmitTransaction::<T, LocalCall>::submit_transaction(transaction).is_ok();
	if !sent {
		// Give the nonce back unless another run took the next one meanwhile.
		let _ = next.mutate::<(T::Nonce, BlockNumberFor<T>), (), _>(|stored| match stored {
			Ok(Some((next, at))) if next == nonce.saturating_add(One::one()) => Ok((nonce, at)),
			_ => Err(()),
		});
	}
	sent
}

/// Blocks for which the next nonce a key used is followed (its transactions should have
/// landed by then, or been dropped).
pub const NONCE_FRESH_FOR: u32 = 3;

/// Most nonces the kept next nonce may run ahead of the chain's.
pub const NONCE_AHEAD: u32 = 64;

const NONCE_PREFIX: &[u8] = b"verin/support/next-nonce/";

#[cfg(test)]
mod tests;
