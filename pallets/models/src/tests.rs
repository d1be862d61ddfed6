//! Tests of every call, hook and error path of the model registry.

use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
};
use verin_primitives::{
	model::{
		self, content_id_of, offchain_chunk_key, DeterminismClass, Dim, ElementType, ModelFormat,
		ModelMetadata, ModelStatus, ModelVersion, TensorSchema, TensorSpec, ToleranceRule,
		VersionSpec, MODEL_CHUNK_SIZE,
	},
	tier::{Tier, TierSet},
};

use crate::{
	mock::*, ChunkBytes, Error, Event, HoldReason, ModelIdByName, Models as ModelRecords, Uploads,
};

const V1_0: ModelVersion = ModelVersion::new(1, 0);
const V1_1: ModelVersion = ModelVersion::new(1, 1);

fn metadata(name: &str) -> ModelMetadata {
	ModelMetadata {
		name: name.as_bytes().to_vec().try_into().unwrap(),
		description: b"a digits classifier".to_vec().try_into().unwrap(),
		task: b"image-classification".to_vec().try_into().unwrap(),
		license: b"Apache-2.0".to_vec().try_into().unwrap(),
		tags: vec![b"mnist".to_vec().try_into().unwrap()].try_into().unwrap(),
	}
}

fn tensor(name: &str, element: ElementType, shape: Vec<Dim>) -> TensorSpec {
	TensorSpec {
		name: name.as_bytes().to_vec().try_into().unwrap(),
		element,
		shape: shape.try_into().unwrap(),
	}
}

fn int_spec() -> VersionSpec {
	VersionSpec {
		format: ModelFormat::Onnx { opset: 17 },
		schema: TensorSchema {
			inputs: vec![tensor("input", ElementType::I8, vec![Dim::Batch, Dim::Fixed(64)])]
				.try_into()
				.unwrap(),
			outputs: vec![tensor("scores", ElementType::I32, vec![Dim::Batch, Dim::Fixed(10)])]
				.try_into()
				.unwrap(),
		},
		determinism: DeterminismClass::IntegerExact,
		tiers: [Tier::Vanilla, Tier::Zk].into_iter().collect(),
	}
}

/// A file of `len` bytes whose chunks all differ.
fn file(len: usize) -> Vec<u8> {
	(0..len).map(|i| (i % 251) as u8 ^ (i / 4096) as u8).collect()
}

fn chunk(file: &[u8], index: usize) -> ChunkBytes {
	file.chunks(MODEL_CHUNK_SIZE as usize).nth(index).unwrap().to_vec().try_into().unwrap()
}

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::ModelStorage.into(), &who)
}

fn last_event() -> Event<Test> {
	System::events()
		.into_iter()
		.rev()
		.find_map(|record| match record.event {
			RuntimeEvent::Models(event) => Some(event),
			_ => None,
		})
		.expect("a Models event was emitted")
}

fn register(owner: AccountId, name: &str) -> u64 {
	let id = crate::NextModelId::<Test>::get();
	assert_ok!(Models::register_model(RuntimeOrigin::signed(owner), metadata(name), 7));
	id
}

fn begin(owner: AccountId, model: u64, version: ModelVersion, bytes: &[u8]) {
	let size = bytes.len() as u64;
	assert_ok!(Models::begin_upload(
		RuntimeOrigin::signed(owner),
		model,
		version,
		int_spec(),
		size,
		model::chunk_count(size) as u32
	));
}

/// Registers nothing; uploads `bytes` as `version` of `model` and publishes it.
fn publish(owner: AccountId, model: u64, version: ModelVersion, bytes: &[u8]) {
	begin(owner, model, version, bytes);
	for index in 0..model::chunk_count(bytes.len() as u64) as usize {
		assert_ok!(Models::upload_chunk(
			RuntimeOrigin::signed(owner),
			model,
			index as u32,
			chunk(bytes, index)
		));
	}
	assert_ok!(Models::finish_upload(RuntimeOrigin::signed(owner), model));
}

fn version_deposit(size: usize) -> Balance {
	VERSION_DEPOSIT + DEPOSIT_PER_BYTE * size as Balance
}

mod register_model {
	use super::*;

	#[test]
	fn registers_with_deposit_and_event() {
		new_test_ext().execute_with(|| {
			let model = register(ALICE, "digits");
			let info = Models::model(model).unwrap();
			assert_eq!(info.owner, ALICE);
			assert_eq!(info.price, 7);
			assert_eq!(info.status, ModelStatus::Active);
			assert_eq!(info.deposit, MODEL_DEPOSIT);
			assert_eq!(info.created_at, 1);
			assert!(info.versions.is_empty());
			assert_eq!(held(ALICE), MODEL_DEPOSIT);
			assert_eq!(ModelIdByName::<Test>::get(ALICE, info.metadata.name.clone()), Some(model));
			assert_eq!(
				last_event(),
				Event::ModelRegistered { model, owner: ALICE, name: info.metadata.name }
			);
			assert_eq!(register(ALICE, "other"), model + 1, "ids are sequential");
		});
	}

	#[test]
	fn names_are_unique_per_owner_only() {
		new_test_ext().execute_with(|| {
			register(ALICE, "digits");
			assert_noop!(
				Models::register_model(RuntimeOrigin::signed(ALICE), metadata("digits"), 1),
				Error::<Test>::NameTaken
			);
			register(BOB, "digits");
		});
	}

	#[test]
	fn rejects_empty_name() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				Models::register_model(RuntimeOrigin::signed(ALICE), metadata(""), 1),
				Error::<Test>::EmptyName
			);
		});
	}

	#[test]
	fn rejects_owner_who_cannot_pay_the_deposit() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				Models::register_model(RuntimeOrigin::signed(POOR), metadata("digits"), 1),
				Error::<Test>::InsufficientDeposit
			);
		});
	}

	#[test]
	fn rejects_when_ids_are_exhausted() {
		new_test_ext().execute_with(|| {
			crate::NextModelId::<Test>::put(u64::MAX);
			assert_noop!(
				Models::register_model(RuntimeOrigin::signed(ALICE), metadata("digits"), 1),
				Error::<Test>::ModelIdOverflow
			);
		});
	}
}

mod upload {
	use super::*;

	#[test]
	fn full_upload_publishes_a_version_with_the_recomputable_content_id() {
		new_test_ext().execute_with(|| {
			let model = register(ALICE, "digits");
			let bytes = file(MODEL_CHUNK_SIZE as usize * 2 + 1000);
			begin(ALICE, model, V1_0, &bytes);
			assert_eq!(held(ALICE), MODEL_DEPOSIT + version_deposit(bytes.len()));
			assert_eq!(
				last_event(),
				Event::UploadStarted {
					model,
					version: V1_0,
					size: bytes.len() as u64,
					chunk_count: 3,
					deposit: version_deposit(bytes.len()),
				}
			);

			for index in 0..3 {
				assert_ok!(Models::upload_chunk(
					RuntimeOrigin::signed(ALICE),
					model,
					index,
					chunk(&bytes, index as usize)
				));
				let chunk_hash = model::chunk_hash(&chunk(&bytes, index as usize));
				assert_eq!(last_event(), Event::ChunkUploaded { model, index, chunk_hash });
			}
			assert_ok!(Models::finish_upload(RuntimeOrigin::signed(ALICE), model));

			let expected_id = content_id_of(&bytes);
			assert_eq!(
				last_event(),
				Event::VersionPublished {
					model,
					version: V1_0,
					content_id: expected_id,
					size: bytes.len() as u64
				}
			);
			let version = Models::version(model, V1_0).unwrap();
			assert_eq!(version.content_id, expected_id);
			assert_eq!(version.size, bytes.len() as u64);
			assert_eq!(version.spec, int_spec());
			assert_eq!(version.circuit_digest, None);
			assert_eq!(version.deposit, version_deposit(bytes.len()));
			let hashes = Models::chunk_hashes(model, V1_0).unwrap();
			assert_eq!(model::content_id(bytes.len() as u64, &hashes), expected_id);
			assert_eq!(Models::model(model).unwrap().versions.into_inner(), vec![V1_0]);
			assert!(Uploads::<Test>::get(model).is_none());
			assert!(crate::UploadExpiries::<Test>::iter().next().is_none());
			// The deposit stays held while the version exists.
			assert_eq!(held(ALICE), MODEL_DEPOSIT + version_deposit(bytes.len()));
		});
	}

	#[test]
	fn chunk_bytes_are_indexed_offchain_under_their_hash() {
		let mut ext = new_test_ext();
		let bytes = file(MODEL_CHUNK_SIZE as usize + 77);
		ext.execute_with(|| {
			let model = register(ALICE, "digits");
			publish(ALICE, model, V1_0, &bytes);
		});
		ext.persist_offchain_overlay();
		let offchain = ext.offchain_db();
		for index in 0..2 {
			let bytes = chunk(&bytes, index).into_inner();
			let key = offchain_chunk_key(&model::chunk_hash(&bytes));
			assert_eq!(offchain.get(&key), Some(bytes), "chunk {index} is indexed under its hash");
		}
	}

	#[test]
	fn new_versions_keep_old_content_ids() {
		new_test_ext().execute_with(|| {
			let model = register(ALICE, "digits");
			let first = file(1000);
			let second = file(2000);
			publish(ALICE, model, V1_0, &first);
			publish(ALICE, model, V1_1, &second);
			assert_eq!(Models::version(model, V1_0).unwrap().content_id, content_id_of(&first));
			assert_eq!(Models::version(model, V1_1).unwrap().content_id, content_id_of(&second));
			assert_eq!(Models::model(model).unwrap().latest_version(), Some(V1_1));
			assert_eq!(
				held(ALICE),
				MODEL_DEPOSIT + version_deposit(first.len()) + version_deposit(second.len())
			);
		});
	}

	#[test]
	fn begin_rejects_bad_requests_with_named_errors() {
		new_test_ext().execute_with(|| {
			let model = register(ALICE, "digits");
			let start = |who, version, spec, size, chunks| {
				Models::begin_upload(RuntimeOrigin::signed(who), model, version, spec, size, chunks)
			};
			assert_noop!(
				Models::begin_upload(RuntimeOrigin::signed(ALICE), 99, V1_0, int_spec(), 10, 1),
				Error::<Test>::ModelNotFound
			);
			assert_noop!(start(BOB, V1_0, int_spec(), 10, 1), Error::<Test>::NotOwner);
			assert_noop!(start(ALICE, V1_0, int_spec(), 0, 0), Error::<Test>::EmptyModel);
			assert_noop!(
				start(ALICE, V1_0, int_spec(), MAX_MODEL_SIZE + 1, 9),
				Error::<Test>::ModelTooLarge
			);
			assert_noop!(start(ALICE, V1_0, int_spec(), 10, 2), Error::<Test>::ChunkCountMismatch);

			let mut float_zk = int_spec();
			float_zk.determinism = DeterminismClass::Float(ToleranceRule::ArgmaxEqual);
			float_zk.schema.inputs[0].element = ElementType::F32;
			assert_noop!(start(ALICE, V1_0, float_zk, 10, 1), Error::<Test>::ZkNeedsIntegerExact);

			let mut float_in_int = int_spec();
			float_in_int.schema.inputs[0].element = ElementType::F32;
			assert_noop!(
				start(ALICE, V1_0, float_in_int, 10, 1),
				Error::<Test>::SchemaFloatTensorInIntegerModel
			);

			let mut no_tiers = int_spec();
			no_tiers.tiers = TierSet::empty();
			assert_noop!(start(ALICE, V1_0, no_tiers, 10, 1), Error::<Test>::InvalidTiers);

			let mut no_outputs = int_spec();
			no_outputs.schema.outputs = Default::default();
			assert_noop!(start(ALICE, V1_0, no_outputs, 10, 1), Error::<Test>::SchemaNoTensors);

			let mut unnamed = int_spec();
			unnamed.schema.inputs[0].name = Default::default();
			assert_noop!(start(ALICE, V1_0, unnamed, 10, 1), Error::<Test>::SchemaEmptyTensorName);

			let mut duplicate = int_spec();
			let again = duplicate.schema.outputs[0].clone();
			duplicate.schema.outputs.try_push(again).unwrap();
			assert_noop!(
				start(ALICE, V1_0, duplicate, 10, 1),
				Error::<Test>::SchemaDuplicateTensorName
			);

			let mut zero_dim = int_spec();
			zero_dim.schema.inputs[0].shape[1] = Dim::Fixed(0);
			assert_noop!(start(ALICE, V1_0, zero_dim, 10, 1), Error::<Test>::SchemaZeroDimension);

			let mut late_batch = int_spec();
			late_batch.schema.inputs[0].shape = vec![Dim::Fixed(2), Dim::Batch].try_into().unwrap();
			assert_noop!(
				start(ALICE, V1_0, late_batch, 10, 1),
				Error::<Test>::SchemaMisplacedBatchDimension
			);

			let mut huge = int_spec();
			huge.schema.inputs[0].shape =
				vec![Dim::Fixed(u32::MAX), Dim::Fixed(3)].try_into().unwrap();
			assert_noop!(start(ALICE, V1_0, huge, 10, 1), Error::<Test>::SchemaTensorTooLarge);
		});
	}

	#[test]
	fn begin_rejects_second_upload_old_versions_and_a_full_version_list() {
		new_test_ext().execute_with(|| {
			let model = register(ALICE, "digits");
			publish(ALICE, model, V1_1, &file(10));
			let start = |version| {
				Models::begin_upload(
					RuntimeOrigin::signed(ALICE),
					model,
					version,
					int_spec(),
					10,
					1,
				)
			};
			assert_noop!(start(V1_1), Error::<Test>::VersionNotIncreasing);
			assert_noop!(start(V1_0), Error::<Test>::VersionNotIncreasing);
			assert_ok!(start(ModelVersion::new(2, 0)));
			assert_noop!(start(ModelVersion::new(3, 0)), Error::<Test>::UploadInProgress);

			ModelRecords::<Test>::mutate(model, |info| {
				let info = info.as_mut().unwrap();
				for minor in 2..=model::MAX_VERSIONS as u16 {
					let _ = info.versions.try_push(ModelVersion::new(1, minor));
				}
			});
			assert_ok!(Models::cancel_upload(RuntimeOrigin::signed(ALICE), model));
			assert_noop!(start(ModelVersion::new(9, 0)), Error::<Test>::TooManyVersions);
		});
	}

	#[test]
	fn begin_rejects_owner_who_cannot_pay_the_version_deposit() {
		new_test_ext().execute_with(|| {
			let model = register(CAROL, "digits");
			assert_noop!(
				Models::begin_upload(
					RuntimeOrigin::signed(CAROL),
					model,
					V1_0,
					int_spec(),
					1000,
					1
				),
				Error::<Test>::InsufficientDeposit
			);
		});
	}

	#[test]
	fn begin_rejects_when_the_expiry_block_is_full() {
		new_test_ext().execute_with(|| {
			for name in ["a", "b", "c"] {
				register(ALICE, name);
			}
			begin(ALICE, 0, V1_0, &file(10));
			begin(ALICE, 1, V1_0, &file(10));
			assert_noop!(
				Models::begin_upload(RuntimeOrigin::signed(ALICE), 2, V1_0, int_spec(), 10, 1),
				Error::<Test>::ExpiryQueueFull
			);
			run_to_block(2);
			begin(ALICE, 2, V1_0, &file(10));
		});
	}

	#[test]
	fn chunks_must_arrive_in_order_with_the_right_length() {
		new_test_ext().execute_with(|| {
			let model = register(ALICE, "digits");
			let bytes = file(MODEL_CHUNK_SIZE as usize + 10);
			let send = |who, index, bytes: ChunkBytes| {
				Models::upload_chunk(RuntimeOrigin::signed(who), model, index, bytes)
			};
			assert_noop!(send(ALICE, 0, chunk(&bytes, 0)), Error::<Test>::NoUploadInProgress);
			begin(ALICE, model, V1_0, &bytes);

			assert_noop!(send(BOB, 0, chunk(&bytes, 0)), Error::<Test>::NotOwner);
			assert_noop!(
				Models::upload_chunk(RuntimeOrigin::signed(ALICE), 42, 0, chunk(&bytes, 0)),
				Error::<Test>::ModelNotFound
			);
			assert_noop!(send(ALICE, 1, chunk(&bytes, 1)), Error::<Test>::ChunkOutOfOrder);
			assert_noop!(send(ALICE, 0, chunk(&bytes, 1)), Error::<Test>::ChunkSizeMismatch);
			assert_ok!(send(ALICE, 0, chunk(&bytes, 0)));
			assert_noop!(send(ALICE, 0, chunk(&bytes, 0)), Error::<Test>::ChunkAlreadyUploaded);
			assert_noop!(send(ALICE, 1, chunk(&bytes, 0)), Error::<Test>::ChunkSizeMismatch);
			assert_noop!(send(ALICE, 2, chunk(&bytes, 1)), Error::<Test>::ChunkOutOfOrder);
			assert_ok!(send(ALICE, 1, chunk(&bytes, 1)));
		});
	}

	#[test]
	fn finish_requires_every_chunk_and_the_owner() {
		new_test_ext().execute_with(|| {
			let model = register(ALICE, "digits");
			let bytes = file(MODEL_CHUNK_SIZE as usize + 10);
			assert_noop!(
				Models::finish_upload(RuntimeOrigin::signed(ALICE), model),
				Error::<Test>::NoUploadInProgress
			);
			begin(ALICE, model, V1_0, &bytes);
			assert_ok!(Models::upload_chunk(
				RuntimeOrigin::signed(ALICE),
				model,
				0,
				chunk(&bytes, 0)
			));
			assert_noop!(
				Models::finish_upload(RuntimeOrigin::signed(ALICE), model),
				Error::<Test>::UploadIncomplete
			);
			assert_noop!(
				Models::finish_upload(RuntimeOrigin::signed(BOB), model),
				Error::<Test>::NotOwner
			);
			assert_noop!(
				Models::finish_upload(RuntimeOrigin::signed(ALICE), 42),
				Error::<Test>::ModelNotFound
			);
		});
	}

	#[test]
	fn cancel_returns_the_upload_deposit() {
		new_test_ext().execute_with(|| {
			let model = register(ALICE, "digits");
			let bytes = file(5000);
			assert_noop!(
				Models::cancel_upload(RuntimeOrigin::signed(ALICE), model),
				Error::<Test>::NoUploadInProgress
			);
			begin(ALICE, model, V1_0, &bytes);
			assert_noop!(
				Models::cancel_upload(RuntimeOrigin::signed(BOB), model),
				Error::<Test>::NotOwner
			);
			assert_ok!(Models::cancel_upload(RuntimeOrigin::signed(ALICE), model));
			assert_eq!(
				last_event(),
				Event::UploadCancelled {
					model,
					version: V1_0,
					deposit_returned: version_deposit(bytes.len())
				}
			);
			assert_eq!(held(ALICE), MODEL_DEPOSIT);
			assert_eq!(Models::model(model).unwrap().deposit, MODEL_DEPOSIT);
			assert!(Uploads::<Test>::get(model).is_none());
			assert!(crate::UploadExpiries::<Test>::iter().next().is_none());
			// The same version can be uploaded again.
			publish(ALICE, model, V1_0, &bytes);
		});
	}

	#[test]
	fn interrupted_upload_expires_and_returns_its_deposit() {
		new_test_ext().execute_with(|| {
			let model = register(ALICE, "digits");
			let bytes = file(MODEL_CHUNK_SIZE as usize + 10);
			begin(ALICE, model, V1_0, &bytes);
			assert_ok!(Models::upload_chunk(
				RuntimeOrigin::signed(ALICE),
				model,
				0,
				chunk(&bytes, 0)
			));
			let balance_before = Balances::balance(&ALICE);

			run_to_block(UPLOAD_TIMEOUT);
			assert!(Uploads::<Test>::get(model).is_some(), "not expired before its block");
			run_to_block(1 + UPLOAD_TIMEOUT);

			assert!(Uploads::<Test>::get(model).is_none());
			assert_eq!(
				last_event(),
				Event::UploadExpired {
					model,
					version: V1_0,
					deposit_returned: version_deposit(bytes.len())
				}
			);
			assert_eq!(held(ALICE), MODEL_DEPOSIT);
			assert_eq!(Balances::balance(&ALICE), balance_before + version_deposit(bytes.len()));
			assert_eq!(Models::model(model).unwrap().deposit, MODEL_DEPOSIT);
			assert!(Models::model(model).unwrap().versions.is_empty());
			assert_noop!(
				Models::upload_chunk(RuntimeOrigin::signed(ALICE), model, 1, chunk(&bytes, 1)),
				Error::<Test>::NoUploadInProgress
			);
		});
	}

	#[test]
	fn expiry_spares_a_newer_upload_of_the_same_model() {
		new_test_ext().execute_with(|| {
			let model = register(ALICE, "digits");
			begin(ALICE, model, V1_0, &file(10));
			run_to_block(3);
			assert_ok!(Models::cancel_upload(RuntimeOrigin::signed(ALICE), model));
			begin(ALICE, model, V1_0, &file(10));
			run_to_block(1 + UPLOAD_TIMEOUT);
			assert!(Uploads::<Test>::get(model).is_some(), "the newer upload is still open");
			run_to_block(3 + UPLOAD_TIMEOUT);
			assert!(Uploads::<Test>::get(model).is_none());
		});
	}
}

mod management {
	use super::*;

	#[test]
	fn set_price_by_owner_only() {
		new_test_ext().execute_with(|| {
			let model = register(ALICE, "digits");
			assert_ok!(Models::set_price(RuntimeOrigin::signed(ALICE), model, 99));
			assert_eq!(Models::model(model).unwrap().price, 99);
			assert_eq!(last_event(), Event::PriceSet { model, price: 99 });
			assert_noop!(
				Models::set_price(RuntimeOrigin::signed(BOB), model, 1),
				Error::<Test>::NotOwner
			);
			assert_noop!(
				Models::set_price(RuntimeOrigin::signed(ALICE), 42, 1),
				Error::<Test>::ModelNotFound
			);
		});
	}

	#[test]
	fn status_changes_and_deprecate() {
		new_test_ext().execute_with(|| {
			let model = register(ALICE, "digits");
			assert_ok!(Models::deprecate(RuntimeOrigin::signed(ALICE), model));
			assert_eq!(Models::model(model).unwrap().status, ModelStatus::Deprecated);
			assert_eq!(
				last_event(),
				Event::StatusChanged { model, status: ModelStatus::Deprecated }
			);
			assert_noop!(
				Models::deprecate(RuntimeOrigin::signed(ALICE), model),
				Error::<Test>::StatusUnchanged
			);
			assert_ok!(Models::set_status(
				RuntimeOrigin::signed(ALICE),
				model,
				ModelStatus::Disabled
			));
			assert_eq!(Models::model(model).unwrap().status, ModelStatus::Disabled);
			assert_ok!(Models::set_status(
				RuntimeOrigin::signed(ALICE),
				model,
				ModelStatus::Active
			));
			assert_noop!(
				Models::set_status(RuntimeOrigin::signed(BOB), model, ModelStatus::Disabled),
				Error::<Test>::NotOwner
			);
			assert_noop!(
				Models::deprecate(RuntimeOrigin::signed(ALICE), 42),
				Error::<Test>::ModelNotFound
			);
		});
	}

	#[test]
	fn remove_clears_everything_and_returns_the_whole_deposit() {
		new_test_ext().execute_with(|| {
			let model = register(ALICE, "digits");
			let balance_at_start = Balances::balance(&ALICE) + MODEL_DEPOSIT;
			publish(ALICE, model, V1_0, &file(3000));
			publish(ALICE, model, V1_1, &file(MODEL_CHUNK_SIZE as usize + 1));
			begin(ALICE, model, ModelVersion::new(2, 0), &file(100));
			let total = Models::model(model).unwrap().deposit;

			assert_ok!(Models::remove(RuntimeOrigin::signed(ALICE), model));
			assert_eq!(last_event(), Event::ModelRemoved { model, deposit_returned: total });
			assert_eq!(held(ALICE), 0);
			assert_eq!(Balances::balance(&ALICE), balance_at_start);
			assert!(Models::model(model).is_none());
			assert!(Models::version(model, V1_0).is_none());
			assert!(Models::chunk_hashes(model, V1_1).is_none());
			assert!(Uploads::<Test>::get(model).is_none());
			assert!(crate::UploadExpiries::<Test>::iter().next().is_none());
			// The name is free again.
			register(ALICE, "digits");
		});
	}

	#[test]
	fn remove_is_refused_with_open_jobs_or_by_others() {
		new_test_ext().execute_with(|| {
			let model = register(ALICE, "digits");
			BusyModels::mutate(|busy| busy.push(model));
			assert_noop!(
				Models::remove(RuntimeOrigin::signed(ALICE), model),
				Error::<Test>::ModelHasOpenJobs
			);
			BusyModels::mutate(|busy| busy.clear());
			assert_noop!(
				Models::remove(RuntimeOrigin::signed(BOB), model),
				Error::<Test>::NotOwner
			);
			assert_noop!(
				Models::remove(RuntimeOrigin::signed(ALICE), 42),
				Error::<Test>::ModelNotFound
			);
			assert_ok!(Models::remove(RuntimeOrigin::signed(ALICE), model));
		});
	}

	#[test]
	fn ownership_moves_in_two_steps_with_the_deposit() {
		new_test_ext().execute_with(|| {
			let model = register(ALICE, "digits");
			publish(ALICE, model, V1_0, &file(4000));
			let deposit = Models::model(model).unwrap().deposit;

			assert_noop!(
				Models::transfer_ownership(RuntimeOrigin::signed(ALICE), model, ALICE),
				Error::<Test>::AlreadyOwner
			);
			assert_noop!(
				Models::transfer_ownership(RuntimeOrigin::signed(BOB), model, BOB),
				Error::<Test>::NotOwner
			);
			assert_noop!(
				Models::accept_ownership(RuntimeOrigin::signed(BOB), model),
				Error::<Test>::NotPendingOwner
			);
			assert_ok!(Models::transfer_ownership(RuntimeOrigin::signed(ALICE), model, BOB));
			assert_eq!(last_event(), Event::OwnershipOffered { model, from: ALICE, to: BOB });
			assert_noop!(
				Models::accept_ownership(RuntimeOrigin::signed(POOR), model),
				Error::<Test>::NotPendingOwner
			);
			assert_noop!(
				Models::accept_ownership(RuntimeOrigin::signed(BOB), 42),
				Error::<Test>::ModelNotFound
			);

			assert_ok!(Models::accept_ownership(RuntimeOrigin::signed(BOB), model));
			assert_eq!(last_event(), Event::OwnershipTransferred { model, from: ALICE, to: BOB });
			let info = Models::model(model).unwrap();
			assert_eq!((info.owner, info.pending_owner), (BOB, None));
			assert_eq!((held(ALICE), held(BOB)), (0, deposit));
			let name = info.metadata.name;
			assert_eq!(ModelIdByName::<Test>::get(BOB, &name), Some(model));
			assert_eq!(ModelIdByName::<Test>::get(ALICE, &name), None);
			assert_noop!(
				Models::set_price(RuntimeOrigin::signed(ALICE), model, 1),
				Error::<Test>::NotOwner
			);
			assert_ok!(Models::set_price(RuntimeOrigin::signed(BOB), model, 1));
		});
	}

	#[test]
	fn accepting_needs_a_free_name_and_the_deposit() {
		new_test_ext().execute_with(|| {
			let model = register(ALICE, "digits");
			register(BOB, "digits");
			assert_ok!(Models::transfer_ownership(RuntimeOrigin::signed(ALICE), model, BOB));
			assert_noop!(
				Models::accept_ownership(RuntimeOrigin::signed(BOB), model),
				Error::<Test>::NameTaken
			);
			assert_ok!(Models::transfer_ownership(RuntimeOrigin::signed(ALICE), model, POOR));
			assert_noop!(
				Models::accept_ownership(RuntimeOrigin::signed(POOR), model),
				Error::<Test>::InsufficientDeposit
			);
			assert_eq!(held(ALICE), MODEL_DEPOSIT, "a failed acceptance moves nothing");
		});
	}
}

mod reading {
	use super::*;

	#[test]
	fn models_pages_in_id_order_and_skips_removed_ids() {
		new_test_ext().execute_with(|| {
			for name in ["a", "b", "c", "d"] {
				register(ALICE, name);
			}
			assert_ok!(Models::remove(RuntimeOrigin::signed(ALICE), 1));
			let ids = |start, limit| -> Vec<u64> {
				Models::models(start, limit).into_iter().map(|(id, _)| id).collect()
			};
			assert_eq!(ids(0, 10), vec![0, 2, 3]);
			assert_eq!(ids(0, 2), vec![0, 2]);
			assert_eq!(ids(3, 2), vec![3]);
			assert_eq!(ids(9, 2), Vec::<u64>::new());
			assert_eq!(Models::chunk_hashes(0, V1_0), None);
			assert_eq!(Models::version(0, V1_0), None);
		});
	}
}

#[test]
fn integrity_test_passes_for_the_mock() {
	use frame_support::traits::Hooks;
	new_test_ext().execute_with(|| {
		<crate::Pallet<Test> as Hooks<u64>>::integrity_test();
	});
}

#[test]
fn catalog_serves_named_or_latest_versions_only_once_published() {
	use verin_primitives::market::ModelCatalog;
	new_test_ext().execute_with(|| {
		let model = register(ALICE, "catalog");
		assert_eq!(Models::served_model(model, None), None, "no version published yet");
		publish(ALICE, model, ModelVersion::new(1, 0), &file(10));
		publish(ALICE, model, ModelVersion::new(1, 1), &file(20));
		let latest = Models::served_model(model, None).expect("latest is published");
		assert_eq!(latest.version, ModelVersion::new(1, 1));
		assert_eq!(latest.owner, ALICE);
		assert_eq!(latest.content_id, verin_primitives::model::content_id_of(&file(20)));
		let pinned = Models::served_model(model, Some(ModelVersion::new(1, 0))).unwrap();
		assert_eq!(pinned.content_id, verin_primitives::model::content_id_of(&file(10)));
		assert_eq!(Models::served_model(model, Some(ModelVersion::new(2, 0))), None);
		assert_eq!(Models::served_model(model + 1, None), None);
	});
}

#[test]
fn genesis_publishes_models_with_deposits_held() {
	use sp_runtime::BuildStorage;
	let bytes = file(300_000);
	let hashes: Vec<sp_core::H256> =
		bytes.chunks(MODEL_CHUNK_SIZE as usize).map(verin_primitives::model::chunk_hash).collect();
	let genesis = crate::GenesisConfig::<Test> {
		models: vec![crate::GenesisModel {
			owner: ALICE,
			metadata: metadata("genesis"),
			price: 7,
			spec: int_spec(),
			size: bytes.len() as u64,
			chunk_hashes: hashes.clone(),
			circuit: Some(circuit_data(12)),
		}],
	};
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(ALICE, INITIAL_BALANCE)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	genesis.assimilate_storage(&mut storage).unwrap();
	sp_io::TestExternalities::new(storage).execute_with(|| {
		let info = Models::model(0).expect("registered at genesis");
		assert_eq!(
			(info.owner, info.price, info.versions.to_vec()),
			(ALICE, 7, vec![ModelVersion::new(1, 0)])
		);
		let version = Models::version(0, ModelVersion::new(1, 0)).unwrap();
		assert_eq!(version.content_id, verin_primitives::model::content_id_of(&bytes));
		assert_eq!(Models::chunk_hashes(0, ModelVersion::new(1, 0)), Some(hashes));
		assert_eq!(
			version.circuit_digest,
			Some(sp_core::H256(sp_io::hashing::blake2_256(&circuit_data(12))))
		);
		assert_eq!(
			held(ALICE),
			MODEL_DEPOSIT + version_deposit(bytes.len()) + DEPOSIT_PER_BYTE * 12
		);
		assert_eq!(info.deposit, held(ALICE));
	});
}

/// Verifier data the mock's inspector accepts, `len` bytes long.
fn circuit_data(len: usize) -> Vec<u8> {
	let mut data = vec![CIRCUIT_MAGIC];
	data.extend((1..len).map(|i| i as u8));
	data
}

fn circuit(
	len: usize,
) -> frame_support::BoundedVec<u8, frame_support::traits::ConstU32<MAX_CIRCUIT_BYTES>> {
	circuit_data(len).try_into().unwrap()
}

mod register_circuit {
	use super::*;
	use crate::VersionCircuits;
	use verin_primitives::market::ModelCatalog;

	#[test]
	fn registers_the_digest_holds_the_deposit_and_serves_the_data() {
		new_test_ext().execute_with(|| {
			let model = register(ALICE, "zk");
			publish(ALICE, model, V1_0, &file(1000));
			let before = held(ALICE);
			assert_ok!(Models::register_circuit(
				RuntimeOrigin::signed(ALICE),
				model,
				V1_0,
				circuit(40)
			));
			let digest = sp_core::H256(sp_io::hashing::blake2_256(&circuit_data(40)));
			let deposit = DEPOSIT_PER_BYTE * 40;
			assert_eq!(
				last_event(),
				Event::CircuitRegistered { model, version: V1_0, digest, deposit }
			);
			assert_eq!(held(ALICE), before + deposit);
			assert_eq!(Models::version(model, V1_0).unwrap().circuit_digest, Some(digest));
			assert_eq!(Models::served_model(model, None).unwrap().circuit_digest, Some(digest));
			assert_eq!(
				<Models as ModelCatalog<_, _>>::circuit(model, V1_0),
				Some(circuit_data(40))
			);
			assert_eq!(ModelRecords::<Test>::get(model).unwrap().deposit, held(ALICE));

			// Removing the model returns everything, circuit included.
			assert_ok!(Models::remove(RuntimeOrigin::signed(ALICE), model));
			assert_eq!(held(ALICE), 0);
			assert!(!VersionCircuits::<Test>::contains_key(model, V1_0));
		});
	}

	#[test]
	fn refusals_are_named_and_hold_nothing() {
		new_test_ext().execute_with(|| {
			let model = register(ALICE, "zk");
			publish(ALICE, model, V1_0, &file(1000));
			let before = held(ALICE);
			assert_noop!(
				Models::register_circuit(RuntimeOrigin::signed(BOB), model, V1_0, circuit(8)),
				Error::<Test>::NotOwner
			);
			assert_noop!(
				Models::register_circuit(RuntimeOrigin::signed(ALICE), model, V1_1, circuit(8)),
				Error::<Test>::VersionNotFound
			);
			let mut garbage = circuit_data(8);
			garbage[0] = 0;
			assert_noop!(
				Models::register_circuit(
					RuntimeOrigin::signed(ALICE),
					model,
					V1_0,
					garbage.try_into().unwrap()
				),
				Error::<Test>::MalformedCircuit
			);
			assert_ok!(Models::register_circuit(
				RuntimeOrigin::signed(ALICE),
				model,
				V1_0,
				circuit(8)
			));
			assert_noop!(
				Models::register_circuit(RuntimeOrigin::signed(ALICE), model, V1_0, circuit(9)),
				Error::<Test>::CircuitAlreadyRegistered
			);
			assert_eq!(held(ALICE), before + DEPOSIT_PER_BYTE * 8);

			// A version without the ZK tier takes no circuit.
			let plain = register(ALICE, "plain");
			let mut spec = int_spec();
			spec.tiers = [Tier::Vanilla].into_iter().collect();
			let bytes = file(100);
			assert_ok!(Models::begin_upload(
				RuntimeOrigin::signed(ALICE),
				plain,
				V1_0,
				spec,
				100,
				1
			));
			assert_ok!(Models::upload_chunk(
				RuntimeOrigin::signed(ALICE),
				plain,
				0,
				chunk(&bytes, 0)
			));
			assert_ok!(Models::finish_upload(RuntimeOrigin::signed(ALICE), plain));
			assert_noop!(
				Models::register_circuit(RuntimeOrigin::signed(ALICE), plain, V1_0, circuit(8)),
				Error::<Test>::ZkNotOffered
			);
		});
	}

	/// The spec-type attack: an owner registers an int8 circuit under a spec that declares
	/// int32 rows, so the runtime would read a job's bytes as values the circuit's bounds
	/// never allowed. A circuit whose own row types and widths differ from the spec's is
	/// refused; nothing is held.
	#[test]
	fn a_circuit_whose_rows_differ_from_the_spec_is_refused() {
		new_test_ext().execute_with(|| {
			let model = register(ALICE, "zk");
			publish(ALICE, model, V1_0, &file(1000));
			let before = held(ALICE);
			let mut data = circuit_data(8);
			data[1] = OTHER_ROWS;
			assert_noop!(
				Models::register_circuit(
					RuntimeOrigin::signed(ALICE),
					model,
					V1_0,
					data.try_into().unwrap()
				),
				Error::<Test>::CircuitSpecMismatch
			);
			assert_eq!(held(ALICE), before);
			assert_eq!(Models::version(model, V1_0).unwrap().circuit_digest, None);
		});
	}

	#[test]
	fn an_owner_who_cannot_pay_the_deposit_is_refused() {
		new_test_ext().execute_with(|| {
			let model = register(ALICE, "zk");
			publish(ALICE, model, V1_0, &file(1000));
			assert_ok!(Balances::force_set_balance(RuntimeOrigin::root(), ALICE, 10));
			assert_noop!(
				Models::register_circuit(RuntimeOrigin::signed(ALICE), model, V1_0, circuit(40)),
				Error::<Test>::InsufficientDeposit
			);
		});
	}
}
