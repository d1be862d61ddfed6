//! End-to-end, as a user would: the `verin` binary against a dev node with its worker.
//! Deploys a model nobody uploaded before (its bytes reach the worker only through the
//! chain), serves it, runs it at the ZK tier and reads the job back; checks the errors a
//! user meets; and runs the polkadot.js compatibility script against the same node.

use std::{
	path::{Path, PathBuf},
	process::Command,
	time::{SystemTime, UNIX_EPOCH},
};

use verin_testing::{reference, DevNode, TempDir};

fn verin_node() -> PathBuf {
	// Built into the same target directory by `scripts/build.sh` (the whole workspace).
	let node = Path::new(env!("CARGO_BIN_EXE_verin")).with_file_name("verin-node");
	assert!(node.exists(), "no node binary at {}: build the workspace first (bash scripts/build.sh)", node.display());
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
	let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned());
	eprintln!("$ verin {}\n{stdout}{stderr}", args.join(" "));
	(output.status.success(), stdout, stderr)
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
	input: PathBuf,
	expected: Vec<i64>,
}

/// One row of the integer digits model and the scores Python onnxruntime computed for it.
fn files() -> Files {
	let reference = reference::load("digits-mlp-int8");
	let width = reference.input_shape[1] as usize;
	let pixels: Vec<i8> = reference.input_bytes[..width].iter().map(|b| *b as i8).collect();
	let outputs = reference.output_shape[1] as usize;
	let expected: Vec<i64> = reference.output[..outputs].iter().map(|v| *v as i64).collect();
	let dir = TempDir::new("verin-cli-e2e");
	let input = dir.path().join("digit.json");
	std::fs::write(&input, serde_json::to_string(&pixels).unwrap()).unwrap();
	std::fs::write(dir.path().join("expected.json"), serde_json::to_string(&expected).unwrap()).unwrap();
	Files { dir, input, expected }
}

/// The integer digits model with a unique doc string: new bytes, a new content id, the same
/// graph. (Field 6 of ONNX's ModelProto is `doc_string`; protobuf keeps the last value.)
fn fresh_model(dir: &Path) -> PathBuf {
	let mut bytes = std::fs::read(reference::models_dir().join("digits-mlp-int8.onnx")).unwrap();
	let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
	let doc = format!("verin e2e {nanos}");
	bytes.extend([0x32, doc.len() as u8]);
	bytes.extend(doc.as_bytes());
	let path = dir.join("fresh.onnx");
	std::fs::write(&path, bytes).unwrap();
	path
}

#[test]
fn a_user_deploys_a_model_runs_it_with_zk_and_reads_the_job() {
	let node = DevNode::spawn(verin_node(), &["--dev", "--tmp", "--worker"]);
	let url = node.ws_url();
	let files = files();
	let input = files.input.to_str().unwrap();

	let (ok, listed, _) = verin(&url, &["model", "list"]);
	assert!(ok && listed.contains("digits-mlp-int8"), "the genesis models are listed");

	let name = "fresh-digits";
	let model_path = fresh_model(files.dir.path());
	let (ok, deployed, progress) = verin(
		&url,
		&["model", "deploy", model_path.to_str().unwrap(), "--name", name, "--tiers", "vanilla,zk", "--price", "0.002", "--suri", "//Bob"],
	);
	assert!(ok, "the deploy succeeds");
	assert!(progress.contains("[1/1 chunks]") && progress.contains("compiled the ZK circuit"), "progress is shown");
	let model = field(&deployed, "model id:").to_string();
	assert!(deployed.contains("circuit: 0x"), "the circuit is registered");

	let (ok, shown, _) = verin(&url, &["model", "show", name]);
	assert!(ok && shown.contains("input pixels: I8 [batch, 64]") && shown.contains("zk circuit: 0x"), "the schema was derived");

	// Alice's dev worker takes the new model on; only the chain has its bytes.
	let (ok, _, _) = verin(&url, &["worker", "serve", "--models", &format!("0,1,2,{model}"), "--suri", "//Alice"]);
	assert!(ok, "the worker serves the new model");

	let (ok, result, _) = verin(&url, &["infer", "--model", name, "--input", input, "--tier", "zk", "--wait", "--suri", "//Bob"]);
	assert!(ok, "the ZK inference completes");
	let expected = serde_json::json!({ "scores": [files.expected] }).to_string();
	assert_eq!(field(&result, "output:"), expected, "the output is onnxruntime's");
	assert!(field(&result, "evidence checked on-chain:").contains("plonky2 proof"));
	let job = field(&result, "job").split(':').next().unwrap().to_string();
	let job = job.split_whitespace().next().unwrap().to_string();

	let (ok, shown, _) = verin(&url, &["job", &job]);
	assert!(ok && shown.contains("status: completed") && shown.contains(&expected), "the job reads back completed");

	// Errors say what to do, and exit non-zero.
	let (ok, _, stderr) = verin(&url, &["infer", "--model", "no-such-model", "--input", input, "--suri", "//Bob"]);
	assert!(!ok && stderr.contains("no model `no-such-model`"));
	let (ok, _, stderr) = verin(&url, &["infer", "--model", name, "--input", input, "--tier", "zk", "--max-fee", "0.000001", "--suri", "//Bob"]);
	assert!(!ok && stderr.contains("raise --max-fee"));
	let (ok, _, stderr) = verin(&url, &["infer", "--model", name, "--input", input, "--suri", "//NobodyHasFunds"]);
	assert!(!ok && stderr.contains("cannot pay"), "an unfunded account is told to fund itself");
	let (ok, _, stderr) = verin(&url, &["infer", "--model", "0", "--input", input, "--tier", "zk", "--suri", "//Bob"]);
	assert!(!ok && stderr.contains("TierNotOffered"), "a tier the model does not offer is named");
	let (ok, _, stderr) = verin("ws://127.0.0.1:1", &["model", "list"]);
	assert!(!ok && stderr.contains("no Verin node answers"));

	// A client nobody here wrote: @polkadot/api against the same node.
	let script_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../polkadot-js");
	assert!(
		script_dir.join("node_modules/@polkadot/api").exists(),
		"@polkadot/api is not installed: run scripts/setup.sh"
	);
	let output = Command::new("node")
		.current_dir(&script_dir)
		.args(["compat.mjs", &url, "1", input, files.dir.path().join("expected.json").to_str().unwrap()])
		.output()
		.expect("node runs");
	let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
	assert!(output.status.success(), "the polkadot.js script failed:\n{stdout}{stderr}\n{}", node.log_tail());
	eprintln!("polkadot.js: {stdout}");
}
