//! Benchmarks of `pallet-models`: every call at its worst case, and the expiry hook.

use super::*;
use alloc::vec;
use frame_benchmarking::v2::*;
use frame_support::traits::Hooks;
use frame_system::RawOrigin;
use verin_primitives::{
	model::{
		DeterminismClass, Dim, ElementType, ModelFormat, TensorSchema, TensorSpec,
		MAX_DESCRIPTION_LEN, MAX_LICENSE_LEN, MAX_MODEL_NAME_LEN, MAX_TAGS, MAX_TAG_LEN,
		MAX_TASK_LEN, MAX_TENSORS, MAX_TENSOR_NAME_LEN, MAX_TENSOR_RANK, MAX_VERSIONS,
	},
	tier::Tier,
};

fn funded<T: Config>(who: &T::AccountId) {
	let plenty: BalanceOf<T> = u64::MAX.saturated_into();
	let _ = T::Currency::set_balance(who, plenty);
}

fn bytes_of<const N: u32>(fill: u8, len: u32) -> BoundedVec<u8, ConstU32<N>> {
	vec![fill; len as usize].try_into().expect("len fits the bound")
}

/// Metadata with every field at its longest.
fn largest_metadata(seed: u8) -> ModelMetadata {
	ModelMetadata {
		name: bytes_of(seed, MAX_MODEL_NAME_LEN),
		description: bytes_of(b'd', MAX_DESCRIPTION_LEN),
		task: bytes_of(b't', MAX_TASK_LEN),
		license: bytes_of(b'l', MAX_LICENSE_LEN),
		tags: vec![bytes_of(b'g', MAX_TAG_LEN); MAX_TAGS as usize].try_into().expect("MAX_TAGS"),
	}
}

/// The most expensive spec to validate: every tensor list full, every shape at full rank.
fn largest_spec() -> VersionSpec {
	let tensor = |index: u32| TensorSpec {
		name: {
			let mut name = vec![b'n'; MAX_TENSOR_NAME_LEN as usize];
			name[0] = index as u8;
			name.try_into().expect("bounded name")
		},
		element: ElementType::I8,
		shape: core::iter::once(Dim::Batch)
			.chain((1..MAX_TENSOR_RANK).map(|_| Dim::Fixed(2)))
			.collect::<alloc::vec::Vec<_>>()
			.try_into()
			.expect("bounded rank"),
	};
	let tensors = || {
		(0..MAX_TENSORS).map(tensor).collect::<alloc::vec::Vec<_>>().try_into().expect("bounded")
	};
	VersionSpec {
		format: ModelFormat::Onnx { opset: 17 },
		schema: TensorSchema { inputs: tensors(), outputs: tensors() },
		determinism: DeterminismClass::IntegerExact,
		tiers: Tier::ALL.into_iter().collect(),
	}
}

fn registered<T: Config>(owner: &T::AccountId, seed: u8) -> ModelId {
	funded::<T>(owner);
	let model = NextModelId::<T>::get();
	Pallet::<T>::register_model(
		RawOrigin::Signed(owner.clone()).into(),
		largest_metadata(seed),
		1u32.into(),
	)
	.expect("registration succeeds");
	model
}

/// Begins an upload of `version` with `chunks` full chunks and marks `received` of them as
/// arrived, without hashing real bytes.
fn pending_upload<T: Config>(
	owner: &T::AccountId,
	model: ModelId,
	version: ModelVersion,
	chunks: u32,
	received: u32,
) {
	let size = chunks as u64 * MODEL_CHUNK_SIZE as u64;
	Pallet::<T>::begin_upload(
		RawOrigin::Signed(owner.clone()).into(),
		model,
		version,
		largest_spec(),
		size,
		chunks,
	)
	.expect("upload begins");
	Uploads::<T>::mutate(model, |upload| {
		let upload = upload.as_mut().expect("just begun");
		for index in 0..received {
			let _ = upload.chunk_hashes.try_push(H256::repeat_byte(index as u8));
		}
	});
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_model() {
		let caller: T::AccountId = whitelisted_caller();
		funded::<T>(&caller);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), largest_metadata(1), 1u32.into());

		assert!(Models::<T>::contains_key(0));
	}

	#[benchmark]
	fn begin_upload() {
		let caller: T::AccountId = whitelisted_caller();
		let model = registered::<T>(&caller, 1);
		let size = T::MaxModelSize::get();
		let chunks = model::chunk_count(size) as u32;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), model, ModelVersion::new(1, 0), largest_spec(), size, chunks);

		assert!(Uploads::<T>::contains_key(model));
	}

	#[benchmark]
	fn upload_chunk(l: Linear<1, MODEL_CHUNK_SIZE>) {
		let caller: T::AccountId = whitelisted_caller();
		let model = registered::<T>(&caller, 1);
		Pallet::<T>::begin_upload(
			RawOrigin::Signed(caller.clone()).into(),
			model,
			ModelVersion::new(1, 0),
			largest_spec(),
			l as u64,
			1,
		)
		.expect("upload begins");
		let bytes: ChunkBytes = bytes_of(7, l);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), model, 0, bytes);

		assert_eq!(Uploads::<T>::get(model).expect("pending").chunk_hashes.len(), 1);
	}

	#[benchmark]
	fn finish_upload(c: Linear<1, { T::MaxChunks::get() }>) {
		let caller: T::AccountId = whitelisted_caller();
		let model = registered::<T>(&caller, 1);
		pending_upload::<T>(&caller, model, ModelVersion::new(1, 0), c, c);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), model);

		assert!(Versions::<T>::contains_key(model, ModelVersion::new(1, 0)));
	}

	#[benchmark]
	fn cancel_upload() {
		let caller: T::AccountId = whitelisted_caller();
		let model = registered::<T>(&caller, 1);
		pending_upload::<T>(
			&caller,
			model,
			ModelVersion::new(1, 0),
			T::MaxChunks::get(),
			T::MaxChunks::get() - 1,
		);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), model);

		assert!(!Uploads::<T>::contains_key(model));
	}

	#[benchmark]
	fn set_price() {
		let caller: T::AccountId = whitelisted_caller();
		let model = registered::<T>(&caller, 1);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), model, 99u32.into());

		assert_eq!(Models::<T>::get(model).expect("exists").price, 99u32.into());
	}

	#[benchmark]
	fn set_status() {
		let caller: T::AccountId = whitelisted_caller();
		let model = registered::<T>(&caller, 1);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), model, ModelStatus::Disabled);

		assert_eq!(Models::<T>::get(model).expect("exists").status, ModelStatus::Disabled);
	}

	#[benchmark]
	fn remove(v: Linear<0, { MAX_VERSIONS - 1 }>) {
		let caller: T::AccountId = whitelisted_caller();
		let model = registered::<T>(&caller, 1);
		let chunks: BoundedVec<H256, T::MaxChunks> = (0..T::MaxChunks::get())
			.map(|i| H256::repeat_byte(i as u8))
			.collect::<alloc::vec::Vec<_>>()
			.try_into()
			.expect("MaxChunks hashes fit");
		Models::<T>::mutate(model, |info| {
			let info = info.as_mut().expect("exists");
			for minor in 0..v {
				let version = ModelVersion::new(1, minor as u16);
				let _ = info.versions.try_push(version);
				Versions::<T>::insert(
					model,
					version,
					VersionInfo::<T> {
						content_id: H256::repeat_byte(1),
						size: 1,
						spec: largest_spec(),
						circuit_digest: Some(H256::repeat_byte(2)),
						deposit: Zero::zero(),
						created_at: Zero::zero(),
					},
				);
				VersionChunks::<T>::insert(model, version, chunks.clone());
			}
		});
		let chunks = T::MaxChunks::get();
		pending_upload::<T>(&caller, model, ModelVersion::new(2, 0), chunks, chunks - 1);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), model);

		assert!(!Models::<T>::contains_key(model));
	}

	#[benchmark]
	fn transfer_ownership() {
		let caller: T::AccountId = whitelisted_caller();
		let model = registered::<T>(&caller, 1);
		let new_owner: T::AccountId = account("new_owner", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), model, new_owner.clone());

		assert_eq!(Models::<T>::get(model).expect("exists").pending_owner, Some(new_owner));
	}

	#[benchmark]
	fn accept_ownership() {
		let owner: T::AccountId = account("owner", 0, 0);
		let model = registered::<T>(&owner, 1);
		let caller: T::AccountId = whitelisted_caller();
		funded::<T>(&caller);
		Pallet::<T>::transfer_ownership(RawOrigin::Signed(owner).into(), model, caller.clone())
			.expect("offer succeeds");

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), model);

		assert_eq!(Models::<T>::get(model).expect("exists").owner, caller);
	}

	#[benchmark]
	fn on_initialize_expiries(n: Linear<0, { T::MaxExpiriesPerBlock::get() }>) {
		let owner: T::AccountId = account("owner", 0, 0);
		for seed in 0..n {
			let model = registered::<T>(&owner, seed as u8);
			pending_upload::<T>(
				&owner,
				model,
				ModelVersion::new(1, 0),
				T::MaxChunks::get(),
				T::MaxChunks::get() - 1,
			);
		}
		let expiry = frame_system::Pallet::<T>::block_number() + T::UploadTimeout::get();

		#[block]
		{
			Pallet::<T>::on_initialize(expiry);
		}

		assert_eq!(Uploads::<T>::iter().count(), 0);
	}

	/// The inspector decodes the data and hashes it; the deposit is held per byte.
	#[benchmark]
	fn register_circuit(b: Linear<1, { T::MaxCircuitBytes::get() }>) {
		let caller: T::AccountId = whitelisted_caller();
		funded::<T>(&caller);
		let (verifier_data, schema) = T::BenchmarkHelper::verifier_data(b);
		let spec = VersionSpec { schema, ..largest_spec() };
		let (model, version) =
			Pallet::<T>::publish_for_benchmarks(caller.clone(), 1u32.into(), spec);
		let verifier_data: BoundedVec<u8, T::MaxCircuitBytes> =
			verifier_data.try_into().expect("the helper's data fits MaxCircuitBytes");

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), model, version, verifier_data);

		assert!(VersionCircuits::<T>::contains_key(model, version));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
