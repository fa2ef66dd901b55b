//! Independent builds at once (`urd:build_all`): builds run in child processes (`exax __build
//! CONF`), because a job's prepare and synthesis own the process's working directory and its
//! descriptors 1 and 2 while they run. Up to `jobs at once` build processes, each building one call
//! at a time and then the next (starting a process costs more than a small job): a request is a
//! line `REQUEST\tOUTCOME` (msgpack files in a temporary directory of the batch) on a pipe, and a
//! line on another pipe says the outcome is written. Their stdout and stderr come back through
//! pipes, a whole line at a time, into exax's own console; each answers status questions on a
//! `status::link`, and exits when its parent is gone. The analysis workers of all of them share
//! the run's worker slots (`slots.rs`).

use std::io::{BufRead, Read, Write};
use std::os::fd::{AsFd, AsRawFd};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;

use camino::Utf8PathBuf;

use crate::error::{Error, IoContext, JobFailure, Result};
use crate::job::id::JobId;
use crate::msgpack;
use crate::value::Value;

/// The build processes of one batch, at most `limit`, each building one call at a time.
pub struct Pool {
    dir: crate::job::scratch::ScratchDir,
    conf: Utf8PathBuf,
    slots: String,
    limit: usize,
    flags: Vec<&'static str>,
    servers: Vec<Server>,
    status: crate::status::Builds,
    events: (mpsc::Sender<Event>, mpsc::Receiver<Event>),
}

/// (server, true when it finished a build, false when it is gone)
type Event = (usize, bool);

/// One build process: requests go in on a pipe, a line on another pipe says a build is done.
struct Server {
    child: Child,
    requests: Option<std::io::PipeWriter>,
    /// The call it is building now.
    busy: Option<(usize, Utf8PathBuf)>,
    gone: bool,
    link: Option<Arc<crate::status::link::Link>>,
    threads: Vec<JoinHandle<()>>,
}

/// What a finished build left: its outcome map (see `lua::build_all::serve`).
pub struct Finished {
    pub index: usize,
    pub outcome: Value,
}

/// The environment variable with the request and done descriptors of a build process.
pub const FDS_ENV: &str = "EXAX_BUILD_FDS";

impl Pool {
    /// A batch of at most `limit` builds at once, whose analysis workers share `worker_slots`
    /// slots (with any batch above it); `flags` go to every build process (`--quiet`, `--why`).
    pub fn new(conf: &camino::Utf8Path, limit: usize, worker_slots: usize, flags: Vec<&'static str>) -> Result<Pool> {
        Ok(Pool {
            dir: crate::job::scratch::ScratchDir::new("build-all")?,
            conf: conf.to_path_buf(),
            slots: crate::job::slots::for_children(worker_slots)?,
            limit: limit.max(1),
            flags,
            servers: Vec::new(),
            status: crate::status::builds(),
            events: mpsc::channel(),
        })
    }

    /// Builds running now.
    pub fn running(&self) -> usize {
        self.servers.iter().filter(|s| s.busy.is_some()).count()
    }

    /// Starts the build of call `index` (`label` names it in the status tree) in an idle build
    /// process, or a new one.
    pub fn start(&mut self, index: usize, request: &Value, label: String) -> Result<()> {
        let base = self.dir.0.clone();
        let req = base.join(format!("{index}.request"));
        let outcome = base.join(format!("{index}.outcome"));
        std::fs::write(&req, msgpack::encode(request)).at(&req)?;
        let idle = self.servers.iter().position(|s| s.busy.is_none() && !s.gone);
        let n = match idle {
            Some(n) => n,
            None if self.servers.iter().filter(|s| !s.gone).count() < self.limit => self.spawn()?,
            None => return Err(Error::User("urd:build_all: no build process is free".into())),
        };
        let server = &mut self.servers[n];
        let line = format!("{req}\t{outcome}\n");
        let sent = server.requests.as_mut().map(|w| w.write_all(line.as_bytes()));
        if !matches!(sent, Some(Ok(()))) {
            return Err(Error::User("a build process stopped taking builds".into()));
        }
        server.busy = Some((index, outcome));
        self.status.started(index, label, server.link.clone());
        Ok(())
    }

    fn spawn(&mut self) -> Result<usize> {
        let n = self.servers.len();
        let base = self.dir.0.clone();
        let exe = std::env::current_exe().map_err(|e| Error::User(format!("cannot find the exax binary to start a build: {e}")))?;
        let pipe = || std::io::pipe().map_err(|e| Error::io(&base, e));
        let (out_r, out_w) = pipe()?;
        let (err_r, err_w) = pipe()?;
        let (req_r, req_w) = pipe()?;
        let (done_r, done_w) = pipe()?;
        let mut cmd = Command::new(&exe);
        cmd.arg("__build")
            .arg(self.conf.as_str())
            .args(&self.flags)
            .env(crate::job::slots::ENV, &self.slots)
            .env(FDS_ENV, format!("{},{}", req_r.as_raw_fd(), done_w.as_raw_fd()))
            .stdin(Stdio::null())
            .stdout(out_w)
            .stderr(err_w);
        // Inherited by this child only: exax starts processes from this thread alone, and our
        // copies of these ends are closed right after the spawn.
        for fd in [req_r.as_fd(), done_w.as_fd()] {
            crate::sys::set_cloexec(fd, false).map_err(|e| Error::io(&base, e))?;
        }
        let link = crate::status::link::offer(&mut cmd);
        let child = cmd.spawn();
        drop((req_r, done_w));
        let child = child.map_err(|e| Error::User(format!("cannot start a build process ({}): {e}", exe.display())))?;
        // `cmd` holds the write ends of stdout and stderr: without this the pumps never end.
        drop(cmd);
        let events = self.events.0.clone();
        let threads = vec![
            std::thread::spawn(move || forward(out_r, crate::console::out)),
            std::thread::spawn(move || {
                forward(err_r, |b| {
                    let text = String::from_utf8_lossy(b);
                    crate::console::err_line(text.trim_end_matches('\n'));
                })
            }),
            std::thread::spawn(move || {
                let mut r = std::io::BufReader::new(done_r);
                let mut line = String::new();
                while matches!(r.read_line(&mut line), Ok(k) if k > 0) {
                    line.clear();
                    if events.send((n, true)).is_err() {
                        return;
                    }
                }
                let _ = events.send((n, false));
            }),
        ];
        self.servers.push(Server {
            child,
            requests: Some(req_w),
            busy: None,
            gone: false,
            link: link.map(|l| Arc::new(l.spawned())),
            threads,
        });
        Ok(n)
    }

    /// Waits up to `pause` for builds to end; returns those that did.
    pub fn wait(&mut self, pause: std::time::Duration) -> Result<Vec<Finished>> {
        let mut done = Vec::new();
        let mut next = self.events.1.recv_timeout(pause).ok();
        while let Some((n, finished)) = next {
            let server = &mut self.servers[n];
            if !finished {
                server.gone = true;
            }
            if let Some((index, outcome)) = server.busy.take() {
                self.status.ended(index);
                let outcome = match (finished, std::fs::read(&outcome)) {
                    (true, Ok(bytes)) => msgpack::decode(&bytes, "build outcome")?,
                    (true, Err(e)) => error_value(&Error::io(outcome, e)),
                    (false, _) => {
                        let status = server
                            .child
                            .wait()
                            .map_err(|e| Error::User(format!("waiting for a build process: {e}")))?;
                        error_value(&Error::User(describe_exit(status)))
                    }
                };
                done.push(Finished { index, outcome });
            }
            next = self.events.1.try_recv().ok();
        }
        Ok(done)
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Idle build processes end when their request pipe closes; busy ones only remain on an
        // error of exax's own (a failed build_all waits for its builds), and are killed.
        for s in &mut self.servers {
            s.requests = None;
            if s.busy.is_some() {
                let _ = s.child.kill();
            }
        }
        for s in &mut self.servers {
            let _ = s.child.wait();
            for t in s.threads.drain(..) {
                let _ = t.join();
            }
        }
        crate::job::slots::release_dir();
    }
}

/// Copies a pipe to `emit` a whole line at a time (a long line without a newline in pieces), so
/// builds running at once never tear each other's lines.
fn forward(mut pipe: impl Read, emit: impl Fn(&[u8])) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut pending: Vec<u8> = Vec::new();
    loop {
        match pipe.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                pending.extend_from_slice(&buf[..n]);
                if let Some(nl) = pending.iter().rposition(|&b| b == b'\n') {
                    let lines: Vec<u8> = pending.drain(..=nl).collect();
                    emit(&lines);
                } else if pending.len() > 8192 {
                    emit(&std::mem::take(&mut pending));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    if !pending.is_empty() {
        pending.push(b'\n');
        emit(&pending);
    }
}

fn describe_exit(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (_, Some(sig)) => format!("the build process was killed by signal {sig}"),
        (Some(c), _) => format!("the build process exited with code {c} without an outcome"),
        _ => "the build process failed".to_string(),
    }
}

/// An error as a value for the outcome file; `error_from_value` gives it back.
pub fn error_value(e: &Error) -> Value {
    let strs = |v: &[String]| Value::Array(v.iter().map(|s| Value::str(s)).collect());
    let mut m = vec![(Value::str("ok"), Value::Bool(false))];
    match e {
        Error::JobFailed(f) => {
            m.push((Value::str("job"), Value::str(&f.job.to_string())));
            m.push((Value::str("method"), Value::str(&f.method)));
            m.push((Value::str("phase"), Value::str(&f.phase)));
            if let Some(s) = f.slice {
                m.push((Value::str("slice"), Value::Int(s as i64)));
            }
            m.push((Value::str("message"), Value::str(&f.message)));
            m.push((Value::str("traceback"), strs(&f.traceback)));
            m.push((Value::str("output_tail"), strs(&f.output_tail)));
        }
        Error::Script { message, traceback } => {
            m.push((Value::str("message"), Value::str(message)));
            m.push((Value::str("traceback"), strs(traceback)));
        }
        other => m.push((Value::str("message"), Value::str(&other.to_string()))),
    }
    Value::Map(m)
}

pub fn error_from_value(v: &Value) -> Error {
    let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let list = |k: &str| match v.get(k) {
        Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        _ => vec![],
    };
    let message = v.get("message").and_then(Value::as_str).unwrap_or("the build failed").to_string();
    if let Some(job) = v.get("job").and_then(Value::as_str).and_then(JobId::parse) {
        return Error::JobFailed(Box::new(JobFailure {
            job,
            method: text("method"),
            phase: text("phase"),
            slice: match v.get("slice") {
                Some(Value::Int(s)) => Some(*s as usize),
                _ => None,
            },
            message,
            traceback: list("traceback"),
            output_tail: list("output_tail"),
        }));
    }
    if v.get("traceback").is_some() {
        return Error::Script {
            message,
            traceback: list("traceback"),
        };
    }
    Error::build(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_survive_the_outcome_file() {
        let f = Error::JobFailed(Box::new(JobFailure {
            job: JobId::new("demo", 3),
            method: "m".into(),
            phase: "analysis".into(),
            slice: Some(1),
            message: "methods/m.lua:2: boom".into(),
            traceback: vec!["methods/m.lua:2: in function 'analysis'".into()],
            output_tail: vec!["hi".into()],
        }));
        let back = error_from_value(&msgpack::decode(&msgpack::encode(&error_value(&f)), "t").unwrap());
        assert_eq!(crate::render::render(&back), crate::render::render(&f));
        let b = Error::build("unknown method `x`");
        assert_eq!(
            crate::render::render(&error_from_value(&error_value(&b))),
            "error: unknown method `x`\n"
        );
    }
}
