//! The terminal exax itself writes to. While a job phase runs, descriptors 1 and 2 point into the
//! job's output capture; exax's own lines (progress, "reused demo-3", echoed job output) go to
//! copies of the original stdout and stderr taken at start-up, whole lines at a time.
//!
//! While `exax run` shows live progress lines on the terminal (an overlay, `status::display`),
//! every write goes through the overlay, which clears its lines first and redraws them after, so
//! progress lines and output never mix.

use std::fs::File;
use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

use parking_lot::{Mutex, RwLock};

use crate::sys;

struct Console {
    out: Mutex<File>,
    err: Mutex<File>,
}

static CONSOLE: OnceLock<Console> = OnceLock::new();

fn console() -> &'static Console {
    CONSOLE.get_or_init(|| {
        use std::os::fd::AsFd;
        let open = |fd: std::os::fd::BorrowedFd<'_>| {
            sys::dup(fd).map(File::from).unwrap_or_else(|_| {
                File::from(std::os::fd::OwnedFd::from(
                    File::options().write(true).open("/dev/null").expect("/dev/null"),
                ))
            })
        };
        Console {
            out: Mutex::new(open(std::io::stdout().as_fd())),
            err: Mutex::new(open(std::io::stderr().as_fd())),
        }
    })
}

/// Runs a write with the live display cleared away (see the module doc).
pub type Overlay = Box<dyn Fn(&mut dyn FnMut()) + Send + Sync>;

/// The overlay and whether it must also make way for writes to stdout (stdout is a terminal).
static OVERLAY: RwLock<Option<(Overlay, bool)>> = RwLock::new(None);

pub fn set_overlay(overlay: Option<Overlay>) {
    let stdout_too = console().out.lock().is_terminal();
    *OVERLAY.write() = overlay.map(|o| (o, stdout_too));
}

fn around(stdout: bool, mut write: impl FnMut()) {
    if sys::interrupted() {
        // CTRL+C: the summary line is the last thing exax says (`status::interrupt`).
        return;
    }
    match &*OVERLAY.read() {
        Some((overlay, stdout_too)) if !stdout || *stdout_too => overlay(&mut write),
        _ => write(),
    }
}

pub fn err_is_terminal() -> bool {
    console().err.lock().is_terminal()
}

pub fn err_width() -> Option<u16> {
    use std::os::fd::AsFd;
    sys::terminal_width(console().err.lock().as_fd())
}

/// Bytes to the real stderr as they are, past the overlay (the overlay's own drawing).
pub fn err_raw(bytes: &[u8]) {
    let _ = console().err.lock().write_all(bytes);
}

/// The descriptor of the copy of stderr, for a write that may not allocate or lock (running out
/// of memory); 2 before `init`.
static RAW_ERR: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(2);

pub fn raw_err_fd() -> i32 {
    RAW_ERR.load(std::sync::atomic::Ordering::Relaxed)
}

/// Takes the copies of stdout and stderr; call before anything redirects them.
pub fn init() {
    use std::os::fd::AsRawFd;
    RAW_ERR.store(console().err.lock().as_raw_fd(), std::sync::atomic::Ordering::Relaxed);
}

/// Bytes to the real stdout (job output echo, status tree), written in one go.
pub fn out(bytes: &[u8]) {
    around(true, || {
        let _ = console().out.lock().write_all(bytes);
    });
}

/// Bytes to the real stdout, reporting a failed write (a closed pipe) to the caller, which is
/// what a subcommand's own output needs (`cli::stdout`).
pub fn out_checked(bytes: &[u8]) -> std::io::Result<()> {
    let mut result = Ok(());
    around(true, || {
        let mut o = console().out.lock();
        result = o.write_all(bytes).and_then(|_| o.flush());
    });
    result
}

/// A line of exax's own to the real stderr.
pub fn err_line(line: &str) {
    let mut s = String::with_capacity(line.len() + 1);
    s.push_str(line);
    s.push('\n');
    around(false, || {
        let _ = console().err.lock().write_all(s.as_bytes());
    });
}

pub fn warn(message: &str) {
    err_line(&format!("warning: {message}"));
}

pub fn format_seconds(s: f64) -> String {
    if s < 1.0 {
        format!("{:.1} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

/// `812 B`, `8.1 KiB`, `23.4 MiB`, `1.2 GiB`.
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}
