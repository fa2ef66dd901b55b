//! Output capture: everything a phase writes to stdout and stderr, from Lua or from child
//! processes, is echoed live to the terminal and stored in `OUTPUT/<part>` (created only when
//! something is written). In-process phases get descriptors 1 and 2 pointed at a pipe for their
//! duration; analysis workers get the pipe as their stdout and stderr.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::mpsc;
use std::time::Duration;

use camino::Utf8PathBuf;

use crate::console;
use crate::sys;

const TAIL_LINES: usize = 20;

/// The last lines a part printed, for error reports.
pub type Tail = Vec<String>;

/// Reads a pipe until EOF, echoing whole lines and appending to `file`; returns the tail.
pub fn pump(mut pipe: impl Read, file: Utf8PathBuf, echo: bool) -> Tail {
    let mut out: Option<File> = None;
    let mut tail: VecDeque<String> = VecDeque::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match pipe.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let chunk = &buf[..n];
        if out.is_none() {
            if let Some(dir) = file.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            out = File::options().create(true).append(true).open(&file).ok();
        }
        if let Some(f) = out.as_mut() {
            let _ = f.write_all(chunk);
        }
        pending.extend_from_slice(chunk);
        if let Some(last_nl) = pending.iter().rposition(|&b| b == b'\n') {
            let lines: Vec<u8> = pending.drain(..=last_nl).collect();
            if echo {
                console::out(&lines);
            }
            remember(&mut tail, &lines);
        } else if pending.len() > 8192 {
            if echo {
                console::out(&pending);
            }
            remember(&mut tail, &pending);
            pending.clear();
        }
    }
    if !pending.is_empty() {
        if echo {
            console::out(&pending);
            console::out(b"\n");
        }
        remember(&mut tail, &pending);
    }
    tail.into()
}

fn remember(tail: &mut VecDeque<String>, bytes: &[u8]) {
    for line in String::from_utf8_lossy(bytes).lines() {
        if tail.len() == TAIL_LINES {
            tail.pop_front();
        }
        tail.push_back(line.to_string());
    }
}

/// Descriptors 1 and 2 redirected into a pump until `finish`.
pub struct Capture {
    saved_out: Option<OwnedFd>,
    saved_err: Option<OwnedFd>,
    done: mpsc::Receiver<Tail>,
}

impl Capture {
    pub fn start(file: Utf8PathBuf, echo: bool) -> std::io::Result<Capture> {
        sys::flush_c_stdio();
        let (reader, writer) = std::io::pipe()?;
        let saved_out = sys::dup(1)?;
        let saved_err = sys::dup(2)?;
        sys::dup2(writer.as_fd(), 1)?;
        sys::dup2(writer.as_fd(), 2)?;
        drop(writer);
        let (tx, done) = mpsc::channel();
        std::thread::Builder::new().name("exax-capture".into()).spawn(move || {
            let _ = tx.send(pump(reader, file, echo));
        })?;
        Ok(Capture {
            saved_out: Some(saved_out),
            saved_err: Some(saved_err),
            done,
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

    /// Puts stdout and stderr back and returns the tail of what was written. A background child
    /// that still holds the pipe open is not waited for beyond a moment.
    pub fn finish(mut self) -> Tail {
        self.restore();
        self.done.recv_timeout(Duration::from_secs(2)).unwrap_or_default()
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.restore();
    }
}
