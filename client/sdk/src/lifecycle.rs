//! A model owner's calls after publishing: price, status, ownership, cancelling an upload,
//! removal. Each returns what the chain says it changed, read from the events.

use subxt::{extrinsics::ExtrinsicEvents, SubstrateConfig};
use verin_primitives::model::{ModelId, ModelStatus, ModelVersion};

use crate::{client::generated, format_balance, runtime, AccountId, Error, Keypair, Verin};

/// What a model owner's (or new owner's) transaction changed, from its event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelChange {
	/// The price per inference is now `price`.
	PriceSet { model: ModelId, price: u128 },
	/// The model's status is now `status`.
	StatusChanged { model: ModelId, status: ModelStatus },
	/// `from` offered the model to `to`, who owns it once it accepts.
	OwnershipOffered { model: ModelId, from: AccountId, to: AccountId },
	/// `to` accepted the model from `from`: it owns it and holds its deposit now.
	OwnershipTransferred { model: ModelId, from: AccountId, to: AccountId },
	/// The unfinished upload of `version` was cancelled and its deposit returned.
	UploadCancelled { model: ModelId, version: ModelVersion, deposit_returned: u128 },
	/// The model, its versions and its upload are gone; its deposit was returned.
	ModelRemoved { model: ModelId, deposit_returned: u128 },
}

impl core::fmt::Display for ModelChange {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		match self {
			Self::PriceSet { model, price } => {
				write!(f, "model {model} now costs {} per inference", format_balance(*price))
			},
			Self::StatusChanged { model, status } => {
				let meaning = match status {
					ModelStatus::Active => "it accepts requests",
					ModelStatus::Deprecated => "it still accepts requests; clients warn callers",
					ModelStatus::Disabled => "it accepts no new requests",
				};
				write!(f, "model {model} is now {status:?}: {meaning}")
			},
			Self::OwnershipOffered { model, from, to } => write!(
				f,
				"model {model} is offered by {from} to {to}, who owns it once it runs `verin model accept {model}`"
			),
			Self::OwnershipTransferred { model, from, to } => write!(
				f,
				"model {model} now belongs to {to} (from {from}), which holds its deposit"
			),
			Self::UploadCancelled { model, version, deposit_returned } => write!(
				f,
				"the upload of version {version} of model {model} is cancelled; {} of deposit returned",
				format_balance(*deposit_returned)
			),
			Self::ModelRemoved { model, deposit_returned } => write!(
				f,
				"model {model} and its versions are removed; {} of deposit returned",
				format_balance(*deposit_returned)
			),
		}
	}
}

fn account(id: &subxt::utils::AccountId32) -> AccountId {
	AccountId::new(id.0)
}

fn node(e: impl ToString) -> Error {
	Error::Node(e.to_string())
}

/// The first change among `events` of the models pallet.
fn change_of(events: &ExtrinsicEvents<SubstrateConfig>) -> Result<ModelChange, Error> {
	use runtime::models::events as event;
	if let Some(e) = events.find_first::<event::PriceSet>() {
		let e = e.map_err(node)?;
		return Ok(ModelChange::PriceSet { model: e.model, price: e.price });
	}
	if let Some(e) = events.find_first::<event::StatusChanged>() {
		let e = e.map_err(node)?;
		return Ok(ModelChange::StatusChanged { model: e.model, status: generated(&e.status) });
	}
	if let Some(e) = events.find_first::<event::OwnershipOffered>() {
		let e = e.map_err(node)?;
		let (from, to) = (account(&e.from), account(&e.to));
		return Ok(ModelChange::OwnershipOffered { model: e.model, from, to });
	}
	if let Some(e) = events.find_first::<event::OwnershipTransferred>() {
		let e = e.map_err(node)?;
		let (from, to) = (account(&e.from), account(&e.to));
		return Ok(ModelChange::OwnershipTransferred { model: e.model, from, to });
	}
	if let Some(e) = events.find_first::<event::UploadCancelled>() {
		let e = e.map_err(node)?;
		return Ok(ModelChange::UploadCancelled {
			model: e.model,
			version: generated(&e.version),
			deposit_returned: e.deposit_returned,
		});
	}
	if let Some(e) = events.find_first::<event::ModelRemoved>() {
		let e = e.map_err(node)?;
		return Ok(ModelChange::ModelRemoved {
			model: e.model,
			deposit_returned: e.deposit_returned,
		});
	}
	Err(Error::Node("the transaction emitted no event of the models pallet".into()))
}

impl Verin {
	/// Sets the price of one inference of the signer's `model` (its royalty).
	pub async fn set_price(
		&self,
		key: &Keypair,
		model: ModelId,
		price: u128,
	) -> Result<ModelChange, Error> {
		self.change(key, &runtime::transactions().models().set_price(model, price)).await
	}

	/// Sets the status of the signer's `model`: `Active` accepts requests, `Deprecated`
	/// still does (clients warn), `Disabled` accepts none.
	pub async fn set_status(
		&self,
		key: &Keypair,
		model: ModelId,
		status: ModelStatus,
	) -> Result<ModelChange, Error> {
		let call = runtime::transactions().models().set_status(model, generated(&status));
		self.change(key, &call).await
	}

	/// Marks the signer's `model` deprecated: still served, callers are asked to move on.
	pub async fn deprecate(&self, key: &Keypair, model: ModelId) -> Result<ModelChange, Error> {
		self.change(key, &runtime::transactions().models().deprecate(model)).await
	}

	/// Removes the signer's `model`, its versions and its unfinished upload; returns the
	/// deposit. Refused while it has unsettled jobs or a disputed circuit.
	pub async fn remove_model(&self, key: &Keypair, model: ModelId) -> Result<ModelChange, Error> {
		let chunks = self.removal_chunks(model).await?;
		self.change(key, &runtime::transactions().models().remove(model, chunks)).await
	}

	/// The chunks removing `model` releases (every version's, and the unfinished upload's
	/// received ones): `remove` is charged for, and takes, this count.
	pub async fn removal_chunks(&self, model: ModelId) -> Result<u32, Error> {
		let info = self.model(model).await?;
		let mut chunks = 0usize;
		for version in info.versions.iter() {
			let hashes: Option<Vec<sp_core::H256>> =
				self.call("models_chunkHashes", subxt::rpcs::rpc_params![model, version]).await?;
			chunks += hashes.map_or(0, |hashes| hashes.len());
		}
		let pending = self.pending_upload(model).await?;
		chunks += pending.map_or(0, |upload| upload.chunk_hashes.len());
		Ok(chunks as u32)
	}

	/// Offers the signer's `model` to `new_owner`, who owns it once it accepts
	/// ([`Verin::accept_ownership`]). A later offer replaces an earlier one.
	pub async fn transfer_ownership(
		&self,
		key: &Keypair,
		model: ModelId,
		new_owner: &AccountId,
	) -> Result<ModelChange, Error> {
		let to = subxt::utils::AccountId32(new_owner.clone().into());
		self.change(key, &runtime::transactions().models().transfer_ownership(model, to)).await
	}

	/// Accepts `model`, offered to the signer: it becomes the owner and holds the deposit.
	pub async fn accept_ownership(
		&self,
		key: &Keypair,
		model: ModelId,
	) -> Result<ModelChange, Error> {
		self.change(key, &runtime::transactions().models().accept_ownership(model)).await
	}

	/// Cancels the unfinished upload of the signer's `model` and returns its deposit.
	pub async fn cancel_upload(&self, key: &Keypair, model: ModelId) -> Result<ModelChange, Error> {
		self.change(key, &runtime::transactions().models().cancel_upload(model)).await
	}

	/// Sends `call` and reads what it changed.
	async fn change<Call: subxt::transactions::Payload>(
		&self,
		key: &Keypair,
		call: &Call,
	) -> Result<ModelChange, Error> {
		let events = self.send(call, key).await?;
		change_of(&events)
	}
}
