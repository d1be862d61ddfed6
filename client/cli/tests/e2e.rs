//! End-to-end, as a user would: the `verin` binary against a dev node with its worker.
//! Deploys a model nobody uploaded before (the integer CNN: its bytes reach the worker only
//! through the chain), serves it, runs it at the ZK tier and reads the job back; checks the errors a
//! user meets; publishes a version with another schema and requests it without a version;
//! and runs the polkadot.js compatibility script against the same node. Meanwhile, other
//! accounts resume an interrupted upload and take a model through its lifecycle (price,
//! status, ownership, cancelled upload, removal).

use std::{
	path::{Path, PathBuf},
	process::Command,
};

use verin_sdk::{signer, spec::spec_from_onnx, ModelFile, Tier, ToleranceRule, Verin, VersionFile};
use verin_testing::{reference, DevNode, TempDir};

fn verin_node() -> PathBuf {
	// Built into the same target directory by `scripts/build.sh` (the whole workspace).
	let node = Path::new(env!("CARGO_BIN_EXE_verin")).with_file_name("verin-node");
	assert!(
		node.exists(),
		"no node binary at {}: build the workspace first (bash scripts/build.sh)",
		node.display()
	);
	node
}

/// Runs `verin ARGS` against `url`; returns (success, stdout, stderr).
fn verin(url: &str, args: &[&str]) -> (bool, String, String) {
	let output = Command::new(env!("CARGO_BIN_EXE_verin"))
		.arg("--url")
		.arg(url)
		.args(args)
		.output()
		.expect("the verin binary runs");
	let (stdout, stderr) = (
		String::from_utf8_lossy(&output.stdout).into_owned(),
		String::from_utf8_lossy(&output.stderr).into_owned(),
	);
	eprintln!("$ verin {}\n{stdout}{stderr}", args.join(" "));
	(output.status.success(), stdout, stderr)
}

/// Polls `verin model show MODEL` until its circuit review line contains `status`; returns
/// the last output.
fn wait_for_review(url: &str, model: &str, status: &str) -> String {
	let start = std::time::Instant::now();
	loop {
		let (ok, shown, _) = verin(url, &["model", "show", model]);
		if ok && field(&shown, "  zk circuit review:").starts_with(status) {
			return shown;
		}
		assert!(
			start.elapsed() < std::time::Duration::from_secs(120),
			"the circuit of {model} did not become {status}:\n{shown}"
		);
		std::thread::sleep(std::time::Duration::from_secs(2));
	}
}

/// The line of `text` starting with `prefix`, without it.
fn field<'a>(text: &'a str, prefix: &str) -> &'a str {
	text.lines()
		.find_map(|line| line.strip_prefix(prefix))
		.unwrap_or_else(|| panic!("no `{prefix}` line in:\n{text}"))
		.trim()
}

struct Files {
	dir: TempDir,
	/// One digit as 64 int8 pixels, for the genesis MLP.
	digit: PathBuf,
	/// What Python onnxruntime computes for it with the MLP.
	mlp_scores: Vec<i64>,
	/// Another digit, for the CNN (its [1, 8, 8] image written as 64 pixels).
	image: PathBuf,
	/// What Python onnxruntime computes for it with the CNN.
	cnn_scores: Vec<i64>,
}

/// A row of each model's reference and the scores Python onnxruntime computed for it.
fn files() -> Files {
	let dir = TempDir::new("verin-cli-e2e");
	let row = |model: &str, file: &str| -> (PathBuf, Vec<i64>) {
		let reference = reference::load(model);
		let width: usize = reference.input_shape[1..].iter().product::<u32>() as usize;
		let pixels: Vec<i8> = reference.input_bytes[..width].iter().map(|b| *b as i8).collect();
		let outputs = reference.output_shape[1] as usize;
		let scores: Vec<i64> = reference.output[..outputs].iter().map(|v| *v as i64).collect();
		let path = dir.path().join(file);
		std::fs::write(&path, serde_json::to_string(&pixels).unwrap()).unwrap();
		(path, scores)
	};
	let (digit, mlp_scores) = row("digits-mlp-int8", "digit.json");
	let (image, cnn_scores) = row("digits-cnn-int8", "image.json");
	std::fs::write(dir.path().join("expected.json"), serde_json::to_string(&mlp_scores).unwrap())
		.unwrap();
	Files { dir, digit, mlp_scores, image, cnn_scores }
}

#[test]
fn a_user_deploys_a_model_runs_it_with_zk_and_reads_the_job() {
	let node = DevNode::spawn(verin_node(), &["--dev", "--tmp", "--worker"]);
	let url = node.ws_url();
	let files = files();
	let input = files.digit.to_str().unwrap();

	let (ok, listed, _) = verin(&url, &["model", "list"]);
	assert!(ok && listed.contains("digits-mlp-int8"), "the genesis models are listed");

	// Other accounts' models, alongside the main flow: they add little time this way.
	let resumed = {
		let url = url.clone();
		std::thread::spawn(move || an_interrupted_upload_resumes_where_the_chain_stopped(&url))
	};
	let lifecycle = {
		let (url, digit) = (url.clone(), files.digit.clone());
		std::thread::spawn(move || a_model_goes_through_its_owners_lifecycle(&url, &digit))
	};

	// The integer CNN is not at genesis: no node has its bytes until this upload.
	let name = "my-cnn";
	let model_path = reference::models_dir().join("digits-cnn-int8.onnx");
	let (ok, deployed, progress) = verin(
		&url,
		&[
			"model",
			"deploy",
			model_path.to_str().unwrap(),
			"--name",
			name,
			"--tiers",
			"vanilla,zk",
			"--price",
			"0.002",
			"--suri",
			"//Bob",
		],
	);
	assert!(ok, "the deploy succeeds");
	assert!(
		progress.contains("uploaded 1 chunk (1.2 KiB) in")
			&& progress.contains("compiled the ZK circuit")
			&& !progress.contains('\r'),
		"a summary of the upload is shown, and no progress line when stderr is not a terminal"
	);
	let model = field(&deployed, "model id:").to_string();
	assert!(deployed.contains("circuit: 0x"), "the circuit is registered");
	assert!(
		field(&deployed, "circuit review:").starts_with("awaiting review"),
		"a new circuit pays for nothing until workers other than its owner confirm it"
	);
	// Alice's worker compiles the CNN from the bytes on chain and confirms the circuit.
	let shown = wait_for_review(&url, name, "trusted");
	assert!(
		shown.contains("trusted (1 confirmation from"),
		"one confirmation is what the dev chain requires"
	);
	let (ok, verified, _) = verin(&url, &["model", "verify", name]);
	assert!(
		ok && verified.contains("content id: matches")
			&& verified.contains("zk circuit: matches")
			&& verified.contains("verified:"),
		"the node's copy of the bytes and their circuit match the chain"
	);

	let (ok, shown, _) = verin(&url, &["model", "show", name]);
	assert!(
		ok && shown.contains("input image: I8 [batch, 1, 8, 8]")
			&& shown.contains("zk circuit: 0x"),
		"the schema was derived"
	);

	// Alice's dev worker takes the new model on; only the chain has its bytes.
	let (ok, _, _) = verin(
		&url,
		&["worker", "serve", "--models", &format!("0,1,2,{model}"), "--suri", "//Alice"],
	);
	assert!(ok, "the worker serves the new model");

	let image = files.image.to_str().unwrap();
	let (ok, result, _) = verin(
		&url,
		&["infer", "--model", name, "--input", image, "--tier", "zk", "--wait", "--suri", "//Bob"],
	);
	assert!(ok, "the ZK inference completes");
	let expected = serde_json::json!({ "scores": [files.cnn_scores] }).to_string();
	assert_eq!(field(&result, "output:"), expected, "the output is onnxruntime's");
	assert!(field(&result, "evidence checked on-chain:").contains("plonky2 proof"));
	let job = field(&result, "job").split_whitespace().next().unwrap().to_string();

	let (ok, shown, _) = verin(&url, &["job", &job]);
	assert!(
		ok && shown.contains("status: completed") && shown.contains(&expected),
		"the job reads back completed"
	);

	let (ok, result, _) = verin(
		&url,
		&["infer", "--model", "digits-mlp-int8", "--input", input, "--wait", "--suri", "//Bob"],
	);
	let expected = serde_json::json!({ "scores": [files.mlp_scores] }).to_string();
	assert!(ok && field(&result, "output:") == expected, "a genesis model at the Vanilla tier");

	// Errors say what to do, and exit non-zero.
	let (ok, _, stderr) =
		verin(&url, &["infer", "--model", "no-such-model", "--input", input, "--suri", "//Bob"]);
	assert!(!ok && stderr.contains("no model `no-such-model`"));
	let (ok, _, stderr) = verin(
		&url,
		&[
			"infer",
			"--model",
			name,
			"--input",
			input,
			"--tier",
			"zk",
			"--max-fee",
			"0.000001",
			"--suri",
			"//Bob",
		],
	);
	assert!(!ok && stderr.contains("raise --max-fee"));
	let (ok, _, stderr) =
		verin(&url, &["infer", "--model", name, "--input", input, "--suri", "//NobodyHasFunds"]);
	assert!(!ok && stderr.contains("cannot pay"), "an unfunded account is told to fund itself");
	let (ok, _, stderr) = verin(
		&url,
		&["infer", "--model", "0", "--input", input, "--tier", "zk", "--suri", "//Bob"],
	);
	assert!(!ok && stderr.contains("TierNotOffered"), "a tier the model does not offer is named");
	let (ok, _, stderr) = verin("ws://127.0.0.1:1", &["model", "list"]);
	assert!(!ok && stderr.contains("no Verin node answers"));

	a_new_version_with_another_schema_is_what_requests_without_a_version_get(
		&url, &files, name, &model,
	);

	an_owners_free_output_circuit_is_disputed_and_serves_no_zk_job(&url, &files);

	// A client nobody here wrote: @polkadot/api against the same node.
	let script_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../polkadot-js");
	assert!(
		script_dir.join("node_modules/@polkadot/api").exists(),
		"@polkadot/api is not installed: run scripts/setup.sh"
	);
	let output = Command::new("node")
		.current_dir(&script_dir)
		.args([
			"compat.mjs",
			&url,
			"1",
			input,
			files.dir.path().join("expected.json").to_str().unwrap(),
		])
		.output()
		.expect("node runs");
	let (stdout, stderr) =
		(String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
	assert!(
		output.status.success(),
		"the polkadot.js script failed:\n{stdout}{stderr}\n{}",
		node.log_tail()
	);
	eprintln!("polkadot.js: {stdout}");

	for (flow, thread) in [("resumed upload", resumed), ("lifecycle", lifecycle)] {
		if let Err(panic) = thread.join() {
			eprintln!("the {flow} flow failed");
			std::panic::resume_unwind(panic);
		}
	}

	// Worker accounts, last: a worker without a node would be assigned jobs it never answers.
	let (ok, status, _) = verin(&url, &["worker", "status", "--suri", "//Alice"]);
	assert!(
		ok && status.contains(&format!("models: 0@1.0, 1@1.0, 2@1.0, {model}@1.0, {model}@1.1"))
			&& status.contains("pending: []")
	);
	let (ok, _, _) = verin(
		&url,
		&[
			"worker",
			"register",
			"--stake",
			"20",
			"--models",
			name,
			"--tiers",
			"vanilla",
			"--suri",
			"//Charlie",
		],
	);
	assert!(ok, "Charlie registers as a worker");
	let (ok, _, _) = verin(&url, &["worker", "unbond", "5", "--suri", "//Charlie"]);
	assert!(ok, "Charlie starts unbonding part of the stake");
	let (ok, status, _) = verin(&url, &["worker", "status", "--suri", "//Charlie"]);
	assert!(
		ok && status.contains("stake: 15.000000 VRN")
			&& status.contains("unbonding: 5.000000 VRN until block #")
	);
	assert!(status.contains(&format!("models: {model}@1.1")), "the latest version: {status}");
	let (ok, _, stderr) = verin(
		&url,
		&["worker", "register", "--stake", "20", "--models", name, "--suri", "//Charlie"],
	);
	assert!(!ok && stderr.contains("AlreadyRegistered"), "registering twice is refused by name");
}

/// The attack on the ZK tier by a model's owner: Bob uploads the integer digits MLP but
/// registers the circuit of another model with the same row shape (the integer CNN), whose
/// valid proofs would show outputs the MLP never computes. Alice's worker compiles the MLP's
/// bytes, finds another digest and disputes the circuit; ZK requests are refused, and
/// `verin model verify` says the circuit is not the bytes' compile.
fn an_owners_free_output_circuit_is_disputed_and_serves_no_zk_job(url: &str, files: &Files) {
	let other_circuit = files.dir.path().join("cnn.circuit");
	let cnn = reference::models_dir().join("digits-cnn-int8.onnx");
	let (ok, _, _) = verin(
		url,
		&["zk", "compile", cnn.to_str().unwrap(), "--out", other_circuit.to_str().unwrap()],
	);
	assert!(ok, "the CNN compiles");
	let mlp = reference::models_dir().join("digits-mlp-int8.onnx");
	let name = "tampered-mlp";
	let (ok, deployed, _) = verin(
		url,
		&[
			"model",
			"deploy",
			mlp.to_str().unwrap(),
			"--name",
			name,
			"--tiers",
			"vanilla,zk",
			"--circuit",
			other_circuit.to_str().unwrap(),
			"--suri",
			"//Bob",
		],
	);
	assert!(ok, "the chain cannot tell the circuit from the MLP's: it registers");
	let model = field(&deployed, "model id:").to_string();

	let shown = wait_for_review(url, name, "disputed");
	assert!(shown.contains("whose compile of the bytes is 0x"), "the dispute names the digest");
	let (ok, _, stderr) = verin(
		url,
		&[
			"infer",
			"--model",
			name,
			"--input",
			files.digit.to_str().unwrap(),
			"--tier",
			"zk",
			"--suri",
			"//Dave",
		],
	);
	assert!(!ok && stderr.contains("ZkCircuitNotTrusted"), "no ZK job on a disputed circuit");

	let (ok, verified, _) = verin(url, &["model", "verify", &model]);
	assert!(
		!ok && verified.contains("content id: matches")
			&& verified.contains("zk circuit: DIFFERS")
			&& verified.contains("NOT verified"),
		"verify finds the circuit is not the compile of the bytes"
	);
	// The same check against the file a user holds.
	let (ok, verified, _) = verin(url, &["model", "verify", name, "--file", mlp.to_str().unwrap()]);
	assert!(!ok && verified.contains("zk circuit: DIFFERS"));
}

/// Bob publishes version 1.1 of his CNN from the integer MLP's file: another schema (64
/// pixels in a row instead of an 8 × 8 image). A version not above the latest is refused by
/// name; once Alice's worker serves 1.1 too, a request without a version runs 1.1.
fn a_new_version_with_another_schema_is_what_requests_without_a_version_get(
	url: &str,
	files: &Files,
	name: &str,
	model: &str,
) {
	let mlp = reference::models_dir().join("digits-mlp-int8.onnx");
	let mlp = mlp.to_str().unwrap();
	let (ok, _, stderr) =
		verin(url, &["model", "publish", name, mlp, "--version", "1.0", "--suri", "//Bob"]);
	assert!(
		!ok && stderr.contains("is not greater than its latest version 1.0"),
		"a version not above the latest is refused before anything is paid"
	);
	let (ok, published, progress) =
		verin(url, &["model", "publish", name, mlp, "--version", "1.1", "--suri", "//Bob"]);
	assert!(ok && field(&published, "version:") == "1.1", "version 1.1 is published");
	assert!(progress.contains("uploaded 1 chunk") && progress.contains("published version 1.1"));
	let (ok, shown, _) = verin(url, &["model", "show", name]);
	assert!(
		ok && shown.contains("versions: 1.0, 1.1")
			&& shown.contains("input pixels: I8 [batch, 64]"),
		"the latest version's schema is the MLP's"
	);

	let models = format!("0,1,2,{model}@1.0,{model}");
	let (ok, _, _) = verin(url, &["worker", "serve", "--models", &models, "--suri", "//Alice"]);
	assert!(ok, "the worker serves both versions");
	let digit = files.digit.to_str().unwrap();
	let (ok, result, _) =
		verin(url, &["infer", "--model", name, "--input", digit, "--wait", "--suri", "//Bob"]);
	assert!(ok, "the request without a version completes");
	assert!(result.contains(&format!("model {model}@1.1")), "it ran the latest version");
	let expected = serde_json::json!({ "scores": [files.mlp_scores] }).to_string();
	assert_eq!(field(&result, "output:"), expected, "the output is the MLP's");
}

/// Dave's deployment of the three-chunk float MLP was interrupted after two chunks (made
/// here with the SDK's upload steps, as a run killed mid-upload leaves it). Deploying
/// another file under the name is refused with the way out; deploying the file again sends
/// only the last chunk. Then an unfinished upload of 1.1 is cancelled and the model removed.
fn an_interrupted_upload_resumes_where_the_chain_stopped(url: &str) {
	let path = reference::models_dir().join("digits-mlp-f32.onnx");
	let name = "dave-f32";
	let runtime = tokio::runtime::Runtime::new().unwrap();
	let key = signer("//Dave").unwrap();
	let file = |path: &Path| {
		let bytes = std::fs::read(path).unwrap();
		let tiers = [Tier::Vanilla].into_iter().collect();
		let spec = spec_from_onnx(&bytes, tiers, ToleranceRule::ArgmaxEqual).unwrap();
		VersionFile { bytes, spec, circuit: None }
	};
	let float_mlp = file(&path);
	runtime.block_on(async {
		let verin = Verin::connect(url).await.unwrap();
		let deployment = ModelFile {
			name: name.into(),
			description: String::new(),
			task: String::new(),
			license: String::new(),
			price: verin_sdk::UNIT / 1000,
			file: file(&path),
		};
		let id = verin.register_model(&key, &deployment).await.unwrap();
		verin.begin_upload(&key, id, verin_sdk::ModelVersion::new(1, 0), &float_mlp).await.unwrap();
		for index in 0..2 {
			verin.upload_chunk(&key, id, &float_mlp, index).await.unwrap();
		}
	});
	let (ok, shown, _) = verin(url, &["model", "show", name]);
	assert!(ok && shown.contains("unfinished upload: version 1.0, 2 of 3 chunks received"));

	let other = reference::models_dir().join("digits-mlp-int8.onnx");
	let (ok, _, stderr) = verin(
		url,
		&["model", "deploy", other.to_str().unwrap(), "--name", name, "--suri", "//Dave"],
	);
	assert!(
		!ok && stderr.contains("has an unfinished upload of version 1.0 of another file")
			&& stderr.contains("verin model cancel-upload"),
		"another file is refused by name, with the way out"
	);
	let path = path.to_str().unwrap();
	let (ok, deployed, progress) =
		verin(url, &["model", "deploy", path, "--name", name, "--suri", "//Dave"]);
	assert!(ok, "the deployment resumes");
	assert!(
		progress.contains("continuing model")
			&& progress.contains("at chunk 3 of 3")
			&& progress.contains("uploaded 1 chunk (")
			&& progress.contains("(2 more were on chain from an earlier run)"),
		"only the missing chunk is sent"
	);
	let model = field(&deployed, "model id:").to_string();
	let (ok, verified, _) = verin(url, &["model", "verify", name, "--file", path]);
	assert!(ok && verified.contains("content id: matches"), "the chain has the whole file");

	// An upload of 1.1 that Dave gives up: cancelled, then the model removed.
	runtime.block_on(async {
		let verin = Verin::connect(url).await.unwrap();
		let id = model.parse().unwrap();
		verin
			.begin_upload(&key, id, verin_sdk::ModelVersion::new(1, 1), &file(&other))
			.await
			.unwrap();
	});
	let (ok, cancelled, _) = verin(url, &["model", "cancel-upload", name, "--suri", "//Dave"]);
	assert!(
		ok && cancelled
			.contains(&format!("the upload of version 1.1 of model {model} is cancelled"))
	);
	let (ok, _, stderr) = verin(url, &["model", "cancel-upload", name, "--suri", "//Dave"]);
	assert!(
		!ok && stderr.contains("Models::NoUploadInProgress"),
		"a second cancel is refused by name"
	);
	let (ok, removed, stderr) = verin(url, &["model", "remove", name, "--suri", "//Dave"]);
	assert!(
		ok && removed.contains(&format!("model {model} and its versions are removed")),
		"the owner removes the model: {stderr}"
	);
	let (ok, _, stderr) = verin(url, &["model", "show", &model]);
	assert!(!ok && stderr.contains(&format!("no model `{model}`")));
}

/// Eve deploys a model, prices it, deprecates it, disables it (requests are refused by
/// name), and hands it to Ferdie, who accepts it.
fn a_model_goes_through_its_owners_lifecycle(url: &str, digit: &Path) {
	let name = "eve-mlp";
	let mlp = reference::models_dir().join("digits-mlp-int8.onnx");
	let (ok, deployed, _) =
		verin(url, &["model", "deploy", mlp.to_str().unwrap(), "--name", name, "--suri", "//Eve"]);
	assert!(ok, "Eve deploys");
	let model = field(&deployed, "model id:").to_string();
	let eve = |args: &[&str]| {
		let mut args = args.to_vec();
		args.extend(["--suri", "//Eve"]);
		verin(url, &args)
	};

	let (ok, priced, _) = eve(&["model", "price", name, "0.005"]);
	assert!(ok && priced.contains(&format!("model {model} now costs 0.005000 VRN per inference")));
	let (ok, deprecated, _) = eve(&["model", "deprecate", name]);
	assert!(ok && deprecated.contains("is now Deprecated"));
	let (ok, disabled, _) = eve(&["model", "status", name, "disabled"]);
	assert!(ok && disabled.contains("is now Disabled: it accepts no new requests"));
	let (ok, _, stderr) = eve(&["infer", "--model", name, "--input", digit.to_str().unwrap()]);
	assert!(
		!ok && stderr.contains("ModelNotActive") && stderr.contains("disabled by its owner"),
		"a request to a disabled model is refused by name"
	);
	let (ok, _, stderr) = eve(&["model", "status", name, "disabled"]);
	assert!(!ok && stderr.contains("Models::StatusUnchanged"));

	let ferdie = verin_sdk::AccountId::new(signer("//Ferdie").unwrap().public_key().0).to_string();
	let (ok, offered, _) = eve(&["model", "transfer", name, &ferdie]);
	assert!(ok && offered.contains("is offered by") && offered.contains(&ferdie));
	let (ok, _, stderr) = verin(url, &["model", "accept", name, "--suri", "//Charlie"]);
	assert!(!ok && stderr.contains("Models::NotPendingOwner"), "only Ferdie may accept");
	let (ok, accepted, _) = verin(url, &["model", "accept", name, "--suri", "//Ferdie"]);
	assert!(ok && accepted.contains(&format!("model {model} now belongs to {ferdie}")));
	let (ok, shown, _) = verin(url, &["model", "show", &model]);
	assert!(
		ok && shown.contains(&format!("owner: {ferdie}")) && shown.contains("status: Disabled")
	);
}
