//! A job's analysis as worker processes, one per slice: what a worker is given (`WorkerInput`)
//! and what it leaves (`WorkerOutcome`), both files in the job's `.exax-tmp/`, and starting,
//! watching and collecting the workers through an `Executor`. No Lua here: the worker's side of
//! the protocol is `read_input`/`write_outcome`, called by `lua::worker`.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use camino::{Utf8Path, Utf8PathBuf};
use serde::{Deserialize, Serialize};

use super::executor::{Executor, SliceLaunch, StatusRoute};
use crate::error::{Error, IoContext, Result};
use crate::job::capture::{self, Tail};
use crate::job::id::JobId;
use crate::job::records::{OUTPUT_DIR, TEMP_DIR};
use crate::value::Value;

/// What every slice worker of a job reads: `.exax-tmp/analysis.input`.
#[derive(Debug, Serialize, Deserialize)]
pub struct WorkerInput {
    /// `{options = {...}, datasets = {...}, jobs = {...}}`
    #[serde(with = "value_bytes")]
    pub params: Value,
    #[serde(with = "value_bytes")]
    pub prepare_res: Value,
    /// The run's status endpoint, for workers that cannot inherit a status link (on other hosts).
    #[serde(default)]
    pub status: Option<crate::status::remote::Address>,
}

/// What one slice worker leaves: `.exax-tmp/analysis.<sliceno>.<attempt>.outcome`, written under
/// a temporary name (with host and pid) and renamed, so that a half-written outcome never exists
/// under the real name, and an attempt given up as lost that ran on cannot stand for its retry.
#[derive(Debug, Serialize, Deserialize)]
pub enum WorkerOutcome {
    Done {
        #[serde(with = "value_bytes")]
        result: Value,
    },
    /// The method failed: its message and trimmed traceback.
    Failed { message: String, traceback: Vec<String> },
}

/// `Value` inside the serde records as its msgpack encoding (exax's own, which keeps integers,
/// floats and bytes apart).
mod value_bytes {
    use serde::{de, Deserializer, Serializer};

    use crate::value::Value;

    pub fn serialize<S: Serializer>(v: &Value, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&crate::msgpack::encode(v))
    }

    struct BytesVisitor;

    impl<'de> de::Visitor<'de> for BytesVisitor {
        type Value = Vec<u8>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("msgpack bytes")
        }
        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
            Ok(v.to_vec())
        }
        fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
            Ok(v)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
            let mut out = Vec::new();
            while let Some(b) = seq.next_element::<u8>()? {
                out.push(b);
            }
            Ok(out)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        let bytes = d.deserialize_bytes(BytesVisitor)?;
        crate::msgpack::decode(&bytes, "a worker record").map_err(|e| de::Error::custom(e.to_string()))
    }
}

fn temp_dir(job: &Utf8Path) -> Utf8PathBuf {
    job.join(TEMP_DIR)
}

fn input_file(job: &Utf8Path) -> Utf8PathBuf {
    temp_dir(job).join("analysis.input")
}

fn outcome_file(job: &Utf8Path, sliceno: usize, attempt: u32) -> Utf8PathBuf {
    temp_dir(job).join(format!("analysis.{sliceno}.{attempt}.outcome"))
}

fn write_record<T: Serialize>(file: &Utf8Path, value: &T) -> Result<()> {
    let bytes = rmp_serde::to_vec(value).map_err(|e| Error::User(format!("{file}: cannot encode: {e}")))?;
    std::fs::write(file, bytes).at(file)
}

fn read_record<T: for<'de> Deserialize<'de>>(file: &Utf8Path) -> Result<T> {
    let bytes = std::fs::read(file).at(file)?;
    rmp_serde::from_slice(&bytes).map_err(|e| Error::User(format!("{file}: cannot decode: {e}")))
}

/// How many slices of a running analysis have left an outcome (for status pages).
pub fn slices_done(job: &Utf8Path) -> usize {
    let mut done: Vec<usize> = std::fs::read_dir(temp_dir(job))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name();
            let (slice, _attempt) = name
                .to_str()?
                .strip_prefix("analysis.")?
                .strip_suffix(".outcome")?
                .split_once('.')?;
            slice.parse().ok()
        })
        .collect();
    done.sort_unstable();
    done.dedup();
    done.len()
}

/// In a worker: the job's input.
pub fn read_input(job: &Utf8Path) -> Result<WorkerInput> {
    read_record(&input_file(job))
}

/// In a worker: leave the outcome of this attempt at the slice, written under a temporary name
/// and renamed.
pub fn write_outcome(job: &Utf8Path, sliceno: usize, attempt: u32, outcome: &WorkerOutcome) -> Result<()> {
    let tmp = temp_dir(job).join(format!("analysis.{sliceno}.{}.{}.tmp", crate::sys::host_name(), std::process::id()));
    write_record(&tmp, outcome)?;
    let file = outcome_file(job, sliceno, attempt);
    std::fs::rename(&tmp, &file).at(&file)
}

/// The job whose analysis runs.
pub struct AnalysisJob<'a> {
    pub conf: &'a Utf8Path,
    pub id: &'a JobId,
    pub path: &'a Utf8Path,
    pub slices: usize,
}

/// How an analysis ended.
pub enum Analysis {
    /// Every slice's result and time in seconds, in slice order.
    Done { results: Vec<Value>, per_slice: Vec<f64> },
    /// The first slice that failed, why, and the end of its output.
    SliceFailed {
        sliceno: usize,
        message: String,
        traceback: Vec<String>,
        tail: Tail,
    },
}

struct Slice {
    child: Child,
    started: Instant,
    elapsed: Option<f64>,
    status: Option<std::process::ExitStatus>,
    pump: Option<std::thread::JoinHandle<Tail>>,
    /// The executor's own messages (srun's), when it keeps them apart from the worker's output.
    messages: Option<std::thread::JoinHandle<String>>,
    /// 1 for the first attempt.
    attempt: u32,
}

/// Stops what still runs when the analysis ends early (an error, a panic).
struct CancelGuard<'a> {
    executor: &'a dyn Executor,
    armed: bool,
}

impl Drop for CancelGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.executor.cancel_all();
        }
    }
}

/// Starts one attempt of slice `s`.
fn start(job: &AnalysisJob, exe: &std::path::Path, executor: &dyn Executor, s: usize, attempt: u32) -> Result<Slice> {
    let tmp = temp_dir(job.path);
    let (reader, writer) = std::io::pipe().map_err(|e| Error::io(&tmp, e))?;
    let launch = SliceLaunch {
        exe,
        args: vec![
            "__analysis".into(),
            job.conf.to_string(),
            job.id.to_string(),
            s.to_string(),
            format!("--attempt={attempt}"),
        ],
        dir: job.path,
    };
    let mut cmd = executor.command(&launch);
    let mut messages = None;
    if executor.own_stderr() {
        let (msg_reader, msg_writer) = std::io::pipe().map_err(|e| Error::io(&tmp, e))?;
        cmd.stderr(msg_writer);
        messages = Some(msg_reader);
    } else {
        cmd.stderr(writer.try_clone().map_err(|e| Error::io(&tmp, e))?);
    }
    cmd.stdin(Stdio::null()).stdout(writer);
    let remote = matches!(executor.status_route(), StatusRoute::Endpoint { .. });
    let id = job.id.to_string();
    let status_link = if remote {
        // Announced before the start, so that a quick worker's connection is not turned away.
        crate::status::remote::expect(&id, s, attempt);
        None
    } else {
        crate::status::link::offer(&mut cmd)
    };
    // Under `urd:build_all`, waits for one of the run's worker slots; the worker holds it. An
    // executor with a scheduler of its own (Slurm) queues the slices itself.
    let _slot = if executor.uses_slots() {
        crate::job::slots::acquire(&mut cmd)
    } else {
        None
    };
    let child = cmd.spawn().map_err(|e| {
        crate::status::remote::forget(&id, s, attempt);
        Error::User(format!("cannot start analysis worker {s} ({}): {e}", executor.describe()))
    })?;
    // The command holds the write ends of the pipes: close them, so that the pumps see the end.
    drop(cmd);
    if remote {
        crate::status::slice_started_remote(s, attempt);
    } else {
        crate::status::slice_started(s, status_link);
    }
    let file = job.path.join(OUTPUT_DIR).join(s.to_string());
    let pump = std::thread::spawn(move || capture::pump(reader, file, true));
    let messages = messages.map(|mut r| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut r, &mut text);
            text
        })
    });
    Ok(Slice {
        child,
        started: Instant::now(),
        elapsed: None,
        status: None,
        pump: Some(pump),
        messages,
        attempt,
    })
}

/// Runs every slice's worker at once through `executor`, waits for all of them, and collects
/// their outcomes. The first failure stops the slices still running. A slice that ends without
/// an outcome (lost with its node, killed) runs again alone while the executor allows retries.
pub fn run(job: &AnalysisJob, mut input: WorkerInput, executor: &dyn Executor) -> Result<Analysis> {
    let tmp = temp_dir(job.path);
    std::fs::create_dir_all(&tmp).at(&tmp)?;
    if let StatusRoute::Endpoint { address } = executor.status_route() {
        let endpoint = crate::status::remote::endpoint(address)
            .map_err(|e| Error::User(format!("cannot open the status endpoint for slices on other hosts: {e}")))?;
        input.status = Some(endpoint);
    }
    write_record(&input_file(job.path), &input)?;
    let exe = std::env::current_exe().map_err(|e| Error::User(format!("cannot find the exax binary to start analysis workers: {e}")))?;
    let mut guard = CancelGuard { executor, armed: true };
    let mut slices: Vec<Slice> = Vec::new();
    crate::status::set_phase("analysis");
    for s in 0..job.slices {
        slices.push(start(job, &exe, executor, s, 1)?);
    }
    let mut first_failure: Option<usize> = None;
    // Poll with a growing pause: a quick analysis is noticed within a fraction of a millisecond,
    // a long one costs about 20 wake-ups a second.
    let mut pause = Duration::from_micros(100);
    loop {
        let mut running = 0;
        // By index: a lost slice's entry is replaced by its next attempt inside the loop.
        #[allow(clippy::needless_range_loop)]
        for s in 0..slices.len() {
            let slice = &mut slices[s];
            if slice.status.is_some() {
                continue;
            }
            match slice.child.try_wait() {
                Ok(Some(st)) => {
                    slice.status = Some(st);
                    slice.elapsed = Some(slice.started.elapsed().as_secs_f64());
                    // Without an outcome the attempt was lost, whatever its exit status (srun
                    // may exit 0 for a step its node took down).
                    let lost = !outcome_file(job.path, s, slice.attempt).exists();
                    let retry = lost && first_failure.is_none() && slice.attempt <= executor.retries();
                    if retry {
                        // Not done: it runs again (and counts once, when an attempt ends).
                        crate::status::slice_lost(s);
                    } else {
                        crate::status::slice_ended(s);
                    }
                    if (st.success() && !lost) || first_failure.is_some() {
                        continue;
                    }
                    if retry {
                        let why = lost_reason(slice);
                        let attempt = slice.attempt + 1;
                        crate::console::err_line(&format!(
                            "exax: slice {s} of {} was lost ({why}); running it again (attempt {attempt} of {})",
                            job.id,
                            executor.retries() + 1
                        ));
                        // The lost attempt's output goes: the job's output is the last attempt's.
                        if let Some(p) = slice.pump.take() {
                            let _ = p.join();
                        }
                        let _ = std::fs::remove_file(job.path.join(OUTPUT_DIR).join(s.to_string()));
                        slices[s] = start(job, &exe, executor, s, attempt)?;
                        running += 1;
                        continue;
                    }
                    first_failure = Some(s);
                }
                Ok(None) => running += 1,
                Err(e) => return Err(Error::User(format!("waiting for analysis slice {s}: {e}"))),
            }
        }
        if running == 0 {
            break;
        }
        if first_failure.is_some() {
            for slice in slices.iter_mut().filter(|s| s.status.is_none()) {
                executor.stop(&mut slice.child);
            }
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
    guard.armed = false;
    let mut tails = Vec::new();
    for slice in slices.iter_mut() {
        tails.push(slice.pump.take().map(|p| p.join().unwrap_or_default()).unwrap_or_default());
    }
    if let Some(s) = first_failure {
        let (message, traceback) = match read_record::<WorkerOutcome>(&outcome_file(job.path, s, slices[s].attempt)) {
            Ok(WorkerOutcome::Failed { message, traceback }) => (message, traceback),
            _ => (lost_reason(&mut slices[s]), vec![]),
        };
        return Ok(Analysis::SliceFailed {
            sliceno: s,
            message,
            traceback,
            tail: std::mem::take(&mut tails[s]),
        });
    }
    let mut results = Vec::new();
    // By slice number: the outcome file is named by it, and only a failure takes its tail.
    #[allow(clippy::needless_range_loop)]
    for s in 0..job.slices {
        match read_record::<WorkerOutcome>(&outcome_file(job.path, s, slices[s].attempt))? {
            WorkerOutcome::Done { result } => results.push(result),
            WorkerOutcome::Failed { message, traceback } => {
                return Ok(Analysis::SliceFailed {
                    sliceno: s,
                    message,
                    traceback,
                    tail: std::mem::take(&mut tails[s]),
                })
            }
        }
    }
    // Every slice succeeded: its accepted attempt's datasets take their place, and what other
    // attempts at it wrote goes.
    let accepted: Vec<u32> = slices.iter().map(|s| s.attempt).collect();
    crate::dataset::slice_writer::commit_attempts(job.path, &accepted)?;
    crate::job::files::drop_lost_attempts(job.path, &accepted)?;
    Ok(Analysis::Done {
        results,
        per_slice: slices.iter().map(|s| s.elapsed.unwrap_or(0.0)).collect(),
    })
}

/// Why an attempt ended without an outcome: its exit, and the executor's own last message.
fn lost_reason(slice: &mut Slice) -> String {
    let exit = describe_exit(slice.status);
    let said = slice.messages.take().map(|m| m.join().unwrap_or_default()).unwrap_or_default();
    match said.lines().rev().map(str::trim).find(|l| !l.is_empty()) {
        Some(last) => format!("{exit}; {last}"),
        None => exit,
    }
}

fn describe_exit(status: Option<std::process::ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Some(st) => match (st.code(), st.signal()) {
            (Some(c), _) => format!("the analysis worker exited with code {c} without a result"),
            (_, Some(sig)) => format!("the analysis worker was killed by signal {sig}"),
            _ => "the analysis worker failed".to_string(),
        },
        None => "the analysis worker failed".to_string(),
    }
}
