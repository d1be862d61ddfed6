//! Verification tiers: the evidence a dapp asks for when it requests an inference.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// How a result is verified before the chain accepts it (docs/tiers.md).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum Tier {
	/// The assigned, bonded worker's signature: final at inclusion.
	Vanilla,
	/// Vanilla plus a challenge window with committee re-execution and slashing.
	Optimistic,
	/// A signature by an attested enclave key over job, model, input and output.
	Tee,
	/// A plonky2 proof that the registered circuit maps the input to the output.
	Zk,
}

impl Tier {
	/// Every tier, in declaration order.
	pub const ALL: [Tier; 4] = [Tier::Vanilla, Tier::Optimistic, Tier::Tee, Tier::Zk];

	fn bit(self) -> u8 {
		1 << (self as u8)
	}
}

/// A set of tiers, stored as one byte.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Default,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct TierSet(u8);

impl TierSet {
	/// The empty set.
	pub const fn empty() -> Self {
		TierSet(0)
	}

	/// Whether `tier` is in the set.
	pub fn contains(&self, tier: Tier) -> bool {
		self.0 & tier.bit() != 0
	}

	/// Adds `tier` to the set.
	pub fn insert(&mut self, tier: Tier) {
		self.0 |= tier.bit();
	}

	/// Whether the set has no tier.
	pub fn is_empty(&self) -> bool {
		self.0 == 0
	}

	/// Whether the byte holds bits that name no tier (a malformed set from the outside).
	pub fn has_unknown_bits(&self) -> bool {
		self.0 & !Tier::ALL.iter().fold(0, |acc, tier| acc | tier.bit()) != 0
	}

	/// The tiers in the set, in declaration order.
	pub fn iter(&self) -> impl Iterator<Item = Tier> + '_ {
		Tier::ALL.into_iter().filter(|tier| self.contains(*tier))
	}
}

impl FromIterator<Tier> for TierSet {
	fn from_iter<I: IntoIterator<Item = Tier>>(iter: I) -> Self {
		let mut set = TierSet::empty();
		iter.into_iter().for_each(|tier| set.insert(tier));
		set
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn tier_set_holds_exactly_what_was_inserted() {
		let set: TierSet = [Tier::Vanilla, Tier::Zk].into_iter().collect();
		assert!(set.contains(Tier::Vanilla) && set.contains(Tier::Zk));
		assert!(!set.contains(Tier::Tee) && !set.contains(Tier::Optimistic));
		assert_eq!(set.iter().collect::<alloc::vec::Vec<_>>(), [Tier::Vanilla, Tier::Zk]);
		assert!(!set.has_unknown_bits());
		assert!(TierSet(0b1_0000).has_unknown_bits());
		assert!(TierSet::empty().is_empty());
	}
}
