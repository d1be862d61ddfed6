//! Chain-wide primitive types of Verin.
//!
//! The runtime, the node and the client agree on these definitions; keeping them in one
//! `no_std` crate means a wallet or SDK can depend on them without pulling the runtime.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod compare;
pub mod market;
pub mod model;
pub mod payload;
pub mod tensor;
pub mod tier;
pub mod traits;

use sp_runtime::{
	generic,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiSignature, OpaqueExtrinsic,
};

/// Block number: 32 bits last ~800 years at 6 s blocks.
pub type BlockNumber = u32;

/// Signature scheme accepted in extrinsics (sr25519, ed25519 or ecdsa).
pub type Signature = MultiSignature;

/// Account id derived from the signer's public key.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;

/// Balance of an account, in the smallest unit (1 VRN = 10^12 units).
pub type Balance = u128;

/// Transaction index of an account.
pub type Nonce = u32;

/// Hash type used for blocks, storage and content ids.
pub type Hash = sp_core::H256;

/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;

/// Opaque block: what the node sees without knowing the runtime's extrinsic format.
pub type OpaqueBlock = generic::Block<Header, OpaqueExtrinsic>;

/// Token units.
pub mod currency {
	use super::Balance;

	/// Decimals of the native token.
	pub const DECIMALS: u8 = 12;
	/// One whole token (VRN).
	pub const UNIT: Balance = 1_000_000_000_000;
	/// A thousandth of a token.
	pub const MILLI_UNIT: Balance = UNIT / 1_000;
	/// A millionth of a token.
	pub const MICRO_UNIT: Balance = UNIT / 1_000_000;
	/// Smallest balance an account may hold.
	pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;
	/// Token symbol shown by wallets.
	pub const SYMBOL: &str = "VRN";
}

/// Block timing.
pub mod time {
	use super::BlockNumber;

	/// Target block time. Aura slots have this length.
	pub const MILLI_SECS_PER_BLOCK: u64 = 6_000;
	/// Aura slot duration (one block per slot).
	pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;
	/// Blocks per minute.
	pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
	/// Blocks per hour.
	pub const HOURS: BlockNumber = MINUTES * 60;
	/// Blocks per day.
	pub const DAYS: BlockNumber = HOURS * 24;
}
