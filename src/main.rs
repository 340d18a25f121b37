//! The `selfinterp` binary: the command line in [`cli`] parses arguments, calls the library
//! and prints; the library (`selfinterp`) owns every check and decision.

mod cli;

fn main() {
    std::process::exit(cli::main());
}
