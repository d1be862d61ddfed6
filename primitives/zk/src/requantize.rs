//! One bit decomposition for a whole requantization chain (`Relu` → `Div` by `2^s` →
//! `Clip` to `[.., 2^m - 1]`), the shape every quantized layer ends with.
//!
//! Lowered one operation at a time, such a chain decomposes each value three times (the
//! sign for `Relu`, the magnitude for `Div`, the gap to the bound for `Clip`), and each
//! decomposition is a whole gate. Once a value is known to be non-negative and is held as
//! bits, the rest of the chain is free or nearly so: dividing by `2^s` drops `s` low bits,
//! and clamping to `2^m - 1` keeps the `m` low bits unless a higher bit is set. So the chain
//! costs one decomposition plus a few arithmetic operations, which share gates.
//!
//! [`lower_chain`] declines (returns `None`) a chain of any other shape; the caller then
//! lowers it one operation at a time.

use plonky2::{
	field::types::Field,
	iop::target::{BoolTarget, Target},
	plonk::circuit_builder::CircuitBuilder,
};

use crate::{program::Op, D, F};

/// Which bits of the decomposition the chain's result is made of: the value
/// `min(Σ_{i < keep} bits[drop + i]·2^i, 2^cap − 1)` (no cap: the plain sum). Planned from
/// the chain and the bounds alone, so a chain this module declines costs no gate.
struct Plan {
	drop: usize,
	keep: usize,
	cap: Option<usize>,
}

/// Lowers the elementwise `chain` applied to `x`; `bounds[k]` is the value's range before
/// `chain[k]` (an honest run's, which the compiler proved to lie in int32). `None` when the
/// chain is not a requantization this module handles.
pub(crate) fn lower_chain(
	builder: &mut CircuitBuilder<F, D>,
	x: Target,
	chain: &[Op],
	bounds: &[(i128, i128)],
) -> Option<Target> {
	let first = chain.first()?;
	let (lo, hi) = bounds[0];
	if lo < 0 && (*first != Op::Relu || hi <= 0) {
		return None;
	}
	// A leading Relu is the sign bit below (or nothing, for a value already non-negative);
	// after it every value is non-negative, and `hi` fixes how many bits an honest one sets.
	let skip = usize::from(*first == Op::Relu);
	let mut plan = Plan { drop: 0, keep: bit_length(hi), cap: None };
	for (op, bound) in chain[skip..].iter().zip(&bounds[skip..]) {
		plan = apply(plan, op, *bound)?;
	}
	plan.cap = plan.cap.filter(|cap| *cap < plan.keep);

	let (bits, positive) = if lo >= 0 {
		// Already non-negative: the split to `bit_length(hi)` bits also proves the bound.
		(builder.split_le(x, bit_length(hi)), None)
	} else {
		// `x + 2^31` is a 32-bit number whose bit 31 says `x ≥ 0`; then `x` is its low bits,
		// of which an honest `x ≤ hi` sets only the lowest `bit_length(hi)`. A negative `x`
		// gives other bits, which `positive = 0` discards.
		let shifted = builder.add_const(x, F::from_canonical_u64(1 << 31));
		let bits = builder.split_le(shifted, 32);
		let positive = bits[31];
		(bits, Some(positive))
	};
	let kept = &bits[plan.drop..plan.drop + plan.keep];
	Some(materialize(builder, kept, plan.cap, positive))
}

/// `plan` after `op`, whose input lies in `(lo, hi)` with `lo ≥ 0`.
fn apply(mut plan: Plan, op: &Op, (lo, hi): (i128, i128)) -> Option<Plan> {
	match op {
		Op::Relu => Some(plan),
		Op::DivPow2 { shift } => {
			// ⌊min(v, 2^m − 1) / 2^s⌋ = min(⌊v / 2^s⌋, 2^(m−s) − 1), and 0 when m ≤ s.
			let shift = *shift as usize;
			let dropped = shift.min(plan.keep);
			plan.drop += dropped;
			plan.keep -= dropped;
			if let Some(cap) = plan.cap {
				if cap <= shift {
					plan.keep = 0;
					plan.cap = None;
				} else {
					plan.cap = Some(cap - shift);
				}
			}
			Some(plan)
		},
		Op::Clip { min, max } => {
			if *min as i128 > lo {
				return None;
			}
			if *max as i128 >= hi {
				return Some(plan);
			}
			let bound = u64::try_from(*max).ok()?.checked_add(1)?;
			if !bound.is_power_of_two() {
				return None;
			}
			let cap = bound.trailing_zeros() as usize;
			plan.cap = Some(plan.cap.map_or(cap, |current| current.min(cap)));
			Some(plan)
		},
		Op::MatMul { .. } | Op::Add { .. } => None,
	}
}

fn materialize(
	builder: &mut CircuitBuilder<F, D>,
	bits: &[BoolTarget],
	cap: Option<usize>,
	positive: Option<BoolTarget>,
) -> Target {
	if bits.is_empty() {
		return builder.zero();
	}
	let result = match cap {
		None => builder.le_sum(bits.iter()),
		Some(cap) => {
			let low = builder.le_sum(bits[..cap].iter());
			let over = any(builder, &bits[cap..]);
			// low + over·(2^cap − 1 − low)
			let top = builder.constant(F::from_canonical_u64((1 << cap) - 1));
			let gap = builder.sub(top, low);
			builder.mul_add(over.target, gap, low)
		},
	};
	match positive {
		Some(positive) => builder.mul(positive.target, result),
		None => result,
	}
}

/// 1 if any of `bits` is set: `1 − Π (1 − b)`.
fn any(builder: &mut CircuitBuilder<F, D>, bits: &[BoolTarget]) -> BoolTarget {
	let (first, rest) = bits.split_first().expect("a capped value has bits above its cap");
	let mut none = builder.not(*first);
	for bit in rest {
		// none · (1 − b) = none − none·b
		none = BoolTarget::new_unsafe(builder.arithmetic(
			-F::ONE,
			F::ONE,
			none.target,
			bit.target,
			none.target,
		));
	}
	builder.not(none)
}

/// Bits needed for the non-negative `value`.
fn bit_length(value: i128) -> usize {
	(128 - value.leading_zeros()) as usize
}
