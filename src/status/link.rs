//! The status link between the process that runs a job and one of its analysis workers: a unix
//! socket pair whose worker end is inherited by the worker (its number in `EXAX_STATUS_FD`).
//!
//! The parent asks only when it renders the tree: it sends a request number, and a thread in the
//! worker answers with the worker's own lines (`status::render_local`). So a worker's `update` in
//! a hot loop only ever touches its own memory. Answers carry the request number, so a late answer
//! to a request that timed out is skipped rather than taken for the next one.
//!
//! The link also tells a worker that its parent is gone: the socket reaches end-of-file, and the
//! worker exits instead of running on as an orphan.
//!
//! A worker on another host cannot inherit a socket: it connects to the run's TCP endpoint
//! instead (`remote.rs`), and the same questions and answers travel over that connection.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::process::Command;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::sys;

pub const ENV: &str = "EXAX_STATUS_FD";

/// The parent's end.
pub struct Link {
    stream: Mutex<(Stream, u32)>,
}

/// A link's connection: a socket pair on this host, or TCP to a worker elsewhere.
pub enum Stream {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Stream {
    fn set_read_timeout(&self, t: Option<Duration>) -> std::io::Result<()> {
        match self {
            Stream::Unix(s) => s.set_read_timeout(t),
            Stream::Tcp(s) => s.set_read_timeout(t),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Unix(s) => s.read(buf),
            Stream::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Unix(s) => s.write(buf),
            Stream::Tcp(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The worker's end until the worker is spawned.
pub struct ChildEnd(OwnedFd);

impl Link {
    pub fn pair() -> std::io::Result<(Link, ChildEnd)> {
        let (ours, theirs) = UnixStream::pair()?;
        Ok((Link::over(Stream::Unix(ours)), ChildEnd(theirs.into())))
    }

    /// A link over an established connection.
    pub fn over(stream: Stream) -> Link {
        Link {
            stream: Mutex::new((stream, 0)),
        }
    }

    /// The worker's lines, or None when it does not answer within `timeout`.
    pub fn ask(&self, timeout: Duration) -> Option<String> {
        let mut guard = self.stream.lock();
        let (stream, seq) = &mut *guard;
        *seq = seq.wrapping_add(1);
        let want = *seq;
        stream.write_all(&want.to_le_bytes()).ok()?;
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            stream.set_read_timeout(Some(left.max(Duration::from_millis(1)))).ok()?;
            let mut head = [0u8; 8];
            stream.read_exact(&mut head).ok()?;
            let got = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
            let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
            let mut body = vec![0u8; len];
            stream.read_exact(&mut body).ok()?;
            if got == want {
                return Some(String::from_utf8_lossy(&body).into_owned());
            }
        }
    }
}

impl ChildEnd {
    /// Lets the worker started by `cmd` inherit this end. Spawn right after, then drop this: until
    /// then a process spawned by another thread would inherit it too (exax spawns workers from one
    /// thread only).
    pub fn pass_to(&self, cmd: &mut Command) -> std::io::Result<()> {
        use std::os::fd::AsRawFd;
        sys::set_cloexec(self.0.as_fd(), false)?;
        cmd.env(ENV, self.0.as_raw_fd().to_string());
        Ok(())
    }
}

/// A link whose worker end `cmd` will inherit; spawn `cmd`, then hand this to
/// `status::slice_started`. None when no socket pair can be made (the slice then shows no
/// messages).
pub fn offer(cmd: &mut Command) -> Option<Offered> {
    let (link, child) = Link::pair().ok()?;
    child.pass_to(cmd).ok()?;
    Some(Offered { link, child })
}

pub struct Offered {
    link: Link,
    child: ChildEnd,
}

impl Offered {
    /// The worker is running: close our copy of its end (no later child may inherit it).
    pub fn spawned(self) -> Link {
        drop(self.child);
        self.link
    }
}

/// In a worker: answer the parent's status questions on the inherited link, and exit when the
/// parent is gone. Does nothing when the worker was started without a link.
pub fn serve_parent() {
    let Some(fd) = std::env::var(ENV).ok().and_then(|v| v.parse::<i32>().ok()) else {
        return;
    };
    // The worker's own children (a method's `os.execute`) neither inherit the link nor see the
    // variable. There is one thread here still, so changing the environment races with nothing.
    std::env::remove_var(ENV);
    let Some(fd) = sys::inherited_fd(fd) else { return };
    if sys::set_cloexec(fd.as_fd(), true).is_err() {
        return;
    }
    serve(Stream::Unix(UnixStream::from(fd)));
}

/// In a worker: a thread answers the questions that come on `stream` with this process's lines,
/// and exits the process when the stream ends (the run that asks is gone).
pub fn serve(mut stream: Stream) {
    let _ = std::thread::Builder::new().name("exax-status-link".into()).spawn(move || {
        let mut req = [0u8; 4];
        while stream.read_exact(&mut req).is_ok() {
            let text = super::render_local();
            let mut msg = Vec::with_capacity(8 + text.len());
            msg.extend_from_slice(&req);
            msg.extend_from_slice(&(text.len() as u32).to_le_bytes());
            msg.extend_from_slice(text.as_bytes());
            if stream.write_all(&msg).is_err() {
                break;
            }
        }
        // End of file: the process that started this worker has died (or gave this attempt up).
        sys::end_own_group();
        sys::exit_now(1);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ask_skips_late_answers_and_times_out() {
        let (link, child) = Link::pair().unwrap();
        let mut theirs = UnixStream::from(child.0);
        // No answer: times out.
        assert_eq!(link.ask(Duration::from_millis(50)), None);
        let mut req = [0u8; 4];
        theirs.read_exact(&mut req).unwrap();
        assert_eq!(u32::from_le_bytes(req), 1);
        // A late answer to request 1, then the answer to request 2.
        let answer = |seq: u32, text: &str| {
            let mut m = seq.to_le_bytes().to_vec();
            m.extend_from_slice(&(text.len() as u32).to_le_bytes());
            m.extend_from_slice(text.as_bytes());
            m
        };
        theirs.write_all(&answer(1, "old\n")).unwrap();
        theirs.write_all(&answer(2, "new\n")).unwrap();
        assert_eq!(link.ask(Duration::from_secs(5)).as_deref(), Some("new\n"));
    }
}
