//! exax, the Accelerator: reproducible data-processing jobs scripted in Lua. `main` only hands
//! over to the command line in `cli`.

mod board;
mod checksum;
mod cli;
mod config;
mod confine;
mod console;
mod dataset;
mod embedded;
mod error;
mod job;
mod json;
mod lua;
mod memory;
mod merge;
mod method;
mod msgpack;
mod project;
mod render;
mod status;
mod stdmethods;
mod sys;
mod urd;
mod value;

#[global_allocator]
static ALLOCATOR: memory::ExitOnFailure = memory::ExitOnFailure;

fn main() -> std::process::ExitCode {
    cli::main()
}
