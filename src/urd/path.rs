//! What users type to name urd sessions on the command line: `LIST`, `LIST/`, `LIST/TS`,
//! `USER/LIST/TS` (TS a lookup: `latest`, `first`, a timestamp, `<=TS`, ..., each optionally
//! followed by `~N`, N sessions earlier), and job specifiers `:LIST:NAME` / `:LIST/TS:NAME`.

use super::timestamp::{Lookup, Timestamp};
use super::{Entry, Urd};
use crate::error::{Error, Result};

/// A parsed `LIST[/TS]`.
pub enum UrdPath {
    /// The timestamps of a list.
    Since(String),
    /// One session: list, lookup, steps back.
    Session(String, Lookup, usize),
}

fn split_tilde(s: &str) -> Result<(&str, usize)> {
    match s.rsplit_once('~') {
        None => Ok((s, 0)),
        Some((base, "")) => Ok((base, 1)),
        Some((base, n)) => n
            .parse()
            .map(|n| (base, n))
            .map_err(|_| Error::User(format!("`~{n}` should be ~ and a number of sessions back"))),
    }
}

pub fn parse(path: &str, remote: bool) -> Result<UrdPath> {
    let parts: Vec<&str> = path.split('/').collect();
    // On a server a list is `user/name`; `a/b` is still list and timestamp, as in the original.
    let (list, ts) = match parts.as_slice() {
        [l] => (l.to_string(), None),
        [l, ""] => (l.to_string(), None),
        [l, t] => (l.to_string(), Some(*t)),
        [u, l, ""] if remote => (format!("{u}/{l}"), None),
        [u, l, t] if remote => (format!("{u}/{l}"), Some(*t)),
        _ => return Err(Error::User(format!("`{path}` is not LIST, LIST/ or LIST/TIMESTAMP"))),
    };
    super::entry::check_list_name(&list).map_err(Error::User)?;
    match ts {
        None => Ok(UrdPath::Since(list)),
        Some(t) => {
            let (base, back) = split_tilde(t)?;
            Ok(UrdPath::Session(list, Lookup::parse(base).map_err(Error::User)?, back))
        }
    }
}

/// The session a lookup names, `back` sessions earlier; None if there is none.
pub fn session(urd: &mut Urd, list: &str, q: &Lookup, back: usize) -> Result<Option<Entry>> {
    let Some(e) = urd.lookup(list, q)? else {
        return Ok(None);
    };
    if back == 0 {
        return Ok(Some(e));
    }
    let zero = Timestamp::parse("0").map_err(Error::User)?;
    let all = urd.since(list, &zero)?;
    let Some(i) = all.iter().position(|(t, _)| *t == e.timestamp) else {
        return Ok(None);
    };
    let Some(j) = i.checked_sub(back) else {
        return Ok(None);
    };
    let ts = Timestamp::parse(&all[j].0).map_err(Error::User)?;
    urd.lookup(list, &Lookup::Exact(ts))
}

/// `:LIST:NAME`, `:LIST/TS:NAME` (no TS: latest; no NAME: the last job) to a job id.
pub fn resolve_job(urd: &mut Urd, spec: &str, remote: bool) -> Result<String> {
    let Some((path, name)) = spec.strip_prefix(':').and_then(|s| s.split_once(':')) else {
        return Err(Error::User(format!(
            "`{spec}` is not a job specifier (`:LIST:NAME` or `:LIST/TIMESTAMP:NAME`)"
        )));
    };
    let (list, q, back) = match parse(path, remote)? {
        UrdPath::Since(l) => (l, Lookup::Latest, 0),
        UrdPath::Session(l, q, b) => (l, q, b),
    };
    let Some(e) = session(urd, &list, &q, back)? else {
        return Err(Error::User(format!("`{spec}`: urd list `{list}` has no session {q}")));
    };
    match e.job(Some(name)) {
        Some(id) => Ok(id.to_string()),
        None => Err(Error::User(format!(
            "`{spec}`: session {list}/{} has no job named `{name}` (it has {})",
            e.timestamp,
            e.joblist.iter().map(|j| j.0.as_str()).collect::<Vec<_>>().join(", ")
        ))),
    }
}
