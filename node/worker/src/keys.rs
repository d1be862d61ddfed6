//! The worker key in the node's keystore (key type `vwrk`, sr25519).

use sp_core::{hexdisplay::HexDisplay, sr25519, Pair};
use sp_keystore::{Keystore, KeystorePtr};
use verin_worker_primitives::key::KEY_TYPE as WORKER_KEY_TYPE;

/// Inserts the worker key for secret URI `suri` (e.g. `//Alice`) in the keystore, stored as
/// its raw secret seed where the URI allows.
///
/// The keystore keeps the URI it was given and re-derives the pair from it for every
/// signature; for a mnemonic or dev phrase that is a BIP-39 PBKDF2 of 2048 SHA-512 rounds,
/// about 1.6 ms here, on every result a worker submits. Derived once, the raw seed signs in
/// microseconds (measured by `scripts/bench-inference.sh`).
pub fn insert_worker_key(keystore: &KeystorePtr, suri: &str) -> Result<(), String> {
	let (pair, seed) = sr25519::Pair::from_string_with_seed(suri, None)
		.map_err(|error| format!("invalid secret URI: {error:?}"))?;
	let stored = match seed {
		Some(seed) => format!("0x{}", HexDisplay::from(&seed.as_ref())),
		None => suri.to_string(),
	};
	keystore
		.insert(WORKER_KEY_TYPE, &stored, pair.public().as_ref())
		.map_err(|()| "the keystore refused the key".to_string())
}

/// How many worker keys the keystore holds.
pub fn worker_key_count(keystore: &KeystorePtr) -> usize {
	keystore.sr25519_public_keys(WORKER_KEY_TYPE).len()
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::sync::Arc;

	#[test]
	fn a_dev_uri_is_stored_as_its_seed_and_signs_as_the_same_key() {
		let keystore: KeystorePtr = Arc::new(sp_keystore::testing::MemoryKeystore::new());
		insert_worker_key(&keystore, "//Alice").unwrap();
		let keys = keystore.sr25519_public_keys(WORKER_KEY_TYPE);
		assert_eq!(keys, vec![sp_keyring::Sr25519Keyring::Alice.public()]);
		assert_eq!(worker_key_count(&keystore), 1);
		assert!(insert_worker_key(&keystore, "not a uri //").is_err());
	}
}
