//! Decoding untrusted verifier data and proofs without letting them abort the runtime.
//!
//! plonky2's readers trust lengths they read (a corrupted length makes them allocate
//! exabytes) and its verifier trusts the circuit's common data (a degree above the field's
//! two-adicity, or fewer constraint slots than the gates fill, panics). So:
//! - every length or count read is bounded by [`MAX_COUNT`] ([`GuardedReader`]);
//! - gates are read with [`VerinGates`], which knows only the six gate types Verin's
//!   compiler emits (no gate with variable-size parameters);
//! - the decoded common data must equal the compiler's reference ([`REFERENCE_COMMON`],
//!   checked by a test) except for the circuit's size and public-input count, both
//!   bounded; that fixes the configuration (no weakened FRI) and every derived parameter.

use plonky2::{
	field::{extension::Extendable, types::Field64},
	gates::gate::GateRef,
	hash::hash_types::RichField,
	hash::merkle_tree::MerkleCap,
	iop::generator::WitnessGeneratorRef,
	plonk::config::{GenericHashOut, Hasher},
	plonk::{
		circuit_data::{CommonCircuitData, VerifierCircuitData},
		proof::ProofWithPublicInputs,
	},
	util::serialization::{
		Buffer, GateSerializer, IoError, IoResult, Read, Remaining, WitnessGeneratorSerializer,
	},
};

use crate::{C, D, F};

/// Largest length or count any field of verifier data or of a proof may have.
pub const MAX_COUNT: usize = 1 << 16;
/// Largest Merkle cap height read (Verin's circuits use 4).
pub const MAX_CAP_HEIGHT: usize = 8;
/// Largest circuit: 2^20 rows.
pub const MAX_DEGREE_BITS: usize = 20;
/// Most public inputs (input row plus output row).
pub const MAX_PUBLIC_INPUTS: usize = 4096;

/// Common data of the compiler's reference circuit (the integer digits model), serialized
/// with [`VerinGates`]. Every circuit the compiler builds has the same common data except
/// `fri_params.degree_bits` (and what FRI derives from it) and `num_public_inputs`.
const REFERENCE_COMMON: &[u8] = include_bytes!("reference_common.bin");

pub use gates::VerinGates;

mod gates {
	use plonky2::{
		field::extension::Extendable,
		gates::{
			arithmetic_base::ArithmeticGate, base_sum::BaseSumGate, constant::ConstantGate,
			noop::NoopGate, poseidon::PoseidonGate, public_input::PublicInputGate,
		},
		get_gate_tag_impl,
		hash::hash_types::RichField,
		impl_gate_serializer, read_gate_impl,
		util::serialization::GateSerializer,
	};

	/// The gate types Verin's compiler emits, and no others.
	pub struct VerinGates;

	impl<F: RichField + Extendable<D>, const D: usize> GateSerializer<F, D> for VerinGates {
		impl_gate_serializer! {
			VerinGates,
			ArithmeticGate,
			BaseSumGate<2>,
			ConstantGate,
			NoopGate,
			PoseidonGate<F, D>,
			PublicInputGate
		}
	}
}

/// A plonky2 reader whose lengths and counts are bounded by [`MAX_COUNT`].
struct GuardedReader<'a> {
	buffer: Buffer<'a>,
}

impl Read for GuardedReader<'_> {
	fn read_exact(&mut self, bytes: &mut [u8]) -> IoResult<()> {
		self.buffer.read_exact(bytes)
	}

	// plonky2 reads a u64 and casts it `as usize`, which on wasm32 (the runtime) drops the
	// high half: 2^32 + 5 would read as 5, a second encoding of the same data that 64-bit
	// nodes refuse. The bound is applied to the u64 as written, on every target.
	fn read_usize(&mut self) -> IoResult<usize> {
		let mut bytes = [0u8; 8];
		self.buffer.read_exact(&mut bytes)?;
		bounded_count(u64::from_le_bytes(bytes))
	}

	// Field elements and hash words must be canonical (below the field's order): one proof
	// then has one encoding, and plonky2's debug assertion on canonicity never fires.
	fn read_field<FF: Field64>(&mut self) -> IoResult<FF> {
		let word = self.read_word()?;
		Ok(FF::from_canonical_u64(word))
	}

	fn read_hash<FF: RichField, H: Hasher<FF>>(&mut self) -> IoResult<H::Hash> {
		let mut bytes = alloc::vec![0; H::HASH_SIZE];
		self.read_exact(&mut bytes)?;
		// Poseidon hashes are field elements; other hashers' words need no such check.
		if H::HASH_SIZE % 8 == 0 && bytes.chunks_exact(8).any(|word| !is_canonical(word)) {
			return Err(IoError);
		}
		Ok(H::Hash::from_bytes(&bytes))
	}

	// A cap of 2^height hashes: plonky2 shifts by the height it read (overflow for 64+).
	fn read_merkle_cap<FF: RichField, H: Hasher<FF>>(
		&mut self,
		cap_height: usize,
	) -> IoResult<MerkleCap<FF, H>> {
		if cap_height > MAX_CAP_HEIGHT {
			return Err(IoError);
		}
		(0..1usize << cap_height)
			.map(|_| self.read_hash::<FF, H>())
			.collect::<IoResult<_>>()
			.map(MerkleCap)
	}

	fn read_gate<FG: RichField + Extendable<DG>, const DG: usize>(
		&mut self,
		gate_serializer: &dyn GateSerializer<FG, DG>,
		common_data: &CommonCircuitData<FG, DG>,
	) -> IoResult<GateRef<FG, DG>> {
		gate_serializer.read_gate(&mut self.buffer, common_data)
	}

	fn read_generator<FG: RichField + Extendable<DG>, const DG: usize>(
		&mut self,
		_generator_serializer: &dyn WitnessGeneratorSerializer<FG, DG>,
		_common_data: &CommonCircuitData<FG, DG>,
	) -> IoResult<WitnessGeneratorRef<FG, DG>> {
		// Verifier data and proofs carry no generators.
		Err(IoError)
	}
}

impl GuardedReader<'_> {
	fn read_word(&mut self) -> IoResult<u64> {
		let mut bytes = [0u8; 8];
		self.buffer.read_exact(&mut bytes)?;
		if !is_canonical(&bytes) {
			return Err(IoError);
		}
		Ok(u64::from_le_bytes(bytes))
	}
}

/// A length or count as written (a u64), if it is at most [`MAX_COUNT`].
fn bounded_count(word: u64) -> IoResult<usize> {
	if word > MAX_COUNT as u64 {
		return Err(IoError);
	}
	usize::try_from(word).map_err(|_| IoError)
}

fn is_canonical(word: &[u8]) -> bool {
	let mut bytes = [0u8; 8];
	bytes.copy_from_slice(word);
	u64::from_le_bytes(bytes) < <F as Field64>::ORDER
}

impl Remaining for GuardedReader<'_> {
	fn remaining(&self) -> usize {
		self.buffer.remaining()
	}
}

fn reference_common() -> CommonCircuitData<F, D> {
	Buffer::new(REFERENCE_COMMON)
		.read_common_circuit_data(&VerinGates)
		.expect("the reference common data is the compiler's own (tests keep it current)")
}

/// Whether `common` is the reference shape with its own size and public-input count.
fn has_reference_shape(common: &CommonCircuitData<F, D>) -> bool {
	let degree_bits = common.fri_params.degree_bits;
	if !(3..=MAX_DEGREE_BITS).contains(&degree_bits) || common.num_public_inputs > MAX_PUBLIC_INPUTS
	{
		return false;
	}
	let mut expected = reference_common();
	expected.fri_params =
		expected.config.fri_config.fri_params(degree_bits, expected.config.zero_knowledge);
	expected.num_public_inputs = common.num_public_inputs;
	*common == expected
}

/// Decodes verifier data of Verin's shape, or `None`.
pub(crate) fn verifier_data(bytes: &[u8]) -> Option<VerifierCircuitData<F, C, D>> {
	let mut reader = GuardedReader { buffer: Buffer::new(bytes) };
	let data: VerifierCircuitData<F, C, D> = reader.read_verifier_circuit_data(&VerinGates).ok()?;
	// The shape check fixes the configuration, so the cap height is the reference's.
	let shaped = reader.is_empty() && has_reference_shape(&data.common);
	(shaped
		&& data.verifier_only.constants_sigmas_cap.0.len()
			== 1usize << data.common.config.fri_config.cap_height)
		.then_some(data)
}

/// Decodes a proof for a circuit with `common` data, or `None`.
pub(crate) fn proof(
	bytes: &[u8],
	common: &CommonCircuitData<F, D>,
) -> Option<ProofWithPublicInputs<F, C, D>> {
	let mut reader = GuardedReader { buffer: Buffer::new(bytes) };
	let proof = reader.read_proof_with_public_inputs(common).ok()?;
	reader.is_empty().then_some(proof)
}

/// The reference bytes, for the test that keeps them equal to the compiler's output.
#[cfg(feature = "std")]
pub fn reference_common_bytes() -> &'static [u8] {
	REFERENCE_COMMON
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_count_with_its_high_half_set_is_refused_as_a_32_bit_runtime_would_read_it() {
		// 2^32 + 5: a 32-bit `as usize` would read 5.
		let word = (1u64 << 32) | 5;
		assert_eq!(word as u32, 5);
		assert!(bounded_count(word).is_err());
		let bytes = word.to_le_bytes();
		let mut reader = GuardedReader { buffer: Buffer::new(&bytes) };
		assert!(reader.read_usize().is_err());
		let bytes = 5u64.to_le_bytes();
		let mut reader = GuardedReader { buffer: Buffer::new(&bytes) };
		assert_eq!(reader.read_usize().ok(), Some(5));
	}
}
