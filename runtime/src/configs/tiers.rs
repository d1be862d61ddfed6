//! The verification tiers this runtime checks: Vanilla, Optimistic, TEE and ZK.
//!
//! - Vanilla: the signed result of the assigned, bonded worker is the whole evidence; the
//!   evidence bytes must be empty.
//! - Optimistic: as Vanilla, but provisional for [`super::CHALLENGE_WINDOW`] blocks, during
//!   which another worker may challenge it (pallet-inference's disputes).
//! - ZK: the evidence is a plonky2 proof that the version's registered circuit maps the
//!   job's input row to the submitted output row (`verin-zk`). The registered verifier data
//!   is decoded, its blake2-256 checked against the version's circuit digest, and the proof
//!   verified with the rows as public inputs.
//!
//! - TEE: the evidence is the 64-byte ed25519 signature, by the enclave key the worker
//!   registered with a verified attestation (pallet-enclaves), over
//!   [`ResultContext::tee_message`] (job id, model content id, input and output hashes).
//!   A revoked measurement or unpinned root makes every signature of its enclaves invalid.

use frame_support::weights::Weight;
use verin_primitives::{
	market::{EvidenceError, ResultContext, TierVerifier, VanillaOnly, Verdict},
	model::{CircuitInspector, ElementType, TensorSpec},
	tensor::TensorPayload,
	tier::Tier,
};
use verin_zk::{program::IntegerType, Verifier, VerifyError};

/// Proof size of a ZK check: the verifier data read (at most `MaxCircuitBytes`) and the
/// evidence. Its time is pallet-inference's `verify_evidence` benchmark, which verifies the
/// reference circuit's proof in this runtime (cross-checked by `node/benches/zk_verify.rs`,
/// which applies a whole ZK `submit_result` in the node's executor).
const ZK_VERIFY_PROOF_SIZE: u64 = 16 * 1024;

/// Vanilla, Optimistic, TEE and ZK verification (see the module docs).
pub struct VerinTiers;

impl<BlockNumber: From<u32>> TierVerifier<crate::AccountId, BlockNumber> for VerinTiers {
	fn supports(tier: Tier) -> bool {
		matches!(tier, Tier::Vanilla | Tier::Optimistic | Tier::Tee | Tier::Zk)
	}

	fn verify(
		tier: Tier,
		context: &ResultContext<'_, crate::AccountId>,
		evidence: &[u8],
	) -> Result<Verdict<BlockNumber>, EvidenceError> {
		match tier {
			Tier::Zk => verify_zk(context, evidence).map(|()| Verdict::Final),
			Tier::Tee => crate::Enclaves::verify_result(context.worker, &context.tee_message(), evidence)
				.map(|()| Verdict::Final),
			Tier::Optimistic if evidence.is_empty() =>
				Ok(Verdict::Provisional { challenge_period: super::CHALLENGE_WINDOW.into() }),
			Tier::Optimistic => Err(EvidenceError::Malformed),
			// Vanilla's rule (no evidence) and the refusal of the other tiers are shared.
			_ => <VanillaOnly as TierVerifier<crate::AccountId, BlockNumber>>::verify(tier, context, evidence),
		}
	}

	fn weight(tier: Tier, evidence_len: u32) -> Weight {
		match tier {
			Tier::Zk => zk_verify_weight(evidence_len),
			Tier::Tee => {
				use pallet_enclaves::WeightInfo;
				pallet_enclaves::weights::SubstrateWeight::<crate::Runtime>::verify_result()
			},
			_ => Weight::zero(),
		}
	}
}

/// The reference proof's measured check, scaled by the proof's length with a quarter's
/// margin: proofs of larger circuits have longer Merkle paths, and verification time per
/// proof byte stayed within 25.3 ± 0.9 µs/KiB natively from 256 to 2,048 rows.
fn zk_verify_weight(evidence_len: u32) -> Weight {
	use pallet_inference::WeightInfo;
	let reference = pallet_inference::weights::SubstrateWeight::<crate::Runtime>::verify_evidence().ref_time();
	let reference_len = verin_zk::REFERENCE_PROOF_BYTES as u64;
	let scaled = reference.saturating_mul((evidence_len as u64).max(reference_len)) / reference_len;
	Weight::from_parts(scaled.saturating_add(scaled / 4), ZK_VERIFY_PROOF_SIZE + evidence_len as u64)
}

fn verify_zk<AccountId>(context: &ResultContext<'_, AccountId>, proof: &[u8]) -> Result<(), EvidenceError> {
	// A ZK job cannot be requested without a circuit; a missing one here is a broken store.
	let (Some(data), Some(digest)) = (context.circuit, context.circuit_digest) else {
		return Err(EvidenceError::Malformed);
	};
	let verifier = Verifier::decode(data, &digest.0).map_err(|_| EvidenceError::Malformed)?;
	let input = row(&context.spec.schema.inputs, context.input)?;
	let output = row(&context.spec.schema.outputs, context.output)?;
	verifier.verify(proof, &input, &output).map_err(|error| match error {
		VerifyError::MalformedProof => EvidenceError::Malformed,
		_ => EvidenceError::Invalid,
	})
}

/// The values of a one-tensor, one-row integer payload.
fn row(specs: &[TensorSpec], payload: &TensorPayload) -> Result<alloc::vec::Vec<i64>, EvidenceError> {
	let ([spec], [tensor]) = (specs, payload.as_slice()) else { return Err(EvidenceError::Malformed) };
	let element = match spec.element {
		ElementType::I8 => IntegerType::I8,
		ElementType::U8 => IntegerType::U8,
		ElementType::I32 => IntegerType::I32,
		ElementType::F32 | ElementType::I64 => return Err(EvidenceError::Malformed),
	};
	element.decode(&tensor.data).ok_or(EvidenceError::Malformed)
}

/// Reads registered verifier data for the model registry: its digest is the blake2-256 of
/// the bytes, once they decode as plonky2 verifier data.
pub struct ZkCircuits;

impl CircuitInspector for ZkCircuits {
	fn digest(verifier_data: &[u8]) -> Option<sp_core::H256> {
		Verifier::from_bytes(verifier_data).ok().map(|verifier| sp_core::H256(verifier.digest()))
	}
}
