//! The live progress lines of `exax run` on a terminal: one line per running job (id, method,
//! phase, slices done in analysis, time), drawn with indicatif through the console's copy of
//! stderr (descriptor 2 may point into a job's output capture). Every other write to the terminal
//! goes through `console`'s overlay, which clears these lines first and redraws them after.
//! Jobs shorter than `SHOW_AFTER` never get a line, so quick builds do not flicker.

use std::collections::HashMap;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};
use parking_lot::Mutex;

use crate::console;

const TICK: Duration = Duration::from_millis(100);
const SHOW_AFTER: Duration = Duration::from_millis(300);

pub struct Display {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// The lines on screen, shared by the drawing thread and `refresh` (called when a job ends).
struct Bars {
    mp: MultiProgress,
    bars: HashMap<usize, ProgressBar>,
    style: ProgressStyle,
}

static ACTIVE: Mutex<Option<Bars>> = Mutex::new(None);

impl Display {
    /// None when stderr is not a terminal (then `exax run` prints only its plain lines).
    pub fn start() -> Option<Display> {
        if !console::err_is_terminal() {
            return None;
        }
        let mp = MultiProgress::with_draw_target(ProgressDrawTarget::term_like_with_hz(Box::new(ConsoleTerm::default()), 10));
        let mp2 = mp.clone();
        console::set_overlay(Some(Box::new(move |write| mp2.suspend(write))));
        let style = ProgressStyle::with_template("{prefix}{spinner} {wide_msg}").unwrap_or_else(|_| ProgressStyle::default_spinner());
        *ACTIVE.lock() = Some(Bars {
            mp,
            bars: HashMap::new(),
            style,
        });
        let (stop, stopped) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("exax-progress".into())
            .spawn(move || run(&stopped))
            .ok()?;
        Some(Display {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        console::set_overlay(None);
    }
}

/// Redraws every `TICK` until `stop` disconnects, then clears the lines.
fn run(stop: &mpsc::Receiver<()>) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(TICK) {
        refresh();
    }
    clear_for_good();
}

/// Brings the lines up to date now: a line per job running for `SHOW_AFTER`, none for a job
/// that ended (so no line of a finished job is left above what the build script prints next).
pub fn refresh() {
    let mut active = ACTIVE.lock();
    let Some(b) = active.as_mut() else { return };
    let lines = crate::status::job_lines();
    let mut seen = Vec::with_capacity(lines.len());
    for l in lines.iter().filter(|l| l.running_for >= SHOW_AFTER) {
        seen.push(l.key);
        let bar = b.bars.entry(l.key).or_insert_with(|| {
            let bar = b.mp.add(ProgressBar::new_spinner().with_style(b.style.clone()));
            bar.set_prefix("  ".repeat(l.depth));
            bar
        });
        bar.set_message(l.text.clone());
        bar.tick();
    }
    let mp = &b.mp;
    b.bars.retain(|key, bar| {
        let keep = seen.contains(key);
        if !keep {
            bar.finish_and_clear();
            mp.remove(bar);
        }
        keep
    });
}

/// Clears the lines and draws none again (the end of the run, or CTRL+C).
pub fn clear_for_good() {
    let Some(b) = ACTIVE.lock().take() else { return };
    for bar in b.bars.values() {
        bar.finish_and_clear();
    }
    let _ = b.mp.clear();
    b.mp.set_draw_target(ProgressDrawTarget::hidden());
}

/// indicatif's terminal: buffers one frame and writes it to the real stderr in one go.
#[derive(Debug, Default)]
struct ConsoleTerm {
    buf: Mutex<Vec<u8>>,
}

impl ConsoleTerm {
    fn put(&self, s: &str) -> std::io::Result<()> {
        self.buf.lock().extend_from_slice(s.as_bytes());
        Ok(())
    }
}

impl TermLike for ConsoleTerm {
    fn width(&self) -> u16 {
        console::err_width().unwrap_or(80)
    }

    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        if n > 0 {
            self.put(&format!("\x1b[{n}A"))?;
        }
        Ok(())
    }

    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        if n > 0 {
            self.put(&format!("\x1b[{n}B"))?;
        }
        Ok(())
    }

    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        if n > 0 {
            self.put(&format!("\x1b[{n}C"))?;
        }
        Ok(())
    }

    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        if n > 0 {
            self.put(&format!("\x1b[{n}D"))?;
        }
        Ok(())
    }

    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.put(s)?;
        self.put("\n")
    }

    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.put(s)
    }

    fn clear_line(&self) -> std::io::Result<()> {
        self.put("\r\x1b[2K")
    }

    fn flush(&self) -> std::io::Result<()> {
        let bytes = std::mem::take(&mut *self.buf.lock());
        if !bytes.is_empty() {
            console::err_raw(&bytes);
        }
        Ok(())
    }
}
