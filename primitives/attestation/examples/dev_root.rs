//! Writes the development root certificate (DER) to stdout; `dev-root.der` is its output:
//!
//!   cargo run -p verin-attestation --features dev-ca --example dev_root > primitives/attestation/roots/dev-root.der
use std::io::Write;

fn main() {
	std::io::stdout().write_all(&verin_attestation::dev::root_certificate()).unwrap();
}
