//! What Verin's pallets share in their offchain workers.
//!
//! The worker pool (heartbeats), the enclave registry (enclave registrations) and the
//! inference market (answers, challenges, votes) each run an offchain worker that acts with
//! the worker keys in the node's keystore. They share three steps, kept here once:
//!
//! - finding the node's worker keys: [`local_worker_keys`], [`local_worker_keys_with_accounts`];
//! - claiming a piece of work so that it is done once, not again by the next block's run or
//!   by a run of another block that overlaps: [`claim::WorkClaim`];
//! - sending a call signed by one of those keys: [`send_signed`];
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
use frame_system::offchain::{
	AppCrypto, CreateSignedTransaction, SendSignedTransaction, Signer, SigningTypes,
};
use sp_runtime::{traits::IdentifyAccount, RuntimeAppPublic};

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
pub fn send_signed<T, C, LocalCall>(public: &T::Public, call: LocalCall) -> bool
where
	T: CreateSignedTransaction<LocalCall>,
	C: AppCrypto<T::Public, T::Signature>,
	LocalCall: Clone,
{
	Signer::<T, C>::all_accounts()
		.with_filter(alloc::vec![public.clone()])
		.send_signed_transaction(|_| call.clone())
		.iter()
		.any(|(_, result)| result.is_ok())
}

#[cfg(test)]
mod tests;
