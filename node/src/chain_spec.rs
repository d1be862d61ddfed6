//! Chain specifications built into the node: `dev`, `local` and `live` (the production
//! template). Any other `--chain` value is read as a path to a JSON chain spec.

use sc_service::ChainType;
use sp_keyring::Sr25519Keyring;
use verin_primitives::currency::UNIT;
use verin_runtime::{
	genesis_config_presets::{self, GenesisMarket},
	WASM_BINARY,
};
use verin_worker::example_models::example_models;

/// Chain spec without client-side extensions.
pub type ChainSpec = sc_service::GenericChainSpec;

fn properties() -> sc_service::Properties {
	let mut properties = sc_service::Properties::new();
	properties.insert("tokenSymbol".into(), verin_primitives::currency::SYMBOL.into());
	properties.insert("tokenDecimals".into(), verin_primitives::currency::DECIMALS.into());
	properties.insert("ss58Format".into(), 42.into());
	properties
}

fn wasm_binary() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| {
		"The runtime's wasm binary is not available: build without SKIP_WASM_BUILD".to_string()
	})
}

/// Stake the dev worker bonds at genesis.
const DEV_WORKER_STAKE: verin_primitives::Balance = 100 * UNIT;

/// The example models (owned by Alice, the integer one with its ZK circuit) and Alice as a
/// worker of every tier serving them, so a dev network answers jobs from its first block (TEE
/// jobs once her node registered its enclave: a node started with `--tee-provider dev` does
/// so in its first blocks).
fn example_market() -> GenesisMarket {
	let alice = Sr25519Keyring::Alice.to_account_id();
	GenesisMarket {
		models: example_models().iter().map(|model| model.genesis(alice.clone())).collect(),
		worker: Some((alice, DEV_WORKER_STAKE)),
	}
}

/// Single-authority development chain (Alice), with the example models and Alice as their
/// worker.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, None)
		.with_name("Verin Development")
		.with_id("verin_dev")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_patch(genesis_config_presets::development_config_genesis(
			example_market(),
		))
		.with_properties(properties())
		.build())
}

/// Two-authority local testnet (Alice and Bob), with the example models and Alice as their
/// worker.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, None)
		.with_name("Verin Local Testnet")
		.with_id("verin_local_testnet")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_patch(genesis_config_presets::local_config_genesis(example_market()))
		.with_properties(properties())
		.build())
}

/// The production template (`--chain live`): the runtime's `live` preset, which pins the AWS
/// Nitro root alone and no development artefact. It has no authorities, accounts or sudo
/// key: export it with `build-spec --chain live`, fill those in, and launch that file.
pub fn live_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, None)
		.with_name("Verin")
		.with_id("verin_live")
		.with_chain_type(ChainType::Live)
		.with_genesis_config_preset_name(genesis_config_presets::LIVE_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}
