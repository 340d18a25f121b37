fn main() {
    std::process::exit(selfinterp::cli::main());
}
