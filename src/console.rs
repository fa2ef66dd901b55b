//! The terminal exax itself writes to. While a job phase runs, descriptors 1 and 2 point into the
//! job's output capture; exax's own lines (progress, "reused demo-3", echoed job output) go to
//! copies of the original stdout and stderr taken at start-up, whole lines at a time.

use std::fs::File;
use std::io::Write;
use std::sync::OnceLock;

use parking_lot::Mutex;

use crate::sys;

struct Console {
    out: Mutex<File>,
    err: Mutex<File>,
}

static CONSOLE: OnceLock<Console> = OnceLock::new();

fn console() -> &'static Console {
    CONSOLE.get_or_init(|| {
        let open = |fd| {
            sys::dup(fd).map(File::from).unwrap_or_else(|_| {
                File::from(std::os::fd::OwnedFd::from(
                    File::options().write(true).open("/dev/null").expect("/dev/null"),
                ))
            })
        };
        Console {
            out: Mutex::new(open(1)),
            err: Mutex::new(open(2)),
        }
    })
}

/// Takes the copies of stdout and stderr; call before anything redirects them.
pub fn init() {
    console();
}

/// Bytes to the real stdout (job output echo, status tree), written in one go.
pub fn out(bytes: &[u8]) {
    let mut f = console().out.lock();
    let _ = f.write_all(bytes);
}

/// A line of exax's own to the real stderr.
pub fn err_line(line: &str) {
    let mut f = console().err.lock();
    let mut s = String::with_capacity(line.len() + 1);
    s.push_str(line);
    s.push('\n');
    let _ = f.write_all(s.as_bytes());
}

pub fn warn(message: &str) {
    err_line(&format!("warning: {message}"));
}
