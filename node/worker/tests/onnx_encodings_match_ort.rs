//! The ZK compiler reads every way ONNX can store a constant tensor as ONNX Runtime reads it,
//! or refuses the model. A circuit compiled from other constants than the ones the engine
//! runs proves a function no honest worker computes: a prover could back, with a valid
//! proof, an answer that differs from the optimistic tier's for the same model bytes.
//!
//! - int8, uint8 and int16 values without `raw_data` live in `int32_data`, one entry each,
//!   and ONNX Runtime narrows every entry to the element type (`static_cast`): an int8 weight
//!   stored as 1000 runs as -24. Random small integer models write each constant as
//!   `raw_data`, in its typed field (values in range, or some out of range) or as `raw_data`
//!   beside a decoy typed field; on every row the compiled program answers as ONNX Runtime
//!   1.31 does, or the compiler refuses the model.
//! - ONNX Runtime refuses `raw_data` whose length is not the element count times the element
//!   size, and typed fields with the wrong count; the compiler refuses them too.
//! - External data lives in files beside the model (and ONNX Runtime refuses it in a model
//!   given as bytes); the compiler reads a model from its bytes alone, so it refuses it.
//!
//! Two differences between ONNX Runtime and exact integer arithmetic, found on the way, have
//! their own tests, so that a failure names its cause: a narrow `Add` wraps around its
//! element type, and uint8 × int8 `MatMulInteger` saturates on CPUs without VNNI. In both
//! the compiler must refuse what it cannot match.

use std::path::PathBuf;

mod common;

use common::node;
use prost::Message;
use verin_primitives::tensor::{TensorData, TensorPayload};
use verin_worker::{session_settings, EngineConfig, OrtEngine};
use verin_zk::{
	compile::compile_onnx,
	onnx::{
		data_type::{INT16, INT32, INT64, INT8, UINT8},
		Dimension, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto,
		TensorShapeProto, TypeProto, TypeProtoTensor, ValueInfoProto,
	},
};

/// Random models in the main comparison.
const MODELS: usize = 256;
/// Random int16 models.
const INT16_MODELS: usize = 64;
/// Input rows per model, one ONNX Runtime batch.
const ROWS: usize = 32;
/// ONNX Runtime's `Relu` takes int32 from opset 14 on.
const OPSET: i64 = 14;

/// A small deterministic generator (xorshift): the test needs varied models, not secrecy.
struct Rng(u64);

impl Rng {
	fn next(&mut self) -> u64 {
		self.0 ^= self.0 << 13;
		self.0 ^= self.0 >> 7;
		self.0 ^= self.0 << 17;
		self.0
	}

	/// Uniform in `lo..=hi` (up to a modulo bias that does not matter here).
	fn range(&mut self, lo: i64, hi: i64) -> i64 {
		lo + (self.next() % ((hi - lo) as u64 + 1)) as i64
	}

	fn one_in(&mut self, n: u64) -> bool {
		self.next().is_multiple_of(n)
	}

	fn pick<T: Copy>(&mut self, items: &[T]) -> T {
		items[self.next() as usize % items.len()]
	}
}

fn type_name(data_type: i32) -> &'static str {
	match data_type {
		INT8 => "int8",
		UINT8 => "uint8",
		INT16 => "int16",
		INT32 => "int32",
		INT64 => "int64",
		_ => unreachable!("the test writes integer tensors only"),
	}
}

fn element_size(data_type: i32) -> usize {
	match data_type {
		INT8 | UINT8 => 1,
		INT16 => 2,
		INT32 => 4,
		_ => 8,
	}
}

fn type_range(data_type: i32) -> (i64, i64) {
	match data_type {
		INT8 => (i8::MIN.into(), i8::MAX.into()),
		UINT8 => (0, u8::MAX.into()),
		INT16 => (i16::MIN.into(), i16::MAX.into()),
		INT32 => (i32::MIN.into(), i32::MAX.into()),
		_ => (i64::MIN, i64::MAX),
	}
}

/// `value` as `data_type`'s little-endian bytes.
fn le_bytes(data_type: i32, value: i64) -> Vec<u8> {
	match data_type {
		INT8 | UINT8 => vec![value as u8],
		INT16 => (value as i16).to_le_bytes().to_vec(),
		INT32 => (value as i32).to_le_bytes().to_vec(),
		_ => value.to_le_bytes().to_vec(),
	}
}

/// What ONNX Runtime makes of an `int32_data` entry of a narrow type: its `static_cast`.
fn narrowed(data_type: i32, stored: i32) -> i64 {
	match data_type {
		INT8 => (stored as i8).into(),
		UINT8 => (stored as u8).into(),
		INT16 => (stored as i16).into(),
		_ => stored.into(),
	}
}

/// How a constant's values are written into its `TensorProto`.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Encoding {
	/// `raw_data`, little-endian, exactly the element count times the element size.
	Raw,
	/// The typed field: `int32_data` for int8 to int32, `int64_data` for int64.
	Typed,
	/// `int32_data` of a narrow type (int8, uint8, int16) with some entries outside the
	/// type's range that narrow to the intended value.
	TypedOutOfRange,
	/// `raw_data` beside a typed field holding other values; ONNX Runtime reads `raw_data`.
	RawWithDecoy,
}

impl Encoding {
	fn possible(data_type: i32) -> &'static [Encoding] {
		match data_type {
			// Out of range twice: the encoding this test is most about.
			INT8 | UINT8 | INT16 => &[
				Encoding::Raw,
				Encoding::Typed,
				Encoding::TypedOutOfRange,
				Encoding::TypedOutOfRange,
				Encoding::RawWithDecoy,
			],
			_ => &[Encoding::Raw, Encoding::Typed, Encoding::RawWithDecoy],
		}
	}
}

fn typed_field(data_type: i32) -> &'static str {
	if data_type == INT64 {
		"int64_data"
	} else {
		"int32_data"
	}
}

/// A constant as ONNX Runtime materializes it: its values are what the model computes with.
struct Constant {
	name: &'static str,
	data_type: i32,
	dims: Vec<i64>,
	values: Vec<i64>,
}

impl Constant {
	fn new(name: &'static str, data_type: i32, dims: &[i64], values: Vec<i64>) -> Self {
		assert_eq!(values.len() as i64, dims.iter().product::<i64>());
		Constant { name, data_type, dims: dims.to_vec(), values }
	}

	fn random(rng: &mut Rng, name: &'static str, data_type: i32, dims: &[i64]) -> Self {
		let (lo, hi) = type_range(data_type);
		let count = dims.iter().product::<i64>();
		Self::new(name, data_type, dims, (0..count).map(|_| rng.range(lo, hi)).collect())
	}

	fn raw(&self) -> Vec<u8> {
		self.values.iter().flat_map(|v| le_bytes(self.data_type, *v)).collect()
	}

	fn label(&self) -> String {
		format!("{} {} {:?}", self.name, type_name(self.data_type), self.dims)
	}

	/// The constant written as `encoding`; the description names the encoding and, for
	/// out-of-range entries, what ONNX Runtime runs them as.
	fn encode(&self, rng: &mut Rng, encoding: Encoding) -> Encoded {
		let mut tensor = TensorProto {
			dims: self.dims.clone(),
			data_type: self.data_type,
			name: self.name.to_string(),
			..Default::default()
		};
		let mut out_of_range = false;
		let how = match encoding {
			Encoding::Raw => {
				tensor.raw_data = self.raw();
				"raw_data".to_string()
			},
			Encoding::Typed => {
				self.typed(&mut tensor, &self.values);
				typed_field(self.data_type).to_string()
			},
			Encoding::RawWithDecoy => {
				tensor.raw_data = self.raw();
				let decoy: Vec<i64> = self.values.iter().map(|v| v.wrapping_add(1)).collect();
				self.typed(&mut tensor, &decoy);
				format!("raw_data beside a decoy {}", typed_field(self.data_type))
			},
			Encoding::TypedOutOfRange => {
				let bits = 8 * element_size(self.data_type) as u32;
				// Any multiple of 2^bits keeps the narrow value. Most tensors add small
				// multiples, which keep a misreading compiler's bounds within int32 so
				// that the misreading shows as a wrong answer, not as a refusal.
				let most = if rng.one_in(4) { (1i64 << (31 - bits)) - 1 } else { 4 };
				let stored: Vec<i32> = self
					.values
					.iter()
					.enumerate()
					.map(|(k, v)| {
						if k > 0 && rng.one_in(2) {
							return *v as i32;
						}
						let mut multiple = rng.range(-most, most);
						if multiple == 0 {
							multiple = 1;
						}
						(v + (multiple << bits)) as i32
					})
					.collect();
				let examples: Vec<String> = stored
					.iter()
					.zip(&self.values)
					.filter(|(s, v)| i64::from(**s) != **v)
					.take(3)
					.map(|(s, v)| format!("{s} runs as {v}"))
					.collect();
				for (s, v) in stored.iter().zip(&self.values) {
					assert_eq!(narrowed(self.data_type, *s), *v);
				}
				out_of_range = !examples.is_empty();
				tensor.int32_data = stored;
				format!("int32_data out of range: {}", examples.join(", "))
			},
		};
		Encoded { tensor, description: format!("{} in {how}", self.label()), out_of_range }
	}

	fn typed(&self, tensor: &mut TensorProto, values: &[i64]) {
		if self.data_type == INT64 {
			tensor.int64_data = values.to_vec();
		} else {
			tensor.int32_data = values.iter().map(|v| *v as i32).collect();
		}
	}
}

struct Encoded {
	tensor: TensorProto,
	description: String,
	/// Some `int32_data` entry lies outside the element type's range.
	out_of_range: bool,
}

fn tensor_type(elem_type: i32, dims: Option<Vec<Dimension>>) -> Option<TypeProto> {
	Some(TypeProto {
		tensor_type: Some(TypeProtoTensor {
			elem_type,
			shape: dims.map(|dim| TensorShapeProto { dim }),
		}),
	})
}

/// A model from input `x` (`[batch, width]` of `input_type`) through `nodes` to output `y`.
fn model(
	input_type: i32,
	width: usize,
	nodes: Vec<NodeProto>,
	initializer: Vec<TensorProto>,
	output_type: i32,
) -> ModelProto {
	let batch = Dimension { dim_value: None, dim_param: Some("batch".into()) };
	let width = Dimension { dim_value: Some(width as i64), dim_param: None };
	ModelProto {
		ir_version: 8,
		opset_import: vec![OperatorSetIdProto { domain: String::new(), version: OPSET }],
		graph: Some(GraphProto {
			node: nodes,
			initializer,
			input: vec![ValueInfoProto {
				name: "x".into(),
				r#type: tensor_type(input_type, Some(vec![batch, width])),
			}],
			output: vec![ValueInfoProto {
				name: "y".into(),
				r#type: tensor_type(output_type, None),
			}],
		}),
	}
}

/// A model and what the comparison needs to know about it.
struct Case {
	bytes: Vec<u8>,
	input_type: i32,
	width: usize,
	output_type: i32,
	description: String,
	out_of_range: bool,
}

/// A chain of nodes, each output named after its position, the last one `y`.
struct Chain {
	nodes: Vec<NodeProto>,
	current: String,
	initializer: Vec<TensorProto>,
	steps: Vec<String>,
	out_of_range: bool,
	/// Write every constant as `raw_data` (for tests about something else than encodings).
	raw_only: bool,
}

impl Chain {
	fn new(raw_only: bool) -> Self {
		Chain {
			nodes: Vec::new(),
			current: "x".into(),
			initializer: Vec::new(),
			steps: Vec::new(),
			out_of_range: false,
			raw_only,
		}
	}

	/// Appends `op_type` on the current tensor (first, or second when `current_second`) and
	/// `operands` (constants or `None` for an omitted optional input).
	fn push(
		&mut self,
		rng: &mut Rng,
		op_type: &str,
		operands: Vec<Option<Constant>>,
		current_second: bool,
	) {
		let mut inputs = vec![self.current.clone()];
		let mut described = Vec::new();
		for operand in operands {
			let Some(constant) = operand else {
				inputs.push(String::new());
				continue;
			};
			let encoding = if self.raw_only {
				Encoding::Raw
			} else {
				rng.pick(Encoding::possible(constant.data_type))
			};
			let encoded = constant.encode(rng, encoding);
			inputs.push(constant.name.to_string());
			described.push(encoded.description);
			self.out_of_range |= encoded.out_of_range;
			self.initializer.push(encoded.tensor);
		}
		if current_second {
			inputs.swap(0, 1);
		}
		let output = format!("t{}", self.nodes.len());
		let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
		self.nodes.push(node(op_type, &inputs, &output));
		self.current = output;
		self.steps.push(if described.is_empty() {
			op_type.to_string()
		} else {
			format!("{op_type}({})", described.join("; "))
		});
	}

	fn finish(mut self, input_type: i32, width: usize, output_type: i32) -> Case {
		self.nodes.last_mut().expect("a node").output = vec!["y".into()];
		let description =
			format!("x {} [batch, {width}] -> {}", type_name(input_type), self.steps.join(" -> "));
		let bytes =
			model(input_type, width, self.nodes, self.initializer, output_type).encode_to_vec();
		Case { bytes, input_type, width, output_type, description, out_of_range: self.out_of_range }
	}
}

/// Input and weight types of the encoding tests' `MatMulInteger`: every pair ONNX Runtime
/// computes exactly. It computes uint8 inputs times int8 weights exactly on some CPUs only
/// (see [`uint8_inputs_times_int8_weights_match_onnx_runtime_or_are_refused`]).
const EXACT_MATMUL_TYPES: &[(i32, i32)] = &[(INT8, INT8), (INT8, UINT8), (UINT8, UINT8)];

/// `x int8|uint8 [batch, n] -> MatMulInteger(W) -> Add(b)`, then `Relu`, `Div`, `Clip` and
/// a row-keeping `Reshape` (its shape the one int64 constant), each perhaps, in any order.
fn random_matmul_case(rng: &mut Rng, types: &[(i32, i32)], raw_only: bool) -> Case {
	let (input_type, weight_type) = rng.pick(types);
	let (n, m) = (rng.range(1, 8), rng.range(1, 8));
	let mut chain = Chain::new(raw_only);
	let weights = Constant::random(rng, "W", weight_type, &[n, m]);
	// Zero points are operands too: only 0 compiles, and an out-of-range entry may narrow
	// to 0.
	let zero_point = |rng: &mut Rng, name, data_type| {
		rng.one_in(4).then(|| Constant::new(name, data_type, &[], vec![0]))
	};
	let a_zero = zero_point(rng, "x_zero", input_type);
	let b_zero = zero_point(rng, "W_zero", weight_type);
	let mut operands = vec![Some(weights)];
	match (a_zero, b_zero) {
		(None, None) => {},
		(a, None) => operands.push(a),
		(a, b) => operands.extend([a, b]),
	}
	chain.push(rng, "MatMulInteger", operands, false);
	let bias =
		Constant::new("b", INT32, &[m], (0..m).map(|_| rng.range(-(1 << 20), 1 << 20)).collect());
	let bias_first = rng.one_in(2);
	chain.push(rng, "Add", vec![Some(bias)], bias_first);

	let mut tail = vec!["Relu", "Div", "Clip", "Reshape"];
	for k in (1..tail.len()).rev() {
		tail.swap(k, rng.next() as usize % (k + 1));
	}
	let mut previous = "Add";
	for op in tail {
		// ONNX Runtime's Relu-Clip fusion refuses to load a model with an int32 `Clip`
		// right after a `Relu` ("Unexpected data type for Clip 'min' input").
		if rng.one_in(2) || (previous, op) == ("Relu", "Clip") {
			continue;
		}
		previous = op;
		match op {
			"Relu" => chain.push(rng, "Relu", vec![], false),
			"Div" => {
				let dims: &[i64] = rng.pick(&[&[][..], &[1][..]]);
				let divisor = Constant::new("d", INT32, dims, vec![1 << rng.range(0, 12)]);
				chain.push(rng, "Div", vec![Some(divisor)], false);
			},
			"Clip" => {
				let lo = rng.range(-(1 << 16), 1 << 16);
				let hi = lo + rng.range(0, 1 << 17);
				let min = (!rng.one_in(4)).then(|| Constant::new("lo", INT32, &[], vec![lo]));
				let max = (!rng.one_in(4)).then(|| Constant::new("hi", INT32, &[], vec![hi]));
				let operands = match (min, max) {
					(min, None) => vec![min],
					(min, max) => vec![min, max],
				};
				chain.push(rng, "Clip", operands, false);
			},
			_ => {
				let batch = rng.pick(&[-1, 0]);
				let shape = Constant::new("s", INT64, &[2], vec![batch, m]);
				chain.push(rng, "Reshape", vec![Some(shape)], false);
			},
		}
	}
	chain.finish(input_type, n as usize, INT32)
}

/// `x int16 [batch, n] -> Add(c) -> Add(e) -> y int16` with small constants (no int16
/// chain through `Cast` to int32: verin-onnx's attributes lack the `type` field ONNX Runtime
/// requires, and ONNX Runtime has no int16 `Relu`, `Max`, `Clip`, `Mul` kernels).
fn random_int16_case(rng: &mut Rng) -> Case {
	let n = rng.range(1, 8);
	let mut chain = Chain::new(false);
	for name in ["c", "e"] {
		let dims: &[i64] = if rng.one_in(3) { &[] } else { &[n] };
		let count = dims.iter().product::<i64>();
		// Mostly zeros: only they compile where a compiler bounds the sum over every int16
		// input, and out of range they are 65536·k.
		let zeros = !rng.one_in(3);
		let values = (0..count).map(|_| if zeros { 0 } else { rng.range(-8191, 8191) }).collect();
		let first = rng.one_in(2);
		chain.push(rng, "Add", vec![Some(Constant::new(name, INT16, dims, values))], first);
	}
	chain.finish(INT16, n as usize, INT16)
}

/// `ROWS` rows of `width` values in `lo..=hi`: all `lo`, all `hi`, then random ones.
fn random_rows(rng: &mut Rng, width: usize, (lo, hi): (i64, i64)) -> Vec<Vec<i64>> {
	let mut rows = vec![vec![lo; width], vec![hi; width]];
	rows.extend((2..ROWS).map(|_| (0..width).map(|_| rng.range(lo, hi)).collect()));
	rows
}

fn engine() -> OrtEngine {
	let library = PathBuf::from(std::env::var("VERIN_ORT_LIBRARY").expect("source scripts/env.sh"));
	OrtEngine::new(EngineConfig { cache_capacity: 1, ..EngineConfig::new(library) }, None).unwrap()
}

fn decode_output(data_type: i32, bytes: &[u8]) -> Vec<i64> {
	bytes
		.chunks_exact(element_size(data_type))
		.map(|c| match data_type {
			INT8 => (c[0] as i8).into(),
			UINT8 => c[0].into(),
			INT16 => i16::from_le_bytes([c[0], c[1]]).into(),
			_ => i32::from_le_bytes(c.try_into().unwrap()).into(),
		})
		.collect()
}

/// ONNX Runtime's output rows for `rows`, one batch: through the worker's engine, or for an
/// int16 input (which the engine's payloads do not carry) through a session with the
/// engine's settings.
fn onnx_runtime(
	engine: &OrtEngine,
	case: &Case,
	rows: &[Vec<i64>],
) -> Result<Vec<Vec<i64>>, String> {
	let values: Vec<i64> = rows.iter().flatten().copied().collect();
	let output: Vec<i64> = if case.input_type == INT16 {
		let mut session = session_settings(engine.environment())
			.and_then(|mut builder| builder.commit_from_memory(&case.bytes))
			.map_err(|e| e.to_string())?;
		let data: Vec<i16> = values.iter().map(|v| *v as i16).collect();
		let tensor =
			ort::value::Tensor::from_array((vec![rows.len() as i64, case.width as i64], data))
				.map_err(|e| e.to_string())?;
		let outputs = session.run(ort::inputs!["x" => tensor]).map_err(|e| e.to_string())?;
		let y = &outputs["y"];
		match case.output_type {
			INT16 => {
				y.try_extract_tensor::<i16>().map(|(_, d)| d.iter().map(|v| (*v).into()).collect())
			},
			_ => {
				y.try_extract_tensor::<i32>().map(|(_, d)| d.iter().map(|v| (*v).into()).collect())
			},
		}
		.map_err(|e| e.to_string())?
	} else {
		let id = engine.add_model(case.bytes.clone());
		let payload: TensorPayload = vec![TensorData {
			shape: vec![rows.len() as u32, case.width as u32].try_into().unwrap(),
			data: values.iter().map(|v| *v as u8).collect::<Vec<_>>().try_into().unwrap(),
		}]
		.try_into()
		.unwrap();
		let output = engine.run(id, &payload).map_err(|e| {
			// The engine logs ONNX Runtime's reason; load the model again to show it.
			let loading = session_settings(engine.environment())
				.and_then(|mut builder| builder.commit_from_memory(&case.bytes))
				.err()
				.map_or_else(String::new, |e| format!(" ({})", reason(&e.to_string())));
			format!("{e:?}{loading}")
		})?;
		decode_output(case.output_type, &output[0].data)
	};
	assert_eq!(output.len() % rows.len(), 0);
	Ok(output.chunks(output.len() / rows.len()).map(<[i64]>::to_vec).collect())
}

enum Outcome {
	/// The compiler's reason, e.g. `MayOverflow`.
	Refused(String),
	Matches,
	/// How many rows differ, and the first few.
	Differs(String),
}

/// The compiled program against ONNX Runtime's `expected` rows.
fn compare(case: &Case, rows: &[Vec<i64>], expected: &[Vec<i64>]) -> Outcome {
	let program = match compile_onnx(&case.bytes) {
		Ok(program) => program,
		Err(error) => {
			let reason = format!("{error:?}");
			return Outcome::Refused(reason.split([' ', '(', '{']).next().unwrap_or("").into());
		},
	};
	let mut differing = Vec::new();
	for (row, expected) in rows.iter().zip(expected) {
		let answer = program.evaluate(row);
		if answer.as_ref() != Ok(expected) {
			differing.push(format!(
				"row {row:?}: ONNX Runtime {expected:?}, compiled program {answer:?}"
			));
		}
	}
	if differing.is_empty() {
		Outcome::Matches
	} else {
		Outcome::Differs(format!(
			"{} of {} rows differ, e.g. {}",
			differing.len(),
			rows.len(),
			differing.iter().take(2).cloned().collect::<Vec<_>>().join("; ")
		))
	}
}

/// Runs `count` random cases; fails naming every model whose compiled program answers
/// differently from ONNX Runtime.
fn assert_random_cases_match(
	seed: u64,
	count: usize,
	make: fn(&mut Rng) -> Case,
	input_range: fn(i32) -> (i64, i64),
	min_matching: usize,
) {
	let engine = engine();
	let mut rng = Rng(seed);
	let (mut matching, mut with_out_of_range) = (0, 0);
	let mut refused = std::collections::BTreeMap::<String, usize>::new();
	let mut differing = Vec::new();
	for index in 0..count {
		let case = make(&mut rng);
		with_out_of_range += usize::from(case.out_of_range);
		let rows = random_rows(&mut rng, case.width, input_range(case.input_type));
		let expected = onnx_runtime(&engine, &case, &rows).unwrap_or_else(|e| {
			panic!("model {index} ({}): ONNX Runtime does not run it: {e}", case.description)
		});
		match compare(&case, &rows, &expected) {
			Outcome::Refused(reason) => *refused.entry(reason).or_insert(0) += 1,
			Outcome::Matches => matching += 1,
			Outcome::Differs(rows) => differing.push((
				case.out_of_range,
				format!("model {index}: {}\n    {rows}", case.description),
			)),
		}
	}
	let refused = format!(
		"{} refused{}",
		refused.values().sum::<usize>(),
		refused.iter().map(|(reason, n)| format!(", {n} {reason}")).collect::<String>()
	);
	let out_of_range = if with_out_of_range == 0 {
		String::new()
	} else {
		format!(
			"; {} of the differing models store a narrow value out of range in int32_data \
			 ({with_out_of_range} of all {count} models do)",
			differing.iter().filter(|(o, _)| *o).count()
		)
	};
	assert!(
		differing.is_empty(),
		"{} of {count} models compile to a program that answers differently from ONNX \
		 Runtime ({matching} match, {refused}){out_of_range}:\n  {}",
		differing.len(),
		differing.iter().take(6).map(|(_, d)| d.as_str()).collect::<Vec<_>>().join("\n  ")
	);
	// Refusing everything would pass the comparison above vacuously.
	assert!(
		matching >= min_matching,
		"only {matching} of {count} models compile ({refused}): the comparison says little"
	);
}

#[test]
fn narrow_weights_in_int32_data_compile_to_what_onnx_runtime_runs_or_are_refused() {
	assert_random_cases_match(
		0x9e37_79b9_7f4a_7c15,
		MODELS,
		|rng| random_matmul_case(rng, EXACT_MATMUL_TYPES, false),
		type_range,
		MODELS / 4,
	);
}

#[test]
fn uint8_inputs_times_int8_weights_match_onnx_runtime_or_are_refused() {
	// ONNX Runtime 1.31's x86 kernel for uint8 times int8 on CPUs without VNNI (AVX2) adds
	// the products pairwise in saturating int16: 255·127 + 255·127 comes out as 32767, not
	// 64770. CPUs with VNNI compute exactly, so the engine's answer depends on the worker's
	// CPU; the circuit computes exactly. Constants are raw_data: this is not about encodings.
	assert_random_cases_match(
		0x6a09_e667_f3bc_c908,
		32,
		|rng| random_matmul_case(rng, &[(UINT8, INT8)], true),
		type_range,
		// Refusing every model whose products may saturate is a fix.
		0,
	);
}

#[test]
fn int16_constants_in_int32_data_compile_to_what_onnx_runtime_runs_or_are_refused() {
	// Inputs within ±8192 and constants within ±8191 never wrap int16: this test is
	// about the constants' encodings; wrapping is the next one's. A compiler may refuse
	// every nonzero int16 constant (over all int16 inputs, a sum may wrap), so the
	// coverage bound counts on the all-zero ones.
	assert_random_cases_match(
		0x2545_f491_4f6c_dd1d,
		INT16_MODELS,
		random_int16_case,
		|_| (-8192, 8192),
		INT16_MODELS / 8,
	);
}

#[test]
fn a_narrow_add_that_wraps_in_onnx_runtime_is_refused_or_wraps_alike() {
	// ONNX Runtime adds int8, uint8 and int16 tensors in their own type (127 + 1 = -128);
	// the rows include each type's extremes, so a sum that may wrap does.
	fn case(rng: &mut Rng) -> Case {
		let data_type = rng.pick(&[INT8, UINT8, INT16]);
		let n = rng.range(1, 8);
		let (lo, hi) = type_range(data_type);
		let values = (0..n)
			.map(|_| match rng.range(lo, hi) {
				0 => 1,
				v => v,
			})
			.collect();
		let mut chain = Chain::new(true);
		chain.push(rng, "Add", vec![Some(Constant::new("c", data_type, &[n], values))], false);
		chain.finish(data_type, n as usize, data_type)
	}
	// Refusing every model here is a fix: each constant is nonzero, so some sum wraps.
	assert_random_cases_match(0xdead_beef_cafe_f00d, 24, case, type_range, 0);
}

/// A model the refusal tests tamper with, its constants untampered in `raw_data`.
struct Fixed {
	input_type: i32,
	constants: Vec<Constant>,
	nodes: Vec<NodeProto>,
	output_type: i32,
}

impl Fixed {
	fn case(&self, initializer: Vec<TensorProto>) -> Case {
		Case {
			bytes: model(self.input_type, 2, self.nodes.clone(), initializer, self.output_type)
				.encode_to_vec(),
			input_type: self.input_type,
			width: 2,
			output_type: self.output_type,
			description: String::new(),
			out_of_range: false,
		}
	}

	/// The model with constant `target` written by `tamper` and the others as `raw_data`.
	fn tampered(&self, target: usize, tamper: impl Fn(&Constant) -> TensorProto) -> Case {
		let mut rng = Rng(1);
		self.case(
			self.constants
				.iter()
				.enumerate()
				.map(
					|(k, c)| {
						if k == target {
							tamper(c)
						} else {
							c.encode(&mut rng, Encoding::Raw).tensor
						}
					},
				)
				.collect(),
		)
	}

	/// Untampered, the model passes both sides, so a refusal is the tampering's doing.
	fn assert_untampered_passes(&self, engine: &OrtEngine) {
		let mut rng = Rng(1);
		let case = self.case(
			self.constants.iter().map(|c| c.encode(&mut rng, Encoding::Raw).tensor).collect(),
		);
		assert_eq!(onnx_runtime_refusal(engine, &case), None, "ONNX Runtime runs the fixed model");
		let rows = random_rows(&mut rng, 2, (-100, 100));
		let expected = onnx_runtime(engine, &case, &rows).unwrap();
		assert!(
			matches!(compare(&case, &rows, &expected), Outcome::Matches),
			"the fixed model compiles and matches"
		);
	}
}

/// `x int8 [batch, 2] -> MatMulInteger(W) -> Add(b) -> Div(d) -> Reshape(s)`, and
/// `x int16 [batch, 2] -> Add(c)` with `c` 0: a compiler may refuse a nonzero int16 sum as
/// one that may wrap, which would pass a refusal test for the wrong reason.
fn fixed_models() -> Vec<Fixed> {
	vec![
		Fixed {
			input_type: INT8,
			constants: vec![
				Constant::new("W", INT8, &[2, 2], vec![3, -7, 100, -128]),
				Constant::new("b", INT32, &[2], vec![-1000, 70000]),
				Constant::new("d", INT32, &[], vec![4]),
				Constant::new("s", INT64, &[2], vec![-1, 2]),
			],
			nodes: vec![
				node("MatMulInteger", &["x", "W"], "t0"),
				node("Add", &["t0", "b"], "t1"),
				node("Div", &["t1", "d"], "t2"),
				node("Reshape", &["t2", "s"], "y"),
			],
			output_type: INT32,
		},
		Fixed {
			input_type: INT16,
			constants: vec![Constant::new("c", INT16, &[2], vec![0, 0])],
			nodes: vec![node("Add", &["x", "c"], "y")],
			output_type: INT16,
		},
	]
}

/// The reason in an ONNX Runtime error message, without the source locations before it.
fn reason(message: &str) -> &str {
	let message = message.trim();
	match message.rfind(" : FAIL : ") {
		Some(at) => &message[at + " : FAIL : ".len()..],
		None => message,
	}
}

/// ONNX Runtime's refusal of `case`, or `None` if it runs it.
fn onnx_runtime_refusal(engine: &OrtEngine, case: &Case) -> Option<String> {
	onnx_runtime(engine, case, &[vec![1, -1], vec![100, -100]])
		.err()
		.map(|e| reason(&e).to_string())
}

#[test]
fn raw_data_with_trailing_or_missing_bytes_is_refused_as_onnx_runtime_refuses_it() {
	let engine = engine();
	let mut accepted = Vec::new();
	let mut tried = 0;
	for fixed in fixed_models() {
		fixed.assert_untampered_passes(&engine);
		for (target, constant) in fixed.constants.iter().enumerate() {
			let size = element_size(constant.data_type);
			let expected = constant.values.len() * size;
			// Trailing bytes short of one more element are what a reader splitting the
			// bytes into elements drops silently; a whole extra element and a missing
			// byte too.
			for length in (1..=size).map(|extra| expected + extra).chain([expected - 1]) {
				let case = fixed.tampered(target, |c| {
					let mut tensor = c.encode(&mut Rng(1), Encoding::Raw).tensor;
					tensor.raw_data.resize(length, 0xa5);
					tensor
				});
				let what =
					format!("{} with {length} bytes of raw_data for {expected}", constant.label());
				tried += 1;
				let refusal = onnx_runtime_refusal(&engine, &case)
					.unwrap_or_else(|| panic!("ONNX Runtime runs {what}"));
				if let Ok(program) = compile_onnx(&case.bytes) {
					accepted.push(format!(
						"{what}: compile_onnx accepts it ({} ops); ONNX Runtime refuses it: {refusal}",
						program.ops.len()
					));
				}
			}
		}
	}
	assert!(
		accepted.is_empty(),
		"{} of {tried} tensors with a raw_data length ONNX Runtime refuses compile:\n  {}",
		accepted.len(),
		accepted.join("\n  ")
	);
}

#[test]
fn typed_fields_with_the_wrong_count_are_refused_as_onnx_runtime_refuses_them() {
	let engine = engine();
	let mut accepted = Vec::new();
	for fixed in fixed_models() {
		fixed.assert_untampered_passes(&engine);
		for (target, constant) in fixed.constants.iter().enumerate() {
			for count in [constant.values.len() + 1, constant.values.len() - 1] {
				let case = fixed.tampered(target, |c| {
					let mut tensor = c.encode(&mut Rng(1), Encoding::Typed).tensor;
					if c.data_type == INT64 {
						tensor.int64_data.resize(count, 7);
					} else {
						tensor.int32_data.resize(count, 7);
					}
					tensor
				});
				let what = format!(
					"{} with {count} values in {} for {}",
					constant.label(),
					typed_field(constant.data_type),
					constant.values.len()
				);
				let refusal = onnx_runtime_refusal(&engine, &case)
					.unwrap_or_else(|| panic!("ONNX Runtime runs {what}"));
				if compile_onnx(&case.bytes).is_ok() {
					accepted.push(format!(
						"{what}: compile_onnx accepts it; ONNX Runtime refuses it: {refusal}"
					));
				}
			}
		}
	}
	assert!(
		accepted.is_empty(),
		"compiled although ONNX Runtime refuses:\n  {}",
		accepted.join("\n  ")
	);
}

/// ONNX's `StringStringEntryProto`.
#[derive(Clone, PartialEq, Message)]
struct Entry {
	#[prost(string, tag = "1")]
	key: String,
	#[prost(string, tag = "2")]
	value: String,
}

/// ONNX's `TensorProto` with `external_data` (field 13), which verin-onnx leaves out: the
/// compiler never follows it.
#[derive(Clone, PartialEq, Message)]
struct ExternalTensor {
	#[prost(int64, repeated, tag = "1")]
	dims: Vec<i64>,
	#[prost(int32, tag = "2")]
	data_type: i32,
	#[prost(string, tag = "8")]
	name: String,
	#[prost(bytes = "vec", tag = "9")]
	raw_data: Vec<u8>,
	#[prost(message, repeated, tag = "13")]
	external_data: Vec<Entry>,
	#[prost(int32, tag = "14")]
	data_location: i32,
}

/// A `ModelProto` holding one initializer. Protobuf merges a message field that occurs twice,
/// so appending its encoding to a model's adds the initializer to that model's graph.
#[derive(Clone, PartialEq, Message)]
struct ModelWithInitializer {
	#[prost(message, optional, tag = "7")]
	graph: Option<GraphWithInitializer>,
}

#[derive(Clone, PartialEq, Message)]
struct GraphWithInitializer {
	#[prost(message, repeated, tag = "5")]
	initializer: Vec<ExternalTensor>,
}

#[test]
fn external_data_is_refused() {
	let engine = engine();
	let fixed = fixed_models().swap_remove(0);
	let bias = &fixed.constants[1];
	let mut rng = Rng(4);
	let others: Vec<TensorProto> = fixed
		.constants
		.iter()
		.filter(|c| c.name != bias.name)
		.map(|c| c.encode(&mut rng, Encoding::Raw).tensor)
		.collect();
	let with_bias = |tensor: ExternalTensor| {
		let mut case = fixed.case(others.clone());
		let tail = ModelWithInitializer {
			graph: Some(GraphWithInitializer { initializer: vec![tensor] }),
		};
		case.bytes.extend(tail.encode_to_vec());
		case
	};
	let entries = |pairs: &[(&str, &str)]| {
		pairs.iter().map(|(k, v)| Entry { key: k.to_string(), value: v.to_string() }).collect()
	};
	let tensor = |raw_data: Vec<u8>, external_data: Vec<Entry>, data_location| ExternalTensor {
		dims: bias.dims.clone(),
		data_type: bias.data_type,
		name: bias.name.into(),
		raw_data,
		external_data,
		data_location,
	};

	// The bias appended as plain raw_data: both sides run it alike, so the appending works
	// and the refusals below are the external data's doing.
	let plain = with_bias(tensor(bias.raw(), vec![], 0));
	let decoded = verin_zk::onnx::decode(&plain.bytes).unwrap();
	assert_eq!(decoded.graph.unwrap().initializer.len(), fixed.constants.len());
	let rows = random_rows(&mut rng, 2, type_range(INT8));
	let expected = onnx_runtime(&engine, &plain, &rows).expect("ONNX Runtime runs the plain model");
	assert!(matches!(compare(&plain, &rows, &expected), Outcome::Matches));

	let location = [("location", "b.bin"), ("offset", "0"), ("length", "8")];
	let cases = [
		("a file location", tensor(vec![], entries(&location), 1)),
		("a file location and raw_data in the model", tensor(bias.raw(), entries(&location), 1)),
		("no location, raw_data in the model", tensor(bias.raw(), vec![], 1)),
	];
	let mut accepted = Vec::new();
	for (what, external) in cases {
		let case = with_bias(external);
		let refusal = onnx_runtime_refusal(&engine, &case)
			.unwrap_or_else(|| panic!("ONNX Runtime runs external data with {what}"));
		if compile_onnx(&case.bytes).is_ok() {
			accepted.push(format!(
				"external data with {what}: compile_onnx accepts it; ONNX Runtime refuses it: \
				 {refusal}"
			));
		}
	}
	assert!(accepted.is_empty(), "{}", accepted.join("\n"));
}
