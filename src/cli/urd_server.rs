//! `exax urd-server [--listen ADDR] [--path DIR]`: serve an urd store over HTTP for a team
//! (`crate::urd::server`); `--add-user NAME` adds a user, its password read from stdin.

use std::io::BufRead;
use std::process::ExitCode;

use crate::error::{Error, Result};

/// Serve an urd store over HTTP, for several users and machines (`urd: http://host:port` in
/// accelerator.conf makes builds use it). Binds 127.0.0.1 unless told otherwise.
#[derive(clap::Args)]
pub struct Args {
    /// `host:port`, or a port on 127.0.0.1.
    #[arg(long, default_value = "127.0.0.1:8833")]
    listen: String,
    /// The store directory (its `passwd` file holds the users).
    #[arg(long, default_value = "urd.db")]
    path: std::path::PathBuf,
    /// Add (or replace) a user: reads the password from the first line of stdin, stores its
    /// argon2 hash in PATH/passwd, and exits.
    #[arg(long, value_name = "NAME")]
    add_user: Option<String>,
    /// Print nothing on start.
    #[arg(short, long)]
    quiet: bool,
}

pub fn run(a: Args) -> Result<ExitCode> {
    if let Some(user) = a.add_user {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| Error::io("stdin", e))?;
        let password = line.trim_end_matches(['\n', '\r']);
        if password.is_empty() {
            return Err(Error::User("no password on stdin".into()));
        }
        crate::urd::server::add_user(&a.path, &user, password)?;
        return Ok(ExitCode::SUCCESS);
    }
    crate::urd::server::serve(&a.listen, &a.path, a.quiet)?;
    Ok(ExitCode::SUCCESS)
}
