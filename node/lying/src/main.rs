//! `verin-node-lying`: a dishonest inference node for tests of the optimistic tier, never
//! part of a release (as polkadot's `malus` is to its node).
//!
//! It is `verin-node` in every respect but one: its engine alters every output it computes,
//! so its worker answers, watches and votes wrongly, and the chain's disputes can be driven
//! end to end (`e2e/tests/optimistic.rs`, `zombienet/network.zndsl`).

// sc-cli's error type is large by design (see verin-node's note).
#![allow(clippy::result_large_err)]

use sp_core::H256;
use verin_primitives::tensor::TensorPayload;
use verin_worker::OrtEngine;
use verin_worker_primitives::{InferenceBackend, InferenceError, InferenceExt, Proven};

fn main() -> sc_cli::Result<()> {
	eprintln!("verin-node-lying: a TEST node whose inference outputs are WRONG on purpose");
	verin_node::run_with_backend(|engine| InferenceExt::new(Lying(engine)))
}

/// Runs the model, then alters the output.
struct Lying(OrtEngine);

impl InferenceBackend for Lying {
	fn run(
		&mut self,
		content_id: H256,
		input: &TensorPayload,
	) -> Result<TensorPayload, InferenceError> {
		self.0.run(content_id, input).map(altered)
	}

	fn prove(
		&mut self,
		content_id: H256,
		digest: H256,
		input: &TensorPayload,
	) -> Result<Proven, InferenceError> {
		self.0.prove(content_id, digest, input)
	}
}

/// The output with every tensor's elements rotated by one place (the last first), which
/// moves the largest element of a row; a tensor whose elements are all equal gets its first
/// byte changed instead. The result always differs from the output, keeps its shape and
/// size, and so passes the chain's schema check.
fn altered(mut output: TensorPayload) -> TensorPayload {
	for tensor in output.iter_mut() {
		let elements: usize = tensor.shape.iter().map(|dim| *dim as usize).product();
		let width = tensor.data.len().checked_div(elements).unwrap_or(1).max(1);
		let original = tensor.data.to_vec();
		let mut bytes = original.clone();
		let shift = width.min(bytes.len());
		bytes.rotate_right(shift);
		if bytes == original {
			if let Some(first) = bytes.first_mut() {
				*first ^= 1;
			}
		}
		tensor.data = bytes.try_into().expect("same length as before");
	}
	output
}

#[cfg(test)]
mod tests {
	use verin_primitives::tensor::{TensorData, TensorPayload};

	fn payload(shape: &[u32], data: &[u8]) -> TensorPayload {
		vec![TensorData {
			shape: shape.to_vec().try_into().unwrap(),
			data: data.to_vec().try_into().unwrap(),
		}]
		.try_into()
		.unwrap()
	}

	#[test]
	fn an_altered_output_always_differs_and_keeps_its_shape() {
		let scores: Vec<u8> = [3i32, 9, 1].iter().flat_map(|v| v.to_le_bytes()).collect();
		let lie = super::altered(payload(&[1, 3], &scores));
		let expected: Vec<u8> = [1i32, 3, 9].iter().flat_map(|v| v.to_le_bytes()).collect();
		assert_eq!(lie[0].data.to_vec(), expected, "elements rotate whole");
		assert_eq!(lie[0].shape.to_vec(), vec![1, 3]);
		let flat = super::altered(payload(&[1, 2], &[5, 5]));
		assert_ne!(flat[0].data.to_vec(), vec![5, 5]);
	}
}
