//! Independent builds at once (`urd:build_all`): each build runs in a child process
//! (`exax __build CONF REQUEST OUTCOME`), because a job's prepare and synthesis own the process's
//! working directory and its descriptors 1 and 2 while they run. The request and the outcome are
//! msgpack files in a temporary directory of the batch; the child's stdout and stderr come back
//! through pipes, a whole line at a time, into exax's own console; each child answers status
//! questions on a `status::link`, and exits when its parent is gone. The analysis workers of all
//! children share the run's worker slots (`slots.rs`).

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;

use camino::Utf8PathBuf;

use crate::error::{Error, IoContext, JobFailure, Result};
use crate::job::id::JobId;
use crate::msgpack;
use crate::value::Value;

/// The child processes of one batch, at most `limit` at once.
pub struct Pool {
    dir: crate::job::scratch::ScratchDir,
    conf: Utf8PathBuf,
    slots: String,
    running: Vec<Running>,
    status: crate::status::Builds,
    /// A message from a child's output pump at end-of-file: the child is ending.
    ended: (mpsc::Sender<()>, mpsc::Receiver<()>),
}

struct Running {
    index: usize,
    child: Child,
    outcome: Utf8PathBuf,
    pumps: Vec<JoinHandle<()>>,
}

/// What a finished child left: its outcome map (see `lua::build_all::child`).
pub struct Finished {
    pub index: usize,
    pub outcome: Value,
}

impl Pool {
    /// A batch whose analysis workers share `worker_slots` slots (with any batch above it).
    pub fn new(conf: &camino::Utf8Path, worker_slots: usize) -> Result<Pool> {
        let dir = crate::job::scratch::ScratchDir::new("build-all")?;
        Ok(Pool {
            dir,
            conf: conf.to_path_buf(),
            slots: crate::job::slots::for_children(worker_slots)?,
            running: Vec::new(),
            status: crate::status::builds(),
            ended: mpsc::channel(),
        })
    }

    pub fn running(&self) -> usize {
        self.running.len()
    }

    /// Starts the build of call `index` (`label` names it in the status tree).
    pub fn start(&mut self, index: usize, request: &Value, label: String) -> Result<()> {
        let base = self.dir.0.clone();
        let req = base.join(format!("{index}.request"));
        let outcome = base.join(format!("{index}.outcome"));
        std::fs::write(&req, msgpack::encode(request)).at(&req)?;
        let exe = std::env::current_exe().map_err(|e| Error::User(format!("cannot find the exax binary to start a build: {e}")))?;
        let (out_r, out_w) = std::io::pipe().map_err(|e| Error::io(&base, e))?;
        let (err_r, err_w) = std::io::pipe().map_err(|e| Error::io(&base, e))?;
        let mut cmd = Command::new(&exe);
        cmd.arg("__build")
            .arg(self.conf.as_str())
            .arg(req.as_str())
            .arg(outcome.as_str())
            .env(crate::job::slots::ENV, &self.slots)
            .stdin(Stdio::null())
            .stdout(out_w)
            .stderr(err_w);
        let link = crate::status::link::offer(&mut cmd);
        let child = cmd
            .spawn()
            .map_err(|e| Error::User(format!("cannot start a build process ({}): {e}", exe.display())))?;
        // `cmd` holds the write ends until dropped: without that the pumps never see end-of-file.
        drop(cmd);
        self.status.started(index, label, link);
        let ended = self.ended.0.clone();
        let pumps = vec![
            std::thread::spawn(move || {
                forward(out_r, crate::console::out);
                let _ = ended.send(());
            }),
            std::thread::spawn(move || {
                forward(err_r, |b| {
                    let text = String::from_utf8_lossy(b);
                    crate::console::err_line(text.trim_end_matches('\n'));
                })
            }),
        ];
        self.running.push(Running {
            index,
            child,
            outcome,
            pumps,
        });
        Ok(())
    }

    /// Waits up to `pause` for a sign that a build is ending; true when one came.
    pub fn wait(&self, pause: std::time::Duration) -> bool {
        self.ended.1.recv_timeout(pause).is_ok()
    }

    /// The builds that have ended since the last call (none when all still run).
    pub fn reap(&mut self) -> Result<Vec<Finished>> {
        let mut done = Vec::new();
        let mut i = 0;
        while i < self.running.len() {
            let status = match self.running[i].child.try_wait() {
                Ok(s) => s,
                Err(e) => return Err(Error::User(format!("waiting for a build process: {e}"))),
            };
            let Some(status) = status else {
                i += 1;
                continue;
            };
            let r = self.running.swap_remove(i);
            for p in r.pumps {
                let _ = p.join();
            }
            self.status.ended(r.index);
            let outcome = match std::fs::read(&r.outcome) {
                Ok(bytes) => msgpack::decode(&bytes, "build outcome")?,
                Err(_) => error_value(&Error::User(describe_exit(status))),
            };
            done.push(Finished { index: r.index, outcome });
        }
        Ok(done)
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Only on an error of exax's own: the children of a failed build_all are waited for.
        for r in &mut self.running {
            let _ = r.child.kill();
            let _ = r.child.wait();
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
