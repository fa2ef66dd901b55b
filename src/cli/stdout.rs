//! The one way subcommands write to stdout. It goes through the console (so live progress lines
//! make way), and a closed stdout (`exax method | head -1`) is a normal end, as in ripgrep: the
//! write fails with `BrokenPipe`, the error travels up like any other, and `cli::main` ends the
//! command quietly with exit 0 when it sees one.

use crate::console;
use crate::error::{Error, Result};

pub fn write(bytes: &[u8]) -> Result<()> {
    console::out_checked(bytes).map_err(|e| Error::io("stdout", e))
}

pub fn print(text: &str) -> Result<()> {
    write(text.as_bytes())
}

/// True for the error `write` returns when the reader of stdout has gone.
pub fn is_closed(e: &Error) -> bool {
    matches!(e, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
}
