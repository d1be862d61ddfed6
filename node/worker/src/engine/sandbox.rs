//! Model runs in child processes, so that no model can stall or exhaust the node.
//!
//! An owner can deploy a model that never ends (a `Loop` of 2^40 iterations) or allocates
//! without bound (a `ConstantOfShape` of a huge shape). Run in the node's process, one such
//! job would block every later job behind it and could take the node down. Here every run
//! happens in a *runner*, a child process (the node binary itself, `verin-node
//! model-runner`) that:
//! - has an address-space limit (`RLIMIT_AS`, [`RunLimits::memory_bytes`]): allocations past
//!   it fail inside ONNX Runtime, and the run ends with [`InferenceError::ResourceLimit`];
//! - is killed when a load or a run takes longer than [`RunLimits::timeout`]: the run ends
//!   with [`InferenceError::ExecutionTimedOut`], and a fresh runner takes its place;
//! - exits when the node does (it watches its parent), even in the middle of a run;
//! - keeps its own ready sessions, so a model is parsed once per runner, not per job.
//!
//! Runners are pooled: a run takes an idle runner (one that already holds the model if
//! possible) or starts one, up to [`SandboxConfig::max_runners`] at once, so a slow model
//! occupies one runner while the others keep answering. When all are busy the run is
//! [`InferenceError::Unavailable`] (the node's own limit: the job is not reported failed
//! and the offchain worker tries again at the next block).
//!
//! Parent and runner speak in frames: a little-endian `u32` length and a SCALE-encoded
//! [`Request`] or [`Response`].

use std::{
	collections::VecDeque,
	ffi::OsString,
	io::{Read, Write},
	path::{Path, PathBuf},
	process::{Child, ChildStdin, Command, Stdio},
	sync::{
		mpsc::{self, Receiver, RecvTimeoutError},
		Mutex,
	},
	time::Duration,
};

use codec::{Decode, DecodeLimit, Encode};
use ort::session::Session;
use sp_core::H256;
use verin_primitives::tensor::TensorPayload;
use verin_worker_primitives::InferenceError;

/// Longest frame either side accepts: a model of the chain's largest size with room to spare.
const MAX_FRAME: usize = 64 * 1024 * 1024;
/// Deepest nesting a frame may decode to.
const DECODE_DEPTH: u32 = 16;

/// How long and how much a model run may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunLimits {
	/// Wall-clock time of one load or one run.
	pub timeout: Duration,
	/// Address space of a runner process, in bytes (ONNX Runtime, its sessions and the
	/// tensors of the run in progress).
	pub memory_bytes: u64,
}

impl Default for RunLimits {
	fn default() -> Self {
		RunLimits { timeout: Duration::from_secs(2), memory_bytes: 2 * 1024 * 1024 * 1024 }
	}
}

/// The program a runner is started as: its path and arguments, to which the runner's own
/// settings are appended (`--ort-library PATH --session-cache N`).
#[derive(Clone, Debug)]
pub struct RunnerCommand {
	/// The executable.
	pub program: PathBuf,
	/// Arguments before the runner's settings (e.g. the `model-runner` subcommand).
	pub args: Vec<OsString>,
}

impl RunnerCommand {
	/// This very executable with the `model-runner` subcommand (how `verin-node` runs its
	/// models).
	pub fn this_executable() -> std::io::Result<Self> {
		Ok(RunnerCommand { program: std::env::current_exe()?, args: vec!["model-runner".into()] })
	}
}

/// How the engine runs models in child processes.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
	/// The runner program.
	pub runner: RunnerCommand,
	/// Time and memory of one run.
	pub limits: RunLimits,
	/// Most runners alive at once (hence most runs at once).
	pub max_runners: usize,
}

/// What the parent asks a runner.
#[derive(Encode, Decode, Debug)]
pub enum Request {
	/// Build a session from these bytes (already checked against the content id).
	Load { content_id: H256, bytes: Vec<u8> },
	/// Run the model with this content id on `input`.
	Run { content_id: H256, input: TensorPayload },
}

/// What a runner answers.
#[derive(Encode, Decode, Debug, PartialEq)]
pub enum Response {
	/// The answer to a `Load`.
	Loaded(Result<(), InferenceError>),
	/// The answer to a `Run`.
	Ran(Result<TensorPayload, InferenceError>),
	/// The runner holds no session for the model: send `Load` first.
	NeedModel,
}

fn write_frame(out: &mut impl Write, message: &impl Encode) -> std::io::Result<()> {
	let bytes = message.encode();
	out.write_all(&(bytes.len() as u32).to_le_bytes())?;
	out.write_all(&bytes)?;
	out.flush()
}

/// The next frame, or `None` at the end of the stream.
fn read_frame(input: &mut impl Read) -> std::io::Result<Option<Vec<u8>>> {
	let mut length = [0u8; 4];
	match input.read_exact(&mut length) {
		Ok(()) => {},
		Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
		Err(error) => return Err(error),
	}
	let length = u32::from_le_bytes(length) as usize;
	if length > MAX_FRAME {
		return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "frame too long"));
	}
	let mut frame = vec![0u8; length];
	input.read_exact(&mut frame)?;
	Ok(Some(frame))
}

/// An ONNX Runtime failure as the chain names it: allocations refused by the memory limit
/// are [`InferenceError::ResourceLimit`], anything else `otherwise`.
fn classify(error: &ort::Error, otherwise: InferenceError) -> InferenceError {
	let message = error.to_string().to_ascii_lowercase();
	if message.contains("alloc") || message.contains("out of memory") {
		InferenceError::ResourceLimit
	} else {
		otherwise
	}
}

/// The settings a runner is started with (`verin-node model-runner …`).
#[derive(Debug, Clone, clap::Args)]
pub struct RunnerArgs {
	/// The ONNX Runtime shared library.
	#[arg(long, value_name = "PATH")]
	pub ort_library: PathBuf,
	/// Most sessions kept ready.
	#[arg(long, default_value_t = 8)]
	pub session_cache: usize,
}

impl RunnerArgs {
	/// Serves the parent on stdin and stdout until it closes them.
	pub fn serve(&self) -> std::io::Result<()> {
		serve(&self.ort_library, self.session_cache)
	}
}

/// The runner's side: serves requests from stdin until it closes. `verin-node model-runner`
/// calls this; it never returns normally before the parent goes away.
pub fn serve(library: &Path, cache_capacity: usize) -> std::io::Result<()> {
	let environment =
		super::environment(library).map_err(|error| std::io::Error::other(error.to_string()))?;
	let mut stdin = std::io::stdin().lock();
	let mut stdout = std::io::stdout().lock();
	let mut sessions: VecDeque<(H256, Session)> = VecDeque::new();
	let capacity = cache_capacity.max(1);
	while let Some(frame) = read_frame(&mut stdin)? {
		let request = Request::decode_with_depth_limit(DECODE_DEPTH, &mut &frame[..])
			.map_err(|error| std::io::Error::new(std::io::ErrorKind::InvalidData, error))?;
		let response = match request {
			Request::Load { content_id, bytes } => {
				let loaded = super::session_settings(environment)
					.and_then(|mut builder| builder.commit_from_memory(&bytes))
					.map_err(|error| classify(&error, InferenceError::LoadFailed));
				Response::Loaded(loaded.map(|session| {
					sessions.retain(|(id, _)| *id != content_id);
					if sessions.len() >= capacity {
						sessions.pop_front();
					}
					sessions.push_back((content_id, session));
				}))
			},
			Request::Run { content_id, input } => {
				match sessions.iter().position(|(id, _)| *id == content_id) {
					None => Response::NeedModel,
					Some(position) => {
						let entry = sessions.remove(position).expect("position is in range");
						sessions.push_back(entry);
						let session = &mut sessions.back_mut().expect("just pushed").1;
						Response::Ran(super::convert::run_with(session, &input, classify))
					},
				}
			},
		};
		write_frame(&mut stdout, &response)?;
	}
	Ok(())
}

/// A runner as the parent holds it.
struct Runner {
	child: Child,
	stdin: ChildStdin,
	/// Frames from the runner's stdout, read by a thread of their own so that waiting for
	/// one can time out. Disconnected when the runner exits.
	responses: Receiver<Vec<u8>>,
	/// Models this runner was sent, most recent last (it may have evicted some since).
	loaded: VecDeque<H256>,
}

/// Why an exchange with a runner ended without an answer.
enum Lost {
	/// It did not answer in time.
	TimedOut,
	/// It exited or its pipes broke (killed by the memory limit, or crashed).
	Died,
}

impl Runner {
	fn start(
		config: &SandboxConfig,
		library: &Path,
		cache_capacity: usize,
	) -> std::io::Result<Self> {
		let mut command = Command::new(&config.runner.program);
		command
			.args(&config.runner.args)
			.arg("--ort-library")
			.arg(library)
			.arg("--session-cache")
			.arg(cache_capacity.to_string())
			.stdin(Stdio::piped())
			.stdout(Stdio::piped())
			.stderr(Stdio::inherit());
		let memory = config.limits.memory_bytes as libc::rlim_t;
		// SAFETY: between fork and exec the closure only calls setrlimit, which is
		// async-signal-safe, and allocates nothing.
		unsafe {
			use std::os::unix::process::CommandExt;
			command.pre_exec(move || {
				let limit = libc::rlimit { rlim_cur: memory, rlim_max: memory };
				if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
					return Err(std::io::Error::last_os_error());
				}
				Ok(())
			});
		}
		let mut child = command.spawn()?;
		let stdin = child.stdin.take().expect("stdin is piped");
		let mut stdout = child.stdout.take().expect("stdout is piped");
		let (sender, responses) = mpsc::channel();
		std::thread::Builder::new().name("verin-model-runner-reader".into()).spawn(move || {
			while let Ok(Some(frame)) = read_frame(&mut stdout) {
				if sender.send(frame).is_err() {
					break;
				}
			}
		})?;
		Ok(Runner { child, stdin, responses, loaded: VecDeque::new() })
	}

	fn exchange(&mut self, request: &Request, timeout: Duration) -> Result<Response, Lost> {
		write_frame(&mut self.stdin, request).map_err(|_| Lost::Died)?;
		match self.responses.recv_timeout(timeout) {
			Ok(frame) => Response::decode_with_depth_limit(DECODE_DEPTH, &mut &frame[..])
				.map_err(|_| Lost::Died),
			Err(RecvTimeoutError::Timeout) => Err(Lost::TimedOut),
			Err(RecvTimeoutError::Disconnected) => Err(Lost::Died),
		}
	}

	/// Stops the runner; how it ended if it had exited on its own before.
	fn stop(mut self) -> Option<std::process::ExitStatus> {
		let exited = self.child.try_wait().ok().flatten();
		let _ = self.child.kill();
		let _ = self.child.wait();
		exited
	}
}

/// The parent's pool of runners.
pub struct Sandbox {
	config: SandboxConfig,
	library: PathBuf,
	cache_capacity: usize,
	/// Runners waiting for work.
	idle: Mutex<Vec<Runner>>,
	/// Runners alive (idle or busy).
	alive: Mutex<usize>,
}

impl Sandbox {
	/// A pool that starts runners of `config` with this ONNX Runtime library.
	pub fn new(config: SandboxConfig, library: PathBuf, cache_capacity: usize) -> Self {
		Sandbox {
			config,
			library,
			cache_capacity: cache_capacity.max(1),
			idle: Mutex::new(Vec::new()),
			alive: Mutex::new(0),
		}
	}

	/// Runs the model `content_id` on `input` in a runner; `bytes` gives the model's
	/// verified bytes when the runner does not hold it yet.
	pub fn run(
		&self,
		content_id: H256,
		input: &TensorPayload,
		bytes: impl FnOnce() -> Result<Vec<u8>, InferenceError>,
	) -> Result<TensorPayload, InferenceError> {
		let mut runner = self.take_runner(content_id)?;
		let outcome = self.run_in(&mut runner, content_id, input, bytes);
		match outcome {
			Ok(result) => {
				// A runner whose allocations failed is replaced: its heap may be fragmented
				// up to the limit.
				if result == Err(InferenceError::ResourceLimit) {
					let _ = self.retire(runner);
				} else {
					self.idle.lock().unwrap_or_else(|e| e.into_inner()).push(runner);
				}
				result
			},
			Err(lost) => {
				let exit = self.retire(runner);
				Err(match lost {
					Lost::TimedOut => {
						log::warn!(
							target: "verin-inference",
							"model {content_id:?} ran past {:?}: its runner was stopped",
							self.config.limits.timeout
						);
						InferenceError::ExecutionTimedOut
					},
					Lost::Died => {
						log::warn!(
							target: "verin-inference",
							"model {content_id:?} ended its runner (memory limit of {} bytes, or a crash): {}",
							self.config.limits.memory_bytes,
							exit.map_or("exit status unknown".into(), |status| status.to_string()),
						);
						InferenceError::ResourceLimit
					},
				})
			},
		}
	}

	fn run_in(
		&self,
		runner: &mut Runner,
		content_id: H256,
		input: &TensorPayload,
		bytes: impl FnOnce() -> Result<Vec<u8>, InferenceError>,
	) -> Result<Result<TensorPayload, InferenceError>, Lost> {
		let timeout = self.config.limits.timeout;
		let run = Request::Run { content_id, input: input.clone() };
		match runner.exchange(&run, timeout)? {
			Response::Ran(result) => return Ok(result),
			Response::NeedModel => {},
			Response::Loaded(_) => return Err(Lost::Died),
		}
		let bytes = match bytes() {
			Ok(bytes) => bytes,
			Err(error) => return Ok(Err(error)),
		};
		match runner.exchange(&Request::Load { content_id, bytes }, timeout)? {
			Response::Loaded(Ok(())) => {
				runner.loaded.retain(|id| *id != content_id);
				runner.loaded.push_back(content_id);
				if runner.loaded.len() > self.cache_capacity {
					runner.loaded.pop_front();
				}
			},
			Response::Loaded(Err(error)) => {
				log::warn!(target: "verin-inference", "model {content_id:?} does not load: {error:?}");
				return Ok(Err(error));
			},
			_ => return Err(Lost::Died),
		}
		match runner.exchange(&run, timeout)? {
			Response::Ran(result) => Ok(result),
			_ => Err(Lost::Died),
		}
	}

	/// An idle runner, preferring one that holds `content_id`; a new one if none is idle
	/// and the pool has room.
	fn take_runner(&self, content_id: H256) -> Result<Runner, InferenceError> {
		{
			let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
			let position = idle
				.iter()
				.position(|runner| runner.loaded.contains(&content_id))
				.or_else(|| idle.len().checked_sub(1));
			if let Some(position) = position {
				return Ok(idle.swap_remove(position));
			}
		}
		{
			let mut alive = self.alive.lock().unwrap_or_else(|e| e.into_inner());
			if *alive >= self.config.max_runners {
				log::debug!(target: "verin-inference", "all {} model runners are busy", *alive);
				return Err(InferenceError::Unavailable);
			}
			*alive += 1;
		}
		Runner::start(&self.config, &self.library, self.cache_capacity).map_err(|error| {
			*self.alive.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
			log::error!(
				target: "verin-inference",
				"cannot start a model runner ({}): {error}",
				self.config.runner.program.display()
			);
			InferenceError::Unavailable
		})
	}

	fn retire(&self, runner: Runner) -> Option<std::process::ExitStatus> {
		let exit = runner.stop();
		*self.alive.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
		exit
	}

	/// Runners alive now (for tests and metrics).
	pub fn runners_alive(&self) -> usize {
		*self.alive.lock().unwrap_or_else(|e| e.into_inner())
	}
}

impl Drop for Sandbox {
	fn drop(&mut self) {
		for runner in self.idle.get_mut().unwrap_or_else(|e| e.into_inner()).drain(..) {
			runner.stop();
		}
	}
}
