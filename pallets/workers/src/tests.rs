//! Tests of the worker pool: every call, every named error, matching eligibility, slashing.

use super::*;
use crate::mock::*;
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use verin_primitives::market::{SlashReason, WorkerPool, WorkerStaking};

fn served(model: ModelId, major: u16, minor: u16) -> ServedVersion {
	ServedVersion { model, version: ModelVersion::new(major, minor) }
}

fn models(list: &[ServedVersion]) -> BoundedVec<ServedVersion, ConstU32<3>> {
	list.to_vec().try_into().unwrap()
}

fn vanilla() -> TierSet {
	[Tier::Vanilla].into_iter().collect()
}

fn bond_held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::WorkerBond.into(), &who)
}

fn register(who: AccountId, stake: Balance) {
	assert_ok!(Workers::register(
		RuntimeOrigin::signed(who),
		stake,
		vanilla(),
		models(&[served(0, 1, 0)])
	));
}

fn candidates() -> Vec<AccountId> {
	Workers::candidates(0, ModelVersion::new(1, 0), Tier::Vanilla)
		.into_iter()
		.map(|c| c.worker)
		.collect()
}

fn last_event() -> Event<Test> {
	System::events()
		.into_iter()
		.rev()
		.find_map(|record| match record.event {
			RuntimeEvent::Workers(event) => Some(event),
			_ => None,
		})
		.expect("a workers event")
}

mod registration {
	use super::*;

	#[test]
	fn register_bonds_stake_and_makes_the_worker_a_candidate() {
		new_test_ext().execute_with(|| {
			register(ALICE, 5_000);
			assert_eq!(bond_held(ALICE), 5_000);
			let info = Workers::worker(&ALICE).unwrap();
			assert!(info.online);
			assert_eq!(info.last_seen, 1);
			assert_eq!(Servers::<Test>::get(0, ModelVersion::new(1, 0)).to_vec(), vec![ALICE]);
			assert_eq!(candidates(), vec![ALICE]);
			assert_eq!(
				last_event(),
				Event::WorkerRegistered { worker: ALICE, stake: 5_000, tiers: vanilla() }
			);
		});
	}

	#[test]
	fn register_rejects_bad_input_with_named_errors() {
		new_test_ext().execute_with(|| {
			let origin = || RuntimeOrigin::signed(BOB);
			let one = models(&[served(0, 1, 0)]);
			assert_noop!(
				Workers::register(origin(), MIN_STAKE - 1, vanilla(), one.clone()),
				Error::<Test>::StakeBelowMinimum
			);
			assert_noop!(
				Workers::register(origin(), MIN_STAKE, TierSet::empty(), one.clone()),
				Error::<Test>::InvalidTiers
			);
			assert_noop!(
				Workers::register(origin(), MIN_STAKE, vanilla(), models(&[])),
				Error::<Test>::NoModels
			);
			assert_noop!(
				Workers::register(origin(), MIN_STAKE, vanilla(), models(&[served(0, 2, 0)])),
				Error::<Test>::UnknownModelVersion
			);
			assert_noop!(
				Workers::register(
					origin(),
					MIN_STAKE,
					vanilla(),
					models(&[served(0, 1, 0), served(0, 1, 0)])
				),
				Error::<Test>::DuplicateModelVersion
			);
			assert_noop!(
				Workers::register(RuntimeOrigin::signed(POOR), MIN_STAKE, vanilla(), one.clone()),
				Error::<Test>::InsufficientBalance
			);
			register(BOB, MIN_STAKE);
			assert_noop!(
				Workers::register(origin(), MIN_STAKE, vanilla(), one),
				Error::<Test>::AlreadyRegistered
			);
		});
	}

	#[test]
	fn a_model_version_takes_a_bounded_number_of_workers() {
		new_test_ext().execute_with(|| {
			for who in 10..10 + MAX_WORKERS_PER_MODEL as u64 {
				register(who, MIN_STAKE);
			}
			assert_noop!(
				Workers::register(
					RuntimeOrigin::signed(ALICE),
					MIN_STAKE,
					vanilla(),
					models(&[served(0, 1, 0)])
				),
				Error::<Test>::TooManyWorkersForModel
			);
			assert_eq!(bond_held(ALICE), 0, "nothing held for a failed registration");
		});
	}

	fn servers_of_model_zero() -> Vec<AccountId> {
		Servers::<Test>::get(0, ModelVersion::new(1, 0)).into_inner()
	}

	#[test]
	fn squatters_cannot_keep_a_version_slot_offline() {
		new_test_ext().execute_with(|| {
			// Sybils take every slot of the version and go offline: nobody could serve it.
			for who in 10..10 + MAX_WORKERS_PER_MODEL as u64 {
				register(who, MIN_STAKE * 5);
				assert_ok!(Workers::go_offline(RuntimeOrigin::signed(who)));
			}
			register(ALICE, MIN_STAKE);
			assert!(servers_of_model_zero().contains(&ALICE));
			assert_eq!(candidates(), vec![ALICE]);
			let evicted = match last_event() {
				Event::WorkerRegistered { .. } => System::events()
					.into_iter()
					.find_map(|record| match record.event {
						RuntimeEvent::Workers(Event::ServerEvicted { worker, by, .. }) => {
							assert_eq!(by, ALICE);
							Some(worker)
						},
						_ => None,
					})
					.expect("an eviction"),
				other => panic!("unexpected event {other:?}"),
			};
			assert!(Workers::worker(&evicted).unwrap().models.is_empty());
		});
	}

	#[test]
	fn squatters_bonding_the_minimum_yield_their_slots_to_larger_stakes() {
		new_test_ext().execute_with(|| {
			for who in 10..10 + MAX_WORKERS_PER_MODEL as u64 {
				register(who, MIN_STAKE);
			}
			register(ALICE, MIN_STAKE * 2);
			assert!(servers_of_model_zero().contains(&ALICE));
			assert_eq!(servers_of_model_zero().len(), MAX_WORKERS_PER_MODEL as usize);
			// A newcomer bonding no more than any working server finds no slot.
			assert_noop!(
				Workers::register(
					RuntimeOrigin::signed(BOB),
					MIN_STAKE,
					vanilla(),
					models(&[served(0, 1, 0)])
				),
				Error::<Test>::TooManyWorkersForModel
			);
		});
	}

	#[test]
	fn optimistic_jobs_are_offered_only_while_the_stake_covers_them() {
		new_test_ext().execute_with(|| {
			let optimistic: TierSet = [Tier::Optimistic].into_iter().collect();
			assert_ok!(Workers::register(
				RuntimeOrigin::signed(ALICE),
				MIN_STAKE,
				optimistic,
				models(&[served(0, 1, 0)])
			));
			let offered =
				|| !Workers::candidates(0, ModelVersion::new(1, 0), Tier::Optimistic).is_empty();
			// MIN_STAKE covers two open jobs of STAKE_PER_OPTIMISTIC_JOB, not three.
			Workers::job_assigned(&ALICE, Tier::Optimistic);
			Workers::job_released(&ALICE, true);
			assert!(offered());
			Workers::job_assigned(&ALICE, Tier::Optimistic);
			Workers::job_released(&ALICE, true);
			assert!(!offered(), "the stake answers for two open results, not three");
			// Still a committee member: a vote is not a job.
			assert_eq!(Workers::voters(0, ModelVersion::new(1, 0)).len(), 1);
			Workers::optimistic_job_closed(&ALICE);
			assert!(offered());
		});
	}

	#[test]
	fn a_refusal_counts_against_the_worker_and_frees_its_load() {
		new_test_ext().execute_with(|| {
			register(ALICE, MIN_STAKE);
			Workers::job_assigned(&ALICE, Tier::Vanilla);
			Workers::job_refused(&ALICE);
			let info = Workers::worker(&ALICE).unwrap();
			assert_eq!((info.load, info.refused, info.answered), (0, 1, 0));
		});
	}

	#[test]
	fn bond_extra_adds_active_stake() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				Workers::bond_extra(RuntimeOrigin::signed(ALICE), 5),
				Error::<Test>::NotRegistered
			);
			register(ALICE, MIN_STAKE);
			assert_noop!(
				Workers::bond_extra(RuntimeOrigin::signed(ALICE), 0),
				Error::<Test>::ZeroAmount
			);
			assert_noop!(
				Workers::bond_extra(RuntimeOrigin::signed(ALICE), INITIAL_BALANCE),
				Error::<Test>::InsufficientBalance
			);
			assert_ok!(Workers::bond_extra(RuntimeOrigin::signed(ALICE), 500));
			assert_eq!(Workers::worker(&ALICE).unwrap().stake, MIN_STAKE + 500);
			assert_eq!(bond_held(ALICE), MIN_STAKE + 500);
			assert_eq!(
				last_event(),
				Event::StakeBonded { worker: ALICE, amount: 500, stake: MIN_STAKE + 500 }
			);
		});
	}

	#[test]
	fn set_models_moves_the_worker_between_indexes() {
		new_test_ext().execute_with(|| {
			register(ALICE, MIN_STAKE);
			let new = models(&[served(0, 1, 1), served(1, 1, 0)]);
			assert_ok!(Workers::set_models(RuntimeOrigin::signed(ALICE), new.clone()));
			assert!(!Servers::<Test>::contains_key(0, ModelVersion::new(1, 0)));
			assert_eq!(Servers::<Test>::get(0, ModelVersion::new(1, 1)).to_vec(), vec![ALICE]);
			assert_eq!(Servers::<Test>::get(1, ModelVersion::new(1, 0)).to_vec(), vec![ALICE]);
			assert_eq!(Workers::worker(&ALICE).unwrap().models, new);
			assert_noop!(
				Workers::set_models(RuntimeOrigin::signed(ALICE), models(&[served(5, 1, 0)])),
				Error::<Test>::UnknownModelVersion
			);
			assert_noop!(
				Workers::set_models(RuntimeOrigin::signed(BOB), new),
				Error::<Test>::NotRegistered
			);
		});
	}

	#[test]
	fn set_tiers_changes_which_jobs_match() {
		new_test_ext().execute_with(|| {
			register(ALICE, MIN_STAKE);
			let zk: TierSet = [Tier::Zk].into_iter().collect();
			assert_ok!(Workers::set_tiers(RuntimeOrigin::signed(ALICE), zk));
			assert!(candidates().is_empty());
			assert_eq!(
				Workers::candidates(0, ModelVersion::new(1, 0), Tier::Zk).len(),
				1,
				"now matched for Zk jobs"
			);
			assert_noop!(
				Workers::set_tiers(RuntimeOrigin::signed(ALICE), TierSet::empty()),
				Error::<Test>::InvalidTiers
			);
			assert_noop!(
				Workers::set_tiers(RuntimeOrigin::signed(BOB), zk),
				Error::<Test>::NotRegistered
			);
		});
	}
}

mod availability {
	use super::*;

	#[test]
	fn offline_workers_are_not_matched_until_back_online() {
		new_test_ext().execute_with(|| {
			register(ALICE, MIN_STAKE);
			assert_noop!(
				Workers::go_online(RuntimeOrigin::signed(ALICE)),
				Error::<Test>::AlreadyOnline
			);
			assert_ok!(Workers::go_offline(RuntimeOrigin::signed(ALICE)));
			assert_eq!(
				last_event(),
				Event::WentOffline { worker: ALICE, reason: OfflineReason::Requested }
			);
			assert!(candidates().is_empty());
			assert_noop!(
				Workers::go_offline(RuntimeOrigin::signed(ALICE)),
				Error::<Test>::AlreadyOffline
			);
			assert_ok!(Workers::go_online(RuntimeOrigin::signed(ALICE)));
			assert_eq!(candidates(), vec![ALICE]);
			assert_noop!(
				Workers::go_online(RuntimeOrigin::signed(BOB)),
				Error::<Test>::NotRegistered
			);
			assert_noop!(
				Workers::go_offline(RuntimeOrigin::signed(BOB)),
				Error::<Test>::NotRegistered
			);
		});
	}

	#[test]
	fn silent_workers_drop_out_after_the_liveness_window_and_heartbeats_keep_them_in() {
		new_test_ext().execute_with(|| {
			register(ALICE, MIN_STAKE);
			register(BOB, MIN_STAKE);
			run_to_block(1 + LIVENESS_WINDOW);
			assert_eq!(candidates(), vec![ALICE, BOB], "still inside the window");
			assert_ok!(Workers::heartbeat(RuntimeOrigin::signed(BOB)));
			run_to_block(2 + LIVENESS_WINDOW);
			assert_eq!(candidates(), vec![BOB], "Alice was silent too long");
			Workers::job_assigned(&ALICE, Tier::Vanilla);
			Workers::job_released(&ALICE, true);
			assert_eq!(candidates(), vec![ALICE, BOB], "an answered job is a sign of life");
			assert_noop!(
				Workers::heartbeat(RuntimeOrigin::signed(CAROL)),
				Error::<Test>::NotRegistered
			);
		});
	}

	#[test]
	fn busy_workers_are_not_matched_and_load_is_reported() {
		new_test_ext().execute_with(|| {
			register(ALICE, MIN_STAKE);
			for _ in 0..MAX_JOBS_PER_WORKER {
				Workers::job_assigned(&ALICE, Tier::Vanilla);
			}
			assert!(candidates().is_empty());
			Workers::job_released(&ALICE, false);
			let offered = Workers::candidates(0, ModelVersion::new(1, 0), Tier::Vanilla);
			assert_eq!(offered[0].load, MAX_JOBS_PER_WORKER - 1);
			assert_eq!(offered[0].stake, MIN_STAKE);
			let info = Workers::worker(&ALICE).unwrap();
			assert_eq!((info.answered, info.missed), (0, 1));
		});
	}

	#[test]
	fn suspension_takes_a_worker_offline_once() {
		new_test_ext().execute_with(|| {
			register(ALICE, MIN_STAKE);
			Workers::suspend(&ALICE);
			assert_eq!(
				last_event(),
				Event::WentOffline { worker: ALICE, reason: OfflineReason::Suspended }
			);
			let events = System::events().len();
			Workers::suspend(&ALICE);
			Workers::suspend(&BOB);
			assert_eq!(System::events().len(), events, "nothing to suspend: no event");
			assert!(candidates().is_empty());
		});
	}
}

mod unbonding {
	use super::*;

	#[test]
	fn unbonding_leaves_matching_at_once_and_releases_after_the_period() {
		new_test_ext().execute_with(|| {
			register(ALICE, 3 * MIN_STAKE);
			assert_ok!(Workers::unbond(RuntimeOrigin::signed(ALICE), MIN_STAKE));
			let unlock_at = 1 + UNBONDING_PERIOD;
			assert_eq!(
				last_event(),
				Event::Unbonding { worker: ALICE, amount: MIN_STAKE, unlock_at }
			);
			assert_eq!(
				Workers::candidates(0, ModelVersion::new(1, 0), Tier::Vanilla)[0].stake,
				2 * MIN_STAKE
			);
			assert_eq!(bond_held(ALICE), 3 * MIN_STAKE, "unbonding stake stays held");
			assert_noop!(
				Workers::withdraw_unbonded(RuntimeOrigin::signed(ALICE)),
				Error::<Test>::StillUnbonding
			);
			run_to_block(unlock_at);
			assert_ok!(Workers::withdraw_unbonded(RuntimeOrigin::signed(ALICE)));
			assert_eq!(bond_held(ALICE), 2 * MIN_STAKE);
			assert_eq!(last_event(), Event::Withdrawn { worker: ALICE, amount: MIN_STAKE });
			assert_noop!(
				Workers::withdraw_unbonded(RuntimeOrigin::signed(ALICE)),
				Error::<Test>::NothingUnbonding
			);
		});
	}

	#[test]
	fn unbond_checks_amounts() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				Workers::unbond(RuntimeOrigin::signed(ALICE), 1),
				Error::<Test>::NotRegistered
			);
			register(ALICE, 2 * MIN_STAKE);
			assert_noop!(
				Workers::unbond(RuntimeOrigin::signed(ALICE), 0),
				Error::<Test>::ZeroAmount
			);
			assert_noop!(
				Workers::unbond(RuntimeOrigin::signed(ALICE), 2 * MIN_STAKE + 1),
				Error::<Test>::UnbondExceedsStake
			);
			assert_noop!(
				Workers::unbond(RuntimeOrigin::signed(ALICE), MIN_STAKE + 1),
				Error::<Test>::WouldFallBelowMinimum
			);
		});
	}

	#[test]
	fn a_stake_held_for_judgement_cannot_be_withdrawn_until_released() {
		use verin_primitives::market::WorkerStaking;
		new_test_ext().execute_with(|| {
			register(ALICE, MIN_STAKE);
			assert_ok!(Workers::unbond(RuntimeOrigin::signed(ALICE), MIN_STAKE));
			// Two judgements overlap: the stake stays until both end.
			Workers::hold_for_judgement(&ALICE);
			Workers::hold_for_judgement(&ALICE);
			run_to_block(1 + UNBONDING_PERIOD);
			assert_noop!(
				Workers::withdraw_unbonded(RuntimeOrigin::signed(ALICE)),
				Error::<Test>::StakeUnderJudgement
			);
			// The judgement's slash still finds the unbonding stake.
			assert_eq!(Workers::bonded(&ALICE), MIN_STAKE);
			Workers::release_judgement(&ALICE);
			assert_noop!(
				Workers::withdraw_unbonded(RuntimeOrigin::signed(ALICE)),
				Error::<Test>::StakeUnderJudgement
			);
			Workers::release_judgement(&ALICE);
			assert!(!crate::JudgementHolds::<Test>::contains_key(ALICE), "no hold left behind");
			assert_ok!(Workers::withdraw_unbonded(RuntimeOrigin::signed(ALICE)));
			assert_eq!(bond_held(ALICE), 0);
		});
	}

	#[test]
	fn unbonding_everything_goes_offline_and_withdrawal_deregisters() {
		new_test_ext().execute_with(|| {
			register(ALICE, MIN_STAKE);
			assert_ok!(Workers::unbond(RuntimeOrigin::signed(ALICE), MIN_STAKE / 2 * 2));
			assert_eq!(
				last_event(),
				Event::WentOffline { worker: ALICE, reason: OfflineReason::Unbonded }
			);
			assert!(candidates().is_empty());
			assert_noop!(
				Workers::go_online(RuntimeOrigin::signed(ALICE)),
				Error::<Test>::StakeBelowMinimum
			);
			// Unbonding twice adds up and restarts the period.
			run_to_block(1 + UNBONDING_PERIOD);
			assert_ok!(Workers::withdraw_unbonded(RuntimeOrigin::signed(ALICE)));
			assert_eq!(last_event(), Event::WorkerDeregistered { worker: ALICE });
			assert!(Workers::worker(&ALICE).is_err());
			assert!(!Servers::<Test>::contains_key(0, ModelVersion::new(1, 0)));
			assert_eq!(bond_held(ALICE), 0);
			assert_eq!(Balances::free_balance(ALICE), INITIAL_BALANCE);
		});
	}

	#[test]
	fn a_worker_holding_jobs_stays_registered_until_they_end() {
		new_test_ext().execute_with(|| {
			register(ALICE, MIN_STAKE);
			Workers::job_assigned(&ALICE, Tier::Vanilla);
			assert_ok!(Workers::unbond(RuntimeOrigin::signed(ALICE), MIN_STAKE));
			run_to_block(1 + UNBONDING_PERIOD);
			assert_ok!(Workers::withdraw_unbonded(RuntimeOrigin::signed(ALICE)));
			assert!(Workers::worker(&ALICE).is_ok(), "still holds a job");
			Workers::job_released(&ALICE, true);
			assert_ok!(Workers::withdraw_unbonded(RuntimeOrigin::signed(ALICE)));
			assert_eq!(last_event(), Event::WorkerDeregistered { worker: ALICE });
		});
	}

	#[test]
	fn unbonding_twice_adds_up_and_restarts_the_period() {
		new_test_ext().execute_with(|| {
			register(ALICE, 4 * MIN_STAKE);
			assert_ok!(Workers::unbond(RuntimeOrigin::signed(ALICE), MIN_STAKE));
			run_to_block(5);
			assert_ok!(Workers::unbond(RuntimeOrigin::signed(ALICE), MIN_STAKE));
			let unbonding = Workers::worker(&ALICE).unwrap().unbonding.unwrap();
			assert_eq!(
				unbonding,
				Unbonding { amount: 2 * MIN_STAKE, unlock_at: 5 + UNBONDING_PERIOD }
			);
		});
	}
}

mod slashing {
	use super::*;

	#[test]
	fn slash_pays_the_beneficiary_from_active_then_unbonding_stake() {
		new_test_ext().execute_with(|| {
			register(ALICE, 3 * MIN_STAKE);
			assert_ok!(Workers::unbond(RuntimeOrigin::signed(ALICE), MIN_STAKE));
			let taken =
				Workers::slash(&ALICE, 2 * MIN_STAKE + 10, &TREASURY, SlashReason::MissedDeadline);
			assert_eq!(taken, 2 * MIN_STAKE + 10);
			let info = Workers::worker(&ALICE).unwrap();
			assert_eq!(info.stake, 0);
			assert_eq!(info.unbonding.unwrap().amount, MIN_STAKE - 10);
			assert_eq!(bond_held(ALICE), MIN_STAKE - 10);
			assert_eq!(Balances::free_balance(TREASURY), 1 + taken);
			assert_eq!(Workers::bonded(&ALICE), MIN_STAKE - 10);
			assert_eq!(
				last_event(),
				Event::WorkerSlashed {
					worker: ALICE,
					amount: taken,
					beneficiary: TREASURY,
					reason: SlashReason::MissedDeadline
				}
			);
			assert!(candidates().is_empty(), "below the minimum stake");
		});
	}

	#[test]
	fn slash_takes_at_most_what_is_bonded_and_never_fails() {
		new_test_ext().execute_with(|| {
			register(ALICE, MIN_STAKE);
			assert_eq!(
				Workers::slash(&ALICE, 10 * MIN_STAKE, &TREASURY, SlashReason::WrongResult),
				MIN_STAKE
			);
			assert_eq!(Workers::slash(&ALICE, 1, &TREASURY, SlashReason::WrongResult), 0);
			assert_eq!(
				Workers::slash(&BOB, 1, &TREASURY, SlashReason::WrongResult),
				0,
				"not a worker"
			);
			assert!(!Workers::is_bonded(&ALICE));
		});
	}

	#[test]
	fn slash_conserves_issuance_when_the_beneficiary_is_new() {
		new_test_ext().execute_with(|| {
			register(ALICE, MIN_STAKE);
			let issuance = Balances::total_issuance();
			let taken = Workers::slash(&ALICE, 10, &500, SlashReason::MissedDeadline);
			assert_eq!(taken, 10);
			assert_eq!(Balances::free_balance(500), 10);
			assert_eq!(Balances::total_issuance(), issuance, "paid, not burnt");
		});
	}
}

#[test]
fn integrity_test_passes_for_the_mock() {
	use frame_support::traits::Hooks;
	Workers::integrity_test();
}

#[test]
fn genesis_registers_bonded_online_workers() {
	use sp_runtime::BuildStorage;
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(ALICE, INITIAL_BALANCE)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	crate::GenesisConfig::<Test> {
		workers: vec![(ALICE, 2 * MIN_STAKE, vanilla(), vec![served(0, 1, 0)])],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	sp_io::TestExternalities::new(storage).execute_with(|| {
		let info = Workers::worker(&ALICE).unwrap();
		assert!(info.online);
		assert_eq!(info.stake, 2 * MIN_STAKE);
		assert_eq!(bond_held(ALICE), 2 * MIN_STAKE);
		assert_eq!(Servers::<Test>::get(0, ModelVersion::new(1, 0)).to_vec(), vec![ALICE]);
	});
}

mod heartbeats {
	use super::*;
	use verin_pallet_support::testing::offchain_worker_node;

	#[test]
	fn an_idle_online_worker_is_kept_live_by_its_node() {
		let mut ext = new_test_ext();
		let pool = offchain_worker_node(&mut ext, [ALICE]);
		ext.execute_with(|| {
			register(ALICE, MIN_STAKE);
			register(BOB, MIN_STAKE);
			let half = 1 + LIVENESS_WINDOW / 2;
			// The offchain worker of block `block`, on that block's state.
			let heartbeats_at = |block: u64| -> Vec<(AccountId, RuntimeCall)> {
				run_to_block(block);
				Workers::send_heartbeats(block);
				pool.take_signed()
			};
			assert!(heartbeats_at(half - 1).is_empty(), "recently seen: no heartbeat");
			assert_eq!(
				heartbeats_at(half),
				vec![(ALICE, RuntimeCall::Workers(Call::heartbeat {}))],
				"only the local key"
			);
			assert!(heartbeats_at(half + 1).is_empty(), "already sent");
			assert_eq!(
				heartbeats_at(half + crate::offchain::RESEND_AFTER as u64).len(),
				1,
				"the first one never landed: again"
			);
			assert_ok!(Workers::go_offline(RuntimeOrigin::signed(ALICE)));
			assert!(heartbeats_at(half + 100).is_empty(), "offline workers need no liveness");
		});
	}
}

#[test]
fn tee_jobs_go_only_to_workers_whose_enclave_is_attested() {
	new_test_ext().execute_with(|| {
		let tee: TierSet = [Tier::Vanilla, Tier::Tee].into_iter().collect();
		for who in [ALICE, BOB] {
			assert_ok!(Workers::register(
				RuntimeOrigin::signed(who),
				MIN_STAKE,
				tee,
				models(&[served(0, 1, 0)])
			));
		}
		let tee_candidates = || -> Vec<AccountId> {
			Workers::candidates(0, ModelVersion::new(1, 0), Tier::Tee)
				.into_iter()
				.map(|c| c.worker)
				.collect()
		};
		assert!(tee_candidates().is_empty(), "no enclave attested yet");
		Attested::set(vec![BOB]);
		assert_eq!(tee_candidates(), vec![BOB]);
		// Other tiers do not ask for an enclave.
		assert_eq!(candidates(), vec![ALICE, BOB]);
		Attested::set(vec![]);
		assert!(tee_candidates().is_empty(), "an attestation that lapses stops TEE jobs at once");
	});
}
