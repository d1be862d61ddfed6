//! What a model version declares, read from its ONNX graph: the input and output tensors
//! (names, element types, shapes with the batch dimension), the opset, and the determinism
//! class. The owner only chooses the tiers and, for float models, the tolerance rule.

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
	/// A dimension other than the first is symbolic or not positive.
	UnsupportedShape { tensor: String, reason: String },
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
				write!(f, "tensor `{tensor}` has ONNX element type {onnx_type}; Verin carries float32, int8, uint8, int32 and int64"),
			Self::UnsupportedShape { tensor, reason } => write!(f, "tensor `{tensor}`: {reason}"),
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

/// The declaration of `onnx_bytes` offered at `tiers`; `tolerance` is how executions of a
/// float model are compared (ignored for integer-exact models).
pub fn spec_from_onnx(
	onnx_bytes: &[u8],
	tiers: TierSet,
	tolerance: ToleranceRule,
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
		.map(tensor_spec)
		.collect::<Result<_, _>>()?;
	let outputs: Vec<TensorSpec> =
		graph.output.iter().map(tensor_spec).collect::<Result<_, _>>()?;
	let integer_weights = graph.initializer.iter().all(|init| {
		use data_type::*;
		matches!(init.data_type, INT8 | UINT8 | INT16 | INT32 | INT64)
	});
	let integer_exact =
		integer_weights && inputs.iter().chain(&outputs).all(|t| t.element.is_integer());
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

fn tensor_spec(value: &ValueInfoProto) -> Result<TensorSpec, SpecError> {
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
		other => return Err(SpecError::UnsupportedElement { tensor, onnx_type: other }),
	};
	let dims = typed.shape.as_ref().ok_or_else(|| shape_error("no shape declared"))?;
	let shape = dims
		.dim
		.iter()
		.enumerate()
		.map(|(index, dim)| match (index, dim.dim_value) {
			(_, Some(size)) if size > 0 && size <= u32::MAX as i64 => Ok(Dim::Fixed(size as u32)),
			// A symbolic (or unknown) first dimension is the batch.
			(0, _) => Ok(Dim::Batch),
			_ => Err(shape_error(&format!("dimension {index} must be a fixed positive size"))),
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
