//! The worker key: the sr25519 key an inference node's keystore holds under [`KEY_TYPE`],
//! whose account is the worker's account on chain. The offchain worker signs the worker's
//! transactions (results, failures, heartbeats, challenges, votes, enclave registrations)
//! with it.

use sp_application_crypto::{app_crypto, sr25519, KeyTypeId};

/// Key type of worker keys in the node's keystore (`vwrk`).
pub const KEY_TYPE: KeyTypeId = KeyTypeId(*b"vwrk");

app_crypto!(sr25519, KEY_TYPE);
