//! Benchmarks of `pallet-inference`: every call at its worst case, and the timer hook.

use super::*;
use alloc::vec;
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;
use sp_runtime::SaturatedConversion;
use verin_primitives::{
	model::{
		DeterminismClass, Dim, ElementType, ModelFormat, TensorSchema, TensorSpec, VersionSpec,
	},
	tensor::TensorData,
};

fn funded<T: Config>(who: &T::AccountId) {
	let plenty: BalanceOf<T> = u64::MAX.saturated_into();
	let _ = T::Currency::set_balance(who, plenty);
}

fn bytes_tensor(name: &[u8], len: u32) -> TensorSpec {
	TensorSpec {
		name: BoundedVec::truncate_from(name.to_vec()),
		element: ElementType::U8,
		shape: BoundedVec::truncate_from(vec![Dim::Fixed(len)]),
	}
}

/// A model taking `input_len` bytes and giving `output_len` bytes, served by `workers`
/// workers; returns the model, its version and the workers.
fn market<T: Config>(
	input_len: u32,
	output_len: u32,
	workers: u32,
) -> (ModelId, ModelVersion, Vec<T::AccountId>) {
	let owner: T::AccountId = account("owner", 0, 0);
	funded::<T>(&owner);
	let spec = VersionSpec {
		format: ModelFormat::Onnx { opset: 17 },
		schema: TensorSchema {
			inputs: BoundedVec::truncate_from(vec![bytes_tensor(b"input", input_len)]),
			outputs: BoundedVec::truncate_from(vec![bytes_tensor(b"output", output_len)]),
		},
		determinism: DeterminismClass::IntegerExact,
		tiers: Tier::ALL.into_iter().collect(),
	};
	let (model, version) = T::BenchmarkHelper::publish_model(&owner, 1_000u32.into(), spec);
	let funded_treasury = T::TreasuryAccount::get();
	funded::<T>(&funded_treasury);
	let workers = (0..workers)
		.map(|n| {
			let worker: T::AccountId = account("worker", n, 0);
			funded::<T>(&worker);
			T::BenchmarkHelper::register_worker(&worker, model, version);
			worker
		})
		.collect();
	(model, version, workers)
}

fn payload(len: u32) -> TensorPayload {
	filled(len, 7)
}

fn requested<T: Config>(
	requester: &T::AccountId,
	model: ModelId,
	version: ModelVersion,
	input_len: u32,
) -> JobId {
	requested_at::<T>(requester, model, version, input_len, Tier::Vanilla)
}

fn requested_at<T: Config>(
	requester: &T::AccountId,
	model: ModelId,
	version: ModelVersion,
	input_len: u32,
	tier: Tier,
) -> JobId {
	let job = NextJobId::<T>::get();
	Pallet::<T>::request(
		RawOrigin::Signed(requester.clone()).into(),
		model,
		Some(version),
		payload(input_len),
		tier,
		sp_runtime::traits::Bounded::max_value(),
		T::MinResponseBlocks::get(),
	)
	.expect("a funded request with eligible workers succeeds");
	job
}

fn assigned<T: Config>(job: JobId) -> T::AccountId {
	match Jobs::<T>::get(job).expect("requested").status {
		JobStatus::Assigned { worker, .. } => worker,
		_ => panic!("job {job} is assigned"),
	}
}

/// A one-tensor payload of `len` bytes, each `byte`.
fn filled(len: u32, byte: u8) -> TensorPayload {
	BoundedVec::truncate_from(vec![TensorData {
		shape: BoundedVec::truncate_from(vec![len]),
		data: BoundedVec::truncate_from(vec![byte; len as usize]),
	}])
}

/// An Optimistic job of a model with `output_len`-byte outputs, answered by its worker and
/// challenged by another of `workers` workers; returns the job, its worker, the challenger
/// and the committee.
fn disputed<T: Config>(
	output_len: u32,
	workers: u32,
) -> (JobId, T::AccountId, T::AccountId, Vec<T::AccountId>) {
	let (model, version, all) = market::<T>(16, output_len, workers);
	let requester: T::AccountId = account("requester", 0, 0);
	funded::<T>(&requester);
	let job = requested_at::<T>(&requester, model, version, 16, Tier::Optimistic);
	let worker = assigned::<T>(job);
	Pallet::<T>::submit_result(
		RawOrigin::Signed(worker.clone()).into(),
		job,
		filled(output_len, 7),
		Default::default(),
	)
	.expect("the assigned worker answers");
	let challenger = all.into_iter().find(|w| *w != worker).expect("two workers at least");
	Pallet::<T>::challenge(RawOrigin::Signed(challenger.clone()).into(), job)
		.expect("a committee is left");
	let draw_at = Disputes::<T>::get(job).expect("challenged").draw_at;
	frame_system::Pallet::<T>::set_block_number(draw_at);
	Pallet::<T>::draw_dispute_committee(job, Jobs::<T>::get(job).expect("requested"), draw_at);
	let committee = Disputes::<T>::get(job).expect("challenged").committee.into_inner();
	(job, worker, challenger, committee)
}

/// `member` commits to `output` on `job` with a fixed salt.
fn commit<T: Config>(job: JobId, member: &T::AccountId, output: &TensorPayload) {
	let commitment = vote_commitment(job, member, output, &[9; 32]);
	Pallet::<T>::vote(RawOrigin::Signed(member.clone()).into(), job, commitment)
		.expect("a member commits");
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn request(
		w: Linear<1, { T::Workers::max_candidates() }>,
		i: Linear<1, { T::MaxInputBytes::get() }>,
	) {
		let (model, version, _) = market::<T>(i, 16, w);
		let caller: T::AccountId = whitelisted_caller();
		funded::<T>(&caller);
		#[extrinsic_call]
		_(
			RawOrigin::Signed(caller),
			model,
			Some(version),
			payload(i),
			Tier::Vanilla,
			sp_runtime::traits::Bounded::max_value(),
			T::MinResponseBlocks::get(),
		);
		assert!(Jobs::<T>::contains_key(0));
	}

	#[benchmark]
	fn submit_result(o: Linear<1, { T::MaxOutputBytes::get() }>) {
		let (model, version, _) = market::<T>(16, o, 1);
		let requester: T::AccountId = account("requester", 0, 0);
		funded::<T>(&requester);
		let job = requested::<T>(&requester, model, version, 16);
		let worker = assigned::<T>(job);
		#[extrinsic_call]
		_(RawOrigin::Signed(worker), job, payload(o), Default::default());
		assert!(matches!(Jobs::<T>::get(job).unwrap().status, JobStatus::Completed { .. }));
	}

	/// `n` one-byte jobs in one call, each drawn among `w` candidates; the per-byte cost of
	/// larger inputs is `request`'s.
	#[benchmark]
	fn request_batch(
		n: Linear<1, { T::MaxRequestsPerCall::get() }>,
		w: Linear<1, { T::Workers::max_candidates() }>,
	) {
		let (model, version, _) = market::<T>(1, 16, w);
		let caller: T::AccountId = whitelisted_caller();
		funded::<T>(&caller);
		let inputs: Vec<TensorPayload> = (0..n).map(|_| payload(1)).collect();
		#[extrinsic_call]
		_(
			RawOrigin::Signed(caller),
			model,
			Some(version),
			BoundedVec::truncate_from(inputs),
			Tier::Vanilla,
			sp_runtime::traits::Bounded::max_value(),
			T::MinResponseBlocks::get(),
		);
		assert_eq!(NextJobId::<T>::get(), u64::from(n));
	}

	/// `n` Vanilla results in one call, for jobs one requester opened in one batch; each
	/// settles. The per-byte cost of larger outputs is `submit_result`'s.
	#[benchmark]
	fn submit_answers(n: Linear<1, { T::MaxAnswersPerCall::get() }>) {
		let (model, version, _) = market::<T>(16, 1, 1);
		let requester: T::AccountId = account("requester", 0, 0);
		funded::<T>(&requester);
		// In as many bulk requests as it takes.
		let mut left = n;
		while left > 0 {
			let count = left.min(T::MaxRequestsPerCall::get());
			let inputs: Vec<TensorPayload> = (0..count).map(|_| payload(16)).collect();
			Pallet::<T>::request_batch(
				RawOrigin::Signed(requester.clone()).into(),
				model,
				Some(version),
				BoundedVec::truncate_from(inputs),
				Tier::Vanilla,
				sp_runtime::traits::Bounded::max_value(),
				T::MinResponseBlocks::get(),
			)
			.expect("a funded batch with an eligible worker succeeds");
			left -= count;
		}
		let worker = assigned::<T>(0);
		let answers: Vec<JobAnswerOf<T>> = (0..u64::from(n))
			.map(|job| JobAnswer::Result { job, output: payload(1), evidence: Default::default() })
			.collect();
		#[extrinsic_call]
		_(RawOrigin::Signed(worker), BoundedVec::truncate_from(answers));
		for job in 0..u64::from(n) {
			assert!(matches!(Jobs::<T>::get(job).unwrap().status, JobStatus::Completed { .. }));
		}
	}

	/// The verifier's check of the costliest evidence, alone: `submit_result` charges it on
	/// top of its own weight (see `Pallet::max_verifier_weight`).
	#[benchmark]
	fn verify_evidence() {
		let case = T::BenchmarkHelper::costliest_evidence();
		let worker: T::AccountId = account("worker", 0, 0);
		let context = ResultContext {
			job: 0,
			worker: &worker,
			content_id: H256::zero(),
			circuit_digest: case.circuit.as_ref().map(|(digest, _)| *digest),
			input_hash: H256(sp_io::hashing::blake2_256(&case.input.encode())),
			output_hash: H256(sp_io::hashing::blake2_256(&case.output.encode())),
			spec: &case.spec,
			input: Some(&case.input),
			output: &case.output,
			circuit: case.circuit.as_ref().map(|(_, data)| data.as_slice()),
		};
		let verdict;
		#[block]
		{
			verdict = T::Verifier::verify(case.tier, &context, &case.evidence);
		}
		assert!(verdict.is_ok(), "the helper's evidence verifies: {verdict:?}");
	}

	/// A refusal at its costliest: the job goes to another of the most candidates a version
	/// can have.
	#[benchmark]
	fn report_failure() {
		let (model, version, _) = market::<T>(16, 16, T::Workers::max_candidates());
		let requester: T::AccountId = account("requester", 0, 0);
		funded::<T>(&requester);
		let job = requested::<T>(&requester, model, version, 16);
		let worker = assigned::<T>(job);
		#[extrinsic_call]
		_(RawOrigin::Signed(worker), job, FailureReason::ModelLoadFailed);
		assert_eq!(Jobs::<T>::get(job).unwrap().attempts, 2, "reassigned");
	}

	/// `n` jobs miss their deadline in the same block; each worker is slashed and every job
	/// moves to another of the most candidates a version can have.
	#[benchmark]
	fn on_initialize_timers(n: Linear<0, { T::TimerBudget::get() }>) {
		let (model, version, _) = market::<T>(16, 16, T::Workers::max_candidates());
		let requester: T::AccountId = account("requester", 0, 0);
		funded::<T>(&requester);
		let jobs: Vec<JobId> =
			(0..n).map(|_| requested::<T>(&requester, model, version, 16)).collect();
		let due = frame_system::Pallet::<T>::block_number()
			.saturating_add(T::MinResponseBlocks::get())
			.saturating_add(One::one());
		frame_system::Pallet::<T>::set_block_number(due);
		TimerCursor::<T>::put(due);
		#[block]
		{
			Pallet::<T>::run_timers(due);
		}
		for job in jobs {
			let record = Jobs::<T>::get(job).unwrap();
			assert!(
				record.attempts == 2 || matches!(record.status, JobStatus::Expired { .. }),
				"every due job was handled"
			);
		}
	}

	/// A challenge counting `c` possible members (the worker and the challenger are two
	/// more). The committee draw, one block later, is charged as this weight at the most
	/// candidates plus `decide_dispute`.
	#[benchmark]
	fn challenge(
		c: Linear<
			{ T::MinCommittee::get() },
			{ T::Workers::max_candidates().saturating_sub(2).max(T::MinCommittee::get()) },
		>,
	) {
		let (model, version, all) = market::<T>(16, 16, c + 2);
		let requester: T::AccountId = account("requester", 0, 0);
		funded::<T>(&requester);
		let job = requested_at::<T>(&requester, model, version, 16, Tier::Optimistic);
		let worker = assigned::<T>(job);
		Pallet::<T>::submit_result(
			RawOrigin::Signed(worker.clone()).into(),
			job,
			payload(16),
			Default::default(),
		)
		.expect("the assigned worker answers");
		let challenger = all.into_iter().find(|w| *w != worker).unwrap();
		#[extrinsic_call]
		_(RawOrigin::Signed(challenger), job);
		assert!(Disputes::<T>::contains_key(job));
	}

	/// A revealed vote whose `o`-byte output disagrees with the worker's and with every
	/// alternative so far (hashed, compared, then stored); not the last vote, so nothing is
	/// decided. A commitment (`vote`) is charged as this at one byte.
	#[benchmark]
	fn vote(o: Linear<1, { Pallet::<T>::max_disputed_output_bytes() }>) {
		let (job, _, _, committee) = disputed::<T>(o, T::CommitteeSize::get() + 2);
		let output = filled(o, 8);
		for member in &committee {
			commit::<T>(job, member, &output);
		}
		let voter = committee[0].clone();
		#[extrinsic_call]
		reveal_vote(RawOrigin::Signed(voter), job, output, [9; 32]);
		let votes = Disputes::<T>::get(job).map(|dispute| dispute.votes.len()).unwrap_or(1);
		assert_eq!(votes, 1);
	}

	/// Deciding a dispute at its deadline, at its costliest: a majority overturned the result
	/// (the worker's forfeit paid to the challenger, each voter and the treasury) and the
	/// other members were silent (each slashed and suspended).
	#[benchmark]
	fn decide_dispute() {
		let output_len = Pallet::<T>::max_disputed_output_bytes();
		let (job, _, _, committee) = disputed::<T>(output_len, T::CommitteeSize::get() + 2);
		let majority = committee.len() / 2 + 1;
		let voters: Vec<_> = committee
			.iter()
			.take(majority.min(committee.len().saturating_sub(1)).max(1))
			.cloned()
			.collect();
		let output = filled(output_len, 8);
		voters.iter().for_each(|member| commit::<T>(job, member, &output));
		let commit_until = Disputes::<T>::get(job).expect("disputed").commit_until;
		frame_system::Pallet::<T>::set_block_number(commit_until.saturating_add(One::one()));
		for member in &voters {
			Pallet::<T>::reveal_vote(
				RawOrigin::Signed(member.clone()).into(),
				job,
				output.clone(),
				[9; 32],
			)
			.expect("a member reveals");
		}
		let record = Jobs::<T>::get(job).unwrap();
		let JobStatus::Disputed { deadline, .. } = record.status else { panic!("still voting") };
		let now = deadline.saturating_add(One::one());
		frame_system::Pallet::<T>::set_block_number(now);
		#[block]
		{
			Pallet::<T>::voting_ended(job, record, now);
		}
		assert!(Jobs::<T>::get(job).unwrap().status.ended_at().is_some());
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
