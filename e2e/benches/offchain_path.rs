//! Overhead of the whole offchain path of an inference job over a bare ONNX Runtime
//! session run on the same model and input, measured in one run.
//!
//! The path is the one a `--worker` node takes after importing a block: the executor calls
//! the runtime's `OffchainWorkerApi_offchain_worker` in wasm (the same runtime blob and
//! executor type as the node), the pallet reads the key's pending jobs and the job,
//! claims it in the persistent offchain store, crosses into the node through the
//! `verin_inference::run` host function (SCALE both ways), the engine runs the model, the
//! pallet checks the output against the schema, signs the run's answers with the worker key
//! (one `submit_answers`) and hands it to the transaction pool. The state is the dev chain's genesis (the example
//! models, Alice as their worker) plus jobs requested by Bob.
//!
//! Three numbers per model, alternated in rounds so drift on a shared machine hits them
//! alike (best round kept):
//! - bare: `ort` `Session::run` on the same bytes and input, no Verin code;
//! - one job: an offchain-worker run that answers one job (what a lightly loaded node does
//!   per block);
//! - per job in a run of 16: an offchain-worker run answering 16 jobs of one key, divided
//!   by 16: the fixed cost of a run (wasm call, pending list) and the one signature of its
//!   `submit_answers` shared out.
//!
//! Run with `bash scripts/bench-inference.sh`; it prints Markdown tables.

mod support;

use std::{
	path::PathBuf,
	time::{Duration, Instant},
};

use ort::{session::Session, value::Tensor};
use support::{RuntimeWasm, WorkerNode};
use verin_primitives::{
	model::ModelId,
	tensor::{TensorData, TensorPayload},
	tier::Tier,
};
use verin_worker::{session_settings, EngineConfig, OrtEngine};

/// Jobs of one worker key answered in the measured full run.
const FULL_RUN: usize = 16;
const ROUNDS: u32 = 5;
/// Each measurement repeats until at least this much time has passed.
const MEASURE_FOR: Duration = Duration::from_millis(400);

/// A model, the example input it is measured on, and how to feed it to bare `ort`.
struct Case {
	model: ModelId,
	name: &'static str,
	rows: usize,
	width: usize,
	integer: bool,
}

const CASES: [Case; 4] = [
	Case { model: 0, name: "digits-mlp-f32", rows: 1, width: 64, integer: false },
	Case { model: 0, name: "digits-mlp-f32", rows: 64, width: 64, integer: false },
	Case { model: 1, name: "digits-mlp-int8", rows: 1, width: 64, integer: true },
	Case { model: 2, name: "intent-mlp-f32", rows: 1, width: 48, integer: false },
];

impl Case {
	fn payload(&self) -> TensorPayload {
		let data: Vec<u8> = if self.integer {
			self.integers().into_iter().map(|v| v as u8).collect()
		} else {
			self.floats().iter().flat_map(|v| v.to_le_bytes()).collect()
		};
		vec![TensorData {
			shape: vec![self.rows as u32, self.width as u32].try_into().expect("rank 2"),
			data: data.try_into().expect("within the tensor bound"),
		}]
		.try_into()
		.expect("one tensor")
	}

	fn floats(&self) -> Vec<f32> {
		(0..self.rows * self.width).map(|i| (i % 17) as f32 / 16.0).collect()
	}

	fn integers(&self) -> Vec<i8> {
		(0..self.rows * self.width).map(|i| (i % 17) as i8).collect()
	}
}

/// Mean time of `f` in µs over repetitions lasting at least [`MEASURE_FOR`].
fn mean_micros(mut f: impl FnMut()) -> f64 {
	let start = Instant::now();
	let mut count = 0u32;
	while start.elapsed() < MEASURE_FOR || count < 10 {
		f();
		count += 1;
	}
	start.elapsed().as_secs_f64() * 1e6 / count as f64
}

fn main() {
	let library =
		PathBuf::from(std::env::var("VERIN_ORT_LIBRARY").expect("source scripts/env.sh first"));
	let engine = OrtEngine::new(EngineConfig::new(library), None).expect("ONNX Runtime loads");
	let models = verin_worker::example_models::example_models();
	for model in &models {
		engine.add_model(model.bytes.to_vec());
	}
	let runtime = RuntimeWasm::new();

	println!("| model | rows | bare ort run (µs) | offchain path, 1 job (µs) | ratio | per job in a run of {FULL_RUN} (µs) | ratio |");
	println!("|---|---:|---:|---:|---:|---:|---:|");
	for case in &CASES {
		let bytes = models.iter().find(|m| m.name == case.name).expect("an example model").bytes;
		let mut session: Session = session_settings(engine.environment())
			.expect("session settings")
			.commit_from_memory(bytes)
			.expect("ort loads the model");
		let input_name = session.inputs()[0].name().to_string();
		let shape = vec![case.rows as i64, case.width as i64];
		let (floats, integers) = (case.floats(), case.integers());
		let mut bare = || {
			// Read the output as a caller would; the engine also copies it out.
			if case.integer {
				let tensor = Tensor::from_array((shape.clone(), integers.clone())).unwrap();
				let outputs = session.run(vec![(input_name.as_str(), tensor)]).unwrap();
				std::hint::black_box(outputs[0].try_extract_tensor::<i32>().unwrap().1.to_vec());
			} else {
				let tensor = Tensor::from_array((shape.clone(), floats.clone())).unwrap();
				let outputs = session.run(vec![(input_name.as_str(), tensor)]).unwrap();
				std::hint::black_box(outputs[0].try_extract_tensor::<f32>().unwrap().1.to_vec());
			}
		};

		let mut single = WorkerNode::new(&engine, case.model, case.payload(), Tier::Vanilla, 1);
		let mut full =
			WorkerNode::new(&engine, case.model, case.payload(), Tier::Vanilla, FULL_RUN);
		// Warm up: wasm compilation, session cache, and check each run answers every job.
		assert_eq!(single.run_offchain_worker(&runtime), 1, "{}: one answer", case.name);
		assert_eq!(
			full.run_offchain_worker(&runtime),
			FULL_RUN,
			"{}: {FULL_RUN} answers",
			case.name
		);
		assert_eq!(single.pool.read().transactions.len(), 1, "{}: one transaction", case.name);
		assert_eq!(full.pool.read().transactions.len(), 1, "{}: one transaction", case.name);

		let (mut best_bare, mut best_single, mut best_full) = (f64::MAX, f64::MAX, f64::MAX);
		for _ in 0..ROUNDS {
			best_bare = best_bare.min(mean_micros(&mut bare));
			best_single = best_single.min(mean_micros(|| {
				single.run_offchain_worker(&runtime);
			}));
			best_full = best_full.min(
				mean_micros(|| {
					full.run_offchain_worker(&runtime);
				}) / FULL_RUN as f64,
			);
		}
		// Every measured run answered every job (checked once more after them).
		assert_eq!(
			full.run_offchain_worker(&runtime),
			FULL_RUN,
			"{}: every job answered",
			case.name
		);
		println!(
			"| `{}` | {} | {best_bare:.1} | {best_single:.1} | {:.2} | {best_full:.1} | {:.2} |",
			case.name,
			case.rows,
			best_single / best_bare,
			best_full / best_bare
		);
	}
}
