//! RFC 5280 path validation of the attestation chain: each test builds a development-CA
//! chain that breaks one rule and checks the verifier refuses it by name.

use verin_attestation::{
	dev::{self, ca_extensions, leaf_extensions, DocumentBuilder, Extension},
	nitro::{self, Attested},
	x509::{self, KeyUsage},
	AttestationError,
};

const NOW_MS: u64 = 1_780_000_000_000;

fn builder() -> DocumentBuilder {
	DocumentBuilder::new(
		NOW_MS,
		dev::measurement("verin-node 0.1.0"),
		&[7u8; 32],
		&[9u8; 32],
		dev::key_from_label("test enclave 1"),
	)
}

/// Verifies `document` with its own bundle's first certificate as the trusted root, so a
/// test can swap the root without also changing what is trusted.
fn verify(document: &DocumentBuilder) -> Result<(), AttestationError> {
	let root = document.root_certificate.clone();
	nitro::verify(&document.build(), |candidate| candidate == root, NOW_MS / 1000)
		.map(|_: Attested<'_>| ())
}

/// The development root re-issued (same name and key) with `extensions`.
fn root_with(extensions: &[Extension]) -> Vec<u8> {
	let key = dev::root_key();
	let name = dev::name(dev::ROOT_NAME);
	dev::certificate_with_extensions(
		1,
		&name,
		&name,
		0,
		u32::MAX as u64,
		key.verifying_key(),
		extensions,
		&key,
	)
}

/// A document whose chain has `intermediates` CAs, the first ones with `extensions`.
fn with_intermediates(intermediates: usize, extensions: Vec<Vec<Extension>>) -> DocumentBuilder {
	let mut document = builder();
	document.intermediates = intermediates;
	document.intermediate_extensions = extensions;
	document
}

fn with_leaf_extensions(extensions: Vec<Extension>) -> DocumentBuilder {
	let mut document = builder();
	document.leaf_extensions = extensions;
	document
}

fn raw(id: &[u8], critical: bool, value: &[u8]) -> Extension {
	Extension { id: id.to_vec(), critical, value: value.to_vec() }
}

/// An OID under a private enterprise arc (1.3.6.1.4.1.99999.1) no verifier knows.
const PRIVATE_OID: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x86, 0x8d, 0x1f, 0x01];
/// nameConstraints (2.5.29.30): known to RFC 5280, but not processed here.
const NAME_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x1e];
/// extKeyUsage (2.5.29.37): not processed here either.
const EXTENDED_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];

const CERTIFICATE_SIGNING: KeyUsage = KeyUsage(KeyUsage::KEY_CERT_SIGN.0 | KeyUsage::CRL_SIGN.0);

#[test]
fn the_development_chain_passes_the_path_rules() {
	assert_eq!(verify(&builder()), Ok(()));
	assert_eq!(verify(&with_intermediates(nitro::MAX_CA_BUNDLE - 1, Vec::new())), Ok(()));
}

#[test]
fn a_chain_through_a_non_ca_issuer_is_refused() {
	let not_a_ca =
		vec![Extension::basic_constraints(false, None), Extension::key_usage(CERTIFICATE_SIGNING)];
	let without_basic_constraints = vec![Extension::key_usage(CERTIFICATE_SIGNING)];
	for extensions in [not_a_ca.clone(), without_basic_constraints.clone(), Vec::new()] {
		let document = with_intermediates(2, vec![extensions.clone()]);
		assert_eq!(verify(&document), Err(AttestationError::IssuerNotCa), "{extensions:?}");
		let mut document = builder();
		document.root_certificate = root_with(&extensions);
		assert_eq!(verify(&document), Err(AttestationError::IssuerNotCa), "root {extensions:?}");
	}
}

#[test]
fn an_issuer_without_key_cert_sign_is_refused() {
	let signs_data_only = vec![
		Extension::basic_constraints(true, None),
		Extension::key_usage(KeyUsage::DIGITAL_SIGNATURE | KeyUsage::CRL_SIGN),
	];
	let document = with_intermediates(2, vec![ca_extensions(None), signs_data_only.clone()]);
	assert_eq!(verify(&document), Err(AttestationError::IssuerWithoutKeyCertSign));
	let mut document = builder();
	document.root_certificate = root_with(&signs_data_only);
	assert_eq!(verify(&document), Err(AttestationError::IssuerWithoutKeyCertSign));
}

#[test]
fn an_issuer_with_key_cert_sign_or_without_key_usage_is_accepted() {
	let mut document = builder();
	document.root_certificate = root_with(&ca_extensions(None));
	assert_eq!(verify(&document), Ok(()));
	// keyUsage is optional: without it, basicConstraints alone makes a CA (as the
	// development root is).
	let document = with_intermediates(1, vec![vec![Extension::basic_constraints(true, None)]]);
	assert_eq!(verify(&document), Ok(()));
}

#[test]
fn a_path_length_violation_is_refused() {
	// The root allows no intermediate below it.
	let mut document = with_intermediates(1, Vec::new());
	document.root_certificate = root_with(&ca_extensions(Some(0)));
	assert_eq!(verify(&document), Err(AttestationError::PathLengthExceeded));
	// The first intermediate allows one more, and two follow.
	let document = with_intermediates(3, vec![ca_extensions(Some(1))]);
	assert_eq!(verify(&document), Err(AttestationError::PathLengthExceeded));
	// A looser limit further down does not lift a tighter one above it.
	let document = with_intermediates(3, vec![ca_extensions(Some(1)), ca_extensions(Some(5))]);
	assert_eq!(verify(&document), Err(AttestationError::PathLengthExceeded));
}

#[test]
fn a_path_length_constraint_allows_exactly_that_many_intermediates() {
	let mut document = with_intermediates(2, Vec::new());
	document.root_certificate = root_with(&ca_extensions(Some(2)));
	assert_eq!(verify(&document), Ok(()));
	let document = with_intermediates(2, vec![ca_extensions(Some(1))]);
	assert_eq!(verify(&document), Ok(()));
	// The signing certificate is no intermediate: pathLenConstraint 0 still issues it.
	let document = with_intermediates(1, vec![ca_extensions(Some(0))]);
	assert_eq!(verify(&document), Ok(()));
}

#[test]
fn a_self_issued_intermediate_does_not_count_toward_the_path_length() {
	// A CA that rolled its key over: the new key's certificate, signed by the old key, has
	// the same name as issuer and subject, and the leaf is signed by the new key.
	let now = NOW_MS / 1000;
	let root_key = dev::root_key();
	let root_name = dev::name(dev::ROOT_NAME);
	let root = root_with(&ca_extensions(Some(0)));
	let rolled_key = dev::key_from_label("development root, rolled over");
	let rolled = dev::certificate_with_extensions(
		3,
		&root_name,
		&root_name,
		0,
		u32::MAX as u64,
		rolled_key.verifying_key(),
		&ca_extensions(Some(0)),
		&root_key,
	);
	let leaf_key = dev::key_from_label("test enclave 1");
	let leaf = dev::certificate_with_extensions(
		4,
		&root_name,
		&dev::name("Verin development enclave"),
		now - 60,
		now + 60,
		leaf_key.verifying_key(),
		&leaf_extensions(),
		&rolled_key,
	);
	let verified = x509::verify_chain(&root, &[&rolled], &leaf, now);
	assert_eq!(verified.map(|leaf| leaf.public_key), Ok(&leaf_key_point(&leaf_key)[..]));
	// One intermediate that is not self-issued is one too many under pathLen 0.
	let other_name = dev::name("another intermediate");
	let other = dev::certificate_with_extensions(
		3,
		&root_name,
		&other_name,
		0,
		u32::MAX as u64,
		rolled_key.verifying_key(),
		&ca_extensions(None),
		&root_key,
	);
	let leaf = dev::certificate_with_extensions(
		4,
		&other_name,
		&dev::name("Verin development enclave"),
		now - 60,
		now + 60,
		leaf_key.verifying_key(),
		&leaf_extensions(),
		&rolled_key,
	);
	assert_eq!(
		x509::verify_chain(&root, &[&other], &leaf, now).map(|_| ()),
		Err(AttestationError::PathLengthExceeded)
	);
}

fn leaf_key_point(key: &p384::ecdsa::SigningKey) -> Vec<u8> {
	key.verifying_key().to_encoded_point(false).as_bytes().to_vec()
}

#[test]
fn an_unknown_critical_extension_is_refused() {
	let unknown = raw(PRIVATE_OID, true, &[0x05, 0x00]);
	let mut extensions = leaf_extensions();
	extensions.push(unknown.clone());
	let document = with_leaf_extensions(extensions);
	assert_eq!(verify(&document), Err(AttestationError::UnknownCriticalExtension));
	// Extensions RFC 5280 defines but this verifier does not process count as unknown.
	let name_constraints = raw(NAME_CONSTRAINTS, true, &[0x30, 0x00]);
	let mut intermediate = ca_extensions(None);
	intermediate.push(name_constraints);
	let document = with_intermediates(1, vec![intermediate]);
	assert_eq!(verify(&document), Err(AttestationError::UnknownCriticalExtension));
	let extended_key_usage = raw(EXTENDED_KEY_USAGE, true, &[0x30, 0x00]);
	let mut extensions = leaf_extensions();
	extensions.push(extended_key_usage);
	let document = with_leaf_extensions(extensions);
	assert_eq!(verify(&document), Err(AttestationError::UnknownCriticalExtension));
	let mut root = ca_extensions(None);
	root.push(unknown);
	let mut document = builder();
	document.root_certificate = root_with(&root);
	assert_eq!(verify(&document), Err(AttestationError::UnknownCriticalExtension));
}

#[test]
fn an_unknown_non_critical_extension_is_ignored() {
	let mut extensions = leaf_extensions();
	extensions.push(raw(PRIVATE_OID, false, &[0x05, 0x00]));
	extensions.push(raw(EXTENDED_KEY_USAGE, false, &[0x30, 0x00]));
	assert_eq!(verify(&with_leaf_extensions(extensions)), Ok(()));
	// The identifiers AWS's chain carries are known, critical or not.
	let mut intermediate = ca_extensions(None);
	intermediate.push(raw(x509::SUBJECT_KEY_IDENTIFIER, true, &[0x04, 0x02, 0x01, 0x02]));
	intermediate.push(raw(x509::AUTHORITY_KEY_IDENTIFIER, false, &[0x30, 0x04, 0x80, 0x02, 1, 2]));
	assert_eq!(verify(&with_intermediates(1, vec![intermediate])), Ok(()));
}

#[test]
fn a_leaf_that_is_a_ca_is_refused() {
	let document = with_leaf_extensions(vec![
		Extension::basic_constraints(true, None),
		Extension::key_usage(KeyUsage::DIGITAL_SIGNATURE),
	]);
	assert_eq!(verify(&document), Err(AttestationError::LeafIsCa));
	let document = with_leaf_extensions(ca_extensions(Some(0)));
	assert_eq!(verify(&document), Err(AttestationError::LeafIsCa));
}

/// Refuses each basicConstraints value in the leaf and in an intermediate.
fn assert_malformed(id: &[u8], values: &[&[u8]]) {
	for value in values {
		let mut leaf = leaf_extensions();
		leaf.retain(|extension| extension.id != id);
		leaf.push(raw(id, true, value));
		let document = with_leaf_extensions(leaf);
		assert_eq!(
			verify(&document),
			Err(AttestationError::MalformedExtension),
			"leaf {value:02x?}"
		);
		let mut intermediate = ca_extensions(None);
		intermediate.retain(|extension| extension.id != id);
		intermediate.push(raw(id, true, value));
		let document = with_intermediates(1, vec![intermediate]);
		assert_eq!(
			verify(&document),
			Err(AttestationError::MalformedExtension),
			"intermediate {value:02x?}"
		);
	}
}

#[test]
fn a_malformed_basic_constraints_extension_is_refused() {
	assert_malformed(
		x509::BASIC_CONSTRAINTS,
		&[
			// Not a SEQUENCE, or nothing at all.
			&[0x04, 0x00],
			&[],
			// Bytes after the SEQUENCE.
			&[0x30, 0x03, 0x01, 0x01, 0xff, 0x00],
			// cA as BER's 0x01 (DER allows only 0x00 and 0xff), or two bytes long.
			&[0x30, 0x03, 0x01, 0x01, 0x01],
			&[0x30, 0x04, 0x01, 0x02, 0xff, 0xff],
			// A negative, non-minimal or empty pathLenConstraint.
			&[0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0xff],
			&[0x30, 0x07, 0x01, 0x01, 0xff, 0x02, 0x02, 0x00, 0x01],
			&[0x30, 0x05, 0x01, 0x01, 0xff, 0x02, 0x00],
			// A pathLenConstraint without cA, or a field after it.
			&[0x30, 0x03, 0x02, 0x01, 0x00],
			&[0x30, 0x08, 0x01, 0x01, 0xff, 0x02, 0x01, 0x00, 0x05, 0x00],
			// A truncated item inside.
			&[0x30, 0x03, 0x01, 0x02, 0xff],
		],
	);
}

#[test]
fn a_malformed_key_usage_extension_is_refused() {
	assert_malformed(
		x509::KEY_USAGE,
		&[
			// Not a BIT STRING.
			&[0x04, 0x02, 0x01, 0x86],
			// More than seven unused bits, unused bits that are set, unused bits in nothing.
			&[0x03, 0x02, 0x08, 0x86],
			&[0x03, 0x02, 0x01, 0x87],
			&[0x03, 0x01, 0x01],
			// No bit set (RFC 5280 asks for at least one).
			&[0x03, 0x01, 0x00],
			&[0x03, 0x02, 0x00, 0x00],
			// Bits past decipherOnly, which no definition names.
			&[0x03, 0x04, 0x00, 0x86, 0x00, 0x01],
			// Bytes after the BIT STRING.
			&[0x03, 0x02, 0x01, 0x86, 0x00],
		],
	);
}

#[test]
fn a_duplicate_extension_is_refused() {
	// A second basicConstraints a lenient reader might take instead of the first.
	let mut extensions = leaf_extensions();
	extensions.push(Extension::basic_constraints(true, None));
	assert_eq!(
		verify(&with_leaf_extensions(extensions)),
		Err(AttestationError::MalformedExtension)
	);
	let mut intermediate = ca_extensions(None);
	intermediate.push(Extension::key_usage(KeyUsage::DIGITAL_SIGNATURE));
	let document = with_intermediates(1, vec![intermediate]);
	assert_eq!(verify(&document), Err(AttestationError::MalformedExtension));
	// Twice the same unknown, non-critical extension.
	let mut extensions = leaf_extensions();
	extensions.push(raw(PRIVATE_OID, false, &[0x05, 0x00]));
	extensions.push(raw(PRIVATE_OID, false, &[0x05, 0x00]));
	assert_eq!(
		verify(&with_leaf_extensions(extensions)),
		Err(AttestationError::MalformedExtension)
	);
}
