//! Command-line interface of `verin-node`.

/// Subcommands besides running the node.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management: generate, inspect and insert keys into the keystore.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (deprecated upstream, kept for zombienet and scripts).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export the chain specification of the chain the node is configured for.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Database meta columns information.
	ChainInfo(sc_cli::ChainInfoCmd),
}

/// Arguments of `verin-node`.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	#[clap(flatten)]
	pub run: sc_cli::RunCmd,

	#[clap(flatten)]
	pub inference: InferenceArgs,
}

/// Running models for the inference market.
#[derive(Debug, Clone, clap::Args)]
pub struct InferenceArgs {
	/// Run the inference worker: the offchain worker answers the jobs assigned to the worker
	/// keys (key type `vwrk`) in the keystore with ONNX Runtime. With `--dev`, Alice's worker
	/// key is added, and the example models are served from the binary.
	#[arg(long)]
	pub worker: bool,

	/// Adds the worker key of this secret URI (e.g. `//Dave`) to the keystore at startup, as
	/// `--dev` does for Alice; repeat it for several keys. For test networks: on a real
	/// network insert the key once with `verin-node key insert` instead of putting a secret
	/// on the command line.
	#[arg(long, value_name = "SECRET_URI", requires = "worker")]
	pub worker_key: Vec<String>,

	/// A directory of `.onnx` files to serve besides the models in the offchain store.
	#[arg(long, value_name = "PATH")]
	pub model_dir: Option<std::path::PathBuf>,

	/// The ONNX Runtime shared library (`libonnxruntime.so.1.31.x`). Defaults to the
	/// environment variable `VERIN_ORT_LIBRARY` (set by `scripts/env.sh`).
	#[arg(long, value_name = "PATH")]
	pub ort_library: Option<std::path::PathBuf>,

	/// Most ONNX Runtime sessions kept ready.
	#[arg(long, default_value_t = 8)]
	pub session_cache: usize,

	/// The enclave attestation provider for the TEE tier: `nitro` inside an AWS Nitro
	/// enclave (reads `/dev/nsm`), `dev` for the development CA (accepted only by dev and
	/// local chains: its key is public), `none` for no TEE jobs. The node makes an enclave
	/// key at start and registers it on chain with an attestation for each worker key.
	#[arg(long, value_enum, default_value = "none", requires = "worker")]
	pub tee_provider: verin_worker::enclave::TeeProviderKind,
}
