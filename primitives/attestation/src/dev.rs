//! A development CA that issues Nitro-format attestation documents without enclave
//! hardware, so test networks and tests exercise the same verifier as production.
//!
//! Its root key is derived from a public string: **anyone can make any attestation with
//! it**. Its root certificate ([`root_certificate`]) may be pinned only by development
//! and local chain specs; a production chain pins the AWS Nitro root alone.
//!
//! [`DocumentBuilder`] exposes every part of a document (keys, names, validity, PCRs,
//! nonce, certificate extensions) so tests can build each way a document can be wrong;
//! [`certificate_with_extensions`] builds a certificate with any [`Extension`], malformed
//! ones included.

pub use crate::dev_measurement as measurement;
use crate::{cbor::Writer, der, nitro, x509, x509::KeyUsage, Pcr};
use alloc::{string::String, vec::Vec};
use p384::ecdsa::{signature::Signer, Signature, SigningKey, VerifyingKey};
use sha2::{Digest, Sha384};

/// The label the development root key is derived from.
const ROOT_KEY_LABEL: &str =
	"verin development enclave CA, key 1: public, never trust in production";
/// The development root's common name.
pub const ROOT_NAME: &str = "Verin development enclave root (public key, dev chains only)";
/// The development root's validity: 2020-01-01 to 2100-01-01.
const ROOT_NOT_BEFORE: u64 = 1_577_836_800;
const ROOT_NOT_AFTER: u64 = 4_102_444_800;
/// How long an issued signing certificate is valid around its document's time (Nitro's
/// are valid for about three hours).
pub const LEAF_LIFETIME_SECS: u64 = 3 * 3600;

/// A P-384 key derived from a label (the development CA's keys are public by design).
pub fn key_from_label(label: &str) -> SigningKey {
	let mut counter = 0u32;
	loop {
		let digest = Sha384::new()
			.chain_update(label.as_bytes())
			.chain_update(counter.to_be_bytes())
			.finalize();
		// A digest at or above the group order (probability about 2^-190) is skipped.
		if let Ok(key) = SigningKey::from_slice(&digest) {
			return key;
		}
		counter += 1;
	}
}

/// The development root's key.
pub fn root_key() -> SigningKey {
	key_from_label(ROOT_KEY_LABEL)
}

/// The development root certificate (DER), self-signed.
pub fn root_certificate() -> Vec<u8> {
	let key = root_key();
	let name = name(ROOT_NAME);
	certificate(1, &name, &name, ROOT_NOT_BEFORE, ROOT_NOT_AFTER, key.verifying_key(), true, &key)
}

/// Every part of a document, with the development CA's defaults; change a field to build
/// a document that is wrong in that one way.
#[derive(Clone)]
pub struct DocumentBuilder {
	/// The root certificate put first in the CA bundle.
	pub root_certificate: Vec<u8>,
	/// Intermediate CAs between the root and the signing certificate.
	pub intermediates: usize,
	/// The extensions of intermediate CA `index` (root side first); intermediates past the
	/// end of this list get [`ca_extensions`] without a path length limit (tests).
	pub intermediate_extensions: Vec<Vec<Extension>>,
	/// The signing certificate's extensions ([`leaf_extensions`] unless a test changes them).
	pub leaf_extensions: Vec<Extension>,
	/// Another key to sign the signing certificate with than its issuer's (tests).
	pub issuer_key: Option<SigningKey>,
	/// Another issuer name to write into the signing certificate than its issuer's (tests).
	pub issuer_name: Option<Vec<u8>>,
	/// The signing certificate's key.
	pub leaf_key: SigningKey,
	/// The key that signs the document (the signing certificate's, unless a test lies).
	pub document_key: SigningKey,
	/// Validity of the signing certificate, seconds since the Unix epoch.
	pub leaf_not_before: u64,
	/// End of the signing certificate's validity.
	pub leaf_not_after: u64,
	/// The document's time, milliseconds since the Unix epoch.
	pub timestamp_ms: u64,
	/// PCR0–2.
	pub pcrs: [Pcr; 3],
	/// The enclave's public key.
	pub public_key: Option<Vec<u8>>,
	/// The nonce.
	pub nonce: Option<Vec<u8>>,
	/// The module id.
	pub module_id: String,
}

impl DocumentBuilder {
	/// A document the development CA issues at `timestamp_ms` for an enclave with
	/// `measurement`, `public_key` and `nonce`; `leaf_key` signs it.
	pub fn new(
		timestamp_ms: u64,
		measurement: [Pcr; 3],
		public_key: &[u8],
		nonce: &[u8],
		leaf_key: SigningKey,
	) -> Self {
		let now = timestamp_ms / 1000;
		DocumentBuilder {
			root_certificate: root_certificate(),
			intermediates: 0,
			intermediate_extensions: Vec::new(),
			leaf_extensions: leaf_extensions(),
			issuer_name: None,
			issuer_key: None,
			document_key: leaf_key.clone(),
			leaf_key,
			leaf_not_before: now.saturating_sub(60),
			leaf_not_after: now + LEAF_LIFETIME_SECS,
			timestamp_ms,
			pcrs: measurement,
			public_key: Some(public_key.to_vec()),
			nonce: Some(nonce.to_vec()),
			module_id: "verin-dev-enclave".into(),
		}
	}

	/// The intermediate CAs' certificates, root side first, and the last one's name and key
	/// (the root's when there are none).
	fn intermediate_certificates(&self) -> (Vec<Vec<u8>>, Vec<u8>, SigningKey) {
		let mut issuer_name = name(ROOT_NAME);
		let mut issuer_key = root_key();
		let mut certificates = Vec::new();
		for index in 0..self.intermediates {
			let subject = name(&alloc::format!("Verin development intermediate {index}"));
			let key = key_from_label(&alloc::format!("verin development intermediate {index}"));
			let serial = 10 + index as u8;
			let default_extensions;
			let extensions = match self.intermediate_extensions.get(index) {
				Some(extensions) => extensions,
				None => {
					default_extensions = ca_extensions(None);
					&default_extensions
				},
			};
			certificates.push(certificate_with_extensions(
				serial,
				&issuer_name,
				&subject,
				ROOT_NOT_BEFORE,
				ROOT_NOT_AFTER,
				key.verifying_key(),
				extensions,
				&issuer_key,
			));
			issuer_name = subject;
			issuer_key = key;
		}
		(certificates, issuer_name, issuer_key)
	}

	/// The signing certificate (DER).
	pub fn leaf_certificate(&self) -> Vec<u8> {
		let (_, issuer_name, issuer_key) = self.intermediate_certificates();
		self.leaf_issued_by(&issuer_name, &issuer_key)
	}

	fn leaf_issued_by(&self, issuer_name: &[u8], issuer_key: &SigningKey) -> Vec<u8> {
		certificate_with_extensions(
			2,
			self.issuer_name.as_deref().unwrap_or(issuer_name),
			&name("Verin development enclave"),
			self.leaf_not_before,
			self.leaf_not_after,
			self.leaf_key.verifying_key(),
			&self.leaf_extensions,
			self.issuer_key.as_ref().unwrap_or(issuer_key),
		)
	}

	/// The document's payload (the CBOR map the COSE_Sign1 signs).
	pub fn payload(&self) -> Vec<u8> {
		let mut writer = Writer::new();
		writer.map(9);
		writer.text("module_id").text(&self.module_id);
		writer.text("digest").text("SHA384");
		writer.text("timestamp").unsigned(self.timestamp_ms);
		writer.text("pcrs").map(3);
		for (index, pcr) in self.pcrs.iter().enumerate() {
			writer.unsigned(index as u64).bytes(pcr);
		}
		// The intermediates are signed once, for the bundle and as the leaf's issuer.
		let (intermediates, issuer_name, issuer_key) = self.intermediate_certificates();
		writer.text("certificate").bytes(&self.leaf_issued_by(&issuer_name, &issuer_key));
		writer.text("cabundle").array(1 + intermediates.len() as u64).bytes(&self.root_certificate);
		for intermediate in &intermediates {
			writer.bytes(intermediate);
		}
		optional_bytes(writer.text("public_key"), self.public_key.as_deref());
		writer.text("user_data").null();
		optional_bytes(writer.text("nonce"), self.nonce.as_deref());
		writer.finish()
	}

	/// The COSE_Sign1 document.
	pub fn build(&self) -> Vec<u8> {
		let protected = {
			let mut writer = Writer::new();
			writer.map(1).integer(1).integer(nitro::ES384);
			writer.finish()
		};
		let payload = self.payload();
		let signature: Signature =
			self.document_key.sign(&nitro::signature_input(&protected, &payload));
		let mut writer = Writer::new();
		writer.array(4).bytes(&protected).map(0).bytes(&payload).bytes(&signature.to_bytes());
		writer.finish()
	}
}

fn optional_bytes(writer: &mut Writer, value: Option<&[u8]>) {
	match value {
		Some(bytes) => writer.bytes(bytes),
		None => writer.null(),
	};
}

/// An X.501 name with one common name.
pub fn name(common_name: &str) -> Vec<u8> {
	let attribute = [
		der::encode(der::tag::OID, &[0x55, 0x04, 0x03]),
		der::encode(0x0c, common_name.as_bytes()),
	]
	.concat();
	der::encode(
		der::tag::SEQUENCE,
		&der::encode(0x31, &der::encode(der::tag::SEQUENCE, &attribute)),
	)
}

/// An ECDSA P-384 / SHA-384 certificate whose only extension is a critical
/// basicConstraints saying whether the subject is a CA (the development root's form).
#[allow(clippy::too_many_arguments)]
pub fn certificate(
	serial: u8,
	issuer: &[u8],
	subject: &[u8],
	not_before: u64,
	not_after: u64,
	subject_key: &VerifyingKey,
	is_ca: bool,
	signer: &SigningKey,
) -> Vec<u8> {
	certificate_with_extensions(
		serial,
		issuer,
		subject,
		not_before,
		not_after,
		subject_key,
		&[Extension::basic_constraints(is_ca, None)],
		signer,
	)
}

/// One X.509 extension as the development CA writes it. The fields are written as given,
/// unchecked, so tests can build unknown, duplicate or malformed extensions.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Extension {
	/// The extension's OID (the content octets of the OBJECT IDENTIFIER).
	pub id: Vec<u8>,
	/// Whether a verifier that does not know the extension must refuse the certificate.
	pub critical: bool,
	/// The DER inside the extension's OCTET STRING.
	pub value: Vec<u8>,
}

impl Extension {
	/// A critical basicConstraints (RFC 5280 §4.2.1.9 asks CAs to mark it critical).
	pub fn basic_constraints(is_ca: bool, path_length: Option<u32>) -> Self {
		use der::{encode, tag};
		let mut fields = Vec::new();
		if is_ca {
			fields.extend(encode(tag::BOOLEAN, &[0xff]));
		}
		if let Some(path_length) = path_length {
			fields.extend(encode(tag::INTEGER, &unsigned_integer(path_length)));
		}
		Extension {
			id: x509::BASIC_CONSTRAINTS.to_vec(),
			critical: true,
			value: encode(tag::SEQUENCE, &fields),
		}
	}

	/// A critical keyUsage with the bits of `usage`.
	pub fn key_usage(usage: KeyUsage) -> Self {
		// Named bit n is the byte's bit 7 - n % 8; DER drops the trailing zero bits.
		let bits = usage.0.reverse_bits().to_be_bytes();
		let used_bytes = match bits {
			[0, 0] => 0,
			[_, 0] => 1,
			_ => 2,
		};
		let unused_bits = match used_bytes {
			0 => 0,
			_ => bits[used_bytes - 1].trailing_zeros() as u8,
		};
		let content = [&[unused_bits][..], &bits[..used_bytes]].concat();
		Extension {
			id: x509::KEY_USAGE.to_vec(),
			critical: true,
			value: der::encode(der::tag::BIT_STRING, &content),
		}
	}
}

/// The extensions of the development CA's intermediates: CA, at most `path_length`
/// intermediates below, and a keyUsage for signing certificates and revocation lists.
pub fn ca_extensions(path_length: Option<u32>) -> Vec<Extension> {
	alloc::vec![
		Extension::basic_constraints(true, path_length),
		Extension::key_usage(KeyUsage::KEY_CERT_SIGN | KeyUsage::CRL_SIGN),
	]
}

/// The extensions of a signing certificate: no CA, and a key for signatures on data.
pub fn leaf_extensions() -> Vec<Extension> {
	alloc::vec![
		Extension::basic_constraints(false, None),
		Extension::key_usage(KeyUsage::DIGITAL_SIGNATURE),
	]
}

/// An ECDSA P-384 / SHA-384 certificate with `extensions`, in order.
#[allow(clippy::too_many_arguments)]
pub fn certificate_with_extensions(
	serial: u8,
	issuer: &[u8],
	subject: &[u8],
	not_before: u64,
	not_after: u64,
	subject_key: &VerifyingKey,
	extensions: &[Extension],
	signer: &SigningKey,
) -> Vec<u8> {
	use der::{encode, tag};
	let algorithm = encode(tag::SEQUENCE, &encode(tag::OID, crate::x509::ECDSA_WITH_SHA384));
	let point = subject_key.to_encoded_point(false);
	let key_info = encode(
		tag::SEQUENCE,
		&[
			encode(
				tag::SEQUENCE,
				&[
					encode(tag::OID, crate::x509::EC_PUBLIC_KEY),
					encode(tag::OID, crate::x509::SECP384R1),
				]
				.concat(),
			),
			encode(tag::BIT_STRING, &[&[0u8][..], point.as_bytes()].concat()),
		]
		.concat(),
	);
	let extensions: Vec<u8> = extensions
		.iter()
		.flat_map(|extension| {
			let critical =
				if extension.critical { encode(tag::BOOLEAN, &[0xff]) } else { Vec::new() };
			encode(
				tag::SEQUENCE,
				&[
					encode(tag::OID, &extension.id),
					critical,
					encode(tag::OCTET_STRING, &extension.value),
				]
				.concat(),
			)
		})
		.collect();
	// RFC 5280 allows no empty extensions list: without extensions the field is left out.
	let extensions = if extensions.is_empty() {
		Vec::new()
	} else {
		encode(tag::CONTEXT_3, &encode(tag::SEQUENCE, &extensions))
	};
	let tbs = encode(
		tag::SEQUENCE,
		&[
			encode(tag::CONTEXT_0, &encode(tag::INTEGER, &[2])),
			encode(tag::INTEGER, &[serial]),
			algorithm.clone(),
			issuer.to_vec(),
			encode(tag::SEQUENCE, &[time(not_before), time(not_after)].concat()),
			subject.to_vec(),
			key_info,
			extensions,
		]
		.concat(),
	);
	let signature: Signature = signer.sign(&tbs);
	let signature = signature.to_der();
	encode(
		tag::SEQUENCE,
		&[tbs, algorithm, encode(tag::BIT_STRING, &[&[0u8][..], signature.as_bytes()].concat())]
			.concat(),
	)
}

/// The content octets of a DER INTEGER holding `value`: the fewest bytes, and a leading
/// zero where the top bit would otherwise read as a sign.
pub fn unsigned_integer(value: u32) -> Vec<u8> {
	let bytes = value.to_be_bytes();
	let skip = bytes.iter().take_while(|&&byte| byte == 0).count().min(3);
	let mut content = Vec::with_capacity(5);
	if bytes[skip] & 0x80 != 0 {
		content.push(0);
	}
	content.extend_from_slice(&bytes[skip..]);
	content
}

/// UTCTime before 2050, GeneralizedTime from then on (RFC 5280 §4.1.2.5).
fn time(secs: u64) -> Vec<u8> {
	let (year, month, day) = civil_from_days(secs / 86_400);
	let of_day = secs % 86_400;
	let clock = alloc::format!(
		"{:02}{:02}{:02}{:02}{:02}Z",
		month,
		day,
		of_day / 3600,
		of_day / 60 % 60,
		of_day % 60
	);
	if year < 2050 {
		der::encode(der::tag::UTC_TIME, alloc::format!("{:02}{}", year % 100, clock).as_bytes())
	} else {
		der::encode(der::tag::GENERALIZED_TIME, alloc::format!("{:04}{}", year, clock).as_bytes())
	}
}

/// The date of a day counted from 1970-01-01.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
	let shifted = days + 719_468;
	let era = shifted / 146_097;
	let day_of_era = shifted - era * 146_097;
	let year_of_era =
		(day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
	let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
	let month_from_march = (5 * day_of_year + 2) / 153;
	let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
	let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
	let year = year_of_era + era * 400 + if month <= 2 { 1 } else { 0 };
	(year, month, day)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn key_usage_is_encoded_as_der_named_bits() {
		let encoded = |usage| Extension::key_usage(usage).value;
		// The AWS Nitro CAs' keyUsage: digitalSignature, keyCertSign, cRLSign.
		let aws = KeyUsage::DIGITAL_SIGNATURE | KeyUsage::KEY_CERT_SIGN | KeyUsage::CRL_SIGN;
		assert_eq!(encoded(aws), [0x03, 0x02, 0x01, 0x86]);
		assert_eq!(encoded(KeyUsage::DIGITAL_SIGNATURE), [0x03, 0x02, 0x07, 0x80]);
		assert_eq!(encoded(KeyUsage::DECIPHER_ONLY), [0x03, 0x03, 0x07, 0x00, 0x80]);
		assert_eq!(encoded(KeyUsage(0)), [0x03, 0x01, 0x00]);
	}

	#[test]
	fn path_lengths_are_minimal_unsigned_integers() {
		assert_eq!(unsigned_integer(0), [0x00]);
		assert_eq!(unsigned_integer(127), [0x7f]);
		assert_eq!(unsigned_integer(128), [0x00, 0x80]);
		assert_eq!(unsigned_integer(0x0100), [0x01, 0x00]);
		assert_eq!(unsigned_integer(u32::MAX), [0x00, 0xff, 0xff, 0xff, 0xff]);
	}
}
