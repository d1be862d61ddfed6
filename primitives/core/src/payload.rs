//! Where a job's tensors are kept: small payloads in chain state, large ones by content.
//!
//! A request carries its input tensors in the extrinsic and a result its output tensors,
//! up to [`crate::tensor::MAX_PAYLOAD_BYTES`] of element data each. Chain state keeps a
//! payload whose SCALE encoding is at most [`MAX_INLINE_PAYLOAD_LEN`] bytes as it is; a
//! larger one is written to every node's offchain store with offchain indexing (as model
//! chunks are) under a key naming the job, the payload's role and its hash, and state keeps
//! only the hash and the length. So a job's state has the same bound whatever its input
//! size, and a worker or an RPC server reads the bytes from its own offchain store and
//! checks them against the hash.
//!
//! The hash of a payload is blake2-256 of its SCALE encoding, inline or indexed alike: the
//! hash the tiers' evidence binds (`input_hash`, `output_hash`).

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::{ConstU32, H256};
use sp_runtime::BoundedVec;

use crate::tensor::TensorPayload;

/// Largest SCALE-encoded payload kept in chain state; larger ones are kept by content.
pub const MAX_INLINE_PAYLOAD_LEN: u32 = 16 * 1024;

/// Prefix of the offchain keys of indexed payloads.
const OFFCHAIN_PAYLOAD_PREFIX: &[u8] = b"verin/job-payload/";

/// What a payload is to its job.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PayloadRole {
	/// The request's input tensors.
	Input,
	/// The accepted result's output tensors.
	Output,
}

/// A payload as chain state keeps it.
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
#[serde(try_from = "PayloadJson", into = "PayloadJson")]
pub enum StoredPayload {
	/// The SCALE-encoded [`TensorPayload`] itself.
	Inline(BoundedVec<u8, ConstU32<MAX_INLINE_PAYLOAD_LEN>>),
	/// A payload in the nodes' offchain stores, under [`offchain_payload_key`].
	Indexed {
		/// blake2-256 of the SCALE-encoded payload.
		hash: H256,
		/// Length of the SCALE-encoded payload, in bytes.
		len: u32,
	},
}

impl StoredPayload {
	/// How state keeps `payload`, and the encoded bytes to index offchain when it is too
	/// large to keep inline.
	pub fn of(payload: &TensorPayload) -> (Self, Option<Vec<u8>>) {
		let encoded = payload.encode();
		if encoded.len() <= MAX_INLINE_PAYLOAD_LEN as usize {
			let inline = BoundedVec::truncate_from(encoded);
			(StoredPayload::Inline(inline), None)
		} else {
			let hash = payload_hash(&encoded);
			let len = encoded.len() as u32;
			(StoredPayload::Indexed { hash, len }, Some(encoded))
		}
	}

	/// blake2-256 of the SCALE-encoded payload.
	pub fn hash(&self) -> H256 {
		match self {
			StoredPayload::Inline(bytes) => payload_hash(bytes),
			StoredPayload::Indexed { hash, .. } => *hash,
		}
	}

	/// Length of the SCALE-encoded payload, in bytes.
	pub fn encoded_len(&self) -> u32 {
		match self {
			StoredPayload::Inline(bytes) => bytes.len() as u32,
			StoredPayload::Indexed { len, .. } => *len,
		}
	}

	/// The payload, when state keeps it inline.
	pub fn inline(&self) -> Option<TensorPayload> {
		match self {
			StoredPayload::Inline(bytes) => TensorPayload::decode(&mut &bytes[..]).ok(),
			StoredPayload::Indexed { .. } => None,
		}
	}

	/// Whether the payload is kept by content.
	pub fn is_indexed(&self) -> bool {
		matches!(self, StoredPayload::Indexed { .. })
	}
}

/// blake2-256 of a SCALE-encoded payload.
pub fn payload_hash(encoded: &[u8]) -> H256 {
	H256(sp_crypto_hashing::blake2_256(encoded))
}

/// Offchain key of job `job`'s indexed payload in `role` with hash `hash`. The job and the
/// role keep two jobs with the same input from sharing (and clearing) one entry; the hash
/// keeps a job of an abandoned fork from shadowing the canonical one's bytes.
pub fn offchain_payload_key(job: u64, role: PayloadRole, hash: &H256) -> Vec<u8> {
	let mut key = Vec::with_capacity(OFFCHAIN_PAYLOAD_PREFIX.len() + 8 + 1 + 32);
	key.extend_from_slice(OFFCHAIN_PAYLOAD_PREFIX);
	key.extend_from_slice(&job.to_be_bytes());
	key.push(match role {
		PayloadRole::Input => b'i',
		PayloadRole::Output => b'o',
	});
	key.extend_from_slice(hash.as_bytes());
	key
}

/// Why indexed payload bytes read from an offchain store cannot be used.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PayloadReadError {
	/// The store has no entry under the key (offchain indexing off, or the bytes cleared).
	Missing,
	/// The bytes do not hash to the stored hash.
	HashMismatch,
	/// The bytes hash right but are not a tensor payload.
	Undecodable,
}

/// The payload `stored` describes, given what the offchain store holds under its key
/// (`None` for an inline payload, which needs no store).
pub fn resolve_payload(
	stored: &StoredPayload,
	offchain_bytes: Option<Vec<u8>>,
) -> Result<TensorPayload, PayloadReadError> {
	match stored {
		StoredPayload::Inline(bytes) => {
			TensorPayload::decode(&mut &bytes[..]).map_err(|_| PayloadReadError::Undecodable)
		},
		StoredPayload::Indexed { hash, .. } => {
			let bytes = offchain_bytes.ok_or(PayloadReadError::Missing)?;
			if payload_hash(&bytes) != *hash {
				return Err(PayloadReadError::HashMismatch);
			}
			TensorPayload::decode(&mut &bytes[..]).map_err(|_| PayloadReadError::Undecodable)
		},
	}
}

/// The JSON form: inline payloads as their tensors, indexed ones as hash and length.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
enum PayloadJson {
	Inline(TensorPayload),
	Indexed { hash: H256, len: u32 },
}

impl From<StoredPayload> for PayloadJson {
	fn from(stored: StoredPayload) -> Self {
		match stored {
			StoredPayload::Inline(ref bytes) => match TensorPayload::decode(&mut &bytes[..]) {
				Ok(payload) => PayloadJson::Inline(payload),
				// Never written by the runtime; shown by hash rather than lost.
				Err(_) => PayloadJson::Indexed { hash: stored.hash(), len: stored.encoded_len() },
			},
			StoredPayload::Indexed { hash, len } => PayloadJson::Indexed { hash, len },
		}
	}
}

impl TryFrom<PayloadJson> for StoredPayload {
	type Error = &'static str;

	fn try_from(json: PayloadJson) -> Result<Self, Self::Error> {
		match json {
			PayloadJson::Inline(payload) => match StoredPayload::of(&payload) {
				(inline @ StoredPayload::Inline(_), _) => Ok(inline),
				_ => Err("an inline payload longer than MAX_INLINE_PAYLOAD_LEN"),
			},
			PayloadJson::Indexed { hash, len } => Ok(StoredPayload::Indexed { hash, len }),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::tensor::TensorData;
	use alloc::vec;

	fn payload(bytes: usize) -> TensorPayload {
		let tensor = TensorData {
			shape: vec![bytes as u32].try_into().unwrap(),
			data: vec![7u8; bytes].try_into().unwrap(),
		};
		vec![tensor].try_into().unwrap()
	}

	#[test]
	fn small_payloads_stay_inline_and_large_ones_go_by_content() {
		let small = payload(100);
		let (stored, indexed) = StoredPayload::of(&small);
		assert!(indexed.is_none());
		assert_eq!(stored.inline(), Some(small.clone()));
		assert_eq!(stored.hash(), payload_hash(&small.encode()));

		let large = payload(600 * 1024);
		let (stored, indexed) = StoredPayload::of(&large);
		let bytes = indexed.expect("indexed");
		assert!(stored.is_indexed() && stored.inline().is_none());
		assert_eq!(stored.encoded_len() as usize, bytes.len());
		assert_eq!(stored.hash(), payload_hash(&large.encode()));
		assert!(stored.encoded_size() < 64, "state keeps a hash and a length");
		assert_eq!(resolve_payload(&stored, Some(bytes)), Ok(large));
	}

	#[test]
	fn the_inline_limit_is_on_the_encoded_length() {
		// One tensor: a 1-byte count, a 1-byte rank, 4 bytes of shape, 2 of data length.
		let at_limit = payload(MAX_INLINE_PAYLOAD_LEN as usize - 8);
		assert_eq!(at_limit.encoded_size(), MAX_INLINE_PAYLOAD_LEN as usize);
		assert!(!StoredPayload::of(&at_limit).0.is_indexed());
		assert!(StoredPayload::of(&payload(MAX_INLINE_PAYLOAD_LEN as usize - 7)).0.is_indexed());
	}

	#[test]
	fn indexed_bytes_that_are_missing_altered_or_garbage_are_refused() {
		let (stored, bytes) = StoredPayload::of(&payload(40 * 1024));
		let mut bytes = bytes.unwrap();
		assert_eq!(resolve_payload(&stored, None), Err(PayloadReadError::Missing));
		bytes[100] ^= 1;
		assert_eq!(resolve_payload(&stored, Some(bytes)), Err(PayloadReadError::HashMismatch));
		let garbage = vec![0xff; 64];
		let claimed = StoredPayload::Indexed { hash: payload_hash(&garbage), len: 64 };
		assert_eq!(resolve_payload(&claimed, Some(garbage)), Err(PayloadReadError::Undecodable));
	}

	#[test]
	fn keys_separate_jobs_roles_and_contents() {
		let hash = H256::repeat_byte(1);
		let key = offchain_payload_key(5, PayloadRole::Input, &hash);
		assert_ne!(key, offchain_payload_key(6, PayloadRole::Input, &hash));
		assert_ne!(key, offchain_payload_key(5, PayloadRole::Output, &hash));
		assert_ne!(key, offchain_payload_key(5, PayloadRole::Input, &H256::repeat_byte(2)));
	}

	#[test]
	fn json_shows_inline_tensors_and_indexed_hashes_and_reads_them_back() {
		for stored in [StoredPayload::of(&payload(4)).0, StoredPayload::of(&payload(20_000)).0] {
			let json = serde_json::to_string(&stored).unwrap();
			let back: StoredPayload = serde_json::from_str(&json).unwrap();
			assert_eq!(back, stored, "{json}");
		}
		let json = serde_json::to_value(StoredPayload::of(&payload(2)).0).unwrap();
		assert_eq!(json["inline"][0]["data"], "0x0707");
	}
}
