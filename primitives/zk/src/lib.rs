//! Verin's ZK tier: integer-exact ONNX inference proven with plonky2.
//!
//! - [`compile`] (std) reads an ONNX model and lowers its integer-exact operators to a
//!   [`program::Program`], naming any operator outside the subset.
//! - [`circuit`] (std) turns a program into a plonky2 circuit (weights as constants) and
//!   proves one input row: the proof's public inputs are the input row then the output row.
//! - [`verify`] (no_std, in the runtime) checks a proof against a model's registered
//!   verifier data and the job's input and output rows.
//!
//! The circuit binds the model (the verifier data, identified by its [`Digest`]), the input
//! and the output: a proof checks only with the verifier data of the circuit that produced
//! it and only for the rows in its public inputs.
//!
//! plonky2's field crate uses unstable language features; the workspace builds it on the
//! stable toolchain with `RUSTC_BOOTSTRAP=plonky2_field,plonky2` (`.cargo/config.toml`).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use plonky2::{
	field::{
		goldilocks_field::GoldilocksField,
		types::{Field, Field64, PrimeField64},
	},
	hash::hash_types::HashOut,
	plonk::{circuit_data::VerifierCircuitData, config::PoseidonGoldilocksConfig, proof::ProofWithPublicInputs},
	util::serialization::DefaultGateSerializer,
};

#[cfg(feature = "std")]
pub mod circuit;
#[cfg(feature = "std")]
pub mod compile;
#[cfg(feature = "std")]
pub mod onnx;
pub mod program;

#[cfg(all(not(feature = "std"), target_family = "wasm"))]
mod no_randomness {
	// Verification is deterministic; any call for randomness is a bug and fails loudly.
	fn unavailable(_: &mut [u8]) -> Result<(), getrandom::Error> {
		Err(getrandom::Error::UNSUPPORTED)
	}
	getrandom::register_custom_getrandom!(unavailable);
}

/// The extension degree plonky2 uses over Goldilocks.
pub const D: usize = 2;
/// The hash configuration of every Verin circuit.
pub type C = PoseidonGoldilocksConfig;
/// The field.
pub type F = GoldilocksField;

/// A circuit's digest (plonky2's `circuit_digest`, four field elements, little-endian).
pub type Digest = [u8; 32];

/// A signed value as a field element (`-v` is `p - v`).
pub fn to_field(value: i64) -> F {
	F::from_noncanonical_i64(value)
}

/// The signed value a field element stands for (the half above `p / 2` is negative).
pub fn from_field(value: F) -> i64 {
	let canonical = value.to_canonical_u64();
	if canonical > F::ORDER / 2 {
		-((F::ORDER - canonical) as i64)
	} else {
		canonical as i64
	}
}

/// The public inputs of a proof for `input` → `output`.
pub fn public_inputs(input: &[i64], output: &[i64]) -> Vec<F> {
	input.iter().chain(output).map(|v| to_field(*v)).collect()
}

fn digest_of(hash: &HashOut<F>) -> Digest {
	let mut digest = [0u8; 32];
	for (chunk, element) in digest.chunks_exact_mut(8).zip(hash.elements) {
		chunk.copy_from_slice(&element.to_canonical_u64().to_le_bytes());
	}
	digest
}

/// Why a proof is not accepted.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum VerifyError {
	/// The registered verifier data does not decode.
	MalformedVerifierData,
	/// The verifier data does not hash to the registered digest.
	DigestMismatch,
	/// The proof bytes do not decode as a proof of this circuit.
	MalformedProof,
	/// The proof is for another input or output.
	PublicInputsMismatch,
	/// The proof does not verify.
	InvalidProof,
}

/// A model's verifier, decoded once from its registered bytes.
pub struct Verifier {
	data: VerifierCircuitData<F, C, D>,
}

impl Verifier {
	/// Decodes verifier data and checks it hashes to `digest`.
	pub fn decode(bytes: &[u8], digest: &Digest) -> Result<Self, VerifyError> {
		let data = VerifierCircuitData::<F, C, D>::from_bytes(bytes.to_vec(), &DefaultGateSerializer)
			.map_err(|_| VerifyError::MalformedVerifierData)?;
		if digest_of(&data.verifier_only.circuit_digest) != *digest {
			return Err(VerifyError::DigestMismatch);
		}
		Ok(Verifier { data })
	}

	/// The circuit's digest.
	pub fn digest(&self) -> Digest {
		digest_of(&self.data.verifier_only.circuit_digest)
	}

	/// Checks `proof` shows the circuit maps `input` to `output`.
	pub fn verify(&self, proof: &[u8], input: &[i64], output: &[i64]) -> Result<(), VerifyError> {
		let proof = ProofWithPublicInputs::<F, C, D>::from_bytes(proof.to_vec(), &self.data.common)
			.map_err(|_| VerifyError::MalformedProof)?;
		if proof.public_inputs != public_inputs(input, output) {
			return Err(VerifyError::PublicInputsMismatch);
		}
		self.data.verify(proof).map_err(|_| VerifyError::InvalidProof)
	}
}
