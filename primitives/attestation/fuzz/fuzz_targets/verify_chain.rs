//! Arbitrary bytes as a certificate chain: DER items one after the other, the first the
//! root and the last the signing certificate. Parsing and path validation return an error
//! or the leaf and never panic. Seed the corpus with the real AWS chain (`seed-corpus.sh`)
//! so mutations reach the extensions and the path rules, not only the outer DER.
//!
//!   cd primitives/attestation/fuzz && bash seed-corpus.sh && cargo +nightly fuzz run verify_chain
#![no_main]

use libfuzzer_sys::fuzz_target;
use verin_attestation::{der, nitro::MAX_CA_BUNDLE, x509};

fuzz_target!(|data: &[u8]| {
	let mut reader = der::Reader::new(data);
	let mut chain = Vec::new();
	// A bundle holds at most MAX_CA_BUNDLE certificates, and the leaf comes on top.
	while !reader.is_empty() && chain.len() <= MAX_CA_BUNDLE {
		match reader.any() {
			Ok(item) => chain.push(item.encoded),
			Err(_) => return,
		}
	}
	let [root, intermediates @ .., leaf] = chain.as_slice() else { return };
	// At the real chain's time and at the development documents' time.
	for now in [1_757_440_781, 1_780_000_000] {
		let _ = x509::verify_chain(root, intermediates, leaf, now);
	}
	for certificate in &chain {
		let _ = x509::Certificate::parse(certificate);
	}
});
