//! Claims on offchain work that hold for a number of blocks, built on [`StorageLock`].
//!
//! An offchain worker runs after every imported block, and the runs of overlapping blocks,
//! or of a node that restarted, see the same work: a job to answer, a heartbeat that is due.
//! A run claims a piece of work in the node's persistent offchain storage before doing it,
//! under a key that names the work, and then:
//!
//! - takes the claim with [`StorageLock::try_lock`], which fails while another claim on the
//!   same key holds (it compares and sets, so two runs never both take it);
//! - keeps it with [`StorageLockGuard::forget`](sp_runtime::offchain::storage_lock::StorageLockGuard::forget)
//!   once a transaction left the node: the claim then holds for `HOLD_BLOCKS` blocks from
//!   the block it was taken at, the time the transaction has to land; a run after that
//!   sees the work again only if the transaction never landed, and does it again;
//! - releases it by dropping the guard when nothing was sent, so the next run tries at once.
//!
//! Never call [`StorageLock::lock`] on a [`WorkClaim`]: it waits, sleeping, until the claim
//! expires, which takes blocks, not milliseconds.

use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	offchain::storage_lock::{Lockable, StorageLock},
	traits::{BlockNumberProvider, Saturating},
};

/// A [`Lockable`] that holds from the block it is taken at for `HOLD_BLOCKS` blocks: it
/// expires once `B`'s current block is `HOLD_BLOCKS` past it.
///
/// What it stores (its [`Lockable::Deadline`]) is the block the claim was taken at, not the
/// block it ends at: that is the form of the claims and memos the pallets have always kept,
/// so those already in a node's offchain store keep their meaning, and it answers what a
/// test or tool asks ("claimed when?").
pub struct HeldForBlocks<B: BlockNumberProvider, const HOLD_BLOCKS: u32> {
	taken_at: B::BlockNumber,
}

impl<B: BlockNumberProvider, const HOLD_BLOCKS: u32> HeldForBlocks<B, HOLD_BLOCKS> {
	/// A claim taken at block `block`.
	pub fn taken_at(block: B::BlockNumber) -> Self {
		HeldForBlocks { taken_at: block }
	}
}

impl<B: BlockNumberProvider, const HOLD_BLOCKS: u32> Lockable for HeldForBlocks<B, HOLD_BLOCKS> {
	type Deadline = B::BlockNumber;

	fn deadline(&self) -> Self::Deadline {
		self.taken_at
	}

	fn has_expired(taken_at: &Self::Deadline) -> bool {
		B::current_block_number() >= taken_at.saturating_add(HOLD_BLOCKS.into())
	}
}

/// A claim on a piece of offchain work, stored under a key that names the work, holding for
/// `HOLD_BLOCKS` blocks of runtime `T` once kept (see the [module docs](self)).
///
/// Whether it has expired is judged by `frame_system`'s current block. During an offchain
/// worker run that is the block the run is for, the `now` that the `offchain_worker` hook
/// gets: the executive runs offchain workers on the imported block's state without starting
/// another block, and `frame_system` keeps the block number when it finalizes a block.
pub type WorkClaim<'a, T, const HOLD_BLOCKS: u32> =
	StorageLock<'a, HeldForBlocks<frame_system::Pallet<T>, HOLD_BLOCKS>>;

/// A claim under `key` on work done at block `now` (the block the offchain worker runs
/// for), to take with [`StorageLock::try_lock`].
pub fn work_claim<T: frame_system::Config, const HOLD_BLOCKS: u32>(
	key: &[u8],
	now: BlockNumberFor<T>,
) -> WorkClaim<'_, T, HOLD_BLOCKS> {
	StorageLock::with_lockable(key, HeldForBlocks::taken_at(now))
}
