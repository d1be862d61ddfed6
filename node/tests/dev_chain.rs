//! End-to-end: a real `verin-node --dev` produces and finalizes blocks and executes a
//! signed balance transfer submitted by an independent client (subxt).

use std::time::Duration;

use scale_decode::DecodeAsType;
use verin_testing::{
	subxt::{
		dynamic,
		utils::{AccountId32, H256},
	},
	subxt_signer::sr25519::dev,
	wait_for_best, wait_for_finalized, Client, DevNode,
};

/// Dev blocks come every 6 s; these bounds leave room for a loaded CI machine.
const BLOCK_TIMEOUT: Duration = Duration::from_secs(90);

#[derive(Debug, DecodeAsType)]
struct AccountInfo {
	nonce: u32,
	data: AccountData,
}

#[derive(Debug, DecodeAsType)]
struct AccountData {
	free: u128,
}

async fn account_at(client: &Client, block_hash: H256, who: &AccountId32) -> AccountInfo {
	let at = client.at_block(block_hash).await.expect("the block is known to the node");
	let address = dynamic::storage::<(AccountId32,), AccountInfo>("System", "Account");
	at.storage()
		.fetch(address, (*who,))
		.await
		.expect("System.Account is readable")
		.decode()
		.expect("System.Account decodes as AccountInfo")
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_node_produces_finalizes_and_executes_a_signed_transfer() {
	let node = DevNode::dev(env!("CARGO_BIN_EXE_verin-node"));
	let client = node.client().await;

	// Blocks are authored (Aura) and finalized (GRANDPA) by the single dev authority.
	wait_for_best(&client, 2, BLOCK_TIMEOUT).await;
	wait_for_finalized(&client, 1, BLOCK_TIMEOUT).await;

	let alice = dev::alice();
	let bob = dev::bob();
	let alice_id: AccountId32 = alice.public_key().into();
	let bob_id: AccountId32 = bob.public_key().into();

	let before = client.at_current_block().await.expect("a finalized block exists");
	let before_hash = before.block_hash();
	let alice_before = account_at(&client, before_hash, &alice_id).await;
	let bob_before = account_at(&client, before_hash, &bob_id).await;
	assert!(alice_before.data.free > 0, "the dev preset funds Alice");

	// An amount no other test or genesis value could produce by accident.
	let amount: u128 = 1_234_567_890_123;
	let transfer = dynamic::transaction(
		"Balances",
		"transfer_keep_alive",
		(bob.public_key().to_address::<()>(), amount),
	);
	let in_block = before
		.transactions()
		.sign_and_submit_then_watch_default(&transfer, &alice)
		.await
		.expect("the node accepts the signed transfer")
		.wait_for_finalized()
		.await
		.expect("the transfer is finalized");
	let events = in_block.wait_for_success().await.expect("the transfer succeeds");

	let mut transferred = None;
	let mut fee_paid = None;
	for event in events.iter() {
		let event = event.expect("events decode");
		match (event.pallet_name(), event.event_name()) {
			("Balances", "Transfer") => {
				let fields: (AccountId32, AccountId32, u128) =
					event.decode_fields_unchecked_as().expect("Transfer fields decode");
				transferred = Some(fields);
			},
			("TransactionPayment", "TransactionFeePaid") => {
				let (who, actual_fee, tip): (AccountId32, u128, u128) =
					event.decode_fields_unchecked_as().expect("TransactionFeePaid fields decode");
				assert_eq!(who, alice_id, "the signer pays the fee");
				fee_paid = Some(actual_fee + tip);
			},
			_ => {},
		}
	}
	assert_eq!(
		transferred,
		Some((alice_id, bob_id, amount)),
		"Balances.Transfer names sender, receiver and amount"
	);
	let fee = fee_paid.expect("a TransactionFeePaid event is emitted");
	assert!(fee > 0, "a signed transfer is not free");

	let after_hash = in_block.block_hash();
	let alice_after = account_at(&client, after_hash, &alice_id).await;
	let bob_after = account_at(&client, after_hash, &bob_id).await;
	assert_eq!(bob_after.data.free, bob_before.data.free + amount);
	assert_eq!(alice_after.data.free, alice_before.data.free - amount - fee);
	assert_eq!(alice_after.nonce, alice_before.nonce + 1);

	// Finality keeps advancing after the transfer.
	let finalized_before = client.at_current_block().await.expect("finalized").block_number();
	wait_for_finalized(&client, finalized_before + 1, BLOCK_TIMEOUT).await;
}
