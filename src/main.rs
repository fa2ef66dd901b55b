//! exax, the Accelerator: reproducible data-processing jobs scripted in Lua. `main` only hands
//! over to the command line in `cli`.

mod board;
mod build_lock;
mod builder;
mod capture;
mod cli;
mod config;
mod console;
mod dataset;
mod diff;
mod embedded;
mod error;
mod gc;
mod hash;
mod inputs;
mod job_files;
mod job_id;
mod json;
mod lua;
mod merge;
mod method;
mod msgpack;
mod options;
mod project;
mod records;
mod render;
mod requires;
mod reuse_index;
mod status;
mod stdmethods;
mod sys;
mod urd;
mod value;
mod why;
mod workdir;

fn main() -> std::process::ExitCode {
    cli::main()
}
