//! Everything `exax run` does about status while it builds: prints the tree to stdout on CTRL+T
//! (`keys.rs`), on SIGUSR1 and, where the OS has it, SIGINFO; answers `exax status` (`socket.rs`);
//! shows the live progress lines on a terminal (`display.rs`); on CTRL+C prints what the run did
//! and exits 130 (`interrupt.rs`); and on SIGTERM restores the terminal and removes its socket
//! before dying as it would have.
//!
//! All requests to print go through one pipe to one printer thread (a signal handler may only
//! write a byte), and the tree is written with one `console::out`, so it never tears a job's line.

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::sync::OnceLock;

use camino::Utf8Path;

use super::display::Display;
use super::keys::Keys;
use super::socket::Server;
use crate::{console, sys};

/// What the tree says when no job runs: `build.lua: no job running`.
static IDLE: OnceLock<String> = OnceLock::new();

/// The status tree, or the idle line.
pub fn tree() -> String {
    let t = super::render();
    if t.is_empty() {
        format!("{}\n", IDLE.get().map_or("no job running", String::as_str))
    } else {
        t
    }
}

pub struct Live {
    // Dropped in this order: clear the progress lines, stop reading keys (restoring the
    // terminal: from then on what the user types is echoed where the cursor is, so the lines must
    // be gone first), stop answering, stop printing.
    display: Option<Display>,
    keys: Option<Keys>,
    server: Option<Server>,
    printer: Option<std::io::PipeWriter>,
    interrupt: Option<std::io::PipeWriter>,
}

impl Live {
    /// `script` is the build script as shown to the user; `quiet` turns the progress lines off.
    pub fn start(root: &Utf8Path, script: &str, quiet: bool) -> Live {
        let _ = IDLE.set(format!("{script}: no job running"));
        let server = match Server::start(root, tree) {
            Ok(s) => Some(s),
            Err(e) => {
                console::warn(&format!("`exax status` will not see this run: {e}"));
                None
            }
        };
        let _ = sys::on_fatal_signals(server.as_ref().map(Server::path));
        let interrupt = super::interrupt::start();
        let printer = start_printer();
        let keys = printer.as_ref().and_then(|p| p.try_clone().ok()).and_then(|w| {
            Keys::start(move || {
                let _ = (&w).write_all(b"k");
            })
        });
        let display = if quiet { None } else { Display::start() };
        Live {
            display,
            keys,
            server,
            printer,
            interrupt,
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        drop(self.display.take());
        drop(self.keys.take());
        drop(self.server.take());
        sys::off_status_signals();
        drop(self.printer.take());
        if let Some(w) = self.interrupt.take() {
            sys::off_interrupt();
            drop(w);
        }
    }
}

/// The printer thread and the pipe that wakes it; SIGUSR1 (and SIGINFO) write to the pipe.
fn start_printer() -> Option<std::io::PipeWriter> {
    let (mut reader, writer) = std::io::pipe().ok()?;
    std::thread::Builder::new()
        .name("exax-status-print".into())
        .spawn(move || {
            let mut buf = [0u8; 64];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(_) => console::out(tree().as_bytes()),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
        })
        .ok()?;
    // A burst of signals drops bytes rather than block a signal handler on a full pipe.
    sys::set_nonblocking(writer.as_fd()).ok()?;
    sys::on_status_signals(writer.as_fd()).ok()?;
    Some(writer)
}
