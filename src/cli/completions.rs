//! `exax completions SHELL`: the shell completion script for exax's commands and options, made
//! by clap_complete from the same clap definitions that parse the command line.

use std::process::ExitCode;

use clap::CommandFactory;

use super::stdout;
use crate::error::Result;

/// Print a shell completion script: `exax completions bash > ~/.local/share/bash-completion/completions/exax`.
#[derive(clap::Args)]
pub struct Args {
    /// The shell the script is for.
    shell: clap_complete::Shell,
}

pub fn run(a: Args) -> Result<ExitCode> {
    // Without the hidden internal subcommands, which clap_complete would offer.
    let full = super::Cli::command();
    let mut cmd = clap::Command::new("exax")
        .version(env!("CARGO_PKG_VERSION"))
        .subcommands(full.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "exax", &mut script);
    stdout::write(&script)?;
    Ok(ExitCode::SUCCESS)
}
