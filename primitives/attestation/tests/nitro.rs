//! The verifier against a real AWS Nitro document and against development-CA documents
//! that are wrong in one way each.

use base64::Engine;
use verin_attestation::{
	der,
	dev::{self, DocumentBuilder},
	nitro::{self, Attested},
	x509::{self, Certificate, KeyUsage},
	AttestationError,
};

/// A document an AWS Nitro enclave (eu-west-1) produced on 2025-09-09, published as a test
/// vector with its PCRs; its chain ends at the AWS Nitro root G1.
fn real_document() -> Vec<u8> {
	let text = include_str!("vectors/nitro-2025-09-09.b64");
	base64::engine::general_purpose::STANDARD.decode(text.trim()).unwrap()
}

/// The AWS Nitro Enclaves root G1 (SHA-256 fingerprint 641A0321…79BB5B, as AWS publishes).
const AWS_ROOT: &[u8] = verin_attestation::AWS_NITRO_ROOT_G1;

/// The document's time (its timestamp, 2025-09-09T17:59:41.958Z), when its chain was valid.
const REAL_TIME_SECS: u64 = 1_757_440_781;

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn aws_root_is_the_published_one() {
	use sha2::{Digest, Sha256};
	assert_eq!(
		hex(&Sha256::digest(AWS_ROOT)),
		"641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b"
	);
}

#[test]
fn a_real_nitro_document_verifies() {
	let document = real_document();
	let attested = nitro::verify(&document, |root| root == AWS_ROOT, REAL_TIME_SECS).unwrap();
	assert_eq!(attested.timestamp_ms, 1_757_440_781_958);
	assert_eq!(attested.module_id, "i-01464dfc66ef2a314-enc0198f62377ead51d");
	assert_eq!(
		hex(&attested.pcrs[0]),
		"94b74422daddb8f503fcd69df064c7cde5d053001b9cd153c75ec34484283496a37e89c7287a00f467759a6863362b60"
	);
	assert_eq!(
		hex(&attested.pcrs[2]),
		"07c20c057d5c10cb732b273b7fa26a2b67e333344ccda49be939a6b7c5bed5e46f0b0703386dd2d0f6104a13a4894cb2"
	);
	assert_eq!(
		attested.public_key.map(hex).as_deref(),
		Some("03637e4a2d6b8325ec60e0ccd53ca0f05f67e3356535c45656403aee207d4694d8")
	);
	assert_eq!(attested.nonce, None);
	assert_eq!(attested.root, AWS_ROOT);
}

/// The real document's certificates, root first and signing certificate last, as DER
/// one after the other (the seed of the `verify_chain` fuzz target).
fn real_chain() -> Vec<&'static [u8]> {
	let mut reader = der::Reader::new(include_bytes!("vectors/nitro-2025-09-09-chain.der"));
	let mut chain = Vec::new();
	while !reader.is_empty() {
		chain.push(reader.any().unwrap().encoded);
	}
	chain
}

#[test]
fn the_chain_vector_is_the_real_documents() {
	let document = real_document();
	let chain = real_chain();
	assert_eq!(chain.len(), 5);
	assert_eq!(chain[0], AWS_ROOT);
	for certificate in &chain {
		assert!(document.windows(certificate.len()).any(|window| window == *certificate));
	}
}

#[test]
fn the_real_chain_passes_the_path_rules_with_the_constraints_it_carries() {
	let chain = real_chain();
	let parsed: Vec<Certificate<'_>> =
		chain.iter().map(|der| Certificate::parse(der).unwrap()).collect();
	let ca_usage = KeyUsage::DIGITAL_SIGNATURE | KeyUsage::KEY_CERT_SIGN | KeyUsage::CRL_SIGN;
	let constraints: Vec<_> = parsed
		.iter()
		.map(|certificate| {
			(certificate.is_ca, certificate.path_length_constraint, certificate.key_usage)
		})
		.collect();
	assert_eq!(
		constraints,
		[
			(true, None, Some(ca_usage)),
			(true, Some(2), Some(ca_usage)),
			(true, Some(1), Some(ca_usage)),
			(true, Some(0), Some(KeyUsage::KEY_CERT_SIGN)),
			(false, None, Some(KeyUsage::DIGITAL_SIGNATURE | KeyUsage::NON_REPUDIATION)),
		]
	);
	let leaf = x509::verify_chain(chain[0], &chain[1..4], chain[4], REAL_TIME_SECS).unwrap();
	assert_eq!(leaf.subject, parsed[4].subject);
	// Out of order, or with a link missing, the names no longer chain.
	assert_eq!(
		x509::verify_chain(chain[0], &[chain[2], chain[1], chain[3]], chain[4], REAL_TIME_SECS)
			.map(|_| ()),
		Err(AttestationError::BrokenChain)
	);
	assert_eq!(
		x509::verify_chain(chain[0], &chain[1..3], chain[4], REAL_TIME_SECS).map(|_| ()),
		Err(AttestationError::BrokenChain)
	);
	// The last intermediate (pathLenConstraint 0) as the leaf: a CA.
	assert_eq!(
		x509::verify_chain(chain[0], &chain[1..3], chain[3], REAL_TIME_SECS).map(|_| ()),
		Err(AttestationError::LeafIsCa)
	);
}

#[test]
fn the_real_document_is_refused_after_its_certificates_expired_or_with_another_root() {
	let document = real_document();
	// Today its signing certificate (three hours) has long expired.
	assert_eq!(
		nitro::verify(&document, |root| root == AWS_ROOT, 1_764_000_000),
		Err(AttestationError::CertificateExpired)
	);
	assert_eq!(
		nitro::verify(&document, |root| root == AWS_ROOT, 1_700_000_000),
		Err(AttestationError::CertificateNotYetValid)
	);
	let dev_root = dev::root_certificate();
	assert_eq!(
		nitro::verify(&document, |root| root == dev_root, REAL_TIME_SECS),
		Err(AttestationError::UnknownRoot)
	);
}

#[test]
fn every_bit_of_the_real_signature_and_payload_matters() {
	let document = real_document();
	let length = document.len();
	// The last byte belongs to the signature; a byte in the PCR area to the payload.
	for position in [length - 1, length - 50, 200] {
		let mut tampered = document.clone();
		tampered[position] ^= 0x01;
		let result = nitro::verify(&tampered, |root| root == AWS_ROOT, REAL_TIME_SECS);
		assert_eq!(result, Err(AttestationError::BadSignature), "byte {position}");
	}
}

#[test]
fn every_truncation_of_the_real_document_is_refused() {
	let document = real_document();
	for end in 0..document.len() {
		let result = nitro::verify(&document[..end], |root| root == AWS_ROOT, REAL_TIME_SECS);
		assert_eq!(result, Err(AttestationError::TruncatedCbor), "cut at {end}");
	}
}

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

fn verify_dev(document: &[u8]) -> Result<Attested<'_>, AttestationError> {
	let root = dev::root_certificate();
	nitro::verify(document, move |candidate| candidate == root, NOW_MS / 1000)
}

#[test]
fn a_development_document_verifies() {
	let document = builder().build();
	let attested = verify_dev(&document).unwrap();
	assert_eq!(attested.pcrs, dev::measurement("verin-node 0.1.0"));
	assert_eq!(attested.public_key, Some(&[7u8; 32][..]));
	assert_eq!(attested.nonce, Some(&[9u8; 32][..]));
	assert_eq!(attested.timestamp_ms, NOW_MS);
	assert_ne!(dev::measurement("verin-node 0.1.0"), dev::measurement("verin-node 0.1.1"));
}

#[test]
fn a_certificate_past_its_validity_is_refused() {
	let mut document = builder();
	document.leaf_not_after = NOW_MS / 1000 - 1;
	assert_eq!(verify_dev(&document.build()), Err(AttestationError::CertificateExpired));
	document.leaf_not_before = NOW_MS / 1000 + 1;
	document.leaf_not_after = NOW_MS / 1000 + 100;
	assert_eq!(verify_dev(&document.build()), Err(AttestationError::CertificateNotYetValid));
}

#[test]
fn a_certificate_issued_by_another_key_under_the_roots_name_is_refused() {
	let mut document = builder();
	document.issuer_key = Some(dev::key_from_label("an impostor CA"));
	assert_eq!(verify_dev(&document.build()), Err(AttestationError::IssuerKeyMismatch));
}

#[test]
fn a_certificate_naming_another_issuer_is_refused() {
	let mut document = builder();
	document.issuer_name = Some(dev::name("somebody else"));
	assert_eq!(verify_dev(&document.build()), Err(AttestationError::BrokenChain));
}

#[test]
fn a_document_signed_by_another_key_than_its_certificate_is_refused() {
	let mut document = builder();
	document.document_key = dev::key_from_label("test enclave 2");
	assert_eq!(verify_dev(&document.build()), Err(AttestationError::BadSignature));
}

#[test]
fn a_chain_from_another_root_is_refused() {
	let mut document = builder();
	let impostor = dev::key_from_label("an impostor CA");
	let name = dev::name(dev::ROOT_NAME);
	document.root_certificate = dev::certificate(
		1,
		&name,
		&name,
		0,
		u32::MAX as u64,
		impostor.verifying_key(),
		true,
		&impostor,
	);
	document.issuer_key = Some(impostor);
	assert_eq!(verify_dev(&document.build()), Err(AttestationError::UnknownRoot));
}

#[test]
fn a_leaf_used_as_a_ca_is_refused() {
	// The leaf certificate of one document cannot issue another: it is no CA.
	let first = builder();
	let mut second = builder();
	second.root_certificate = first.leaf_certificate();
	let root = first.leaf_certificate();
	let document = second.build();
	assert_eq!(
		nitro::verify(&document, |candidate| candidate == root, NOW_MS / 1000),
		Err(AttestationError::IssuerNotCa)
	);
}

#[test]
fn missing_fields_and_other_algorithms_are_named() {
	let mut document = builder();
	document.module_id = String::new();
	assert_eq!(verify_dev(&document.build()), Err(AttestationError::MissingField));
	// A COSE_Sign1 with ES256 (-7) in its protected header.
	let document = builder().build();
	let es384 = [0xa1, 0x01, 0x38, 0x22];
	let at = document.windows(4).position(|w| w == es384).unwrap();
	let mut es256 = document.clone();
	es256[at..at + 4].copy_from_slice(&[0xa1, 0x01, 0x38, 0x06]);
	assert_eq!(verify_dev(&es256), Err(AttestationError::UnsupportedAlgorithm));
	assert_eq!(verify_dev(&[0x83, 0x40, 0xa0, 0x40]), Err(AttestationError::MalformedCbor));
	assert_eq!(verify_dev(&[]), Err(AttestationError::TruncatedCbor));
}

#[test]
fn a_chain_with_intermediates_verifies_and_each_link_counts() {
	let mut document = builder();
	document.intermediates = nitro::MAX_CA_BUNDLE - 1;
	let attested = verify_dev(&document.build()).map(|a| a.pcrs);
	assert_eq!(attested, Ok(dev::measurement("verin-node 0.1.0")));
	document.issuer_key = Some(dev::root_key());
	assert_eq!(verify_dev(&document.build()), Err(AttestationError::IssuerKeyMismatch));
}

#[test]
fn the_published_development_root_is_the_one_the_ca_signs_with() {
	assert_eq!(verin_attestation::DEV_ROOT_CERTIFICATE, &dev::root_certificate()[..]);
}
