//! ONNX → [`Program`]: reads an integer-exact model and lowers it to exact integer
//! operations, or names what it cannot lower.
//!
//! Supported: a chain of operators from one integer input to one output, each consuming
//! the previous one's result plus constants (initializers or `Constant` nodes):
//! `MatMulInteger` (zero points absent or zero), integer `MatMul` / `Gemm` (alpha = beta =
//! 1, no transposed input), 2-D `ConvInteger` (one group, zero points absent or zero, no
//! auto padding), `Add` of a constant (broadcast), `Relu`, `Max` with 0, `Div` by a constant
//! power of two, `Clip` with constant bounds, `Cast` to an integer type the values provably
//! fit, and shape-only `Reshape` / `Flatten` / `Identity`. The compiler bounds every
//! intermediate value over all inputs of the input's element type and refuses a model
//! whose values could leave int32 (ONNX Runtime would wrap them; the circuit would not).

use std::collections::BTreeMap;

use crate::{
	onnx::{self, data_type, GraphProto, NodeProto, TensorProto},
	program::{self, Op, Program},
};

/// A constant operand: its integer values and its dims.
type Constant = (Vec<i64>, Vec<i64>);

/// Why a model cannot be compiled; every variant names the node or operator at fault.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum CompileError {
	/// The bytes are not an ONNX model.
	NotOnnx(String),
	/// The model has no graph.
	NoGraph,
	/// The graph needs exactly one non-constant input; it has this many.
	InputCount(usize),
	/// The graph needs exactly one output; it has this many.
	OutputCount(usize),
	/// The graph input is not an integer tensor of shape `[batch, d1, …]` (fixed `d`s) or
	/// `[width]`.
	UnsupportedInput(String),
	/// An operator outside the integer-exact subset.
	UnsupportedOperator {
		/// The operator, e.g. `Conv`.
		op: String,
		/// The node's name (or its first output's).
		node: String,
	},
	/// A supported operator used in a way the compiler does not lower.
	UnsupportedUse {
		/// The node.
		node: String,
		/// What is not supported.
		reason: String,
	},
	/// A node consumes a non-constant tensor other than the previous node's result.
	NotAChain(String),
	/// A value of this node could leave the range of its element type (or int32, which the
	/// circuit's gadgets assume): ONNX Runtime would wrap it, the circuit would not.
	MayOverflow(String),
	/// A constant tensor cannot be read as ONNX Runtime reads it.
	UnreadableTensor {
		/// The tensor's name.
		tensor: String,
		/// Why.
		error: onnx::TensorError,
	},
	/// The circuit would have about `rows` rows, above the prover's budget of `limit`.
	TooLarge {
		/// Estimated rows.
		rows: u64,
		/// The budget ([`crate::circuit::MAX_ROWS`]).
		limit: u64,
	},
	/// Unsigned 8-bit inputs times signed 8-bit weights above 64 in magnitude: ONNX
	/// Runtime's x86 kernels without VNNI (AVX2 `pmaddubsw`) add pairs of such products in
	/// int16 and saturate, so its output would depend on the worker's CPU.
	MaySaturate(String),
	/// A `Cast` whose values may not fit the target type.
	LossyCast(String),
	/// The graph's output is not the end of the chain.
	OutputNotReached(String),
	/// The graph's output is not an 8-to-32-bit integer tensor.
	UnsupportedOutput(String),
}

impl core::fmt::Display for CompileError {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		match self {
			Self::NotOnnx(e) => write!(f, "not an ONNX model: {e}"),
			Self::NoGraph => write!(f, "the model has no graph"),
			Self::InputCount(n) => {
				write!(f, "the graph must have exactly one non-constant input, it has {n}")
			},
			Self::OutputCount(n) => write!(f, "the graph must have exactly one output, it has {n}"),
			Self::UnsupportedInput(e) => write!(f, "unsupported graph input: {e}"),
			Self::UnsupportedOperator { op, node } => write!(
				f,
				"unsupported operator {op} (node {node}): outside the integer-exact subset"
			),
			Self::UnsupportedUse { node, reason } => write!(f, "node {node}: {reason}"),
			Self::NotAChain(node) => {
				write!(f, "node {node} does not continue the chain from the input")
			},
			Self::MayOverflow(node) => {
				write!(f, "node {node}: values may leave the range of their element type")
			},
			Self::UnreadableTensor { tensor, error } => write!(f, "tensor {tensor}: {error}"),
			Self::TooLarge { rows, limit } => write!(
				f,
				"the circuit would have about {rows} rows, more than the prover's {limit}"
			),
			Self::LossyCast(node) => write!(f, "node {node}: Cast may not preserve every value"),
			Self::MaySaturate(node) => write!(
				f,
				"node {node}: uint8 inputs times int8 weights above 64 in magnitude saturate in \
				 ONNX Runtime on CPUs without VNNI"
			),
			Self::OutputNotReached(name) => {
				write!(f, "graph output {name} is not the end of the operator chain")
			},
			Self::UnsupportedOutput(e) => write!(f, "unsupported graph output: {e}"),
		}
	}
}

impl std::error::Error for CompileError {}

/// Compiles an ONNX model file.
pub fn compile_onnx(bytes: &[u8]) -> Result<Program, CompileError> {
	let model = onnx::decode(bytes).map_err(|e| CompileError::NotOnnx(e.to_string()))?;
	let graph = model.graph.ok_or(CompileError::NoGraph)?;
	let program = Compiler::new(&graph)?.run(&graph)?;
	let rows = crate::circuit::estimated_rows(&program);
	if rows > crate::circuit::MAX_ROWS {
		return Err(CompileError::TooLarge { rows, limit: crate::circuit::MAX_ROWS });
	}
	Ok(program)
}

struct Compiler {
	constants: BTreeMap<String, TensorProto>,
	current: String,
	element: i32,
	/// Elements per row: the product of `shape`.
	width: usize,
	/// The current tensor's dimensions after the batch (`[C, H, W]` before a convolution).
	shape: Vec<usize>,
	program: Program,
	bounds: Vec<(i128, i128)>,
}

fn node_name(node: &NodeProto) -> String {
	if !node.name.is_empty() {
		node.name.clone()
	} else {
		node.output.first().cloned().unwrap_or_default()
	}
}

fn unsupported_use(node: &NodeProto, reason: impl Into<String>) -> CompileError {
	CompileError::UnsupportedUse { node: node_name(node), reason: reason.into() }
}

fn is_integer(element: i32) -> bool {
	onnx::type_range(element).is_some()
}

impl Compiler {
	fn new(graph: &GraphProto) -> Result<Self, CompileError> {
		let constants: BTreeMap<_, _> =
			graph.initializer.iter().map(|t| (t.name.clone(), t.clone())).collect();
		let inputs: Vec<_> =
			graph.input.iter().filter(|i| !constants.contains_key(&i.name)).collect();
		let [input] = inputs.as_slice() else { return Err(CompileError::InputCount(inputs.len())) };
		if graph.output.len() != 1 {
			return Err(CompileError::OutputCount(graph.output.len()));
		}
		let tensor =
			input.r#type.as_ref().and_then(|t| t.tensor_type.as_ref()).ok_or_else(|| {
				CompileError::UnsupportedInput(format!("{} is not a tensor", input.name))
			})?;
		let input_type = onnx::integer_type(tensor.elem_type).ok_or_else(|| {
			CompileError::UnsupportedInput(format!(
				"{} is not an 8-to-32-bit integer tensor",
				input.name
			))
		})?;
		let range = input_type.range();
		let dims: Vec<_> = tensor
			.shape
			.as_ref()
			.map(|s| s.dim.iter().map(|d| d.dim_value).collect())
			.unwrap_or_default();
		let shape: Vec<usize> = match dims.as_slice() {
			[Some(width)] if *width > 0 => vec![*width as usize],
			[_, rest @ ..] if !rest.is_empty() && rest.iter().all(|d| d.is_some_and(|d| d > 0)) => {
				rest.iter().map(|d| d.unwrap_or_default() as usize).collect()
			},
			_ => {
				return Err(CompileError::UnsupportedInput(format!(
					"{} must have shape [batch, width] or [batch, C, H, W] with fixed sizes",
					input.name
				)))
			},
		};
		let width: usize = shape.iter().product();
		let program = Program {
			input_width: width as u32,
			input_type,
			output_type: input_type,
			ops: Vec::new(),
		};
		Ok(Compiler {
			constants,
			current: input.name.clone(),
			element: tensor.elem_type,
			width,
			shape,
			bounds: vec![(range.0 as i128, range.1 as i128); width],
			program,
		})
	}

	fn run(mut self, graph: &GraphProto) -> Result<Program, CompileError> {
		for node in &graph.node {
			if !node.domain.is_empty() && node.domain != "ai.onnx" {
				return Err(CompileError::UnsupportedOperator {
					op: format!("{}::{}", node.domain, node.op_type),
					node: node_name(node),
				});
			}
			if node.op_type == "Constant" {
				self.constant_node(node)?;
				continue;
			}
			if node.input.first() != Some(&self.current) && !self.takes_current_second(node) {
				return Err(CompileError::NotAChain(node_name(node)));
			}
			self.lower(node)?;
			self.current =
				node.output.first().cloned().ok_or_else(|| unsupported_use(node, "no output"))?;
		}
		let output = &graph.output[0].name;
		if *output != self.current {
			return Err(CompileError::OutputNotReached(output.clone()));
		}
		self.program.output_type = onnx::integer_type(self.element).ok_or_else(|| {
			CompileError::UnsupportedOutput(format!(
				"{output} is not an 8-to-32-bit integer tensor"
			))
		})?;
		Ok(self.program)
	}

	/// `Add(constant, x)` has the chain's tensor second.
	fn takes_current_second(&self, node: &NodeProto) -> bool {
		node.op_type == "Add" && node.input.get(1) == Some(&self.current)
	}

	fn constant_node(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		let value = node
			.attribute
			.iter()
			.find(|a| a.name == "value")
			.and_then(|a| a.t.clone())
			.ok_or_else(|| unsupported_use(node, "Constant without a tensor `value`"))?;
		let name =
			node.output.first().cloned().ok_or_else(|| unsupported_use(node, "no output"))?;
		self.constants.insert(name, value);
		Ok(())
	}

	/// The integer values and dims of constant operand `index` of `node`.
	fn operand(&self, node: &NodeProto, index: usize) -> Result<Option<Constant>, CompileError> {
		let Some(name) = node.input.get(index).filter(|n| !n.is_empty()) else { return Ok(None) };
		let tensor =
			self.constants.get(name).ok_or_else(|| CompileError::NotAChain(node_name(node)))?;
		let values = onnx::integer_values(tensor)
			.map_err(|error| CompileError::UnreadableTensor { tensor: name.clone(), error })?;
		Ok(Some((values, tensor.dims.clone())))
	}

	fn required_operand(
		&self,
		node: &NodeProto,
		index: usize,
	) -> Result<(Vec<i64>, Vec<i64>), CompileError> {
		self.operand(node, index)?
			.ok_or_else(|| unsupported_use(node, format!("operand {index} is missing")))
	}

	fn attribute_int(node: &NodeProto, name: &str, default: i64) -> i64 {
		node.attribute.iter().find(|a| a.name == name).map_or(default, |a| a.i)
	}

	/// Appends `op`, whose result has the element type `self.element`.
	fn push(&mut self, node: &NodeProto, op: Op) -> Result<(), CompileError> {
		self.bounds = program::bound(&op, &self.bounds);
		// ONNX Runtime computes in the tensor's own type: an int8 `Add` wraps at 127.
		let (lo, hi) = onnx::type_range(self.element).unwrap_or((0, -1));
		let range = (lo.max(program::VALUE_MIN), hi.min(program::VALUE_MAX));
		if !program::within(&self.bounds, range) {
			return Err(CompileError::MayOverflow(node_name(node)));
		}
		if let Op::MatMul { outputs, .. } = &op {
			self.width = *outputs as usize;
			self.shape = vec![self.width];
		}
		self.program.ops.push(op);
		Ok(())
	}

	fn require_integer(&self, node: &NodeProto) -> Result<(), CompileError> {
		if is_integer(self.element) {
			Ok(())
		} else {
			Err(unsupported_use(node, "the input of this node is not an integer tensor"))
		}
	}

	/// A `[width, outputs]` weight matrix, or `[outputs, width]` when `transposed`.
	fn matmul(
		&mut self,
		node: &NodeProto,
		weights: (Vec<i64>, Vec<i64>),
		transposed: bool,
	) -> Result<(), CompileError> {
		let (values, dims) = weights;
		if self.shape.len() != 1 {
			return Err(unsupported_use(
				node,
				format!("the input has shape {:?}: Flatten it first", self.shape),
			));
		}
		let [rows, columns] = dims.as_slice() else {
			return Err(unsupported_use(node, "the weight matrix must have rank 2"));
		};
		let (inputs, outputs) = if transposed { (*columns, *rows) } else { (*rows, *columns) };
		if inputs as usize != self.width || outputs <= 0 {
			return Err(unsupported_use(
				node,
				format!("weights {dims:?} do not fit a row of width {}", self.width),
			));
		}
		let (inputs, outputs) = (inputs as usize, outputs as usize);
		let weights = if transposed {
			(0..inputs * outputs).map(|k| values[(k % outputs) * inputs + k / outputs]).collect()
		} else {
			values
		};
		self.push(node, Op::MatMul { outputs: outputs as u32, weights })
	}

	/// A constant of `dims` broadcast over the row, as NumPy broadcasts it against
	/// `[batch, shape…]` (e.g. a per-channel bias `[M, 1, 1]` over `[M, OH, OW]`).
	fn row_constant(
		&self,
		node: &NodeProto,
		values: Vec<i64>,
		dims: &[i64],
	) -> Result<Vec<i64>, CompileError> {
		if values.len() == 1 {
			return Ok(vec![values[0]; self.width]);
		}
		let refuse = || {
			unsupported_use(
				node,
				format!(
					"a constant of shape {dims:?} does not broadcast over [batch, {:?}]",
					self.shape
				),
			)
		};
		if dims.iter().any(|d| *d < 1 || *d > self.width as i64) {
			return Err(refuse());
		}
		// Align right; dimensions beyond the row's (the batch and before) must be 1.
		let rank = self.shape.len();
		let (outer, inner) = dims.split_at(dims.len().saturating_sub(rank));
		if outer.iter().any(|d| *d != 1) {
			return Err(refuse());
		}
		let mut constant_dims = vec![1usize; rank - inner.len()];
		constant_dims.extend(inner.iter().map(|d| *d as usize));
		if constant_dims.iter().zip(&self.shape).any(|(c, s)| *c != 1 && c != s) {
			return Err(refuse());
		}
		if constant_dims.iter().product::<usize>() != values.len() {
			return Err(refuse());
		}
		// Row-major strides of the constant, 0 along broadcast dimensions.
		let mut strides = vec![0usize; rank];
		let mut stride = 1;
		for axis in (0..rank).rev() {
			strides[axis] = if constant_dims[axis] == 1 { 0 } else { stride };
			stride *= constant_dims[axis];
		}
		Ok((0..self.width)
			.map(|flat| {
				let (mut rest, mut at) = (flat, 0);
				for axis in (0..rank).rev() {
					at += (rest % self.shape[axis]) * strides[axis];
					rest /= self.shape[axis];
				}
				values[at]
			})
			.collect())
	}

	/// Refuses uint8 × int8 products that ONNX Runtime may saturate: its AVX2 kernel adds two
	/// adjacent products in int16, exact only while `255·(|w₁| + |w₂|) ≤ 32767`; which
	/// weights it pairs depends on its packing, so every weight must be at most 64.
	fn require_unsaturated(&self, node: &NodeProto, weights: &[i64]) -> Result<(), CompileError> {
		let weight_type = node
			.input
			.get(1)
			.and_then(|name| self.constants.get(name))
			.map(|tensor| tensor.data_type);
		if self.element == data_type::UINT8
			&& weight_type == Some(data_type::INT8)
			&& weights.iter().any(|w| w.abs() > 64)
		{
			return Err(CompileError::MaySaturate(node_name(node)));
		}
		Ok(())
	}

	/// `MatMulInteger` and `ConvInteger` take zero points as inputs 2 and 3: absent or 0.
	fn require_zero_points(&self, node: &NodeProto) -> Result<(), CompileError> {
		for zero_point in [2, 3] {
			if let Some((values, _)) = self.operand(node, zero_point)? {
				if values.iter().any(|v| *v != 0) {
					return Err(unsupported_use(node, "non-zero zero points"));
				}
			}
		}
		Ok(())
	}

	fn attribute_ints(node: &NodeProto, name: &str, default: &[i64]) -> Vec<i64> {
		node.attribute
			.iter()
			.find(|a| a.name == name)
			.map_or_else(|| default.to_vec(), |a| a.ints.clone())
	}

	/// `ConvInteger` on a `[C, H, W]` row, as the `MatMul` it is (see [`crate::conv`]).
	fn conv_integer(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		if !matches!(self.element, data_type::INT8 | data_type::UINT8) {
			return Err(unsupported_use(node, "ConvInteger needs an int8 or uint8 input"));
		}
		self.require_zero_points(node)?;
		let &[channels, height, width] = self.shape.as_slice() else {
			return Err(unsupported_use(
				node,
				format!(
					"ConvInteger needs a [batch, C, H, W] input, not [batch, {:?}]",
					self.shape
				),
			));
		};
		let (kernels, dims) = self.required_operand(node, 1)?;
		self.require_unsaturated(node, &kernels)?;
		let &[filters, kernel_channels, kh, kw] = dims.as_slice() else {
			return Err(unsupported_use(node, "the kernels must have shape [M, C, kh, kw]"));
		};
		if Self::attribute_int(node, "group", 1) != 1 {
			return Err(unsupported_use(node, "grouped convolutions are not supported"));
		}
		let auto_pad = node.attribute.iter().find(|a| a.name == "auto_pad").map(|a| a.s.as_slice());
		if !matches!(auto_pad, None | Some(b"NOTSET") | Some(b"")) {
			return Err(unsupported_use(node, "auto_pad is not supported: give explicit pads"));
		}
		let positive =
			|values: &[i64], count: usize, what: &str| -> Result<Vec<usize>, CompileError> {
				if values.len() != count || values.iter().any(|v| *v < 0 || *v > 1 << 16) {
					return Err(unsupported_use(
						node,
						format!("{what} {values:?} is not {count} sizes"),
					));
				}
				Ok(values.iter().map(|v| *v as usize).collect())
			};
		let kernel =
			positive(&Self::attribute_ints(node, "kernel_shape", &[kh, kw]), 2, "kernel_shape")?;
		let strides = positive(&Self::attribute_ints(node, "strides", &[1, 1]), 2, "strides")?;
		let dilations =
			positive(&Self::attribute_ints(node, "dilations", &[1, 1]), 2, "dilations")?;
		let pads = positive(&Self::attribute_ints(node, "pads", &[0, 0, 0, 0]), 4, "pads")?;
		if kernel_channels as usize != channels
			|| kernel != [kh as usize, kw as usize]
			|| kh <= 0
			|| kw <= 0
			|| !(1..=1 << 16).contains(&filters)
		{
			return Err(unsupported_use(
				node,
				format!("kernels {dims:?} do not fit an input of {channels} channels"),
			));
		}
		if strides.contains(&0) || dilations.contains(&0) {
			return Err(unsupported_use(node, "strides and dilations must be positive"));
		}
		let geometry = crate::conv::Geometry {
			channels,
			height,
			width,
			filters: filters as usize,
			kernel: [kh as usize, kw as usize],
			strides: [strides[0], strides[1]],
			dilations: [dilations[0], dilations[1]],
			pads: [pads[0], pads[1], pads[2], pads[3]],
		};
		let output_shape = geometry
			.output_shape()
			.ok_or_else(|| unsupported_use(node, "the kernel does not fit the padded input"))?;
		let entries = self.width as u64 * output_shape.iter().product::<usize>() as u64;
		if entries > MAX_CONV_MATRIX {
			return Err(unsupported_use(
				node,
				format!("the convolution is a {entries}-entry matrix; at most {MAX_CONV_MATRIX}"),
			));
		}
		let weights = geometry
			.matrix(&kernels)
			.ok_or_else(|| unsupported_use(node, "the kernels do not match their shape"))?;
		let outputs = output_shape.iter().product::<usize>() as u32;
		// ConvInteger accumulates and returns int32.
		self.element = data_type::INT32;
		self.push(node, Op::MatMul { outputs, weights })?;
		self.shape = output_shape.to_vec();
		Ok(())
	}

	fn scalar(&self, node: &NodeProto, index: usize) -> Result<Option<i64>, CompileError> {
		match self.operand(node, index)? {
			None => Ok(None),
			Some((values, _)) if values.len() == 1 => Ok(Some(values[0])),
			Some(_) => Err(unsupported_use(node, format!("operand {index} must be a scalar"))),
		}
	}

	fn lower(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		match node.op_type.as_str() {
			"MatMulInteger" => {
				if !matches!(self.element, data_type::INT8 | data_type::UINT8) {
					return Err(unsupported_use(
						node,
						"MatMulInteger needs an int8 or uint8 input",
					));
				}
				self.require_zero_points(node)?;
				let weights = self.required_operand(node, 1)?;
				self.require_unsaturated(node, &weights.0)?;
				// MatMulInteger accumulates and returns int32.
				self.element = data_type::INT32;
				self.matmul(node, weights, false)?;
			},
			"MatMul" => {
				self.require_integer(node)?;
				let weights = self.required_operand(node, 1)?;
				self.matmul(node, weights, false)?;
			},
			"Gemm" => {
				self.require_integer(node)?;
				let alpha = node.attribute.iter().find(|a| a.name == "alpha").map_or(1.0, |a| a.f);
				let beta = node.attribute.iter().find(|a| a.name == "beta").map_or(1.0, |a| a.f);
				if alpha != 1.0 || beta != 1.0 || Self::attribute_int(node, "transA", 0) != 0 {
					return Err(unsupported_use(
						node,
						"Gemm needs alpha = beta = 1 and transA = 0",
					));
				}
				let weights = self.required_operand(node, 1)?;
				self.matmul(node, weights, Self::attribute_int(node, "transB", 0) != 0)?;
				if let Some((bias, dims)) = self.operand(node, 2)? {
					let constants = self.row_constant(node, bias, &dims)?;
					self.push(node, Op::Add { constants })?;
				}
			},
			"Add" => {
				self.require_integer(node)?;
				let other = if node.input.first() == Some(&self.current) { 1 } else { 0 };
				let (values, dims) = self.required_operand(node, other)?;
				let constants = self.row_constant(node, values, &dims)?;
				self.push(node, Op::Add { constants })?;
			},
			"Relu" => {
				self.require_integer(node)?;
				self.push(node, Op::Relu)?;
			},
			"Max" => {
				self.require_integer(node)?;
				if node.input.len() != 2 || self.scalar(node, 1)? != Some(0) {
					return Err(unsupported_use(node, "only Max(x, 0) is supported"));
				}
				self.push(node, Op::Relu)?;
			},
			"Div" => {
				self.require_integer(node)?;
				let divisor = self
					.scalar(node, 1)?
					.ok_or_else(|| unsupported_use(node, "missing divisor"))?;
				if divisor <= 0 || (divisor as u64).count_ones() != 1 || divisor > 1 << 30 {
					return Err(unsupported_use(
						node,
						format!("divisor {divisor} is not a power of two"),
					));
				}
				self.push(node, Op::DivPow2 { shift: divisor.trailing_zeros() as u8 })?;
			},
			"Clip" => {
				self.require_integer(node)?;
				let (type_min, type_max) = onnx::type_range(self.element).expect("an integer type");
				let min = self.scalar(node, 1)?.unwrap_or(type_min);
				let max = self.scalar(node, 2)?.unwrap_or(type_max);
				if min > max {
					return Err(unsupported_use(node, "Clip's min exceeds its max"));
				}
				self.push(node, Op::Clip { min, max })?;
			},
			"Cast" => {
				self.require_integer(node)?;
				let to = Self::attribute_int(node, "to", 0) as i32;
				let (lo, hi) = onnx::type_range(to)
					.ok_or_else(|| unsupported_use(node, "Cast to a non-integer type"))?;
				if self.bounds.iter().any(|(l, h)| *l < lo as i128 || *h > hi as i128) {
					return Err(CompileError::LossyCast(node_name(node)));
				}
				self.element = to;
			},
			"Identity" => {},
			"Flatten" => {
				if Self::attribute_int(node, "axis", 1) != 1 {
					return Err(unsupported_use(
						node,
						"only Flatten with axis 1 (a row stays a row)",
					));
				}
				self.shape = vec![self.width];
			},
			"Reshape" => {
				let (target, _) = self.required_operand(node, 1)?;
				self.shape = self.reshaped(&target).ok_or_else(|| {
					unsupported_use(
						node,
						format!("Reshape to {target:?} changes the row of {} elements", self.width),
					)
				})?;
			},
			"ConvInteger" => self.conv_integer(node)?,
			op => {
				return Err(CompileError::UnsupportedOperator {
					op: op.to_string(),
					node: node_name(node),
				})
			},
		}
		Ok(())
	}

	/// The row's dimensions after a `Reshape` to `target` that keeps each row a row: a
	/// batch dimension (`-1`, `0` or `1`) then sizes (one may be `-1`) whose product is the
	/// row's width, or the width alone.
	fn reshaped(&self, target: &[i64]) -> Option<Vec<usize>> {
		let dims = match target {
			[width] => return (*width as usize == self.width).then(|| vec![self.width]),
			[-1..=1, rest @ ..] => rest,
			_ => return None,
		};
		if dims.iter().any(|d| *d == 0 || *d < -1 || *d > self.width as i64) {
			return None;
		}
		let known = dims
			.iter()
			.filter(|d| **d != -1)
			.try_fold(1i64, |product, d| product.checked_mul(*d))?;
		let inferred = dims.iter().filter(|d| **d == -1).count();
		if inferred > 1 || known <= 0 {
			return None;
		}
		let fill = if inferred == 1 {
			self.width as i64 % known == 0
		} else {
			known as usize == self.width
		};
		fill.then(|| {
			dims.iter()
				.map(|d| if *d == -1 { self.width / known as usize } else { *d as usize })
				.collect()
		})
	}
}

/// Largest expanded convolution matrix (entries), so a large image cannot exhaust memory.
const MAX_CONV_MATRIX: u64 = 1 << 24;
