//! AWS Nitro Enclaves attestation documents: a COSE_Sign1 (RFC 9052) signed with ES384
//! whose payload is the NSM's CBOR document (module id, digest, timestamp, PCRs, the
//! signing certificate and its CA bundle, and the enclave's public key, user data and
//! nonce), as AWS documents in "Verifying the root of trust".

use crate::{
	cbor::{self, CborError, Reader},
	x509, AttestationError, Pcr,
};
use alloc::vec::Vec;
use p384::ecdsa::{signature::Verifier, Signature};

/// COSE algorithm id of ES384 (ECDSA P-384 with SHA-384).
pub const ES384: i64 = -35;
/// COSE header label of the algorithm.
const ALGORITHM_LABEL: i64 = 1;
/// CBOR tag of a COSE_Sign1 (optional: the NSM leaves it out).
const COSE_SIGN1_TAG: u64 = 18;
/// Most certificates a bundle may hold (AWS: root, then three or four intermediates).
pub const MAX_CA_BUNDLE: usize = 8;
/// Size limits AWS sets on the document's fields.
const MAX_CERTIFICATE: usize = 1024;
const MAX_USER_FIELD: usize = 1024;

/// The parts of a COSE_Sign1.
struct CoseSign1<'a> {
	protected: &'a [u8],
	payload: &'a [u8],
	signature: &'a [u8],
}

impl From<CborError> for AttestationError {
	fn from(error: CborError) -> Self {
		match error {
			CborError::Truncated => AttestationError::TruncatedCbor,
			CborError::Unexpected => AttestationError::MalformedCbor,
		}
	}
}

fn parse_cose_sign1(document: &[u8]) -> Result<CoseSign1<'_>, AttestationError> {
	let mut reader = Reader::new(document);
	if let Some(tag) = reader.optional_tag()? {
		if tag != COSE_SIGN1_TAG {
			return Err(AttestationError::MalformedCbor);
		}
	}
	if reader.array_header()? != Some(4) {
		return Err(AttestationError::MalformedCbor);
	}
	let protected = reader.bytes()?;
	reader.skip()?; // unprotected header: nothing in it is trusted
	let payload = reader.bytes()?;
	let signature = reader.bytes()?;
	if !reader.is_empty() {
		return Err(AttestationError::MalformedCbor);
	}
	// The protected header must name ES384 and nothing we would have to understand.
	let mut header = Reader::new(protected);
	let mut algorithm = None;
	let pairs = header.map_header()?.ok_or(AttestationError::MalformedCbor)?;
	for _ in 0..pairs {
		let label = header.integer()?;
		if label == ALGORITHM_LABEL {
			algorithm = Some(header.integer()?);
		} else {
			header.skip()?;
		}
	}
	if !header.is_empty() {
		return Err(AttestationError::MalformedCbor);
	}
	if algorithm != Some(ES384) {
		return Err(AttestationError::UnsupportedAlgorithm);
	}
	Ok(CoseSign1 { protected, payload, signature })
}

/// The bytes a COSE_Sign1 signature covers: `["Signature1", protected, h'', payload]`.
pub fn signature_input(protected: &[u8], payload: &[u8]) -> Vec<u8> {
	let mut writer = cbor::Writer::new();
	writer.array(4).text("Signature1").bytes(protected).bytes(&[]).bytes(payload);
	writer.finish()
}

/// A document's fields, borrowed from the payload.
struct Document<'a> {
	module_id: &'a str,
	timestamp_ms: u64,
	pcrs: [Option<Pcr>; 3],
	certificate: &'a [u8],
	ca_bundle: Vec<&'a [u8]>,
	public_key: Option<&'a [u8]>,
	user_data: Option<&'a [u8]>,
	nonce: Option<&'a [u8]>,
}

fn parse_document(payload: &[u8]) -> Result<Document<'_>, AttestationError> {
	let mut reader = Reader::new(payload);
	let pairs = reader.map_header()?;
	let mut module_id = None;
	let mut digest = None;
	let mut timestamp_ms = None;
	let mut pcrs = None;
	let mut certificate = None;
	let mut ca_bundle = None;
	let mut public_key = None;
	let mut user_data = None;
	let mut nonce = None;
	let mut read = 0u64;
	loop {
		match pairs {
			Some(count) if read == count => break,
			None if reader.at_break()? => break,
			_ => {},
		}
		read += 1;
		match reader.text()? {
			"module_id" => module_id = Some(reader.text()?),
			"digest" => digest = Some(reader.text()?),
			"timestamp" => timestamp_ms = Some(reader.unsigned()?),
			"pcrs" => pcrs = Some(parse_pcrs(&mut reader)?),
			"certificate" => certificate = Some(reader.bytes()?),
			"cabundle" => ca_bundle = Some(parse_bundle(&mut reader)?),
			"public_key" => public_key = Some(reader.optional_bytes()?),
			"user_data" => user_data = Some(reader.optional_bytes()?),
			"nonce" => nonce = Some(reader.optional_bytes()?),
			_ => reader.skip()?,
		}
	}
	if !reader.is_empty() {
		return Err(AttestationError::MalformedCbor);
	}
	let missing = AttestationError::MissingField;
	if digest.ok_or(missing)? != "SHA384" {
		return Err(AttestationError::UnsupportedAlgorithm);
	}
	let document = Document {
		module_id: module_id.filter(|id| !id.is_empty()).ok_or(missing)?,
		timestamp_ms: timestamp_ms.filter(|&t| t > 0).ok_or(missing)?,
		pcrs: pcrs.ok_or(missing)?,
		certificate: certificate.ok_or(missing)?,
		ca_bundle: ca_bundle.ok_or(missing)?,
		public_key: public_key.flatten(),
		user_data: user_data.flatten(),
		nonce: nonce.flatten(),
	};
	let too_long =
		|field: Option<&[u8]>, limit: usize| field.is_some_and(|bytes| bytes.len() > limit);
	if document.certificate.is_empty()
		|| document.certificate.len() > MAX_CERTIFICATE
		|| too_long(document.public_key, MAX_USER_FIELD)
		|| too_long(document.user_data, MAX_USER_FIELD / 2)
		|| too_long(document.nonce, MAX_USER_FIELD / 2)
	{
		return Err(AttestationError::MalformedDocument);
	}
	Ok(document)
}

/// PCR0–2 of the `pcrs` map (other registers are read and ignored).
fn parse_pcrs(reader: &mut Reader<'_>) -> Result<[Option<Pcr>; 3], AttestationError> {
	let count = reader.map_header()?.ok_or(AttestationError::MalformedDocument)?;
	if count == 0 || count > 32 {
		return Err(AttestationError::MalformedDocument);
	}
	let mut pcrs = [None; 3];
	for _ in 0..count {
		let index = reader.unsigned()?;
		let value = reader.bytes()?;
		if index >= 32 || !matches!(value.len(), 32 | 48 | 64) {
			return Err(AttestationError::MalformedDocument);
		}
		if let Some(slot) = pcrs.get_mut(index as usize) {
			*slot = Some(value.try_into().map_err(|_| AttestationError::UnsupportedAlgorithm)?);
		}
	}
	Ok(pcrs)
}

fn parse_bundle<'a>(reader: &mut Reader<'a>) -> Result<Vec<&'a [u8]>, AttestationError> {
	let count = reader.array_header()?.ok_or(AttestationError::MalformedDocument)?;
	if count == 0 || count as usize > MAX_CA_BUNDLE {
		return Err(AttestationError::MalformedDocument);
	}
	(0..count)
		.map(|_| {
			let certificate = reader.bytes()?;
			if certificate.is_empty() || certificate.len() > MAX_CERTIFICATE {
				return Err(AttestationError::MalformedDocument);
			}
			Ok(certificate)
		})
		.collect()
}

/// What a verified document attests.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Attested<'a> {
	/// The enclave image's module id.
	pub module_id: &'a str,
	/// When the NSM made the document, milliseconds since the Unix epoch.
	pub timestamp_ms: u64,
	/// PCR0 (enclave image), PCR1 (kernel and boot), PCR2 (application).
	pub pcrs: [Pcr; 3],
	/// The public key the enclave put in the document.
	pub public_key: Option<&'a [u8]>,
	/// The enclave's user data.
	pub user_data: Option<&'a [u8]>,
	/// The nonce the enclave was asked to include.
	pub nonce: Option<&'a [u8]>,
	/// The root certificate the chain starts at (DER; one of the trusted roots).
	pub root: &'a [u8],
}

/// Verifies a Nitro attestation document at `now_secs` (seconds since the Unix epoch):
/// its COSE_Sign1 structure and ES384 signature by the leaf certificate, the chain from
/// the bundle's first certificate (which `is_trusted_root` must accept) to the leaf under
/// RFC 5280's path rules ([`x509::verify_chain`]: issuer names and signatures, CAs and
/// their keyCertSign usage, path lengths, critical extensions, a leaf that is no CA,
/// every certificate's validity at `now_secs`), and the document's fields. Freshness of the timestamp and the meaning of
/// the PCRs, key and nonce are the caller's policy.
pub fn verify<'a>(
	document: &'a [u8],
	is_trusted_root: impl Fn(&[u8]) -> bool,
	now_secs: u64,
) -> Result<Attested<'a>, AttestationError> {
	let cose = parse_cose_sign1(document)?;
	let fields = parse_document(cose.payload)?;
	let [Some(pcr0), Some(pcr1), Some(pcr2)] = fields.pcrs else {
		return Err(AttestationError::MissingField);
	};

	let root = fields.ca_bundle[0];
	if !is_trusted_root(root) {
		return Err(AttestationError::UnknownRoot);
	}
	let leaf = x509::verify_chain(root, &fields.ca_bundle[1..], fields.certificate, now_secs)?;

	let leaf_key = leaf.verifying_key().map_err(|_| AttestationError::MalformedCertificate)?;
	let signature =
		Signature::from_slice(cose.signature).map_err(|_| AttestationError::BadSignature)?;
	leaf_key
		.verify(&signature_input(cose.protected, cose.payload), &signature)
		.map_err(|_| AttestationError::BadSignature)?;

	Ok(Attested {
		module_id: fields.module_id,
		timestamp_ms: fields.timestamp_ms,
		pcrs: [pcr0, pcr1, pcr2],
		public_key: fields.public_key,
		user_data: fields.user_data,
		nonce: fields.nonce,
		root,
	})
}
