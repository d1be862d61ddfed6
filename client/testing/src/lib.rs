//! End-to-end test harness for Verin.
//!
//! [`DevNode`] starts a real `verin-node` process on free loopback ports with a temporary
//! database, waits until its RPC answers, and kills it when dropped. Tests then talk to it
//! with subxt exactly as a dapp or wallet would. The node's output goes to a log file whose
//! tail is printed when a test fails, so CI logs show why.
//!
//! Nothing here listens beyond 127.0.0.1 and mDNS is off: the harness never sends traffic
//! off the machine.

use std::{
	fs::File,
	io::{Read, Seek, SeekFrom},
	net::{TcpListener, TcpStream},
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

pub mod reference;

pub use subxt;
pub use subxt_signer;

use codec::Decode;
use subxt::{
	extrinsics::ExtrinsicEvents,
	rpcs::{rpc_params, RpcClient},
	OnlineClient, SubstrateConfig,
};
use subxt_signer::sr25519::Keypair;

/// The client type tests use: Verin uses Substrate's default account, hash and
/// signature types, so subxt's `SubstrateConfig` fits.
pub type Client = OnlineClient<SubstrateConfig>;

/// How long a node may take from spawn to an answering RPC server.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// A free TCP port on 127.0.0.1, as the OS hands it out. Another process could take it
/// between this call and the node's bind; the window is tiny and a retry is cheap.
pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0")
		.and_then(|listener| listener.local_addr())
		.map(|addr| addr.port())
		.expect("the OS hands out an ephemeral port on 127.0.0.1")
}

/// A binary of this workspace's build (`verin-node`, `verin-node-lying`, `verin`), for tests
/// in packages other than the binary's own: cargo puts binaries in `target/<profile>/` and
/// test executables in `target/<profile>/deps/`. `cargo test --workspace` builds every
/// binary whose package has integration tests before it runs any test.
pub fn workspace_binary(name: &str) -> PathBuf {
	let test_executable = std::env::current_exe().expect("the test knows its executable");
	let profile_dir = test_executable
		.parent()
		.and_then(Path::parent)
		.expect("test executables live in target/<profile>/deps");
	let binary = profile_dir.join(name);
	assert!(binary.exists(), "no {} (build it: bash scripts/build.sh)", binary.display());
	binary
}

/// The node binary of this build.
pub fn node_binary() -> PathBuf {
	workspace_binary("verin-node")
}

/// A running `verin-node` process, killed on drop.
pub struct DevNode {
	child: Child,
	rpc_port: u16,
	p2p_port: u16,
	log_path: PathBuf,
	_log_dir: TempDir,
}

impl DevNode {
	/// Starts `binary --dev --tmp` on free loopback ports and waits for its RPC server.
	pub fn dev(binary: impl AsRef<Path>) -> Self {
		Self::spawn(binary, &["--dev", "--tmp"])
	}

	/// Starts `binary` with `args` plus the harness's port, network and log settings.
	pub fn spawn(binary: impl AsRef<Path>, args: &[&str]) -> Self {
		let binary = binary.as_ref();
		let rpc_port = free_port();
		let p2p_port = free_port();
		let log_dir = TempDir::new("verin-node-log");
		let log_path = log_dir.path().join("node.log");
		let log = File::create(&log_path).expect("the temporary log file can be created");

		let child = Command::new(binary)
			.args(args)
			.args([
				"--rpc-port",
				&rpc_port.to_string(),
				"--listen-addr",
				&format!("/ip4/127.0.0.1/tcp/{p2p_port}"),
				"--no-prometheus",
				"--no-telemetry",
				"--no-mdns",
			])
			.stdout(Stdio::null())
			.stderr(log)
			.spawn()
			.unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));

		let mut node = DevNode { child, rpc_port, p2p_port, log_path, _log_dir: log_dir };
		node.wait_for_rpc();
		node
	}

	/// WebSocket URL of the node's RPC server.
	pub fn ws_url(&self) -> String {
		format!("ws://127.0.0.1:{}", self.rpc_port)
	}

	/// The port the node's RPC server listens on.
	pub fn rpc_port(&self) -> u16 {
		self.rpc_port
	}

	/// The port the node's p2p layer listens on.
	pub fn p2p_port(&self) -> u16 {
		self.p2p_port
	}

	/// A subxt client connected to this node.
	pub async fn client(&self) -> Client {
		Client::from_insecure_url(self.ws_url()).await.unwrap_or_else(|e| {
			panic!("cannot connect to {}: {e}\n{}", self.ws_url(), self.log_tail())
		})
	}

	/// A raw JSON-RPC client to this node, for methods subxt does not wrap.
	pub async fn rpc(&self) -> RpcClient {
		RpcClient::from_insecure_url(self.ws_url())
			.await
			.unwrap_or_else(|e| panic!("cannot connect to {}: {e}", self.ws_url()))
	}

	/// Calls runtime API `method` (e.g. `ModelsApi_model`) with SCALE-encoded `args` at the
	/// best block and decodes the answer as `R`.
	pub async fn runtime_api<R: Decode>(&self, method: &str, args: &[u8]) -> R {
		let bytes: String = self
			.rpc()
			.await
			.request("state_call", rpc_params![method, format!("0x{}", hex::encode(args))])
			.await
			.unwrap_or_else(|e| panic!("state_call {method} failed: {e}"));
		let raw = hex::decode(bytes.trim_start_matches("0x")).expect("state_call returns hex");
		R::decode(&mut &raw[..]).unwrap_or_else(|e| panic!("{method} answer does not decode: {e}"))
	}

	/// Reads the raw storage value under `key` at the best block (`state_getStorage`).
	pub async fn storage(&self, key: &[u8]) -> Option<Vec<u8>> {
		let value: Option<String> = self
			.rpc()
			.await
			.request("state_getStorage", rpc_params![format!("0x{}", hex::encode(key))])
			.await
			.unwrap_or_else(|e| panic!("state_getStorage failed: {e}"));
		value.map(|hex_value| {
			hex::decode(hex_value.trim_start_matches("0x")).expect("the RPC returns hex")
		})
	}

	/// Inserts the key of secret URI `suri` with public key `public` under `key_type` (e.g.
	/// `vwrk`) in the node's keystore (`author_insertKey`, unsafe, served on loopback).
	pub async fn insert_key(&self, key_type: &str, suri: &str, public: &[u8]) {
		let _: () = self
			.rpc()
			.await
			.request(
				"author_insertKey",
				rpc_params![key_type, suri, format!("0x{}", hex::encode(public))],
			)
			.await
			.unwrap_or_else(|e| panic!("author_insertKey failed: {e}"));
	}

	/// Reads `key` from the node's persistent offchain store (`offchain_localStorageGet`,
	/// an unsafe RPC method the node serves on loopback).
	pub async fn offchain_get(&self, key: &[u8]) -> Option<Vec<u8>> {
		let value: Option<String> = self
			.rpc()
			.await
			.request(
				"offchain_localStorageGet",
				rpc_params!["PERSISTENT", format!("0x{}", hex::encode(key))],
			)
			.await
			.unwrap_or_else(|e| panic!("offchain_localStorageGet failed: {e}"));
		value.map(|hex_value| {
			hex::decode(hex_value.trim_start_matches("0x")).expect("the RPC returns hex")
		})
	}

	/// Writes `value` under `key` in the node's persistent offchain store
	/// (`offchain_localStorageSet`, unsafe, served on loopback): tests use it to corrupt what
	/// a worker reads.
	pub async fn offchain_set(&self, key: &[u8], value: &[u8]) {
		let _: () = self
			.rpc()
			.await
			.request(
				"offchain_localStorageSet",
				rpc_params![
					"PERSISTENT",
					format!("0x{}", hex::encode(key)),
					format!("0x{}", hex::encode(value))
				],
			)
			.await
			.unwrap_or_else(|e| panic!("offchain_localStorageSet failed: {e}"));
	}

	/// The last lines the node wrote to its log, for failure messages.
	pub fn log_tail(&self) -> String {
		let mut file = match File::open(&self.log_path) {
			Ok(file) => file,
			Err(e) => return format!("(no node log: {e})"),
		};
		let len = file.metadata().map(|m| m.len()).unwrap_or(0);
		let _ = file.seek(SeekFrom::Start(len.saturating_sub(8 * 1024)));
		let mut tail = String::new();
		let _ = file.read_to_string(&mut tail);
		format!("--- last lines of the node log ({}) ---\n{tail}", self.log_path.display())
	}

	fn wait_for_rpc(&mut self) {
		let deadline = Instant::now() + STARTUP_TIMEOUT;
		loop {
			if let Ok(Some(status)) = self.child.try_wait() {
				panic!("verin-node exited during startup with {status}\n{}", self.log_tail());
			}
			if TcpStream::connect(("127.0.0.1", self.rpc_port)).is_ok() {
				return;
			}
			if Instant::now() > deadline {
				panic!(
					"verin-node's RPC did not open within {STARTUP_TIMEOUT:?}\n{}",
					self.log_tail()
				);
			}
			std::thread::sleep(Duration::from_millis(200));
		}
	}
}

impl DevNode {
	/// Stops the node as an operator would (SIGTERM, so it closes its database cleanly) and
	/// waits for it to exit; kills it if it has not exited within 30 s.
	pub fn stop(mut self) {
		let pid = self.child.id().to_string();
		let _ = Command::new("kill").args(["-TERM", &pid]).status();
		let deadline = Instant::now() + Duration::from_secs(30);
		while Instant::now() < deadline {
			if let Ok(Some(_)) = self.child.try_wait() {
				return;
			}
			std::thread::sleep(Duration::from_millis(200));
		}
		eprintln!("verin-node did not exit within 30 s of SIGTERM; killing it");
	}
}

impl Drop for DevNode {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
		if std::thread::panicking() {
			eprintln!("{}", self.log_tail());
		}
	}
}

/// Signs SCALE-encoded call data (a runtime's `RuntimeCall`, encoded) with `signer`,
/// submits it and waits until it is finalized and succeeded; returns its events. Panics
/// with the dispatch error if it failed.
///
/// Waiting for finality (not just inclusion) lets the next call read the signer's nonce
/// from the finalized state, which is where subxt looks.
pub async fn submit_call(
	client: &Client,
	signer: &Keypair,
	call_data: &[u8],
) -> ExtrinsicEvents<SubstrateConfig> {
	try_submit_call(client, signer, call_data).await.unwrap_or_else(|e| panic!("{e}"))
}

/// As [`submit_call`], but returns why the node refused the transaction or why it failed
/// (the dispatch error's name is in the message), for tests of refusals.
pub async fn try_submit_call(
	client: &Client,
	signer: &Keypair,
	call_data: &[u8],
) -> Result<ExtrinsicEvents<SubstrateConfig>, String> {
	let at = client.at_current_block().await.expect("the node has a finalized block");
	let mut tx = at.transactions();
	let payload = tx
		.from_call_data_bytes(call_data)
		.unwrap_or_else(|e| panic!("the call data does not fit the node's metadata: {e}"));
	tx.sign_and_submit_then_watch_default(&payload, signer)
		.await
		.map_err(|e| format!("the node refused the transaction: {e}"))?
		.wait_for_finalized_success()
		.await
		.map_err(|e| format!("the transaction failed: {e}"))
}

/// Waits until the node has finalized at least `number`, or panics after `timeout`.
/// Returns the finalized block number reached.
pub async fn wait_for_finalized(client: &Client, number: u64, timeout: Duration) -> u64 {
	wait_for_block(client, number, timeout, true).await
}

/// Waits until the node's best block is at least `number`, or panics after `timeout`.
pub async fn wait_for_best(client: &Client, number: u64, timeout: Duration) -> u64 {
	wait_for_block(client, number, timeout, false).await
}

async fn wait_for_block(client: &Client, number: u64, timeout: Duration, finalized: bool) -> u64 {
	let kind = if finalized { "finalized" } else { "best" };
	let wait = async {
		let mut blocks = if finalized {
			client.stream_blocks().await
		} else {
			client.stream_best_blocks().await
		}
		.unwrap_or_else(|e| panic!("cannot subscribe to {kind} blocks: {e}"));
		while let Some(block) = blocks.next().await {
			let block = block.unwrap_or_else(|e| panic!("{kind} block stream failed: {e}"));
			if block.number() >= number {
				return block.number();
			}
		}
		panic!("the {kind} block stream ended before block {number}");
	};
	tokio::time::timeout(timeout, wait)
		.await
		.unwrap_or_else(|_| panic!("no {kind} block #{number} within {timeout:?}"))
}

/// A directory removed on drop (std has none, and one small type beats a dependency).
/// Tests use it as a node's `--base-path` when the node must keep its database across a
/// restart.
pub struct TempDir(PathBuf);

impl TempDir {
	/// Creates a fresh directory under the system's temporary directory.
	pub fn new(prefix: &str) -> Self {
		let unique = format!(
			"{prefix}-{}-{}",
			std::process::id(),
			std::time::SystemTime::now()
				.duration_since(std::time::UNIX_EPOCH)
				.map(|d| d.as_nanos())
				.unwrap_or(0)
		);
		let path = std::env::temp_dir().join(unique);
		std::fs::create_dir_all(&path).expect("the temporary directory can be created");
		TempDir(path)
	}

	/// The directory's path.
	pub fn path(&self) -> &Path {
		&self.0
	}
}

impl Drop for TempDir {
	fn drop(&mut self) {
		let _ = std::fs::remove_dir_all(&self.0);
	}
}
