//! The `optiviz` binary: the app without arguments, headless subcommands otherwise.

/// Large per-frame allocations (tessellated meshes) are reused rather than returned to the
/// system and faulted in again; see the comment on `mimalloc` in Cargo.toml.
#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // The UI thread works in rayon's pool rather than handing work to it (see the function).
    optiviz::numerics::parallel::enlist_in_pool();
    optiviz::cli::main_with_args(std::env::args_os())
}
