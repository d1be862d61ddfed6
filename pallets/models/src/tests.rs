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
	fn filling_one_blocks_expiry_queue_delays_the_next_expiry_rather_than_refusing_it() {
		new_test_ext().execute_with(|| {
			let spread = crate::EXPIRY_SPREAD_BLOCKS as u64;
			let uploads = MAX_EXPIRIES_PER_BLOCK as u64 * spread;
			for model in 0..=uploads {
				register(ALICE, &format!("m{model}"));
			}
			let due = System::block_number() + UPLOAD_TIMEOUT;
			for model in 0..uploads {
				begin(ALICE, model, V1_0, &file(10));
				let expires_at = Uploads::<Test>::get(model).unwrap().expires_at;
				assert_eq!(expires_at, due + model / MAX_EXPIRIES_PER_BLOCK as u64);
			}
			assert_noop!(
				Models::begin_upload(
					RuntimeOrigin::signed(ALICE),
					uploads,
					V1_0,
					int_spec(),
					10,
					1
				),
				Error::<Test>::ExpiryQueueFull
			);
			run_to_block(2);
			begin(ALICE, uploads, V1_0, &file(10));
			assert_eq!(Uploads::<Test>::get(uploads).unwrap().expires_at, due + spread);

			// Each upload still expires, in the block it was queued for.
			run_to_block(due + spread);
			assert_eq!(Uploads::<Test>::iter().count(), 0);
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

			// One chunk of 1.0, two of 1.1, none received of the upload.
			assert_eq!(Models::removal_chunks(model), 3);
			assert_noop!(
				Models::remove(RuntimeOrigin::signed(ALICE), model, 2),
				Error::<Test>::ChunkWitnessTooLow
			);
			assert!(Models::removal_weight(2).all_lt(Models::removal_weight(3)));
			assert_ok!(Models::remove(RuntimeOrigin::signed(ALICE), model, 3));
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
				Models::remove(RuntimeOrigin::signed(ALICE), model, u32::MAX),
				Error::<Test>::ModelHasOpenJobs
			);
			BusyModels::mutate(|busy| busy.clear());
			assert_noop!(
				Models::remove(RuntimeOrigin::signed(BOB), model, u32::MAX),
				Error::<Test>::NotOwner
			);
			assert_noop!(
				Models::remove(RuntimeOrigin::signed(ALICE), 42, u32::MAX),
				Error::<Test>::ModelNotFound
			);
			assert_ok!(Models::remove(RuntimeOrigin::signed(ALICE), model, u32::MAX));
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
			assert_ok!(Models::remove(RuntimeOrigin::signed(ALICE), 1, u32::MAX));
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
		..Default::default()
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
			assert_ok!(Models::remove(RuntimeOrigin::signed(ALICE), model, u32::MAX));
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

mod circuit_review {
	use super::*;
	use crate::{CircuitReviews, RequiredConfirmations, VersionCircuits};
	use sp_core::H256;
	use sp_runtime::{DispatchError, DispatchResult};
	use verin_primitives::{
		market::{ModelCatalog, SlashReason},
		model::CircuitStatus,
	};

	const REVIEWER_1: AccountId = 10;
	const REVIEWER_2: AccountId = 11;
	const REVIEWER_3: AccountId = 12;
	const REVIEWER_4: AccountId = 13;
	const CIRCUIT_LEN: usize = 40;

	fn digest_of(data: &[u8]) -> H256 {
		H256(sp_io::hashing::blake2_256(data))
	}

	/// A digest no honest compile of the test model gives: the circuit of another model.
	fn other_digest() -> H256 {
		H256::repeat_byte(0x99)
	}

	/// ALICE's model with version 1.0 published and a circuit registered; reviewers 1 to 4
	/// bonded. Returns the model and the circuit's digest.
	fn registered_circuit() -> (u64, H256) {
		for reviewer in [REVIEWER_1, REVIEWER_2, REVIEWER_3, REVIEWER_4] {
			bond(reviewer, MIN_REVIEWER_BOND);
		}
		let model = register(ALICE, "zk");
		publish(ALICE, model, V1_0, &file(1000));
		assert_ok!(Models::register_circuit(
			RuntimeOrigin::signed(ALICE),
			model,
			V1_0,
			circuit(CIRCUIT_LEN)
		));
		(model, digest_of(&circuit_data(CIRCUIT_LEN)))
	}

	fn review(who: AccountId, model: u64, compiled: Option<H256>) -> DispatchResult {
		Models::review_circuit(RuntimeOrigin::signed(who), model, V1_0, compiled)
	}

	fn resolve(model: u64, faithful: bool) -> DispatchResult {
		Models::resolve_circuit_dispute(RuntimeOrigin::root(), model, V1_0, faithful)
			.map(|_| ())
			.map_err(|error| error.error)
	}

	fn status(model: u64) -> CircuitStatus {
		Models::circuit_review(model, V1_0).expect("a circuit is registered").status
	}

	fn trusted(model: u64) -> bool {
		Models::served_model(model, Some(V1_0)).expect("published").circuit_trusted
	}

	fn models_events() -> Vec<Event<Test>> {
		System::events()
			.into_iter()
			.filter_map(|record| match record.event {
				RuntimeEvent::Models(event) => Some(event),
				_ => None,
			})
			.collect()
	}

	/// The attack: the owner registers the circuit of a model whose output it chose, and
	/// would serve ZK jobs with its own worker. The circuit pays for nothing until
	/// `RequiredConfirmations` (2) bonded workers other than the owner compiled the
	/// version's bytes and found its digest.
	#[test]
	fn an_owners_free_output_circuit_is_not_trusted_until_others_confirm_it() {
		new_test_ext().execute_with(|| {
			let (model, digest) = registered_circuit();
			assert_eq!(status(model), CircuitStatus::Unreviewed);
			assert!(!trusted(model), "a registered circuit alone does not pay");

			System::reset_events();
			assert_ok!(review(REVIEWER_1, model, Some(digest)));
			assert_eq!(
				models_events(),
				vec![Event::CircuitReviewed {
					model,
					version: V1_0,
					reviewer: REVIEWER_1,
					compiled: Some(digest),
					confirmations: 1
				}]
			);
			assert_eq!(status(model), CircuitStatus::Unreviewed);
			assert!(!trusted(model), "one reviewer's word is not enough");

			System::reset_events();
			assert_ok!(review(REVIEWER_2, model, Some(digest)));
			assert_eq!(
				models_events(),
				vec![
					Event::CircuitReviewed {
						model,
						version: V1_0,
						reviewer: REVIEWER_2,
						compiled: Some(digest),
						confirmations: 2
					},
					Event::CircuitTrusted { model, version: V1_0, confirmations: 2 },
				]
			);
			assert_eq!(status(model), CircuitStatus::Trusted);
			assert!(trusted(model));
			let review_record = Models::circuit_review(model, V1_0).unwrap();
			assert_eq!(review_record.confirmed_by.into_inner(), vec![REVIEWER_1, REVIEWER_2]);
			assert_eq!(review_record.disputed_by, None);

			assert_noop!(review(REVIEWER_3, model, Some(digest)), Error::<Test>::ReviewNotNeeded);
		});
	}

	#[test]
	fn the_owner_cannot_confirm_their_own_circuit() {
		new_test_ext().execute_with(|| {
			let (model, digest) = registered_circuit();
			bond(ALICE, 10 * MIN_REVIEWER_BOND);
			assert_noop!(review(ALICE, model, Some(digest)), Error::<Test>::OwnerCannotReview);
			assert_noop!(review(ALICE, model, None), Error::<Test>::OwnerCannotReview);
			assert_eq!(status(model), CircuitStatus::Unreviewed);
		});
	}

	#[test]
	fn an_unbonded_account_cannot_review() {
		new_test_ext().execute_with(|| {
			let (model, digest) = registered_circuit();
			assert_noop!(review(BOB, model, Some(digest)), Error::<Test>::NotAReviewer);
			assert_noop!(review(BOB, model, None), Error::<Test>::NotAReviewer);
			bond(BOB, MIN_REVIEWER_BOND - 1);
			assert_noop!(review(BOB, model, Some(digest)), Error::<Test>::NotAReviewer);
			bond(BOB, MIN_REVIEWER_BOND);
			assert_ok!(review(BOB, model, Some(digest)));
		});
	}

	#[test]
	fn a_reviewer_reviews_a_circuit_once() {
		new_test_ext().execute_with(|| {
			let (model, digest) = registered_circuit();
			assert_ok!(review(REVIEWER_1, model, Some(digest)));
			assert_noop!(review(REVIEWER_1, model, Some(digest)), Error::<Test>::AlreadyReviewed);
			// A confirmer who turned disputer would be paid its own slash.
			assert_noop!(
				review(REVIEWER_1, model, Some(other_digest())),
				Error::<Test>::AlreadyReviewed
			);
		});
	}

	#[test]
	fn reviews_need_a_published_version_with_a_circuit() {
		new_test_ext().execute_with(|| {
			let (model, digest) = registered_circuit();
			assert_noop!(review(REVIEWER_1, 42, Some(digest)), Error::<Test>::ModelNotFound);
			assert_noop!(
				Models::review_circuit(RuntimeOrigin::signed(REVIEWER_1), model, V1_1, None),
				Error::<Test>::VersionNotFound
			);
			let plain = register(ALICE, "no-circuit");
			publish(ALICE, plain, V1_0, &file(100));
			assert_noop!(review(REVIEWER_1, plain, Some(digest)), Error::<Test>::NoCircuit);
			assert_eq!(Models::circuit_review(plain, V1_0), None);
			assert!(!trusted(plain), "no circuit, nothing trusted");
		});
	}

	/// Whatever the confirmations, one bonded reviewer who compiles something else stops
	/// ZK jobs, and only governance restarts them.
	#[test]
	fn one_dispute_stops_trust_until_governance_resolves_it() {
		new_test_ext().execute_with(|| {
			let (model, digest) = registered_circuit();
			assert_ok!(review(REVIEWER_1, model, Some(digest)));
			assert_ok!(review(REVIEWER_2, model, Some(digest)));
			assert!(trusted(model));

			System::reset_events();
			assert_ok!(review(REVIEWER_3, model, Some(other_digest())));
			assert_eq!(
				models_events(),
				vec![
					Event::CircuitReviewed {
						model,
						version: V1_0,
						reviewer: REVIEWER_3,
						compiled: Some(other_digest()),
						confirmations: 2
					},
					Event::CircuitDisputed {
						model,
						version: V1_0,
						by: REVIEWER_3,
						compiled: Some(other_digest())
					},
				]
			);
			assert_eq!(status(model), CircuitStatus::Disputed);
			assert!(!trusted(model), "a disputed circuit pays for nothing");
			assert_eq!(
				Models::circuit_review(model, V1_0).unwrap().disputed_by,
				Some((REVIEWER_3, Some(other_digest())))
			);

			assert_noop!(
				review(REVIEWER_4, model, Some(digest)),
				Error::<Test>::CircuitUnderDispute
			);
			assert_noop!(review(REVIEWER_4, model, None), Error::<Test>::CircuitUnderDispute);
			assert_noop!(
				Models::resolve_circuit_dispute(RuntimeOrigin::signed(ALICE), model, V1_0, true),
				DispatchError::BadOrigin
			);
			assert_noop!(
				Models::set_required_confirmations(RuntimeOrigin::signed(ALICE), 1),
				DispatchError::BadOrigin
			);

			assert_ok!(resolve(model, true));
			assert_eq!(status(model), CircuitStatus::Upheld);
			assert!(trusted(model));
		});
	}

	/// A reviewer for whom the model does not compile disputes with `None`; that too stops
	/// an unreviewed circuit from ever being trusted by confirmations alone.
	#[test]
	fn a_model_that_does_not_compile_for_a_reviewer_disputes_the_circuit() {
		new_test_ext().execute_with(|| {
			let (model, digest) = registered_circuit();
			assert_ok!(review(REVIEWER_1, model, None));
			assert_eq!(status(model), CircuitStatus::Disputed);
			assert_eq!(
				Models::circuit_review(model, V1_0).unwrap().disputed_by,
				Some((REVIEWER_1, None))
			);
			assert_noop!(
				review(REVIEWER_2, model, Some(digest)),
				Error::<Test>::CircuitUnderDispute
			);
		});
	}

	#[test]
	fn a_false_dispute_costs_the_disputer() {
		new_test_ext().execute_with(|| {
			let (model, digest) = registered_circuit();
			assert_ok!(review(REVIEWER_1, model, Some(other_digest())));

			System::reset_events();
			assert_ok!(resolve(model, true));
			assert_eq!(
				Slashes::get(),
				vec![(REVIEWER_1, REVIEW_SLASH, ALICE, SlashReason::FalseCircuitReview)],
				"the disputer pays the owner whose jobs it stopped"
			);
			assert_eq!(
				models_events(),
				vec![Event::CircuitUpheld {
					model,
					version: V1_0,
					disputer: REVIEWER_1,
					slashed: REVIEW_SLASH
				}]
			);
			// Upheld is trusted without the confirmations, and settled: no more disputes.
			assert_eq!(status(model), CircuitStatus::Upheld);
			assert!(trusted(model));
			assert_noop!(
				review(REVIEWER_2, model, Some(other_digest())),
				Error::<Test>::CircuitSettled
			);
			assert_noop!(review(REVIEWER_2, model, None), Error::<Test>::CircuitSettled);
			assert_noop!(review(REVIEWER_2, model, Some(digest)), Error::<Test>::ReviewNotNeeded);
			assert_noop!(resolve(model, false), Error::<Test>::NotDisputed);
			// The circuit, its deposit and the owner's funds are untouched.
			assert_eq!(Models::version(model, V1_0).unwrap().circuit_digest, Some(digest));
			assert_eq!(ModelRecords::<Test>::get(model).unwrap().deposit, held(ALICE));
		});
	}

	/// A disputer that has less stake left than the slash loses what it has.
	#[test]
	fn a_disputer_with_less_stake_than_the_slash_loses_what_it_has() {
		new_test_ext().execute_with(|| {
			let (model, _) = registered_circuit();
			assert_ok!(review(REVIEWER_1, model, None));
			bond(REVIEWER_1, REVIEW_SLASH / 2);
			assert_ok!(resolve(model, true));
			assert_eq!(
				Slashes::get(),
				vec![(REVIEWER_1, REVIEW_SLASH / 2, ALICE, SlashReason::FalseCircuitReview)]
			);
			assert_eq!(
				last_event(),
				Event::CircuitUpheld {
					model,
					version: V1_0,
					disputer: REVIEWER_1,
					slashed: REVIEW_SLASH / 2
				}
			);
		});
	}

	#[test]
	fn a_rejected_circuit_costs_the_owner_its_deposit_and_the_confirmers_their_slash_and_can_be_registered_again(
	) {
		new_test_ext().execute_with(|| {
			let (model, digest) = registered_circuit();
			let circuit_deposit = DEPOSIT_PER_BYTE * CIRCUIT_LEN as Balance;
			assert_ok!(review(REVIEWER_1, model, Some(digest)));
			assert_ok!(review(REVIEWER_2, model, Some(digest)));
			assert_ok!(review(REVIEWER_3, model, Some(other_digest())));
			let held_before = held(ALICE);
			let issuance_before = Balances::total_issuance();
			let free_before = Balances::balance(&ALICE);

			System::reset_events();
			assert_ok!(resolve(model, false));
			assert_eq!(
				models_events(),
				vec![Event::CircuitRejected {
					model,
					version: V1_0,
					disputer: REVIEWER_3,
					deposit_burnt: circuit_deposit,
					confirmers_slashed: 2 * REVIEW_SLASH
				}]
			);
			// The owner's circuit deposit is burnt: not returned, not paid to anyone.
			assert_eq!(held(ALICE), held_before - circuit_deposit);
			assert_eq!(Balances::balance(&ALICE), free_before);
			assert_eq!(Balances::total_issuance(), issuance_before - circuit_deposit);
			assert_eq!(ModelRecords::<Test>::get(model).unwrap().deposit, held(ALICE));
			assert_eq!(Models::version(model, V1_0).unwrap().deposit, version_deposit(1000));
			// Every confirmer pays the treasury (not the disputer, who may be the owner).
			assert_eq!(
				Slashes::get(),
				vec![
					(REVIEWER_1, REVIEW_SLASH, TREASURY, SlashReason::FalseCircuitReview),
					(REVIEWER_2, REVIEW_SLASH, TREASURY, SlashReason::FalseCircuitReview),
				]
			);
			// The circuit and its review are gone.
			assert_eq!(Models::version(model, V1_0).unwrap().circuit_digest, None);
			assert!(!VersionCircuits::<Test>::contains_key(model, V1_0));
			assert!(!CircuitReviews::<Test>::contains_key(model, V1_0));
			assert_eq!(<Models as ModelCatalog<_, _>>::circuit(model, V1_0), None);
			let served = Models::served_model(model, Some(V1_0)).unwrap();
			assert_eq!((served.circuit_digest, served.circuit_trusted), (None, false));
			assert_noop!(resolve(model, false), Error::<Test>::NotDisputed);

			// The owner registers the right circuit; its review starts afresh.
			let mut right = circuit_data(CIRCUIT_LEN);
			right[1] = 0x42;
			let right_digest = digest_of(&right);
			assert_ok!(Models::register_circuit(
				RuntimeOrigin::signed(ALICE),
				model,
				V1_0,
				right.try_into().unwrap()
			));
			assert_eq!(status(model), CircuitStatus::Unreviewed);
			assert!(!trusted(model));
			// A slashed confirmer is below the reviewer bond until it bonds again.
			assert_noop!(
				review(REVIEWER_1, model, Some(right_digest)),
				Error::<Test>::NotAReviewer
			);
			assert_ok!(review(REVIEWER_3, model, Some(right_digest)));
			assert_ok!(review(REVIEWER_4, model, Some(right_digest)));
			assert!(trusted(model));

			// Removing the model returns what was not burnt.
			assert_ok!(Models::remove(RuntimeOrigin::signed(ALICE), model, u32::MAX));
			assert_eq!(held(ALICE), 0);
		});
	}

	#[test]
	fn only_an_open_dispute_can_be_resolved() {
		new_test_ext().execute_with(|| {
			let (model, digest) = registered_circuit();
			assert_noop!(resolve(model, true), Error::<Test>::NotDisputed);
			assert_noop!(resolve(model, false), Error::<Test>::NotDisputed);
			assert_ok!(review(REVIEWER_1, model, Some(digest)));
			assert_ok!(review(REVIEWER_2, model, Some(digest)));
			assert_noop!(resolve(model, false), Error::<Test>::NotDisputed);
			assert_noop!(
				Models::resolve_circuit_dispute(RuntimeOrigin::root(), 42, V1_0, false),
				Error::<Test>::NotDisputed
			);
		});
	}

	#[test]
	fn genesis_circuits_are_trusted() {
		use sp_runtime::BuildStorage;
		let bytes = file(1000);
		let genesis = crate::GenesisConfig::<Test> {
			models: vec![crate::GenesisModel {
				owner: ALICE,
				metadata: metadata("genesis"),
				price: 7,
				spec: int_spec(),
				size: bytes.len() as u64,
				chunk_hashes: vec![verin_primitives::model::chunk_hash(&bytes)],
				circuit: Some(circuit_data(12)),
			}],
			required_confirmations: 3,
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
			let review = Models::circuit_review(0, V1_0).expect("the genesis circuit's review");
			assert_eq!(review.status, CircuitStatus::Trusted);
			assert!(review.confirmed_by.is_empty(), "trusted on the chain spec's word");
			assert!(trusted(0));
			assert_eq!(RequiredConfirmations::<Test>::get(), 3);
		});
	}

	#[test]
	#[should_panic(expected = "required_confirmations between 1 and MaxCircuitReviewers")]
	fn a_genesis_that_requires_more_confirmations_than_a_review_keeps_is_refused() {
		use sp_runtime::BuildStorage;
		let _ = crate::GenesisConfig::<Test> {
			models: vec![],
			required_confirmations: MAX_CIRCUIT_REVIEWERS + 1,
		}
		.build_storage();
	}

	#[test]
	fn required_confirmations_are_bounded() {
		new_test_ext().execute_with(|| {
			assert_eq!(RequiredConfirmations::<Test>::get(), 2, "the default");
			let set =
				|required| Models::set_required_confirmations(RuntimeOrigin::root(), required);
			assert_noop!(set(0), Error::<Test>::RequiredConfirmationsOutOfRange);
			assert_noop!(
				set(MAX_CIRCUIT_REVIEWERS + 1),
				Error::<Test>::RequiredConfirmationsOutOfRange
			);
			assert_ok!(set(MAX_CIRCUIT_REVIEWERS));
			assert_eq!(
				last_event(),
				Event::RequiredConfirmationsSet { required: MAX_CIRCUIT_REVIEWERS }
			);
			assert_ok!(set(1));
			assert_eq!(RequiredConfirmations::<Test>::get(), 1);
		});
	}

	/// A change of the rule applies at each unreviewed circuit's next confirmation; trusted
	/// circuits stay trusted.
	#[test]
	fn a_new_rule_applies_from_the_next_confirmation() {
		new_test_ext().execute_with(|| {
			let (model, digest) = registered_circuit();
			assert_ok!(Models::set_required_confirmations(RuntimeOrigin::root(), 4));
			assert_ok!(review(REVIEWER_1, model, Some(digest)));
			assert_ok!(review(REVIEWER_2, model, Some(digest)));
			assert_ok!(Models::set_required_confirmations(RuntimeOrigin::root(), 2));
			assert_eq!(status(model), CircuitStatus::Unreviewed);
			assert_ok!(review(REVIEWER_3, model, Some(digest)));
			assert_eq!(status(model), CircuitStatus::Trusted);
			assert_ok!(Models::set_required_confirmations(RuntimeOrigin::root(), 4));
			assert!(trusted(model));
		});
	}

	/// With every confirmation a review keeps required, the last one trusts the circuit and
	/// a trusted circuit can still be disputed by someone new.
	#[test]
	fn a_circuit_needing_every_reviewer_is_trusted_by_the_last_and_still_disputable() {
		new_test_ext().execute_with(|| {
			let (model, digest) = registered_circuit();
			assert_ok!(Models::set_required_confirmations(
				RuntimeOrigin::root(),
				MAX_CIRCUIT_REVIEWERS
			));
			for reviewer in [REVIEWER_1, REVIEWER_2, REVIEWER_3, REVIEWER_4] {
				assert!(!trusted(model));
				assert_ok!(review(reviewer, model, Some(digest)));
			}
			assert!(trusted(model));
			bond(BOB, MIN_REVIEWER_BOND);
			assert_ok!(review(BOB, model, Some(other_digest())));
			assert!(!trusted(model));
			assert_ok!(resolve(model, false));
			assert_eq!(Slashes::get().len(), MAX_CIRCUIT_REVIEWERS as usize);
			assert!(Slashes::get()
				.iter()
				.all(|(_, taken, to, _)| (*taken, *to) == (REVIEW_SLASH, TREASURY)));
		});
	}

	/// Circuits registered before reviews existed have no review record: they read as
	/// unreviewed and take reviews as any other.
	#[test]
	fn a_circuit_without_a_review_record_reads_as_unreviewed() {
		new_test_ext().execute_with(|| {
			let (model, digest) = registered_circuit();
			CircuitReviews::<Test>::remove(model, V1_0);
			assert_eq!(status(model), CircuitStatus::Unreviewed);
			assert!(!trusted(model));
			assert_ok!(review(REVIEWER_1, model, Some(digest)));
			assert_ok!(review(REVIEWER_2, model, Some(digest)));
			assert!(trusted(model));
		});
	}

	#[test]
	fn removing_a_model_removes_its_reviews() {
		new_test_ext().execute_with(|| {
			let (model, digest) = registered_circuit();
			assert_ok!(review(REVIEWER_1, model, Some(digest)));
			assert!(CircuitReviews::<Test>::contains_key(model, V1_0));
			assert_ok!(Models::remove(RuntimeOrigin::signed(ALICE), model, u32::MAX));
			assert!(!CircuitReviews::<Test>::contains_key(model, V1_0));
			assert_eq!(CircuitReviews::<Test>::iter().count(), 0);
			assert_eq!(held(ALICE), 0);
		});
	}

	/// What the inference market reads: `circuit_trusted` through every status.
	#[test]
	fn the_catalog_reports_a_circuit_trusted_only_when_trusted_or_upheld() {
		new_test_ext().execute_with(|| {
			let model = register(ALICE, "zk");
			publish(ALICE, model, V1_0, &file(1000));
			assert!(!trusted(model), "no circuit");
			for reviewer in [REVIEWER_1, REVIEWER_2, REVIEWER_3] {
				bond(reviewer, MIN_REVIEWER_BOND);
			}
			assert_ok!(Models::register_circuit(
				RuntimeOrigin::signed(ALICE),
				model,
				V1_0,
				circuit(CIRCUIT_LEN)
			));
			let digest = digest_of(&circuit_data(CIRCUIT_LEN));
			assert!(!trusted(model), "unreviewed");
			assert_ok!(review(REVIEWER_1, model, Some(digest)));
			assert_ok!(review(REVIEWER_2, model, Some(digest)));
			assert!(trusted(model), "trusted");
			assert_ok!(review(REVIEWER_3, model, None));
			assert!(!trusted(model), "disputed");
			assert_ok!(resolve(model, true));
			assert!(trusted(model), "upheld");
			// The latest version is what a request without a version gets.
			assert!(Models::served_model(model, None).unwrap().circuit_trusted);
		});
	}

	/// The owner's self-dispute: an owner whose accomplices confirmed its free-output
	/// circuit disputes it from yet another account once its jobs are done, to collect the
	/// confirmers' slashes itself. The slashes go to the treasury, never to the disputer, so
	/// the accomplices' stake is lost whoever disputes.
	#[test]
	fn an_owner_disputing_its_own_circuit_does_not_collect_its_confirmers_slashes() {
		new_test_ext().execute_with(|| {
			let (model, digest) = registered_circuit();
			// REVIEWER_1 and REVIEWER_2 are the owner's accomplices, REVIEWER_3 its own
			// disputer.
			assert_ok!(review(REVIEWER_1, model, Some(digest)));
			assert_ok!(review(REVIEWER_2, model, Some(digest)));
			assert_ok!(review(REVIEWER_3, model, Some(other_digest())));
			assert_ok!(resolve(model, false));
			assert!(
				Slashes::get().iter().all(|(_, _, to, _)| *to == TREASURY),
				"slashes of a rejected circuit's confirmers go to the treasury: {:?}",
				Slashes::get()
			);
		});
	}

	fn holds() -> Vec<(AccountId, u32)> {
		JudgementHolds::get().into_iter().collect()
	}

	/// A confirmer who sees a dispute coming could unbond and withdraw before governance
	/// decides, and the slash would find nothing: a dispute holds the stakes it may slash
	/// (the disputer's and every confirmer's) until the verdict, whichever way it goes.
	#[test]
	fn a_confirmer_cannot_withdraw_its_stake_before_the_verdict() {
		for faithful in [false, true] {
			new_test_ext().execute_with(|| {
				let (model, digest) = registered_circuit();
				assert_ok!(review(REVIEWER_1, model, Some(digest)));
				assert_ok!(review(REVIEWER_2, model, Some(digest)));
				assert!(holds().is_empty(), "no dispute, no hold");
				assert_ok!(review(REVIEWER_3, model, Some(other_digest())));
				assert_eq!(holds(), vec![(REVIEWER_1, 1), (REVIEWER_2, 1), (REVIEWER_3, 1)]);
				assert_ok!(resolve(model, faithful));
				assert!(holds().is_empty(), "the verdict releases every hold");
			});
		}
	}

	/// The owner of a disputed circuit removes the model to get back the deposit a
	/// rejection would burn (and strand the reviewers' held stakes): refused until the
	/// verdict.
	#[test]
	fn an_owner_cannot_remove_a_model_to_escape_a_circuit_dispute() {
		new_test_ext().execute_with(|| {
			let (model, _) = registered_circuit();
			assert_ok!(review(REVIEWER_1, model, Some(other_digest())));
			assert_noop!(
				Models::remove(RuntimeOrigin::signed(ALICE), model, u32::MAX),
				Error::<Test>::CircuitUnderDispute
			);
			assert_ok!(resolve(model, false));
			assert_ok!(Models::remove(RuntimeOrigin::signed(ALICE), model, u32::MAX));
			assert!(holds().is_empty());
		});
	}
}

/// The offchain worker's circuit review: a worker node compiles registered circuits and
/// confirms or disputes them with its bonded keys.
mod offchain_review {
	use super::*;
	use crate::{offchain::RESEND_AFTER, Call, CircuitReviews, Versions};
	use sp_core::H256;
	use verin_pallet_support::testing::{offchain_worker_node, TransactionPool};
	use verin_primitives::{market::ModelCatalog, model::CircuitStatus};
	use verin_worker_primitives::InferenceExt;

	const WORKER: AccountId = 20;
	const OTHER_WORKER: AccountId = 21;
	const CIRCUIT_LEN: usize = 40;

	/// A worker node with `keys` in its keystore and [`TestCompiler`] as its engine; ALICE's
	/// model published with a circuit registered. Returns the node's pool, the model, its
	/// content id and the circuit's digest.
	fn node_with_circuit(
		keys: &[AccountId],
	) -> (sp_io::TestExternalities, TransactionPool, u64, H256, H256) {
		let mut ext = new_test_ext();
		let pool = offchain_worker_node(&mut ext, keys.iter().copied());
		ext.register_extension(InferenceExt::new(TestCompiler));
		let (model, content_id) = ext.execute_with(|| {
			let model = register(ALICE, "zk");
			publish(ALICE, model, V1_0, &file(1000));
			assert_ok!(Models::register_circuit(
				RuntimeOrigin::signed(ALICE),
				model,
				V1_0,
				circuit(CIRCUIT_LEN)
			));
			(model, Versions::<Test>::get(model, V1_0).unwrap().content_id)
		});
		let digest = H256(sp_io::hashing::blake2_256(&circuit_data(CIRCUIT_LEN)));
		Compiles::set(Default::default());
		CompileCount::set(0);
		(ext, pool, model, content_id, digest)
	}

	fn run_offchain_worker(block: u64) {
		System::set_block_number(block);
		<Models as frame_support::traits::Hooks<u64>>::offchain_worker(block);
	}

	fn reviews_sent(pool: &TransactionPool) -> Vec<(AccountId, Option<H256>)> {
		pool.take_signed::<RuntimeCall>()
			.into_iter()
			.map(|(signer, call)| match call {
				RuntimeCall::Models(Call::review_circuit { version, compiled, .. }) => {
					assert_eq!(version, V1_0);
					(signer, compiled)
				},
				other => panic!("unexpected call {other:?}"),
			})
			.collect()
	}

	#[test]
	fn a_worker_confirms_a_circuit_that_is_the_compile_of_the_bytes() {
		let (mut ext, pool, _model, content_id, digest) = node_with_circuit(&[WORKER]);
		ext.execute_with(|| {
			bond(WORKER, MIN_REVIEWER_BOND);
			Compiles::mutate(|compiles| compiles.insert(content_id, Some(digest)));
			run_offchain_worker(2);
			assert_eq!(reviews_sent(&pool), vec![(WORKER, Some(digest))]);

			// Claimed: not compiled or sent again while the review may still land.
			run_offchain_worker(3);
			assert!(pool.is_empty());
			assert_eq!(CompileCount::get(), 1);
			// It did not land: sent again once the claim expires.
			run_offchain_worker(2 + RESEND_AFTER as u64);
			assert_eq!(reviews_sent(&pool), vec![(WORKER, Some(digest))]);
		});
	}

	/// The attack from the worker's side: the owner registered the circuit of another
	/// model; an honest worker's compile of the version's bytes disputes it.
	#[test]
	fn a_free_output_circuit_is_disputed_by_a_workers_compile() {
		let (mut ext, pool, _model, content_id, _digest) = node_with_circuit(&[WORKER]);
		ext.execute_with(|| {
			bond(WORKER, MIN_REVIEWER_BOND);
			let honest = H256::repeat_byte(0x42);
			Compiles::mutate(|compiles| compiles.insert(content_id, Some(honest)));
			run_offchain_worker(2);
			assert_eq!(reviews_sent(&pool), vec![(WORKER, Some(honest))]);
		});
	}

	#[test]
	fn a_circuit_for_bytes_that_do_not_compile_is_disputed_with_none() {
		let (mut ext, pool, _model, content_id, _digest) = node_with_circuit(&[WORKER]);
		ext.execute_with(|| {
			bond(WORKER, MIN_REVIEWER_BOND);
			Compiles::mutate(|compiles| compiles.insert(content_id, None));
			run_offchain_worker(2);
			assert_eq!(reviews_sent(&pool), vec![(WORKER, None)]);
		});
	}

	/// A node that cannot compile for a reason of its own (here: it has no bytes) is no
	/// witness against the circuit: it sends nothing, and tries again next run.
	#[test]
	fn a_node_without_the_bytes_sends_no_review_and_tries_again() {
		let (mut ext, pool, _model, content_id, digest) = node_with_circuit(&[WORKER]);
		ext.execute_with(|| {
			bond(WORKER, MIN_REVIEWER_BOND);
			run_offchain_worker(2);
			assert!(pool.is_empty());
			assert_eq!(CompileCount::get(), 1);
			Compiles::mutate(|compiles| compiles.insert(content_id, Some(digest)));
			run_offchain_worker(3);
			assert_eq!(reviews_sent(&pool), vec![(WORKER, Some(digest))]);
		});
	}

	/// The owner's own node, and keys that are not bonded workers, do not review: their
	/// word would be free or self-serving, and the chain would refuse it.
	#[test]
	fn the_owner_and_unbonded_keys_do_not_review() {
		let (mut ext, pool, _model, content_id, digest) = node_with_circuit(&[ALICE, WORKER]);
		ext.execute_with(|| {
			bond(ALICE, MIN_REVIEWER_BOND);
			bond(WORKER, MIN_REVIEWER_BOND - 1);
			Compiles::mutate(|compiles| compiles.insert(content_id, Some(digest)));
			run_offchain_worker(2);
			assert!(pool.is_empty());
			assert_eq!(CompileCount::get(), 0, "nobody to review for: nothing compiled");
		});
	}

	/// Confirmations sent by a node land; the circuit becomes trusted, and the node does
	/// not review it again.
	#[test]
	fn confirmations_from_two_nodes_make_the_circuit_trusted() {
		let (mut ext, pool, model, content_id, digest) = node_with_circuit(&[WORKER, OTHER_WORKER]);
		ext.execute_with(|| {
			bond(WORKER, MIN_REVIEWER_BOND);
			bond(OTHER_WORKER, MIN_REVIEWER_BOND);
			Compiles::mutate(|compiles| compiles.insert(content_id, Some(digest)));
			run_offchain_worker(2);
			for (signer, compiled) in reviews_sent(&pool) {
				assert_ok!(Models::review_circuit(
					RuntimeOrigin::signed(signer),
					model,
					V1_0,
					compiled
				));
			}
			assert_eq!(
				CircuitReviews::<Test>::get(model, V1_0).unwrap().status,
				CircuitStatus::Trusted
			);
			run_offchain_worker(3 + RESEND_AFTER as u64);
			assert!(pool.is_empty());
			assert_eq!(CompileCount::get(), 1);
		});
	}

	/// ALICE's circuit, confirmed by two bonded reviewers other than the node's key.
	fn trust(model: u64, digest: H256) {
		for confirmer in [10, 11] {
			bond(confirmer, MIN_REVIEWER_BOND);
			assert_ok!(Models::review_circuit(
				RuntimeOrigin::signed(confirmer),
				model,
				V1_0,
				Some(digest)
			));
		}
		assert_eq!(
			CircuitReviews::<Test>::get(model, V1_0).unwrap().status,
			CircuitStatus::Trusted
		);
	}

	/// A worker that joins after a circuit was trusted still compiles it once; a faithful
	/// one is remembered and not compiled again.
	#[test]
	fn a_late_worker_checks_a_trusted_circuit_once() {
		let (mut ext, pool, model, content_id, digest) = node_with_circuit(&[WORKER]);
		ext.execute_with(|| {
			trust(model, digest);
			bond(WORKER, MIN_REVIEWER_BOND);
			Compiles::mutate(|compiles| compiles.insert(content_id, Some(digest)));
			run_offchain_worker(2);
			assert!(pool.is_empty(), "confirmations are full: nothing to send");
			run_offchain_worker(3 + RESEND_AFTER as u64);
			assert_eq!(CompileCount::get(), 1, "a faithful trusted circuit is compiled once");
		});
	}

	/// The free-output circuit confirmed by accomplices: a late worker's compile differs,
	/// its dispute stops the circuit's ZK jobs.
	#[test]
	fn a_late_worker_disputes_a_trusted_circuit_that_is_not_the_compile() {
		let (mut ext, pool, model, content_id, digest) = node_with_circuit(&[WORKER]);
		ext.execute_with(|| {
			trust(model, digest);
			bond(WORKER, MIN_REVIEWER_BOND);
			let honest = H256::repeat_byte(0x42);
			Compiles::mutate(|compiles| compiles.insert(content_id, Some(honest)));
			run_offchain_worker(2);
			let sent = reviews_sent(&pool);
			assert_eq!(sent, vec![(WORKER, Some(honest))]);
			assert_ok!(Models::review_circuit(
				RuntimeOrigin::signed(WORKER),
				model,
				V1_0,
				Some(honest)
			));
			assert_eq!(
				CircuitReviews::<Test>::get(model, V1_0).unwrap().status,
				CircuitStatus::Disputed
			);
			assert!(!Models::served_model(model, Some(V1_0)).unwrap().circuit_trusted);
		});
	}
}

/// The bytes uploads put in every node's offchain store leave with their last use: an
/// owner cannot park megabytes on every node for a few fees, and nobody can take another
/// model's bytes off the nodes by uploading and cancelling a copy of them.
mod offchain_bytes {
	use super::*;
	use crate::{ChunkUses, ContentUses};
	use sp_io::TestExternalities;

	fn upload_without_finishing(model: u64, bytes: &[u8]) {
		begin(ALICE, model, V1_0, bytes);
		for index in 0..model::chunk_count(bytes.len() as u64) as usize {
			assert_ok!(Models::upload_chunk(
				RuntimeOrigin::signed(ALICE),
				model,
				index as u32,
				chunk(bytes, index)
			));
		}
	}

	fn chunk_keys(bytes: &[u8]) -> Vec<Vec<u8>> {
		bytes
			.chunks(MODEL_CHUNK_SIZE as usize)
			.map(|c| offchain_chunk_key(&model::chunk_hash(c)))
			.collect()
	}

	/// The offchain store as the node sees it after the blocks executed so far.
	fn stored(ext: &mut TestExternalities, key: &[u8]) -> Option<Vec<u8>> {
		ext.persist_offchain_overlay();
		ext.offchain_db().get(key)
	}

	#[test]
	fn a_cancelled_upload_leaves_no_bytes_in_the_offchain_store() {
		let mut ext = new_test_ext();
		let bytes = file(MODEL_CHUNK_SIZE as usize * 2 + 5);
		let model = ext.execute_with(|| {
			let model = register(ALICE, "parked");
			upload_without_finishing(model, &bytes);
			model
		});
		for key in chunk_keys(&bytes) {
			assert!(stored(&mut ext, &key).is_some(), "indexed while the upload is pending");
		}
		ext.execute_with(|| {
			assert_ok!(Models::cancel_upload(RuntimeOrigin::signed(ALICE), model));
			assert_eq!(ChunkUses::<Test>::iter().count(), 0);
		});
		for key in chunk_keys(&bytes) {
			assert_eq!(stored(&mut ext, &key), None, "cleared when the upload is cancelled");
		}
	}

	#[test]
	fn an_expired_upload_leaves_no_bytes_in_the_offchain_store() {
		let mut ext = new_test_ext();
		let bytes = file(MODEL_CHUNK_SIZE as usize + 5);
		ext.execute_with(|| {
			let model = register(ALICE, "parked");
			upload_without_finishing(model, &bytes);
			run_to_block(1 + UPLOAD_TIMEOUT);
			assert!(Uploads::<Test>::get(model).is_none(), "expired");
		});
		for key in chunk_keys(&bytes) {
			assert_eq!(stored(&mut ext, &key), None, "cleared when the upload expires");
		}
	}

	#[test]
	fn a_removed_model_leaves_no_bytes_or_manifest_in_the_offchain_store() {
		let mut ext = new_test_ext();
		let published = file(MODEL_CHUNK_SIZE as usize + 5);
		let pending = file(300);
		let model = ext.execute_with(|| {
			let model = register(ALICE, "digits");
			publish(ALICE, model, V1_0, &published);
			begin(ALICE, model, V1_1, &pending);
			assert_ok!(Models::upload_chunk(
				RuntimeOrigin::signed(ALICE),
				model,
				0,
				chunk(&pending, 0)
			));
			model
		});
		let manifest = model::offchain_manifest_key(&content_id_of(&published));
		assert!(stored(&mut ext, &manifest).is_some(), "published with its manifest");
		ext.execute_with(|| {
			assert_ok!(Models::remove(RuntimeOrigin::signed(ALICE), model, u32::MAX));
			assert_eq!(ChunkUses::<Test>::iter().count(), 0);
			assert_eq!(ContentUses::<Test>::iter().count(), 0);
		});
		assert_eq!(stored(&mut ext, &manifest), None, "the manifest is cleared");
		for key in chunk_keys(&published).into_iter().chain(chunk_keys(&pending)) {
			assert_eq!(stored(&mut ext, &key), None, "every chunk is cleared");
		}
	}

	#[test]
	fn cancelling_a_copy_of_another_models_chunks_does_not_clear_them() {
		let mut ext = new_test_ext();
		let victim_bytes = file(MODEL_CHUNK_SIZE as usize + 5);
		ext.execute_with(|| {
			let victim = register(BOB, "victim");
			publish(BOB, victim, V1_0, &victim_bytes);
			// The attacker uploads the same bytes under a model of its own, then cancels.
			let copy = register(ALICE, "copy");
			upload_without_finishing(copy, &victim_bytes);
			assert_ok!(Models::cancel_upload(RuntimeOrigin::signed(ALICE), copy));
			// Or publishes them and removes the model.
			publish(ALICE, copy, V1_0, &victim_bytes);
			assert_ok!(Models::remove(RuntimeOrigin::signed(ALICE), copy, u32::MAX));
		});
		for key in chunk_keys(&victim_bytes) {
			assert!(stored(&mut ext, &key).is_some(), "the victim's chunks stay");
		}
		let manifest = model::offchain_manifest_key(&content_id_of(&victim_bytes));
		assert!(stored(&mut ext, &manifest).is_some(), "the victim's manifest stays");
	}

	#[test]
	fn a_chunk_repeated_within_one_file_is_cleared_once_all_its_uses_end() {
		let mut ext = new_test_ext();
		// Two identical chunks and a short tail.
		let mut bytes = vec![9u8; MODEL_CHUNK_SIZE as usize * 2];
		bytes.extend_from_slice(&[1, 2, 3]);
		let model = ext.execute_with(|| {
			let model = register(ALICE, "zeros");
			upload_without_finishing(model, &bytes);
			let repeated = model::chunk_hash(&bytes[..MODEL_CHUNK_SIZE as usize]);
			assert_eq!(ChunkUses::<Test>::get(repeated), Some(2));
			model
		});
		ext.execute_with(|| {
			assert_ok!(Models::cancel_upload(RuntimeOrigin::signed(ALICE), model));
		});
		for key in chunk_keys(&bytes) {
			assert_eq!(stored(&mut ext, &key), None);
		}
	}
}

/// Releasing an upload's chunks costs a counter and an offchain clear per chunk: the calls
/// and the expiry hook that do it are charged per chunk, so a few cheap uploads of many
/// chunks cannot make a block do more work than its weight says.
mod chunk_release_weight {
	use super::*;
	use frame_support::{
		dispatch::{GetDispatchInfo, Pays, PostDispatchInfo},
		traits::{Get, Hooks},
	};

	fn received_chunks(model: u64, chunks: usize) -> Vec<u8> {
		let bytes = file(MODEL_CHUNK_SIZE as usize * chunks);
		begin(ALICE, model, V1_0, &bytes);
		for index in 0..chunks {
			assert_ok!(Models::upload_chunk(
				RuntimeOrigin::signed(ALICE),
				model,
				index as u32,
				chunk(&bytes, index)
			));
		}
		bytes
	}

	#[test]
	fn a_cancel_of_many_chunks_is_charged_for_each_chunk_it_releases() {
		new_test_ext().execute_with(|| {
			let (small, large) = (register(ALICE, "small"), register(ALICE, "large"));
			received_chunks(small, 1);
			received_chunks(large, 3);
			let actual = |model| -> PostDispatchInfo {
				Models::cancel_upload(RuntimeOrigin::signed(ALICE), model).expect("cancelled")
			};
			let (one, three) = (actual(small), actual(large));
			assert_eq!(one.actual_weight, Some(Models::upload_release_weight(1)));
			assert_eq!(three.actual_weight, Some(Models::upload_release_weight(3)));
			assert!(three.actual_weight.unwrap().all_gt(one.actual_weight.unwrap()));
			assert_eq!(one.pays_fee, Pays::Yes);
			// A full upload's chunks cost what `remove` measured for a full version's.
			let max_chunks = <Test as crate::Config>::MaxChunks::get();
			let per_version = <() as crate::weights::WeightInfo>::remove(1)
				.saturating_sub(<() as crate::weights::WeightInfo>::remove(0));
			assert!(per_version.ref_time() > 0 && per_version.proof_size() > 0);
			assert_eq!(Models::chunk_release_weight(max_chunks), per_version);
			let charged = crate::Call::<Test>::cancel_upload { model: small }.get_dispatch_info();
			assert_eq!(charged.call_weight, Models::upload_release_weight(max_chunks));
		});
	}

	#[test]
	fn expiring_uploads_of_many_chunks_are_charged_for_each_chunk_they_release() {
		new_test_ext().execute_with(|| {
			let (small, large) = (register(ALICE, "small"), register(ALICE, "large"));
			received_chunks(small, 1);
			received_chunks(large, 3);
			let due = Uploads::<Test>::get(small).unwrap().expires_at;
			assert_eq!(Uploads::<Test>::get(large).unwrap().expires_at, due);
			System::set_block_number(due);
			let weight = <Models as Hooks<u64>>::on_initialize(due);
			assert_eq!(Uploads::<Test>::iter().count(), 0, "both expired");
			let expected = <() as crate::weights::WeightInfo>::on_initialize_expiries(2)
				.saturating_add(Models::chunk_release_weight(4));
			assert_eq!(weight, expected);
		});
	}
}
