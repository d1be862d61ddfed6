//! Arbitrary bytes as an attestation document: the parser and verifier return an error or
//! an attestation and never panic. Seed the corpus with a real and a development document
//! (`tests/vectors`, `seed-corpus.sh`) so mutations reach the certificate and signature
//! checks.
//!
//!   cd primitives/attestation/fuzz && bash seed-corpus.sh && cargo +nightly fuzz run verify_document
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static DEV_ROOT: OnceLock<Vec<u8>> = OnceLock::new();
const AWS_ROOT: &[u8] = include_bytes!("../../roots/aws-nitro-root-g1.der");

fuzz_target!(|data: &[u8]| {
	let dev_root = DEV_ROOT.get_or_init(verin_attestation::dev::root_certificate);
	// At the real document's time and at the development documents' time.
	for now in [1_757_440_781, 1_780_000_000] {
		let _ = verin_attestation::nitro::verify(data, |root| root == AWS_ROOT || root == &dev_root[..], now);
	}
});
