//! This process as an attempt: an analysis worker's slice and attempt number (or the run's own
//! process), its host and pid. What an attempt writes is named by it, so that the run keeps only
//! the accepted attempt's: an analysis worker writes its slice of a dataset into a directory of
//! its attempt (`dataset::slice_writer::commit_attempts` moves it into place) and logs its files
//! in a log named by its attempt (`files::drop_lost_attempts`); other dataset writers mark a
//! slice with `slice.<n>.writing` (naming the attempt) and write under `.<host>.<pid>.tmp` names.

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
    fn lines_name_the_attempt() {
        assert_eq!(worker(3, 2, "node2").describe(), "analysis 3 attempt 2 on node2 pid 7");
        assert_eq!(worker(3, 2, "node2").temp_suffix(), ".node2.7.tmp");
        let main = Attempt {
            worker: None,
            host: "a.b".into(),
            pid: 1,
        };
        assert_eq!(main.describe(), "exax on a.b pid 1");
    }
}
