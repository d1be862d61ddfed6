//! What the runtime pays, in wasm, to check a ZK result: the dev worker's signed
//! `submit_result` for a ZK job on the integer digits model is applied with
//! `BlockBuilder_apply_extrinsic` in the node's wasm executor, against the same extrinsic
//! for a Vanilla job of the same model and input. The difference is the ZK check: reading
//! the registered verifier data, decoding and validating it, decoding the proof, and
//! plonky2's verification. Each application starts from the same state (a fresh overlay).
//!
//! Run with `bash scripts/bench-zk.sh` (after the EZKL comparison).

mod support;

use std::{path::PathBuf, time::Instant};

use codec::{Decode, Encode};
use sp_core::traits::CallContext;
use sp_runtime::{traits::Header as _, ApplyExtrinsicResult};
use sp_state_machine::{Ext, OverlayedChanges};
use support::{RuntimeWasm, WorkerNode};
use verin_primitives::{
	tensor::{TensorData, TensorPayload},
	tier::Tier,
};
use verin_runtime::Header;
use verin_worker::{EngineConfig, OrtEngine};

const DIGITS_INT8: u64 = 1;
const ROUNDS: usize = 5;
const APPLICATIONS: usize = 20;

/// A node whose dev worker answered its one job, with the answer and block 2 started.
struct Answered {
	node: WorkerNode,
	extrinsic: Vec<u8>,
}

impl Answered {
	fn new(engine: &OrtEngine, runtime: &RuntimeWasm, input: &TensorPayload, tier: Tier) -> Self {
		let mut node = WorkerNode::new(engine, DIGITS_INT8, input.clone(), tier, 1);
		assert_eq!(node.run_offchain_worker(runtime), 1, "{tier:?}: the worker answers");
		let extrinsic = node.pool.read().transactions[0].clone();
		let next = Header::new(
			node.header.number + 1,
			Default::default(),
			Default::default(),
			node.header.hash(),
			Default::default(),
		);
		runtime.call(
			&mut node.ext.ext(),
			"Core_initialize_block",
			&next.encode(),
			CallContext::Onchain { import: false },
		);
		node.ext.commit_all().expect("the block's start is committed");
		Answered { node, extrinsic }
	}

	/// Applies the answer on a fresh overlay; returns the seconds it took.
	fn apply(&mut self, runtime: &RuntimeWasm) -> f64 {
		let mut overlay = OverlayedChanges::default();
		let mut ext =
			Ext::new(&mut overlay, &self.node.ext.backend, Some(&mut self.node.ext.extensions));
		let start = Instant::now();
		let result = runtime.call(
			&mut ext,
			"BlockBuilder_apply_extrinsic",
			&self.extrinsic,
			CallContext::Onchain { import: false },
		);
		let elapsed = start.elapsed().as_secs_f64();
		let result = ApplyExtrinsicResult::decode(&mut &result[..]).expect("an apply result");
		assert_eq!(result, Ok(Ok(())), "the answer is accepted ({} bytes)", self.extrinsic.len());
		elapsed
	}
}

fn best(answered: &mut Answered, runtime: &RuntimeWasm) -> f64 {
	(0..APPLICATIONS).map(|_| answered.apply(runtime)).fold(f64::MAX, f64::min)
}

fn main() {
	let library =
		PathBuf::from(std::env::var("VERIN_ORT_LIBRARY").expect("source scripts/env.sh first"));
	let engine =
		OrtEngine::new(EngineConfig { cache_capacity: 4, ..EngineConfig::new(library) }, None)
			.expect("ONNX Runtime loads");
	for model in verin_worker::example_models::example_models() {
		engine.add_model(model.bytes.to_vec());
	}
	let runtime = RuntimeWasm::new();
	let row: Vec<u8> = (0..64).map(|i| (i % 17) as u8).collect();
	let input: TensorPayload =
		vec![TensorData { shape: vec![1, 64].try_into().unwrap(), data: row.try_into().unwrap() }]
			.try_into()
			.unwrap();

	let mut zk = Answered::new(&engine, &runtime, &input, Tier::Zk);
	let mut vanilla = Answered::new(&engine, &runtime, &input, Tier::Vanilla);
	let (mut best_zk, mut best_vanilla) = (f64::MAX, f64::MAX);
	for _ in 0..ROUNDS {
		best_vanilla = best_vanilla.min(best(&mut vanilla, &runtime));
		best_zk = best_zk.min(best(&mut zk, &runtime));
	}
	println!("| apply `submit_result` in wasm, digits-mlp-int8, one row | time (ms) |");
	println!("|---|---:|");
	println!("| Vanilla (no evidence) | {:.2} |", best_vanilla * 1e3);
	println!("| Zk ({} byte proof) | {:.2} |", zk.extrinsic.len(), best_zk * 1e3);
	println!("| ZK check (difference) | {:.2} |", (best_zk - best_vanilla) * 1e3);
}
