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
//! it and only for the rows in its public inputs. The verifier data opens with the circuit's
//! [`RowShape`] (its rows' element types and widths), so the digest covers how a job's bytes
//! are read as rows.
//!
//! The [`Digest`] is the blake2-256 hash of the serialized verifier data, not plonky2's own
//! `circuit_digest`: that one covers the circuit's constants but not its configuration (FRI
//! query count, gates), so verifier data with the honest `circuit_digest` and a weakened
//! configuration would pass under it. Hashing every byte binds all of it, and anyone can
//! recompute it from the model's bytes (`verin zk compile`).
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
	plonk::{
		circuit_data::{CircuitConfig, VerifierCircuitData},
		config::PoseidonGoldilocksConfig,
		proof::ProofWithPublicInputs,
	},
};

#[cfg(feature = "std")]
pub use decode::reference_common_bytes as decode_reference_common_bytes;
pub use decode::VerinGates;

#[cfg(feature = "std")]
pub mod circuit;
#[cfg(feature = "std")]
pub mod compile;
#[cfg(feature = "std")]
mod conv;
mod decode;
#[cfg(feature = "std")]
pub mod onnx;
pub mod program;
#[cfg(feature = "std")]
mod requantize;

#[cfg(all(not(feature = "std"), target_family = "wasm"))]
mod no_randomness {
	// Verification is deterministic; any call for randomness is a bug and fails loudly.
	fn unavailable(_: &mut [u8]) -> Result<(), getrandom::Error> {
		Err(getrandom::Error::UNSUPPORTED)
	}
	getrandom::register_custom_getrandom!(unavailable);
}

use program::IntegerType;

/// What a circuit fixes about the rows its public inputs hold: their element types and
/// widths. These bytes open the verifier data a model owner registers, so the digest covers
/// them: the runtime reads a job's input and output bytes by these types, never by what a
/// version's spec declares, and splits the public inputs at `input_width` (a circuit with
/// one input more than the spec says would otherwise leave an output value free).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RowShape {
	/// Element type of the input row.
	pub input_type: IntegerType,
	/// Length of the input row.
	pub input_width: u32,
	/// Element type of the output row.
	pub output_type: IntegerType,
	/// Length of the output row.
	pub output_width: u32,
}

impl RowShape {
	/// Length of the encoding.
	pub const LEN: usize = 14;
	/// The encoding's first bytes: the format's name and version.
	const MAGIC: [u8; 4] = *b"VZK1";

	/// `MAGIC`, input type tag, input width (u32 LE), output type tag, output width.
	pub fn encode(&self) -> [u8; Self::LEN] {
		let mut bytes = [0u8; Self::LEN];
		bytes[..4].copy_from_slice(&Self::MAGIC);
		bytes[4] = self.input_type.tag();
		bytes[5..9].copy_from_slice(&self.input_width.to_le_bytes());
		bytes[9] = self.output_type.tag();
		bytes[10..14].copy_from_slice(&self.output_width.to_le_bytes());
		bytes
	}

	/// The shape at the start of `bytes` and the bytes after it.
	pub fn decode(bytes: &[u8]) -> Option<(Self, &[u8])> {
		if bytes.len() < Self::LEN || bytes[..4] != Self::MAGIC {
			return None;
		}
		let width = |at: usize| {
			u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
		};
		let shape = RowShape {
			input_type: IntegerType::from_tag(bytes[4])?,
			input_width: width(5),
			output_type: IntegerType::from_tag(bytes[9])?,
			output_width: width(10),
		};
		Some((shape, &bytes[Self::LEN..]))
	}

	/// The input and output rows of little-endian bytes, if they have this shape.
	pub fn rows(&self, input: &[u8], output: &[u8]) -> Option<(Vec<i64>, Vec<i64>)> {
		let input = self.input_type.decode(input)?;
		let output = self.output_type.decode(output)?;
		(input.len() == self.input_width as usize && output.len() == self.output_width as usize)
			.then_some((input, output))
	}

	/// Whether rows of values have this shape (widths, and every value in its type's range).
	pub fn fits(&self, input: &[i64], output: &[i64]) -> bool {
		input.len() == self.input_width as usize
			&& output.len() == self.output_width as usize
			&& input.iter().all(|v| self.input_type.contains(*v))
			&& output.iter().all(|v| self.output_type.contains(*v))
	}
}

/// The extension degree plonky2 uses over Goldilocks.
pub const D: usize = 2;
/// The hash configuration of every Verin circuit.
pub type C = PoseidonGoldilocksConfig;
/// The field.
pub type F = GoldilocksField;

/// A circuit's digest: blake2-256 of its serialized verifier data.
pub type Digest = [u8; 32];

/// The digest of serialized verifier data.
pub fn digest_of(verifier_data: &[u8]) -> Digest {
	let hash = blake2b_simd::Params::new().hash_length(32).hash(verifier_data);
	let mut digest = [0u8; 32];
	digest.copy_from_slice(hash.as_bytes());
	digest
}

/// Verifier data of the compiler's reference circuit (the integer digits model): a real
/// circuit for the runtime's benchmarks (`register_circuit`). A test keeps it current.
pub fn reference_verifier_data() -> &'static [u8] {
	include_bytes!("reference_verifier.bin")
}

/// Width of the reference circuit's input row (the digits model's 64 pixels).
pub const REFERENCE_INPUT_WIDTH: usize = 64;

/// The reference input row: pixel `i` is `(7·i) mod 17`.
pub fn reference_input() -> Vec<i64> {
	(0..REFERENCE_INPUT_WIDTH as i64).map(|i| (i * 7) % 17).collect()
}

/// A proof of the reference circuit on [`reference_input`], and the output row it proves:
/// the runtime's benchmarks verify it (the costliest evidence a result carries). A test
/// keeps it current with the compiler.
pub struct ReferenceProof {
	/// The serialized proof.
	pub proof: &'static [u8],
	/// The input row.
	pub input: Vec<i64>,
	/// The output row, read from the proof's public inputs.
	pub output: Vec<i64>,
}

const REFERENCE_PROOF: &[u8] = include_bytes!("reference_proof.bin");

/// Length of the reference proof: verification time grows with a proof's length (both
/// grow with the circuit's rows through the Merkle paths), so the runtime scales the
/// reference proof's measured cost by it.
pub const REFERENCE_PROOF_BYTES: usize = REFERENCE_PROOF.len();

/// See [`ReferenceProof`].
pub fn reference_proof() -> Result<ReferenceProof, VerifyError> {
	let proof: &'static [u8] = REFERENCE_PROOF;
	let verifier = Verifier::from_bytes(reference_verifier_data())?;
	let decoded = decode::proof(proof, &verifier.data.common).ok_or(VerifyError::MalformedProof)?;
	let output = decoded
		.public_inputs
		.iter()
		.skip(verifier.shape.input_width as usize)
		.map(|v| from_field(*v))
		.collect();
	Ok(ReferenceProof { proof, input: reference_input(), output })
}

/// The configuration of every Verin circuit: plonky2's standard one (~100-bit conjectured
/// security, no zero knowledge: the rows are public anyway) with a lower FRI rate: 6 rate
/// bits and 14 queries instead of 3 and 28 keep 6 × 14 + 16 grinding bits = 100 bits while
/// halving the query openings that dominate the proof's size (104 KB → 62 KB for the
/// digits model), at ~4x the prover's FFT work. Eight constants per row instead of two:
/// every distinct weight is a circuit constant, and an int8 layer has up to 256 of them,
/// which took 128 rows of constants alone (half the digits circuit). The verifier accepts
/// this configuration only.
pub fn circuit_config() -> CircuitConfig {
	let mut config = CircuitConfig::standard_recursion_config();
	config.fri_config.rate_bits = 6;
	config.fri_config.num_query_rounds = 14;
	config.num_constants = 8;

	config
}

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
	/// The rows do not have the circuit's [`RowShape`]: other widths, values outside their
	/// element type, or bytes that are not whole elements.
	RowsOutOfShape,
	/// The proof does not verify.
	InvalidProof,
}

/// A model's verifier, decoded once from its registered bytes.
pub struct Verifier {
	data: VerifierCircuitData<F, C, D>,
	digest: Digest,
	shape: RowShape,
}

impl Verifier {
	/// Decodes verifier data and checks it hashes to `digest`.
	pub fn decode(bytes: &[u8], digest: &Digest) -> Result<Self, VerifyError> {
		let verifier = Self::from_bytes(bytes)?;
		if verifier.digest() != *digest {
			return Err(VerifyError::DigestMismatch);
		}
		Ok(verifier)
	}

	/// Decodes verifier data (its digest is then [`Self::digest`]). Only data of the shape
	/// Verin's compiler produces is accepted: a [`RowShape`] whose widths add up to the
	/// public inputs, then plonky2 data with its configuration, its gate set, at most
	/// [`decode::MAX_DEGREE_BITS`] rows and [`decode::MAX_PUBLIC_INPUTS`] public inputs, so a
	/// registered circuit can neither weaken the proof system nor make verification panic.
	pub fn from_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
		let (shape, plonky2_data) =
			RowShape::decode(bytes).ok_or(VerifyError::MalformedVerifierData)?;
		let data = decode::verifier_data(plonky2_data).ok_or(VerifyError::MalformedVerifierData)?;
		let widths = shape.input_width as u64 + shape.output_width as u64;
		if shape.input_width == 0
			|| shape.output_width == 0
			|| widths != data.common.num_public_inputs as u64
		{
			return Err(VerifyError::MalformedVerifierData);
		}
		Ok(Verifier { data, digest: digest_of(bytes), shape })
	}

	/// Length of the input row and of the output row the circuit's public inputs hold
	/// together.
	pub fn public_input_count(&self) -> usize {
		self.data.common.num_public_inputs
	}

	/// The rows' element types and widths, as the circuit fixes them.
	pub fn shape(&self) -> RowShape {
		self.shape
	}

	/// The circuit's digest.
	pub fn digest(&self) -> Digest {
		self.digest
	}

	/// Checks `proof` shows the circuit maps the input row to the output row, both given as
	/// little-endian bytes of the circuit's element types ([`Self::shape`]).
	pub fn verify_bytes(
		&self,
		proof: &[u8],
		input: &[u8],
		output: &[u8],
	) -> Result<(), VerifyError> {
		let (input, output) = self.shape.rows(input, output).ok_or(VerifyError::RowsOutOfShape)?;
		self.verify(proof, &input, &output)
	}

	/// Checks `proof` shows the circuit maps `input` to `output`.
	pub fn verify(&self, proof: &[u8], input: &[i64], output: &[i64]) -> Result<(), VerifyError> {
		if !self.shape.fits(input, output) {
			return Err(VerifyError::RowsOutOfShape);
		}
		let proof: ProofWithPublicInputs<F, C, D> =
			decode::proof(proof, &self.data.common).ok_or(VerifyError::MalformedProof)?;
		if proof.public_inputs != public_inputs(input, output) {
			return Err(VerifyError::PublicInputsMismatch);
		}
		self.data.verify(proof).map_err(|_| VerifyError::InvalidProof)
	}
}
