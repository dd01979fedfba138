//! The `optiviz` binary: the app without arguments, headless subcommands otherwise.

fn main() -> std::process::ExitCode {
    optiviz::cli::main_with_args(std::env::args_os())
}
