//! Who writes a slice: this process as an attempt (an analysis worker's slice and attempt number,
//! or the run's own process), on a host and with a pid. A slice's part files carry the attempt's
//! tag (`.<host>.<pid>.tmp`) until the slice finishes, its `slice.<n>.writing` marker and
//! `slice.<n>.json` name the attempt, and a later attempt at the same slice (a retry after its
//! node was lost) takes over what an earlier one left.

use std::sync::OnceLock;

/// This process as a writer of slices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The analysis slice and attempt (from 1) this process is the worker of, if it is one.
    pub worker: Option<(usize, u32)>,
    pub host: String,
    pub pid: u32,
}

static WORKER: OnceLock<(usize, u32)> = OnceLock::new();

/// In an analysis worker, before anything is written: which slice and attempt it runs.
pub fn set_worker(slice: usize, attempt: u32) {
    let _ = WORKER.set((slice, attempt));
}

/// This process.
pub fn current() -> Attempt {
    Attempt {
        worker: WORKER.get().copied(),
        host: crate::sys::host_name().to_string(),
        pid: std::process::id(),
    }
}

impl Attempt {
    /// The suffix of this attempt's temporary part files (pids collide across hosts, so the
    /// host is in it).
    pub fn temp_suffix(&self) -> String {
        format!(".{}.{}.tmp", self.host, self.pid)
    }

    /// The line a slice's marker and record hold: `analysis 1 attempt 2 on node2 pid 77`, or
    /// `exax on node1 pid 77` for a process that is no analysis worker.
    pub fn describe(&self) -> String {
        match self.worker {
            Some((slice, attempt)) => format!("analysis {slice} attempt {attempt} on {} pid {}", self.host, self.pid),
            None => format!("exax on {} pid {}", self.host, self.pid),
        }
    }

    /// `describe`'s line read back; None for anything else (an older marker, which was empty).
    pub fn parse(line: &str) -> Option<Attempt> {
        let w: Vec<&str> = line.split_whitespace().collect();
        let (worker, rest) = match w.as_slice() {
            ["analysis", slice, "attempt", attempt, rest @ ..] => (Some((slice.parse().ok()?, attempt.parse().ok()?)), rest),
            ["exax", rest @ ..] => (None, rest),
            _ => return None,
        };
        match rest {
            ["on", host, "pid", pid] => Some(Attempt {
                worker,
                host: host.to_string(),
                pid: pid.parse().ok()?,
            }),
            _ => None,
        }
    }

    /// Whether this process, writing `slice`, may take over what `earlier` left there: both
    /// are analysis workers of that very slice, and this is a later attempt.
    pub fn supersedes(&self, earlier: &Attempt, slice: usize) -> bool {
        match (self.worker, earlier.worker) {
            (Some((mine, a)), Some((theirs, b))) => mine == slice && theirs == slice && a > b,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker(slice: usize, attempt: u32, host: &str) -> Attempt {
        Attempt {
            worker: Some((slice, attempt)),
            host: host.into(),
            pid: 7,
        }
    }

    #[test]
    fn lines_read_back() {
        for a in [
            worker(3, 2, "node2"),
            Attempt {
                worker: None,
                host: "a.b".into(),
                pid: 1,
            },
        ] {
            assert_eq!(Attempt::parse(&a.describe()), Some(a.clone()), "{}", a.describe());
        }
        assert_eq!(Attempt::parse(""), None);
        assert_eq!(Attempt::parse("analysis x attempt 1 on h pid 2"), None);
    }

    #[test]
    fn only_a_later_attempt_at_the_same_slice_takes_over() {
        let second = worker(1, 2, "node1");
        assert!(second.supersedes(&worker(1, 1, "node2"), 1));
        assert!(!second.supersedes(&worker(1, 2, "node2"), 1));
        assert!(!second.supersedes(&worker(1, 3, "node2"), 1));
        // Another slice's worker writing slice 1 is a method's mistake, never a lost attempt.
        assert!(!second.supersedes(&worker(0, 1, "node2"), 1));
        assert!(!worker(0, 2, "h").supersedes(&worker(0, 1, "h"), 1));
        let main = Attempt {
            worker: None,
            host: "h".into(),
            pid: 1,
        };
        assert!(!second.supersedes(&main, 1));
        assert!(!main.supersedes(&worker(1, 1, "h"), 1));
    }
}
