//! JSON-RPC of the inference market, answered through `pallet-inference-runtime-api`.
//!
//! | method | answer |
//! |---|---|
//! | `inference_quote(model, version?, input, tier, at?)` | the fee a request would hold, split |
//! | `inference_job(id, at?)` | the job, or `null` (large inputs and outputs by hash) |
//! | `inference_output(id, at?)` | the job's output tensors, or `null` before it has one |
//! | `inference_workerJobs(worker, at?)` | ids of the jobs assigned to a worker, oldest first |
//! | `inference_subscribeJob(id)` | the job at every finalized block where it changed, until it ends |
//!
//! Errors carry a code (see [`Error`]) and, for runtime refusals, the pallet's error name
//! (`Inference.ModelNotFound`, …) so a client can tell the user what to do.

use std::{marker::PhantomData, sync::Arc};

use codec::Codec;
use futures::StreamExt;
use jsonrpsee::{
	core::{async_trait, RpcResult, SubscriptionResult},
	proc_macros::rpc,
	types::{ErrorObject, ErrorObjectOwned},
	PendingSubscriptionSink, SubscriptionMessage,
};
pub use pallet_inference_runtime_api::InferenceApi as InferenceRuntimeApi;
use sc_client_api::BlockchainEvents;
use serde::{de::DeserializeOwned, Serialize};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_runtime::{
	traits::{Block as BlockT, Header as HeaderT},
	DispatchError,
};
use verin_primitives::{
	market::{FeeBreakdown, Job, JobId},
	model::{ModelId, ModelVersion},
	payload::{offchain_payload_key, resolve_payload, PayloadRole, StoredPayload},
	tensor::{TensorData, TensorPayload},
	tier::Tier,
};

/// One step of a followed job: the job as it stands after a finalized block.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobUpdate<AccountId, Balance, BlockNumber, Hash> {
	/// The finalized block.
	pub block_number: BlockNumber,
	/// Its hash.
	pub block_hash: Hash,
	/// The job as it stands there.
	pub job: Job<AccountId, Balance, BlockNumber>,
	/// Whether the job has ended (completed, failed or expired): the last update.
	pub ended: bool,
}

/// The market's RPC methods.
#[rpc(server)]
pub trait InferenceApi<BlockHash, AccountId, Balance, BlockNumber> {
	/// The fee a request for `model` (at `version`, else the latest) with `input` at `tier`
	/// would hold, split into worker, royalty and treasury.
	#[method(name = "inference_quote")]
	fn quote(
		&self,
		model: ModelId,
		version: Option<ModelVersion>,
		input: Vec<TensorData>,
		tier: Tier,
		at: Option<BlockHash>,
	) -> RpcResult<FeeBreakdown<Balance>>;

	/// The job with this id, or `null` if it does not exist (or was pruned after it ended).
	#[method(name = "inference_job")]
	fn job(
		&self,
		id: JobId,
		at: Option<BlockHash>,
	) -> RpcResult<Option<Job<AccountId, Balance, BlockNumber>>>;

	/// The output tensors of job `id`, or `null` while it has none. Outputs too large for
	/// chain state are read from this node's offchain store, where offchain indexing wrote
	/// them, and checked against the job's output hash.
	#[method(name = "inference_output")]
	fn output(&self, id: JobId, at: Option<BlockHash>) -> RpcResult<Option<Vec<TensorData>>>;

	/// Ids of the jobs assigned to `worker` and not yet answered.
	#[method(name = "inference_workerJobs")]
	fn worker_jobs(&self, worker: AccountId, at: Option<BlockHash>) -> RpcResult<Vec<JobId>>;

	/// Follows job `id` over finalized blocks: one update now, one at every finalized block
	/// where the job changed, and the subscription closes after the update whose job has
	/// ended.
	#[subscription(name = "inference_subscribeJob" => "inference_jobUpdate", unsubscribe = "inference_unsubscribeJob", item = JobUpdate<AccountId, Balance, BlockNumber, BlockHash>)]
	async fn subscribe_job(&self, id: JobId) -> SubscriptionResult;
}

/// Error codes of this API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
	/// The runtime API could not be called (e.g. an unknown block).
	RuntimeApi = 9000,
	/// The runtime refused the request (the data names the pallet error).
	Refused = 9001,
	/// No job has this id.
	UnknownJob = 9002,
	/// The job's output is kept by content and this node's offchain store does not hold it
	/// (offchain indexing off, or the node synced the block before enabling it).
	OutputUnavailable = 9003,
}

fn error(code: Error, message: impl Into<String>, data: Option<String>) -> ErrorObjectOwned {
	ErrorObject::owned(code as i32, message.into(), data)
}

fn api_error(e: impl std::fmt::Display) -> ErrorObjectOwned {
	error(Error::RuntimeApi, "the runtime API call failed", Some(e.to_string()))
}

/// A runtime refusal. Module errors carry `{"module": pallet index, "error": error index}`,
/// which a client names from the metadata (the runtime API result does not carry names).
fn refusal(e: DispatchError) -> ErrorObjectOwned {
	match e {
		DispatchError::Module(module) => ErrorObject::owned(
			Error::Refused as i32,
			"the runtime refused the request",
			Some(serde_json::json!({ "module": module.index, "error": module.error[0] })),
		),
		other => error(Error::Refused, format!("the runtime refused the request: {other:?}"), None),
	}
}

/// Serves [`InferenceApiServer`] from a client of the chain.
pub struct Inference<C, Block, AccountId, Balance> {
	client: Arc<C>,
	offchain: Option<OffchainRead>,
	_marker: PhantomData<(Block, AccountId, Balance)>,
}

/// Reads a value of the node's offchain store (persistent kind) by key: where offchain
/// indexing wrote the payloads too large for chain state.
pub type OffchainRead = Arc<dyn Fn(&[u8]) -> Option<Vec<u8>> + Send + Sync>;

impl<C, Block, AccountId, Balance> Inference<C, Block, AccountId, Balance> {
	/// RPC handlers reading through `client`, and large outputs through `offchain` (`None`
	/// for a node without an offchain store).
	pub fn new(client: Arc<C>, offchain: Option<OffchainRead>) -> Self {
		Self { client, offchain, _marker: PhantomData }
	}
}

type NumberOf<Block> = <<Block as BlockT>::Header as HeaderT>::Number;

#[async_trait]
impl<C, Block, AccountId, Balance>
	InferenceApiServer<Block::Hash, AccountId, Balance, NumberOf<Block>>
	for Inference<C, Block, AccountId, Balance>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ BlockchainEvents<Block>
		+ Send
		+ Sync
		+ 'static,
	C::Api: InferenceRuntimeApi<Block, AccountId, Balance, NumberOf<Block>>,
	AccountId: Codec + Clone + PartialEq + Serialize + DeserializeOwned + Send + Sync + 'static,
	Balance: Codec + Clone + PartialEq + Serialize + DeserializeOwned + Send + Sync + 'static,
	NumberOf<Block>: Serialize + DeserializeOwned,
{
	fn quote(
		&self,
		model: ModelId,
		version: Option<ModelVersion>,
		input: Vec<TensorData>,
		tier: Tier,
		at: Option<Block::Hash>,
	) -> RpcResult<FeeBreakdown<Balance>> {
		let input: TensorPayload = input
			.try_into()
			.map_err(|_| error(Error::Refused, "more input tensors than any model takes", None))?;
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		self.client
			.runtime_api()
			.quote(at, model, version, input, tier)
			.map_err(api_error)?
			.map_err(refusal)
	}

	fn job(
		&self,
		id: JobId,
		at: Option<Block::Hash>,
	) -> RpcResult<Option<Job<AccountId, Balance, NumberOf<Block>>>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		self.client.runtime_api().job(at, id).map_err(api_error)
	}

	fn output(&self, id: JobId, at: Option<Block::Hash>) -> RpcResult<Option<Vec<TensorData>>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let job = self.client.runtime_api().job(at, id).map_err(api_error)?;
		let job = job.ok_or_else(|| error(Error::UnknownJob, format!("no job {id}"), None))?;
		let Some(stored) = job.output else { return Ok(None) };
		let indexed = match (&stored, &self.offchain) {
			(StoredPayload::Indexed { hash, .. }, Some(read)) => {
				read(&offchain_payload_key(id, PayloadRole::Output, hash))
			},
			_ => None,
		};
		match resolve_payload(&stored, indexed) {
			Ok(payload) => Ok(Some(payload.into_inner())),
			Err(why) => Err(error(
				Error::OutputUnavailable,
				format!("job {id}'s output is not in this node's offchain store ({why:?})"),
				Some(format!("{:?}", stored.hash())),
			)),
		}
	}

	fn worker_jobs(&self, worker: AccountId, at: Option<Block::Hash>) -> RpcResult<Vec<JobId>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		self.client.runtime_api().pending_jobs(at, worker).map_err(api_error)
	}

	async fn subscribe_job(
		&self,
		pending: PendingSubscriptionSink,
		id: JobId,
	) -> SubscriptionResult {
		// A job just requested may not be final yet: it must exist at the best block.
		let best = self.client.info().best_hash;
		if self.client.runtime_api().job(best, id).map_err(api_error)?.is_none() {
			pending.reject(error(Error::UnknownJob, format!("no job {id}"), None)).await;
			return Ok(());
		}
		// Subscribe before reading the finalized head so that no finalization is missed.
		let mut finalized = self.client.finality_notification_stream();
		let sink = pending.accept().await?;
		let mut last: Option<Job<AccountId, Balance, NumberOf<Block>>> = None;
		let mut at = Some((self.client.info().finalized_hash, self.client.info().finalized_number));
		while let Some((hash, number)) = at {
			if let Some(job) = self.client.runtime_api().job(hash, id)? {
				if last.as_ref() != Some(&job) {
					let ended = job.status.ended_at().is_some();
					let update = JobUpdate {
						block_number: number,
						block_hash: hash,
						job: job.clone(),
						ended,
					};
					sink.send(SubscriptionMessage::from_json(&update)?).await?;
					if ended {
						return Ok(());
					}
					last = Some(job);
				}
			}
			at = finalized
				.next()
				.await
				.map(|notification| (notification.hash, *notification.header.number()));
		}
		Ok(())
	}
}
