//! Overhead of the engine's path (payload decoding, session lookup, conversion both ways)
//! over a bare `ort` session run, on the same model and input, measured in one run.
//!
//! Run with `bash scripts/bench-inference.sh`. Prints a Markdown table with the ratio.

use std::{path::PathBuf, time::Instant};

use ort::{session::Session, value::Tensor};
use verin_primitives::{
	model::content_id_of,
	tensor::{TensorData, TensorPayload},
};
use verin_worker::{session_settings, EngineConfig, OrtEngine};

const ITERATIONS: u32 = 2_000;
const ROUNDS: u32 = 5;

fn main() {
	let library =
		PathBuf::from(std::env::var("VERIN_ORT_LIBRARY").expect("source scripts/env.sh first"));
	let models = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/models");
	let engine = OrtEngine::new(
		EngineConfig {
			model_dir: Some(models.clone()),
			cache_capacity: 4,
			..EngineConfig::new(library)
		},
		None,
	)
	.expect("ONNX Runtime loads");

	println!("| model | rows | bare ort run (µs) | engine run (µs) | ratio |");
	println!("|---|---:|---:|---:|---:|");
	for (file, width, rows) in [
		("digits-mlp-f32.onnx", 64usize, 1usize),
		("digits-mlp-f32.onnx", 64, 16),
		("intent-mlp-f32.onnx", 48, 1),
	] {
		let bytes = std::fs::read(models.join(file)).unwrap();
		let id = content_id_of(&bytes);
		let values: Vec<f32> = (0..rows * width).map(|i| (i % 17) as f32 / 16.0).collect();
		let payload: TensorPayload = vec![TensorData {
			shape: vec![rows as u32, width as u32].try_into().unwrap(),
			data: values
				.iter()
				.flat_map(|v| v.to_le_bytes())
				.collect::<Vec<_>>()
				.try_into()
				.unwrap(),
		}]
		.try_into()
		.unwrap();
		engine.run(id, &payload).expect("warm-up");

		let mut session: Session =
			session_settings(engine.environment()).unwrap().commit_from_memory(&bytes).unwrap();
		let input_name = session.inputs()[0].name().to_string();
		let bare = || {
			let start = Instant::now();
			for _ in 0..ITERATIONS {
				let tensor =
					Tensor::from_array((vec![rows as i64, width as i64], values.clone())).unwrap();
				let outputs = session.run(vec![(input_name.as_str(), tensor)]).unwrap();
				std::hint::black_box(outputs[0].try_extract_tensor::<f32>().unwrap().1[0]);
			}
			start.elapsed().as_secs_f64() * 1e6 / ITERATIONS as f64
		};
		let mut bare = bare;
		let through_engine = || {
			let start = Instant::now();
			for _ in 0..ITERATIONS {
				std::hint::black_box(engine.run(id, &payload).unwrap());
			}
			start.elapsed().as_secs_f64() * 1e6 / ITERATIONS as f64
		};
		// Alternate the two so drift on a shared machine hits both alike; keep the best round.
		let (mut best_bare, mut best_engine) = (f64::MAX, f64::MAX);
		for _ in 0..ROUNDS {
			best_bare = best_bare.min(bare());
			best_engine = best_engine.min(through_engine());
		}
		println!(
			"| `{file}` | {rows} | {best_bare:.1} | {best_engine:.1} | {:.3} |",
			best_engine / best_bare
		);
	}
}
