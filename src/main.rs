//! exax, the Accelerator: reproducible data-processing jobs scripted in Lua. `main` only hands
//! over to the command line in `cli`.

mod cli;
mod config;
mod console;
mod dataset;
mod embedded;
mod error;
mod job;
mod json;
mod lua;
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

fn main() -> std::process::ExitCode {
    cli::main()
}
