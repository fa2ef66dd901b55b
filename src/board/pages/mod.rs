//! The board's pages, one file per kind: the routing table, and helpers they share (times,
//! durations, sizes, job states).

mod dataset;
mod front;
mod job;
mod methods;
mod status;
mod urd;
mod workdir;

use std::collections::HashMap;

use camino::Utf8Path;

use super::{Board, Reply};
use crate::job::records;

type Query = HashMap<String, String>;

pub fn route(board: &Board, segs: &[String], q: &Query) -> Reply {
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    match s.as_slice() {
        [] => front::index(board),
        ["results", rest @ ..] => front::result_file(board, rest),
        ["status"] => status::page(board),
        ["job", id] => job::page(board, id),
        ["job", id, "why"] => job::why(board, id),
        ["job", id, "output", part] => job::output(board, id, part),
        ["job", id, "file", rest @ ..] if !rest.is_empty() => job::file(board, id, rest),
        ["dataset", job] => dataset::page(board, job, "default", q),
        ["dataset", job, name] => dataset::page(board, job, name, q),
        ["workdir"] => workdir::list(board),
        ["workdir", name] => workdir::page(board, name, q),
        ["methods"] => methods::list(board),
        ["method", name] => methods::page(board, name),
        ["urd"] => urd::lists(board),
        ["urd", rest @ ..] => urd::path(board, rest),
        ["robots.txt"] => Reply::Text("User-agent: *\nDisallow: /\n".into()),
        _ => Reply::not_found(format!("no page {}", segs.join("/"))),
    }
}

/// `2026-11-24 10:00:01` (UTC) from seconds since the epoch.
pub fn time(t: f64) -> String {
    let secs = t as i64;
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    let (y, m, d) = crate::dataset::datetime::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", rem / 3600, rem / 60 % 60, rem % 60)
}

/// `0.012 s`, `4.5 s`, `3 min 20 s`, `2 h 5 min`.
pub fn duration(s: f64) -> String {
    if s < 10.0 {
        format!("{s:.3} s")
    } else if s < 100.0 {
        format!("{s:.1} s")
    } else if s < 3600.0 {
        format!("{} min {} s", s as u64 / 60, s as u64 % 60)
    } else {
        format!("{} h {} min", s as u64 / 3600, s as u64 / 60 % 60)
    }
}

pub use crate::console::size;

/// finished, failed or unfinished (killed, or still running).
pub fn state(dir: &Utf8Path) -> &'static str {
    if dir.join(records::POST).is_file() {
        "finished"
    } else if dir.join(records::FAILURE).is_file() {
        "failed"
    } else {
        "unfinished"
    }
}

/// The text of a file cut to `max` bytes (at a character boundary), and whether it was cut.
pub fn read_text(path: &Utf8Path, max: usize) -> Option<(String, bool, u64)> {
    let len = std::fs::metadata(path).ok()?.len();
    let head = super::files::head(path, max).ok()?;
    let mut text = String::from_utf8_lossy(&head).into_owned();
    let cut = len > max as u64;
    if cut {
        // A character split at the cut shows as one replacement character: drop it.
        if text.ends_with('\u{fffd}') {
            text.pop();
        }
    }
    Some((text, cut, len))
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats() {
        assert_eq!(super::time(1795496557.5), "2026-11-24 05:02:37");
        assert_eq!(super::duration(0.0123), "0.012 s");
        assert_eq!(super::duration(200.0), "3 min 20 s");
        assert_eq!(super::size(8294), "8.1 KiB");
    }
}
