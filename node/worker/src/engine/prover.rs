//! The ZK tier's worker side: compiles a model's circuit from its bytes (the same bytes the
//! engine runs), checks its digest against the one registered on chain, and proves a row.

use std::{
	collections::VecDeque,
	sync::{Arc, Mutex},
};

use sp_core::H256;
use verin_primitives::tensor::{TensorData, TensorPayload};
use verin_worker_primitives::{InferenceError, Proven};
use verin_zk::{circuit::Circuit, compile::compile_onnx};

use super::sources::ModelSources;

/// Compiled circuits by content id, most recently used last.
pub(crate) struct Provers {
	capacity: usize,
	circuits: Mutex<VecDeque<(H256, Arc<Circuit>)>>,
}

impl Provers {
	pub(crate) fn new(capacity: usize) -> Self {
		Provers { capacity: capacity.max(1), circuits: Mutex::new(VecDeque::new()) }
	}

	/// The circuit of the model with `content_id`, compiled on first use.
	fn circuit(
		&self,
		sources: &ModelSources,
		content_id: H256,
	) -> Result<Arc<Circuit>, InferenceError> {
		let mut circuits = self.circuits.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		if let Some(position) = circuits.iter().position(|(id, _)| *id == content_id) {
			let entry = circuits.remove(position).expect("position is in range");
			circuits.push_back(entry.clone());
			return Ok(entry.1);
		}
		let bytes = sources.bytes(content_id)?;
		let program = compile_onnx(&bytes).map_err(|error| {
			log::warn!(target: "verin-inference", "model {content_id:?} has no circuit: {error}");
			InferenceError::NotProvable
		})?;
		let circuit = Arc::new(Circuit::build(&program).map_err(|error| {
			log::warn!(target: "verin-inference", "model {content_id:?} has no circuit: {error}");
			InferenceError::NotProvable
		})?);
		if circuits.len() >= self.capacity {
			circuits.pop_front();
		}
		circuits.push_back((content_id, circuit.clone()));
		Ok(circuit)
	}

	/// The digest of the model's circuit, compiled from its bytes.
	pub(crate) fn digest(
		&self,
		sources: &ModelSources,
		content_id: H256,
	) -> Result<H256, InferenceError> {
		Ok(H256(self.circuit(sources, content_id)?.digest()))
	}

	/// Proves the model's output on a one-row `input` with the circuit registered as
	/// `circuit_digest`.
	pub(crate) fn prove(
		&self,
		sources: &ModelSources,
		content_id: H256,
		circuit_digest: H256,
		input: &TensorPayload,
	) -> Result<Proven, InferenceError> {
		let circuit = self.circuit(sources, content_id)?;
		if circuit.digest() != circuit_digest.0 {
			log::warn!(
				target: "verin-inference",
				"model {content_id:?}: registered circuit {circuit_digest:?}, compiled {:?}",
				H256(circuit.digest())
			);
			return Err(InferenceError::CircuitMismatch);
		}
		let program = circuit.program();
		let [tensor] = input.as_slice() else { return Err(InferenceError::InvalidInput) };
		let row = program.input_type.decode(&tensor.data).ok_or(InferenceError::InvalidInput)?;
		if row.len() != program.input_width as usize {
			return Err(InferenceError::InvalidInput);
		}
		let proven = circuit.prove(&row).map_err(|error| {
			log::warn!(target: "verin-inference", "model {content_id:?}: {error}");
			match error {
				verin_zk::circuit::ProveError::Input(_) => InferenceError::InvalidInput,
				verin_zk::circuit::ProveError::Prover(_) => InferenceError::ProvingFailed,
			}
		})?;
		let output = TensorData {
			shape: vec![1, program.output_width()]
				.try_into()
				.map_err(|_| InferenceError::UnsupportedOutput)?,
			data: program
				.output_type
				.encode(&proven.output)
				.try_into()
				.map_err(|_| InferenceError::UnsupportedOutput)?,
		};
		Ok(Proven {
			output: vec![output].try_into().map_err(|_| InferenceError::UnsupportedOutput)?,
			proof: proven.proof,
		})
	}
}
