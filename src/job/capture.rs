//! Output capture: everything a phase writes to stdout and stderr, from Lua or from child
//! processes, is echoed live to the terminal and stored in `OUTPUT/<part>` (created only when
//! something is written). In-process phases get descriptors 1 and 2 pointed at an anonymous file;
//! one long-lived thread copies what appears there to `OUTPUT/` and the terminal every 100 ms,
//! and `finish` copies the rest, so a short phase costs no thread hand-off. Analysis workers
//! write into a pipe that `pump` reads.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::FileExt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use camino::Utf8PathBuf;
use parking_lot::Mutex;

use crate::console;
use crate::sys;

const TAIL_LINES: usize = 20;

/// The last lines a part printed, for error reports.
pub type Tail = Vec<String>;

/// Where captured bytes go: `OUTPUT/<part>` (opened on the first byte), the terminal (whole
/// lines, so parts running at once never tear each other's lines), and the tail.
struct Sink {
    path: Utf8PathBuf,
    out: Option<File>,
    echo: bool,
    pending: Vec<u8>,
    tail: VecDeque<String>,
}

impl Sink {
    fn new(path: Utf8PathBuf, echo: bool) -> Sink {
        Sink {
            path,
            out: None,
            echo,
            pending: Vec::new(),
            tail: VecDeque::new(),
        }
    }

    fn feed(&mut self, chunk: &[u8]) {
        if chunk.is_empty() {
            return;
        }
        if self.out.is_none() {
            if let Some(dir) = self.path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            self.out = File::options().create(true).append(true).open(&self.path).ok();
        }
        if let Some(f) = self.out.as_mut() {
            let _ = f.write_all(chunk);
        }
        self.pending.extend_from_slice(chunk);
        if let Some(last_nl) = self.pending.iter().rposition(|&b| b == b'\n') {
            let lines: Vec<u8> = self.pending.drain(..=last_nl).collect();
            self.emit(&lines);
        } else if self.pending.len() > 8192 {
            let bytes = std::mem::take(&mut self.pending);
            self.emit(&bytes);
        }
    }

    fn emit(&mut self, bytes: &[u8]) {
        if self.echo {
            console::out(bytes);
        }
        for line in String::from_utf8_lossy(bytes).lines() {
            if self.tail.len() == TAIL_LINES {
                self.tail.pop_front();
            }
            self.tail.push_back(line.to_string());
        }
    }

    fn finish(mut self) -> Tail {
        if !self.pending.is_empty() {
            let mut bytes = std::mem::take(&mut self.pending);
            bytes.push(b'\n');
            self.emit(&bytes);
        }
        self.tail.into()
    }
}

/// Reads a pipe until EOF into `OUTPUT/<part>` and the terminal; returns the tail.
pub fn pump(mut pipe: impl Read, file: Utf8PathBuf, echo: bool) -> Tail {
    let mut sink = Sink::new(file, echo);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => sink.feed(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    sink.finish()
}

/// A capture file and how much of it has been copied out.
struct Active {
    file: File,
    copied: u64,
    sink: Sink,
}

impl Active {
    fn drain(&mut self) {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match self.file.read_at(&mut buf, self.copied) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    self.copied += n as u64;
                    self.sink.feed(&buf[..n]);
                }
            }
        }
    }
}

type Registry = Mutex<Vec<Arc<Mutex<Active>>>>;

/// The captures in progress, and the thread that copies them out while they run.
fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let _ = std::thread::Builder::new().name("exax-output".into()).spawn(|| loop {
            std::thread::sleep(Duration::from_millis(100));
            let active: Vec<_> = registry().lock().clone();
            for a in active {
                a.lock().drain();
            }
        });
        Mutex::new(Vec::new())
    })
}

/// Descriptors 1 and 2 redirected into a capture file until `finish`.
pub struct Capture {
    saved_out: Option<OwnedFd>,
    saved_err: Option<OwnedFd>,
    active: Option<Arc<Mutex<Active>>>,
}

impl Capture {
    pub fn start(file: Utf8PathBuf, echo: bool) -> std::io::Result<Capture> {
        sys::flush_c_stdio();
        let capture = sys::anonymous_file()?;
        let saved_out = sys::dup(std::io::stdout().as_fd())?;
        let saved_err = sys::dup(std::io::stderr().as_fd())?;
        sys::dup2(capture.as_fd(), 1)?;
        sys::dup2(capture.as_fd(), 2)?;
        let active = Arc::new(Mutex::new(Active {
            file: capture,
            copied: 0,
            sink: Sink::new(file, echo),
        }));
        registry().lock().push(active.clone());
        Ok(Capture {
            saved_out: Some(saved_out),
            saved_err: Some(saved_err),
            active: Some(active),
        })
    }

    fn restore(&mut self) {
        sys::flush_c_stdio();
        if let Some(fd) = self.saved_out.take() {
            let _ = sys::dup2(fd.as_fd(), 1);
        }
        if let Some(fd) = self.saved_err.take() {
            let _ = sys::dup2(fd.as_fd(), 2);
        }
    }

    /// Puts stdout and stderr back, copies out the rest, and returns the tail of what was written.
    pub fn finish(mut self) -> Tail {
        self.restore();
        let Some(active) = self.active.take() else { return Vec::new() };
        registry().lock().retain(|a| !Arc::ptr_eq(a, &active));
        let mut a = active.lock();
        a.drain();
        let sink = std::mem::replace(&mut a.sink, Sink::new(Utf8PathBuf::new(), false));
        sink.finish()
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.restore();
        if let Some(active) = self.active.take() {
            registry().lock().retain(|a| !Arc::ptr_eq(a, &active));
            active.lock().drain();
        }
    }
}
