//! JSON-RPC of the model registry, answered through `pallet-models-runtime-api`.
//!
//! | method | answer |
//! |---|---|
//! | `models_list(start?, limit?, at?)` | up to `limit` (default 100, at most 1,000) models from id `start` |
//! | `models_get(id, at?)` | the model, or `null` |
//! | `models_version(id, version, at?)` | a published version (content id, spec, circuit digest), or `null` |
//! | `models_chunkHashes(id, version, at?)` | the version's chunk hashes in file order, or `null` |
//! | `models_chunk(hash)` | the bytes of the model chunk with this hash from the node's offchain store, or `null` |
//!
//! With `models_chunkHashes` and `models_chunk` anyone can download a version's bytes from a
//! node that indexes them and check them against the content id on chain (`verin model
//! verify`): the chunks are public, content-addressed and checked before they are served.

use std::{marker::PhantomData, sync::Arc};

use codec::Codec;
use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::{ErrorObject, ErrorObjectOwned},
};
pub use pallet_models_runtime_api::ModelsApi as ModelsRuntimeApi;
use serde::{de::DeserializeOwned, Serialize};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{Bytes, H256};
use sp_runtime::traits::{Block as BlockT, Header as HeaderT};
use verin_primitives::model::{
	chunk_hash, offchain_chunk_key, ModelId, ModelInfo, ModelVersion, VersionInfo,
};

/// Reads a value of the node's offchain store (persistent kind) by key: where offchain
/// indexing wrote the chunks of uploaded models.
pub type OffchainRead = Arc<dyn Fn(&[u8]) -> Option<Vec<u8>> + Send + Sync>;

/// Models per `models_list` answer when the caller names no limit.
pub const DEFAULT_LIST_LIMIT: u32 = 100;
/// Most models per `models_list` answer.
pub const MAX_LIST_LIMIT: u32 = 1_000;

/// A model and its id, as `models_list` returns them.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct ListedModel<AccountId, Balance, BlockNumber> {
	/// The model's id.
	pub id: ModelId,
	/// The model.
	pub model: ModelInfo<AccountId, Balance, BlockNumber>,
}

/// The registry's RPC methods.
#[rpc(server)]
pub trait ModelsApi<BlockHash, AccountId, Balance, BlockNumber> {
	/// Up to `limit` models from id `start` upwards (ids are dense; removed models leave gaps).
	#[method(name = "models_list")]
	fn list(
		&self,
		start: Option<ModelId>,
		limit: Option<u32>,
		at: Option<BlockHash>,
	) -> RpcResult<Vec<ListedModel<AccountId, Balance, BlockNumber>>>;

	/// The model with this id, or `null`.
	#[method(name = "models_get")]
	fn get(
		&self,
		id: ModelId,
		at: Option<BlockHash>,
	) -> RpcResult<Option<ModelInfo<AccountId, Balance, BlockNumber>>>;

	/// A published version of a model, or `null`.
	#[method(name = "models_version")]
	fn version(
		&self,
		id: ModelId,
		version: ModelVersion,
		at: Option<BlockHash>,
	) -> RpcResult<Option<VersionInfo<Balance, BlockNumber>>>;

	/// The chunk hashes of a published version in file order, or `null`: with the version's
	/// size they recompute its content id, and each names a chunk `models_chunk` serves.
	#[method(name = "models_chunkHashes")]
	fn chunk_hashes(
		&self,
		id: ModelId,
		version: ModelVersion,
		at: Option<BlockHash>,
	) -> RpcResult<Option<Vec<H256>>>;

	/// The bytes of the model chunk whose blake2-256 hash is `hash`, from this node's
	/// offchain store, or `null` if the node does not have it. An error if the node keeps no
	/// offchain store.
	#[method(name = "models_chunk")]
	fn chunk(&self, hash: H256) -> RpcResult<Option<Bytes>>;
}

/// Error code of a failed runtime API call (e.g. an unknown block).
pub const RUNTIME_API_ERROR: i32 = 9100;

/// Error code of `models_chunk` on a node without an offchain store.
pub const NO_OFFCHAIN_STORE: i32 = 9101;

fn api_error(e: impl std::fmt::Display) -> ErrorObjectOwned {
	ErrorObject::owned(RUNTIME_API_ERROR, "the runtime API call failed", Some(e.to_string()))
}

/// Serves [`ModelsApiServer`] from a client of the chain and the node's offchain store.
pub struct Models<C, Block, AccountId, Balance> {
	client: Arc<C>,
	offchain: Option<OffchainRead>,
	_marker: PhantomData<(Block, AccountId, Balance)>,
}

impl<C, Block, AccountId, Balance> Models<C, Block, AccountId, Balance> {
	/// RPC handlers reading through `client`, and model chunks through `offchain` (`None`
	/// for a node without an offchain store).
	pub fn new(client: Arc<C>, offchain: Option<OffchainRead>) -> Self {
		Self { client, offchain, _marker: PhantomData }
	}
}

type NumberOf<Block> = <<Block as BlockT>::Header as HeaderT>::Number;

impl<C, Block, AccountId, Balance> ModelsApiServer<Block::Hash, AccountId, Balance, NumberOf<Block>>
	for Models<C, Block, AccountId, Balance>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: ModelsRuntimeApi<Block, AccountId, Balance, NumberOf<Block>>,
	AccountId: Codec + Serialize + DeserializeOwned + Send + Sync + 'static,
	Balance: Codec + Serialize + DeserializeOwned + Send + Sync + 'static,
	NumberOf<Block>: Serialize + DeserializeOwned,
{
	fn list(
		&self,
		start: Option<ModelId>,
		limit: Option<u32>,
		at: Option<Block::Hash>,
	) -> RpcResult<Vec<ListedModel<AccountId, Balance, NumberOf<Block>>>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let limit = limit.unwrap_or(DEFAULT_LIST_LIMIT).min(MAX_LIST_LIMIT);
		let models =
			self.client.runtime_api().models(at, start.unwrap_or(0), limit).map_err(api_error)?;
		Ok(models.into_iter().map(|(id, model)| ListedModel { id, model }).collect())
	}

	fn get(
		&self,
		id: ModelId,
		at: Option<Block::Hash>,
	) -> RpcResult<Option<ModelInfo<AccountId, Balance, NumberOf<Block>>>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		self.client.runtime_api().model(at, id).map_err(api_error)
	}

	fn version(
		&self,
		id: ModelId,
		version: ModelVersion,
		at: Option<Block::Hash>,
	) -> RpcResult<Option<VersionInfo<Balance, NumberOf<Block>>>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		self.client.runtime_api().version(at, id, version).map_err(api_error)
	}

	fn chunk_hashes(
		&self,
		id: ModelId,
		version: ModelVersion,
		at: Option<Block::Hash>,
	) -> RpcResult<Option<Vec<H256>>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		self.client.runtime_api().chunk_hashes(at, id, version).map_err(api_error)
	}

	fn chunk(&self, hash: H256) -> RpcResult<Option<Bytes>> {
		let read = self.offchain.as_ref().ok_or_else(|| {
			ErrorObject::owned(
				NO_OFFCHAIN_STORE,
				"this node keeps no offchain store: ask a node with offchain indexing",
				None::<()>,
			)
		})?;
		// A corrupt store must not serve bytes under a hash they do not have.
		Ok(read(&offchain_chunk_key(&hash))
			.filter(|bytes| chunk_hash(bytes) == hash)
			.map(Bytes::from))
	}
}
