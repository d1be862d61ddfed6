//! Whether two executions of a model gave the same answer, by the model's determinism class
//! (docs/tiers.md). The optimistic tier's watchers and committee use it to judge a result
//! against their own re-execution, and the runtime uses it to count votes.
//!
//! - Integer-exact models: the payloads are identical, byte for byte.
//! - Float models: shapes are identical; integer and boolean tensors are identical; float
//!   tensors (`f16`, `f32`, `f64`) follow the model's [`ToleranceRule`], compared in `f64`.
//!   A NaN never agrees with anything, so a worker cannot hide a broken answer behind one.

use crate::{
	model::{DeterminismClass, ElementType, TensorSpec, ToleranceRule},
	tensor::{f16_to_f64, TensorData},
};

/// Whether outputs `a` and `b` of a model with `determinism` and output tensors `specs`
/// count as the same answer. Payloads that do not fit `specs` never agree.
pub fn outputs_agree(
	determinism: &DeterminismClass,
	specs: &[TensorSpec],
	a: &[TensorData],
	b: &[TensorData],
) -> bool {
	let rule = match determinism {
		DeterminismClass::IntegerExact => return a == b,
		DeterminismClass::Float(rule) => *rule,
	};
	if a.len() != b.len() || a.len() != specs.len() {
		return false;
	}
	specs.iter().zip(a.iter().zip(b)).all(|(spec, (a, b))| {
		if a.shape != b.shape || a.data.len() != b.data.len() {
			return false;
		}
		if !spec.element.is_float() {
			return a.data == b.data;
		}
		floats_agree(rule, spec.element, a.shape.last().copied(), &a.data, &b.data)
	})
}

/// The elements of a float tensor's bytes, widened to `f64` (exactly: every `f16` and `f32`
/// value is an `f64` value).
fn floats(element: ElementType, data: &[u8]) -> impl Iterator<Item = f64> + '_ {
	let width = element.byte_width() as usize;
	data.chunks_exact(width).map(move |bytes| match element {
		ElementType::F16 => f16_to_f64(u16::from_le_bytes([bytes[0], bytes[1]])),
		ElementType::F64 => f64::from_le_bytes(bytes.try_into().unwrap_or([0xff; 8])),
		_ => f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as f64,
	})
}

fn floats_agree(
	rule: ToleranceRule,
	element: ElementType,
	row_len: Option<u32>,
	a: &[u8],
	b: &[u8],
) -> bool {
	let width = element.byte_width() as usize;
	if !a.len().is_multiple_of(width) {
		return false;
	}
	match rule {
		ToleranceRule::MaxAbsErrorMicros(micros) => {
			let tolerance = micros as f64 / 1_000_000.0;
			floats(element, a).zip(floats(element, b)).all(|(x, y)| {
				let difference = x - y;
				// `<=` is false for NaN, so a NaN on either side disagrees.
				difference <= tolerance && -difference <= tolerance
			})
		},
		ToleranceRule::ArgmaxEqual => {
			let row_bytes = (row_len.unwrap_or(1).max(1) as usize).saturating_mul(width);
			a.chunks(row_bytes).zip(b.chunks(row_bytes)).all(|(x, y)| {
				match (argmax(element, x), argmax(element, y)) {
					(Some(x), Some(y)) => x == y,
					_ => false,
				}
			})
		},
	}
}

/// Index of the first largest element of a row; `None` for an empty row or one with a NaN.
fn argmax(element: ElementType, row: &[u8]) -> Option<usize> {
	let mut best: Option<(usize, f64)> = None;
	for (index, value) in floats(element, row).enumerate() {
		if value.is_nan() {
			return None;
		}
		if best.is_none_or(|(_, largest)| value > largest) {
			best = Some((index, value));
		}
	}
	best.map(|(index, _)| index)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::model::Dim;
	use alloc::{vec, vec::Vec};

	fn spec(element: ElementType, row: u32) -> TensorSpec {
		TensorSpec {
			name: b"y".to_vec().try_into().unwrap(),
			element,
			shape: vec![Dim::Batch, Dim::Fixed(row)].try_into().unwrap(),
		}
	}

	fn tensor(shape: &[u32], data: Vec<u8>) -> TensorData {
		TensorData { shape: shape.to_vec().try_into().unwrap(), data: data.try_into().unwrap() }
	}

	fn f32s(shape: &[u32], values: &[f32]) -> TensorData {
		tensor(shape, values.iter().flat_map(|value| value.to_le_bytes()).collect())
	}

	#[test]
	fn integer_exact_outputs_agree_only_when_identical() {
		let specs = [spec(ElementType::I8, 3)];
		let a = [tensor(&[1, 3], vec![1, 2, 3])];
		let b = [tensor(&[1, 3], vec![1, 2, 4])];
		assert!(outputs_agree(&DeterminismClass::IntegerExact, &specs, &a, &a));
		assert!(!outputs_agree(&DeterminismClass::IntegerExact, &specs, &a, &b));
	}

	#[test]
	fn argmax_rule_compares_the_winner_of_every_row() {
		let rule = DeterminismClass::Float(ToleranceRule::ArgmaxEqual);
		let specs = [spec(ElementType::F32, 3)];
		let a = [f32s(&[2, 3], &[0.1, 0.7, 0.2, 0.9, 0.0, 0.1])];
		let same_winners = [f32s(&[2, 3], &[0.3, 0.5, 0.2, 0.6, 0.3, 0.1])];
		let second_row_differs = [f32s(&[2, 3], &[0.1, 0.7, 0.2, 0.1, 0.0, 0.9])];
		let with_nan = [f32s(&[2, 3], &[0.1, f32::NAN, 0.2, 0.9, 0.0, 0.1])];
		assert!(outputs_agree(&rule, &specs, &a, &same_winners));
		assert!(!outputs_agree(&rule, &specs, &a, &second_row_differs));
		assert!(!outputs_agree(&rule, &specs, &a, &with_nan));
		assert!(!outputs_agree(
			&rule,
			&specs,
			&a,
			&[f32s(&[3, 2], &[0.1, 0.7, 0.2, 0.9, 0.0, 0.1])]
		));
	}

	#[test]
	fn absolute_error_rule_bounds_every_element() {
		let rule = DeterminismClass::Float(ToleranceRule::MaxAbsErrorMicros(1_000));
		let specs = [spec(ElementType::F32, 2)];
		let a = [f32s(&[1, 2], &[1.0, -2.0])];
		assert!(outputs_agree(&rule, &specs, &a, &[f32s(&[1, 2], &[1.0009, -2.0009])]));
		assert!(!outputs_agree(&rule, &specs, &a, &[f32s(&[1, 2], &[1.0, -2.0011])]));
		assert!(!outputs_agree(&rule, &specs, &a, &[f32s(&[1, 2], &[f32::NAN, -2.0])]));
		assert!(!outputs_agree(&rule, &specs, &a, &[f32s(&[1, 2], &[f32::INFINITY, -2.0])]));
	}

	#[test]
	fn integer_tensors_of_float_models_compare_exactly() {
		let rule = DeterminismClass::Float(ToleranceRule::MaxAbsErrorMicros(u32::MAX));
		let specs = [spec(ElementType::I64, 1)];
		let a = [tensor(&[1, 1], 7i64.to_le_bytes().to_vec())];
		let b = [tensor(&[1, 1], 8i64.to_le_bytes().to_vec())];
		assert!(!outputs_agree(&rule, &specs, &a, &b));
		assert!(!outputs_agree(&rule, &specs, &a, &[]));
	}

	#[test]
	fn half_and_double_outputs_follow_the_tolerance_rule() {
		let rule = DeterminismClass::Float(ToleranceRule::MaxAbsErrorMicros(1_000));
		let halves = |values: &[u16]| {
			tensor(&[1, 2], values.iter().flat_map(|value| value.to_le_bytes()).collect())
		};
		let f16_spec = [spec(ElementType::F16, 2)];
		// 1.0 and 1.0009765625 (one unit in the last place) are within 0.001; 1.0 and 1.5 not.
		assert!(outputs_agree(&rule, &f16_spec, &[halves(&[0x3c00, 0])], &[halves(&[0x3c01, 0])]));
		assert!(!outputs_agree(&rule, &f16_spec, &[halves(&[0x3c00, 0])], &[halves(&[0x3e00, 0])]));
		assert!(!outputs_agree(&rule, &f16_spec, &[halves(&[0x7e00, 0])], &[halves(&[0x7e00, 0])]));

		let doubles = |values: &[f64]| {
			tensor(&[1, 2], values.iter().flat_map(|value| value.to_le_bytes()).collect())
		};
		let f64_spec = [spec(ElementType::F64, 2)];
		let a = [doubles(&[0.25, -3.0])];
		assert!(outputs_agree(&rule, &f64_spec, &a, &[doubles(&[0.2509, -3.0009])]));
		assert!(!outputs_agree(&rule, &f64_spec, &a, &[doubles(&[0.2511, -3.0])]));
		let argmax = DeterminismClass::Float(ToleranceRule::ArgmaxEqual);
		assert!(outputs_agree(&argmax, &f64_spec, &a, &[doubles(&[9.0, 1.0])]));
		assert!(!outputs_agree(&argmax, &f64_spec, &a, &[doubles(&[1.0, 9.0])]));
	}

	#[test]
	fn boolean_outputs_of_float_models_compare_exactly() {
		let rule = DeterminismClass::Float(ToleranceRule::MaxAbsErrorMicros(u32::MAX));
		let specs = [spec(ElementType::Bool, 2)];
		let a = [tensor(&[1, 2], vec![0, 1])];
		assert!(outputs_agree(&rule, &specs, &a, &a));
		assert!(!outputs_agree(&rule, &specs, &a, &[tensor(&[1, 2], vec![1, 1])]));
	}
}
