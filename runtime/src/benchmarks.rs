//! The pallets whose benchmarks the `Benchmark` runtime API runs (scripts/bench-weights.sh).

use crate::{AccountId, Balance, Enclaves, Models, Runtime, RuntimeOrigin, Workers};

frame_benchmarking::define_benchmarks!(
	[pallet_models, Models]
	[pallet_workers, Workers]
	[pallet_inference, Inference]
	[pallet_enclaves, Enclaves]
	[pallet_balances, Balances]
);

/// Sets up models and workers for the market's benchmarks with the real pallets.
pub struct Helper;

impl pallet_workers::BenchmarkHelper<Runtime> for Helper {
	fn published_version(index: u32) -> verin_primitives::market::ServedVersion {
		let owner: AccountId = frame_benchmarking::account("model-owner", index, 0);
		let (model, version) = Models::publish_for_benchmarks(owner, 0, crate::benchmarks::spec());
		verin_primitives::market::ServedVersion { model, version }
	}
}

impl pallet_enclaves::BenchmarkHelper for Helper {
	fn set_time(now_ms: u64) {
		pallet_timestamp::Now::<Runtime>::put(now_ms);
	}
}

impl pallet_models::BenchmarkHelper<AccountId, Balance> for Helper {
	fn bond_reviewer(who: &AccountId, bond: Balance) {
		let served = <Helper as pallet_workers::BenchmarkHelper<Runtime>>::published_version(0);
		Workers::register(
			RuntimeOrigin::signed(who.clone()),
			bond.max(<Runtime as pallet_workers::Config>::MinStake::get()),
			verin_primitives::tier::Tier::ALL.into_iter().collect(),
			alloc::vec![served].try_into().expect("one model fits"),
		)
		.expect("a funded account can bond as a worker");
	}

	fn verifier_data(_len: u32) -> (alloc::vec::Vec<u8>, verin_primitives::model::TensorSchema) {
		use verin_primitives::model::{Dim, ElementType, TensorSchema, TensorSpec};
		// Every circuit the compiler emits has this shape and (up to its caps) this size.
		let data = verin_zk::reference_verifier_data();
		let shape = verin_zk::Verifier::from_bytes(data)
			.expect("the committed reference verifier data decodes")
			.shape();
		let tensor = |name: &[u8], element, width| TensorSpec {
			name: name.to_vec().try_into().expect("short name"),
			element,
			shape: alloc::vec![Dim::Batch, Dim::Fixed(width)].try_into().expect("rank 2"),
		};
		// The reference circuit (the integer digits model) takes int8 and returns int32 rows.
		debug_assert_eq!(
			(shape.input_type, shape.output_type),
			(verin_zk::program::IntegerType::I8, verin_zk::program::IntegerType::I32)
		);
		let schema = TensorSchema {
			inputs: alloc::vec![tensor(b"pixels", ElementType::I8, shape.input_width)]
				.try_into()
				.expect("one tensor"),
			outputs: alloc::vec![tensor(b"scores", ElementType::I32, shape.output_width)]
				.try_into()
				.expect("one tensor"),
		};
		(data.to_vec(), schema)
	}
}

impl pallet_inference::BenchmarkHelper<Runtime> for Helper {
	fn publish_model(
		owner: &AccountId,
		price: Balance,
		spec: verin_primitives::model::VersionSpec,
	) -> (verin_primitives::model::ModelId, verin_primitives::model::ModelVersion) {
		Models::publish_for_benchmarks(owner.clone(), price, spec)
	}

	fn register_worker(
		worker: &AccountId,
		model: verin_primitives::model::ModelId,
		version: verin_primitives::model::ModelVersion,
	) {
		let served = alloc::vec![verin_primitives::market::ServedVersion { model, version }];
		Workers::register(
			RuntimeOrigin::signed(worker.clone()),
			<Runtime as pallet_workers::Config>::MinStake::get() * 10,
			verin_primitives::tier::Tier::ALL.into_iter().collect(),
			served.try_into().expect("one model fits"),
		)
		.expect("a funded worker can serve a published version");
	}

	/// A ZK proof of the integer digits circuit (the compiler's reference, kept current by
	/// verin-zk's tests): the costliest evidence this runtime checks.
	fn costliest_evidence() -> pallet_inference::EvidenceCase {
		use verin_primitives::{model::*, tensor::TensorData, tier::Tier};
		use verin_zk::program::IntegerType;
		let reference = verin_zk::reference_proof().expect("the committed reference proof decodes");
		let circuit = verin_zk::reference_verifier_data();
		let tensor = |name: &[u8], element, width| TensorSpec {
			name: name.to_vec().try_into().expect("short name"),
			element,
			shape: alloc::vec![Dim::Batch, Dim::Fixed(width)].try_into().expect("rank 2"),
		};
		let row = |values: &[i64], element: IntegerType| {
			let data = element.encode(values);
			alloc::vec![TensorData {
				shape: alloc::vec![1, values.len() as u32].try_into().expect("rank 2"),
				data: data.try_into().expect("one row fits"),
			}]
			.try_into()
			.expect("one tensor")
		};
		pallet_inference::EvidenceCase {
			tier: Tier::Zk,
			spec: VersionSpec {
				format: ModelFormat::Onnx { opset: 17 },
				schema: TensorSchema {
					inputs: alloc::vec![tensor(b"pixels", ElementType::I8, 64)]
						.try_into()
						.expect("one input"),
					outputs: alloc::vec![tensor(b"scores", ElementType::I32, 10)]
						.try_into()
						.expect("one output"),
				},
				determinism: DeterminismClass::IntegerExact,
				tiers: Tier::ALL.into_iter().collect(),
			},
			input: row(&reference.input, IntegerType::I8),
			output: row(&reference.output, IntegerType::I32),
			circuit: Some((sp_core::H256(verin_zk::digest_of(circuit)), circuit.to_vec())),
			evidence: reference.proof.to_vec(),
		}
	}
}

/// A small integer model's spec: int8 [batch, 4] in, int8 [batch, 2] out, every tier.
fn spec() -> verin_primitives::model::VersionSpec {
	use verin_primitives::model::*;
	let tensor = |name: &[u8], width| TensorSpec {
		name: name.to_vec().try_into().expect("short name"),
		element: ElementType::I8,
		shape: alloc::vec![Dim::Batch, Dim::Fixed(width)].try_into().expect("rank 2"),
	};
	VersionSpec {
		format: ModelFormat::Onnx { opset: 17 },
		schema: TensorSchema {
			inputs: alloc::vec![tensor(b"x", 4)].try_into().expect("one input"),
			outputs: alloc::vec![tensor(b"y", 2)].try_into().expect("one output"),
		},
		determinism: DeterminismClass::IntegerExact,
		tiers: verin_primitives::tier::Tier::ALL.into_iter().collect(),
	}
}
