//! Tensor payloads: the inputs a request carries and the outputs a worker returns, and
//! their validation against a model's declared [`TensorSpec`]s.
//!
//! Encoding: one [`TensorData`] per declared tensor, in the schema's order. Its `shape` is
//! the concrete shape (the batch dimension resolved) and `data` the elements in row-major
//! order, little-endian, `element.byte_width()` bytes each (booleans one byte, 0 or 1).
//! Every tensor of a payload that declares a batch dimension uses the same batch size; each
//! ranged dimension ([`Dim::Range`]) is chosen per tensor within its declared bounds.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::ConstU32;
use sp_runtime::BoundedVec;

use crate::model::{Dim, ElementType, TensorSpec, MAX_TENSORS, MAX_TENSOR_RANK};

/// Most bytes of element data a request's input or a result's output may carry (the
/// runtime may allow less). Chain state keeps large payloads by content
/// ([`crate::payload::StoredPayload`]), so this bounds extrinsics, not state.
pub const MAX_PAYLOAD_BYTES: u32 = 8 * 1024 * 1024;

/// Largest single tensor in a request or result, in bytes: a payload may be one tensor.
pub const MAX_TENSOR_BYTES: u32 = MAX_PAYLOAD_BYTES;

/// One concrete tensor.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	PartialEq,
	Eq,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct TensorData {
	/// Concrete shape: the schema's shape with the batch and ranged dimensions resolved.
	pub shape: BoundedVec<u32, ConstU32<MAX_TENSOR_RANK>>,
	/// Elements, row-major, little-endian (hex with `0x` in JSON).
	#[serde(with = "hex_bytes")]
	pub data: BoundedVec<u8, ConstU32<MAX_TENSOR_BYTES>>,
}

/// The tensors of a request (inputs) or of a result (outputs), in the schema's order.
pub type TensorPayload = BoundedVec<TensorData, ConstU32<MAX_TENSORS>>;

/// What is wrong with a payload, checked against a schema.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TensorError {
	/// The payload has a different number of tensors than the schema declares.
	TensorCountMismatch,
	/// A tensor's rank or a fixed dimension differs from the schema.
	ShapeMismatch,
	/// The batch size is zero, larger than allowed, or differs between tensors.
	BadBatchSize,
	/// A ranged dimension is outside the bounds the schema declares.
	DimensionOutOfRange,
	/// A tensor's byte length is not its element count times the element width.
	DataLengthMismatch,
	/// The payload is larger than allowed.
	PayloadTooLarge,
	/// A boolean tensor holds a byte other than 0 or 1.
	InvalidBoolean,
}

/// Total bytes of element data in a payload.
pub fn payload_bytes(payload: &[TensorData]) -> u32 {
	payload.iter().fold(0u32, |acc, tensor| acc.saturating_add(tensor.data.len() as u32))
}

/// Checks `payload` against `specs` and returns the batch size (1 when no tensor declares
/// a batch dimension). `expected_batch` pins the batch size (outputs must use the input's).
pub fn validate_payload(
	specs: &[TensorSpec],
	payload: &[TensorData],
	expected_batch: Option<u32>,
	max_batch: u32,
	max_bytes: u32,
) -> Result<u32, TensorError> {
	if specs.len() != payload.len() {
		return Err(TensorError::TensorCountMismatch);
	}
	if payload_bytes(payload) > max_bytes {
		return Err(TensorError::PayloadTooLarge);
	}
	let mut batch = expected_batch;
	for (spec, tensor) in specs.iter().zip(payload) {
		if spec.shape.len() != tensor.shape.len() {
			return Err(TensorError::ShapeMismatch);
		}
		let mut elements: u64 = 1;
		for (dim, &size) in spec.shape.iter().zip(tensor.shape.iter()) {
			match dim {
				Dim::Fixed(fixed) if *fixed != size => return Err(TensorError::ShapeMismatch),
				Dim::Fixed(_) => {},
				Dim::Range { .. } if !dim.admits(size) => {
					return Err(TensorError::DimensionOutOfRange)
				},
				Dim::Range { .. } => {},
				Dim::Batch => {
					if size == 0 || size > max_batch || batch.is_some_and(|b| b != size) {
						return Err(TensorError::BadBatchSize);
					}
					batch = Some(size);
				},
			}
			elements = elements.saturating_mul(size as u64);
		}
		let expected_len = elements.saturating_mul(spec.element.byte_width() as u64);
		if expected_len != tensor.data.len() as u64 {
			return Err(TensorError::DataLengthMismatch);
		}
		if spec.element == ElementType::Bool && tensor.data.iter().any(|&byte| byte > 1) {
			return Err(TensorError::InvalidBoolean);
		}
	}
	Ok(batch.unwrap_or(1))
}

/// Most bytes of the outputs a model produces for `batch` items, ranged dimensions at
/// their `max` (the fee charges for them).
pub fn expected_bytes(specs: &[TensorSpec], batch: u32) -> u64 {
	specs
		.iter()
		.map(|spec| {
			let per_item = spec.elements_per_item().unwrap_or(u32::MAX) as u64;
			let items = if spec.shape.first() == Some(&Dim::Batch) { batch as u64 } else { 1 };
			per_item.saturating_mul(items).saturating_mul(spec.element.byte_width() as u64)
		})
		.fold(0u64, |acc, bytes| acc.saturating_add(bytes))
}

/// Most length of the SCALE encoding of the outputs a model produces for `batch` items
/// (ranged dimensions at their `max`): what chain state holds when it keeps them inline.
pub fn expected_encoded_len(specs: &[TensorSpec], batch: u32) -> u64 {
	use codec::{Compact, CompactLen};
	let compact = |n: u64| Compact::<u32>::compact_len(&(n.min(u32::MAX as u64) as u32)) as u64;
	specs.iter().fold(compact(specs.len() as u64), |acc, spec| {
		let data = expected_bytes(core::slice::from_ref(spec), batch);
		let rank = spec.shape.len() as u64;
		acc.saturating_add(compact(rank) + 4 * rank)
			.saturating_add(compact(data))
			.saturating_add(data)
	})
}

/// IEEE-754 binary16 bits to the `f64` of the same value (the runtime has no `f16` type).
pub fn f16_to_f64(bits: u16) -> f64 {
	let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
	let exponent = ((bits >> 10) & 0x1f) as i32;
	let fraction = (bits & 0x03ff) as f64;
	match exponent {
		0 => sign * fraction * pow2(-24),
		0x1f if fraction == 0.0 => sign * f64::INFINITY,
		0x1f => f64::NAN,
		_ => sign * (1.0 + fraction / 1024.0) * pow2(exponent - 15),
	}
}

/// The IEEE-754 binary16 bits nearest to `value` (ties to even; too large is infinite).
pub fn f16_from_f64(value: f64) -> u16 {
	let bits = value.to_bits();
	let sign = ((bits >> 48) & 0x8000) as u16;
	let exponent = ((bits >> 52) & 0x7ff) as i32;
	let mantissa = bits & ((1 << 52) - 1);
	if exponent == 0x7ff {
		return sign | 0x7c00 | if mantissa != 0 { 0x0200 } else { 0 };
	}
	let biased = exponent - 1023 + 15;
	if biased >= 0x1f {
		return sign | 0x7c00;
	}
	// Below the normal range the implicit bit becomes explicit and more bits are dropped.
	let (exponent_bits, significand, dropped) = if biased > 0 {
		((biased as u64) << 10, mantissa, 42)
	} else if biased >= -10 {
		(0, mantissa | 1 << 52, (43 - biased) as u32)
	} else {
		return sign;
	};
	let kept = exponent_bits | significand >> dropped;
	let remainder = significand & ((1u64 << dropped) - 1);
	let half = 1u64 << (dropped - 1);
	let round_up = remainder > half || (remainder == half && kept & 1 == 1);
	// A carry out of the fraction moves to the next exponent, and past the largest to
	// infinity: both are the right encoding.
	sign | (kept + round_up as u64) as u16
}

fn pow2(exponent: i32) -> f64 {
	f64::from_bits(((exponent + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::vec;

	fn spec(element: ElementType, shape: &[Dim]) -> TensorSpec {
		TensorSpec {
			name: b"x".to_vec().try_into().unwrap(),
			element,
			shape: shape.to_vec().try_into().unwrap(),
		}
	}

	fn tensor(shape: &[u32], len: usize) -> TensorData {
		TensorData {
			shape: shape.to_vec().try_into().unwrap(),
			data: vec![0; len].try_into().unwrap(),
		}
	}

	#[test]
	fn batched_payload_is_accepted_and_reports_its_batch() {
		let specs = [spec(ElementType::F32, &[Dim::Batch, Dim::Fixed(64)])];
		assert_eq!(validate_payload(&specs, &[tensor(&[3, 64], 3 * 64 * 4)], None, 8, 4096), Ok(3));
		assert_eq!(expected_bytes(&specs, 3), 3 * 64 * 4);
	}

	#[test]
	fn the_expected_encoded_length_is_the_encoded_length() {
		use codec::Encode;
		let specs = [
			spec(ElementType::F32, &[Dim::Batch, Dim::Fixed(64)]),
			spec(ElementType::I64, &[Dim::Fixed(3)]),
		];
		let payload: TensorPayload =
			vec![tensor(&[5, 64], 5 * 64 * 4), tensor(&[3], 24)].try_into().unwrap();
		assert_eq!(validate_payload(&specs, &payload, None, 8, 1 << 20), Ok(5));
		assert_eq!(expected_encoded_len(&specs, 5), payload.encoded_size() as u64);
	}

	#[test]
	fn every_mismatch_has_its_error() {
		let specs = [spec(ElementType::I8, &[Dim::Batch, Dim::Fixed(4)])];
		let check = |payload: &[TensorData], batch| validate_payload(&specs, payload, batch, 8, 64);
		assert_eq!(check(&[], None), Err(TensorError::TensorCountMismatch));
		assert_eq!(check(&[tensor(&[1, 5], 5)], None), Err(TensorError::ShapeMismatch));
		assert_eq!(check(&[tensor(&[4], 4)], None), Err(TensorError::ShapeMismatch));
		assert_eq!(check(&[tensor(&[0, 4], 0)], None), Err(TensorError::BadBatchSize));
		assert_eq!(check(&[tensor(&[9, 4], 36)], None), Err(TensorError::BadBatchSize));
		assert_eq!(check(&[tensor(&[2, 4], 8)], Some(1)), Err(TensorError::BadBatchSize));
		assert_eq!(check(&[tensor(&[2, 4], 7)], None), Err(TensorError::DataLengthMismatch));
		assert_eq!(check(&[tensor(&[8, 4], 32)], None), Ok(8));
		let big = validate_payload(&specs, &[tensor(&[8, 4], 32)], None, 8, 16);
		assert_eq!(big, Err(TensorError::PayloadTooLarge));
	}

	#[test]
	fn half_precision_decodes_every_class_of_value() {
		assert_eq!(f16_to_f64(0x3c00), 1.0);
		assert_eq!(f16_to_f64(0xc000), -2.0);
		assert_eq!(f16_to_f64(0x3555), 0.333251953125);
		assert_eq!(f16_to_f64(0x7bff), 65504.0);
		assert_eq!(f16_to_f64(0x0001), 2f64.powi(-24));
		assert_eq!(f16_to_f64(0x7c00), f64::INFINITY);
		assert!(f16_to_f64(0x7e00).is_nan());
	}

	#[test]
	fn half_precision_encodes_to_the_nearest_value() {
		assert_eq!(f16_from_f64(1.5), 0x3e00);
		assert_eq!(f16_from_f64(-2.0), 0xc000);
		assert_eq!(f16_from_f64(1.0 / 3.0), 0x3555);
		assert_eq!(f16_from_f64(65504.0), 0x7bff);
		// Halfway between 65504 and 65536 rounds to even: past the largest, to infinity.
		assert_eq!(f16_from_f64(65520.0), 0x7c00);
		assert_eq!(f16_from_f64(2f64.powi(-24)), 0x0001);
		assert_eq!(f16_from_f64(2f64.powi(-25)), 0x0000);
		assert_eq!(f16_from_f64(3.0 * 2f64.powi(-26)), 0x0001);
		assert_eq!(f16_from_f64(-0.0), 0x8000);
		assert_eq!(f16_from_f64(f64::NEG_INFINITY), 0xfc00);
		assert!(f16_to_f64(f16_from_f64(f64::NAN)).is_nan());
		// Every half value survives the round trip.
		for bits in (0..=0xffffu16).filter(|bits| bits & 0x7c00 != 0x7c00) {
			assert_eq!(f16_from_f64(f16_to_f64(bits)), bits, "{bits:#06x}");
		}
	}

	#[test]
	fn ranged_dimensions_take_any_size_within_their_bounds() {
		let sequence = Dim::Range { min: 16, max: 512 };
		let specs = [spec(ElementType::F32, &[Dim::Batch, sequence])];
		let check = |shape: &[u32]| {
			let len = shape.iter().product::<u32>() as usize * 4;
			validate_payload(&specs, &[tensor(shape, len)], None, 8, 1 << 20)
		};
		assert_eq!(check(&[2, 16]), Ok(2));
		assert_eq!(check(&[1, 300]), Ok(1));
		assert_eq!(check(&[1, 512]), Ok(1));
		assert_eq!(check(&[1, 15]), Err(TensorError::DimensionOutOfRange));
		assert_eq!(check(&[1, 513]), Err(TensorError::DimensionOutOfRange));
		// Fees and inline checks count the largest answer.
		assert_eq!(expected_bytes(&specs, 2), 2 * 512 * 4);
	}

	#[test]
	fn booleans_are_one_byte_zero_or_one_and_rank_zero_is_one_element() {
		let specs = [spec(ElementType::Bool, &[Dim::Fixed(3)]), spec(ElementType::I64, &[])];
		let payload = |mask: &[u8]| {
			[
				TensorData {
					shape: vec![3].try_into().unwrap(),
					data: mask.to_vec().try_into().unwrap(),
				},
				tensor(&[], 8),
			]
		};
		assert_eq!(validate_payload(&specs, &payload(&[0, 1, 1]), None, 8, 64), Ok(1));
		assert_eq!(
			validate_payload(&specs, &payload(&[0, 2, 1]), None, 8, 64),
			Err(TensorError::InvalidBoolean)
		);
		let half = [spec(ElementType::F16, &[Dim::Fixed(3)])];
		assert_eq!(validate_payload(&half, &[tensor(&[3], 6)], None, 8, 64), Ok(1));
		assert_eq!(
			validate_payload(&half, &[tensor(&[3], 12)], None, 8, 64),
			Err(TensorError::DataLengthMismatch)
		);
	}
}

/// `0x`-prefixed hex for a tensor's bytes in JSON (RPC answers, chain specs), as Substrate
/// writes other byte strings.
mod hex_bytes {
	use alloc::{string::String, vec::Vec};
	use serde::{de::Error, Deserialize, Deserializer, Serializer};
	use sp_core::ConstU32;
	use sp_runtime::BoundedVec;

	pub fn serialize<S: Serializer, const N: u32>(
		bytes: &BoundedVec<u8, ConstU32<N>>,
		serializer: S,
	) -> Result<S::Ok, S::Error> {
		const DIGITS: &[u8; 16] = b"0123456789abcdef";
		let mut text = String::with_capacity(2 + 2 * bytes.len());
		text.push_str("0x");
		for byte in bytes.iter() {
			text.push(DIGITS[(byte >> 4) as usize] as char);
			text.push(DIGITS[(byte & 0xf) as usize] as char);
		}
		serializer.serialize_str(&text)
	}

	pub fn deserialize<'de, D: Deserializer<'de>, const N: u32>(
		deserializer: D,
	) -> Result<BoundedVec<u8, ConstU32<N>>, D::Error> {
		let text = String::deserialize(deserializer)?;
		let digits = text.strip_prefix("0x").unwrap_or(&text).as_bytes();
		if digits.len() % 2 != 0 {
			return Err(D::Error::custom("hex bytes need an even number of digits"));
		}
		let value = |digit: u8| {
			(digit as char).to_digit(16).ok_or_else(|| D::Error::custom("not a hex digit"))
		};
		let bytes = digits
			.chunks(2)
			.map(|pair| Ok((value(pair[0])? << 4 | value(pair[1])?) as u8))
			.collect::<Result<Vec<u8>, D::Error>>()?;
		bytes.try_into().map_err(|_| D::Error::custom("tensor longer than MAX_TENSOR_BYTES"))
	}
}
