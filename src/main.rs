//! The `smedx` binary: parse arguments, run, map the outcome to an exit status.

use std::process::ExitCode;

// Aggregation allocates many small values per record on two threads; mimalloc halves that cost.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    smedx::cli::main()
}
