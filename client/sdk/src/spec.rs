//! What a model version declares, read from its ONNX graph: the input and output tensors
//! (names, element types, shapes with the batch dimension), the opset, and the determinism
//! class. The owner chooses the tiers, for float models the tolerance rule, and bounds for
//! the graph's other dynamic dimensions (a sequence length, an image's width): a graph
//! dimension named `width` becomes `Dim::Range` when the owner declares `width=16..2048`.

use std::collections::BTreeMap;

use verin_onnx::{self as onnx, data_type, ValueInfoProto};
use verin_primitives::{
	model::{
		validate_version_properties, DeterminismClass, Dim, ElementType, ModelFormat, SchemaError,
		TensorSchema, TensorSpec, ToleranceRule, VersionSpec,
	},
	tier::TierSet,
};

/// Why a graph cannot be declared as a Verin model version.
#[derive(Debug, PartialEq, Eq)]
pub enum SpecError {
	/// The bytes are not an ONNX model.
	NotOnnx(String),
	/// The model has no graph or no default-domain opset.
	Incomplete(&'static str),
	/// A tensor has an element type Verin's tensors cannot carry.
	UnsupportedElement { tensor: String, onnx_type: i32 },
	/// A dimension other than the first is symbolic or not positive, and no bounds were
	/// declared for it.
	UnsupportedShape { tensor: String, reason: String },
	/// A dimension bound is not `NAME=MIN..MAX` (or `NAME=MAX`) with `1 <= MIN <= MAX`.
	BadBound(String),
	/// A declared bound names no dynamic dimension of the graph.
	UnusedBound(String),
	/// A name or a list exceeds the registry's bounds.
	TooLarge(&'static str),
	/// The declaration is inconsistent (e.g. the ZK tier on a float model).
	Invalid(SchemaError),
}

impl core::fmt::Display for SpecError {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		match self {
			Self::NotOnnx(e) => write!(f, "not an ONNX model: {e}"),
			Self::Incomplete(what) => write!(f, "the ONNX model has no {what}"),
			Self::UnsupportedElement { tensor, onnx_type } =>
				write!(f, "tensor `{tensor}` has ONNX element type {onnx_type}; Verin carries float16, float32, float64, int8, uint8, int32, int64 and bool"),
			Self::UnsupportedShape { tensor, reason } => write!(f, "tensor `{tensor}`: {reason}"),
			Self::BadBound(text) => write!(f, "dimension bound `{text}`: write NAME=MIN..MAX or NAME=MAX, with 1 <= MIN <= MAX"),
			Self::UnusedBound(name) => write!(f, "dimension bound `{name}` names no dynamic dimension of the graph; dynamic dimensions are named by the graph (e.g. `sequence`) or as TENSOR:INDEX"),
			Self::TooLarge(what) => write!(f, "{what} exceeds the registry's bounds"),
			Self::Invalid(SchemaError::ZkNeedsIntegerExact) =>
				write!(f, "the zk tier needs an integer-exact model (integer tensors and weights only)"),
			Self::Invalid(SchemaError::FloatTensorInIntegerModel) =>
				write!(f, "an integer-exact model cannot have float tensors"),
			Self::Invalid(e) => write!(f, "the declaration is invalid: {e:?}"),
		}
	}
}

impl std::error::Error for SpecError {}

/// Bounds an owner declares for a graph's dynamic dimensions, by the graph's name for the
/// dimension (`sequence`, `image_width`: every dimension of that name gets the bounds) or, for
/// an unnamed one, by `TENSOR:INDEX`. A symbolic first dimension without a bound is the
/// batch dimension.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DimensionBounds(BTreeMap<String, (u32, u32)>);

impl DimensionBounds {
	/// No bounds: only the first dimension may be dynamic (the batch).
	pub fn none() -> Self {
		Self::default()
	}

	/// Reads `NAME=MIN..MAX` (or `NAME=MAX`, meaning `1..MAX`) items.
	pub fn parse<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<Self, SpecError> {
		let mut bounds = BTreeMap::new();
		for item in items {
			let bad = || SpecError::BadBound(item.to_string());
			let (name, range) = item.split_once('=').ok_or_else(bad)?;
			let (min, max) = match range.split_once("..") {
				Some((min, max)) => (min.trim().parse().map_err(|_| bad())?, max.trim()),
				None => (1u32, range),
			};
			let max: u32 = max.trim().parse().map_err(|_| bad())?;
			if name.trim().is_empty() || min == 0 || min > max {
				return Err(bad());
			}
			bounds.insert(name.trim().to_string(), (min, max));
		}
		Ok(Self(bounds))
	}

	fn for_dimension(&self, tensor: &str, index: usize, graph_name: Option<&str>) -> Option<Dim> {
		graph_name
			.and_then(|name| self.0.get(name))
			.or_else(|| self.0.get(&format!("{tensor}:{index}")))
			// Graphs leave sizes symbolic that are constant in fact; a one-size range is that.
			.map(|&(min, max)| if min == max { Dim::Fixed(min) } else { Dim::Range { min, max } })
	}

	fn names(&self) -> impl Iterator<Item = &String> {
		self.0.keys()
	}
}

/// The declaration of `onnx_bytes` offered at `tiers`; `tolerance` is how executions of a
/// float model are compared (ignored for integer-exact models). Only the first dimension
/// may be dynamic; see [`spec_from_onnx_with_bounds`] for others.
pub fn spec_from_onnx(
	onnx_bytes: &[u8],
	tiers: TierSet,
	tolerance: ToleranceRule,
) -> Result<VersionSpec, SpecError> {
	spec_from_onnx_with_bounds(onnx_bytes, tiers, tolerance, &DimensionBounds::none())
}

/// [`spec_from_onnx`], with `bounds` for the graph's dynamic dimensions. Every bound must
/// name a dynamic dimension of the graph, so a typo is an error rather than a silent default.
pub fn spec_from_onnx_with_bounds(
	onnx_bytes: &[u8],
	tiers: TierSet,
	tolerance: ToleranceRule,
	bounds: &DimensionBounds,
) -> Result<VersionSpec, SpecError> {
	let model = onnx::decode(onnx_bytes).map_err(|e| SpecError::NotOnnx(e.to_string()))?;
	let graph = model.graph.as_ref().ok_or(SpecError::Incomplete("graph"))?;
	let opset = model
		.opset_import
		.iter()
		.find(|opset| opset.domain.is_empty() || opset.domain == "ai.onnx")
		.ok_or(SpecError::Incomplete("default-domain opset"))?
		.version;
	// Older exporters list initializers among the inputs; they are weights, not inputs.
	let inputs: Vec<TensorSpec> = graph
		.input
		.iter()
		.filter(|input| !graph.initializer.iter().any(|init| init.name == input.name))
		.map(|input| tensor_spec(input, bounds))
		.collect::<Result<_, _>>()?;
	let outputs: Vec<TensorSpec> =
		graph.output.iter().map(|output| tensor_spec(output, bounds)).collect::<Result<_, _>>()?;
	let dynamic_names: Vec<String> = graph
		.input
		.iter()
		.chain(&graph.output)
		.flat_map(|value| {
			let dims = value
				.r#type
				.as_ref()
				.and_then(|t| t.tensor_type.as_ref())
				.and_then(|t| t.shape.as_ref())
				.map(|shape| shape.dim.clone())
				.unwrap_or_default();
			dims.into_iter()
				.enumerate()
				.filter(|(_, dim)| dim.dim_value.is_none_or(|size| size <= 0))
				.flat_map(move |(index, dim)| {
					[dim.dim_param.clone(), Some(format!("{}:{index}", value.name))]
				})
		})
		.flatten()
		.collect();
	if let Some(unused) = bounds.names().find(|name| !dynamic_names.contains(name)) {
		return Err(SpecError::UnusedBound(unused.clone()));
	}
	let integer_weights = graph.initializer.iter().all(|init| {
		use data_type::*;
		matches!(init.data_type, INT8 | UINT8 | INT16 | INT32 | INT64)
	});
	let integer_exact =
		integer_weights && inputs.iter().chain(&outputs).all(|t| t.element.is_exact());
	let spec = VersionSpec {
		format: ModelFormat::Onnx {
			opset: u16::try_from(opset).map_err(|_| SpecError::TooLarge("the opset"))?,
		},
		schema: TensorSchema {
			inputs: inputs.try_into().map_err(|_| SpecError::TooLarge("the number of inputs"))?,
			outputs: outputs
				.try_into()
				.map_err(|_| SpecError::TooLarge("the number of outputs"))?,
		},
		determinism: if integer_exact {
			DeterminismClass::IntegerExact
		} else {
			DeterminismClass::Float(tolerance)
		},
		tiers,
	};
	validate_version_properties(&spec.schema, &spec.determinism, &spec.tiers)
		.map_err(SpecError::Invalid)?;
	Ok(spec)
}

fn tensor_spec(value: &ValueInfoProto, bounds: &DimensionBounds) -> Result<TensorSpec, SpecError> {
	let tensor = value.name.clone();
	let shape_error = |reason: &str| SpecError::UnsupportedShape {
		tensor: tensor.clone(),
		reason: reason.into(),
	};
	let typed = value
		.r#type
		.as_ref()
		.and_then(|t| t.tensor_type.as_ref())
		.ok_or_else(|| shape_error("not a tensor"))?;
	let element = match typed.elem_type {
		data_type::FLOAT => ElementType::F32,
		data_type::INT8 => ElementType::I8,
		data_type::UINT8 => ElementType::U8,
		data_type::INT32 => ElementType::I32,
		data_type::INT64 => ElementType::I64,
		data_type::FLOAT16 => ElementType::F16,
		data_type::BOOL => ElementType::Bool,
		data_type::DOUBLE => ElementType::F64,
		other => return Err(SpecError::UnsupportedElement { tensor, onnx_type: other }),
	};
	let dims = typed.shape.as_ref().ok_or_else(|| shape_error("no shape declared"))?;
	let shape = dims
		.dim
		.iter()
		.enumerate()
		.map(|(index, dim)| {
			let fixed = dim.dim_value.filter(|size| *size > 0 && *size <= u32::MAX as i64);
			let graph_name = dim.dim_param.as_deref().filter(|name| !name.is_empty());
			match (index, fixed, bounds.for_dimension(&tensor, index, graph_name)) {
				(_, Some(size), _) => Ok(Dim::Fixed(size as u32)),
				(_, None, Some(range)) => Ok(range),
				// A symbolic (or unknown) first dimension without bounds is the batch.
				(0, None, None) => Ok(Dim::Batch),
				(_, None, None) => Err(shape_error(&format!(
					"dimension {index} ({}) is dynamic: declare its bounds as {}=MIN..MAX",
					graph_name.unwrap_or("unnamed"),
					graph_name.map_or_else(|| format!("{tensor}:{index}"), str::to_string),
				))),
			}
		})
		.collect::<Result<Vec<Dim>, _>>()?;
	Ok(TensorSpec {
		name: value
			.name
			.as_bytes()
			.to_vec()
			.try_into()
			.map_err(|_| SpecError::TooLarge("a tensor name"))?,
		element,
		shape: shape.try_into().map_err(|_| SpecError::TooLarge("a tensor's rank"))?,
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use verin_primitives::tier::Tier;

	fn model(name: &str) -> Vec<u8> {
		std::fs::read(format!("{}/../../scripts/models/{name}", env!("CARGO_MANIFEST_DIR")))
			.unwrap()
	}

	fn tiers(list: &[Tier]) -> TierSet {
		list.iter().copied().collect()
	}

	#[test]
	fn the_integer_digits_model_is_integer_exact_with_a_batch_dimension() {
		let spec = spec_from_onnx(
			&model("digits-mlp-int8.onnx"),
			tiers(&[Tier::Vanilla, Tier::Zk]),
			ToleranceRule::ArgmaxEqual,
		)
		.unwrap();
		assert_eq!(spec.determinism, DeterminismClass::IntegerExact);
		let input = &spec.schema.inputs[0];
		assert_eq!((input.name.as_slice(), input.element), (&b"pixels"[..], ElementType::I8));
		assert_eq!(input.shape.as_slice(), &[Dim::Batch, Dim::Fixed(64)]);
		assert_eq!(spec.schema.outputs[0].element, ElementType::I32);
		assert_eq!(spec.schema.outputs[0].shape.as_slice(), &[Dim::Batch, Dim::Fixed(10)]);
	}

	#[test]
	fn a_float_model_takes_the_tolerance_and_cannot_offer_zk() {
		let bytes = model("digits-mlp-f32.onnx");
		let spec =
			spec_from_onnx(&bytes, tiers(&[Tier::Vanilla]), ToleranceRule::ArgmaxEqual).unwrap();
		assert_eq!(spec.determinism, DeterminismClass::Float(ToleranceRule::ArgmaxEqual));
		assert_eq!(
			spec_from_onnx(&bytes, tiers(&[Tier::Zk]), ToleranceRule::ArgmaxEqual),
			Err(SpecError::Invalid(SchemaError::ZkNeedsIntegerExact))
		);
	}

	#[test]
	fn bounds_are_read_and_misspelt_ones_refused() {
		let bounds = DimensionBounds::parse(["sequence=16..512", "x:2=64"]).unwrap();
		assert_eq!(
			bounds.for_dimension("audio", 1, Some("sequence")),
			Some(Dim::Range { min: 16, max: 512 })
		);
		assert_eq!(bounds.for_dimension("x", 2, None), Some(Dim::Range { min: 1, max: 64 }));
		assert_eq!(bounds.for_dimension("x", 1, None), None);
		let fixed = DimensionBounds::parse(["height=48..48"]).unwrap();
		assert_eq!(fixed.for_dimension("x", 2, Some("height")), Some(Dim::Fixed(48)));
		for bad in ["sequence", "sequence=0..4", "sequence=9..4", "=1..4", "s=a..b"] {
			assert_eq!(DimensionBounds::parse([bad]), Err(SpecError::BadBound(bad.into())));
		}
		let bytes = model("digits-mlp-f32.onnx");
		let vanilla = tiers(&[Tier::Vanilla]);
		let misspelt = DimensionBounds::parse(["sequnce=1..4"]).unwrap();
		assert_eq!(
			spec_from_onnx_with_bounds(&bytes, vanilla, ToleranceRule::ArgmaxEqual, &misspelt),
			Err(SpecError::UnusedBound("sequnce".into()))
		);
	}

	#[test]
	fn other_bytes_are_not_onnx() {
		assert!(matches!(
			spec_from_onnx(
				b"\xff\xff\xff not a protobuf",
				tiers(&[Tier::Vanilla]),
				ToleranceRule::ArgmaxEqual
			),
			Err(SpecError::NotOnnx(_))
		));
	}
}
