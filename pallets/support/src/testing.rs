//! What the pallets' mock runtimes and offchain-worker tests share (feature `test-support`,
//! which each pallet enables for its tests only).
//!
//! A mock runtime with `u64` accounts gets its offchain signing from [`impl_test_signing`]
//! and, if it holds funds, its system and balances configuration from
//! [`impl_test_system_with_balances`], its externalities from [`new_test_ext_with_balances`]
//! and moves on with [`run_to_block`]. A test makes its externalities a node with
//! [`offchain_worker_node`] and reads what the offchain worker sent from the
//! [`TransactionPool`] that returns.

use alloc::{sync::Arc, vec::Vec};
use codec::{Decode, Encode};
use frame_support::traits::OnInitialize;
use frame_system::pallet_prelude::BlockNumberFor;
use parking_lot::RwLock;
use sp_core::offchain::{
	testing::{PoolState, TestOffchainExt, TestTransactionPoolExt},
	OffchainDbExt, OffchainWorkerExt, TransactionPoolExt,
};

// This module's macros name these through `$crate`, so that a pallet's mock needs no
// dependency of its own for what the macros write.
/// Re-exported for this module's macros.
pub use frame_support;
/// Re-exported for this module's macros.
pub use frame_system;
/// Re-exported for this module's macros.
pub use pallet_balances;
/// The mock's keys, signatures and extrinsics, as [`impl_test_signing`] sets them up.
pub use sp_runtime::testing::{TestSignature, TestXt, UintAuthorityId};

/// Implements `frame_system::Config` and `pallet_balances::Config` for mock runtime
/// `$runtime`, whose `construct_runtime!` names them `System` and `Balances` (the pallets'
/// mocks that hold funds): the test defaults of both, with accounts holding `$balance`
/// (a `u128`) under an existential deposit of 1 and holds for the runtime's hold reasons.
#[macro_export]
macro_rules! impl_test_system_with_balances {
	($runtime:ty, $balance:ty) => {
		// `derive_impl` expands to an attribute named without a path, and looks for a trait's
		// `DefaultConfig` beside the trait path the impl is written with, where `$crate`
		// does not resolve: so each impl sits in a block that imports those names.
		const _: () = {
			use $crate::testing::{frame_support::derive_impl, frame_system};

			#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
			impl frame_system::Config for $runtime {
				type Block = frame_system::mocking::MockBlock<$runtime>;
				type AccountData = $crate::testing::pallet_balances::AccountData<$balance>;
			}
		};

		const _: () = {
			use $crate::testing::{frame_support::derive_impl, pallet_balances};

			#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
			impl pallet_balances::Config for $runtime {
				type Balance = $balance;
				type AccountStore = System;
				type ExistentialDeposit = $crate::testing::frame_support::traits::ConstU128<1>;
				type RuntimeHoldReason = RuntimeHoldReason;
			}
		};
	};
}

/// Externalities of mock runtime `T` (built with [`impl_test_system_with_balances`]) whose
/// genesis endows `balances`, at block 1: events are recorded only from block 1 on.
pub fn new_test_ext_with_balances<T: pallet_balances::Config>(
	balances: Vec<(T::AccountId, T::Balance)>,
) -> sp_io::TestExternalities {
	use sp_runtime::BuildStorage;
	let mut storage =
		frame_system::GenesisConfig::<T>::default().build_storage().expect("system genesis");
	pallet_balances::GenesisConfig::<T> { balances, ..Default::default() }
		.assimilate_storage(&mut storage)
		.expect("balances genesis");
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| frame_system::Pallet::<T>::set_block_number(1u32.into()));
	ext
}

/// Advances mock runtime `T` block by block to block `n`, running `Hooks`' `on_initialize`
/// at the start of each (`()` for none). Only that: no other pallet's hooks run, and the
/// events of earlier blocks stay.
pub fn run_to_block<T, Hooks>(n: BlockNumberFor<T>)
where
	T: frame_system::Config,
	Hooks: OnInitialize<BlockNumberFor<T>>,
{
	while frame_system::Pallet::<T>::block_number() < n {
		let finished = frame_system::Pallet::<T>::block_number();
		// The finished block gets a hash of its own, as a node's import would record it
		// (the parent hash stays as the test set it, so draws stay where tests expect them).
		let hash = finished.using_encoded(sp_io::hashing::blake2_256);
		frame_system::BlockHash::<T>::insert(
			finished,
			T::Hash::decode(&mut &hash[..]).unwrap_or_default(),
		);
		let next = finished + 1u32.into();
		frame_system::Pallet::<T>::set_block_number(next);
		Hooks::on_initialize(next);
	}
}

/// Gives mock runtime `$runtime` (whose accounts are `u64`, and whose `RuntimeCall` is in
/// scope) what its pallets' offchain workers need to sign:
///
/// - `SigningTypes` with [`UintAuthorityId`] keys, key `UintAuthorityId(n)` being account `n`;
/// - `pub type Extrinsic`: the mock's extrinsics, [`TestXt`] signed by a plain account id
///   with no extensions;
/// - `CreateTransactionBase` and `CreateSignedTransaction` for every call, building such an
///   extrinsic without a signature;
/// - `pub struct TestWorkerKey`: the `AppCrypto` of those keys, for the pallets'
///   `AuthorityId`.
///
/// The node's keys are then set with [`UintAuthorityId::set_all_keys`] (or
/// [`offchain_worker_node`]).
#[macro_export]
macro_rules! impl_test_signing {
	($runtime:ty) => {
		impl $crate::testing::frame_system::offchain::SigningTypes for $runtime {
			type Public = $crate::testing::UintAuthorityId;
			type Signature = $crate::testing::TestSignature;
		}

		/// Extrinsics of the mock: signed by a plain account id, no extensions.
		pub type Extrinsic = $crate::testing::TestXt<RuntimeCall, ()>;

		impl<C> $crate::testing::frame_system::offchain::CreateTransactionBase<C> for $runtime
		where
			RuntimeCall: From<C>,
		{
			type Extrinsic = Extrinsic;
			type RuntimeCall = RuntimeCall;
		}

		impl<C> $crate::testing::frame_system::offchain::CreateSignedTransaction<C> for $runtime
		where
			RuntimeCall: From<C>,
		{
			fn create_signed_transaction<
				A: $crate::testing::frame_system::offchain::AppCrypto<Self::Public, Self::Signature>,
			>(
				call: RuntimeCall,
				_public: Self::Public,
				account: Self::AccountId,
				_nonce: Self::Nonce,
			) -> Option<Extrinsic> {
				Some(Extrinsic::new_signed(call, account, (), ()))
			}
		}

		/// Worker keys of the mock: `UintAuthorityId(n)` is account `n`.
		pub struct TestWorkerKey;
		impl
			$crate::testing::frame_system::offchain::AppCrypto<
				$crate::testing::UintAuthorityId,
				$crate::testing::TestSignature,
			> for TestWorkerKey
		{
			type RuntimeAppPublic = $crate::testing::UintAuthorityId;
			type GenericPublic = $crate::testing::UintAuthorityId;
			type GenericSignature = $crate::testing::TestSignature;
		}
	};
}

/// Makes `ext` the externalities of a node that runs offchain workers: an offchain database
/// (whose persistent storage holds the claims), the offchain worker's API and a transaction
/// pool, with
/// `worker_keys` (accounts of a mock built with [`impl_test_signing`]) as the keystore's
/// worker keys. Returns the pool.
///
/// The keys are the calling thread's: run the test in it.
pub fn offchain_worker_node(
	ext: &mut sp_io::TestExternalities,
	worker_keys: impl IntoIterator<Item = u64>,
) -> TransactionPool {
	// The node's offchain store is the one offchain indexing writes to (after
	// `persist_offchain_overlay`), as on a node.
	let (offchain, _) = TestOffchainExt::with_offchain_db(ext.offchain_db());
	let (pool, pool_state) = TestTransactionPoolExt::new();
	ext.register_extension(OffchainDbExt::new(offchain.clone()));
	ext.register_extension(OffchainWorkerExt::new(offchain));
	ext.register_extension(TransactionPoolExt::new(pool));
	UintAuthorityId::set_all_keys(worker_keys);
	TransactionPool(pool_state)
}

/// The transaction pool of a node made by [`offchain_worker_node`].
pub struct TransactionPool(Arc<RwLock<PoolState>>);

impl TransactionPool {
	/// Takes every transaction out of the pool, as its signer and call (the extrinsics of a
	/// mock built with [`impl_test_signing`], whose `RuntimeCall` is `Call`).
	///
	/// Panics on an unsigned transaction: the pallets' offchain workers send only signed ones.
	pub fn take_signed<Call>(&self) -> Vec<(u64, Call)>
	where
		TestXt<Call, ()>: Decode,
	{
		self.0
			.write()
			.transactions
			.drain(..)
			.map(|bytes| {
				let xt = TestXt::<Call, ()>::decode(&mut &bytes[..]).expect("the mock's extrinsic");
				match xt.preamble {
					sp_runtime::generic::Preamble::Signed(signer, ..) => (signer, xt.function),
					_ => panic!("an unsigned transaction"),
				}
			})
			.collect()
	}

	/// Whether the pool is empty.
	pub fn is_empty(&self) -> bool {
		self.0.read().transactions.is_empty()
	}
}
