//! Urd timestamps and lookups, as the original defines them: `+`-joined parts, each a non-negative
//! integer or a date `YYYY-MM[-DD[THH[:MM[:SS[.ffffff]]]]]` (a space may stand for the `T`). Parts
//! compare in order, numbers before dates, and a timestamp that is a prefix of another sorts first.
//! A lookup is `latest`, `first`, a timestamp, or one prefixed by `<`, `<=`, `>`, `>=` for the
//! nearest match on that side.

use std::cmp::Ordering;
use std::fmt;

use super::error::UrdError;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Part {
    Int(u64),
    Date(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Timestamp {
    parts: Vec<Part>,
    text: String,
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.parts.cmp(&other.parts)
    }
}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// `YYYY-MM[-DD[THH[:MM[:SS[.f{1,6}]]]]]` with the `T` normalised; None if it is not one.
fn date_part(s: &str) -> Option<String> {
    let s = s.replacen(' ', "T", 1);
    let (date, time) = match s.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (s.as_str(), None),
    };
    let d: Vec<&str> = date.split('-').collect();
    let date_ok = match d.as_slice() {
        [y, m] => digits(y, 4) && digits(m, 2) && time.is_none(),
        [y, m, dd] => digits(y, 4) && digits(m, 2) && digits(dd, 2),
        _ => false,
    };
    if !date_ok {
        return None;
    }
    if let Some(t) = time {
        let (hms, frac) = match t.split_once('.') {
            Some((a, f)) => (a, Some(f)),
            None => (t, None),
        };
        let h: Vec<&str> = hms.split(':').collect();
        if h.is_empty() || h.len() > 3 || !h.iter().all(|p| digits(p, 2)) {
            return None;
        }
        if let Some(f) = frac {
            if h.len() != 3 || f.is_empty() || f.len() > 6 || !f.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
        }
    }
    Some(s)
}

impl Timestamp {
    pub fn parse(s: &str) -> Result<Timestamp, UrdError> {
        let bad = || UrdError::Timestamp(s.to_string());
        if s.is_empty() {
            return Err(bad());
        }
        let mut parts = Vec::new();
        let mut text = Vec::new();
        for p in s.split('+') {
            if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
                let n: u64 = p.parse().map_err(|_| bad())?;
                text.push(n.to_string());
                parts.push(Part::Int(n));
            } else {
                let d = date_part(p).ok_or_else(bad)?;
                text.push(d.clone());
                parts.push(Part::Date(d));
            }
        }
        Ok(Timestamp {
            parts,
            text: text.join("+"),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The timestamp `0`, which the original reserves (it cannot be added).
    pub fn is_zero(&self) -> bool {
        self.parts == [Part::Int(0)]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Latest,
    First,
    Exact(Timestamp),
    Near(Cmp, Timestamp),
}

impl Lookup {
    pub fn parse(s: &str) -> Result<Lookup, UrdError> {
        let (cmp, rest) = if let Some(r) = s.strip_prefix("<=") {
            (Some(Cmp::Le), r)
        } else if let Some(r) = s.strip_prefix(">=") {
            (Some(Cmp::Ge), r)
        } else if let Some(r) = s.strip_prefix('<') {
            (Some(Cmp::Lt), r)
        } else if let Some(r) = s.strip_prefix('>') {
            (Some(Cmp::Gt), r)
        } else {
            (None, s)
        };
        match (cmp, rest) {
            (None, "latest") => Ok(Lookup::Latest),
            (None, "first") => Ok(Lookup::First),
            (None, _) => Ok(Lookup::Exact(Timestamp::parse(rest)?)),
            (Some(c), _) => Ok(Lookup::Near(c, Timestamp::parse(rest)?)),
        }
    }

    /// Does the stored timestamp `k` lie on the asked side of `ts`? `<=2014-04` also takes
    /// `2014-04-10`, as in the original (a date prefix counts as equal from below).
    pub fn accepts(cmp: Cmp, k: &Timestamp, ts: &Timestamp) -> bool {
        match cmp {
            Cmp::Lt => k < ts,
            Cmp::Le => k <= ts || (ts.text.contains('-') && k.text.starts_with(&ts.text)),
            Cmp::Gt => k > ts,
            Cmp::Ge => k >= ts,
        }
    }
}

impl fmt::Display for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lookup::Latest => f.write_str("latest"),
            Lookup::First => f.write_str("first"),
            Lookup::Exact(t) => write!(f, "{t}"),
            Lookup::Near(c, t) => {
                let p = match c {
                    Cmp::Lt => "<",
                    Cmp::Le => "<=",
                    Cmp::Gt => ">",
                    Cmp::Ge => ">=",
                };
                write!(f, "{p}{t}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn forms() {
        for ok in [
            "2019-12",
            "2019-12-09",
            "2019-12-09T12",
            "2019-12-09T12:19",
            "2019-12-09T12:19:04",
            "2019-12-09T12:19:04.123456",
            "0",
            "17",
            "2019-12+3",
            "1+2+3",
        ] {
            assert_eq!(ts(ok).as_str(), ok);
        }
        assert_eq!(ts("2019-12-09 12:19").as_str(), "2019-12-09T12:19");
        assert_eq!(ts("007").as_str(), "7");
        // a bare year is an integer, not a date
        assert_eq!(ts("2019").parts, vec![Part::Int(2019)]);
        assert!(ts("2019") < ts("2019-01"));
        for bad in [
            "",
            "-1",
            "2019-1",
            "2019-12T12",
            "2019-12-09T1",
            "2019-12-09T12:19.5",
            "2019-12-09T12:19:04.1234567",
            "latest",
            "1+",
            "x",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn order() {
        assert!(ts("5") < ts("2019-01"));
        assert!(ts("2019-12") < ts("2019-12-01"));
        assert!(ts("2019-12-01") < ts("2019-12-01+0"));
        assert!(ts("2019-12-01+2") < ts("2019-12-01+10"));
        assert!(ts("9") < ts("10"));
        assert!(ts("2019-12-01T10") < ts("2019-12-01T10:00"));
    }

    #[test]
    fn lookups() {
        assert_eq!(Lookup::parse("latest").unwrap(), Lookup::Latest);
        assert_eq!(Lookup::parse("<=2019-12").unwrap(), Lookup::Near(Cmp::Le, ts("2019-12")));
        assert_eq!(Lookup::parse(">3").unwrap().to_string(), ">3");
        assert!(Lookup::accepts(Cmp::Le, &ts("2014-04-10"), &ts("2014-04")));
        assert!(!Lookup::accepts(Cmp::Lt, &ts("2014-04-10"), &ts("2014-04")));
        assert!(Lookup::parse("<latest").is_err());
    }
}
