//! The verification tiers this runtime offers, each tier's rules in one place: the fee its
//! evidence costs the requester, how the runtime checks its evidence and what that check
//! weighs (which workers the TEE tier admits is the enclave registry's answer, wired in
//! `pallet_workers::Config::Enclaves`). Adding a tier means a [`Rules`] implementation here,
//! one line in [`with_rules!`], and its evidence production in the worker
//! (`pallet_inference::offchain`, `Pallet::compute_answer`).
//!
//! - Vanilla: the signed result of the assigned, bonded worker is the whole evidence; the
//!   evidence bytes must be empty.
//! - Optimistic: as Vanilla, but provisional for [`super::CHALLENGE_WINDOW`] blocks, during
//!   which another worker may challenge it (pallet-inference's disputes).
//! - TEE: the evidence is the 64-byte ed25519 signature, by the enclave key the worker
//!   registered with a verified attestation (pallet-enclaves), over
//!   [`ResultContext::tee_message`] (job id, model content id, input and output hashes).
//!   Only workers whose enclave is attested now are admitted; a revoked measurement or
//!   unpinned root makes every signature of its enclaves invalid.
//! - ZK: the evidence is a plonky2 proof that the version's registered circuit maps the
//!   job's input row to the submitted output row (`verin-zk`). The registered verifier data
//!   is decoded, its blake2-256 checked against the version's circuit digest, the rows read
//!   by the element types the circuit fixes, and the proof verified with them as public
//!   inputs.

use frame_support::weights::Weight;
use verin_primitives::{
	currency::MILLI_UNIT,
	market::{EvidenceError, ResultContext, TierVerifier, Verdict},
	model::{CircuitInspector, CircuitRefusal, ElementType, TensorSchema, TensorSpec},
	tier::Tier,
};
use verin_zk::{program::IntegerType, Verifier, VerifyError};

use crate::{AccountId, Balance};

/// Proof size of a ZK check: the verifier data read (at most `MaxCircuitBytes`) and the
/// evidence. Its time is pallet-inference's `verify_evidence` benchmark, which verifies the
/// reference circuit's proof in this runtime (cross-checked by `e2e/benches/zk_verify.rs`,
/// which applies a whole ZK `submit_result` in the node's executor).
const ZK_VERIFY_PROOF_SIZE: u64 = 16 * 1024;

/// One tier's rules.
trait Rules {
	/// What the tier adds to the model's price: the cost of producing its evidence.
	const FEE: Balance;

	/// Checks a result's evidence.
	fn verify<BlockNumber: From<u32>>(
		context: &ResultContext<'_, AccountId>,
		evidence: &[u8],
	) -> Result<Verdict<BlockNumber>, EvidenceError>;

	/// Upper bound of `verify`'s weight for evidence of `evidence_len` bytes.
	fn verify_weight(_evidence_len: u32) -> Weight {
		Weight::zero()
	}
}

/// Runs `$body` with `$rules` naming the rules of `$tier`.
macro_rules! with_rules {
	($tier:expr, $rules:ident => $body:expr) => {
		match $tier {
			Tier::Vanilla => {
				type $rules = Vanilla;
				$body
			},
			Tier::Optimistic => {
				type $rules = Optimistic;
				$body
			},
			Tier::Tee => {
				type $rules = Tee;
				$body
			},
			Tier::Zk => {
				type $rules = Zk;
				$body
			},
		}
	};
}

/// The result of the assigned, bonded worker, with no evidence bytes.
struct Vanilla;

impl Rules for Vanilla {
	const FEE: Balance = MILLI_UNIT;

	fn verify<BlockNumber: From<u32>>(
		_context: &ResultContext<'_, AccountId>,
		evidence: &[u8],
	) -> Result<Verdict<BlockNumber>, EvidenceError> {
		if evidence.is_empty() {
			Ok(Verdict::Final)
		} else {
			Err(EvidenceError::Malformed)
		}
	}
}

/// As Vanilla, provisional until its challenge window closes.
struct Optimistic;

impl Rules for Optimistic {
	const FEE: Balance = 2 * MILLI_UNIT;

	fn verify<BlockNumber: From<u32>>(
		_context: &ResultContext<'_, AccountId>,
		evidence: &[u8],
	) -> Result<Verdict<BlockNumber>, EvidenceError> {
		if evidence.is_empty() {
			Ok(Verdict::Provisional { challenge_period: super::CHALLENGE_WINDOW.into() })
		} else {
			Err(EvidenceError::Malformed)
		}
	}
}

/// Bytes of an enclave's ed25519 signature: the only evidence length the TEE tier checks.
const TEE_SIGNATURE_BYTES: usize = 64;

/// Fewer bytes than any proof of a Verin circuit (the reference proof, of the smallest
/// circuit, is tens of KiB): such evidence is refused before the verifier data is decoded,
/// so that an empty or short ZK answer costs nothing to check.
pub const MIN_ZK_PROOF_BYTES: usize = 1024;
const _: () = assert!(verin_zk::REFERENCE_PROOF_BYTES > MIN_ZK_PROOF_BYTES);

/// Signed by the worker's attested enclave.
struct Tee;

impl Rules for Tee {
	const FEE: Balance = 5 * MILLI_UNIT;

	fn verify<BlockNumber: From<u32>>(
		context: &ResultContext<'_, AccountId>,
		evidence: &[u8],
	) -> Result<Verdict<BlockNumber>, EvidenceError> {
		// Anything but a signature is refused before the enclave is read.
		if evidence.len() != TEE_SIGNATURE_BYTES {
			return Err(EvidenceError::Malformed);
		}
		let genesis_hash = sp_core::H256(crate::Enclaves::genesis_hash());
		crate::Enclaves::verify_result(context.worker, &context.tee_message(genesis_hash), evidence)
			.map(|()| Verdict::Final)
	}

	fn verify_weight(evidence_len: u32) -> Weight {
		use pallet_enclaves::WeightInfo;
		if evidence_len as usize != TEE_SIGNATURE_BYTES {
			return Weight::zero();
		}
		// And the genesis hash the message names.
		pallet_enclaves::weights::SubstrateWeight::<crate::Runtime>::verify_result()
			.saturating_add(<crate::Runtime as frame_system::Config>::DbWeight::get().reads(1))
	}
}

/// Proven by the version's registered circuit.
struct Zk;

impl Rules for Zk {
	const FEE: Balance = 20 * MILLI_UNIT;

	fn verify<BlockNumber: From<u32>>(
		context: &ResultContext<'_, AccountId>,
		evidence: &[u8],
	) -> Result<Verdict<BlockNumber>, EvidenceError> {
		verify_zk(context, evidence).map(|()| Verdict::Final)
	}

	fn verify_weight(evidence_len: u32) -> Weight {
		zk_verify_weight(evidence_len)
	}
}

/// Every tier, by the rules above: the market's verifier (`pallet_inference::Config::Verifier`)
/// and its fees (`pallet_inference::Config::TierFee`).
pub struct VerinTiers;

impl<BlockNumber: From<u32>> TierVerifier<AccountId, BlockNumber> for VerinTiers {
	fn supports(_tier: Tier) -> bool {
		true
	}

	fn verify(
		tier: Tier,
		context: &ResultContext<'_, AccountId>,
		evidence: &[u8],
	) -> Result<Verdict<BlockNumber>, EvidenceError> {
		with_rules!(tier, R => R::verify(context, evidence))
	}

	fn weight(tier: Tier, evidence_len: u32) -> Weight {
		with_rules!(tier, R => R::verify_weight(evidence_len))
	}
}

impl sp_runtime::traits::Convert<Tier, Balance> for VerinTiers {
	fn convert(tier: Tier) -> Balance {
		with_rules!(tier, R => R::FEE)
	}
}

/// The reference proof's measured check, scaled by the proof's length with a quarter's
/// margin: proofs of larger circuits have longer Merkle paths, and verification time per
/// proof byte stayed within 25.3 ± 0.9 µs/KiB natively from 256 to 2,048 rows.
fn zk_verify_weight(evidence_len: u32) -> Weight {
	use pallet_inference::WeightInfo;
	if (evidence_len as usize) < MIN_ZK_PROOF_BYTES {
		return Weight::zero();
	}
	let reference =
		pallet_inference::weights::SubstrateWeight::<crate::Runtime>::verify_evidence().ref_time();
	let reference_len = verin_zk::REFERENCE_PROOF_BYTES as u64;
	let scaled = reference.saturating_mul((evidence_len as u64).max(reference_len)) / reference_len;
	Weight::from_parts(
		scaled.saturating_add(scaled / 4),
		ZK_VERIFY_PROOF_SIZE + evidence_len as u64,
	)
}

fn verify_zk<AccountId>(
	context: &ResultContext<'_, AccountId>,
	proof: &[u8],
) -> Result<(), EvidenceError> {
	if proof.len() < MIN_ZK_PROOF_BYTES {
		return Err(EvidenceError::Malformed);
	}
	// A ZK job cannot be requested without a circuit; a missing one here is a broken store.
	let (Some(data), Some(digest)) = (context.circuit, context.circuit_digest) else {
		return Err(EvidenceError::Malformed);
	};
	let verifier = Verifier::decode(data, &digest.0).map_err(|_| EvidenceError::Malformed)?;
	// `request` keeps ZK inputs inline (`InputTooLargeForTier`); none means malformed.
	let input = context.input.map(|input| input.as_slice()).unwrap_or_default();
	let ([input], [output]) = (input, context.output.as_slice()) else {
		return Err(EvidenceError::Malformed);
	};
	// The rows are read by the element types the circuit fixes (covered by its digest), not
	// by the version's spec.
	verifier.verify_bytes(proof, &input.data, &output.data).map_err(|error| match error {
		VerifyError::MalformedProof | VerifyError::RowsOutOfShape => EvidenceError::Malformed,
		_ => EvidenceError::Invalid,
	})
}

/// Reads registered verifier data for the model registry: its digest is the blake2-256 of
/// the bytes, once they decode as Verin verifier data whose rows are the version's single
/// input and output tensors.
pub struct ZkCircuits;

impl CircuitInspector for ZkCircuits {
	fn inspect(
		verifier_data: &[u8],
		schema: &TensorSchema,
	) -> Result<sp_core::H256, CircuitRefusal> {
		let verifier =
			Verifier::from_bytes(verifier_data).map_err(|_| CircuitRefusal::Malformed)?;
		let shape = verifier.shape();
		let declares = |specs: &[TensorSpec], element: IntegerType, width: u32| {
			let [spec] = specs else { return false };
			let declared = match spec.element {
				ElementType::I8 => IntegerType::I8,
				ElementType::U8 => IntegerType::U8,
				ElementType::I32 => IntegerType::I32,
				ElementType::F32
				| ElementType::I64
				| ElementType::F16
				| ElementType::Bool
				| ElementType::F64 => return false,
			};
			// A ranged dimension's `max` would count as fixed here: a circuit has one size.
			!spec.has_ranged_dimension()
				&& declared == element
				&& spec.elements_per_item() == Some(width)
		};
		if !declares(&schema.inputs, shape.input_type, shape.input_width)
			|| !declares(&schema.outputs, shape.output_type, shape.output_width)
		{
			return Err(CircuitRefusal::SpecMismatch);
		}
		Ok(sp_core::H256(verifier.digest()))
	}
}
