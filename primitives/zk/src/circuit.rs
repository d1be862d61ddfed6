//! [`Program`] → plonky2 circuit, and the prover.
//!
//! The circuit's public inputs are the input row followed by the output row (signed values
//! as field elements, see [`crate::to_field`]); the proof verifies only against this
//! circuit's verifier data, whose digest the registry records. So a proof cannot be
//! replayed for another input, output or model.
//!
//! Weights are circuit constants. A requantization chain (`Relu` → `Div` → `Clip`) costs one
//! bit decomposition per value (the `requantize` module); any other non-linear step costs
//! one each: the sign of a value `x` (known to lie in int32) is bit 31 of `x + 2^31`; `Relu`
//! multiplies by it, `Div` by `2^s` drops the low `s` bits of `|x|`, `Clip` is two `Relu`s.
//! Steps the compile-time bounds make redundant (e.g. `Relu` of a value already
//! non-negative) cost nothing.

use plonky2::{
	field::types::Field,
	gates::noop::NoopGate,
	iop::{
		target::{BoolTarget, Target},
		witness::{PartialWitness, WitnessWrite},
	},
	plonk::{circuit_builder::CircuitBuilder, circuit_data::CircuitData},
};

use crate::{
	from_field,
	program::{EvalError, Op, Program, VALUE_MAX, VALUE_MIN},
	public_inputs, requantize, to_field, Digest, RowShape, VerinGates, C, D, F,
};

/// The prover's row budget. Proving memory grows with rows (each row is extended 64-fold
/// for FRI at 6 rate bits, over ~300 columns of wires, constants and permutation data:
/// about 150 KiB a row), so 2^15 rows is about 5 GiB; a larger circuit would exhaust a
/// worker before its digest could even be compared with the registered one.
pub const MAX_ROWS: u64 = 1 << 15;

/// Operations one arithmetic row holds (plonky2's `ArithmeticGate` on 80 routed wires).
const OPS_PER_ROW: u64 = 20;

/// An upper estimate of the rows [`Circuit::build`] makes for `program`, computed without
/// building it: one arithmetic operation per non-zero weight or constant, one decomposition
/// row and a few operations per elementwise step, a row per distinct weight (operations
/// share a row only when they share constants), and the public inputs' hashing.
pub fn estimated_rows(program: &Program) -> u64 {
	let mut operations = 0u64;
	let mut decompositions = 0u64;
	let mut distinct = std::collections::BTreeSet::new();
	let mut width = program.input_width as u64;
	for op in &program.ops {
		match op {
			Op::MatMul { outputs, weights } => {
				operations += weights.iter().filter(|w| **w != 0).count() as u64;
				distinct.extend(weights.iter().copied());
				width = *outputs as u64;
			},
			Op::Add { constants } => {
				operations += constants.iter().filter(|c| **c != 0).count() as u64;
				distinct.extend(constants.iter().copied());
			},
			Op::Relu | Op::DivPow2 { .. } | Op::Clip { .. } => {
				decompositions += width * 2;
				operations += width * 6;
			},
		}
	}
	let public = program.input_width as u64 + program.output_width() as u64;
	operations.div_ceil(OPS_PER_ROW) + decompositions + distinct.len() as u64 + public / 4 + 64
}

/// Why a circuit is not built.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum BuildError {
	/// The circuit would have about `rows` rows, above [`MAX_ROWS`].
	TooLarge {
		/// Estimated rows ([`estimated_rows`]).
		rows: u64,
	},
}

impl core::fmt::Display for BuildError {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		match self {
			Self::TooLarge { rows } => {
				write!(f, "the circuit would have about {rows} rows, more than {MAX_ROWS}")
			},
		}
	}
}

impl std::error::Error for BuildError {}

/// Why a row cannot be proven.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ProveError {
	/// The row does not fit the program (width or element range).
	Input(EvalError),
	/// plonky2 failed to produce a proof (a witness that violates a constraint).
	Prover(String),
}

impl core::fmt::Display for ProveError {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		match self {
			Self::Input(e) => write!(f, "the input does not fit the model: {e:?}"),
			Self::Prover(e) => write!(f, "the prover failed: {e}"),
		}
	}
}

impl std::error::Error for ProveError {}

/// A proven inference: the output row and the proof's bytes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Proven {
	/// The output row, as the circuit computed it.
	pub output: Vec<i64>,
	/// The serialized plonky2 proof with its public inputs.
	pub proof: Vec<u8>,
}

/// A model's circuit, ready to prove.
pub struct Circuit {
	data: CircuitData<F, C, D>,
	inputs: Vec<Target>,
	input_width: usize,
	program: Program,
	/// Serialized once: the worker compares the digest on every ZK job.
	verifier_data: Vec<u8>,
	digest: Digest,
}

impl Circuit {
	/// Builds the circuit of `program`, once its [`estimated_rows`] fit [`MAX_ROWS`].
	/// Deterministic: the same program gives the same verifier data and digest.
	pub fn build(program: &Program) -> Result<Self, BuildError> {
		let rows = estimated_rows(program);
		if rows > MAX_ROWS {
			return Err(BuildError::TooLarge { rows });
		}
		let mut builder = CircuitBuilder::<F, D>::new(crate::circuit_config());
		let inputs: Vec<Target> =
			(0..program.input_width).map(|_| builder.add_virtual_public_input()).collect();
		let bounds = program.bounds();
		let mut row = inputs.clone();
		let mut index = 0;
		while index < program.ops.len() {
			let ops = &program.ops[index..];
			let chain = ops.iter().take_while(|op| is_elementwise(op)).count();
			if chain >= 2 {
				row = lower_chain(&mut builder, &ops[..chain], &row, &bounds[index..index + chain]);
				index += chain;
			} else {
				row = lower(&mut builder, &ops[0], &row, &bounds[index]);
				index += 1;
			}
		}
		for target in &row {
			builder.register_public_input(*target);
		}
		use_every_gate(&mut builder);
		let data = builder.build::<C>();
		let shape = RowShape {
			input_type: program.input_type,
			input_width: program.input_width,
			output_type: program.output_type,
			output_width: program.output_width(),
		};
		let mut verifier_data = shape.encode().to_vec();
		verifier_data.extend(
			data.verifier_data()
				.to_bytes(&VerinGates)
				.expect("Verin's gate serializer covers every gate the compiler uses"),
		);
		let digest = crate::digest_of(&verifier_data);
		Ok(Circuit {
			data,
			inputs,
			input_width: program.input_width as usize,
			program: program.clone(),
			verifier_data,
			digest,
		})
	}

	/// The circuit's digest: what the registry records, the hash of [`Self::verifier_data`].
	pub fn digest(&self) -> Digest {
		self.digest
	}

	/// The verifier data the runtime needs, serialized: the [`RowShape`] then plonky2's
	/// verifier data.
	pub fn verifier_data(&self) -> Vec<u8> {
		self.verifier_data.clone()
	}

	/// The circuit's common data, serialized (what [`crate::decode`] compares against).
	pub fn common_data(&self) -> Vec<u8> {
		self.data.common.to_bytes(&VerinGates).expect("Verin's gate serializer covers every gate")
	}

	/// The program the circuit computes.
	pub fn program(&self) -> &Program {
		&self.program
	}

	/// Rows of the circuit (its degree).
	pub fn degree(&self) -> usize {
		self.data.common.degree()
	}

	/// Proves the program's output on `input`.
	pub fn prove(&self, input: &[i64]) -> Result<Proven, ProveError> {
		let expected = self.program.evaluate(input).map_err(ProveError::Input)?;
		let mut witness = PartialWitness::new();
		for (target, value) in self.inputs.iter().zip(input) {
			witness
				.set_target(*target, to_field(*value))
				.map_err(|e| ProveError::Prover(e.to_string()))?;
		}
		let proof = self.data.prove(witness).map_err(|e| ProveError::Prover(e.to_string()))?;
		let output: Vec<i64> =
			proof.public_inputs[self.input_width..].iter().map(|v| from_field(*v)).collect();
		debug_assert_eq!(output, expected, "the circuit computes the program");
		debug_assert_eq!(proof.public_inputs, public_inputs(input, &output));
		Ok(Proven { output, proof: proof.to_bytes() })
	}
}

/// Lowers one operation; `bounds` are the row's value bounds before it.
fn lower(
	builder: &mut CircuitBuilder<F, D>,
	op: &Op,
	row: &[Target],
	bounds: &[(i128, i128)],
) -> Vec<Target> {
	match op {
		Op::MatMul { outputs, weights } => {
			let outputs = *outputs as usize;
			(0..outputs)
				.map(|j| {
					let mut sum: Option<Target> = None;
					for (i, x) in row.iter().enumerate() {
						let w = weights[i * outputs + j];
						if w == 0 {
							continue;
						}
						let w = to_field(w);
						sum = Some(match sum {
							None => builder.mul_const(w, *x),
							Some(sum) => builder.mul_const_add(w, *x, sum),
						});
					}
					sum.unwrap_or_else(|| builder.zero())
				})
				.collect()
		},
		Op::Add { constants } => row
			.iter()
			.zip(constants)
			.map(|(x, c)| if *c == 0 { *x } else { builder.add_const(*x, to_field(*c)) })
			.collect(),
		Op::Relu | Op::DivPow2 { .. } | Op::Clip { .. } => row
			.iter()
			.zip(bounds)
			.map(|(x, bound)| lower_elementwise(builder, op, *x, *bound))
			.collect(),
	}
}

fn is_elementwise(op: &Op) -> bool {
	matches!(op, Op::Relu | Op::DivPow2 { .. } | Op::Clip { .. })
}

/// Lowers a run of elementwise operations, each value on its own: as one requantization
/// when it has that shape, else one operation at a time. `bounds[k]` is the row's range
/// before `chain[k]`.
fn lower_chain(
	builder: &mut CircuitBuilder<F, D>,
	chain: &[Op],
	row: &[Target],
	bounds: &[Vec<(i128, i128)>],
) -> Vec<Target> {
	row.iter()
		.enumerate()
		.map(|(element, x)| {
			let element_bounds: Vec<(i128, i128)> = bounds.iter().map(|row| row[element]).collect();
			requantize::lower_chain(builder, *x, chain, &element_bounds).unwrap_or_else(|| {
				chain
					.iter()
					.zip(&element_bounds)
					.fold(*x, |x, (op, bound)| lower_elementwise(builder, op, x, *bound))
			})
		})
		.collect()
}

/// Lowers `Relu`, `DivPow2` or `Clip` of one value whose range is `(lo, hi)`.
fn lower_elementwise(
	builder: &mut CircuitBuilder<F, D>,
	op: &Op,
	x: Target,
	(lo, hi): (i128, i128),
) -> Target {
	match op {
		Op::Relu => relu(builder, x, lo, hi),
		Op::DivPow2 { shift } => div_pow2(builder, x, lo, *shift as usize),
		Op::Clip { min, max } => {
			let (min, max) = (*min as i128, *max as i128);
			let mut y = x;
			let (mut lo, mut hi) = (lo, hi);
			if lo < min {
				// max(y, min) = relu(y - min) + min
				let shifted = builder.add_const(y, to_field(-(min as i64)));
				let r = relu(builder, shifted, lo - min, hi - min);
				y = builder.add_const(r, to_field(min as i64));
				(lo, hi) = (lo.max(min), hi.max(min));
			}
			if hi > max {
				// min(y, max) = max - relu(max - y)
				let top = builder.constant(to_field(max as i64));
				let gap = builder.sub(top, y);
				let r = relu(builder, gap, max - hi, max - lo);
				y = builder.sub(top, r);
			}
			y
		},
		Op::MatMul { .. } | Op::Add { .. } => {
			unreachable!("only elementwise operations are lowered here")
		},
	}
}

/// Places one instance of each gate type the compiler can emit, so every circuit has the
/// same gate set and therefore the same common data up to its size and public-input count:
/// the verifier then accepts exactly that shape (see `decode`). Costs a handful of rows.
/// The padding gate is among them: a circuit whose rows are a power of two has none.
fn use_every_gate(builder: &mut CircuitBuilder<F, D>) {
	builder.add_gate(NoopGate, vec![]);
	let zero = builder.zero();
	let bits = builder.split_le(zero, 32);
	let sum = builder.le_sum(bits.iter());
	let one = builder.one();
	let product = builder.mul_const_add(F::TWO, sum, one);
	builder.connect(product, one);
}

/// 1 if `x ≥ 0`, for `x` in int32: bit 31 of `x + 2^31`.
fn is_nonnegative(builder: &mut CircuitBuilder<F, D>, x: Target) -> BoolTarget {
	let shifted = builder.add_const(x, F::from_canonical_u64(1 << 31));
	builder.split_le(shifted, 32)[31]
}

fn relu(builder: &mut CircuitBuilder<F, D>, x: Target, lo: i128, hi: i128) -> Target {
	debug_assert!(
		lo >= VALUE_MIN as i128 && hi <= VALUE_MAX as i128,
		"the compiler bounds every value"
	);
	if lo >= 0 {
		return x;
	}
	if hi <= 0 {
		return builder.zero();
	}
	let positive = is_nonnegative(builder, x);
	builder.mul(positive.target, x)
}

/// `x / 2^shift` rounded toward zero.
fn div_pow2(builder: &mut CircuitBuilder<F, D>, x: Target, lo: i128, shift: usize) -> Target {
	if lo >= 0 {
		let bits = builder.split_le(x, 32);
		return builder.le_sum(bits[shift..].iter());
	}
	// sign = ±1; |x| = sign·x; result = sign·(|x| >> shift).
	let positive = is_nonnegative(builder, x);
	let minus_one = builder.neg_one();
	let sign = builder.mul_const_add(F::TWO, positive.target, minus_one);
	let magnitude = builder.mul(sign, x);
	let bits = builder.split_le(magnitude, 32);
	let quotient = builder.le_sum(bits[shift..].iter());
	builder.mul(sign, quotient)
}
