//! The status endpoint of a run for analysis workers on other hosts (Slurm): a TCP listener on the
//! host of `exax run`, opened the first time a job of this process sends slices elsewhere, and a
//! random token. Both reach the workers in the job's input file (`job::analysis::WorkerInput`),
//! never on a command line. A worker connects, says who it is (token, job, slice, attempt, host),
//! and from then on answers status questions over the connection as a local worker does over its
//! inherited socket (`link.rs`). When the connection ends (the run is gone, or the attempt was
//! given up), the worker exits.
//!
//! The runner says which attempts it waits for (`expect`) before it starts them; a connection
//! for any other (a wrong token, an attempt already given up) is closed at once.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::os::fd::AsFd;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use super::link::{Link, Stream};
use crate::sys;

/// Where a worker finds the run, and what it proves itself with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Address {
    /// `host:port`, as the worker resolves it.
    pub addr: String,
    pub token: String,
}

const HELLO: &str = "exax-status 1";

/// How long a worker may take to connect or to say who it is.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

/// (job, slice, attempt)
type Key = (String, usize, u32);

/// A worker that connected: its link and its host.
#[derive(Clone)]
pub struct Attached {
    pub link: Arc<Link>,
    pub host: String,
}

/// The attempts the runner waits for, each with its worker once it has connected.
static EXPECTED: Mutex<Vec<(Key, Option<Attached>)>> = Mutex::new(Vec::new());

static ENDPOINT: OnceLock<Result<Address, String>> = OnceLock::new();

/// This process's endpoint, opened on first use. `configured` is `slurm status address`: a
/// host name or address, with `:port` or without (any free port); without it exax listens on
/// every interface and gives workers this host's name.
pub fn endpoint(configured: Option<&str>) -> Result<Address, String> {
    ENDPOINT.get_or_init(|| open(configured)).clone()
}

fn open(configured: Option<&str>) -> Result<Address, String> {
    let token = token().map_err(|e| format!("cannot read /dev/urandom for a token: {e}"))?;
    let (listener, host) = match configured {
        Some(c) => {
            let (host, port) = split_host_port(c);
            let listener = TcpListener::bind((host.as_str(), port)).map_err(|e| format!("cannot listen on `{c}`: {e}"))?;
            (listener, host)
        }
        None => {
            let listener = TcpListener::bind("[::]:0")
                .or_else(|_| TcpListener::bind("0.0.0.0:0"))
                .map_err(|e| format!("cannot listen on a TCP port: {e}"))?;
            (listener, sys::host_name().to_string())
        }
    };
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let addr = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let expected_token = token.clone();
    std::thread::Builder::new()
        .name("exax-status-endpoint".into())
        .spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let token = expected_token.clone();
                // Each hello on a thread of its own: a silent client holds up nobody.
                let _ = std::thread::Builder::new()
                    .name("exax-status-hello".into())
                    .spawn(move || welcome(conn, &token));
            }
        })
        .map_err(|e| e.to_string())?;
    Ok(Address { addr, token })
}

/// `host`, `host:port`, `1.2.3.4:5`, `[::1]:5` or `::1`.
fn split_host_port(s: &str) -> (String, u16) {
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return (sa.ip().to_string(), sa.port());
    }
    if let Some((h, p)) = s.rsplit_once(':') {
        if let Ok(port) = p.parse::<u16>() {
            if !h.contains(':') {
                return (h.to_string(), port);
            }
        }
    }
    (s.trim_start_matches('[').trim_end_matches(']').to_string(), 0)
}

fn token() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Reads a worker's hello and attaches it to its expected attempt, or closes the connection.
fn welcome(mut conn: TcpStream, token: &str) {
    let _ = conn.set_read_timeout(Some(HELLO_TIMEOUT));
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while line.len() < 1024 {
        match conn.read(&mut byte) {
            Ok(1) if byte[0] == b'\n' => break,
            Ok(1) => line.push(byte[0]),
            _ => return,
        }
    }
    let line = String::from_utf8_lossy(&line).into_owned();
    let f: Vec<&str> = line.split('\t').collect();
    let [hello, got_token, job, slice, attempt, host] = f[..] else {
        return;
    };
    if hello != HELLO || !same(got_token.as_bytes(), token.as_bytes()) {
        return;
    }
    let (Ok(slice), Ok(attempt)) = (slice.parse::<usize>(), attempt.parse::<u32>()) else {
        return;
    };
    let _ = conn.set_read_timeout(None);
    let _ = conn.set_nodelay(true);
    let key = (job.to_string(), slice, attempt);
    let mut expected = EXPECTED.lock();
    if let Some((_, slot @ None)) = expected.iter_mut().find(|(k, _)| *k == key) {
        *slot = Some(Attached {
            link: Arc::new(Link::over(Stream::Tcp(conn))),
            host: host.to_string(),
        });
    }
    // Otherwise `conn` drops here: the worker sees the end and exits.
}

/// Compares in time independent of where the bytes differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The runner is about to start this attempt on another host.
pub fn expect(job: &str, slice: usize, attempt: u32) {
    EXPECTED.lock().push(((job.to_string(), slice, attempt), None));
}

/// The attempt has ended: its connection closes (a worker still running exits).
pub fn forget(job: &str, slice: usize, attempt: u32) {
    let removed: Vec<_> = {
        let mut expected = EXPECTED.lock();
        let (gone, keep) = std::mem::take(&mut *expected)
            .into_iter()
            .partition(|(k, _)| k.0 == job && k.1 == slice && k.2 == attempt);
        *expected = keep;
        gone
    };
    drop(removed);
}

/// The worker of this attempt, once it has connected.
pub fn attached(job: &str, slice: usize, attempt: u32) -> Option<Attached> {
    EXPECTED
        .lock()
        .iter()
        .find(|(k, _)| k.0 == job && k.1 == slice && k.2 == attempt)
        .and_then(|(_, a)| a.clone())
}

/// In a worker on any host: connect to the run's endpoint, say who this is, and answer status
/// questions from then on; the process exits when the run closes the connection.
pub fn serve_run(address: &Address, job: &str, slice: usize, attempt: u32) -> Result<(), String> {
    let addrs: Vec<SocketAddr> = address
        .addr
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve `{}`: {e}", address.addr))?
        .collect();
    let mut last = format!("`{}` resolves to no address", address.addr);
    for sa in addrs {
        match TcpStream::connect_timeout(&sa, HELLO_TIMEOUT) {
            Ok(mut conn) => {
                let hello = format!("{HELLO}\t{}\t{job}\t{slice}\t{attempt}\t{}\n", address.token, sys::host_name());
                conn.write_all(hello.as_bytes()).map_err(|e| format!("{}: {e}", address.addr))?;
                let _ = conn.set_nodelay(true);
                // A host that vanishes without closing the connection is noticed too.
                let _ = sys::keepalive(conn.as_fd());
                super::link::serve(Stream::Tcp(conn));
                return Ok(());
            }
            Err(e) => last = format!("{} ({sa}): {e}", address.addr),
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port() {
        assert_eq!(split_host_port("node1"), ("node1".into(), 0));
        assert_eq!(split_host_port("node1:4000"), ("node1".into(), 4000));
        assert_eq!(split_host_port("10.0.0.1:5"), ("10.0.0.1".into(), 5));
        assert_eq!(split_host_port("[::1]:5"), ("::1".into(), 5));
        assert_eq!(split_host_port("::1"), ("::1".into(), 0));
    }

    #[test]
    fn a_worker_attaches_only_with_the_token_and_when_expected() {
        let a = endpoint(Some("127.0.0.1")).unwrap();
        assert!(a.addr.starts_with("127.0.0.1:"), "{}", a.addr);
        let hello = |token: &str, slice: usize| {
            let mut c = TcpStream::connect(&a.addr).unwrap();
            c.write_all(format!("{HELLO}\t{token}\tt-1\t{slice}\t1\tnode9\n").as_bytes())
                .unwrap();
            c
        };
        expect("t-1", 0, 1);
        // A wrong token, and a slice nobody waits for: closed at once.
        let mut wrong = hello("0000", 0);
        let mut unexpected = hello(&a.token, 5);
        let mut buf = [0u8; 1];
        assert_eq!(wrong.read(&mut buf).unwrap(), 0);
        assert_eq!(unexpected.read(&mut buf).unwrap(), 0);
        assert!(attached("t-1", 0, 1).is_none());
        let mut good = hello(&a.token, 0);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let got = loop {
            if let Some(x) = attached("t-1", 0, 1) {
                break x;
            }
            assert!(std::time::Instant::now() < deadline);
            std::thread::sleep(Duration::from_millis(5));
        };
        assert_eq!(got.host, "node9");
        drop(got);
        forget("t-1", 0, 1);
        assert!(attached("t-1", 0, 1).is_none());
        // Forgotten: the worker's end sees the close.
        good.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        assert_eq!(good.read(&mut buf).unwrap(), 0);
    }
}
