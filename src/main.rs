//! The `selfinterp` binary: the command line is the library's (`selfinterp::cli_main`); it
//! parses arguments, calls the library's stages and prints.

fn main() {
    std::process::exit(selfinterp::cli_main());
}
