//! Dispatches the parsed command line: run the node or one of the maintenance subcommands.

use sc_cli::SubstrateCli;
use sc_service::{ChainType, PartialComponents};

use crate::{
	chain_spec,
	cli::{Cli, Subcommand},
	service,
};

impl SubstrateCli for Cli {
	fn impl_name() -> String {
		"Verin Node".into()
	}

	fn impl_version() -> String {
		env!("SUBSTRATE_CLI_IMPL_VERSION").into()
	}

	fn description() -> String {
		env!("CARGO_PKG_DESCRIPTION").into()
	}

	fn author() -> String {
		env!("CARGO_PKG_AUTHORS").into()
	}

	fn support_url() -> String {
		"https://example.invalid/verin/issues".into()
	}

	fn copyright_start_year() -> i32 {
		2026
	}

	fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
		Ok(match id {
			"dev" => Box::new(chain_spec::development_chain_spec()?),
			"" | "local" => Box::new(chain_spec::local_chain_spec()?),
			"live" => Box::new(chain_spec::live_chain_spec()?),
			path => {
				Box::new(chain_spec::ChainSpec::from_json_file(std::path::PathBuf::from(path))?)
			},
		})
	}
}

/// Runs a subcommand that needs the client, backend and import queue of a full node.
macro_rules! with_partial {
	($cli:expr, $cmd:expr, |$config:ident, $parts:ident| $body:expr) => {{
		let runner = $cli.create_runner($cmd)?;
		runner.async_run(|$config| {
			let $parts = service::new_partial(&$config)?;
			$body
		})
	}};
}

/// RPC request and response limit (MB) the node uses unless told otherwise: an 8 MiB
/// payload is about 16.8 MB of hex, plus the extrinsic around it.
const RPC_PAYLOAD_LIMIT_MB: u32 = 40;

/// Parses the command line and runs what it asks for; a worker's offchain workers reach the
/// backend `wrap_backend` makes from the node's engine.
pub fn run(wrap_backend: crate::WrapBackend) -> sc_cli::Result<()> {
	let cli = Cli::from_args();

	match &cli.subcommand {
		Some(Subcommand::ModelRunner(args)) => {
			args.serve().map_err(|error| sc_cli::Error::Application(Box::new(error)))
		},
		Some(Subcommand::Key(cmd)) => cmd.run(&cli),
		#[allow(deprecated)]
		Some(Subcommand::BuildSpec(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
		},
		Some(Subcommand::ExportChainSpec(cmd)) => {
			let chain_spec = cli.load_spec(&cmd.chain)?;
			cmd.run(chain_spec)
		},
		Some(Subcommand::CheckBlock(cmd)) => with_partial!(cli, cmd, |config, parts| {
			let PartialComponents { client, task_manager, import_queue, .. } = parts;
			Ok((cmd.run(client, import_queue), task_manager))
		}),
		Some(Subcommand::ExportBlocks(cmd)) => with_partial!(cli, cmd, |config, parts| {
			let PartialComponents { client, task_manager, .. } = parts;
			Ok((cmd.run(client, config.database), task_manager))
		}),
		Some(Subcommand::ExportState(cmd)) => with_partial!(cli, cmd, |config, parts| {
			let PartialComponents { client, task_manager, .. } = parts;
			Ok((cmd.run(client, config.chain_spec), task_manager))
		}),
		Some(Subcommand::ImportBlocks(cmd)) => with_partial!(cli, cmd, |config, parts| {
			let PartialComponents { client, task_manager, import_queue, .. } = parts;
			Ok((cmd.run(client, import_queue), task_manager))
		}),
		Some(Subcommand::PurgeChain(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.database))
		},
		Some(Subcommand::Revert(cmd)) => with_partial!(cli, cmd, |config, parts| {
			let PartialComponents { client, task_manager, backend, .. } = parts;
			let aux_revert = Box::new(|client, _, blocks| {
				sc_consensus_grandpa::revert(client, blocks)?;
				Ok(())
			});
			Ok((cmd.run(client, backend, Some(aux_revert)), task_manager))
		}),
		Some(Subcommand::ChainInfo(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run::<verin_runtime::opaque::Block>(&config))
		},
		None => {
			let runner = cli.create_runner(&cli.run)?;
			runner.run_node_until_exit(|mut config| async move {
				// Model bytes reach workers through offchain indexing. Dev chains turn it on
				// so `--dev` works without flags; other chains opt in with
				// `--enable-offchain-indexing true`.
				if config.chain_spec.chain_type() == ChainType::Development {
					config.offchain_worker.indexing_enabled = true;
				}
				// A request or result carries up to 8 MiB of tensors, 16 MiB as hex in JSON:
				// the RPC's 15 MB defaults would refuse it (an explicit other value stands).
				if config.rpc.max_request_size == sc_cli::RPC_DEFAULT_MAX_REQUEST_SIZE_MB {
					config.rpc.max_request_size = RPC_PAYLOAD_LIMIT_MB;
				}
				if config.rpc.max_response_size == sc_cli::RPC_DEFAULT_MAX_RESPONSE_SIZE_MB {
					config.rpc.max_response_size = RPC_PAYLOAD_LIMIT_MB;
				}
				// A worker answers from its offchain worker, which the CLI only starts on
				// validators by default: `--worker` starts it on any node.
				if cli.inference.worker {
					config.offchain_worker.enabled = true;
				}
				let inference = cli.inference.clone();
				match config.network.network_backend {
					sc_network::config::NetworkBackendType::Libp2p => {
						service::new_full::<sc_network::NetworkWorker<_, _>>(
							config,
							inference,
							wrap_backend,
						)
					},
					sc_network::config::NetworkBackendType::Litep2p => {
						service::new_full::<sc_network::Litep2pNetworkBackend>(
							config,
							inference,
							wrap_backend,
						)
					},
				}
				.map_err(sc_cli::Error::Service)
			})
		},
	}
}
