//! A model runner on its own, for the engine's tests: the node starts itself as
//! `verin-node model-runner` instead, with the same arguments.

use clap::Parser;

/// `verin-model-runner --ort-library PATH [--session-cache N]`.
#[derive(Parser)]
struct Cli {
	#[command(flatten)]
	runner: verin_worker::engine::sandbox::RunnerArgs,
}

fn main() -> std::io::Result<()> {
	Cli::parse().runner.serve()
}
