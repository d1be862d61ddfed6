//! Weights of the SDK's pallets measured for this runtime, on the machine that measured
//! Verin's own pallets (`scripts/bench-weights.sh`), so that the two compare.

pub mod pallet_balances;
