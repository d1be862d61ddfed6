//! The worker's enclave for the TEE tier: an ed25519 result key made when the node starts
//! (it never leaves the process) and an attestation provider that vouches for it.
//!
//! - [`NitroProvider`] runs inside an AWS Nitro enclave: it asks the Nitro Secure Module
//!   (`/dev/nsm`) for an attestation document carrying the key and the chain's nonce.
//! - [`DevelopmentProvider`] issues the same document format from the development CA of
//!   `verin-attestation`, whose key is public: only development and local chains pin its
//!   root, so its attestations are worthless anywhere else.
//!
//! The offchain worker reaches the enclave through the `verin_tee` host functions
//! ([`verin_worker_primitives::TeeExt`]); pallet-enclaves registers and renews the key on
//! chain, pallet-inference asks it for TEE answers.
//!
//! **What the runtime can ask.** The enclave knows the genesis hash of the chain its node
//! follows (from the node's own client, never from the runtime) and runs models with the
//! node's engine. It attests its key only with the registration nonce of that chain and a
//! worker ([`EnclaveBackend::attest_worker`]), and signs only the result message of an
//! output it computed itself, on that chain ([`EnclaveBackend::run_and_sign`]). An operator
//! who starts the approved image on a chain spec of its own gets documents and signatures
//! for that chain only: its runtime can choose neither the nonce nor the signed bytes.

use std::sync::Arc;

use sp_core::{ed25519, hexdisplay::HexDisplay, Pair, H256};
use verin_attestation::cbor::{Reader, Writer};
use verin_primitives::tensor::TensorPayload;
use verin_worker_primitives::{EnclaveBackend, InferenceError, SignedOutput, TeeError};

/// Which attestation provider vouches for the enclave key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TeeProviderKind {
	/// No enclave: the worker takes no TEE jobs.
	None,
	/// The development CA (dev and local chains only; its key is public).
	Dev,
	/// The Nitro Secure Module of the AWS Nitro enclave the node runs in (`/dev/nsm`).
	Nitro,
}

/// Makes attestation documents for the enclave's key.
pub trait AttestationProvider: Send + Sync + 'static {
	/// A document that binds `public_key` and `nonce` to this enclave's measurement.
	fn attest(&self, public_key: &[u8; 32], nonce: &[u8]) -> Result<Vec<u8>, String>;
}

/// Runs a model by content id inside the enclave (the node's engine).
pub type RunModel =
	Box<dyn Fn(H256, &TensorPayload) -> Result<TensorPayload, InferenceError> + Send + Sync>;

/// The enclave: its result key, the provider that attests it, the chain its node follows
/// and the engine it runs models with.
pub struct Enclave {
	key: ed25519::Pair,
	provider: Box<dyn AttestationProvider>,
	genesis_hash: [u8; 32],
	run_model: RunModel,
}

impl Enclave {
	/// An enclave with a fresh key, for the chain with `genesis_hash`.
	pub fn new(
		provider: Box<dyn AttestationProvider>,
		genesis_hash: [u8; 32],
		run_model: RunModel,
	) -> Self {
		Enclave { key: ed25519::Pair::generate().0, provider, genesis_hash, run_model }
	}
}

impl EnclaveBackend for Enclave {
	fn public_key(&self) -> [u8; 32] {
		self.key.public().0
	}

	fn attest_worker(&self, worker: &[u8]) -> Result<Vec<u8>, TeeError> {
		let nonce = verin_attestation::enclave_nonce(&self.genesis_hash, worker);
		self.provider.attest(&self.public_key(), &nonce).map_err(|error| {
			log::warn!(target: "verin-worker", "enclave attestation failed: {error}");
			TeeError::AttestationFailed
		})
	}

	fn run_and_sign(
		&self,
		job: u64,
		content_id: H256,
		input: &TensorPayload,
	) -> Result<SignedOutput, TeeError> {
		use codec::Encode;
		let output = (self.run_model)(content_id, input).map_err(TeeError::Inference)?;
		let message = verin_primitives::market::tee_result_message(
			H256(self.genesis_hash),
			job,
			content_id,
			H256(sp_crypto_hashing::blake2_256(&input.encode())),
			H256(sp_crypto_hashing::blake2_256(&output.encode())),
		);
		let signature = self.key.sign(&message).0;
		Ok(SignedOutput { output, signature })
	}
}

/// The enclave of this node, if `--tee-provider` names one: for the chain with
/// `genesis_hash`, running models with `run_model`. The development provider is refused on
/// a live chain: its attestations prove nothing there.
pub fn enclave(
	kind: TeeProviderKind,
	chain_is_live: bool,
	genesis_hash: [u8; 32],
	run_model: RunModel,
) -> Result<Option<Arc<Enclave>>, String> {
	let provider: Box<dyn AttestationProvider> = match kind {
		TeeProviderKind::None => return Ok(None),
		TeeProviderKind::Dev if chain_is_live => {
			return Err(
				"--tee-provider dev is for development and local chains only (its CA key is \
				 public); use --tee-provider nitro inside an AWS Nitro enclave"
					.into(),
			)
		},
		TeeProviderKind::Dev => {
			log::warn!(
				target: "verin-worker",
				"TEE tier with the DEVELOPMENT attestation provider: its CA key is public; only \
				 dev and local chains accept it"
			);
			Box::new(DevelopmentProvider)
		},
		TeeProviderKind::Nitro => Box::new(NitroProvider::open()?),
	};
	let enclave = Enclave::new(provider, genesis_hash, run_model);
	log::info!(target: "verin-worker", "TEE enclave key 0x{}", HexDisplay::from(&enclave.public_key()));
	Ok(Some(Arc::new(enclave)))
}

/// Attests with the development CA, measuring the software version this node was built as
/// ([`verin_attestation::DEV_SOFTWARE_VERSION`], which development chain specs allow).
pub struct DevelopmentProvider;

impl AttestationProvider for DevelopmentProvider {
	fn attest(&self, public_key: &[u8; 32], nonce: &[u8]) -> Result<Vec<u8>, String> {
		use verin_attestation::dev::{self, DocumentBuilder};
		let now_ms = std::time::SystemTime::now()
			.duration_since(std::time::UNIX_EPOCH)
			.map_err(|error| error.to_string())?
			.as_millis() as u64;
		// A new signing certificate per document, as the NSM issues them; its key is no
		// secret (the CA's is not either).
		let leaf = dev::key_from_label(&format!("verin dev enclave leaf {now_ms} {public_key:?}"));
		let measurement =
			verin_attestation::dev_measurement(verin_attestation::DEV_SOFTWARE_VERSION);
		Ok(DocumentBuilder::new(now_ms, measurement, public_key, nonce, leaf).build())
	}
}

/// Attests through the Nitro Secure Module of the enclave the node runs in.
pub struct NitroProvider {
	device: std::fs::File,
}

/// The NSM driver's one ioctl: `_IOWR(0x0A, 0, struct { iovec request; iovec response; })`.
const NSM_IOCTL_REQUEST: libc::c_ulong =
	(3 << 30) | ((2 * std::mem::size_of::<libc::iovec>() as libc::c_ulong) << 16) | (0x0A << 8);
/// The NSM answers at most this many bytes.
const NSM_RESPONSE_MAX: usize = 0x3000;

impl NitroProvider {
	/// Opens `/dev/nsm`; fails outside a Nitro enclave.
	pub fn open() -> Result<Self, String> {
		let device = std::fs::OpenOptions::new().read(true).write(true).open("/dev/nsm").map_err(
			|error| format!("--tee-provider nitro needs the Nitro Secure Module /dev/nsm: {error}"),
		)?;
		Ok(NitroProvider { device })
	}
}

impl AttestationProvider for NitroProvider {
	fn attest(&self, public_key: &[u8; 32], nonce: &[u8]) -> Result<Vec<u8>, String> {
		use std::os::fd::AsRawFd;
		let mut request = nsm_attestation_request(public_key, nonce);
		let mut response = vec![0u8; NSM_RESPONSE_MAX];
		let mut message = [
			libc::iovec { iov_base: request.as_mut_ptr().cast(), iov_len: request.len() },
			libc::iovec { iov_base: response.as_mut_ptr().cast(), iov_len: response.len() },
		];
		// SAFETY: the driver reads the request buffer and writes at most `iov_len` bytes into
		// the response buffer; both outlive the call, and it updates the response length.
		let status = unsafe {
			libc::ioctl(self.device.as_raw_fd(), NSM_IOCTL_REQUEST as _, message.as_mut_ptr())
		};
		if status < 0 {
			return Err(format!("NSM ioctl: {}", std::io::Error::last_os_error()));
		}
		let length = message[1].iov_len.min(response.len());
		nsm_attestation_document(&response[..length])
	}
}

/// The NSM API's `Attestation` request: `{"Attestation": {"user_data": null, "nonce": …,
/// "public_key": …}}`.
pub fn nsm_attestation_request(public_key: &[u8], nonce: &[u8]) -> Vec<u8> {
	let mut writer = Writer::new();
	writer.map(1).text("Attestation").map(3);
	writer.text("user_data").null();
	writer.text("nonce").bytes(nonce);
	writer.text("public_key").bytes(public_key);
	writer.finish()
}

/// The document of the NSM's answer `{"Attestation": {"document": …}}`, or its error.
pub fn nsm_attestation_document(response: &[u8]) -> Result<Vec<u8>, String> {
	let malformed = |_| "malformed NSM response".to_string();
	let mut reader = Reader::new(response);
	if reader.map_header().map_err(malformed)? != Some(1) {
		return Err("malformed NSM response".into());
	}
	match reader.text().map_err(malformed)? {
		"Attestation" => {
			let fields = reader.map_header().map_err(malformed)?.ok_or("malformed NSM response")?;
			for _ in 0..fields {
				if reader.text().map_err(malformed)? == "document" {
					return reader.bytes().map(<[u8]>::to_vec).map_err(malformed);
				}
				reader.skip().map_err(malformed)?;
			}
			Err("the NSM's answer has no document".into())
		},
		"Error" => {
			Err(format!("the NSM refused: {}", reader.text().unwrap_or("(unreadable error)")))
		},
		other => Err(format!("unexpected NSM answer {other}")),
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use verin_attestation::{nitro, DEV_ROOT_CERTIFICATE};

	use codec::Encode;
	use verin_primitives::tensor::TensorData;

	const OWN_CHAIN: [u8; 32] = [7; 32];

	/// Doubles every byte: a stand-in for the engine.
	fn doubling_model() -> RunModel {
		Box::new(|content_id, input| {
			if content_id != H256::repeat_byte(1) {
				return Err(InferenceError::ModelNotFound);
			}
			let doubled: Vec<TensorData> = input
				.iter()
				.map(|tensor| TensorData {
					shape: tensor.shape.clone(),
					data: tensor
						.data
						.iter()
						.map(|byte| byte.wrapping_mul(2))
						.collect::<Vec<_>>()
						.try_into()
						.unwrap(),
				})
				.collect();
			Ok(doubled.try_into().unwrap())
		})
	}

	fn enclave_on(genesis_hash: [u8; 32]) -> Enclave {
		Enclave::new(Box::new(DevelopmentProvider), genesis_hash, doubling_model())
	}

	fn input() -> TensorPayload {
		vec![TensorData {
			shape: vec![3].try_into().unwrap(),
			data: vec![1, 2, 3].try_into().unwrap(),
		}]
		.try_into()
		.unwrap()
	}

	fn verifies(enclave: &Enclave, message: &[u8], signature: [u8; 64]) -> bool {
		ed25519::Pair::verify(
			&ed25519::Signature::from_raw(signature),
			message,
			&ed25519::Public::from_raw(enclave.public_key()),
		)
	}

	#[test]
	fn the_development_provider_attests_the_enclave_key_for_a_worker_on_its_own_chain() {
		let enclave = enclave_on(OWN_CHAIN);
		let document = enclave.attest_worker(&[5; 32]).unwrap();
		let now =
			std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
		let attested = nitro::verify(&document, |root| root == DEV_ROOT_CERTIFICATE, now).unwrap();
		assert_eq!(attested.public_key, Some(&enclave.public_key()[..]));
		let nonce = verin_attestation::enclave_nonce(&OWN_CHAIN, &[5; 32]);
		assert_eq!(attested.nonce, Some(&nonce[..]));
		assert_eq!(
			attested.pcrs,
			verin_attestation::dev_measurement(verin_attestation::DEV_SOFTWARE_VERSION)
		);
	}

	#[test]
	fn a_runtime_cannot_have_the_enclave_attest_a_nonce_of_its_choosing() {
		// A runtime on the operator's own chain wants a document that registers on the real
		// chain: the nonce of the real chain's genesis hash. All it can pass is a worker.
		let real_chain = [9; 32];
		let wanted = verin_attestation::enclave_nonce(&real_chain, &[5; 32]);
		let enclave = enclave_on(OWN_CHAIN);
		for worker in [&[5u8; 32][..], &wanted[..], &real_chain[..]] {
			let document = enclave.attest_worker(worker).unwrap();
			let now = std::time::SystemTime::now()
				.duration_since(std::time::UNIX_EPOCH)
				.unwrap()
				.as_secs();
			let attested =
				nitro::verify(&document, |root| root == DEV_ROOT_CERTIFICATE, now).unwrap();
			assert_ne!(attested.nonce, Some(&wanted[..]), "the real chain's nonce");
			assert_eq!(
				attested.nonce,
				Some(&verin_attestation::enclave_nonce(&OWN_CHAIN, worker)[..])
			);
		}
	}

	#[test]
	fn a_runtime_cannot_have_the_enclave_sign_an_output_the_model_did_not_produce() {
		let enclave = enclave_on(OWN_CHAIN);
		let signed = enclave.run_and_sign(11, H256::repeat_byte(1), &input()).unwrap();
		// The output is the model's own run.
		assert_eq!(signed.output[0].data.to_vec(), vec![2, 4, 6]);
		let message_for = |genesis: [u8; 32], output: &TensorPayload| {
			verin_primitives::market::tee_result_message(
				H256(genesis),
				11,
				H256::repeat_byte(1),
				H256(sp_crypto_hashing::blake2_256(&input().encode())),
				H256(sp_crypto_hashing::blake2_256(&output.encode())),
			)
		};
		assert!(verifies(&enclave, &message_for(OWN_CHAIN, &signed.output), signed.signature));
		// Not over the output a lying operator would like (its input, unchanged), nor for
		// another chain.
		assert!(!verifies(&enclave, &message_for(OWN_CHAIN, &input()), signed.signature));
		assert!(!verifies(&enclave, &message_for([9; 32], &signed.output), signed.signature));
		// A model the engine cannot run gets no signature at all.
		assert_eq!(
			enclave.run_and_sign(11, H256::repeat_byte(2), &input()),
			Err(TeeError::Inference(InferenceError::ModelNotFound))
		);
	}

	#[test]
	fn nsm_messages_follow_the_nsm_api() {
		let request = nsm_attestation_request(&[1; 32], &[2; 4]);
		let mut reader = Reader::new(&request);
		assert_eq!(reader.map_header(), Ok(Some(1)));
		assert_eq!(reader.text(), Ok("Attestation"));
		assert_eq!(reader.map_header(), Ok(Some(3)));

		let mut answer = Writer::new();
		answer.map(1).text("Attestation").map(1).text("document").bytes(b"doc");
		assert_eq!(nsm_attestation_document(&answer.finish()), Ok(b"doc".to_vec()));
		let mut refusal = Writer::new();
		refusal.map(1).text("Error").text("InvalidArgument");
		assert_eq!(
			nsm_attestation_document(&refusal.finish()),
			Err("the NSM refused: InvalidArgument".into())
		);
		assert!(nsm_attestation_document(&[0xa1]).is_err());
		// The ioctl number the NSM driver defines: _IOWR(0x0A, 0, 32 bytes).
		assert_eq!(NSM_IOCTL_REQUEST, 0xC020_0A00);
	}

	#[test]
	fn the_development_provider_is_refused_on_a_live_chain() {
		let error = enclave(TeeProviderKind::Dev, true, OWN_CHAIN, doubling_model()).err().unwrap();
		assert!(error.contains("development and local chains only"), "{error}");
		assert!(enclave(TeeProviderKind::Dev, false, OWN_CHAIN, doubling_model())
			.unwrap()
			.is_some());
		assert!(enclave(TeeProviderKind::None, true, OWN_CHAIN, doubling_model())
			.unwrap()
			.is_none());
	}

	#[test]
	fn the_nitro_provider_explains_a_missing_device() {
		if std::path::Path::new("/dev/nsm").exists() {
			return;
		}
		let error = NitroProvider::open().err().unwrap();
		assert!(error.contains("/dev/nsm"), "{error}");
	}
}
