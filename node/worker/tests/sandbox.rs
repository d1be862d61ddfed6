//! No model can stall or exhaust the worker: runs happen in runner processes with a time and
//! a memory limit. Each attack is a model an owner can deploy (`scripts/models/hostile`):
//! - a `Loop` that never ends is stopped at the time limit (`ExecutionTimedOut`), and the
//!   next job is answered by a fresh runner;
//! - an allocation of 8 GiB is refused at the memory limit (`ResourceLimit`);
//! - while one runner is busy with a looping model, another model's job is answered;
//! - the operator's deny list and size cap decline a model before it is loaded.

use std::{
	path::PathBuf,
	sync::mpsc,
	time::{Duration, Instant},
};

use sp_core::H256;
use verin_primitives::{
	model::content_id_of,
	tensor::{TensorData, TensorPayload},
};
use verin_worker::{EngineConfig, ModelPolicy, OrtEngine, RunLimits, RunnerCommand, SandboxConfig};
use verin_worker_primitives::InferenceError;

fn library() -> PathBuf {
	PathBuf::from(std::env::var("VERIN_ORT_LIBRARY").expect(
		"VERIN_ORT_LIBRARY names the ONNX Runtime library: run `bash scripts/setup.sh` and `source scripts/env.sh`",
	))
}

fn models() -> PathBuf {
	PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/models")
}

const LOOP_FOREVER: &str = "hostile/loop-forever.onnx";
const MEMORY_BOMB: &str = "hostile/memory-bomb.onnx";
const INTENT: &str = "intent-mlp-f32.onnx";

/// An engine whose runs happen in runners of the test runner binary, with these limits.
fn sandboxed(timeout: Duration, max_runners: usize, policy: ModelPolicy) -> (OrtEngine, [H256; 3]) {
	let engine = OrtEngine::new(
		EngineConfig {
			cache_capacity: 2,
			sandbox: Some(SandboxConfig {
				runner: RunnerCommand {
					program: env!("CARGO_BIN_EXE_verin-model-runner").into(),
					args: vec![],
				},
				limits: RunLimits { timeout, memory_bytes: 1024 * 1024 * 1024 },
				max_runners,
			}),
			policy,
			..EngineConfig::new(library())
		},
		None,
	)
	.expect("ONNX Runtime loads");
	let ids = [LOOP_FOREVER, MEMORY_BOMB, INTENT]
		.map(|file| engine.add_model(std::fs::read(models().join(file)).unwrap()));
	(engine, ids)
}

fn features(width: u32) -> TensorPayload {
	let data: Vec<u8> = (0..width).flat_map(|i| (i as f32 / 8.0).to_le_bytes()).collect();
	vec![TensorData { shape: vec![1, width].try_into().unwrap(), data: data.try_into().unwrap() }]
		.try_into()
		.unwrap()
}

#[test]
fn a_model_that_never_ends_times_out_and_the_next_job_is_answered() {
	let (engine, [looping, _, intent]) =
		sandboxed(Duration::from_millis(500), 1, ModelPolicy::default());
	assert_eq!(engine.run(looping, &features(4)), Err(InferenceError::ExecutionTimedOut));
	// The stuck runner was stopped; a fresh one answers (the pool has room for one only).
	assert_eq!(engine.runners_alive(), 0);
	let output = engine.run(intent, &features(48)).expect("the next job is answered");
	assert_eq!(output[0].shape.to_vec(), vec![1, 6]);
	assert_eq!(engine.runners_alive(), 1);
}

#[test]
fn a_model_that_allocates_gigabytes_ends_at_the_memory_limit() {
	let (engine, [_, bomb, intent]) = sandboxed(Duration::from_secs(20), 1, ModelPolicy::default());
	assert_eq!(engine.run(bomb, &features(4)), Err(InferenceError::ResourceLimit));
	assert!(engine.run(intent, &features(48)).is_ok(), "the next job is answered");
}

#[test]
fn a_looping_model_does_not_hold_up_other_models() {
	let (engine, [looping, _, intent]) =
		sandboxed(Duration::from_secs(10), 2, ModelPolicy::default());
	let (done, finished) = mpsc::channel();
	let stuck = engine.clone();
	let started = Instant::now();
	let thread = std::thread::spawn(move || {
		let result = stuck.run(looping, &features(4));
		done.send(()).unwrap();
		result
	});
	// Wait until the looping job holds its runner.
	while engine.runners_alive() == 0 {
		std::thread::sleep(Duration::from_millis(10));
	}
	let output = engine.run(intent, &features(48)).expect("answered beside the looping job");
	assert_eq!(output[0].shape.to_vec(), vec![1, 6]);
	// The other model was answered while the looping one still ran.
	assert_eq!(finished.try_recv(), Err(mpsc::TryRecvError::Empty));
	assert_eq!(thread.join().unwrap(), Err(InferenceError::ExecutionTimedOut));
	assert!(started.elapsed() >= Duration::from_secs(10));
}

#[test]
fn when_every_runner_is_busy_the_job_waits_for_the_next_block() {
	let (engine, [looping, _, intent]) =
		sandboxed(Duration::from_secs(3), 1, ModelPolicy::default());
	let stuck = engine.clone();
	let thread = std::thread::spawn(move || stuck.run(looping, &features(4)));
	while engine.runners_alive() == 0 {
		std::thread::sleep(Duration::from_millis(10));
	}
	// The node's own limit: not a failure of the job (it is not reported, and retried).
	let busy = engine.run(intent, &features(48));
	assert_eq!(busy, Err(InferenceError::Unavailable));
	assert_eq!(busy.unwrap_err().failure_reason(), None);
	assert_eq!(thread.join().unwrap(), Err(InferenceError::ExecutionTimedOut));
	assert!(engine.run(intent, &features(48)).is_ok());
}

#[test]
fn the_operator_declines_denied_and_oversized_models() {
	let intent_bytes = std::fs::read(models().join(INTENT)).unwrap();
	let intent_id = content_id_of(&intent_bytes);
	let (engine, [looping, ..]) = sandboxed(
		Duration::from_secs(5),
		1,
		ModelPolicy { denied: [looping_id()].into(), max_model_size: Some(1024) },
	);
	assert_eq!(looping, looping_id());
	assert_eq!(engine.run(looping, &features(4)), Err(InferenceError::ModelDeclined));
	// The intent classifier is larger than 1 KiB.
	assert!(intent_bytes.len() > 1024);
	assert_eq!(engine.run(intent_id, &features(48)), Err(InferenceError::ModelDeclined));
}

fn looping_id() -> H256 {
	content_id_of(&std::fs::read(models().join(LOOP_FOREVER)).unwrap())
}
