//! The status tree: what every running job of this process is doing right now, for CTRL+T,
//! SIGUSR1, `exax status` and the live progress lines.
//!
//! Each process keeps one stack of frames (`STACK`): the build script's `status()` messages, a
//! frame per job the runner runs here (subjobs nest), the messages a phase pushes with
//! `status()`, and the position of a dataset iteration (`Progress`). Analysis slices run in worker
//! processes with stacks of their own; the job frame keeps a `link::Link` to each running slice
//! and asks it for its lines when the tree is rendered (`link.rs`), so a worker pays nothing until
//! someone looks.
//!
//! The stack is pushed and popped by the thread that runs Lua; any thread may render it. Updating
//! a message is the hot path (a method may call `update` millions of times): it copies the bytes
//! into the frame's own slot under an uncontended lock, and nothing else happens until a render.

pub mod display;
pub mod interrupt;
pub mod keys;
pub mod link;
pub mod live;
pub mod remote;
pub mod socket;

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// The frames of this process, outermost first.
static STACK: Mutex<Vec<Arc<Frame>>> = Mutex::new(Vec::new());

/// One entry of the stack.
pub struct Frame {
    started: Instant,
    kind: Kind,
}

enum Kind {
    /// A `status(msg)` message; `update` replaces the text.
    Message(Mutex<Vec<u8>>),
    /// A position in something of known or unknown size (dataset iteration).
    Progress {
        label: String,
        unit: &'static str,
        total: Option<u64>,
        pos: AtomicU64,
    },
    Job(JobFrame),
    /// The builds of a `urd:build_all` running in child processes, each answering on its link.
    Builds(Mutex<Vec<RunningBuild>>),
}

struct RunningBuild {
    index: usize,
    label: String,
    started: Instant,
    link: Option<Arc<link::Link>>,
}

/// A job this process runs: which phase it is in, and its analysis slices while they run.
pub struct JobFrame {
    pub id: String,
    pub method: String,
    pub slices: usize,
    phase: Mutex<(&'static str, Instant)>,
    running: Mutex<Vec<RunningSlice>>,
    slices_done: AtomicUsize,
}

struct RunningSlice {
    sliceno: usize,
    started: Instant,
    link: Option<Arc<link::Link>>,
    /// The attempt, for a worker that connects to this process's endpoint (`remote.rs`).
    remote: Option<u32>,
}

impl Frame {
    fn new(kind: Kind) -> Arc<Frame> {
        Arc::new(Frame {
            started: Instant::now(),
            kind,
        })
    }

    /// Replaces a message's text (the `update` of `status()`); does nothing for other frames.
    #[inline]
    pub fn set_text(&self, text: &[u8]) {
        if let Kind::Message(slot) = &self.kind {
            let mut t = slot.lock();
            t.clear();
            t.extend_from_slice(text);
        }
    }

    /// A message's current text.
    pub fn text(&self) -> String {
        match &self.kind {
            Kind::Message(slot) => String::from_utf8_lossy(&slot.lock()).into_owned(),
            _ => String::new(),
        }
    }

    fn job(&self) -> Option<&JobFrame> {
        match &self.kind {
            Kind::Job(j) => Some(j),
            _ => None,
        }
    }
}

/// A frame on the stack until `close` or drop.
pub struct Entry(Arc<Frame>);

impl Entry {
    fn push(frame: Arc<Frame>) -> Entry {
        STACK.lock().push(frame.clone());
        Entry(frame)
    }

    #[cfg(test)]
    fn pushed(frame: Arc<Frame>) -> Entry {
        Entry(frame)
    }

    #[cfg(test)]
    pub fn frame(&self) -> &Arc<Frame> {
        &self.0
    }

    #[cfg(test)]
    pub fn update(&self, text: &str) {
        self.0.set_text(text.as_bytes());
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        close(&self.0);
        if self.0.job().is_some() {
            // Its progress line goes now, before the build script prints its next line below it.
            display::refresh();
        }
    }
}

/// Pushes a message until the returned entry is dropped.
#[cfg(test)]
pub fn message(text: &[u8]) -> Entry {
    Entry::pushed(push_message(text))
}

/// Pushes a message that stays until `close` or `discard` (Lua's `status()` decides when).
pub fn push_message(text: &[u8]) -> Arc<Frame> {
    let frame = Frame::new(Kind::Message(Mutex::new(text.to_vec())));
    STACK.lock().push(frame.clone());
    frame
}

/// Removes `frame` and everything pushed above it (what was opened inside its scope and left
/// open). A frame that is no longer on the stack is left alone.
pub fn close(frame: &Arc<Frame>) {
    let mut stack = STACK.lock();
    if let Some(pos) = stack.iter().rposition(|f| Arc::ptr_eq(f, frame)) {
        let removed: Vec<Arc<Frame>> = stack.drain(pos..).collect();
        drop(stack);
        drop(removed);
    }
}

/// Removes only `frame` (a message that was never closed and is being garbage-collected).
pub fn discard(frame: &Arc<Frame>) {
    let mut stack = STACK.lock();
    if let Some(pos) = stack.iter().rposition(|f| Arc::ptr_eq(f, frame)) {
        let removed = stack.remove(pos);
        drop(stack);
        drop(removed);
    }
}

// ---- Jobs (the runner) -----------------------------------------------------------------------

/// Pushes the frame of a job that starts running in this process.
pub fn job(id: &str, method: &str, slices: usize) -> Entry {
    Entry::push(Frame::new(Kind::Job(JobFrame {
        id: id.to_string(),
        method: method.to_string(),
        slices,
        phase: Mutex::new(("starting", Instant::now())),
        running: Mutex::new(Vec::new()),
        slices_done: AtomicUsize::new(0),
    })))
}

/// The innermost job of this process, if one is running.
pub fn current_job() -> Option<Arc<Frame>> {
    STACK.lock().iter().rev().find(|f| f.job().is_some()).cloned()
}

/// The innermost job enters `phase` ("prepare", "analysis", "synthesis").
pub fn set_phase(phase: &'static str) {
    if let Some(f) = current_job() {
        if let Some(j) = f.job() {
            *j.phase.lock() = (phase, Instant::now());
        }
    }
}

/// The innermost job's analysis slice `sliceno` started, answering status questions on `link`
/// (`link::offer`).
pub fn slice_started(sliceno: usize, link: Option<link::Offered>) {
    let link = link.map(link::Offered::spawned);
    push_slice(RunningSlice {
        sliceno,
        started: Instant::now(),
        link: link.map(Arc::new),
        remote: None,
    });
}

/// The innermost job's analysis slice `sliceno` started (attempt `attempt`, announced with
/// `remote::expect`) somewhere that answers over this process's endpoint once it connects.
pub fn slice_started_remote(sliceno: usize, attempt: u32) {
    push_slice(RunningSlice {
        sliceno,
        started: Instant::now(),
        link: None,
        remote: Some(attempt),
    });
}

fn push_slice(slice: RunningSlice) {
    if let Some(f) = current_job() {
        if let Some(j) = f.job() {
            j.running.lock().push(slice);
        }
    }
}

/// The innermost job's analysis slice `sliceno` ended.
pub fn slice_ended(sliceno: usize) {
    remove_slice(sliceno, true);
}

/// The innermost job's analysis slice `sliceno` was lost and runs again: it is not done.
pub fn slice_lost(sliceno: usize) {
    remove_slice(sliceno, false);
}

fn remove_slice(sliceno: usize, done: bool) {
    if let Some(f) = current_job() {
        if let Some(j) = f.job() {
            let mut running = j.running.lock();
            let mut removed = false;
            running.retain(|s| {
                if s.sliceno != sliceno {
                    return true;
                }
                if let Some(attempt) = s.remote {
                    remote::forget(&j.id, sliceno, attempt);
                }
                removed = true;
                false
            });
            if removed && done {
                j.slices_done.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

// ---- Builds in child processes (`urd:build_all`) ---------------------------------------------

/// The frame of a batch of builds in child processes, until dropped.
pub struct Builds(Entry);

/// Pushes the frame of a batch of builds.
pub fn builds() -> Builds {
    Builds(Entry::push(Frame::new(Kind::Builds(Mutex::new(Vec::new())))))
}

impl Builds {
    /// Build `index` started in a build process answering on `link`.
    pub fn started(&self, index: usize, label: String, link: Option<Arc<link::Link>>) {
        if let Kind::Builds(running) = &self.0 .0.kind {
            running.lock().push(RunningBuild {
                index,
                label,
                started: Instant::now(),
                link,
            });
        }
    }

    pub fn ended(&self, index: usize) {
        if let Kind::Builds(running) = &self.0 .0.kind {
            running.lock().retain(|b| b.index != index);
        }
    }
}

// ---- Progress (dataset iteration and other long Rust loops) -----------------------------------

/// A position in a long piece of work, shown in the status tree while it lives:
/// `reading demo-3/default (1,234,567 of 5,000,000 lines, 4.1 seconds left)`.
///
/// Create it on the thread that runs the job's Lua (it nests under that thread's current status
/// message); `set`/`add` are a relaxed atomic store and cost next to nothing, so call them per
/// row or per block as convenient. Dropping it removes the line.
pub struct Progress(Entry);

impl Progress {
    /// `label` is the whole text before the parentheses (`reading demo-3/default`), `unit` names
    /// what is counted (`lines`), `total` is the count when known (it enables the time left).
    pub fn new(label: impl Into<String>, total: Option<u64>, unit: &'static str) -> Progress {
        Progress(Entry::push(Frame::new(Kind::Progress {
            label: label.into(),
            unit,
            total,
            pos: AtomicU64::new(0),
        })))
    }

    #[inline]
    pub fn set(&self, pos: u64) {
        if let Kind::Progress { pos: p, .. } = &self.0 .0.kind {
            p.store(pos, Ordering::Relaxed);
        }
    }

    /// Removes only this line, leaving what was pushed after it (for a progress dropped out of
    /// order, like an abandoned dataset iterator collected by Lua's GC).
    pub fn discard(self) {
        discard(&self.0 .0);
    }
}

// ---- Rendering -------------------------------------------------------------------------------

/// How long a worker may take to answer before its slice is shown without its messages.
const ASK_TIMEOUT: Duration = Duration::from_millis(500);

/// The whole tree of this process, with the lines of every running analysis slice:
///
/// ```text
/// demo-7 wordcount  analysis(2) (9.0 seconds)
///   reading demo-3/default (1,234,567 of 5,000,000 lines)
///   my status message: task 3
/// ```
///
/// A job's messages are listed one level below its header, outermost first; a job started
/// inside a message (a subjob, or a job the build script builds inside `status()`) goes one level
/// below that message. Empty when nothing runs.
pub fn render() -> String {
    render_frames(&snapshot(), true)
}

/// This process's own lines, without asking anyone (what a worker answers its parent).
pub fn render_local() -> String {
    render_frames(&snapshot(), false)
}

fn snapshot() -> Vec<Arc<Frame>> {
    STACK.lock().clone()
}

fn render_frames(frames: &[Arc<Frame>], ask_workers: bool) -> String {
    let now = Instant::now();
    let mut out = String::new();
    let mut level = 0usize;
    let mut has_message = false;
    for f in frames {
        match &f.kind {
            Kind::Message(_) | Kind::Progress { .. } => {
                line(&mut out, level, &frame_text(f, now));
                has_message = true;
            }
            Kind::Job(j) => {
                let header = if has_message { level + 1 } else { level };
                render_job(&mut out, header, j, now, ask_workers);
                level = header + 1;
                has_message = false;
            }
            Kind::Builds(running) => {
                // Each build's own tree (asked from its process), where its job would be here.
                let base = if has_message { level + 1 } else { level };
                let running: Vec<(String, Instant, Option<Arc<link::Link>>)> = running
                    .lock()
                    .iter()
                    .map(|b| (b.label.clone(), b.started, b.link.clone()))
                    .collect();
                for (label, started, link) in running {
                    let answer = match (&link, ask_workers) {
                        (Some(l), true) => l.ask(ASK_TIMEOUT),
                        _ => None,
                    };
                    match answer.filter(|a| !a.is_empty()) {
                        Some(a) => a.lines().for_each(|l| line(&mut out, base, l)),
                        None => line(&mut out, base, &format!("{label} ({})", seconds(now - started))),
                    }
                }
            }
        }
    }
    out
}

/// A running slice as rendering sees it: number, start, inherited link, remote attempt.
type SliceView = (usize, Instant, Option<Arc<link::Link>>, Option<u32>);

fn render_job(out: &mut String, level: usize, j: &JobFrame, now: Instant, ask_workers: bool) {
    let (phase, phase_started) = *j.phase.lock();
    let running: Vec<SliceView> = j
        .running
        .lock()
        .iter()
        .map(|s| (s.sliceno, s.started, s.link.clone(), s.remote))
        .collect();
    if running.is_empty() {
        line(
            out,
            level,
            &format!("{} {}  {phase} ({})", j.id, j.method, seconds(now - phase_started)),
        );
        return;
    }
    for (sliceno, started, mut link, remote_attempt) in running {
        let mut on = String::new();
        if let Some(a) = remote_attempt.and_then(|attempt| remote::attached(&j.id, sliceno, attempt)) {
            if a.host != crate::sys::host_name() {
                on = format!(" on {}", a.host);
            }
            link = Some(a.link);
        }
        line(
            out,
            level,
            &format!("{} {}  analysis({sliceno}){on} ({})", j.id, j.method, seconds(now - started)),
        );
        let answer = match (&link, ask_workers) {
            (Some(l), true) => l.ask(ASK_TIMEOUT),
            _ => None,
        };
        for l in answer.unwrap_or_default().lines() {
            line(out, level + 1, l);
        }
    }
}

fn frame_text(f: &Frame, now: Instant) -> String {
    match &f.kind {
        Kind::Message(slot) => String::from_utf8_lossy(&slot.lock()).into_owned(),
        Kind::Progress { label, unit, total, pos } => {
            let pos = pos.load(Ordering::Relaxed);
            progress_text(label, unit, pos, *total, now - f.started)
        }
        Kind::Job(j) => format!("{} {}", j.id, j.method),
        Kind::Builds(_) => String::new(),
    }
}

fn progress_text(label: &str, unit: &str, pos: u64, total: Option<u64>, elapsed: Duration) -> String {
    match total {
        Some(total) => {
            let mut s = format!("{label} ({} of {} {unit}", thousands(pos), thousands(total));
            if pos > 0 && pos < total && elapsed >= Duration::from_millis(500) {
                let left = elapsed.as_secs_f64() * (total - pos) as f64 / pos as f64;
                let _ = write!(s, ", {} left", seconds_f(left));
            }
            s.push(')');
            s
        }
        None => format!("{label} ({} {unit})", thousands(pos)),
    }
}

fn line(out: &mut String, level: usize, text: &str) {
    for _ in 0..level {
        out.push_str("  ");
    }
    // A message with line breaks stays one line of the tree.
    out.push_str(&text.replace('\n', " "));
    out.push('\n');
}

fn seconds(d: Duration) -> String {
    seconds_f(d.as_secs_f64())
}

fn seconds_f(s: f64) -> String {
    format!("{s:.1} seconds")
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ---- What the live progress lines show ---------------------------------------------------------

/// One running job, for the live progress lines.
pub struct JobLine {
    /// Stable while the job runs (the frame's address).
    pub key: usize,
    /// Subjob nesting.
    pub depth: usize,
    pub text: String,
    pub running_for: Duration,
}

/// `demo-7 wordcount` for every job of this process that is running, outermost first.
pub fn running_jobs() -> Vec<String> {
    snapshot()
        .iter()
        .filter_map(|f| f.job().map(|j| format!("{} {}", j.id, j.method)))
        .collect()
}

/// Every job of this process that is running, outermost first.
pub fn job_lines() -> Vec<JobLine> {
    let now = Instant::now();
    let mut depth = 0;
    let mut out = Vec::new();
    for f in snapshot() {
        if let Kind::Builds(running) = &f.kind {
            for b in running.lock().iter() {
                out.push(JobLine {
                    key: (Arc::as_ptr(&f) as usize).wrapping_add(b.index + 1),
                    depth,
                    text: format!("{}  {:.1}s", b.label, (now - b.started).as_secs_f64()),
                    running_for: now - b.started,
                });
            }
            continue;
        }
        let Some(j) = f.job() else { continue };
        let (phase, _) = *j.phase.lock();
        let mut text = format!("{} {}  {phase}", j.id, j.method);
        if phase == "analysis" {
            let done = j.slices_done.load(Ordering::Relaxed);
            let _ = write!(text, " {done}/{} slices", j.slices);
        }
        let _ = write!(text, "  {:.1}s", (now - f.started).as_secs_f64());
        out.push(JobLine {
            key: Arc::as_ptr(&f) as usize,
            depth,
            text,
            running_for: now - f.started,
        });
        depth += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // The stack is process-wide; these tests run one at a time through this lock.
    static SERIAL: Mutex<()> = Mutex::new(());

    fn strip_times(s: &str) -> String {
        let mut out = String::new();
        for l in s.lines() {
            match l.rfind(" (") {
                Some(i) if l.ends_with(" seconds)") => {
                    out.push_str(&l[..i]);
                    out.push_str(" (T)");
                }
                _ => out.push_str(l),
            }
            out.push('\n');
        }
        out
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn progress_with_and_without_total() {
        let d = Duration::from_secs(2);
        assert_eq!(progress_text("reading x", "lines", 5, None, d), "reading x (5 lines)");
        assert_eq!(
            progress_text("reading x", "lines", 1_000_000, Some(5_000_000), d),
            "reading x (1,000,000 of 5,000,000 lines, 8.0 seconds left)"
        );
        assert_eq!(progress_text("reading x", "lines", 0, Some(5), d), "reading x (0 of 5 lines)");
    }

    #[test]
    fn nesting_and_closing() {
        let _g = SERIAL.lock();
        assert_eq!(render(), "");
        let outer = message(b"importing");
        let j = job("demo-7", "wordcount", 2);
        set_phase("synthesis");
        let m1 = message(b"first");
        let m2 = message(b"second");
        m2.update("second, updated");
        let sub = job("demo-8", "child", 2);
        set_phase("prepare");
        let p = Progress::new("reading demo-3/default", None, "lines");
        p.set(1234);
        assert_eq!(
            strip_times(&render()),
            "importing\n  demo-7 wordcount  synthesis (T)\n    first\n    second, updated\n      demo-8 child  prepare (T)\n        reading demo-3/default (1,234 lines)\n"
        );
        let lines = job_lines();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].depth, 1);
        assert!(lines[1].text.starts_with("demo-8 child  prepare  "), "{}", lines[1].text);
        // Closing m1 takes everything opened inside it.
        close(m1.frame());
        assert_eq!(strip_times(&render()), "importing\n  demo-7 wordcount  synthesis (T)\n");
        // Updating or closing what is gone is harmless.
        m2.update("late");
        drop((p, sub, m2));
        discard(m1.frame());
        drop(j);
        assert_eq!(render(), "importing\n");
        drop(outer);
        drop(m1);
        assert_eq!(render(), "");
    }

    #[test]
    fn analysis_slices_without_links() {
        let _g = SERIAL.lock();
        let j = job("demo-7", "wordcount", 2);
        set_phase("analysis");
        slice_started(0, None);
        slice_started(1, None);
        assert_eq!(
            strip_times(&render()),
            "demo-7 wordcount  analysis(0) (T)\ndemo-7 wordcount  analysis(1) (T)\n"
        );
        slice_ended(0);
        assert_eq!(strip_times(&render()), "demo-7 wordcount  analysis(1) (T)\n");
        assert!(job_lines()[0].text.contains("analysis 1/2 slices"));
        slice_ended(1);
        assert_eq!(strip_times(&render()), "demo-7 wordcount  analysis (T)\n");
        drop(j);
    }

    #[test]
    fn a_lost_slice_is_not_done() {
        let _g = SERIAL.lock();
        let j = job("demo-9", "lossy", 2);
        set_phase("analysis");
        slice_started(0, None);
        slice_started(1, None);
        slice_ended(0);
        slice_lost(1);
        slice_started(1, None);
        assert!(job_lines()[0].text.contains("analysis 1/2 slices"), "{}", job_lines()[0].text);
        slice_ended(1);
        assert!(job_lines()[0].text.contains("analysis 2/2 slices"), "{}", job_lines()[0].text);
        drop(j);
    }
}
