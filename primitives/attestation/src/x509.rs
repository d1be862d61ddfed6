//! The X.509 certificates of a Nitro chain: ECDSA P-384 keys signed with
//! ecdsa-with-SHA384 (RFC 5280, RFC 5758). Other algorithms are refused, not skipped.

use crate::der::{self, tag, DerError, Reader};
use p384::ecdsa::{signature::Verifier, Signature, VerifyingKey};

/// ecdsa-with-SHA384 (1.2.840.10045.4.3.3).
pub const ECDSA_WITH_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
/// id-ecPublicKey (1.2.840.10045.2.1).
pub const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// secp384r1 (1.3.132.0.34).
pub const SECP384R1: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
/// basicConstraints (2.5.29.19): whether the subject is a CA, and how deep below it.
pub const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
/// keyUsage (2.5.29.15).
pub const KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
/// subjectKeyIdentifier (2.5.29.14).
pub const SUBJECT_KEY_IDENTIFIER: &[u8] = &[0x55, 0x1d, 0x0e];
/// authorityKeyIdentifier (2.5.29.35).
pub const AUTHORITY_KEY_IDENTIFIER: &[u8] = &[0x55, 0x1d, 0x23];

/// The keyUsage bits (RFC 5280 §4.2.1.3); bit `n` of the value is the extension's named
/// bit `n`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct KeyUsage(pub u16);

impl KeyUsage {
	/// The key verifies signatures on data (the enclave's document).
	pub const DIGITAL_SIGNATURE: KeyUsage = KeyUsage(1 << 0);
	/// The key verifies signatures meant as commitments (contentCommitment).
	pub const NON_REPUDIATION: KeyUsage = KeyUsage(1 << 1);
	/// The key encrypts keys.
	pub const KEY_ENCIPHERMENT: KeyUsage = KeyUsage(1 << 2);
	/// The key encrypts data.
	pub const DATA_ENCIPHERMENT: KeyUsage = KeyUsage(1 << 3);
	/// The key agrees keys.
	pub const KEY_AGREEMENT: KeyUsage = KeyUsage(1 << 4);
	/// The key verifies signatures on certificates: every issuer that has keyUsage needs it.
	pub const KEY_CERT_SIGN: KeyUsage = KeyUsage(1 << 5);
	/// The key verifies signatures on revocation lists.
	pub const CRL_SIGN: KeyUsage = KeyUsage(1 << 6);
	/// With key agreement: only to encrypt.
	pub const ENCIPHER_ONLY: KeyUsage = KeyUsage(1 << 7);
	/// With key agreement: only to decrypt.
	pub const DECIPHER_ONLY: KeyUsage = KeyUsage(1 << 8);

	/// Whether every bit of `usage` is set.
	pub fn contains(self, usage: KeyUsage) -> bool {
		self.0 & usage.0 == usage.0
	}
}

impl core::ops::BitOr for KeyUsage {
	type Output = KeyUsage;

	fn bitor(self, other: KeyUsage) -> KeyUsage {
		KeyUsage(self.0 | other.0)
	}
}

/// What one certificate says, borrowed from its DER.
#[derive(Clone, Debug)]
pub struct Certificate<'a> {
	/// The signed part, as encoded.
	pub tbs: &'a [u8],
	/// The issuer's name, as encoded (compared byte for byte with the parent's subject).
	pub issuer: &'a [u8],
	/// The subject's name, as encoded.
	pub subject: &'a [u8],
	/// Start of validity, seconds since the Unix epoch.
	pub not_before: u64,
	/// End of validity, seconds since the Unix epoch.
	pub not_after: u64,
	/// The subject's P-384 public key (SEC1 point).
	pub public_key: &'a [u8],
	/// Whether basicConstraints marks the subject as a CA.
	pub is_ca: bool,
	/// The issuer's DER-encoded ECDSA signature over `tbs`.
	pub signature: &'a [u8],
}

impl<'a> Certificate<'a> {
	/// Parses a DER certificate; anything but an ECDSA P-384 / SHA-384 certificate is an
	/// error.
	pub fn parse(der: &'a [u8]) -> Result<Self, DerError> {
		let mut outer = Reader::new(der);
		let mut certificate = outer.sequence()?;
		if !outer.is_empty() {
			return Err(DerError);
		}
		let tbs_item = certificate.expect(tag::SEQUENCE)?;
		expect_algorithm(&mut certificate.sequence()?)?;
		let signature = bit_string(certificate.expect(tag::BIT_STRING)?.content)?;
		if !certificate.is_empty() {
			return Err(DerError);
		}

		let mut tbs = Reader::new(tbs_item.content);
		tbs.optional(tag::CONTEXT_0)?; // version
		tbs.expect(tag::INTEGER)?; // serial number
		expect_algorithm(&mut tbs.sequence()?)?;
		let issuer = tbs.expect(tag::SEQUENCE)?.encoded;
		let mut validity = tbs.sequence()?;
		let not_before = der::time(&validity.any()?)?;
		let not_after = der::time(&validity.any()?)?;
		let subject = tbs.expect(tag::SEQUENCE)?.encoded;
		let mut key_info = tbs.sequence()?;
		let mut key_algorithm = key_info.sequence()?;
		if key_algorithm.expect(tag::OID)?.content != EC_PUBLIC_KEY
			|| key_algorithm.expect(tag::OID)?.content != SECP384R1
		{
			return Err(DerError);
		}
		let public_key = bit_string(key_info.expect(tag::BIT_STRING)?.content)?;
		let mut is_ca = false;
		while !tbs.is_empty() {
			let item = tbs.any()?;
			if item.tag == tag::CONTEXT_3 {
				is_ca = basic_constraints_ca(item.content)?;
			}
		}
		Ok(Certificate {
			tbs: tbs_item.encoded,
			issuer,
			subject,
			not_before,
			not_after,
			public_key,
			is_ca,
			signature,
		})
	}

	/// The subject's verifying key.
	pub fn verifying_key(&self) -> Result<VerifyingKey, DerError> {
		VerifyingKey::from_sec1_bytes(self.public_key).map_err(|_| DerError)
	}

	/// Whether `issuer`'s key made this certificate's signature.
	pub fn is_signed_by(&self, issuer: &VerifyingKey) -> bool {
		match Signature::from_der(self.signature) {
			Ok(signature) => issuer.verify(self.tbs, &signature).is_ok(),
			Err(_) => false,
		}
	}
}

fn expect_algorithm(algorithm: &mut Reader<'_>) -> Result<(), DerError> {
	if algorithm.expect(tag::OID)?.content != ECDSA_WITH_SHA384 {
		return Err(DerError);
	}
	Ok(())
}

/// A BIT STRING's bytes; only whole bytes (no unused bits) occur in keys and signatures.
fn bit_string(content: &[u8]) -> Result<&[u8], DerError> {
	match content.split_first() {
		Some((0, bits)) => Ok(bits),
		_ => Err(DerError),
	}
}

/// Whether the extensions hold basicConstraints with cA = TRUE.
fn basic_constraints_ca(explicit: &[u8]) -> Result<bool, DerError> {
	let mut extensions = Reader::new(explicit).sequence()?;
	while !extensions.is_empty() {
		let mut extension = extensions.sequence()?;
		let id = extension.expect(tag::OID)?.content;
		extension.optional(tag::BOOLEAN)?; // critical
		let value = extension.expect(tag::OCTET_STRING)?.content;
		if id == BASIC_CONSTRAINTS {
			let mut constraints = Reader::new(value).sequence()?;
			return Ok(
				matches!(constraints.optional(tag::BOOLEAN)?, Some(flag) if flag.content == [0xff]),
			);
		}
	}
	Ok(false)
}
