//! `verin-node zk compile MODEL.onnx`: recomputes a model's ZK circuit from its bytes, so
//! anyone can check the digest registered on chain, and writes the verifier data that
//! `models.register_circuit` takes.

use std::path::PathBuf;

use verin_zk::{circuit::Circuit, compile::compile_onnx};

/// ZK tier tools.
#[derive(Debug, clap::Subcommand)]
pub enum ZkCmd {
	/// Compile an integer-exact ONNX model into its circuit: prints the digest and writes
	/// the verifier data.
	Compile {
		/// The ONNX model file.
		model: PathBuf,
		/// Where to write the verifier data (default: the model path with `.circuit`).
		#[arg(long)]
		out: Option<PathBuf>,
	},
}

impl ZkCmd {
	/// Runs the command.
	pub fn run(&self) -> sc_cli::Result<()> {
		match self {
			ZkCmd::Compile { model, out } => {
				let bytes = std::fs::read(model)
					.map_err(|error| sc_cli::Error::Input(format!("{}: {error}", model.display())))?;
				let program = compile_onnx(&bytes)
					.map_err(|error| sc_cli::Error::Input(format!("{}: {error}", model.display())))?;
				let circuit = Circuit::build(&program);
				let data = circuit.verifier_data();
				let out = out.clone().unwrap_or_else(|| model.with_extension("circuit"));
				std::fs::write(&out, &data)
					.map_err(|error| sc_cli::Error::Input(format!("{}: {error}", out.display())))?;
				println!("digest:        0x{}", hex_string(&circuit.digest()));
				println!("rows:          {} ({} inputs, {} outputs)", circuit.degree(), program.input_width, program.output_width());
				println!("verifier data: {} bytes in {}", data.len(), out.display());
				Ok(())
			},
		}
	}
}

fn hex_string(bytes: &[u8]) -> String {
	bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
