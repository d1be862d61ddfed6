//! # Enclave attestation for Verin's TEE tier
//!
//! - [`nitro::verify`] checks an AWS Nitro Enclaves attestation document in `no_std`
//!   (the runtime runs it): CBOR COSE_Sign1 with ES384, the X.509 chain from a trusted
//!   root to the signing certificate, validity times, and the document's fields. It
//!   returns what the document attests ([`nitro::Attested`]): PCR0–2, the enclave's public
//!   key, nonce and timestamp. What to accept (which roots, which measurements, how old)
//!   is the caller's policy; the enclaves pallet holds it on chain.
//! - With the `dev-ca` feature, [`dev`] issues documents in the same format from a
//!   development CA whose key is public, for chains without Nitro hardware. Its root
//!   belongs only in development chain specs: anyone can attest anything with it.
//!
//! Every parser here works on borrowed bytes with checked lengths: malformed input is an
//! [`AttestationError`], never a panic (`fuzz/` drives the verifier with arbitrary input).
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod cbor;
pub mod der;
#[cfg(feature = "dev-ca")]
pub mod dev;
pub mod nitro;
pub mod x509;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// The AWS Nitro Enclaves root certificate G1 (DER), which every Nitro attestation chain
/// starts at. AWS publishes it with SHA-256 fingerprint
/// `64:1A:03:21:A3:E2:44:EF:E4:56:46:31:95:D6:06:31:7E:D7:CD:CC:3C:17:56:E0:98:93:F3:C6:8F:79:BB:5B`
/// (a test checks it); valid 2019-10-28 to 2049-10-28.
pub const AWS_NITRO_ROOT_G1: &[u8] = include_bytes!("../roots/aws-nitro-root-g1.der");

/// The worker software version a development enclave reports (and development chain specs
/// allow): this crate's version, which the node shares through the workspace.
pub const DEV_SOFTWARE_VERSION: &str =
	concat!("verin-node ", env!("CARGO_PKG_VERSION"), " (development enclave)");

/// The development CA's root certificate ([`dev::root_certificate`] with the `dev-ca`
/// feature; a test keeps the two equal). Its key is public: only development and local
/// chain specs may pin it.
pub const DEV_ROOT_CERTIFICATE: &[u8] = include_bytes!("../roots/dev-root.der");

/// PCR0–2 a development enclave reports for a worker software version: SHA-384 of the
/// version and register index, so each version has its own measurement.
pub fn dev_measurement(software_version: &str) -> [Pcr; 3] {
	use sha2::{Digest, Sha384};
	core::array::from_fn(|index| {
		let digest = Sha384::new()
			.chain_update(b"verin development enclave/")
			.chain_update(software_version.as_bytes())
			.chain_update([index as u8])
			.finalize();
		let mut pcr = [0u8; PCR_LENGTH];
		pcr.copy_from_slice(&digest);
		pcr
	})
}

/// Length of a SHA-384 platform configuration register.
pub const PCR_LENGTH: usize = 48;

/// One platform configuration register (SHA-384).
pub type Pcr = [u8; PCR_LENGTH];

/// Why an attestation document was refused.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum AttestationError {
	/// The CBOR ends inside an item.
	TruncatedCbor,
	/// Not well-formed CBOR, or not a COSE_Sign1 / attestation document's structure.
	MalformedCbor,
	/// A required field (module id, digest, timestamp, PCR0–2, certificate, CA bundle) is
	/// missing or empty.
	MissingField,
	/// A field is out of the limits of the format (sizes, PCR indexes, bundle length).
	MalformedDocument,
	/// Signed with another algorithm than ES384, or digests other than SHA-384.
	UnsupportedAlgorithm,
	/// The chain does not start at a trusted root.
	UnknownRoot,
	/// A certificate does not parse as an ECDSA P-384 / SHA-384 certificate.
	MalformedCertificate,
	/// A certificate's issuer name is not the subject name of the certificate above it.
	BrokenChain,
	/// A certificate's signature was not made by the key of the certificate above it.
	IssuerKeyMismatch,
	/// A certificate of the chain is past its validity.
	CertificateExpired,
	/// A certificate of the chain is not valid yet.
	CertificateNotYetValid,
	/// The document's signature was not made by the signing certificate's key.
	BadSignature,
	// New variants go last: the SCALE index of each existing one stays what it was.
	/// A certificate that issues another (the root or an intermediate) is not a CA: its
	/// basicConstraints extension is absent or says cA = FALSE.
	IssuerNotCa,
	/// A certificate that issues another has a keyUsage extension without keyCertSign.
	IssuerWithoutKeyCertSign,
	/// More intermediate CAs follow a CA than its basicConstraints' pathLenConstraint allows
	/// (self-issued ones, such as key rollovers, do not count).
	PathLengthExceeded,
	/// A certificate has an extension marked critical that the verifier does not process.
	UnknownCriticalExtension,
	/// The signing certificate (the chain's leaf) is itself a CA.
	LeafIsCa,
	/// A certificate's extension is not the DER its definition requires, or a certificate
	/// has the same extension twice.
	MalformedExtension,
}

/// The nonce a worker's attestation must carry: it ties the document to one chain (by its
/// genesis hash) and one worker account, so nobody can register another worker's
/// attestation as theirs.
pub fn enclave_nonce(genesis_hash: &[u8; 32], worker: &[u8]) -> [u8; 32] {
	sp_crypto_hashing::blake2_256(&(b"verin/enclave", genesis_hash, worker).encode())
}
