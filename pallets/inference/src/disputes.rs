//! Disputes of Optimistic results: opening one (challenge bond, committee draw), counting
//! votes, and deciding it (see the crate docs for the rules and the money flows).
//!
//! Every dispute ends: it is decided when the last member votes, or by its timer one block
//! after the voting deadline. Deciding touches at most `CommitteeSize` members, so a block's
//! timer budget bounds the hooks' work.

use super::*;

impl<T: Config> Pallet<T> {
	/// Opens a dispute of `job`'s provisional result for `challenger`; returns how many
	/// candidates the committee draw considered.
	pub(crate) fn open_dispute(job: JobId, challenger: T::AccountId) -> Result<u32, DispatchError> {
		let mut record = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
		let JobStatus::Provisional { worker, until } = record.status.clone() else {
			return Err(Error::<T>::NotChallengeable.into());
		};
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now < until, Error::<T>::ChallengeWindowClosed);
		ensure!(challenger != worker, Error::<T>::OwnResult);
		ensure!(T::Workers::is_bonded(&challenger), Error::<T>::ChallengerNotBonded);

		let mut candidates: Vec<_> =
			T::Workers::candidates(record.model, record.version, Tier::Optimistic)
				.into_iter()
				.filter(|candidate| candidate.worker != worker && candidate.worker != challenger)
				.collect();
		let considered = candidates.len() as u32;
		let committee = Self::draw_committee(&mut candidates, job);
		ensure!(!committee.is_empty(), Error::<T>::NoCommitteeAvailable);

		let bond = T::ChallengeBond::get();
		T::Currency::hold(&HoldReason::ChallengeBond.into(), &challenger, bond)
			.map_err(|_| Error::<T>::InsufficientChallengeBond)?;
		let deadline = now.saturating_add(T::VotingBlocks::get());
		let timer = deadline.saturating_add(One::one());
		Self::schedule(timer, job).map_err(|_| Error::<T>::DeadlineBlockFull)?;

		committee.iter().for_each(T::Workers::job_assigned);
		ChallengeableJobs::<T>::remove(job);
		record.next_timer = timer;
		record.status = JobStatus::Disputed { worker, challenger: challenger.clone(), deadline };
		Jobs::<T>::insert(job, record);
		Disputes::<T>::insert(
			job,
			DisputeOf::<T> {
				challenger: challenger.clone(),
				bond,
				committee: committee.clone(),
				votes: BoundedVec::new(),
				alternatives: BoundedVec::new(),
				deadline,
			},
		);
		Self::deposit_event(Event::ResultChallenged { job, challenger, bond, committee, deadline });
		Ok(considered)
	}

	/// Draws up to `CommitteeSize` distinct members from `candidates` (which it consumes).
	fn draw_committee(
		candidates: &mut Vec<Candidate<T::AccountId, BalanceOf<T>>>,
		job: JobId,
	) -> BoundedVec<T::AccountId, T::CommitteeSize> {
		let mut committee = BoundedVec::new();
		for seat in 0..T::CommitteeSize::get() {
			let Some(member) =
				Self::draw_for(candidates, &(b"verin/committee", job, seat).encode())
			else {
				break;
			};
			candidates.retain(|candidate| candidate.worker != member);
			if committee.try_push(member).is_err() {
				break;
			}
		}
		committee
	}

	/// Records `voter`'s vote on `job`; decides the dispute once every member voted. Returns
	/// whether it was decided.
	pub(crate) fn cast_vote(
		job: JobId,
		voter: T::AccountId,
		output: TensorPayload,
	) -> Result<bool, DispatchError> {
		let record = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
		let JobStatus::Disputed { deadline, .. } = record.status else {
			return Err(Error::<T>::NotDisputed.into());
		};
		ensure!(frame_system::Pallet::<T>::block_number() <= deadline, Error::<T>::VotingClosed);
		let mut dispute = Disputes::<T>::get(job).ok_or(Error::<T>::NotDisputed)?;
		ensure!(dispute.committee.contains(&voter), Error::<T>::NotCommitteeMember);
		ensure!(
			!dispute.votes.iter().any(|(member, _)| *member == voter),
			Error::<T>::AlreadyVoted
		);
		let served = T::Models::served_model(record.model, Some(record.version))
			.ok_or(Error::<T>::UnknownModelVersion)?;
		Self::check_output(&served, &record, &output).map_err(Self::output_error)?;

		let agrees = |a: &TensorPayload, b: &TensorPayload| {
			compare::outputs_agree(&served.spec.determinism, &served.spec.schema.outputs, a, b)
		};
		let upholds = record.output.as_ref().is_some_and(|answered| agrees(answered, &output));
		let ballot = if upholds {
			Ballot::Upholds
		} else if let Some(index) =
			dispute.alternatives.iter().position(|other| agrees(other, &output))
		{
			Ballot::Alternative(index as u32)
		} else {
			let index = dispute.alternatives.len() as u32;
			// A member votes once and the committee fits `CommitteeSize`: there is room.
			dispute.alternatives.try_push(output).map_err(|_| Error::<T>::AlreadyVoted)?;
			Ballot::Alternative(index)
		};
		dispute.votes.try_push((voter.clone(), ballot)).map_err(|_| Error::<T>::AlreadyVoted)?;
		T::Workers::job_released(&voter, true);
		Self::deposit_event(Event::VoteCast { job, voter, upholds });

		if dispute.votes.len() < dispute.committee.len() {
			Disputes::<T>::insert(job, dispute);
			return Ok(false);
		}
		Disputes::<T>::remove(job);
		let now = frame_system::Pallet::<T>::block_number();
		Self::decide(job, record, dispute, now);
		Ok(true)
	}

	/// The voting deadline passed: decide with the votes cast.
	pub(crate) fn voting_ended(job: JobId, record: JobOf<T>, now: BlockNumberFor<T>) {
		match Disputes::<T>::take(job) {
			Some(dispute) => Self::decide(job, record, dispute, now),
			// Not reachable: a disputed job's record and dispute are written together.
			None => {
				log::error!(target: "runtime::inference", "job {job}: disputed without a dispute record")
			},
		}
	}

	/// Decides a dispute: penalises silent members, moves the loser's forfeit, and ends the
	/// job as completed, overturned or unresolved.
	fn decide(job: JobId, mut record: JobOf<T>, dispute: DisputeOf<T>, now: BlockNumberFor<T>) {
		let JobStatus::Disputed { worker, challenger, .. } = record.status.clone() else { return };
		for member in dispute
			.committee
			.iter()
			.filter(|member| !dispute.votes.iter().any(|(voter, _)| voter == *member))
		{
			T::Workers::job_released(member, false);
			let penalty = T::Workers::slash(
				member,
				T::MissPenalty::get(),
				&T::TreasuryAccount::get(),
				SlashReason::MissedVote,
			);
			T::Workers::suspend(member);
			Self::deposit_event(Event::VoteMissed { job, voter: member.clone(), penalty });
		}

		let majority = dispute.committee.len() / 2 + 1;
		let count =
			|ballot: Ballot| dispute.votes.iter().filter(|(_, cast)| *cast == ballot).count();
		let winner = core::iter::once(Ballot::Upholds)
			.chain((0..dispute.alternatives.len() as u32).map(Ballot::Alternative))
			.find(|ballot| count(*ballot) >= majority);
		let majority_voters: Vec<T::AccountId> = dispute
			.votes
			.iter()
			.filter(|(_, cast)| Some(*cast) == winner)
			.map(|(voter, _)| voter.clone())
			.collect();

		match winner {
			Some(Ballot::Upholds) => {
				let (forfeited, to_winner, to_committee) = Self::forfeit_challenge_bond(
					&challenger,
					dispute.bond,
					&worker,
					&majority_voters,
				);
				Self::deposit_event(Event::DisputeResolved {
					job,
					outcome: DisputeOutcome::Upheld,
					loser: Some(challenger),
					forfeited,
					to_winner,
					to_committee,
				});
				Self::settle(job, &mut record, worker);
			},
			Some(Ballot::Alternative(index)) => {
				Self::release_hold(HoldReason::ChallengeBond, &challenger, dispute.bond);
				let (forfeited, to_winner, to_committee) =
					Self::forfeit_worker_stake(&worker, &challenger, &majority_voters);
				T::Workers::suspend(&worker);
				Self::deposit_event(Event::DisputeResolved {
					job,
					outcome: DisputeOutcome::Overturned,
					loser: Some(worker.clone()),
					forfeited,
					to_winner,
					to_committee,
				});
				let output = dispute.alternatives.into_iter().nth(index as usize);
				let output_hash = output
					.as_ref()
					.map(|output| H256(output.using_encoded(sp_io::hashing::blake2_256)))
					.unwrap_or_default();
				let refunded = Self::refund(&record);
				record.output = output;
				record.status = JobStatus::Overturned { worker: worker.clone(), at: now };
				Self::job_ended(record.model);
				Self::deposit_event(Event::ResultOverturned { job, worker, output_hash, refunded });
			},
			None => {
				Self::release_hold(HoldReason::ChallengeBond, &challenger, dispute.bond);
				Self::deposit_event(Event::DisputeResolved {
					job,
					outcome: DisputeOutcome::Unresolved,
					loser: None,
					forfeited: Zero::zero(),
					to_winner: Zero::zero(),
					to_committee: Zero::zero(),
				});
				let refunded = Self::refund(&record);
				record.status = JobStatus::Unresolved { worker, at: now };
				Self::job_ended(record.model);
				Self::deposit_event(Event::DisputeUnresolved { job, refunded });
			},
		}
		Self::schedule_pruning(job, &mut record, now);
		Jobs::<T>::insert(job, record);
	}

	/// The parts of a forfeit: to the winner, to each majority voter.
	fn shares(forfeit: BalanceOf<T>, voters: usize) -> (BalanceOf<T>, BalanceOf<T>) {
		let to_winner = T::WinnerShare::get() * forfeit;
		let per_voter = match voters {
			0 => Zero::zero(),
			n => (T::CommitteeShare::get() * forfeit) / BalanceOf::<T>::from(n as u32),
		};
		(to_winner, per_voter)
	}

	/// The challenger loses its bond: the worker's share, the voters' shares, the rest to the
	/// treasury; whatever no payee could take goes back to the challenger (nothing stays
	/// held). Returns (forfeited, to the worker, to the committee).
	fn forfeit_challenge_bond(
		challenger: &T::AccountId,
		bond: BalanceOf<T>,
		worker: &T::AccountId,
		voters: &[T::AccountId],
	) -> (BalanceOf<T>, BalanceOf<T>, BalanceOf<T>) {
		let reason = HoldReason::ChallengeBond;
		let (winner_share, per_voter) = Self::shares(bond, voters.len());
		let to_winner = Self::pay(reason, challenger, worker, winner_share);
		let to_committee = voters.iter().fold(Zero::zero(), |sum: BalanceOf<T>, voter| {
			sum.saturating_add(Self::pay(reason, challenger, voter, per_voter))
		});
		let paid = to_winner.saturating_add(to_committee);
		let to_treasury =
			Self::pay(reason, challenger, &T::TreasuryAccount::get(), bond.saturating_sub(paid));
		let forfeited = paid.saturating_add(to_treasury);
		Self::release_hold(reason, challenger, bond.saturating_sub(forfeited));
		(forfeited, to_winner, to_committee)
	}

	/// The worker loses `WrongResultPenalty` of its bond: the challenger's share, the voters'
	/// shares, the rest to the treasury (a bond too small for all of it pays in that order).
	/// Returns (forfeited, to the challenger, to the committee).
	fn forfeit_worker_stake(
		worker: &T::AccountId,
		challenger: &T::AccountId,
		voters: &[T::AccountId],
	) -> (BalanceOf<T>, BalanceOf<T>, BalanceOf<T>) {
		let penalty = T::WrongResultPenalty::get();
		let (winner_share, per_voter) = Self::shares(penalty, voters.len());
		let slash = |to: &T::AccountId, amount| {
			T::Workers::slash(worker, amount, to, SlashReason::WrongResult)
		};
		let to_winner = slash(challenger, winner_share);
		let to_committee = voters.iter().fold(Zero::zero(), |sum: BalanceOf<T>, voter| {
			sum.saturating_add(slash(voter, per_voter))
		});
		let paid = to_winner.saturating_add(to_committee);
		let to_treasury = slash(&T::TreasuryAccount::get(), penalty.saturating_sub(paid));
		(paid.saturating_add(to_treasury), to_winner, to_committee)
	}
}
