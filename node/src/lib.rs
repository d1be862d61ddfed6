//! The Verin node: validators and inference nodes of the Verin chain.
//!
//! This crate is wiring: the command line, the chain specifications, the service (block
//! production and finality, networking, RPC) and the offchain workers with the native
//! backends of the `verin_inference` and `verin_tee` host functions, which live in
//! `verin-worker`. It is a library as well as the `verin-node` binary so that test builds of
//! the node (the lying node of `node/lying`) reuse all of it and replace one part.

// The node returns sc-cli's and sc-service's error types, which are large (hundreds of
// bytes) by their design; boxing them here would only move the allocation.
#![allow(clippy::result_large_err)]

pub mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;
mod worker;

pub use worker::{honest_backend, WrapBackend};

/// Parses the command line and runs what it asks for: the node, or a maintenance subcommand.
pub fn run() -> sc_cli::Result<()> {
	command::run(honest_backend)
}

/// As [`run`], with the offchain workers' inference backend made by `wrap_backend` from the
/// node's ONNX Runtime engine. For test builds of the node only.
pub fn run_with_backend(wrap_backend: WrapBackend) -> sc_cli::Result<()> {
	command::run(wrap_backend)
}
