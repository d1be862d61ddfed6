//! The claims, the key lookup and the signed sends, in a runtime of `frame_system` alone.

use crate::{
	local_worker_keys, local_worker_keys_with_accounts, send_signed,
	testing::{offchain_worker_node, UintAuthorityId},
	work_claim,
};
use frame_support::derive_impl;
use sp_runtime::offchain::storage::StorageValueRef;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

crate::impl_test_signing!(Test);

/// Blocks a kept claim holds in these tests.
const HOLD: u32 = 5;
const KEY: &[u8] = b"verin/test/claim";

/// Takes the claim under [`KEY`] at `block` (as the run for that block) and keeps it;
/// whether it could be taken.
fn take_and_keep(block: u64) -> bool {
	System::set_block_number(block);
	let mut claim = work_claim::<Test, HOLD>(KEY, block);
	claim.try_lock().map(|held| held.forget()).is_ok()
}

fn stored_claim() -> Option<u64> {
	StorageValueRef::persistent(KEY).get::<u64>().unwrap()
}

#[test]
fn a_kept_claim_holds_for_its_blocks_from_the_block_it_was_taken_at() {
	let mut ext = sp_io::TestExternalities::default();
	offchain_worker_node(&mut ext, []);
	ext.execute_with(|| {
		assert!(take_and_keep(10));
		for block in 10..10 + HOLD as u64 {
			assert!(!take_and_keep(block), "block {block}: the claim holds");
		}
		assert!(take_and_keep(10 + HOLD as u64), "the claim has expired");
		assert_eq!(
			stored_claim(),
			Some(10 + HOLD as u64),
			"the claim stores the block it was taken at"
		);
	});
}

#[test]
fn a_claim_holds_while_taken_and_is_released_when_dropped() {
	let mut ext = sp_io::TestExternalities::default();
	offchain_worker_node(&mut ext, []);
	ext.execute_with(|| {
		System::set_block_number(10);
		let mut claim = work_claim::<Test, HOLD>(KEY, 10);
		let Ok(held) = claim.try_lock() else { panic!("nobody holds it") };
		assert!(
			work_claim::<Test, HOLD>(KEY, 10).try_lock().is_err(),
			"another run cannot take it"
		);
		drop(held);
		assert_eq!(stored_claim(), None, "nothing was sent: released at once");
		assert!(take_and_keep(10));
	});
}

#[test]
fn the_node_signs_with_its_worker_keys_only() {
	let mut ext = sp_io::TestExternalities::default();
	let pool = offchain_worker_node(&mut ext, [7, 9]);
	ext.execute_with(|| {
		assert_eq!(
			local_worker_keys::<Test, TestWorkerKey>(),
			vec![UintAuthorityId(7), UintAuthorityId(9)]
		);
		assert_eq!(
			local_worker_keys_with_accounts::<Test, TestWorkerKey>(),
			vec![(UintAuthorityId(7), 7), (UintAuthorityId(9), 9)]
		);
		let remark = frame_system::Call::<Test>::remark { remark: vec![1] };
		assert!(send_signed::<Test, TestWorkerKey, _>(&UintAuthorityId(9), remark.clone()));
		assert_eq!(
			pool.take_signed::<RuntimeCall>(),
			vec![(9, RuntimeCall::System(remark.clone()))]
		);
		assert!(
			!send_signed::<Test, TestWorkerKey, _>(&UintAuthorityId(8), remark),
			"no such key in the keystore"
		);
		assert!(pool.is_empty());
	});
}
