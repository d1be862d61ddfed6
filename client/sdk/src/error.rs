//! What can go wrong, each with what the user can do about it.

use crate::{spec::SpecError, tensors::InputError, ModelId, ModelVersion};

/// An SDK error. `Display` says what happened and, where there is one, what to do.
#[derive(Debug)]
pub enum Error {
	/// No node answers at the URL.
	Unreachable { url: String, reason: String },
	/// The node runs a runtime whose calls differ from the SDK's metadata.
	RuntimeMismatch(String),
	/// No model has this id or name.
	UnknownModel(String),
	/// The model has no published version yet (its upload is unfinished).
	NoPublishedVersion(String),
	/// No job has this id (or it was pruned after it ended).
	UnknownJob(u64),
	/// The chain refused a transaction or a query: `Pallet::Error` and a hint.
	Refused { error: String, hint: Option<&'static str> },
	/// The request's fee exceeds the caller's cap.
	FeeCapTooLow { quote: u128, cap: u128 },
	/// The account cannot pay the fee or deposit.
	InsufficientBalance(String),
	/// The signing key could not be read.
	Key(String),
	/// The input does not fit the model.
	Input(InputError),
	/// The ONNX file cannot be declared as a model version.
	Spec(SpecError),
	/// The model cannot be compiled into a ZK circuit.
	Circuit(String),
	/// The operation needs the ZK circuit compiler, and this SDK was built without its `zk`
	/// feature; says what was asked.
	ZkFeatureDisabled(&'static str),
	/// The version to publish is not greater than the model's latest one (the chain only
	/// accepts increasing versions).
	VersionNotIncreasing { model: String, version: ModelVersion, latest: ModelVersion },
	/// The model has an unfinished upload that is not of this file (another version, other
	/// bytes or another declaration): it has to be cancelled before another can begin.
	OtherUploadPending { model: String, pending: ModelVersion, difference: &'static str },
	/// The signer already owns a model of this name that has a published version: a new
	/// version of it is published, not deployed.
	NameTaken { name: String, model: ModelId },
	/// Transactions the signer sent earlier (e.g. by a run that was interrupted) are still
	/// in the node's pool: an upload continues from what the chain holds once they are in.
	EarlierTransactionsPending { account: String },
	/// A file could not be read.
	File(String),
	/// The node does not have a chunk of the model's bytes (genesis models of development
	/// chains are built into the node, not indexed): pass the file instead.
	ChunkUnavailable { model: String, index: usize, total: usize },
	/// The node or the connection failed in another way.
	Node(String),
}

impl core::fmt::Display for Error {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		match self {
			Self::Unreachable { url, reason } => write!(
				f,
				"no Verin node answers at {url} ({reason}); start one with `bash scripts/dev.sh` or pass --url"
			),
			Self::RuntimeMismatch(e) => write!(
				f,
				"the node's runtime differs from this client's ({e}); rebuild the client against it (scripts/update-metadata.sh)"
			),
			Self::UnknownModel(model) => write!(f, "no model `{model}` on this chain; `verin model list` shows the registered ones"),
			Self::NoPublishedVersion(model) => write!(f, "model `{model}` has no published version yet; finish its upload first"),
			Self::UnknownJob(job) => write!(f, "no job {job} on this chain (or it was pruned after it ended)"),
			Self::ChunkUnavailable { model, index, total } => write!(
				f,
				"the node has no copy of chunk {index} of {total} of model {model} (it serves only the chunks it indexed); ask a worker's node, or pass the file with --file"
			),
			Self::Refused { error, hint: Some(hint) } => write!(f, "the chain refused: {error}: {hint}"),
			Self::Refused { error, hint: None } => write!(f, "the chain refused: {error}"),
			Self::FeeCapTooLow { quote, cap } => write!(
				f,
				"the fee is {} but --max-fee is {}; raise --max-fee to at least {}",
				crate::format_balance(*quote),
				crate::format_balance(*cap),
				crate::exact_amount(*quote)
			),
			Self::InsufficientBalance(who) =>
				write!(f, "account {who} cannot pay the fee or deposit; fund it (on a dev chain, //Alice has funds)"),
			Self::Key(e) => write!(f, "cannot read the signing key: {e}"),
			Self::Input(e) => write!(f, "{e}"),
			Self::Spec(e) => write!(f, "{e}"),
			Self::Circuit(e) => write!(f, "the model cannot be proven in ZK: {e}"),
			Self::ZkFeatureDisabled(what) => write!(
				f,
				"this SDK was built without the `zk` feature: {what} needs the ZK circuit compiler; depend on verin-sdk \
				 with `features = [\"zk\"]` (its plonky2 dependency builds on stable Rust only with \
				 RUSTC_BOOTSTRAP=plonky2_field,plonky2)"
			),
			Self::VersionNotIncreasing { model, version, latest } => write!(
				f,
				"version {version} of model `{model}` is not greater than its latest version {latest}; \
				 publish a greater one (e.g. --version {})",
				ModelVersion::new(latest.major, latest.minor.saturating_add(1))
			),
			Self::OtherUploadPending { model, pending, difference } => write!(
				f,
				"model `{model}` has an unfinished upload of version {pending} of another file \
				 ({difference}); cancel it with `verin model cancel-upload {model}` and try again"
			),
			Self::NameTaken { name, model } => write!(
				f,
				"you already own model {model} named `{name}` and it has a published version; \
				 publish a new version with `verin model publish {model} FILE --version X.Y`, or \
				 pick another --name"
			),
			Self::EarlierTransactionsPending { account } => write!(
				f,
				"transactions {account} sent earlier are still waiting in the node's pool; \
				 try again once they are finalized"
			),
			Self::File(e) => write!(f, "{e}"),
			Self::Node(e) => write!(f, "{e}"),
		}
	}
}

impl std::error::Error for Error {}

impl From<InputError> for Error {
	fn from(e: InputError) -> Self {
		Self::Input(e)
	}
}

impl From<SpecError> for Error {
	fn from(e: SpecError) -> Self {
		Self::Spec(e)
	}
}

/// What to do about a named pallet error (`Pallet::Error`).
pub(crate) fn hint(error: &str) -> Option<&'static str> {
	Some(match error.split("::").last()? {
		"ModelNotActive" => "the model is disabled by its owner",
		"TierNotOffered" => {
			"the model does not offer this tier; `verin model show` lists its tiers"
		},
		"TierUnavailable" => "this chain does not verify that tier yet",
		"ZkOneRowOnly" => "a zk request proves one row: send a single row",
		"ZkCircuitNotRegistered" => "the model's owner has not registered its circuit yet",
		"ZkCircuitNotTrusted" => {
			"the model's circuit awaits review by workers other than its owner, or is disputed; `verin model show` says which"
		},
		"NoEligibleWorker" => {
			"no online worker serves this model at this tier now; try later or another tier"
		},
		"InputTensorCountMismatch"
		| "InputShapeMismatch"
		| "InputBatchInvalid"
		| "InputDataLengthMismatch" => {
			"the input does not match the model's schema; `verin model show` prints it"
		},
		"InputTooLarge" | "OutputWouldBeTooLarge" => "send fewer rows per request",
		"NameTaken" => "you already have a model with this name; pick another --name",
		"NotOwner" => "only the model's owner can do this",
		"ModelNotFound" => "no model has this id; `verin model list` shows the registered ones",
		"VersionNotIncreasing" => {
			"a new version must be greater than the model's latest; `verin model show` lists them"
		},
		"TooManyVersions" => "the model has the most versions it may have; deploy a new model",
		"UploadInProgress" => {
			"the model has an unfinished upload; `verin model cancel-upload` cancels it"
		},
		"NoUploadInProgress" => "the model has no unfinished upload",
		"UploadIncomplete" => {
			"the chain did not take every chunk; run the same deploy or publish again: it sends the missing ones"
		},
		"StatusUnchanged" => "the model already has this status",
		"AlreadyOwner" => "the account already owns the model",
		"NotPendingOwner" => {
			"the model was not offered to this account; its owner offers it with `verin model transfer`"
		},
		"ModelHasOpenJobs" => "the model has jobs that are not settled yet; try again later",
		"CircuitUnderDispute" => {
			"a circuit of the model is disputed; it cannot be removed until governance resolves it"
		},
		"InsufficientDeposit" => "the account cannot cover the storage deposit; fund it",
		"ModelTooLarge" => "the file exceeds the chain's model size limit",
		"AlreadyRegistered" => {
			"this account is already a worker; use `verin worker serve` to change its models"
		},
		"NotRegistered" => "this account is not a worker; `verin worker register` first",
		"StakeBelowMinimum" | "WouldFallBelowMinimum" => {
			"bond at least the chain's minimum stake (--stake)"
		},
		"UnknownModelVersion" => "a served model has no such published version",
		"UnbondExceedsStake" => "unbond at most the bonded stake (`verin worker status`)",
		_ => return None,
	})
}

/// Whether a failure message means the signer cannot pay.
pub(crate) fn is_insufficient_balance(message: &str) -> bool {
	["InsufficientBalance", "FundsUnavailable", "Inability to pay", "Payment", "InsufficientFunds"]
		.iter()
		.any(|needle| message.contains(needle))
}
