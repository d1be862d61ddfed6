//! Disputes of Optimistic results: challenging (opening a dispute or joining one), the
//! committee draw, committed and revealed votes, and the decision (see the crate docs for
//! the rules and the money flows).
//!
//! Every dispute ends: its committee is drawn one block after the challenge, and it is
//! decided when the last member revealed, or by its timer one block after the reveal
//! deadline. Deciding touches at most `CommitteeSize` members and `MaxChallengers`
//! challengers, so a block's timer budget bounds the hooks' work.

use super::*;

impl<T: Config> Pallet<T> {
	/// Challenges `job`'s result for `challenger`: opens a dispute of a provisional result,
	/// or joins the open dispute of a disputed one. Returns how many candidates the check
	/// for a possible committee considered.
	pub(crate) fn challenge_result(
		job: JobId,
		challenger: T::AccountId,
	) -> Result<u32, DispatchError> {
		let mut record = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
		let now = frame_system::Pallet::<T>::block_number();
		let worker = match &record.status {
			JobStatus::Provisional { worker, until } => {
				ensure!(now < *until, Error::<T>::ChallengeWindowClosed);
				worker.clone()
			},
			JobStatus::Disputed { worker, .. } => {
				let worker = worker.clone();
				Self::join_dispute(job, &record, &worker, challenger)?;
				return Ok(0);
			},
			_ => return Err(Error::<T>::NotChallengeable.into()),
		};
		ensure!(challenger != worker, Error::<T>::OwnResult);
		ensure!(
			T::Workers::serves(&challenger, record.model, record.version),
			Error::<T>::ChallengerNotServing
		);
		let voters = T::Workers::voters(record.model, record.version);
		let considered = voters.len() as u32;
		ensure!(
			voters.iter().any(|voter| voter.worker != worker && voter.worker != challenger),
			Error::<T>::NoCommitteeAvailable
		);

		let bond = T::ChallengeBond::get();
		T::Currency::hold(&HoldReason::ChallengeBond.into(), &challenger, bond)
			.map_err(|_| Error::<T>::InsufficientChallengeBond)?;
		// The committee comes from the randomness of the next block, which depends on the
		// block that carries this challenge: unknown to the challenger when it sends it.
		let draw_at = now.saturating_add(One::one());
		let commit_until = draw_at.saturating_add(T::VotingBlocks::get());
		let deadline = commit_until.saturating_add(T::RevealBlocks::get());
		Self::set_timer(job, &mut record, draw_at);
		ChallengeableJobs::<T>::remove(job);
		record.status = JobStatus::Disputed { worker, challenger: challenger.clone(), deadline };
		Jobs::<T>::insert(job, record);
		let mut challengers = BoundedVec::new();
		// `MaxChallengers` is at least one (integrity test).
		let _ = challengers.try_push((challenger.clone(), bond));
		Disputes::<T>::insert(
			job,
			DisputeOf::<T> {
				challengers,
				committee: BoundedVec::new(),
				commitments: BoundedVec::new(),
				votes: BoundedVec::new(),
				alternatives: BoundedVec::new(),
				draw_at,
				commit_until,
				deadline,
			},
		);
		Self::deposit_event(Event::ResultChallenged { job, challenger, bond, draw_at });
		Ok(considered)
	}

	/// Adds `challenger` to `job`'s open dispute: a first challenge, perhaps by the liar's
	/// own sybil, is not the last word on who stands against the result.
	fn join_dispute(
		job: JobId,
		record: &JobOf<T>,
		worker: &T::AccountId,
		challenger: T::AccountId,
	) -> DispatchResult {
		let mut dispute = Disputes::<T>::get(job).ok_or(Error::<T>::NotDisputed)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now <= dispute.commit_until, Error::<T>::DisputeJoinClosed);
		ensure!(challenger != *worker, Error::<T>::OwnResult);
		ensure!(
			!dispute.challengers.iter().any(|(who, _)| *who == challenger),
			Error::<T>::AlreadyChallenged
		);
		ensure!(
			!dispute.committee.contains(&challenger),
			Error::<T>::CommitteeMemberCannotChallenge
		);
		ensure!(
			T::Workers::serves(&challenger, record.model, record.version),
			Error::<T>::ChallengerNotServing
		);
		ensure!(!dispute.challengers.is_full(), Error::<T>::TooManyChallengers);
		let bond = T::ChallengeBond::get();
		T::Currency::hold(&HoldReason::ChallengeBond.into(), &challenger, bond)
			.map_err(|_| Error::<T>::InsufficientChallengeBond)?;
		dispute
			.challengers
			.try_push((challenger.clone(), bond))
			.map_err(|_| Error::<T>::TooManyChallengers)?;
		Disputes::<T>::insert(job, dispute);
		Self::deposit_event(Event::ChallengeJoined { job, challenger, bond });
		Ok(())
	}

	/// Draws the committee of `job`'s dispute (its timer fired in block `draw_at`); a
	/// dispute without any possible member is decided at once, unresolved.
	pub(crate) fn draw_dispute_committee(job: JobId, mut record: JobOf<T>, now: BlockNumberFor<T>) {
		let Some(mut dispute) = Disputes::<T>::get(job) else {
			log::error!(target: "runtime::inference", "job {job}: disputed without a dispute record");
			return;
		};
		let JobStatus::Disputed { worker, challenger, .. } = &record.status else { return };
		// Only the worker and the first challenger are parties. Workers who joined stay
		// eligible: honest watchers joining must not thin the committee of honest members
		// (with four servers, two joining challengers would leave one member, who cannot
		// decide).
		let mut candidates: Vec<_> = T::Workers::voters(record.model, record.version)
			.into_iter()
			.filter(|candidate| candidate.worker != *worker && candidate.worker != *challenger)
			.collect();
		let committee = Self::draw_committee(&mut candidates, job);
		if committee.is_empty() {
			Disputes::<T>::remove(job);
			Self::decide(job, record, dispute, now);
			return;
		}
		// A seat weighs on matching like a job (the member re-executes the model), but puts
		// no result at stake.
		committee.iter().for_each(|member| T::Workers::job_assigned(member, Tier::Vanilla));
		dispute.committee = committee.clone();
		Self::set_timer(job, &mut record, dispute.deadline.saturating_add(One::one()));
		Jobs::<T>::insert(job, record);
		let (commit_until, deadline) = (dispute.commit_until, dispute.deadline);
		Disputes::<T>::insert(job, dispute);
		Self::deposit_event(Event::CommitteeDrawn { job, committee, commit_until, deadline });
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

	/// Records `voter`'s commitment to its vote on `job`.
	pub(crate) fn commit_vote(job: JobId, voter: T::AccountId, commitment: H256) -> DispatchResult {
		let record = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
		ensure!(matches!(record.status, JobStatus::Disputed { .. }), Error::<T>::NotDisputed);
		let mut dispute = Disputes::<T>::get(job).ok_or(Error::<T>::NotDisputed)?;
		ensure!(!dispute.committee.is_empty(), Error::<T>::CommitteeNotDrawn);
		ensure!(dispute.committee.contains(&voter), Error::<T>::NotCommitteeMember);
		ensure!(
			frame_system::Pallet::<T>::block_number() <= dispute.commit_until,
			Error::<T>::VotingClosed
		);
		ensure!(
			!dispute.commitments.iter().any(|(member, _)| *member == voter),
			Error::<T>::AlreadyVoted
		);
		// A member commits once and the committee fits `CommitteeSize`: there is room.
		dispute
			.commitments
			.try_push((voter.clone(), commitment))
			.map_err(|_| Error::<T>::AlreadyVoted)?;
		Disputes::<T>::insert(job, dispute);
		Self::deposit_event(Event::VoteCommitted { job, voter });
		Ok(())
	}

	/// Records `voter`'s revealed vote; decides the dispute once every member revealed.
	/// Returns whether it was decided.
	pub(crate) fn reveal(
		job: JobId,
		voter: T::AccountId,
		output: TensorPayload,
		salt: [u8; 32],
	) -> Result<bool, DispatchError> {
		let record = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
		ensure!(matches!(record.status, JobStatus::Disputed { .. }), Error::<T>::NotDisputed);
		let mut dispute = Disputes::<T>::get(job).ok_or(Error::<T>::NotDisputed)?;
		ensure!(dispute.committee.contains(&voter), Error::<T>::NotCommitteeMember);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now <= dispute.deadline, Error::<T>::VotingClosed);
		let (_, commitment) = dispute
			.commitments
			.iter()
			.find(|(member, _)| *member == voter)
			.cloned()
			.ok_or(Error::<T>::NoCommitment)?;
		ensure!(
			now > dispute.commit_until || dispute.commitments.len() == dispute.committee.len(),
			Error::<T>::RevealNotOpen
		);
		ensure!(
			!dispute.votes.iter().any(|(member, _)| *member == voter),
			Error::<T>::AlreadyVoted
		);
		ensure!(
			vote_commitment(job, &voter, &output, &salt) == commitment,
			Error::<T>::CommitmentMismatch
		);
		let served = T::Models::served_model(record.model, Some(record.version))
			.ok_or(Error::<T>::UnknownModelVersion)?;
		Self::check_output(&served, &record, &output).map_err(Self::output_error)?;

		let agrees = |a: &TensorPayload, b: &TensorPayload| {
			compare::outputs_agree(&served.spec.determinism, &served.spec.schema.outputs, a, b)
		};
		// Optimistic outputs fit in state (`OutputTooLargeForTier`), so both are inline.
		let upholds = record
			.output
			.as_ref()
			.and_then(StoredPayload::inline)
			.is_some_and(|answered| agrees(&answered, &output));
		let ballot = if upholds {
			Ballot::Upholds
		} else if let Some(index) = dispute
			.alternatives
			.iter()
			.position(|other| other.inline().is_some_and(|other| agrees(&other, &output)))
		{
			Ballot::Alternative(index as u32)
		} else {
			let index = dispute.alternatives.len() as u32;
			let output = Self::keep_payload(job, PayloadRole::Output, &output);
			// A member reveals once and the committee fits `CommitteeSize`: there is room.
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
		Self::decide(job, record, dispute, now);
		Ok(true)
	}

	/// The reveal deadline passed: decide with the votes revealed.
	pub(crate) fn voting_ended(job: JobId, record: JobOf<T>, now: BlockNumberFor<T>) {
		match Disputes::<T>::take(job) {
			Some(dispute) => Self::decide(job, record, dispute, now),
			// Not reachable: a disputed job's record and dispute are written together.
			None => {
				log::error!(target: "runtime::inference", "job {job}: disputed without a dispute record")
			},
		}
	}

	/// Decides a dispute: penalises silent members and members who voted against the
	/// majority, moves the losing side's forfeit, and ends the job as completed,
	/// overturned or unresolved.
	fn decide(job: JobId, mut record: JobOf<T>, dispute: DisputeOf<T>, now: BlockNumberFor<T>) {
		let JobStatus::Disputed { worker, .. } = record.status.clone() else { return };
		for member in dispute
			.committee
			.iter()
			.filter(|member| !dispute.votes.iter().any(|(voter, _)| voter == *member))
		{
			T::Workers::job_released(member, false);
			let penalty = Self::penalise_member(member, SlashReason::MissedVote);
			T::Workers::suspend(member);
			Self::deposit_event(Event::VoteMissed { job, voter: member.clone(), penalty });
		}

		// A committee smaller than `MinCommittee` still needs a majority of `MinCommittee`:
		// one member never decides alone.
		let seats = dispute.committee.len().max(T::MinCommittee::get() as usize);
		let majority = seats / 2 + 1;
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
		if winner.is_some() {
			for (voter, _) in dispute.votes.iter().filter(|(_, cast)| Some(*cast) != winner) {
				let penalty = Self::penalise_member(voter, SlashReason::VotedAgainstMajority);
				Self::deposit_event(Event::VotedAgainstMajority {
					job,
					voter: voter.clone(),
					penalty,
				});
			}
		}

		match winner {
			Some(Ballot::Upholds) => {
				let (forfeited, to_winner, to_committee) = dispute.challengers.iter().fold(
					(Zero::zero(), Zero::zero(), Zero::zero()),
					|(forfeited, to_winner, to_committee): (
						BalanceOf<T>,
						BalanceOf<T>,
						BalanceOf<T>,
					),
					 (challenger, bond)| {
						let (lost, won, voted) = Self::forfeit_challenge_bond(
							challenger,
							*bond,
							&worker,
							&majority_voters,
						);
						(
							forfeited.saturating_add(lost),
							to_winner.saturating_add(won),
							to_committee.saturating_add(voted),
						)
					},
				);
				Self::deposit_event(Event::DisputeResolved {
					job,
					outcome: DisputeOutcome::Upheld,
					forfeited,
					to_winner,
					to_committee,
				});
				Self::settle(job, &mut record, worker);
			},
			Some(Ballot::Alternative(index)) => {
				Self::release_challenge_bonds(&dispute);
				let challengers: Vec<T::AccountId> =
					dispute.challengers.iter().map(|(who, _)| who.clone()).collect();
				let (forfeited, to_winner, to_committee) =
					Self::forfeit_worker_stake(&worker, &challengers, &majority_voters);
				T::Workers::suspend(&worker);
				Self::release_exposure(&record, &worker);
				Self::deposit_event(Event::DisputeResolved {
					job,
					outcome: DisputeOutcome::Overturned,
					forfeited,
					to_winner,
					to_committee,
				});
				let output = dispute.alternatives.into_iter().nth(index as usize);
				let output_hash = output.as_ref().map(StoredPayload::hash).unwrap_or_default();
				let refunded = Self::refund(&record);
				record.output = output;
				record.status = JobStatus::Overturned { worker: worker.clone(), at: now };
				Self::job_ended(record.model);
				Self::deposit_event(Event::ResultOverturned { job, worker, output_hash, refunded });
			},
			None => {
				Self::release_challenge_bonds(&dispute);
				Self::release_exposure(&record, &worker);
				Self::deposit_event(Event::DisputeResolved {
					job,
					outcome: DisputeOutcome::Unresolved,
					forfeited: Zero::zero(),
					to_winner: Zero::zero(),
					to_committee: Zero::zero(),
				});
				// The requester has read the output: a refund would make inference free for a
				// requester with a friend on the committee who stays silent. The worker is not
				// paid either: a liar with such a friend gains nothing.
				let to_treasury = Self::pay(
					HoldReason::JobFee,
					&record.requester,
					&T::TreasuryAccount::get(),
					record.fee.total,
				);
				Self::release(&record.requester, record.fee.total.saturating_sub(to_treasury));
				record.status = JobStatus::Unresolved { worker, at: now };
				Self::job_ended(record.model);
				Self::deposit_event(Event::DisputeUnresolved { job, to_treasury });
			},
		}
		Self::schedule_pruning(job, &mut record, now);
		Jobs::<T>::insert(job, record);
	}

	/// Takes `MissPenalty` of a member's bond for the treasury.
	fn penalise_member(member: &T::AccountId, reason: SlashReason) -> BalanceOf<T> {
		T::Workers::slash(member, T::MissPenalty::get(), &T::TreasuryAccount::get(), reason)
	}

	fn release_challenge_bonds(dispute: &DisputeOf<T>) {
		for (challenger, bond) in &dispute.challengers {
			Self::release_hold(HoldReason::ChallengeBond, challenger, *bond);
		}
	}

	/// The parts of a forfeit: to the winners together, to each majority voter.
	fn shares(forfeit: BalanceOf<T>, voters: usize) -> (BalanceOf<T>, BalanceOf<T>) {
		let to_winner = T::WinnerShare::get() * forfeit;
		let per_voter = match voters {
			0 => Zero::zero(),
			n => (T::CommitteeShare::get() * forfeit) / BalanceOf::<T>::from(n as u32),
		};
		(to_winner, per_voter)
	}

	/// A challenger loses its bond: the worker's share, the voters' shares, the rest to the
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

	/// The worker loses `WrongResultPenalty` of its bond: the winners' share in equal parts
	/// to the challengers, the voters' shares, the rest to the treasury (a bond too small
	/// for all of it pays in that order). Returns (forfeited, to the challengers, to the
	/// committee).
	fn forfeit_worker_stake(
		worker: &T::AccountId,
		challengers: &[T::AccountId],
		voters: &[T::AccountId],
	) -> (BalanceOf<T>, BalanceOf<T>, BalanceOf<T>) {
		let penalty = T::WrongResultPenalty::get();
		let (winner_share, per_voter) = Self::shares(penalty, voters.len());
		let per_challenger = match challengers.len() {
			0 => Zero::zero(),
			n => winner_share / BalanceOf::<T>::from(n as u32),
		};
		let slash = |to: &T::AccountId, amount| {
			T::Workers::slash(worker, amount, to, SlashReason::WrongResult)
		};
		let to_winner = challengers.iter().fold(Zero::zero(), |sum: BalanceOf<T>, challenger| {
			sum.saturating_add(slash(challenger, per_challenger))
		});
		let to_committee = voters.iter().fold(Zero::zero(), |sum: BalanceOf<T>, voter| {
			sum.saturating_add(slash(voter, per_voter))
		});
		let paid = to_winner.saturating_add(to_committee);
		let to_treasury = slash(&T::TreasuryAccount::get(), penalty.saturating_sub(paid));
		(paid.saturating_add(to_treasury), to_winner, to_committee)
	}
}
