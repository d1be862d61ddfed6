//! A model's ZK circuit, compiled from its ONNX bytes as every worker compiles it: the
//! digest the registry records (anyone can recompute it from the model's bytes) and the
//! verifier data `models.register_circuit` takes.
//!
//! The compiler (`verin-zk`, on plonky2) is behind the SDK's `zk` feature: plonky2 needs
//! unstable language features, which the Verin workspace enables on stable Rust with
//! `RUSTC_BOOTSTRAP=plonky2_field,plonky2`. Without the feature, [`compile_circuit`]
//! returns [`Error::ZkFeatureDisabled`].

use crate::Error;

/// What the ZK compiler makes of a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledCircuit {
	/// The circuit's digest: blake2-256 of [`Self::verifier_data`], what the registry records.
	pub digest: [u8; 32],
	/// The serialized verifier data the runtime checks proofs with.
	pub verifier_data: Vec<u8>,
	/// Rows of the circuit (its degree).
	pub rows: usize,
	/// Length of the input row a proof covers.
	pub input_width: u32,
	/// Length of the output row a proof covers.
	pub output_width: u32,
}

impl CompiledCircuit {
	/// A circuit known only by its verifier data (compiled elsewhere): its digest is
	/// recomputed; rows and widths, which only the compiler knows, are zero.
	pub fn from_verifier_data(verifier_data: Vec<u8>) -> Self {
		CompiledCircuit {
			digest: sp_crypto_hashing::blake2_256(&verifier_data),
			verifier_data,
			rows: 0,
			input_width: 0,
			output_width: 0,
		}
	}
}

/// Whether this SDK was built with the ZK compiler (the `zk` feature).
pub const COMPILER_AVAILABLE: bool = cfg!(feature = "zk");

/// Compiles an integer-exact ONNX model into its circuit. A model outside the compiler's
/// subset is an [`Error::Circuit`] naming the operator or tensor at fault.
#[cfg(feature = "zk")]
pub fn compile_circuit(onnx_bytes: &[u8]) -> Result<CompiledCircuit, Error> {
	let program =
		verin_zk::compile::compile_onnx(onnx_bytes).map_err(|e| Error::Circuit(e.to_string()))?;
	let circuit =
		verin_zk::circuit::Circuit::build(&program).map_err(|e| Error::Circuit(e.to_string()))?;
	Ok(CompiledCircuit {
		digest: circuit.digest(),
		verifier_data: circuit.verifier_data(),
		rows: circuit.degree(),
		input_width: program.input_width,
		output_width: program.output_width(),
	})
}

/// Compiles an integer-exact ONNX model into its circuit: this build of the SDK has no ZK
/// compiler, so this is always [`Error::ZkFeatureDisabled`].
#[cfg(not(feature = "zk"))]
pub fn compile_circuit(onnx_bytes: &[u8]) -> Result<CompiledCircuit, Error> {
	let _ = onnx_bytes;
	Err(Error::ZkFeatureDisabled(
		"compiling a model's ZK circuit (which deploying a model with the zk tier does)",
	))
}

#[cfg(test)]
mod tests {
	use super::*;

	fn model(name: &str) -> Vec<u8> {
		std::fs::read(format!("{}/../../scripts/models/{name}", env!("CARGO_MANIFEST_DIR")))
			.unwrap()
	}

	#[cfg(not(feature = "zk"))]
	#[test]
	fn without_the_feature_compiling_is_a_named_error() {
		let error = compile_circuit(&model("digits-mlp-int8.onnx")).unwrap_err();
		assert!(matches!(error, Error::ZkFeatureDisabled(_)), "{error:?}");
		assert!(
			error.to_string().starts_with("this SDK was built without the `zk` feature: "),
			"{error}"
		);
	}

	#[cfg(feature = "zk")]
	#[test]
	fn the_integer_digits_model_compiles_as_the_compiler_builds_it() {
		let compiled = compile_circuit(&model("digits-mlp-int8.onnx")).unwrap();
		// The compiler's reference circuit is this model's (verin-zk's tests keep it current).
		assert!(compiled.verifier_data == verin_zk::reference_verifier_data());
		assert_eq!(compiled.digest, verin_zk::digest_of(&compiled.verifier_data));
		assert_eq!((compiled.input_width, compiled.output_width), (64, 10));
	}

	#[cfg(feature = "zk")]
	#[test]
	fn a_float_model_is_refused_by_the_compiler() {
		let error = compile_circuit(&model("digits-mlp-f32.onnx")).unwrap_err();
		assert!(matches!(error, Error::Circuit(_)), "{error:?}");
	}
}
