//! What goes wrong with urd names, sessions, job specifiers, stores and servers, as data: each
//! variant holds the list, timestamp, specifier or server it is about; `Display` is the message.

/// An urd problem a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum UrdError {
    #[error("invalid urd list name `{0}` (letters, digits, `_`, `-`, `.`; `user/name` at most)")]
    ListName(String),
    #[error(
        "invalid urd timestamp `{0}` (expected YYYY-MM, YYYY-MM-DD, YYYY-MM-DDTHH[:MM[:SS[.ffffff]]], a non-negative integer, or such parts joined by +)"
    )]
    Timestamp(String),
    /// The `N` of `~N` is not a number.
    #[error("`~{0}` should be ~ and a number of sessions back")]
    Back(String),
    #[error("`{0}` is not LIST, LIST/ or LIST/TIMESTAMP")]
    Path(String),
    #[error("`{0}` is not a job specifier (`:LIST:NAME` or `:LIST/TIMESTAMP:NAME`)")]
    JobSpec(String),
    /// No session matches `query` in `list`; `spec` is what the user typed, when it was more.
    #[error("{}urd list `{list}` has no session {query}", spec.as_ref().map(|s| format!("`{s}`: ")).unwrap_or_default())]
    NoSession { spec: Option<String>, list: String, query: String },
    #[error("`{spec}`: session {list}/{timestamp} has no job named `{name}` (it has {})", names.join(", "))]
    NoJobNamed {
        spec: String,
        list: String,
        timestamp: String,
        name: String,
        names: Vec<String>,
    },
    /// The project's own store (`.exax/urd`) refused a write or could not be read.
    #[error("{0}")]
    Store(String),
    #[error("urd: `{0}` is not an http:// URL")]
    NotHttp(String),
    #[error("set $URD_AUTH to user:password")]
    AuthFormat,
    #[error("urd server {server} refused user `{user}`: {message} (set $URD_AUTH to user:password)")]
    Refused { server: String, user: String, message: String },
    /// The server answered with an error, or with something that is not an answer.
    #[error("urd server {server}: {message}")]
    Server { server: String, message: String },
    #[error("cannot reach the urd server {server} after {tries} tries: {last}")]
    Unreachable { server: String, tries: u32, last: String },
    #[error("`{0}` is not a valid user name")]
    UserName(String),
    #[error("cannot hash the password: {0}")]
    Password(String),
    #[error("no users in {passwd} (add one with `exax urd-server --path {dir} --add-user NAME`, which reads the password from stdin)")]
    NoUsers { passwd: String, dir: String },
    #[error("urd-server: cannot listen on {addr}: {message}")]
    Listen { addr: String, message: String },
    /// `LIST/` where one session was asked for.
    #[error("`{0}` is not a timestamp")]
    NotASession(String),
    /// A line of the server's password file.
    #[error("{path}:{line}: {message}")]
    Passwd { path: String, line: usize, message: String },
}

#[cfg(test)]
mod tests {
    use super::UrdError;

    #[test]
    fn the_spec_is_named_when_there_is_one() {
        let none = UrdError::NoSession {
            spec: Some(":imports:x".into()),
            list: "imports".into(),
            query: "latest".into(),
        };
        assert_eq!(none.to_string(), "`:imports:x`: urd list `imports` has no session latest");
        let plain = UrdError::NoSession {
            spec: None,
            list: "imports".into(),
            query: "2026-01".into(),
        };
        assert_eq!(plain.to_string(), "urd list `imports` has no session 2026-01");
    }
}
