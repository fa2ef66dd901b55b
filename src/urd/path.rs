//! What users type to name urd sessions on the command line: `LIST`, `LIST/`, `LIST/TS`,
//! `USER/LIST/TS` (TS a lookup: `latest`, `first`, a timestamp, `<=TS`, ..., each optionally
//! followed by `~N`, N sessions earlier), and job specifiers `:LIST:NAME` / `:LIST/TS:NAME`.

use super::error::UrdError;
use super::timestamp::{Lookup, Timestamp};
use super::{Entry, Urd};
use crate::error::Result;

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
        Some((base, n)) => n.parse().map(|n| (base, n)).map_err(|_| UrdError::Back(n.to_string()).into()),
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
        _ => return Err(UrdError::Path(path.to_string()).into()),
    };
    super::entry::check_list_name(&list)?;
    match ts {
        None => Ok(UrdPath::Since(list)),
        Some(t) => {
            let (base, back) = split_tilde(t)?;
            Ok(UrdPath::Session(list, Lookup::parse(base)?, back))
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
    let zero = Timestamp::parse("0")?;
    let all = urd.since(list, &zero)?;
    let Some(i) = all.iter().position(|(t, _)| *t == e.timestamp) else {
        return Ok(None);
    };
    let Some(j) = i.checked_sub(back) else {
        return Ok(None);
    };
    let ts = Timestamp::parse(&all[j].0)?;
    urd.lookup(list, &Lookup::Exact(ts))
}

/// `:LIST:NAME`, `:LIST/TS:NAME` (no TS: latest; no NAME: the last job) to a job id.
pub fn resolve_job(urd: &mut Urd, spec: &str, remote: bool) -> Result<String> {
    let Some((path, name)) = spec.strip_prefix(':').and_then(|s| s.split_once(':')) else {
        return Err(UrdError::JobSpec(spec.to_string()).into());
    };
    let (list, q, back) = match parse(path, remote)? {
        UrdPath::Since(l) => (l, Lookup::Latest, 0),
        UrdPath::Session(l, q, b) => (l, q, b),
    };
    let Some(e) = session(urd, &list, &q, back)? else {
        return Err(UrdError::NoSession {
            spec: Some(spec.to_string()),
            list,
            query: q.to_string(),
        }
        .into());
    };
    match e.job(Some(name)) {
        Some(id) => Ok(id.to_string()),
        None => Err(UrdError::NoJobNamed {
            spec: spec.to_string(),
            list,
            timestamp: e.timestamp.clone(),
            name: name.to_string(),
            names: e.joblist.iter().map(|j| j.0.clone()).collect(),
        }
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::UrdError;
    use crate::error::Error;

    /// The parts of a bad path stay data until they are printed.
    #[test]
    fn errors_keep_their_parts() {
        let e = super::parse("a/b/c", false).err();
        assert!(matches!(e, Some(Error::Urd(ref u)) if matches!(**u, UrdError::Path(ref p) if p == "a/b/c")));
        let e = super::parse("imports/latest~x", false).err();
        assert_eq!(
            e.map(|e| e.to_string()).as_deref(),
            Some("`~x` should be ~ and a number of sessions back")
        );
        let e = super::parse("bad name/latest", false).err();
        assert!(matches!(e, Some(Error::Urd(ref u)) if matches!(**u, UrdError::ListName(_))));
    }
}
