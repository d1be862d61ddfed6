//! The connection to a node and everything done through it.

use std::{str::FromStr, time::Duration};

use codec::{Decode, Encode};
use serde::de::DeserializeOwned;
use subxt::{
	config::DefaultExtrinsicParamsBuilder,
	rpcs::{rpc_params, RpcClient},
	OnlineClient, SubstrateConfig,
};
use subxt_signer::{sr25519::Keypair, SecretUri};
use verin_primitives::{
	market::{FeeBreakdown, JobId},
	model::{content_id_of, ModelId, ModelVersion},
	tensor::{TensorData, TensorPayload},
	tier::{Tier, TierSet},
};

use sp_core::bounded::BoundedVec;
use sp_core::ConstU32;

use crate::{
	error::{hint, is_insufficient_balance},
	runtime,
	spec::SpecError,
	AccountId, Error, Job, ModelInfo, VersionInfo,
};

type Api = OnlineClient<SubstrateConfig>;

/// Signs and submits transactions at one block.
pub(crate) type Transactions = subxt::transactions::TransactionsClient<
	SubstrateConfig,
	subxt::client::OnlineClientAtBlockImpl<SubstrateConfig>,
>;

/// A submitted transaction; awaiting it waits for its finality.
pub(crate) type Submitted = subxt::transactions::TransactionProgress<
	SubstrateConfig,
	subxt::client::OnlineClientAtBlockImpl<SubstrateConfig>,
>;

/// How long a transaction may take from submission to finality before the SDK gives up.
pub(crate) const FINALITY_TIMEOUT: Duration = Duration::from_secs(120);

/// Largest JSON-RPC message the SDK sends or reads: an 8 MiB payload as hex with the
/// extrinsic around it (the node accepts 40 MB by default).
const RPC_MESSAGE_LIMIT: u32 = 40 * 1000 * 1000;

/// A key from a secret URI (`//Alice`, a mnemonic, `0x<seed>`), or from a file holding one.
pub fn signer(suri_or_file: &str) -> Result<Keypair, Error> {
	let text = match std::fs::read_to_string(suri_or_file) {
		Ok(contents) => contents.trim().to_string(),
		Err(_) => suri_or_file.to_string(),
	};
	let uri = SecretUri::from_str(&text)
		.map_err(|e| Error::Key(format!("not a secret URI or key file: {e}")))?;
	Keypair::from_uri(&uri).map_err(|e| Error::Key(e.to_string()))
}

pub(crate) fn account_of(key: &Keypair) -> AccountId {
	AccountId::new(key.public_key().0)
}

/// Re-encodes a runtime type as the generated type of the same shape.
pub(crate) fn generated<A: Encode, B: Decode>(value: &A) -> B {
	B::decode(&mut &value.encode()[..])
		.expect("the generated type has the runtime type's SCALE shape")
}

/// A submitted inference request.
pub struct Requested {
	/// The job's id.
	pub job: JobId,
	/// The finalized block that holds the request.
	pub block: u64,
	/// The fee held.
	pub fee: FeeBreakdown<u128>,
}

/// How a job ended, with the block and the job as it stands there.
pub struct JobOutcome {
	/// The finalized block where it ended.
	pub block: u32,
	/// The job.
	pub job: Job,
}

/// A worker account's registration.
pub struct WorkerStatus {
	/// Bonded stake.
	pub stake: u128,
	/// Stake unbonding and the block it is free at.
	pub unbonding: Option<(u128, u32)>,
	/// Tiers it serves.
	pub tiers: Vec<Tier>,
	/// Models it serves.
	pub models: Vec<(ModelId, ModelVersion)>,
	/// Whether it takes jobs.
	pub online: bool,
	/// Jobs assigned and not yet ended, answered, and missed.
	pub load: u32,
	/// Jobs it answered.
	pub answered: u32,
	/// Jobs it let pass.
	pub missed: u32,
}

/// A connection to a Verin node.
pub struct Verin {
	pub(crate) api: Api,
	rpc: RpcClient,
	/// The node's metadata at connection: names the errors its RPC reports by index.
	metadata: subxt::metadata::ArcMetadata,
}

impl Verin {
	/// Connects to the node at `url` (`ws://…`) and checks that it runs the runtime this
	/// SDK was built for.
	pub async fn connect(url: &str) -> Result<Self, Error> {
		let unreachable = |reason: String| Error::Unreachable { url: url.to_string(), reason };
		// jsonrpsee's default 10 MB message limit is below an 8 MiB input (16.8 MB of hex).
		let ws = jsonrpsee::ws_client::WsClientBuilder::default()
			.max_request_size(RPC_MESSAGE_LIMIT)
			.max_response_size(RPC_MESSAGE_LIMIT)
			.build(url)
			.await
			.map_err(|e| unreachable(e.to_string()))?;
		let rpc = RpcClient::new(ws);
		let api =
			Api::from_rpc_client(rpc.clone()).await.map_err(|e| unreachable(e.to_string()))?;
		let at = api.at_current_block().await.map_err(|e| Error::Node(e.to_string()))?;
		let metadata = at.metadata();
		runtime::is_codegen_valid_for(&metadata)
			.then_some(())
			.ok_or_else(|| Error::RuntimeMismatch(format!("spec version {}", at.spec_version())))?;
		Ok(Verin { api, rpc, metadata })
	}

	pub(crate) async fn call<R: DeserializeOwned>(
		&self,
		method: &str,
		params: subxt::rpcs::client::RpcParams,
	) -> Result<R, Error> {
		self.rpc.request(method, params).await.map_err(|e| self.rpc_error(method, e))
	}

	/// Names a runtime refusal the RPC reports as pallet and error indices.
	fn rpc_error(&self, method: &str, e: subxt::rpcs::Error) -> Error {
		if let subxt::rpcs::Error::User(user) = &e {
			if let Some(name) = user.data.as_ref().and_then(|data| self.refusal_name(data.get())) {
				return Error::Refused { hint: hint(&name), error: name };
			}
			return Error::Node(format!("{method}: {}", user.message));
		}
		Error::Node(format!("{method}: {e}"))
	}

	/// `Pallet::Error` of `{"module": pallet index, "error": error index}`.
	fn refusal_name(&self, data: &str) -> Option<String> {
		let parsed: serde_json::Value = serde_json::from_str(data).ok()?;
		let (module, error) = (parsed["module"].as_u64()? as u8, parsed["error"].as_u64()? as u8);
		let pallet = self.metadata.pallet_by_error_index(module)?;
		let variant = pallet.error_variant_by_index(error)?;
		Some(format!("{}::{}", pallet.name(), variant.name))
	}

	/// Every model, by id.
	pub async fn models(&self) -> Result<Vec<(ModelId, ModelInfo)>, Error> {
		#[derive(serde::Deserialize)]
		struct Listed {
			id: ModelId,
			model: ModelInfo,
		}
		let mut all = Vec::new();
		let mut start = 0;
		loop {
			let page: Vec<Listed> = self.call("models_list", rpc_params![start, 1000u32]).await?;
			let Some(last) = page.last().map(|listed| listed.id) else { break };
			all.extend(page.into_iter().map(|listed| (listed.id, listed.model)));
			start = last + 1;
		}
		Ok(all)
	}

	/// The model with this id.
	pub async fn model(&self, id: ModelId) -> Result<ModelInfo, Error> {
		let model: Option<ModelInfo> = self.call("models_get", rpc_params![id]).await?;
		model.ok_or_else(|| Error::UnknownModel(id.to_string()))
	}

	/// The model named by `id_or_name`: a number is an id, anything else a name (the first
	/// model with that name; names are unique per owner).
	pub async fn find_model(&self, id_or_name: &str) -> Result<(ModelId, ModelInfo), Error> {
		if let Ok(id) = id_or_name.parse::<ModelId>() {
			return Ok((id, self.model(id).await?));
		}
		self.models()
			.await?
			.into_iter()
			.find(|(_, model)| model.metadata.name.as_slice() == id_or_name.as_bytes())
			.ok_or_else(|| Error::UnknownModel(id_or_name.to_string()))
	}

	/// The model `who` means by `id_or_name`: a number is an id; a name is `who`'s own model
	/// of that name, else one offered to `who` (to accept), else the first of that name.
	pub async fn find_model_for(
		&self,
		who: &AccountId,
		id_or_name: &str,
	) -> Result<(ModelId, ModelInfo), Error> {
		if let Ok(id) = id_or_name.parse::<ModelId>() {
			return Ok((id, self.model(id).await?));
		}
		let named: Vec<(ModelId, ModelInfo)> = self
			.models()
			.await?
			.into_iter()
			.filter(|(_, model)| model.metadata.name.as_slice() == id_or_name.as_bytes())
			.collect();
		let rank = |model: &ModelInfo| match () {
			_ if model.owner == *who => 0,
			_ if model.pending_owner.as_ref() == Some(who) => 1,
			_ => 2,
		};
		named
			.into_iter()
			.min_by_key(|(id, model)| (rank(model), *id))
			.ok_or_else(|| Error::UnknownModel(id_or_name.to_string()))
	}

	/// A published version of a model.
	pub async fn version(&self, id: ModelId, version: ModelVersion) -> Result<VersionInfo, Error> {
		let info: Option<VersionInfo> =
			self.call("models_version", rpc_params![id, version]).await?;
		info.ok_or_else(|| Error::NoPublishedVersion(format!("{id}@{version}")))
	}

	/// The newest published version of `model` (whose id is `id`).
	pub async fn latest_version(
		&self,
		id: ModelId,
		model: &ModelInfo,
	) -> Result<(ModelVersion, VersionInfo), Error> {
		let version =
			model.latest_version().ok_or_else(|| Error::NoPublishedVersion(id.to_string()))?;
		Ok((version, self.version(id, version).await?))
	}

	/// What a request would hold.
	pub async fn quote(
		&self,
		model: ModelId,
		version: Option<ModelVersion>,
		input: &TensorPayload,
		tier: Tier,
	) -> Result<FeeBreakdown<u128>, Error> {
		let input: Vec<TensorData> = input.to_vec();
		self.call("inference_quote", rpc_params![model, version, input, tier]).await
	}

	/// The job with this id.
	pub async fn job(&self, id: JobId) -> Result<Job, Error> {
		let job: Option<Job> = self.call("inference_job", rpc_params![id]).await?;
		job.ok_or(Error::UnknownJob(id))
	}

	/// The output tensors of job `id`, or `None` while it has none. Large outputs are kept
	/// by content; the node reads them from its offchain store (`inference_output`).
	pub async fn output(&self, id: JobId) -> Result<Option<TensorPayload>, Error> {
		let output: Option<Vec<TensorData>> =
			self.call("inference_output", rpc_params![id]).await?;
		output
			.map(|tensors| {
				TensorPayload::try_from(tensors)
					.map_err(|_| Error::Node(format!("job {id}'s output has too many tensors")))
			})
			.transpose()
	}

	/// Ids of the jobs assigned to `worker` and not yet answered.
	pub async fn worker_jobs(&self, worker: &AccountId) -> Result<Vec<JobId>, Error> {
		self.call("inference_workerJobs", rpc_params![worker.to_string()]).await
	}

	/// The next nonce of `who`, counting its transactions waiting in the node's pool.
	pub(crate) async fn next_nonce(&self, who: &AccountId) -> Result<u64, Error> {
		self.call("system_accountNextIndex", rpc_params![who.to_string()]).await
	}

	/// Signs and submits `call` with `nonce`; the returned future waits for finality.
	pub(crate) async fn submit<Call: subxt::transactions::Payload>(
		&self,
		call: &Call,
		key: &Keypair,
		nonce: u64,
	) -> Result<Submitted, Error> {
		let mut transactions = self.transactions().await?;
		self.submit_with(&mut transactions, call, key, nonce).await
	}

	/// A client that signs transactions against the latest finalized block (their era
	/// starts there).
	pub(crate) async fn transactions(&self) -> Result<Transactions, Error> {
		self.api.transactions().await.map_err(|e| Error::Node(e.to_string()))
	}

	/// As [`Verin::submit`], signing with `transactions`: a caller that sends many reuses
	/// one instead of fetching the block, its header and the runtime version for each.
	pub(crate) async fn submit_with<Call: subxt::transactions::Payload>(
		&self,
		transactions: &mut Transactions,
		call: &Call,
		key: &Keypair,
		nonce: u64,
	) -> Result<Submitted, Error> {
		let params = DefaultExtrinsicParamsBuilder::<SubstrateConfig>::new().nonce(nonce).build();
		transactions
			.sign_and_submit_then_watch(call, key, params)
			.await
			.map_err(|e| self.failure(key, e.to_string()))
	}

	/// Waits until a submitted transaction is finalized and succeeded; returns its events.
	pub(crate) async fn finalized(
		&self,
		key: &Keypair,
		progress: Submitted,
	) -> Result<subxt::extrinsics::ExtrinsicEvents<SubstrateConfig>, Error> {
		tokio::time::timeout(FINALITY_TIMEOUT, progress.wait_for_finalized_success())
			.await
			.map_err(|_| {
				Error::Node(format!(
					"the transaction was not finalized within {FINALITY_TIMEOUT:?}"
				))
			})?
			.map_err(|e| self.failure(key, e.to_string()))
	}

	/// Waits until a submitted transaction is in a block (it has left the pool), without
	/// waiting for finality or reading its events: reading them downloads the whole block,
	/// which for a block of model chunks is megabytes per transaction. Whether it succeeded
	/// is for the caller to find out.
	pub(crate) async fn included(
		&self,
		key: &Keypair,
		mut progress: Submitted,
	) -> Result<(), Error> {
		use subxt::transactions::TransactionStatus;
		let wait = async {
			while let Some(status) = progress.next().await {
				match status.map_err(|e| self.failure(key, e.to_string()))? {
					TransactionStatus::InBestBlock(_) | TransactionStatus::InFinalizedBlock(_) => {
						return Ok(());
					},
					TransactionStatus::Error { message }
					| TransactionStatus::Invalid { message }
					| TransactionStatus::Dropped { message } => return Err(self.failure(key, message)),
					_ => continue,
				}
			}
			Err(Error::Node("the node stopped reporting on a transaction".into()))
		};
		tokio::time::timeout(FINALITY_TIMEOUT, wait).await.map_err(|_| {
			Error::Node(format!("the transaction was not in a block within {FINALITY_TIMEOUT:?}"))
		})?
	}

	/// Submits one call and waits for it.
	pub(crate) async fn send<Call: subxt::transactions::Payload>(
		&self,
		call: &Call,
		key: &Keypair,
	) -> Result<subxt::extrinsics::ExtrinsicEvents<SubstrateConfig>, Error> {
		let nonce = self.next_nonce(&account_of(key)).await?;
		let progress = self.submit(call, key, nonce).await?;
		self.finalized(key, progress).await
	}

	fn failure(&self, key: &Keypair, message: String) -> Error {
		if is_insufficient_balance(&message) {
			return Error::InsufficientBalance(account_of(key).to_string());
		}
		// The pool refuses, for good, a call whose declared weight alone exceeds a block.
		if message.contains("exhaust the block limits") {
			return Error::Refused {
				error: "ExhaustsResources".into(),
				hint: Some(
					"the runtime declares this call heavier than a whole block, so no block can include it; \
					 retrying does not help (the runtime's weight for the call needs fixing)",
				),
			};
		}
		// subxt names module errors `Pallet::Error`.
		let named = message.split(|c: char| !(c.is_alphanumeric() || c == ':')).find(|word| {
			word.contains("::") && word.split("::").count() == 2 && !word.starts_with("::")
		});
		match named {
			Some(name) => Error::Refused { error: name.to_string(), hint: hint(name) },
			None => Error::Node(message),
		}
	}

	/// Requests an inference: checks the fee against `max_fee` first, then submits and
	/// waits until the request is finalized.
	// Each argument is a field of the `inference.request` call; a struct would only rename them.
	#[allow(clippy::too_many_arguments)]
	pub async fn request(
		&self,
		key: &Keypair,
		model: ModelId,
		version: Option<ModelVersion>,
		input: TensorPayload,
		tier: Tier,
		max_fee: Option<u128>,
		response_blocks: u32,
	) -> Result<Requested, Error> {
		let fee = self.quote(model, version, &input, tier).await?;
		let cap = max_fee.unwrap_or(fee.total);
		if fee.total > cap {
			return Err(Error::FeeCapTooLow { quote: fee.total, cap });
		}
		let call = runtime::transactions().inference().request(
			model,
			version.map(|v| generated(&v)),
			generated(&input),
			generated(&tier),
			cap,
			response_blocks,
		);
		let events = self.send(&call, key).await?;
		let requested = events
			.find_first::<runtime::inference::events::JobRequested>()
			.ok_or_else(|| Error::Node("the request emitted no JobRequested event".into()))?
			.map_err(|e| Error::Node(e.to_string()))?;
		let block = self.job(requested.job).await?.requested_at as u64;
		Ok(Requested { job: requested.job, block, fee })
	}

	/// Requests one inference per input of `inputs` in one transaction
	/// (`inference.request_batch`): one job each, under one hold of the sum of their fees.
	/// Each job's fee is quoted first; `max_fee` caps each job (default: its quote). All or
	/// nothing: an input the model refuses opens no job. Returns the jobs in input order.
	// Each argument is a field of the `inference.request_batch` call, as for `request`.
	#[allow(clippy::too_many_arguments)]
	pub async fn request_batch(
		&self,
		key: &Keypair,
		model: ModelId,
		version: Option<ModelVersion>,
		inputs: Vec<TensorPayload>,
		tier: Tier,
		max_fee: Option<u128>,
		response_blocks: u32,
	) -> Result<Vec<Requested>, Error> {
		if inputs.is_empty() {
			return Ok(Vec::new());
		}
		let mut fees = Vec::with_capacity(inputs.len());
		for input in &inputs {
			fees.push(self.quote(model, version, input, tier).await?);
		}
		let highest = fees.iter().map(|fee| fee.total).max().unwrap_or_default();
		let cap = max_fee.unwrap_or(highest);
		if highest > cap {
			return Err(Error::FeeCapTooLow { quote: highest, cap });
		}
		let call = runtime::transactions().inference().request_batch(
			model,
			version.map(|v| generated(&v)),
			generated(&inputs),
			generated(&tier),
			cap,
			response_blocks,
		);
		let events = self.send(&call, key).await?;
		let mut jobs = Vec::with_capacity(inputs.len());
		for (requested, fee) in events.find::<runtime::inference::events::JobRequested>().zip(fees)
		{
			let requested = requested.map_err(|e| Error::Node(e.to_string()))?;
			jobs.push((requested.job, fee));
		}
		if jobs.len() != inputs.len() {
			return Err(Error::Node(format!(
				"the bulk request of {} inputs emitted {} JobRequested events",
				inputs.len(),
				jobs.len()
			)));
		}
		let block = self.job(jobs[0].0).await?.requested_at as u64;
		Ok(jobs.into_iter().map(|(job, fee)| Requested { job, block, fee }).collect())
	}

	/// Follows a job over finalized blocks until it ends (`inference_subscribeJob`), or
	/// fails after `timeout`.
	pub async fn wait_for_job(&self, job: JobId, timeout: Duration) -> Result<JobOutcome, Error> {
		#[derive(serde::Deserialize)]
		#[serde(rename_all = "camelCase")]
		struct Update {
			block_number: u32,
			job: Job,
			ended: bool,
		}
		let follow = async {
			let mut updates = self
				.rpc
				.subscribe::<Update>(
					"inference_subscribeJob",
					rpc_params![job],
					"inference_unsubscribeJob",
				)
				.await
				.map_err(|e| self.rpc_error("inference_subscribeJob", e))?;
			while let Some(update) = updates.next().await {
				let update = update.map_err(|e| Error::Node(e.to_string()))?;
				if update.ended {
					return Ok(JobOutcome { block: update.block_number, job: update.job });
				}
			}
			Err(Error::Node(format!(
				"the node closed the subscription to job {job} before it ended"
			)))
		};
		tokio::time::timeout(timeout, follow).await.map_err(|_| {
			Error::Node(format!(
				"job {job} did not end within {timeout:?}; `verin job {job}` shows where it stands"
			))
		})?
	}

	/// Registers the signer as a worker bonding `stake`, serving `models` at `tiers`.
	pub async fn register_worker(
		&self,
		key: &Keypair,
		stake: u128,
		tiers: TierSet,
		models: &[(ModelId, ModelVersion)],
	) -> Result<(), Error> {
		let served = served(models);
		self.send(
			&runtime::transactions().workers().register(stake, generated(&tiers), served),
			key,
		)
		.await?;
		Ok(())
	}

	/// Replaces the models the signer's worker serves.
	pub async fn serve(
		&self,
		key: &Keypair,
		models: &[(ModelId, ModelVersion)],
	) -> Result<(), Error> {
		self.send(&runtime::transactions().workers().set_models(served(models)), key).await?;
		Ok(())
	}

	/// Starts unbonding `amount` of the signer's stake.
	pub async fn unbond(&self, key: &Keypair, amount: u128) -> Result<(), Error> {
		self.send(&runtime::transactions().workers().unbond(amount), key).await?;
		Ok(())
	}

	/// The worker registration of `who`, if any.
	pub async fn worker(&self, who: &AccountId) -> Result<Option<WorkerStatus>, Error> {
		let at = self.api.at_current_block().await.map_err(|e| Error::Node(e.to_string()))?;
		let entry = at
			.storage()
			.entry(runtime::storage().workers().registered())
			.map_err(|e| Error::RuntimeMismatch(e.to_string()))?;
		let key: subxt::utils::AccountId32 = subxt::utils::AccountId32(who.clone().into());
		let Some(value) = entry.try_fetch((key,)).await.map_err(|e| Error::Node(e.to_string()))?
		else {
			return Ok(None);
		};
		let info = value.decode().map_err(|e| Error::Node(e.to_string()))?;
		let tiers: TierSet = generated(&info.tiers);
		Ok(Some(WorkerStatus {
			stake: info.stake,
			unbonding: info.unbonding.map(|u| (u.amount, u.unlock_at)),
			tiers: tiers.iter().collect(),
			models: info
				.models
				.0
				.iter()
				.map(|served| (served.model, generated(&served.version)))
				.collect(),
			online: info.online,
			load: info.load,
			answered: info.answered,
			missed: info.missed,
		}))
	}
}

/// Where a version's ZK circuit stands in review: ZK jobs are accepted only once it is
/// trusted (`Trusted` or `Upheld`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CircuitReviewInfo {
	/// Unreviewed, Trusted, Disputed or Upheld.
	pub status: verin_primitives::model::CircuitStatus,
	/// Bonded workers other than the owner who compiled the bytes and found the digest.
	pub confirmed_by: Vec<AccountId>,
	/// Confirmations the chain requires before a circuit is trusted.
	pub required: u32,
	/// Who disputed it, with the digest it compiled (`None`: the bytes did not compile).
	pub disputed_by: Option<(AccountId, Option<sp_core::H256>)>,
}

/// What `verify_model` found: the version's bytes and circuit checked against the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelVerification {
	/// The content id the chain records for the version.
	pub content_id: sp_core::H256,
	/// The content id of the bytes checked.
	pub bytes_content_id: sp_core::H256,
	/// Size of the bytes checked.
	pub size: u64,
	/// The circuit digest the chain records, if the version has a circuit.
	pub registered_circuit: Option<sp_core::H256>,
	/// The digest of the circuit compiled here from the bytes: `None` if the version has no
	/// circuit to compare with; an error text if the bytes do not compile.
	pub compiled_circuit: Option<Result<sp_core::H256, String>>,
}

impl ModelVerification {
	/// Whether the bytes are the version's.
	pub fn content_matches(&self) -> bool {
		self.content_id == self.bytes_content_id
	}

	/// Whether the registered circuit is the compile of the bytes (`None` without a circuit).
	pub fn circuit_matches(&self) -> Option<bool> {
		let registered = self.registered_circuit?;
		Some(matches!(&self.compiled_circuit, Some(Ok(digest)) if *digest == registered))
	}
}

impl Verin {
	/// The review of the ZK circuit of `version` of `model`; `None` if it has no circuit.
	pub async fn circuit_review(
		&self,
		model: ModelId,
		version: ModelVersion,
	) -> Result<Option<CircuitReviewInfo>, Error> {
		if self.version(model, version).await?.circuit_digest.is_none() {
			return Ok(None);
		}
		let at = self.api.at_current_block().await.map_err(|e| Error::Node(e.to_string()))?;
		let required = at
			.storage()
			.entry(runtime::storage().models().required_confirmations())
			.map_err(|e| Error::RuntimeMismatch(e.to_string()))?
			.fetch(())
			.await
			.map_err(|e| Error::Node(e.to_string()))?
			.decode()
			.map_err(|e| Error::Node(e.to_string()))?;
		let entry = at
			.storage()
			.entry(runtime::storage().models().circuit_reviews())
			.map_err(|e| Error::RuntimeMismatch(e.to_string()))?;
		let review: verin_primitives::model::CircuitReview<AccountId, ConstU32<{ u32::MAX }>> =
			match entry
				.try_fetch((model, generated(&version)))
				.await
				.map_err(|e| Error::Node(e.to_string()))?
			{
				Some(value) => {
					let review = value.decode().map_err(|e| Error::Node(e.to_string()))?;
					generated(&review)
				},
				// A registered circuit nobody reviewed yet.
				None => verin_primitives::model::CircuitReview::new(
					verin_primitives::model::CircuitStatus::Unreviewed,
				),
			};
		Ok(Some(CircuitReviewInfo {
			status: review.status,
			confirmed_by: review.confirmed_by.into_inner(),
			required,
			disputed_by: review.disputed_by,
		}))
	}

	/// The bytes of `version` of `model`, downloaded chunk by chunk from the node's offchain
	/// store (`models_chunk`), each chunk checked against its hash on chain. An error names
	/// the first chunk the node does not have.
	pub async fn model_bytes(
		&self,
		model: ModelId,
		version: ModelVersion,
	) -> Result<Vec<u8>, Error> {
		let hashes: Vec<sp_core::H256> = self
			.call::<Option<Vec<sp_core::H256>>>("models_chunkHashes", rpc_params![model, version])
			.await?
			.ok_or_else(|| Error::NoPublishedVersion(format!("{model}@{version}")))?;
		let mut bytes = Vec::new();
		for (index, hash) in hashes.iter().enumerate() {
			let chunk: Option<sp_core::Bytes> =
				self.call("models_chunk", rpc_params![hash]).await?;
			let chunk = chunk.ok_or_else(|| Error::ChunkUnavailable {
				model: format!("{model}@{version}"),
				index,
				total: hashes.len(),
			})?;
			if verin_primitives::model::chunk_hash(&chunk) != *hash {
				return Err(Error::Node(format!("chunk {index} does not hash to {hash:?}")));
			}
			bytes.extend_from_slice(&chunk);
		}
		Ok(bytes)
	}

	/// Checks `bytes` (the node's copy of the version's bytes when `None`) against `version`
	/// of `model`: their content id against the one on chain and, if the version has a
	/// circuit, the circuit compiled here from them against the registered digest. Compiling
	/// needs the `zk` feature.
	pub async fn verify_model(
		&self,
		model: ModelId,
		version: ModelVersion,
		bytes: Option<Vec<u8>>,
	) -> Result<ModelVerification, Error> {
		let info = self.version(model, version).await?;
		let bytes = match bytes {
			Some(bytes) => bytes,
			None => self.model_bytes(model, version).await?,
		};
		let bytes_content_id = content_id_of(&bytes);
		let compiled_circuit = match info.circuit_digest {
			None => None,
			// Bytes that are not the version's have nothing to say about its circuit.
			Some(_) if bytes_content_id != info.content_id => None,
			Some(_) => Some(match crate::zk::compile_circuit(&bytes) {
				Ok(circuit) => Ok(sp_core::H256(circuit.digest)),
				Err(error @ Error::ZkFeatureDisabled(_)) => return Err(error),
				Err(error) => Err(error.to_string()),
			}),
		};
		Ok(ModelVerification {
			content_id: info.content_id,
			bytes_content_id,
			size: bytes.len() as u64,
			registered_circuit: info.circuit_digest,
			compiled_circuit,
		})
	}
}

/// `text` as a registry field of at most `N` bytes.
pub(crate) fn bounded_text<const N: u32>(
	text: &str,
	what: &'static str,
) -> Result<BoundedVec<u8, ConstU32<N>>, Error> {
	text.as_bytes().to_vec().try_into().map_err(|_| Error::Spec(SpecError::TooLarge(what)))
}

fn served(
	models: &[(ModelId, ModelVersion)],
) -> runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec<
	runtime::runtime_types::verin_primitives::market::ServedVersion,
> {
	let list: Vec<(ModelId, ModelVersion)> = models.to_vec();
	generated(&list)
}
