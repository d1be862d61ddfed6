//! The example models built into the node: published at genesis on the dev and local chains
//! and served from memory by their workers, so a newcomer can request an inference at once.
//! The files come from `scripts/models/make_models.py`.

use verin_primitives::{
	currency::MILLI_UNIT,
	model::{
		chunk_hash, DeterminismClass, Dim, ElementType, ModelFormat, ModelMetadata, TensorSchema,
		TensorSpec, ToleranceRule, VersionSpec, MODEL_CHUNK_SIZE,
	},
	tier::Tier,
	Balance,
};

/// One example model: its bytes and what the registry records about it.
pub struct ExampleModel {
	/// Model name in the registry.
	pub name: &'static str,
	/// What it does.
	pub task: &'static str,
	/// One line for humans.
	pub description: &'static str,
	/// The ONNX file.
	pub bytes: &'static [u8],
	/// Version 1.0's declaration.
	pub spec: VersionSpec,
	/// Price per inference.
	pub price: Balance,
}

fn tensor(name: &str, element: ElementType, width: u32) -> TensorSpec {
	TensorSpec {
		name: name.as_bytes().to_vec().try_into().expect("short name"),
		element,
		shape: vec![Dim::Batch, Dim::Fixed(width)].try_into().expect("rank 2"),
	}
}

fn spec(
	input: TensorSpec,
	output: TensorSpec,
	determinism: DeterminismClass,
	tiers: &[Tier],
) -> VersionSpec {
	VersionSpec {
		format: ModelFormat::Onnx { opset: 17 },
		schema: TensorSchema {
			inputs: vec![input].try_into().expect("one input"),
			outputs: vec![output].try_into().expect("one output"),
		},
		determinism,
		tiers: tiers.iter().copied().collect(),
	}
}

/// The example models, in the order they get ids at genesis (0, 1, 2).
pub fn example_models() -> Vec<ExampleModel> {
	vec![
		ExampleModel {
			name: "digits-mlp-f32",
			task: "image-classification",
			description: "Handwritten digits (8x8, values 0..1) to 10 class scores; float MLP 64-512-256-10.",
			bytes: include_bytes!("../../../scripts/models/digits-mlp-f32.onnx"),
			spec: spec(
				tensor("pixels", ElementType::F32, 64),
				tensor("scores", ElementType::F32, 10),
				DeterminismClass::Float(ToleranceRule::ArgmaxEqual),
				&[Tier::Vanilla, Tier::Optimistic, Tier::Tee],
			),
			price: MILLI_UNIT,
		},
		ExampleModel {
			name: "digits-mlp-int8",
			task: "image-classification",
			description: "Handwritten digits (8x8, int8 0..16) to 10 int32 scores; integer-exact MLP 64-32-10.",
			bytes: include_bytes!("../../../scripts/models/digits-mlp-int8.onnx"),
			spec: spec(
				tensor("pixels", ElementType::I8, 64),
				tensor("scores", ElementType::I32, 10),
				DeterminismClass::IntegerExact,
				&[Tier::Vanilla, Tier::Optimistic, Tier::Zk],
			),
			price: MILLI_UNIT,
		},
		ExampleModel {
			name: "intent-mlp-f32",
			task: "intent-classification",
			description: "Customer-service intents from 48 keyword counts (see intent-vocabulary.json) to 6 scores.",
			bytes: include_bytes!("../../../scripts/models/intent-mlp-f32.onnx"),
			spec: spec(
				tensor("features", ElementType::F32, 48),
				tensor("scores", ElementType::F32, 6),
				DeterminismClass::Float(ToleranceRule::ArgmaxEqual),
				&[Tier::Vanilla, Tier::Optimistic, Tier::Tee],
			),
			price: MILLI_UNIT / 2,
		},
	]
}

impl ExampleModel {
	/// The verifier data of the model's ZK circuit, compiled from its bytes.
	pub fn circuit(&self) -> Vec<u8> {
		let program =
			verin_zk::compile::compile_onnx(self.bytes).expect("the ZK example models compile");
		verin_zk::circuit::Circuit::build(&program)
			.expect("the ZK example models fit the row budget")
			.verifier_data()
	}

	/// The registry's genesis entry for this model, owned by `owner`.
	pub fn genesis<AccountId>(
		&self,
		owner: AccountId,
	) -> verin_primitives::model::GenesisModel<AccountId, Balance> {
		fn bounded<const N: u32>(
			text: &str,
		) -> sp_core::bounded::BoundedVec<u8, sp_core::ConstU32<N>> {
			text.as_bytes().to_vec().try_into().expect("within the metadata bounds")
		}
		verin_primitives::model::GenesisModel {
			owner,
			metadata: ModelMetadata {
				name: bounded(self.name),
				description: bounded(self.description),
				task: bounded(self.task),
				license: bounded("Apache-2.0"),
				tags: vec![bounded("example")].try_into().expect("one tag"),
			},
			price: self.price,
			spec: self.spec.clone(),
			size: self.bytes.len() as u64,
			chunk_hashes: self.bytes.chunks(MODEL_CHUNK_SIZE as usize).map(chunk_hash).collect(),
			circuit: self.spec.tiers.contains(Tier::Zk).then(|| self.circuit()),
		}
	}
}
