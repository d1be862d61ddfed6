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

	/// Runs models for a worker node's engine, one process per runner (started by the node
	/// itself, with its limits; not for use by hand).
	#[command(hide = true)]
	ModelRunner(verin_worker::engine::sandbox::RunnerArgs),
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

	/// Most ONNX Runtime sessions kept ready (in each model runner).
	#[arg(long, default_value_t = 8)]
	pub session_cache: usize,

	/// Longest a model may take to load, or to run on one job, in milliseconds. Past it the
	/// run is stopped and the job reported as `ExecutionTimedOut` (not slashed: it goes to
	/// another worker, or ends refunded). Keep it well under 5 blocks (30 s at 6-second
	/// blocks): a job still unanswered after its 5-block claim is run again.
	#[arg(long, value_name = "MS", default_value_t = 2_000)]
	pub model_timeout_ms: u64,

	/// Memory of one model runner process (address space), in MiB. A model that needs more
	/// is reported as `ResourceLimit`.
	#[arg(long, value_name = "MIB", default_value_t = 2_048)]
	pub model_memory_mib: u64,

	/// Most model runner processes at once (each runs one job at a time): a slow model
	/// holds one of them, the others keep answering.
	#[arg(long, value_name = "N", default_value_t = 4)]
	pub model_runners: usize,

	/// Never runs the model with this content id (`0x` and 64 hex digits), whatever the
	/// worker serves: its jobs are declined (`ModelDeclined`) and go to other workers.
	/// Repeat for several.
	#[arg(long, value_name = "CONTENT_ID", value_parser = parse_content_id)]
	pub deny_model: Vec<sp_core::H256>,

	/// Declines models larger than this many bytes (`ModelDeclined`).
	#[arg(long, value_name = "BYTES")]
	pub max_model_size: Option<u64>,

	/// The enclave attestation provider for the TEE tier: `nitro` inside an AWS Nitro
	/// enclave (reads `/dev/nsm`), `dev` for the development CA (accepted only by dev and
	/// local chains: its key is public), `none` for no TEE jobs. The node makes an enclave
	/// key at start and registers it on chain with an attestation for each worker key.
	#[arg(long, value_enum, default_value = "none", requires = "worker")]
	pub tee_provider: verin_worker::enclave::TeeProviderKind,
}

fn parse_content_id(text: &str) -> Result<sp_core::H256, String> {
	let hex = text.strip_prefix("0x").unwrap_or(text);
	let mut bytes = [0u8; 32];
	if hex.len() != 64 {
		return Err("a content id is 32 bytes: 0x and 64 hex digits".into());
	}
	for (index, byte) in bytes.iter_mut().enumerate() {
		*byte = u8::from_str_radix(&hex[2 * index..2 * index + 2], 16)
			.map_err(|_| format!("not hex: {text}"))?;
	}
	Ok(sp_core::H256(bytes))
}
