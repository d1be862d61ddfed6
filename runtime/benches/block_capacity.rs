//! How many inference jobs (a request plus its result) fit in one block, next to how many
//! balance transfers fit: both from the runtime's own weights (benchmarked) and block limits.
//!
//! Run with `bash scripts/bench-capacity.sh`. Prints a Markdown table.

use frame_support::{dispatch::DispatchClass, weights::Weight};
use pallet_balances::WeightInfo as _;
use pallet_inference::WeightInfo as _;
use verin_runtime::{
	configs::{RuntimeBlockLength, RuntimeBlockWeights},
	Runtime,
};

type InferenceWeights = pallet_inference::weights::SubstrateWeight<Runtime>;
type BalancesWeights = <Runtime as pallet_balances::Config>::WeightInfo;

/// Bytes of the digits model's input (64 f32) and output (10 f32) for one row.
const DIGITS_INPUT_BYTES: u32 = 64 * 4;
const DIGITS_OUTPUT_BYTES: u32 = 10 * 4;
/// Rows of the largest digits request (64 rows of 256 bytes fill the 16 KiB input limit).
const MAX_ROWS: u32 = 64;
/// Encoded bytes of a signed extrinsic besides its tensor data (signature, extensions,
/// call indices, model id, shapes, fee cap, window): an upper estimate.
const EXTRINSIC_OVERHEAD_BYTES: u32 = 200;

fn main() {
	let block = RuntimeBlockWeights::get();
	let normal = block.get(DispatchClass::Normal);
	let budget = normal.max_total.expect("normal extrinsics have a limit");
	let base = normal.base_extrinsic;
	let per_block = |weight: Weight| budget.ref_time() / weight.ref_time();

	let transfer = BalancesWeights::transfer_keep_alive().saturating_add(base);
	let result = InferenceWeights::submit_result(DIGITS_OUTPUT_BYTES).saturating_add(base);
	// Each job's timer fires about twice (deadline, then retention end) in later blocks'
	// `on_initialize`; charged here at the worst case, a missed deadline with reassignment.
	let timer = InferenceWeights::on_initialize_timers(1)
		.saturating_sub(InferenceWeights::on_initialize_timers(0));

	println!(
		"Normal-class budget per block: {:.1} ms; base extrinsic: {:.1} µs",
		ms(budget),
		us(base)
	);
	println!();
	println!("| extrinsic | weight (µs) | per block | jobs per block / transfers per block |");
	println!("|---|---:|---:|---:|");
	println!(
		"| `balances.transfer_keep_alive` | {:.1} | {} | |",
		us(transfer),
		per_block(transfer)
	);
	println!(
		"| `inference.submit_result` (digits, 40 B out) | {:.1} | {} | |",
		us(result),
		per_block(result)
	);
	for workers in [1u32, 4, 32] {
		let request = request_weight(workers, DIGITS_INPUT_BYTES).saturating_add(base);
		let job = request.saturating_add(result);
		let jobs = per_block(job);
		println!(
			"| `inference.request` (digits, {workers} eligible workers) | {:.1} | {} | |",
			us(request),
			per_block(request)
		);
		println!(
			"| **job = request + result** ({workers} workers) | {:.1} | {jobs} | {:.2} |",
			us(job),
			jobs as f64 / per_block(transfer) as f64
		);
		let with_hooks = job.saturating_add(timer.saturating_mul(2));
		println!(
			"| job + its two timer firings, worst case ({workers} workers) | {:.1} | {} | {:.2} |",
			us(with_hooks),
			per_block(with_hooks),
			per_block(with_hooks) as f64 / per_block(transfer) as f64
		);
	}

	// Jobs in batches: one `request_batch` of BATCH one-row jobs and one `submit_answers` of
	// their results, amortized per job. The bounds: at most 2x a transfer per job in
	// batches of 16, at most 4x for a single unbatched job.
	println!();
	println!("| job (request + result) | weight per job (µs) | jobs per block | x transfer |");
	println!("|---|---:|---:|---:|");
	let single =
		pallet_inference::Pallet::<Runtime>::request_batch_weight(1, 1, DIGITS_INPUT_BYTES)
			.saturating_add(InferenceWeights::submit_result(DIGITS_OUTPUT_BYTES))
			.saturating_add(base.saturating_mul(2));
	println!(
		"| single, unbatched (1 worker) | {:.1} | {} | {:.2} |",
		us(single),
		per_block(single),
		ratio(single, transfer)
	);
	for batch in [4u32, 16, 64] {
		for workers in [1u32, 4] {
			let requests = pallet_inference::Pallet::<Runtime>::request_batch_weight(
				batch,
				workers,
				batch * DIGITS_INPUT_BYTES,
			);
			let per_byte = InferenceWeights::submit_result(batch * DIGITS_OUTPUT_BYTES + 1)
				.saturating_sub(InferenceWeights::submit_result(1));
			let answers = InferenceWeights::submit_answers(batch).saturating_add(per_byte);
			let per_job = Weight::from_parts(
				(requests + answers + base.saturating_mul(2)).ref_time() / u64::from(batch),
				0,
			);
			println!(
				"| in batches of {batch} ({workers} workers) | {:.1} | {} | {:.2} |",
				us(per_job),
				per_block(per_job),
				ratio(per_job, transfer)
			);
		}
	}

	// One request of 64 rows: the weight allows many such jobs, the block length fewer.
	let max_length = *RuntimeBlockLength::get().max.get(DispatchClass::Normal) as u64;
	let request = request_weight(1, MAX_ROWS * DIGITS_INPUT_BYTES).saturating_add(base);
	let result =
		InferenceWeights::submit_result(MAX_ROWS * DIGITS_OUTPUT_BYTES).saturating_add(base);
	let job = request.saturating_add(result);
	let job_bytes = (MAX_ROWS * (DIGITS_INPUT_BYTES + DIGITS_OUTPUT_BYTES)
		+ 2 * EXTRINSIC_OVERHEAD_BYTES) as u64;
	let jobs = per_block(job).min(max_length / job_bytes);
	println!(
		"| job of {MAX_ROWS} digits rows (1 worker; weight allows {}, block length {}) | {:.1} | {jobs} | {:.2} ({} inferences per block) |",
		per_block(job),
		max_length / job_bytes,
		us(job),
		jobs as f64 / per_block(transfer) as f64,
		jobs * MAX_ROWS as u64,
	);
}

fn ratio(weight: Weight, baseline: Weight) -> f64 {
	weight.ref_time() as f64 / baseline.ref_time() as f64
}

fn us(weight: Weight) -> f64 {
	weight.ref_time() as f64 / 1e6
}

fn ms(weight: Weight) -> f64 {
	weight.ref_time() as f64 / 1e9
}

/// What a `request` is charged: a bulk request of one.
fn request_weight(workers: u32, input_bytes: u32) -> Weight {
	pallet_inference::Pallet::<Runtime>::request_batch_weight(1, workers, input_bytes)
}
