//! The typed errors of exax's core, each carrying the location (file, line, job, parameter) a user
//! needs to act on it. `render.rs` turns them into what `exax` prints.

use camino::Utf8PathBuf;

use crate::job::id::JobId;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A problem in accelerator.conf at a known line.
    #[error("{path}:{line}: {message}")]
    Config { path: Utf8PathBuf, line: usize, message: String },
    #[error("no accelerator.conf in {start} or any directory above it")]
    NoProject { start: Utf8PathBuf },
    #[error("{path}: {source}")]
    Io { path: Utf8PathBuf, source: std::io::Error },
    /// A Lua script failed to compile or run outside any job (build script, method declarations).
    #[error("{message}")]
    Script { message: String, traceback: Vec<String> },
    /// A bad `urd:build` call: unknown method or parameter, wrong type, ambiguous name.
    #[error("{0}")]
    Build(String),
    /// A job failed in one of its phases.
    #[error("{}", .0.message)]
    JobFailed(Box<JobFailure>),
    /// A value that cannot be stored (function, userdata, ...) or a corrupt stored value.
    #[error("{0}")]
    Value(String),
    /// Anything else a user caused, with a message that says what to do.
    #[error("{0}")]
    User(String),
}

/// Everything `exax run` reports about a failed job.
#[derive(Debug, Clone)]
pub struct JobFailure {
    pub job: JobId,
    pub method: String,
    pub phase: String,
    pub slice: Option<usize>,
    pub message: String,
    pub traceback: Vec<String>,
    pub output_tail: Vec<String>,
}

impl Error {
    pub fn io(path: impl Into<Utf8PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}

/// Adds the path to an `io::Result`.
pub trait IoContext<T> {
    fn at(self, path: impl AsRef<camino::Utf8Path>) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn at(self, path: impl AsRef<camino::Utf8Path>) -> Result<T> {
        self.map_err(|e| Error::io(path.as_ref(), e))
    }
}

/// " (did you mean `x`?)" for the closest of `candidates`, or "".
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let score = strsim::jaro_winkler(name, c);
        if score > 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    match best {
        Some((_, c)) => format!(" (did you mean `{c}`?)"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("slice", ["slices", "workdirs"]), " (did you mean `slices`?)");
        assert_eq!(did_you_mean("zzz", ["slices", "workdirs"]), "");
    }
}
