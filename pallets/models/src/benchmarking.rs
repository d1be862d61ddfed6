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
			// Distinct chunks, each used once: releasing them reads and clears one counter
			// each, as a real upload's would.
			let hash = H256(sp_io::hashing::blake2_256(&(model, index).encode()));
			ChunkUses::<T>::insert(hash, 1);
			let _ = upload.chunk_hashes.try_push(hash);
		}
	});
}

/// A published version owned by `owner` with a circuit of `MaxCircuitBytes` bytes, its
/// deposit held and its review open, written straight into storage: the review calls do not
/// read the circuit's rows, so any spec does, whatever circuits the runtime's inspector
/// accepts.
fn reviewable_circuit<T: Config>(owner: &T::AccountId) -> (ModelId, ModelVersion, H256) {
	funded::<T>(owner);
	let (model, version) =
		Pallet::<T>::publish_for_benchmarks(owner.clone(), 1u32.into(), largest_spec());
	let data: BoundedVec<u8, T::MaxCircuitBytes> =
		vec![7u8; T::MaxCircuitBytes::get() as usize].try_into().expect("fits");
	let digest = H256(sp_io::hashing::blake2_256(&data));
	let deposit = T::DepositPerByte::get().saturating_mul(T::MaxCircuitBytes::get().into());
	Pallet::<T>::hold_deposit(owner, deposit).expect("the owner is funded");
	Models::<T>::mutate(model, |info| {
		let info = info.as_mut().expect("just published");
		info.deposit = info.deposit.saturating_add(deposit);
	});
	Versions::<T>::mutate(model, version, |published| {
		let published = published.as_mut().expect("just published");
		published.circuit_digest = Some(digest);
		published.deposit = published.deposit.saturating_add(deposit);
	});
	VersionCircuits::<T>::insert(model, version, data);
	CircuitReviews::<T>::insert(
		model,
		version,
		CircuitReviewOf::<T>::new(CircuitStatus::Unreviewed),
	);
	(model, version, digest)
}

/// An account bonded `MinReviewerBond` in the worker pool.
fn bonded_reviewer<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let reviewer: T::AccountId = account(name, index, 0);
	funded::<T>(&reviewer);
	T::BenchmarkHelper::bond_reviewer(&reviewer, T::MinReviewerBond::get());
	reviewer
}

/// Puts `confirmers` bonded confirmations on the circuit's review and, if `disputed`, a
/// bonded disputer; returns the disputer.
fn reviewed<T: Config>(
	model: ModelId,
	version: ModelVersion,
	confirmers: u32,
	disputed: bool,
) -> T::AccountId {
	let confirmed_by: alloc::vec::Vec<T::AccountId> =
		(0..confirmers).map(|index| bonded_reviewer::<T>("confirmer", index)).collect();
	let disputer = bonded_reviewer::<T>("disputer", 0);
	CircuitReviews::<T>::mutate(model, version, |review| {
		let review = review.as_mut().expect("the circuit's review is open");
		review.confirmed_by = confirmed_by.try_into().expect("at most MaxCircuitReviewers");
		if disputed {
			review.status = CircuitStatus::Disputed;
			review.disputed_by = Some((disputer.clone(), None));
			// As `review_circuit` does when it opens the dispute.
			T::Staking::hold_for_judgement(&disputer);
			review.confirmed_by.iter().for_each(T::Staking::hold_for_judgement);
		}
	});
	disputer
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

	/// An upload that received no chunk: the chunks a cancel releases are charged at
	/// `remove`'s per-chunk rate (`Pallet::upload_release_weight`).
	#[benchmark]
	fn cancel_upload() {
		let caller: T::AccountId = whitelisted_caller();
		let model = registered::<T>(&caller, 1);
		pending_upload::<T>(&caller, model, ModelVersion::new(1, 0), T::MaxChunks::get(), 0);

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
		// Every version has its own full set of chunks and its own content id, each used
		// once: removing clears them all from the offchain store (the worst case).
		Models::<T>::mutate(model, |info| {
			let info = info.as_mut().expect("exists");
			for minor in 0..v {
				let version = ModelVersion::new(1, minor as u16);
				let _ = info.versions.try_push(version);
				let distinct = |i: u32| H256(sp_io::hashing::blake2_256(&(minor, i).encode()));
				let content_id = distinct(u32::MAX);
				let chunks: BoundedVec<H256, T::MaxChunks> = (0..T::MaxChunks::get())
					.map(distinct)
					.collect::<alloc::vec::Vec<_>>()
					.try_into()
					.expect("MaxChunks hashes fit");
				Versions::<T>::insert(
					model,
					version,
					VersionInfo::<T> {
						content_id,
						size: 1,
						spec: largest_spec(),
						circuit_digest: Some(H256::repeat_byte(2)),
						deposit: Zero::zero(),
						created_at: Zero::zero(),
					},
				);
				ContentUses::<T>::insert(content_id, 1);
				for chunk in chunks.iter() {
					ChunkUses::<T>::insert(chunk, 1);
				}
				VersionChunks::<T>::insert(model, version, chunks);
			}
		});
		// Its chunks are charged per chunk (`Pallet::removal_weight`), as the versions' are.
		pending_upload::<T>(&caller, model, ModelVersion::new(2, 0), T::MaxChunks::get(), 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), model, u32::MAX);

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
			// No chunk received: the chunks expiries release are charged per chunk.
			pending_upload::<T>(&owner, model, ModelVersion::new(1, 0), T::MaxChunks::get(), 0);
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

	/// The confirmation that makes a circuit trusted when it needs every one of
	/// `MaxCircuitReviewers`: the longest list to check for the reviewer and to write back.
	#[benchmark]
	fn review_circuit() {
		let owner: T::AccountId = account("owner", 0, 0);
		let (model, version, digest) = reviewable_circuit::<T>(&owner);
		let most = T::MaxCircuitReviewers::get();
		RequiredConfirmations::<T>::put(most);
		reviewed::<T>(model, version, most - 1, false);
		let caller: T::AccountId = whitelisted_caller();
		funded::<T>(&caller);
		T::BenchmarkHelper::bond_reviewer(&caller, T::MinReviewerBond::get());

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), model, version, Some(digest));

		let review = CircuitReviews::<T>::get(model, version).expect("reviewed");
		assert_eq!(review.status, CircuitStatus::Trusted);
	}

	/// The dispute of a circuit trusted by `MaxCircuitReviewers` confirmations: the longest
	/// list to check for the reviewer, and a judgement hold on each confirmer's stake.
	#[benchmark]
	fn dispute_circuit() {
		let owner: T::AccountId = account("owner", 0, 0);
		let (model, version, _) = reviewable_circuit::<T>(&owner);
		let most = T::MaxCircuitReviewers::get();
		RequiredConfirmations::<T>::put(most);
		reviewed::<T>(model, version, most, false);
		CircuitReviews::<T>::mutate(model, version, |review| {
			review.as_mut().expect("reviewed").status = CircuitStatus::Trusted;
		});
		let caller: T::AccountId = whitelisted_caller();
		funded::<T>(&caller);
		T::BenchmarkHelper::bond_reviewer(&caller, T::MinReviewerBond::get());

		#[extrinsic_call]
		review_circuit(RawOrigin::Signed(caller), model, version, None);

		let review = CircuitReviews::<T>::get(model, version).expect("reviewed");
		assert_eq!(review.status, CircuitStatus::Disputed);
	}

	/// An upheld circuit: one slash, of the disputer; the review is full.
	#[benchmark]
	fn resolve_circuit_dispute_upheld() -> Result<(), BenchmarkError> {
		let owner: T::AccountId = account("owner", 0, 0);
		let (model, version, _) = reviewable_circuit::<T>(&owner);
		reviewed::<T>(model, version, T::MaxCircuitReviewers::get(), true);
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		resolve_circuit_dispute(origin as T::RuntimeOrigin, model, version, true);

		let review = CircuitReviews::<T>::get(model, version).expect("kept");
		assert_eq!(review.status, CircuitStatus::Upheld);
		Ok(())
	}

	/// A rejected circuit of `MaxCircuitBytes` bytes with `c` confirmers to slash.
	#[benchmark]
	fn resolve_circuit_dispute_rejected(
		c: Linear<0, { T::MaxCircuitReviewers::get() }>,
	) -> Result<(), BenchmarkError> {
		let owner: T::AccountId = account("owner", 0, 0);
		let (model, version, _) = reviewable_circuit::<T>(&owner);
		reviewed::<T>(model, version, c, true);
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		resolve_circuit_dispute(origin as T::RuntimeOrigin, model, version, false);

		assert!(!VersionCircuits::<T>::contains_key(model, version));
		assert!(!CircuitReviews::<T>::contains_key(model, version));
		Ok(())
	}

	#[benchmark]
	fn set_required_confirmations() -> Result<(), BenchmarkError> {
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let most = T::MaxCircuitReviewers::get();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, most);

		assert_eq!(RequiredConfirmations::<T>::get(), most);
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
