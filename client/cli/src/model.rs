//! `verin model …`: deploy a model, publish its versions, look at them, check them, and the
//! owner's lifecycle calls (price, status, ownership, cancelling an upload, removal).

use std::{path::PathBuf, process::ExitCode};

use clap::{Args, Subcommand};
use verin_sdk::{
	format_balance, signer,
	spec::{spec_from_onnx_with_bounds, DimensionBounds, SpecError},
	tensors, Deployed, Error, Keypair, ModelFile, ModelId, ModelInfo, ModelVersion, Verin,
	VersionFile,
};

use crate::{
	account,
	parse::{
		parse_address, parse_amount, parse_status, parse_tiers, parse_tolerance, parse_version,
	},
	progress::UploadReport,
	text, Failure, SignerArgs,
};

#[derive(Subcommand)]
pub(crate) enum ModelCommand {
	/// Register a model and publish its version 1.0: reads the ONNX file, derives its schema,
	/// uploads it; prints the model id. Run again after an interruption, it continues where
	/// the chain stopped.
	Deploy {
		/// Name in the registry.
		#[arg(long)]
		name: String,
		/// Price per inference in VRN (paid to you as royalty).
		#[arg(long, default_value = "0.001")]
		price: String,
		/// One line for humans.
		#[arg(long, default_value = "")]
		description: String,
		/// What the model does.
		#[arg(long, default_value = "")]
		task: String,
		/// SPDX license of the weights.
		#[arg(long, default_value = "")]
		license: String,
		#[command(flatten)]
		file: VersionFileArgs,
		#[command(flatten)]
		signer: SignerArgs,
	},
	/// Publish a new version of a model you own from an ONNX file (its schema may differ
	/// from earlier versions'). Requests without a version use the latest. Run again after
	/// an interruption, it continues where the chain stopped.
	Publish {
		/// The model: id or name.
		model: String,
		#[command(flatten)]
		file: VersionFileArgs,
		/// The new version, `MAJOR.MINOR`: greater than the model's latest.
		#[arg(long)]
		version: String,
		#[command(flatten)]
		signer: SignerArgs,
	},
	/// List the registered models.
	List,
	/// Show a model (by id or name), its latest version's schema and any unfinished upload.
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
	/// Set the price per inference of your model (your royalty).
	Price {
		/// Id or name.
		model: String,
		/// Price in VRN.
		price: String,
		#[command(flatten)]
		signer: SignerArgs,
	},
	/// Set your model's status: active, deprecated (still served, callers warned) or
	/// disabled (no new requests).
	Status {
		/// Id or name.
		model: String,
		/// active, deprecated or disabled.
		status: String,
		#[command(flatten)]
		signer: SignerArgs,
	},
	/// Mark your model deprecated: still served, callers are asked to move on.
	Deprecate {
		/// Id or name.
		model: String,
		#[command(flatten)]
		signer: SignerArgs,
	},
	/// Remove your model, its versions and any unfinished upload; returns the deposit.
	/// Refused while it has unsettled jobs.
	Remove {
		/// Id or name.
		model: String,
		#[command(flatten)]
		signer: SignerArgs,
	},
	/// Offer your model to another account; it owns it once it runs `verin model accept`.
	Transfer {
		/// Id or name.
		model: String,
		/// The new owner's SS58 address.
		new_owner: String,
		#[command(flatten)]
		signer: SignerArgs,
	},
	/// Accept a model offered to you: you own it and hold its deposit from then on.
	Accept {
		/// Id or name.
		model: String,
		#[command(flatten)]
		signer: SignerArgs,
	},
	/// Cancel your model's unfinished upload and get its deposit back.
	CancelUpload {
		/// Id or name.
		model: String,
		#[command(flatten)]
		signer: SignerArgs,
	},
}

/// An ONNX file to publish as a version and what to declare about it.
#[derive(Args)]
pub(crate) struct VersionFileArgs {
	/// The ONNX file.
	file: PathBuf,
	/// Tiers requests may ask for (vanilla, optimistic, tee, zk).
	#[arg(long, value_delimiter = ',', default_value = "vanilla")]
	tiers: Vec<String>,
	/// How re-executions of a float model are compared: `argmax` or `abs:<max error>`.
	#[arg(long, default_value = "argmax")]
	tolerance: String,
	/// Register this verifier data (from `verin zk compile`) as the ZK circuit instead
	/// of compiling the model here. Workers review it against the model's bytes: a
	/// circuit that is not their compile is disputed and serves no ZK job.
	#[arg(long)]
	circuit: Option<PathBuf>,
	/// Bounds for a dynamic dimension other than the batch, by the graph's name for it or
	/// as TENSOR:INDEX: `sequence=256..576`, `image_width=640` (1..640), `x:2=48..48` (a
	/// fixed size the graph leaves symbolic). Repeat for each; requests choose sizes within.
	#[arg(long = "dim", value_name = "NAME=MIN..MAX")]
	dims: Vec<String>,
}

impl VersionFileArgs {
	/// Reads the file and derives its declaration.
	fn read(&self) -> Result<VersionFile, Failure> {
		let bytes = read_file(&self.file)?;
		let in_file = |e: SpecError| Failure::File(self.file.clone(), e.into());
		let bounds =
			DimensionBounds::parse(self.dims.iter().map(String::as_str)).map_err(in_file)?;
		let spec = spec_from_onnx_with_bounds(
			&bytes,
			parse_tiers(&self.tiers)?,
			parse_tolerance(&self.tolerance)?,
			&bounds,
		)
		.map_err(in_file)?;
		let circuit = self.circuit.as_deref().map(read_file).transpose()?;
		Ok(VersionFile { bytes, spec, circuit })
	}
}

fn read_file(path: &std::path::Path) -> Result<Vec<u8>, Failure> {
	std::fs::read(path).map_err(|e| Error::File(format!("{}: {e}", path.display())).into())
}

/// Runs a `verin model` command.
pub(crate) async fn run(verin: &Verin, command: ModelCommand) -> Result<ExitCode, Failure> {
	match command {
		ModelCommand::Deploy { name, price, description, task, license, file, signer: key } => {
			let model = ModelFile {
				name,
				description,
				task,
				license,
				price: parse_amount(&price)?,
				file: file.read()?,
			};
			let key = signer(&key.suri)?;
			let mut report = UploadReport::new();
			let deployed = verin.deploy(&key, &model, |step| report.step(step)).await?;
			print_deployed(verin, &deployed).await?;
		},
		ModelCommand::Publish { model, file, version, signer } => {
			let version = parse_version(&version)?;
			let file = file.read()?;
			let (key, id) = signer_and_model(verin, &signer, &model).await?;
			let mut report = UploadReport::new();
			let published =
				verin.publish_version(&key, id, version, &file, |step| report.step(step)).await?;
			print_deployed(verin, &published).await?;
		},
		ModelCommand::List => list(verin).await?,
		ModelCommand::Show { model } => {
			let (id, info) = verin.find_model(&model).await?;
			print_model(verin, id, &info).await?;
		},
		ModelCommand::Verify { model, file } => return verify_model(verin, &model, file).await,
		ModelCommand::Price { model, price, signer } => {
			let price = parse_amount(&price)?;
			let (key, id) = signer_and_model(verin, &signer, &model).await?;
			println!("{}", verin.set_price(&key, id, price).await?);
		},
		ModelCommand::Status { model, status, signer } => {
			let status = parse_status(&status)?;
			let (key, id) = signer_and_model(verin, &signer, &model).await?;
			println!("{}", verin.set_status(&key, id, status).await?);
		},
		ModelCommand::Deprecate { model, signer } => {
			let (key, id) = signer_and_model(verin, &signer, &model).await?;
			println!("{}", verin.deprecate(&key, id).await?);
		},
		ModelCommand::Remove { model, signer } => {
			let (key, id) = signer_and_model(verin, &signer, &model).await?;
			println!("{}", verin.remove_model(&key, id).await?);
		},
		ModelCommand::Transfer { model, new_owner, signer } => {
			let new_owner = parse_address(&new_owner)?;
			let (key, id) = signer_and_model(verin, &signer, &model).await?;
			println!("{}", verin.transfer_ownership(&key, id, &new_owner).await?);
		},
		ModelCommand::Accept { model, signer } => {
			let (key, id) = signer_and_model(verin, &signer, &model).await?;
			println!("{}", verin.accept_ownership(&key, id).await?);
		},
		ModelCommand::CancelUpload { model, signer } => {
			let (key, id) = signer_and_model(verin, &signer, &model).await?;
			println!("{}", verin.cancel_upload(&key, id).await?);
		},
	}
	Ok(ExitCode::SUCCESS)
}

/// The signing key, and the model it means by `model` (its own model of that name first).
async fn signer_and_model(
	verin: &Verin,
	key: &SignerArgs,
	model: &str,
) -> Result<(Keypair, ModelId), Failure> {
	let key = signer(&key.suri)?;
	let (id, _) = verin.find_model_for(&account(&key), model).await?;
	Ok((key, id))
}

/// What `deploy` and `publish` print on stdout once the version is published.
async fn print_deployed(verin: &Verin, deployed: &Deployed) -> Result<(), Error> {
	println!("model id: {}", deployed.model);
	println!("version: {}", deployed.version);
	println!("content id: {:?}", deployed.content_id);
	if let Some(digest) = deployed.circuit_digest {
		println!("circuit: {}", verin_sdk::hex(&digest));
		if let Some(review) = verin.circuit_review(deployed.model, deployed.version).await? {
			println!("circuit review: {}", review_text(&review));
		}
	}
	Ok(())
}

async fn list(verin: &Verin) -> Result<(), Error> {
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
	Ok(())
}

pub(crate) async fn print_model(
	verin: &Verin,
	id: ModelId,
	model: &ModelInfo,
) -> Result<(), Error> {
	println!("model {id}: {}", text(&model.metadata.name));
	if !model.metadata.description.is_empty() {
		println!("description: {}", text(&model.metadata.description));
	}
	println!("owner: {}", model.owner);
	if let Some(offered) = &model.pending_owner {
		println!(
			"offered to: {offered} (it owns the model once it runs `verin model accept {id}`)"
		);
	}
	println!("status: {:?}, price {}", model.status, format_balance(model.price));
	println!(
		"versions: {}",
		model.versions.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
	);
	if let Some(upload) = verin.pending_upload(id).await? {
		println!(
			"unfinished upload: version {}, {} of {} chunks received, expires at block #{}",
			upload.version,
			upload.chunk_hashes.len(),
			upload.chunk_count(),
			upload.expires_at
		);
	}
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

pub(crate) async fn resolve_models(
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

pub(crate) fn list_models(models: &[(ModelId, ModelVersion)]) -> String {
	models.iter().map(|(id, version)| format!("{id}@{version}")).collect::<Vec<_>>().join(", ")
}
