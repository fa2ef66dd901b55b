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
    Build(#[from] Box<BuildError>),
    /// A Lua file asked for as a method that declares no phase: a module, not a method.
    #[error("{0}")]
    NotAMethod(String),
    /// A job failed in one of its phases.
    #[error("{}", .0.message)]
    JobFailed(Box<JobFailure>),
    /// A bad urd list, timestamp or job specifier, or an urd store or server that refused.
    #[error("{0}")]
    Urd(Box<crate::urd::error::UrdError>),
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

/// A bad `urd:build` call or method declaration as data: the method and parameter it is about,
/// what is wrong, the closest known name when one was misspelt, and what would help. Rendered as
/// `message (did you mean `suggestion`?); help`.
#[derive(Debug, Default)]
pub struct BuildError {
    pub method: Option<String>,
    pub param: Option<String>,
    pub message: String,
    pub suggestion: Option<String>,
    pub help: Option<String>,
}

impl BuildError {
    pub fn new(message: impl Into<String>) -> Self {
        BuildError {
            message: message.into(),
            ..Default::default()
        }
    }

    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_string());
        self
    }

    pub fn param(mut self, param: &str) -> Self {
        self.param = Some(param.to_string());
        self
    }

    pub fn suggest(mut self, suggestion: Option<String>) -> Self {
        self.suggestion = suggestion;
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if let Some(s) = &self.suggestion {
            write!(f, " (did you mean `{s}`?)")?;
        }
        if let Some(h) = &self.help {
            write!(f, "; {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for BuildError {}

impl From<BuildError> for Error {
    fn from(e: BuildError) -> Self {
        Error::Build(Box::new(e))
    }
}

impl From<crate::urd::error::UrdError> for Error {
    fn from(e: crate::urd::error::UrdError) -> Self {
        Error::Urd(Box::new(e))
    }
}

impl Error {
    /// A build error that is only a message.
    pub fn build(message: impl Into<String>) -> Self {
        BuildError::new(message).into()
    }

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
    match closest(name, candidates) {
        Some(c) => format!(" (did you mean `{c}`?)"),
        None => String::new(),
    }
}

/// The candidate a misspelt `name` most likely meant, if any is close enough.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
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
    best.map(|(_, c)| c.to_string())
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
