//! `verin-node`: the Verin chain's node binary.

mod chain_spec;
mod cli;
mod command;
mod example_models;
mod rpc;
mod service;
mod tee;
mod worker;
mod zk;

fn main() -> sc_cli::Result<()> {
	command::run()
}
