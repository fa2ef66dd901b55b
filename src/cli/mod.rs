//! The command line: clap definitions (the `///` docs are the help text), one file per
//! subcommand, and the exit-code and error-rendering policy shared by all of them.

mod board;
mod cat;
mod completions;
mod ds;
mod gc;
mod grep;
mod init;
mod job;
mod method;
mod rows;
mod run;
mod status;
mod stdout;
mod urd;
mod urd_server;
mod verify;
mod why;
mod workdir;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::console;
use crate::error::Result;
use crate::render::render;

/// exax, the Accelerator: build and reuse reproducible data-processing jobs written in Lua.
#[derive(Parser)]
#[command(name = "exax", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Init(init::Args),
    Run(run::Args),
    Job(job::Args),
    Method(method::Args),
    Ds(ds::Args),
    Cat(cat::Args),
    Grep(grep::Args),
    Completions(completions::Args),
    Workdir(workdir::Args),
    Gc(gc::Args),
    Status(status::Args),
    Why(why::Args),
    Urd(urd::Args),
    Board(board::Args),
    UrdServer(urd_server::Args),
    Verify(verify::Args),
    /// (internal) run one analysis slice of a job
    #[command(name = "__analysis", hide = true)]
    Analysis {
        conf: camino::Utf8PathBuf,
        job: String,
        sliceno: usize,
        /// Which attempt at this slice this is (from 1).
        #[arg(long, default_value_t = 1)]
        attempt: u32,
    },
    /// (internal) run one build of a `urd:build_all`
    #[command(name = "__build", hide = true)]
    Build {
        conf: camino::Utf8PathBuf,
        #[arg(long)]
        quiet: bool,
        #[arg(long)]
        why: bool,
    },
}

pub fn main() -> ExitCode {
    console::init();
    crate::sys::line_buffer_c_stdout();
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        console::err_line(&format!("error: internal error in exax{place}: {msg} (please report this)"));
    }));
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = std::panic::catch_unwind(|| dispatch(cli));
    crate::status::interrupt::wait_if_interrupted();
    match result {
        Ok(Ok(code)) => code,
        Ok(Err(e)) if stdout::is_closed(&e) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            crate::sys::flush_c_stdio();
            console::err_line(render(&e).trim_end());
            ExitCode::from(1)
        }
        Err(_) => ExitCode::from(1),
    }
}

fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Init(a) => init::run(a),
        Command::Run(a) => run::run(a),
        Command::Job(a) => job::run(a),
        Command::Method(a) => method::run(a),
        Command::Ds(a) => ds::run(a),
        Command::Cat(a) => cat::run(a),
        Command::Grep(a) => grep::run(a),
        Command::Completions(a) => completions::run(a),
        Command::Workdir(a) => workdir::run(a),
        Command::Gc(a) => gc::run(a),
        Command::Status(a) => status::run(a),
        Command::Why(a) => why::run(a),
        Command::Urd(a) => urd::run(a),
        Command::Board(a) => board::run(a),
        Command::UrdServer(a) => urd_server::run(a),
        Command::Verify(a) => verify::run(a),
        Command::Analysis {
            conf,
            job,
            sliceno,
            attempt,
        } => Ok(match crate::lua::run_analysis_slice(&conf, &job, sliceno, attempt)? {
            true => ExitCode::SUCCESS,
            false => ExitCode::from(1),
        }),
        Command::Build { conf, quiet, why } => {
            crate::lua::serve_build_process(&conf, quiet, why)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `2026-11-24 10:00:01` (UTC) from seconds since the epoch.
pub fn format_time(t: f64) -> String {
    let secs = t as i64;
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    let (y, m, d) = crate::dataset::datetime::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", rem / 3600, rem / 60 % 60, rem % 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn time_format() {
        assert_eq!(super::format_time(0.0), "1970-01-01 00:00:00");
        assert_eq!(super::format_time(1795496557.5), "2026-11-24 05:02:37");
    }
}
