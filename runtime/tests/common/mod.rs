//! What the runtime's integration tests share: a chain from the development preset, blocks
//! that run every pallet's `on_initialize`, signed dispatch, and a published model.
#![allow(dead_code)]

use frame_support::{assert_ok, traits::OnInitialize};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{traits::Dispatchable, DispatchResult};
use verin_primitives::{
	model::{
		content_id_of, DeterminismClass, Dim, ElementType, ModelFormat, ModelMetadata,
		ModelVersion, TensorSchema, TensorSpec, VersionSpec,
	},
	tensor::{TensorData, TensorPayload},
	tier::TierSet,
};
use verin_runtime::{
	AllPalletsWithSystem, Balance, Runtime, RuntimeCall, RuntimeGenesisConfig, RuntimeOrigin,
	System,
};

/// A chain built from the development preset, at block 1.
pub fn new_chain() -> sp_io::TestExternalities {
	new_chain_from(sp_genesis_builder::DEV_RUNTIME_PRESET)
}

/// A chain built from the runtime's genesis preset `preset`, at block 1.
pub fn new_chain_from(preset: &str) -> sp_io::TestExternalities {
	let mut ext = sp_io::TestExternalities::new_empty();
	ext.execute_with(|| {
		let preset = verin_runtime::genesis_config_presets::get_preset(&preset.into())
			.expect("the preset exists");
		// A preset is a patch over the default config, as the node's chain spec applies it.
		let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
		merge(&mut config, serde_json::from_slice(&preset).unwrap());
		frame_support::genesis_builder_helper::build_state::<RuntimeGenesisConfig>(
			serde_json::to_vec(&config).unwrap(),
		)
		.expect("the preset builds");
	});
	ext.execute_with(next_block);
	ext
}

fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
	match (base, patch) {
		(serde_json::Value::Object(base), serde_json::Value::Object(patch)) => {
			for (key, value) in patch {
				merge(base.entry(key).or_insert(serde_json::Value::Null), value);
			}
		},
		(base, patch) => *base = patch,
	}
}

/// Starts the next block: every pallet's `on_initialize` runs, as in `Executive`.
pub fn next_block() {
	let number = System::block_number() + 1;
	let parent = System::parent_hash();
	System::initialize(&number, &parent, &Default::default());
	AllPalletsWithSystem::on_initialize(number);
}

/// Dispatches `call` signed by `who`, as a transaction would.
pub fn dispatch(who: Sr25519Keyring, call: impl Into<RuntimeCall>) -> DispatchResult {
	call.into()
		.dispatch(RuntimeOrigin::signed(who.to_account_id()))
		.map(|_| ())
		.map_err(|error| error.error)
}

pub fn tensor(name: &[u8], width: u32) -> TensorSpec {
	TensorSpec {
		name: name.to_vec().try_into().unwrap(),
		element: ElementType::F32,
		shape: vec![Dim::Batch, Dim::Fixed(width)].try_into().unwrap(),
	}
}

pub fn f32_payload(rows: u32, width: u32, value: f32) -> TensorPayload {
	let data: Vec<u8> = (0..rows * width).flat_map(|_| value.to_le_bytes()).collect();
	vec![TensorData {
		shape: vec![rows, width].try_into().unwrap(),
		data: data.try_into().unwrap(),
	}]
	.try_into()
	.unwrap()
}

/// Registers (owned by `owner`, priced `price`) and uploads a float model (f32 [batch, 8]
/// -> f32 [batch, 3]) offering `tiers`; returns its id.
pub fn publish_model(owner: Sr25519Keyring, price: Balance, tiers: TierSet) -> u64 {
	publish_model_of_width(owner, price, tiers, 8, 3)
}

/// As [`publish_model`], for a model of f32 [batch, `inputs`] -> f32 [batch, `outputs`].
pub fn publish_model_of_width(
	owner: Sr25519Keyring,
	price: Balance,
	tiers: TierSet,
	inputs: u32,
	outputs: u32,
) -> u64 {
	publish_model_with_inputs(owner, price, tiers, &[inputs], outputs)
}

/// As [`publish_model`], for a model of one f32 [batch, width] input per `input_widths`
/// -> f32 [batch, `outputs`].
pub fn publish_model_with_inputs(
	owner: Sr25519Keyring,
	price: Balance,
	tiers: TierSet,
	input_widths: &[u32],
	outputs: u32,
) -> u64 {
	let model = pallet_models::NextModelId::<Runtime>::get();
	let metadata = ModelMetadata {
		name: b"intent-classifier".to_vec().try_into().unwrap(),
		description: Default::default(),
		task: b"intent-classification".to_vec().try_into().unwrap(),
		license: b"Apache-2.0".to_vec().try_into().unwrap(),
		tags: Default::default(),
	};
	assert_ok!(dispatch(owner, pallet_models::Call::register_model { metadata, price }));
	let bytes: Vec<u8> = (0..3_000u32).map(|i| (i % 251) as u8).collect();
	let spec = VersionSpec {
		format: ModelFormat::Onnx { opset: 17 },
		schema: TensorSchema {
			inputs: input_widths
				.iter()
				.enumerate()
				.map(|(index, width)| tensor(format!("input{index}").as_bytes(), *width))
				.collect::<Vec<_>>()
				.try_into()
				.unwrap(),
			outputs: vec![tensor(b"scores", outputs)].try_into().unwrap(),
		},
		determinism: DeterminismClass::Float(verin_primitives::model::ToleranceRule::ArgmaxEqual),
		tiers,
	};
	assert_ok!(dispatch(
		owner,
		pallet_models::Call::begin_upload {
			model,
			version: ModelVersion::new(1, 0),
			spec,
			size: bytes.len() as u64,
			chunk_count: 1
		}
	));
	assert_ok!(dispatch(
		owner,
		pallet_models::Call::upload_chunk {
			model,
			index: 0,
			bytes: bytes.clone().try_into().unwrap()
		}
	));
	assert_ok!(dispatch(owner, pallet_models::Call::finish_upload { model }));
	let version =
		pallet_models::Pallet::<Runtime>::version(model, ModelVersion::new(1, 0)).unwrap();
	assert_eq!(version.content_id, content_id_of(&bytes));
	model
}
