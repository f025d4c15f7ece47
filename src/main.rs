//! The `smedx` binary: parse arguments, run, map the outcome to an exit status.

use std::process::ExitCode;

fn main() -> ExitCode {
    smedx::cli::main()
}
