//! The integer program a model compiles to: a chain of exact integer operations on one row
//! of values, the same arithmetic ONNX Runtime performs on an integer-exact graph.
//!
//! Every intermediate value of an honest run lies in the int32 range (ONNX's integer
//! operators here compute in int32 and would wrap otherwise); the compiler proves that
//! bound for every input of the declared input type, and the circuit relies on it.

use alloc::vec::Vec;

/// Smallest value an intermediate may take (int32).
pub const VALUE_MIN: i64 = i32::MIN as i64;
/// Largest value an intermediate may take (int32).
pub const VALUE_MAX: i64 = i32::MAX as i64;

/// One operation on the current row.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Op {
	/// `y[j] = Σ_i x[i] · weights[i · outputs + j]` (MatMulInteger, integer Gemm/MatMul).
	MatMul {
		/// Length of the output row.
		outputs: u32,
		/// Row-major `[inputs, outputs]` weight matrix.
		weights: Vec<i64>,
	},
	/// `y[i] = x[i] + constants[i]` (Add of a constant, Gemm's bias).
	Add {
		/// One constant per element.
		constants: Vec<i64>,
	},
	/// `y = max(x, 0)`.
	Relu,
	/// `y = x / 2^shift`, rounded toward zero like integer division in ONNX Runtime.
	DivPow2 {
		/// The power of two.
		shift: u8,
	},
	/// `y = min(max(x, min), max)`.
	Clip {
		/// Lower bound.
		min: i64,
		/// Upper bound.
		max: i64,
	},
}

/// An integer element type of a model's input or output tensor.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IntegerType {
	/// Signed 8-bit.
	I8,
	/// Unsigned 8-bit.
	U8,
	/// Signed 16-bit.
	I16,
	/// Signed 32-bit.
	I32,
}

impl IntegerType {
	/// Inclusive value range.
	pub fn range(self) -> (i64, i64) {
		match self {
			Self::I8 => (i8::MIN as i64, i8::MAX as i64),
			Self::U8 => (0, u8::MAX as i64),
			Self::I16 => (i16::MIN as i64, i16::MAX as i64),
			Self::I32 => (i32::MIN as i64, i32::MAX as i64),
		}
	}

	/// The type's one-byte tag in a circuit's row shape (see [`crate::RowShape`]).
	pub fn tag(self) -> u8 {
		match self {
			Self::I8 => 0,
			Self::U8 => 1,
			Self::I16 => 2,
			Self::I32 => 3,
		}
	}

	/// The type a tag names, or `None`.
	pub fn from_tag(tag: u8) -> Option<Self> {
		Some(match tag {
			0 => Self::I8,
			1 => Self::U8,
			2 => Self::I16,
			3 => Self::I32,
			_ => return None,
		})
	}

	/// Whether `value` lies in the type's range.
	pub fn contains(self, value: i64) -> bool {
		let (lo, hi) = self.range();
		(lo..=hi).contains(&value)
	}

	/// Bytes per element.
	pub fn size(self) -> usize {
		match self {
			Self::I8 | Self::U8 => 1,
			Self::I16 => 2,
			Self::I32 => 4,
		}
	}

	/// Values of little-endian `bytes`, or `None` if the length is not a whole number of
	/// elements.
	pub fn decode(self, bytes: &[u8]) -> Option<Vec<i64>> {
		if !bytes.len().is_multiple_of(self.size()) {
			return None;
		}
		Some(match self {
			Self::I8 => bytes.iter().map(|b| *b as i8 as i64).collect(),
			Self::U8 => bytes.iter().map(|b| *b as i64).collect(),
			Self::I16 => {
				bytes.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]]) as i64).collect()
			},
			Self::I32 => bytes
				.chunks_exact(4)
				.map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64)
				.collect(),
		})
	}

	/// Little-endian bytes of `values` (each within [`Self::range`]).
	pub fn encode(self, values: &[i64]) -> Vec<u8> {
		match self {
			Self::I8 | Self::U8 => values.iter().map(|v| *v as u8).collect(),
			Self::I16 => values.iter().flat_map(|v| (*v as i16).to_le_bytes()).collect(),
			Self::I32 => values.iter().flat_map(|v| (*v as i32).to_le_bytes()).collect(),
		}
	}
}

/// A compiled model: the operations applied, in order, to one input row.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Program {
	/// Length of the input row.
	pub input_width: u32,
	/// Element type of the input; every input element lies in its range.
	pub input_type: IntegerType,
	/// Element type of the output (what ONNX Runtime returns).
	pub output_type: IntegerType,
	/// The operations.
	pub ops: Vec<Op>,
}

/// Why a row cannot be evaluated.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EvalError {
	/// The row's length differs from the program's input width.
	WrongInputWidth,
	/// An input element lies outside the input type's range.
	InputOutOfRange,
}

impl Program {
	/// Length of the output row.
	pub fn output_width(&self) -> u32 {
		self.ops.iter().fold(self.input_width, |width, op| match op {
			Op::MatMul { outputs, .. } => *outputs,
			_ => width,
		})
	}

	/// Runs the program on one row, exactly.
	pub fn evaluate(&self, input: &[i64]) -> Result<Vec<i64>, EvalError> {
		if input.len() != self.input_width as usize {
			return Err(EvalError::WrongInputWidth);
		}
		let (lo, hi) = self.input_type.range();
		if input.iter().any(|v| *v < lo || *v > hi) {
			return Err(EvalError::InputOutOfRange);
		}
		let mut row = input.to_vec();
		for op in &self.ops {
			row = apply(op, &row);
		}
		Ok(row)
	}

	/// Inclusive bounds of every element after each operation, for inputs in
	/// the input type's range: `bounds()[k]` is the row after op `k - 1` (`[0]` is the input).
	pub fn bounds(&self) -> Vec<Vec<(i128, i128)>> {
		let (lo, hi) = self.input_type.range();
		let (lo, hi) = (lo as i128, hi as i128);
		let mut all = Vec::with_capacity(self.ops.len() + 1);
		let mut row = alloc::vec![(lo, hi); self.input_width as usize];
		all.push(row.clone());
		for op in &self.ops {
			row = bound(op, &row);
			all.push(row.clone());
		}
		all
	}
}

fn apply(op: &Op, row: &[i64]) -> Vec<i64> {
	match op {
		Op::MatMul { outputs, weights } => {
			let outputs = *outputs as usize;
			(0..outputs)
				.map(|j| row.iter().enumerate().map(|(i, x)| x * weights[i * outputs + j]).sum())
				.collect()
		},
		Op::Add { constants } => row.iter().zip(constants).map(|(x, c)| x + c).collect(),
		Op::Relu => row.iter().map(|x| (*x).max(0)).collect(),
		// Rust's `/` on integers rounds toward zero, as C++ does in ONNX Runtime.
		Op::DivPow2 { shift } => row.iter().map(|x| x / (1i64 << shift)).collect(),
		Op::Clip { min, max } => row.iter().map(|x| (*x).clamp(*min, *max)).collect(),
	}
}

pub(crate) fn bound(op: &Op, row: &[(i128, i128)]) -> Vec<(i128, i128)> {
	match op {
		Op::MatMul { outputs, weights } => {
			let outputs = *outputs as usize;
			(0..outputs)
				.map(|j| {
					row.iter().enumerate().fold((0i128, 0i128), |(lo, hi), (i, (xl, xh))| {
						let w = weights[i * outputs + j] as i128;
						let (a, b) = (w * xl, w * xh);
						(lo + a.min(b), hi + a.max(b))
					})
				})
				.collect()
		},
		Op::Add { constants } => row
			.iter()
			.zip(constants)
			.map(|((lo, hi), c)| (lo + *c as i128, hi + *c as i128))
			.collect(),
		Op::Relu => row.iter().map(|(lo, hi)| ((*lo).max(0), (*hi).max(0))).collect(),
		Op::DivPow2 { shift } => {
			let d = 1i128 << shift;
			row.iter().map(|(lo, hi)| (lo / d, hi / d)).collect()
		},
		Op::Clip { min, max } => {
			let (min, max) = (*min as i128, *max as i128);
			row.iter().map(|(lo, hi)| ((*lo).clamp(min, max), (*hi).clamp(min, max))).collect()
		},
	}
}

/// Whether every bound lies in the int32 range the circuit's gadgets assume.
pub fn within_int32(bounds: &[(i128, i128)]) -> bool {
	within(bounds, (VALUE_MIN, VALUE_MAX))
}

/// Whether every bound lies in `(min, max)`.
pub fn within(bounds: &[(i128, i128)], (min, max): (i64, i64)) -> bool {
	bounds.iter().all(|(lo, hi)| *lo >= min as i128 && *hi <= max as i128)
}
