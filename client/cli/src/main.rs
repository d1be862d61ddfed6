//! `verin`: deploy a model and publish its versions, run it with the verification tier you
//! need, follow jobs, run a worker account. Talks to a node over JSON-RPC (`--url`, default
//! the dev node's); `verin zk` works offline.

mod model;
mod parse;
mod progress;

use std::{path::PathBuf, process::ExitCode, time::Duration};

use clap::{Args, Parser, Subcommand};
use verin_sdk::{
	format_balance, hex, signer, tensors, zk::compile_circuit, Error, Job, JobStatus, Tier, Verin,
};

use crate::{
	model::{list_models, resolve_models, ModelCommand},
	parse::{parse_address, parse_amount, parse_tier, parse_tiers, parse_version},
};

#[derive(Parser)]
#[command(name = "verin", version, about = "Verifiable AI inference on the Verin chain")]
struct Cli {
	/// The node's WebSocket RPC endpoint.
	#[arg(long, global = true, default_value = "ws://127.0.0.1:9944", env = "VERIN_URL")]
	url: String,
	#[command(subcommand)]
	command: Command,
}

// Parsed once per run: the size of its largest variant costs nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
	#[command(flatten)]
	Online(OnlineCommand),
	/// ZK tier tools (offline: no node needed).
	#[command(subcommand)]
	Zk(ZkCommand),
}

/// The commands that talk to a node.
#[derive(Subcommand)]
enum OnlineCommand {
	/// Models: deploy, publish, list, show, verify; price, status, ownership, removal.
	#[command(subcommand)]
	Model(ModelCommand),
	/// Request an inference and (with --wait) print its verified result.
	Infer(InferArgs),
	/// Show a job.
	Job {
		/// The job's id.
		id: u64,
	},
	/// Worker accounts: register, serve, unbond, status.
	#[command(subcommand)]
	Worker(WorkerCommand),
}

#[derive(Subcommand)]
enum ZkCommand {
	/// Compile an integer-exact ONNX model into its circuit: prints the digest and writes
	/// the verifier data.
	///
	/// Every worker compiles the model the same way: the digest is the one to find
	/// registered on chain for the model's version, and the verifier data is what
	/// `models.register_circuit` takes.
	Compile {
		/// The ONNX model file.
		model: PathBuf,
		/// Where to write the verifier data (default: the model path with `.circuit`).
		#[arg(long)]
		out: Option<PathBuf>,
	},
}

#[derive(Args)]
pub(crate) struct SignerArgs {
	/// Signing key: a secret URI (`//Alice`, a mnemonic, `0x<seed>`) or a file holding one.
	#[arg(long, env = "VERIN_SURI")]
	pub(crate) suri: String,
}

#[derive(Args)]
struct InferArgs {
	/// The model's id or name.
	#[arg(long)]
	model: String,
	/// A published version (`1.0`); the latest by default.
	#[arg(long)]
	version: Option<String>,
	/// The input: a JSON file (an array, or an object of arrays by input name) or a `.npy`.
	#[arg(long)]
	input: PathBuf,
	/// Verification tier: vanilla, optimistic, tee or zk.
	#[arg(long, default_value = "vanilla")]
	tier: String,
	/// Most you agree to pay, in VRN; the quote by default.
	#[arg(long)]
	max_fee: Option<String>,
	/// Blocks the assigned worker has to answer.
	#[arg(long, default_value_t = 10)]
	response_blocks: u32,
	/// Wait for the result and print it.
	#[arg(long)]
	wait: bool,
	/// Longest wait, in seconds.
	#[arg(long, default_value_t = 180)]
	timeout: u64,
	#[command(flatten)]
	signer: SignerArgs,
}

#[derive(Subcommand)]
enum WorkerCommand {
	/// Register the signer as a worker serving models (its node must run with --worker).
	Register {
		/// Stake to bond, in VRN.
		#[arg(long)]
		stake: String,
		/// Models to serve: `ID` (latest version) or `ID@MAJOR.MINOR`, comma-separated.
		#[arg(long, value_delimiter = ',', required = true)]
		models: Vec<String>,
		/// Tiers it can answer.
		#[arg(long, value_delimiter = ',', default_value = "vanilla")]
		tiers: Vec<String>,
		#[command(flatten)]
		signer: SignerArgs,
	},
	/// Replace the models the signer's worker serves.
	Serve {
		/// Models to serve: `ID` or `ID@MAJOR.MINOR`, comma-separated.
		#[arg(long, value_delimiter = ',', required = true)]
		models: Vec<String>,
		#[command(flatten)]
		signer: SignerArgs,
	},
	/// Start unbonding stake (it stays slashable until the unbonding period ends).
	Unbond {
		/// Amount in VRN.
		amount: String,
		#[command(flatten)]
		signer: SignerArgs,
	},
	/// Show a worker: stake, models, tiers, jobs.
	Status {
		/// The worker's address (SS58); the signer's with --suri.
		address: Option<String>,
		/// Signing key whose account to show.
		#[arg(long)]
		suri: Option<String>,
	},
}

#[tokio::main]
async fn main() -> ExitCode {
	let cli = Cli::parse();
	match run(cli).await {
		Ok(code) => code,
		Err(e) => {
			eprintln!("error: {e}");
			ExitCode::FAILURE
		},
	}
}

/// Why a command failed: the SDK's error (with the file it concerns, if any), or a command
/// line the CLI cannot read.
#[derive(Debug)]
pub(crate) enum Failure {
	Sdk(Error),
	File(PathBuf, Error),
	Usage(String),
}

impl std::fmt::Display for Failure {
	fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
		match self {
			Self::Sdk(e) => write!(f, "{e}"),
			Self::File(path, e) => write!(f, "{}: {e}", path.display()),
			Self::Usage(e) => write!(f, "{e}"),
		}
	}
}

impl From<Error> for Failure {
	fn from(e: Error) -> Self {
		Self::Sdk(e)
	}
}

impl From<verin_sdk::tensors::InputError> for Failure {
	fn from(e: verin_sdk::tensors::InputError) -> Self {
		Self::Sdk(e.into())
	}
}

impl From<verin_sdk::spec::SpecError> for Failure {
	fn from(e: verin_sdk::spec::SpecError) -> Self {
		Self::Sdk(e.into())
	}
}

pub(crate) fn usage(message: impl Into<String>) -> Failure {
	Failure::Usage(message.into())
}

async fn run(cli: Cli) -> Result<ExitCode, Failure> {
	match cli.command {
		Command::Online(command) => online(&cli.url, command).await,
		Command::Zk(command) => zk(command),
	}
}

fn zk(command: ZkCommand) -> Result<ExitCode, Failure> {
	match command {
		ZkCommand::Compile { model, out } => {
			let bytes = std::fs::read(&model)
				.map_err(|e| Error::File(format!("{}: {e}", model.display())))?;
			let circuit = compile_circuit(&bytes).map_err(|e| Failure::File(model.clone(), e))?;
			let out = out.unwrap_or_else(|| model.with_extension("circuit"));
			std::fs::write(&out, &circuit.verifier_data)
				.map_err(|e| Error::File(format!("{}: {e}", out.display())))?;
			println!("digest:        {}", hex(&circuit.digest));
			println!(
				"rows:          {} ({} inputs, {} outputs)",
				circuit.rows, circuit.input_width, circuit.output_width
			);
			println!("verifier data: {} bytes in {}", circuit.verifier_data.len(), out.display());
		},
	}
	Ok(ExitCode::SUCCESS)
}

async fn online(url: &str, command: OnlineCommand) -> Result<ExitCode, Failure> {
	let verin = Verin::connect(url).await?;
	match command {
		OnlineCommand::Model(command) => return model::run(&verin, command).await,
		OnlineCommand::Infer(args) => return infer(&verin, args).await,
		OnlineCommand::Job { id } => {
			let job = verin.job(id).await?;
			print_job(&verin, id, &job).await?;
		},
		OnlineCommand::Worker(WorkerCommand::Register { stake, models, tiers, signer: key }) => {
			let key = signer(&key.suri)?;
			let models = resolve_models(&verin, &models).await?;
			verin
				.register_worker(&key, parse_amount(&stake)?, parse_tiers(&tiers)?, &models)
				.await?;
			println!("registered worker {} serving {}", account(&key), list_models(&models));
		},
		OnlineCommand::Worker(WorkerCommand::Serve { models, signer: key }) => {
			let key = signer(&key.suri)?;
			let models = resolve_models(&verin, &models).await?;
			verin.serve(&key, &models).await?;
			println!("worker {} now serves {}", account(&key), list_models(&models));
		},
		OnlineCommand::Worker(WorkerCommand::Unbond { amount, signer: key }) => {
			let key = signer(&key.suri)?;
			let amount = parse_amount(&amount)?;
			verin.unbond(&key, amount).await?;
			println!("unbonding {} of {}", format_balance(amount), account(&key));
		},
		OnlineCommand::Worker(WorkerCommand::Status { address, suri }) => {
			let who = match (address, suri) {
				(Some(address), _) => parse_address(&address)?,
				(None, Some(suri)) => account(&signer(&suri)?),
				(None, None) => return Err(usage("name the worker: an address or --suri")),
			};
			let Some(status) = verin.worker(&who).await? else {
				println!("{who} is not a registered worker");
				return Ok(ExitCode::FAILURE);
			};
			println!("worker {who}: {}", if status.online { "online" } else { "offline" });
			println!("stake: {}", format_balance(status.stake));
			if let Some((amount, until)) = status.unbonding {
				println!("unbonding: {} until block #{until}", format_balance(amount));
			}
			println!(
				"tiers: {}",
				status.tiers.iter().map(|t| format!("{t:?}")).collect::<Vec<_>>().join(", ")
			);
			println!("models: {}", list_models(&status.models));
			println!(
				"jobs: {} open, {} answered, {} missed",
				status.load, status.answered, status.missed
			);
			println!("pending: {:?}", verin.worker_jobs(&who).await?);
		},
	}
	Ok(ExitCode::SUCCESS)
}

async fn infer(verin: &Verin, args: InferArgs) -> Result<ExitCode, Failure> {
	let (model, info) = verin.find_model(&args.model).await?;
	let (version, version_info) = match &args.version {
		Some(text) => {
			let version = parse_version(text)?;
			(version, verin.version(model, version).await?)
		},
		None => verin.latest_version(model, &info).await?,
	};
	let input = tensors::read_input(&args.input, &version_info.spec.schema.inputs)?;
	let tier = parse_tier(&args.tier)?;
	let max_fee = args.max_fee.as_deref().map(parse_amount).transpose()?;
	let key = signer(&args.signer.suri)?;
	let requested = verin
		.request(&key, model, Some(version), input, tier, max_fee, args.response_blocks)
		.await?;
	println!(
		"job {} requested in block #{}: {} held ({} worker, {} royalty, {} treasury)",
		requested.job,
		requested.block,
		format_balance(requested.fee.total),
		format_balance(requested.fee.worker),
		format_balance(requested.fee.royalty),
		format_balance(requested.fee.treasury)
	);
	if !args.wait {
		println!("follow it with `verin job {}`", requested.job);
		return Ok(ExitCode::SUCCESS);
	}
	let outcome = verin.wait_for_job(requested.job, Duration::from_secs(args.timeout)).await?;
	let completed = print_job(verin, requested.job, &outcome.job).await?;
	Ok(if completed { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Prints a job; returns whether it completed.
async fn print_job(verin: &Verin, id: u64, job: &Job) -> Result<bool, Error> {
	let version = verin.version(job.model, job.version).await.ok();
	println!(
		"job {id}: model {}@{}, tier {:?}, requested in block #{}",
		job.model, job.version, job.tier, job.requested_at
	);
	let completed = match &job.status {
		JobStatus::Assigned { worker, deadline } => {
			println!("status: assigned to {worker}, answer due by block #{deadline}");
			false
		},
		JobStatus::Provisional { worker, until } => {
			println!("status: answered by {worker}; final at block #{until} unless challenged");
			false
		},
		JobStatus::Completed { worker, at } => {
			println!("status: completed in block #{at} by {worker}");
			println!("fee paid: {}", format_balance(job.fee.total));
			println!("evidence checked on-chain: {}", evidence(job.tier, version.as_ref()));
			true
		},
		JobStatus::Failed { worker, reason, at } => {
			println!(
				"status: failed in block #{at}: {worker} reported {reason:?}; {} refunded",
				format_balance(job.fee.total)
			);
			false
		},
		JobStatus::Expired { at } => {
			println!(
				"status: expired in block #{at}: no worker answered; {} refunded",
				format_balance(job.fee.total)
			);
			false
		},
		JobStatus::Disputed { worker, challenger, deadline } => {
			println!(
				"status: {worker}'s result is challenged by {challenger}; a committee drawn after the challenge \
				 commits to and reveals its votes until block #{deadline}"
			);
			false
		},
		JobStatus::Overturned { worker, at } => {
			println!(
				"status: overturned in block #{at}: the committee's majority found {worker}'s result wrong; the output \
				 below is the majority's; {} refunded",
				format_balance(job.fee.total)
			);
			true
		},
		JobStatus::Unresolved { worker, at } => {
			println!(
				"status: dispute unresolved in block #{at}: {worker}'s output below was not confirmed; the fee \
				 ({}) went to the treasury, not to the worker",
				format_balance(job.fee.total)
			);
			false
		},
	};
	if let (true, Some(version)) = (job.output.is_some(), &version) {
		// Small outputs are in the job; large ones come from the node's offchain store.
		let output = match job.output.as_ref().and_then(|stored| stored.inline()) {
			Some(output) => Some(output),
			None => verin.output(id).await?,
		};
		if let Some(output) = output {
			println!("output: {}", tensors::to_json(&version.spec.schema.outputs, &output));
		}
	}
	Ok(completed)
}

fn evidence(tier: Tier, version: Option<&verin_sdk::VersionInfo>) -> String {
	match tier {
		Tier::Vanilla => "the result is signed by the assigned worker, whose stake backs it".into(),
		Tier::Zk => match version.and_then(|v| v.circuit_digest) {
			Some(digest) => {
				format!("a plonky2 proof, verified in the runtime against circuit {digest:?}")
			},
			None => "a plonky2 proof, verified in the runtime".into(),
		},
		Tier::Optimistic => {
			"the result stood through its challenge window, or a re-executing committee upheld it"
				.into()
		},
		Tier::Tee => "the result is signed by an attested enclave key".into(),
	}
}

pub(crate) fn account(key: &verin_sdk::Keypair) -> verin_sdk::AccountId {
	verin_sdk::AccountId::new(key.public_key().0)
}

pub(crate) fn text(bytes: &[u8]) -> String {
	String::from_utf8_lossy(bytes).into_owned()
}
