//! Genesis presets:
//! - `development` (one authority, Alice) and `local_testnet` (Alice and Bob). Both fund
//!   the well-known dev accounts and make Alice the sudo key, and pin the development
//!   enclave CA next to the AWS Nitro root, with the development enclave's measurement
//!   allowed, so a TEE worker can attest without Nitro hardware. A ZK circuit registered
//!   after genesis is trusted once one worker other than its owner confirms it.
//! - `live`, the template of a production chain: none of the above. It pins the AWS Nitro
//!   root alone (anyone can attest anything with the development CA, whose key is public),
//!   allows no enclave measurement (governance allows the measured image of the release it
//!   runs), keeps the default of two circuit confirmations, and has no authorities,
//!   accounts or sudo key: the operator writes those into the chain spec it launches.
//!
//! A node adds a [`GenesisMarket`] (models published at genesis and a worker serving them)
//! to these presets: the runtime cannot compile a model's ZK circuit, the node can.

use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

use verin_primitives::{
	market::ServedVersion,
	model::{GenesisModel, ModelVersion},
	tier::Tier,
};

use crate::{
	configs::TreasuryAccount, AccountId, AuraConfig, Balance, BalancesConfig, EnclavesConfig,
	GrandpaConfig, ModelsConfig, RuntimeGenesisConfig, SudoConfig, WorkersConfig,
	EXISTENTIAL_DEPOSIT, UNIT,
};
use frame_support::traits::Get;

/// Balance given to each endowed dev account: enough for any test, far from overflow.
const ENDOWMENT: crate::Balance = 1_000_000 * UNIT;

/// Models published at genesis (ids 0, 1, … in this order, each at version 1.0), and the
/// worker that bonds at genesis and serves all of them at every tier.
#[derive(Default)]
pub struct GenesisMarket {
	/// The models, with their owners.
	pub models: Vec<GenesisModel<AccountId, Balance>>,
	/// The worker's account and the stake it bonds; `None` for no worker.
	pub worker: Option<(AccountId, Balance)>,
}

impl GenesisMarket {
	fn workers(
		&self,
	) -> Vec<(AccountId, Balance, verin_primitives::tier::TierSet, Vec<ServedVersion>)> {
		let served: Vec<_> = (0..self.models.len() as u64)
			.map(|model| ServedVersion { model, version: ModelVersion::new(1, 0) })
			.collect();
		self.worker
			.iter()
			.map(|(account, stake)| {
				(account.clone(), *stake, Tier::ALL.into_iter().collect(), served.clone())
			})
			.collect()
	}
}

fn testnet_genesis(
	initial_authorities: Vec<(AuraId, GrandpaId)>,
	endowed_accounts: Vec<AccountId>,
	root: AccountId,
	market: GenesisMarket,
) -> Value {
	let workers = market.workers();
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed_accounts
				.iter()
				.cloned()
				.map(|k| (k, ENDOWMENT))
				// The treasury exists from genesis, so even its smallest cut can be paid.
				.chain(core::iter::once((TreasuryAccount::get(), EXISTENTIAL_DEPOSIT)))
				.collect::<Vec<_>>(),
		},
		aura: AuraConfig {
			authorities: initial_authorities.iter().map(|x| x.0.clone()).collect::<Vec<_>>(),
		},
		grandpa: GrandpaConfig {
			authorities: initial_authorities.iter().map(|x| (x.1.clone(), 1)).collect::<Vec<_>>(),
		},
		sudo: SudoConfig { key: Some(root) },
		enclaves: EnclavesConfig {
			roots: vec![
				verin_attestation::AWS_NITRO_ROOT_G1.to_vec(),
				// Development chains only: its key is public (see verin_attestation::dev).
				verin_attestation::DEV_ROOT_CERTIFICATE.to_vec(),
			],
			measurements: vec![(
				verin_attestation::DEV_SOFTWARE_VERSION.as_bytes().to_vec(),
				verin_attestation::dev_measurement(verin_attestation::DEV_SOFTWARE_VERSION)
					.concat(),
			)],
		},
		// One confirmation: a development chain has one genesis worker (Alice) to review
		// the circuits others register. A production chain keeps the default of two.
		models: ModelsConfig { models: market.models, required_confirmations: 1 },
		workers: WorkersConfig { workers },
	})
}

/// Aura (sr25519) and GRANDPA (ed25519) keys of a dev authority, as derived from `//Name`.
fn authority(name: Sr25519Keyring, grandpa: Ed25519Keyring) -> (AuraId, GrandpaId) {
	(name.public().into(), grandpa.public().into())
}

fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::iter().map(|k| k.to_account_id()).collect()
}

/// One authority (Alice): a single node produces and finalizes blocks.
pub fn development_config_genesis(market: GenesisMarket) -> Value {
	testnet_genesis(
		vec![authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		dev_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
		market,
	)
}

/// Two authorities (Alice and Bob): both must be online for GRANDPA finality.
pub fn local_config_genesis(market: GenesisMarket) -> Value {
	testnet_genesis(
		vec![
			authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			authority(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
		],
		dev_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
		market,
	)
}

/// The id of the production template preset.
pub const LIVE_RUNTIME_PRESET: &str = "live";

/// The production template: the AWS Nitro root alone, no development measurement, no dev
/// accounts, authorities or sudo key.
pub fn live_config_genesis() -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		enclaves: EnclavesConfig {
			roots: vec![verin_attestation::AWS_NITRO_ROOT_G1.to_vec()],
			measurements: vec![],
		},
		models: ModelsConfig {
			required_confirmations: pallet_models::DEFAULT_REQUIRED_CONFIRMATIONS,
		},
	})
}

/// The preset with the given id, serialized as JSON.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		LIVE_RUNTIME_PRESET => live_config_genesis(),
		sp_genesis_builder::DEV_RUNTIME_PRESET => {
			development_config_genesis(GenesisMarket::default())
		},
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => {
			local_config_genesis(GenesisMarket::default())
		},
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.expect("serialization to json is expected to work. qed.")
			.into_bytes(),
	)
}

/// The ids of the presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
		PresetId::from(LIVE_RUNTIME_PRESET),
	]
}
