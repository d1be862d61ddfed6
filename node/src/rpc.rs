//! JSON-RPC methods the node serves besides the standard `system`, `chain`, `state` and
//! `author` sets that `sc-service` installs itself.

use std::sync::Arc;

use jsonrpsee::RpcModule;
use sc_client_api::BlockchainEvents;
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};
use verin_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Nonce};

/// What the RPC extensions need from the node.
pub struct FullDeps<C, P> {
	/// Client of the chain.
	pub client: Arc<C>,
	/// Transaction pool.
	pub pool: Arc<P>,
	/// The node's offchain store (persistent kind), where indexed model chunks and large job
	/// payloads are.
	pub offchain: Option<pallet_models_rpc::OffchainRead>,
}

/// The RPC extensions: account nonces (`system_accountNextIndex`), fee queries
/// (`payment_queryInfo`, `payment_queryFeeDetails`), the model registry (`models_*`) and
/// the inference market (`inference_*`, with `inference_subscribeJob`).
pub fn create_full<C, P>(
	deps: FullDeps<C, P>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ BlockchainEvents<Block>
		+ Send
		+ Sync
		+ 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>
		+ pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>
		+ BlockBuilder<Block>
		+ pallet_models_rpc::ModelsRuntimeApi<Block, AccountId, Balance, BlockNumber>
		+ pallet_inference_rpc::InferenceRuntimeApi<Block, AccountId, Balance, BlockNumber>,
	P: TransactionPool + 'static,
{
	use pallet_inference_rpc::{Inference, InferenceApiServer};
	use pallet_models_rpc::{Models, ModelsApiServer};
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let mut module = RpcModule::new(());
	let FullDeps { client, pool, offchain } = deps;

	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	module.merge(
		Models::<_, Block, AccountId, Balance>::new(client.clone(), offchain.clone()).into_rpc(),
	)?;
	module.merge(Inference::<_, Block, AccountId, Balance>::new(client, offchain).into_rpc())?;

	Ok(module)
}
