//! Arbitrary bytes as registered verifier data: decoding returns an error and never panics.
//!
//!   cd primitives/zk/fuzz && RUSTC_BOOTSTRAP=plonky2_field,plonky2 cargo +nightly fuzz run decode_verifier_data
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
	let _ = verin_zk::Verifier::from_bytes(data);
});
