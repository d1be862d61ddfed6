//! Shared by the offchain-path benchmarks: the dev chain's state with jobs assigned to the dev
//! worker, run by the node's wasm executor with the extensions a worker node registers.

use std::sync::Arc;

use codec::Encode;
use frame_support::traits::OnInitialize;
use sc_executor::WasmExecutor;
use sp_core::{
	offchain::{
		testing::{
			OffchainState, PoolState, TestOffchainExt, TestPersistentOffchainDB,
			TestTransactionPoolExt,
		},
		OffchainDbExt, OffchainWorkerExt, TransactionPoolExt,
	},
	traits::{CallContext, CodeExecutor, RuntimeCode, WrappedRuntimeCode},
};
use sp_keyring::Sr25519Keyring;
use sp_keystore::{testing::MemoryKeystore, KeystoreExt};
use sp_runtime::{traits::Dispatchable, BuildStorage};
use verin_primitives::{currency::UNIT, model::ModelId, tensor::TensorPayload, tier::Tier};
use verin_runtime::{
	AllPalletsWithSystem, Header, Runtime, RuntimeCall, RuntimeOrigin, System, WASM_BINARY,
};
use verin_worker::OrtEngine;
use verin_worker_primitives::InferenceExt;

/// The node's host functions.
pub type HostFunctions = (
	sp_io::SubstrateHostFunctions,
	verin_worker_primitives::verin_inference::HostFunctions,
	verin_worker_primitives::verin_tee::HostFunctions,
);

/// The runtime's wasm, as the node executes it.
pub struct RuntimeWasm {
	pub executor: WasmExecutor<HostFunctions>,
	fetch: WrappedRuntimeCode<'static>,
	hash: Vec<u8>,
}

impl RuntimeWasm {
	pub fn new() -> Self {
		let wasm =
			WASM_BINARY.expect("the runtime is built with its wasm (do not set SKIP_WASM_BUILD)");
		RuntimeWasm {
			executor: WasmExecutor::<HostFunctions>::builder().build(),
			fetch: WrappedRuntimeCode(wasm.into()),
			hash: sp_io::hashing::blake2_256(wasm).to_vec(),
		}
	}

	pub fn code(&self) -> RuntimeCode<'_> {
		RuntimeCode { code_fetcher: &self.fetch, heap_pages: None, hash: self.hash.clone() }
	}

	/// Calls runtime API `method` with `data` on `ext` in wasm.
	pub fn call(
		&self,
		ext: &mut dyn sp_externalities::Externalities,
		method: &str,
		data: &[u8],
		context: CallContext,
	) -> Vec<u8> {
		self.executor
			.call(ext, &self.code(), method, data, context)
			.0
			.unwrap_or_else(|error| panic!("{method} fails: {error}"))
	}
}

/// The dev chain after genesis with `jobs` requests of `input` for `model` at `tier`, all
/// assigned to Alice, and the extensions a worker node registers for its offchain worker.
pub struct WorkerNode {
	pub ext: sp_io::TestExternalities,
	pub header: Header,
	pub offchain: Arc<parking_lot::RwLock<OffchainState>>,
	pub pool: Arc<parking_lot::RwLock<PoolState>>,
}

impl WorkerNode {
	pub fn new(
		engine: &OrtEngine,
		model: ModelId,
		input: TensorPayload,
		tier: Tier,
		jobs: usize,
	) -> Self {
		let storage = verin_node::chain_spec::development_chain_spec()
			.expect("the dev chain spec builds")
			.build_storage()
			.expect("the dev genesis builds");
		let mut ext = sp_io::TestExternalities::new(storage);
		let header = ext.execute_with(|| {
			let number = System::block_number() + 1;
			System::initialize(&number, &System::parent_hash(), &Default::default());
			AllPalletsWithSystem::on_initialize(number);
			for _ in 0..jobs {
				RuntimeCall::Inference(pallet_inference::Call::<Runtime>::request {
					model,
					version: None,
					input: input.clone(),
					tier,
					max_fee: UNIT,
					response_blocks: 10,
				})
				.dispatch(RuntimeOrigin::signed(Sr25519Keyring::Bob.to_account_id()))
				.expect("the request is accepted");
			}
			let header = System::finalize();
			assert_eq!(
				pallet_inference::Pallet::<Runtime>::pending_jobs(
					&Sr25519Keyring::Alice.to_account_id()
				)
				.len(),
				jobs,
				"every job went to the dev worker"
			);
			header
		});

		ext.commit_all().expect("the setup is committed");
		let (offchain, offchain_state) = TestOffchainExt::new();
		ext.register_extension(OffchainWorkerExt::new(offchain.clone()));
		ext.register_extension(OffchainDbExt::new(offchain));
		let (pool, pool_state) = TestTransactionPoolExt::new();
		ext.register_extension(TransactionPoolExt::new(pool));
		// Stored as the node stores the dev worker key (as its raw seed).
		let keystore: sp_keystore::KeystorePtr = Arc::new(MemoryKeystore::new());
		verin_worker::keys::insert_worker_key(&keystore, "//Alice").expect("the dev worker key");
		ext.register_extension(KeystoreExt::from(keystore));
		ext.register_extension(InferenceExt::new(engine.clone()));
		WorkerNode { ext, header, offchain: offchain_state, pool: pool_state }
	}

	/// One offchain-worker run in wasm, from a clean slate (no claims, empty pool); returns
	/// how many jobs the transactions it submitted answer.
	pub fn run_offchain_worker(&mut self, runtime: &RuntimeWasm) -> usize {
		self.offchain.write().persistent_storage = TestPersistentOffchainDB::new();
		self.pool.write().transactions.clear();
		let header = self.header.encode();
		// On a throwaway overlay, as the node runs it: the offchain worker's writes (the
		// signer's nonce bump, the block hash) must not reach the chain's state.
		let mut overlay = sp_state_machine::OverlayedChanges::default();
		let mut ext = sp_state_machine::Ext::new(
			&mut overlay,
			&self.ext.backend,
			Some(&mut self.ext.extensions),
		);
		runtime.call(&mut ext, "OffchainWorkerApi_offchain_worker", &header, CallContext::Offchain);
		self.pool.read().transactions.iter().map(|extrinsic| answers_in(extrinsic)).sum()
	}
}

/// How many jobs an extrinsic answers: one for a `submit_result` or `report_failure`, each
/// answer of a `submit_answers`, none for anything else.
pub fn answers_in(extrinsic: &[u8]) -> usize {
	use codec::Decode;
	use pallet_inference::Call;
	let Ok(xt) = verin_runtime::UncheckedExtrinsic::decode(&mut &extrinsic[..]) else {
		return 0;
	};
	match xt.function {
		verin_runtime::RuntimeCall::Inference(
			Call::submit_result { .. } | Call::report_failure { .. },
		) => 1,
		verin_runtime::RuntimeCall::Inference(Call::submit_answers { answers }) => answers.len(),
		_ => 0,
	}
}
