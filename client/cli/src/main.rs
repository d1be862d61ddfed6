//! `verin`: deploy a model, run it with the verification tier you need, follow jobs, run a
//! worker account. Talks to a node over JSON-RPC (`--url`, default the dev node's); `verin zk`
//! works offline.

use std::{path::PathBuf, process::ExitCode, time::Duration};

use clap::{Args, Parser, Subcommand};
use verin_sdk::{
	format_balance, hex, signer, spec::spec_from_onnx, tensors, zk::compile_circuit,
	DeployProgress, Error, Job, JobStatus, ModelFile, ModelId, ModelInfo, ModelVersion, Tier,
	TierSet, ToleranceRule, Verin, UNIT,
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
	/// Models: deploy, list, show, verify.
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
struct SignerArgs {
	/// Signing key: a secret URI (`//Alice`, a mnemonic, `0x<seed>`) or a file holding one.
	#[arg(long, env = "VERIN_SURI")]
	suri: String,
}

#[derive(Subcommand)]
enum ModelCommand {
	/// Read an ONNX file, derive its schema, upload it, register it; prints the model id.
	Deploy {
		/// The ONNX file.
		file: PathBuf,
		/// Name in the registry.
		#[arg(long)]
		name: String,
		/// Tiers requests may ask for (vanilla, optimistic, tee, zk).
		#[arg(long, value_delimiter = ',', default_value = "vanilla")]
		tiers: Vec<String>,
		/// Price per inference in VRN (paid to you as royalty).
		#[arg(long, default_value = "0.001")]
		price: String,
		/// How re-executions of a float model are compared: `argmax` or `abs:<max error>`.
		#[arg(long, default_value = "argmax")]
		tolerance: String,
		/// One line for humans.
		#[arg(long, default_value = "")]
		description: String,
		/// What the model does.
		#[arg(long, default_value = "")]
		task: String,
		/// SPDX license of the weights.
		#[arg(long, default_value = "")]
		license: String,
		/// Register this verifier data (from `verin zk compile`) as the ZK circuit instead
		/// of compiling the model here. Workers review it against the model's bytes: a
		/// circuit that is not their compile is disputed and serves no ZK job.
		#[arg(long)]
		circuit: Option<PathBuf>,
		#[command(flatten)]
		signer: SignerArgs,
	},
	/// List the registered models.
	List,
	/// Show a model (by id or name) and its latest version's schema.
	Show {
		/// Id or name.
		model: String,
	},
	/// Check a version's bytes and ZK circuit against the chain: downloads the bytes from
	/// the node (or reads --file), recomputes their content id and compiles their circuit,
	/// and says whether both match what the chain records. Exits non-zero if not.
	Verify {
		/// Id or name, with an optional `@MAJOR.MINOR` (the latest version by default).
		model: String,
		/// Check this ONNX file instead of the node's copy of the bytes.
		#[arg(long)]
		file: Option<PathBuf>,
	},
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
enum Failure {
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

fn usage(message: impl Into<String>) -> Failure {
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
		OnlineCommand::Model(ModelCommand::Deploy {
			file,
			name,
			tiers,
			price,
			tolerance,
			description,
			task,
			license,
			circuit,
			signer: key,
		}) => {
			let bytes = std::fs::read(&file)
				.map_err(|e| Error::File(format!("{}: {e}", file.display())))?;
			let spec = spec_from_onnx(&bytes, parse_tiers(&tiers)?, parse_tolerance(&tolerance)?)?;
			let key = signer(&key.suri)?;
			let model_file = ModelFile {
				bytes,
				name,
				description,
				task,
				license,
				spec,
				price: parse_amount(&price)?,
				circuit: match &circuit {
					Some(path) => Some(
						std::fs::read(path)
							.map_err(|e| Error::File(format!("{}: {e}", path.display())))?,
					),
					None => None,
				},
			};
			let deployed = verin
				.deploy(&key, &model_file, |step| match step {
					DeployProgress::Registered(id) => eprintln!("registered model {id}"),
					DeployProgress::Chunk { sent, total } => {
						eprintln!("uploading {} [{sent}/{total} chunks]", bar(sent, total))
					},
					DeployProgress::CircuitCompiled { digest, bytes } => eprintln!(
						"compiled the ZK circuit {} ({bytes} bytes of verifier data)",
						hex(&digest)
					),
					DeployProgress::Published => eprintln!("published version 1.0"),
				})
				.await?;
			println!("model id: {}", deployed.model);
			println!("version: {}", deployed.version);
			println!("content id: {:?}", deployed.content_id);
			if let Some(digest) = deployed.circuit_digest {
				println!("circuit: {}", hex(&digest));
				if let Some(review) = verin.circuit_review(deployed.model, deployed.version).await?
				{
					println!("circuit review: {}", review_text(&review));
				}
			}
		},
		OnlineCommand::Model(ModelCommand::List) => {
			let models = verin.models().await?;
			println!(
				"{:>4}  {:<24} {:<10} {:<8} {:>16}  owner",
				"id", "name", "status", "version", "price"
			);
			for (id, model) in models {
				println!(
					"{id:>4}  {:<24} {:<10} {:<8} {:>16}  {}",
					text(&model.metadata.name),
					format!("{:?}", model.status),
					model.latest_version().map(|v| v.to_string()).unwrap_or_else(|| "-".into()),
					format_balance(model.price),
					model.owner
				);
			}
		},
		OnlineCommand::Model(ModelCommand::Show { model }) => {
			let (id, info) = verin.find_model(&model).await?;
			print_model(&verin, id, &info).await?;
		},
		OnlineCommand::Model(ModelCommand::Verify { model, file }) => {
			return verify_model(&verin, &model, file).await;
		},
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
				(Some(address), _) => address
					.parse()
					.map_err(|_| usage(format!("`{address}` is not an SS58 address")))?,
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

async fn print_model(verin: &Verin, id: ModelId, model: &ModelInfo) -> Result<(), Error> {
	println!("model {id}: {}", text(&model.metadata.name));
	if !model.metadata.description.is_empty() {
		println!("description: {}", text(&model.metadata.description));
	}
	println!("owner: {}", model.owner);
	println!("status: {:?}, price {}", model.status, format_balance(model.price));
	println!(
		"versions: {}",
		model.versions.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
	);
	if let Some(latest) = model.latest_version() {
		let info = verin.version(id, latest).await?;
		println!("latest {latest}: content id {:?}, {} bytes", info.content_id, info.size);
		println!(
			"  tiers: {}",
			info.spec.tiers.iter().map(|t| format!("{t:?}")).collect::<Vec<_>>().join(", ")
		);
		println!("  determinism: {:?}", info.spec.determinism);
		for (kind, specs) in
			[("input", &info.spec.schema.inputs), ("output", &info.spec.schema.outputs)]
		{
			for spec in specs.iter() {
				println!(
					"  {kind} {}: {:?} {}",
					text(&spec.name),
					spec.element,
					tensors::shape_text(spec)
				);
			}
		}
		if let Some(digest) = info.circuit_digest {
			println!("  zk circuit: {digest:?}");
			if let Some(review) = verin.circuit_review(id, latest).await? {
				println!("  zk circuit review: {}", review_text(&review));
			}
		}
	}
	Ok(())
}

/// A circuit's review on one line: its status and what it is waiting for.
fn review_text(review: &verin_sdk::CircuitReviewInfo) -> String {
	use verin_sdk::CircuitStatus;
	let confirmations = review.confirmed_by.len();
	match review.status {
		CircuitStatus::Unreviewed => format!(
			"awaiting review ({confirmations} of {} confirmations from workers other than the owner); ZK requests wait until it is trusted",
			review.required
		),
		CircuitStatus::Trusted => format!(
			"trusted ({confirmations} confirmation{} from workers other than the owner)",
			if confirmations == 1 { "" } else { "s" }
		),
		CircuitStatus::Upheld => "trusted (upheld by governance after a dispute)".into(),
		CircuitStatus::Disputed => match &review.disputed_by {
			Some((by, Some(digest))) => format!(
				"disputed by {by}, whose compile of the bytes is {digest:?}; ZK requests are refused until governance resolves it"
			),
			Some((by, None)) => format!(
				"disputed by {by}, for whom the bytes do not compile; ZK requests are refused until governance resolves it"
			),
			None => "disputed; ZK requests are refused until governance resolves it".into(),
		},
	}
}

/// `verin model verify`: the version's bytes and circuit checked against the chain.
async fn verify_model(
	verin: &Verin,
	model: &str,
	file: Option<PathBuf>,
) -> Result<ExitCode, Failure> {
	let [(id, version)] = resolve_models(verin, &[model.to_string()]).await?[..] else {
		unreachable!("one model in, one out")
	};
	let bytes = match &file {
		Some(path) => {
			Some(std::fs::read(path).map_err(|e| Error::File(format!("{}: {e}", path.display())))?)
		},
		None => None,
	};
	let source = match &file {
		Some(path) => path.display().to_string(),
		None => "the node's copy".to_string(),
	};
	let checked = verin.verify_model(id, version, bytes).await?;
	println!("model {id}@{version}: {} bytes from {source}", checked.size);
	let content = checked.content_matches();
	println!(
		"content id: {} (chain {:?}, bytes {:?})",
		if content { "matches" } else { "DIFFERS" },
		checked.content_id,
		checked.bytes_content_id
	);
	let circuit = checked.circuit_matches();
	match (&checked.registered_circuit, &checked.compiled_circuit) {
		(None, _) => println!("zk circuit: none registered"),
		(Some(registered), None) => {
			println!(
				"zk circuit: not checked (the bytes are not the version's); chain {registered:?}"
			)
		},
		(Some(registered), Some(Ok(compiled))) => println!(
			"zk circuit: {} (chain {registered:?}, compiled {compiled:?})",
			if circuit == Some(true) { "matches" } else { "DIFFERS" }
		),
		(Some(registered), Some(Err(error))) => {
			println!(
				"zk circuit: DIFFERS (chain {registered:?}; the bytes do not compile: {error})"
			)
		},
	}
	if let Some(review) = verin.circuit_review(id, version).await? {
		println!("zk circuit review: {}", review_text(&review));
	}
	let verified = content && circuit != Some(false);
	println!(
		"{}",
		if verified {
			"verified: the chain records these bytes and their circuit"
		} else {
			"NOT verified: what the chain records is not these bytes or not their circuit"
		}
	);
	Ok(if verified { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

async fn resolve_models(
	verin: &Verin,
	models: &[String],
) -> Result<Vec<(ModelId, ModelVersion)>, Failure> {
	let mut resolved = Vec::new();
	for model in models {
		let (name, version) = match model.split_once('@') {
			Some((name, version)) => (name, Some(parse_version(version)?)),
			None => (model.as_str(), None),
		};
		let (id, info) = verin.find_model(name).await?;
		let version = match version.or_else(|| info.latest_version()) {
			Some(version) => version,
			None => return Err(Error::NoPublishedVersion(name.into()).into()),
		};
		resolved.push((id, version));
	}
	Ok(resolved)
}

fn list_models(models: &[(ModelId, ModelVersion)]) -> String {
	models.iter().map(|(id, version)| format!("{id}@{version}")).collect::<Vec<_>>().join(", ")
}

fn account(key: &verin_sdk::Keypair) -> verin_sdk::AccountId {
	verin_sdk::AccountId::new(key.public_key().0)
}

fn parse_tier(text: &str) -> Result<Tier, Failure> {
	match text.to_ascii_lowercase().as_str() {
		"vanilla" => Ok(Tier::Vanilla),
		"optimistic" => Ok(Tier::Optimistic),
		"tee" => Ok(Tier::Tee),
		"zk" => Ok(Tier::Zk),
		other => Err(usage(format!("unknown tier `{other}`: use vanilla, optimistic, tee or zk"))),
	}
}

fn parse_tiers(list: &[String]) -> Result<TierSet, Failure> {
	list.iter().map(|tier| parse_tier(tier)).collect()
}

fn parse_tolerance(text: &str) -> Result<ToleranceRule, Failure> {
	if text == "argmax" {
		return Ok(ToleranceRule::ArgmaxEqual);
	}
	let error = text
		.strip_prefix("abs:")
		.and_then(|e| e.parse::<f64>().ok())
		.filter(|e| (0.0..=4_000.0).contains(e))
		.ok_or_else(|| {
			usage(format!("unknown tolerance `{text}`: use argmax or abs:<max error, e.g. 0.001>"))
		})?;
	Ok(ToleranceRule::MaxAbsErrorMicros((error * 1e6).round() as u32))
}

fn parse_version(text: &str) -> Result<ModelVersion, Failure> {
	let parsed = text.split_once('.').and_then(|(major, minor)| {
		Some(ModelVersion::new(major.parse().ok()?, minor.parse().ok()?))
	});
	parsed.ok_or_else(|| usage(format!("`{text}` is not a version: use MAJOR.MINOR, e.g. 1.0")))
}

/// An amount in VRN (`0.001`, `12`), to the smallest unit.
fn parse_amount(text: &str) -> Result<u128, Failure> {
	let bad = || usage(format!("`{text}` is not an amount of VRN (e.g. 0.001, up to 12 decimals)"));
	let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
	if fraction.len() > 12 || (whole.is_empty() && fraction.is_empty()) {
		return Err(bad());
	}
	let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
	let fraction: u128 = if fraction.is_empty() {
		0
	} else {
		format!("{fraction:0<12}").parse().map_err(|_| bad())?
	};
	whole.checked_mul(UNIT).and_then(|w| w.checked_add(fraction)).ok_or_else(bad)
}

fn text(bytes: &[u8]) -> String {
	String::from_utf8_lossy(bytes).into_owned()
}

fn bar(done: u32, total: u32) -> String {
	let width = 20;
	let filled = (done as usize * width) / total.max(1) as usize;
	format!("[{}{}]", "#".repeat(filled), ".".repeat(width - filled))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn amounts_are_read_in_vrn() {
		assert_eq!(parse_amount("0.001").unwrap(), UNIT / 1000);
		assert_eq!(parse_amount("12").unwrap(), 12 * UNIT);
		assert_eq!(parse_amount("1.000000000001").unwrap(), UNIT + 1);
		assert!(parse_amount("0.0000000000001").is_err());
		assert!(parse_amount("one").is_err());
		assert!(parse_amount(".").is_err());
	}

	#[test]
	fn tolerances_and_versions() {
		assert_eq!(parse_tolerance("abs:0.001").unwrap(), ToleranceRule::MaxAbsErrorMicros(1000));
		assert!(parse_tolerance("loose").is_err());
		assert_eq!(parse_version("2.3").unwrap(), ModelVersion::new(2, 3));
		assert!(parse_version("2").is_err());
	}
}
