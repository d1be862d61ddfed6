//! The X.509 certificates of a Nitro chain: ECDSA P-384 keys signed with
//! ecdsa-with-SHA384 (RFC 5280, RFC 5758). Other algorithms are refused, not skipped.
//!
//! [`verify_chain`] validates a certification path as RFC 5280 §6.1 asks, for the part
//! of it this profile has: names, signatures and validity of each link, issuers that are
//! CAs allowed to sign certificates, path length limits, and critical extensions. Policies,
//! name constraints and revocation are not processed, so certificates that make any of
//! them critical are refused.

use crate::{
	der::{self, tag, DerError, Reader},
	AttestationError,
};
use alloc::vec::Vec;
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

/// The extensions a certificate may mark critical. The key identifiers help to find an
/// issuer among many; the bundle's order already names each issuer, so they need no
/// processing. Everything else (extKeyUsage, nameConstraints, policies, CRL distribution
/// points, ...) is ignored when non-critical and refused when critical.
const PROCESSED_EXTENSIONS: [&[u8]; 4] =
	[BASIC_CONSTRAINTS, KEY_USAGE, SUBJECT_KEY_IDENTIFIER, AUTHORITY_KEY_IDENTIFIER];
/// The certificate version that may carry extensions (v3, encoded as 2).
const VERSION_3: u32 = 2;

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
	/// Whether basicConstraints marks the subject as a CA (without the extension it is not).
	pub is_ca: bool,
	/// basicConstraints' pathLenConstraint: how many intermediate CAs that are not
	/// self-issued may follow this one in a path (`None`: no limit).
	pub path_length_constraint: Option<u32>,
	/// The keyUsage extension's bits, if the certificate has one.
	pub key_usage: Option<KeyUsage>,
	/// The issuer's DER-encoded ECDSA signature over `tbs`.
	pub signature: &'a [u8],
}

impl<'a> Certificate<'a> {
	/// Parses a DER certificate. Anything but an ECDSA P-384 / SHA-384 certificate is
	/// [`AttestationError::MalformedCertificate`]; a basicConstraints or keyUsage that is
	/// not valid DER, or an extension that occurs twice, is
	/// [`AttestationError::MalformedExtension`]; a critical extension outside
	/// the processed ones is [`AttestationError::UnknownCriticalExtension`].
	pub fn parse(der: &'a [u8]) -> Result<Self, AttestationError> {
		let (mut certificate, extensions) =
			Self::parse_structure(der).map_err(|_| AttestationError::MalformedCertificate)?;
		if let Some(extensions) = extensions {
			let extensions = Extensions::parse(extensions)?;
			certificate.is_ca = extensions.is_ca;
			certificate.path_length_constraint = extensions.path_length_constraint;
			certificate.key_usage = extensions.key_usage;
		}
		Ok(certificate)
	}

	/// The certificate without its extensions, and the `[3]` field's content if it has one.
	fn parse_structure(der: &'a [u8]) -> Result<(Self, Option<&'a [u8]>), DerError> {
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
		let version = match tbs.optional(tag::CONTEXT_0)? {
			Some(explicit) => {
				let mut explicit = Reader::new(explicit.content);
				let version = der::unsigned_integer(explicit.expect(tag::INTEGER)?.content)?;
				if !explicit.is_empty() || version > VERSION_3 {
					return Err(DerError);
				}
				version
			},
			None => 0,
		};
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
		// The unique identifiers are read past; after the extensions nothing may follow,
		// so no second extensions field can hide behind the first.
		tbs.optional(tag::CONTEXT_1_PRIMITIVE)?;
		tbs.optional(tag::CONTEXT_2_PRIMITIVE)?;
		let extensions = tbs.optional(tag::CONTEXT_3)?.map(|item| item.content);
		if !tbs.is_empty() || (extensions.is_some() && version != VERSION_3) {
			return Err(DerError);
		}
		let certificate = Certificate {
			tbs: tbs_item.encoded,
			issuer,
			subject,
			not_before,
			not_after,
			public_key,
			is_ca: false,
			path_length_constraint: None,
			key_usage: None,
			signature,
		};
		Ok((certificate, extensions))
	}

	/// Whether the certificate names its own subject as issuer (RFC 5280's "self-issued":
	/// a root, or a CA's certificate for its next key).
	pub fn is_self_issued(&self) -> bool {
		self.issuer == self.subject
	}

	/// Whether this certificate may issue others: it is a CA, and its keyUsage, if it has
	/// one, includes keyCertSign (RFC 5280 §4.2.1.3, §6.1.4 (k) and (n)).
	pub fn check_may_issue(&self) -> Result<(), AttestationError> {
		if !self.is_ca {
			return Err(AttestationError::IssuerNotCa);
		}
		if self.key_usage.is_some_and(|usage| !usage.contains(KeyUsage::KEY_CERT_SIGN)) {
			return Err(AttestationError::IssuerWithoutKeyCertSign);
		}
		Ok(())
	}

	/// Whether the certificate is valid at `now_secs`.
	pub fn check_validity(&self, now_secs: u64) -> Result<(), AttestationError> {
		if now_secs < self.not_before {
			return Err(AttestationError::CertificateNotYetValid);
		}
		if now_secs > self.not_after {
			return Err(AttestationError::CertificateExpired);
		}
		Ok(())
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

/// What a certificate's extensions say that path validation uses.
#[derive(Default)]
struct Extensions {
	is_ca: bool,
	path_length_constraint: Option<u32>,
	key_usage: Option<KeyUsage>,
}

impl Extensions {
	/// Reads the content of a certificate's `[3]` field: `SEQUENCE SIZE (1..MAX) OF
	/// Extension`, each extension at most once.
	fn parse(explicit: &[u8]) -> Result<Self, AttestationError> {
		let malformed = |_: DerError| AttestationError::MalformedExtension;
		let mut outer = Reader::new(explicit);
		let mut list = outer.sequence().map_err(malformed)?;
		if !outer.is_empty() || list.is_empty() {
			return Err(AttestationError::MalformedExtension);
		}
		let mut seen: Vec<&[u8]> = Vec::new();
		let mut extensions = Extensions::default();
		while !list.is_empty() {
			let mut extension = list.sequence().map_err(malformed)?;
			let id = extension.expect(tag::OID).map_err(malformed)?.content;
			// DEFAULT FALSE: DER leaves it out, but an explicit FALSE is common enough.
			let critical = match extension.optional(tag::BOOLEAN).map_err(malformed)? {
				Some(flag) => der::boolean(flag.content).map_err(malformed)?,
				None => false,
			};
			let value = extension.expect(tag::OCTET_STRING).map_err(malformed)?.content;
			// A second copy could say something else than the first, and readers that
			// take different ones would disagree about the certificate.
			if !extension.is_empty() || seen.contains(&id) {
				return Err(AttestationError::MalformedExtension);
			}
			seen.push(id);
			if id == BASIC_CONSTRAINTS {
				let (is_ca, path_length_constraint) =
					basic_constraints(value).map_err(malformed)?;
				extensions.is_ca = is_ca;
				extensions.path_length_constraint = path_length_constraint;
			} else if id == KEY_USAGE {
				extensions.key_usage = Some(key_usage(value).map_err(malformed)?);
			} else if critical && !PROCESSED_EXTENSIONS.contains(&id) {
				return Err(AttestationError::UnknownCriticalExtension);
			}
		}
		Ok(extensions)
	}
}

/// basicConstraints' `SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER
/// (0..MAX) OPTIONAL }`: whether the subject is a CA, and its path length limit.
fn basic_constraints(value: &[u8]) -> Result<(bool, Option<u32>), DerError> {
	let mut outer = Reader::new(value);
	let mut fields = outer.sequence()?;
	let is_ca = match fields.optional(tag::BOOLEAN)? {
		Some(flag) => der::boolean(flag.content)?,
		None => false,
	};
	let path_length = match fields.optional(tag::INTEGER)? {
		Some(limit) => Some(der::unsigned_integer(limit.content)?),
		None => None,
	};
	// A limit on a certificate that is no CA means its issuer got something wrong
	// (RFC 5280 §4.2.1.9): refused rather than guessed at.
	if !outer.is_empty() || !fields.is_empty() || (path_length.is_some() && !is_ca) {
		return Err(DerError);
	}
	Ok((is_ca, path_length))
}

/// keyUsage's named BIT STRING. DER drops trailing zero bits; the unused ones must be
/// zero, at least one bit must be set, and no bit past decipherOnly (8) exists.
fn key_usage(value: &[u8]) -> Result<KeyUsage, DerError> {
	let mut outer = Reader::new(value);
	let content = outer.expect(tag::BIT_STRING)?.content;
	if !outer.is_empty() {
		return Err(DerError);
	}
	let (&unused_bits, bytes) = content.split_first().ok_or(DerError)?;
	if unused_bits > 7 || bytes.len() > 2 || (bytes.is_empty() && unused_bits != 0) {
		return Err(DerError);
	}
	if bytes.last().is_some_and(|&last| last & ((1u8 << unused_bits) - 1) != 0) {
		return Err(DerError);
	}
	// Named bit n is bit 7 - n % 8 of byte n / 8.
	let usage = bytes
		.iter()
		.enumerate()
		.fold(0u16, |usage, (index, &byte)| usage | (byte.reverse_bits() as u16) << (8 * index));
	if usage == 0 || usage >> 9 != 0 {
		return Err(DerError);
	}
	Ok(KeyUsage(usage))
}

/// Validates the certification path from `root` through `intermediates` (root side
/// first) to `leaf` at `now_secs`, and returns the leaf.
///
/// Whether `root` is trusted is the caller's decision; it is held to the rules of every
/// issuer all the same. Each link's issuer name must be the subject of the certificate
/// above it and its signature made by that one's key, and every certificate must be valid
/// at `now_secs`. Every issuer, root included, must be a CA whose keyUsage (if present)
/// includes keyCertSign, and may have at most its pathLenConstraint of intermediates below
/// it that are not self-issued. The leaf must not be a CA. A certificate with a critical
/// extension this verifier does not process is refused (RFC 5280 §6.1.3, §6.1.4).
pub fn verify_chain<'a>(
	root: &'a [u8],
	intermediates: &[&'a [u8]],
	leaf: &'a [u8],
	now_secs: u64,
) -> Result<Certificate<'a>, AttestationError> {
	let mut issuer = Certificate::parse(root)?;
	issuer.check_validity(now_secs)?;
	// RFC 5280's max_path_length, counted down: how many more intermediates that are not
	// self-issued the CAs above allow (`None`: no limit yet).
	let mut allowed_intermediates = issuer.path_length_constraint;
	for (position, &der) in intermediates.iter().chain(core::iter::once(&leaf)).enumerate() {
		let certificate = Certificate::parse(der)?;
		issuer.check_may_issue()?;
		if certificate.issuer != issuer.subject {
			return Err(AttestationError::BrokenChain);
		}
		let issuer_key =
			issuer.verifying_key().map_err(|_| AttestationError::MalformedCertificate)?;
		if !certificate.is_signed_by(&issuer_key) {
			return Err(AttestationError::IssuerKeyMismatch);
		}
		certificate.check_validity(now_secs)?;
		if position == intermediates.len() {
			if certificate.is_ca {
				return Err(AttestationError::LeafIsCa);
			}
		} else {
			if !certificate.is_self_issued() {
				allowed_intermediates = match allowed_intermediates {
					Some(0) => return Err(AttestationError::PathLengthExceeded),
					Some(allowed) => Some(allowed - 1),
					None => None,
				};
			}
			// A limit further down can only tighten the ones above it.
			if let Some(limit) = certificate.path_length_constraint {
				allowed_intermediates =
					Some(allowed_intermediates.map_or(limit, |allowed| allowed.min(limit)));
			}
		}
		issuer = certificate;
	}
	Ok(issuer)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::der::encode;

	/// A certificate whose TBS ends with `tail` after the subject's key: the fields this
	/// module's checks look at, with a signature nobody checks here.
	fn certificate(version: Option<u8>, tail: &[u8]) -> alloc::vec::Vec<u8> {
		let algorithm = encode(tag::SEQUENCE, &encode(tag::OID, ECDSA_WITH_SHA384));
		let name = encode(tag::SEQUENCE, &[]);
		let key_algorithm = encode(
			tag::SEQUENCE,
			&[encode(tag::OID, EC_PUBLIC_KEY), encode(tag::OID, SECP384R1)].concat(),
		);
		let key =
			encode(tag::SEQUENCE, &[key_algorithm, encode(tag::BIT_STRING, &[0, 4])].concat());
		let validity = encode(
			tag::SEQUENCE,
			&[encode(tag::UTC_TIME, b"200101000000Z"), encode(tag::UTC_TIME, b"300101000000Z")]
				.concat(),
		);
		let version = version
			.map(|version| encode(tag::CONTEXT_0, &encode(tag::INTEGER, &[version])))
			.unwrap_or_default();
		let tbs = encode(
			tag::SEQUENCE,
			&[
				version,
				encode(tag::INTEGER, &[1]),
				algorithm.clone(),
				name.clone(),
				validity,
				name,
				key,
				tail.to_vec(),
			]
			.concat(),
		);
		encode(tag::SEQUENCE, &[tbs, algorithm, encode(tag::BIT_STRING, &[0, 0x30, 0])].concat())
	}

	fn extension(id: &[u8], critical: &[u8], value: &[u8]) -> alloc::vec::Vec<u8> {
		let critical =
			if critical.is_empty() { alloc::vec![] } else { encode(tag::BOOLEAN, critical) };
		encode(
			tag::SEQUENCE,
			&[encode(tag::OID, id), critical, encode(tag::OCTET_STRING, value)].concat(),
		)
	}

	fn extensions(list: &[alloc::vec::Vec<u8>]) -> alloc::vec::Vec<u8> {
		encode(tag::CONTEXT_3, &encode(tag::SEQUENCE, &list.concat()))
	}

	fn parse(der: &[u8]) -> Result<(bool, Option<u32>), AttestationError> {
		Certificate::parse(der)
			.map(|certificate| (certificate.is_ca, certificate.path_length_constraint))
	}

	const CA: &[u8] = &[0x30, 0x03, 0x01, 0x01, 0xff];

	#[test]
	fn extension_fields_must_be_der() {
		let v3 = Some(2);
		assert_eq!(
			parse(&certificate(v3, &extensions(&[extension(BASIC_CONSTRAINTS, &[0xff], CA)]))),
			Ok((true, None))
		);
		// An explicit FALSE is not DER, but common: accepted.
		assert_eq!(
			parse(&certificate(v3, &extensions(&[extension(BASIC_CONSTRAINTS, &[0x00], CA)]))),
			Ok((true, None))
		);
		let malformed = [
			// A critical flag of 0x01, or two bytes long.
			extensions(&[extension(BASIC_CONSTRAINTS, &[0x01], CA)]),
			extensions(&[extension(BASIC_CONSTRAINTS, &[0xff, 0xff], CA)]),
			// No extension in the list, or something after the list.
			extensions(&[]),
			encode(
				tag::CONTEXT_3,
				&[
					encode(tag::SEQUENCE, &extension(KEY_USAGE, &[], &[0x03, 0x02, 0x07, 0x80])),
					alloc::vec![0x05, 0x00],
				]
				.concat(),
			),
			// An item after the extension's value, or no value.
			extensions(&[encode(
				tag::SEQUENCE,
				&[
					encode(tag::OID, BASIC_CONSTRAINTS),
					encode(tag::OCTET_STRING, CA),
					encode(tag::BOOLEAN, &[0xff]),
				]
				.concat(),
			)]),
			extensions(&[encode(tag::SEQUENCE, &encode(tag::OID, BASIC_CONSTRAINTS))]),
		];
		for tail in malformed {
			assert_eq!(
				parse(&certificate(v3, &tail)),
				Err(AttestationError::MalformedExtension),
				"{tail:02x?}"
			);
		}
	}

	#[test]
	fn extensions_need_version_3_and_come_last() {
		let ca = extensions(&[extension(BASIC_CONSTRAINTS, &[0xff], CA)]);
		// Unique identifiers may come before the extensions.
		let with_ids = [
			encode(tag::CONTEXT_1_PRIMITIVE, &[0]),
			encode(tag::CONTEXT_2_PRIMITIVE, &[0]),
			ca.clone(),
		]
		.concat();
		assert_eq!(parse(&certificate(Some(2), &with_ids)), Ok((true, None)));
		assert_eq!(parse(&certificate(None, &[])), Ok((false, None)));
		for (version, tail) in [
			(None, ca.clone()),
			(Some(1), ca.clone()),
			(Some(3), ca.clone()),
			// A second extensions field, which a reader taking the last one would believe.
			(
				Some(2),
				[ca.clone(), extensions(&[extension(BASIC_CONSTRAINTS, &[0xff], &[0x30, 0x00])])]
					.concat(),
			),
			(Some(2), [ca.clone(), encode(tag::CONTEXT_1_PRIMITIVE, &[0])].concat()),
		] {
			assert_eq!(
				parse(&certificate(version, &tail)),
				Err(AttestationError::MalformedCertificate),
				"{version:?} {tail:02x?}"
			);
		}
	}
}
