//! The pallets whose benchmarks the `Benchmark` runtime API runs (scripts/bench-weights.sh).

frame_benchmarking::define_benchmarks!([pallet_models, Models]);
