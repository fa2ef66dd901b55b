//! The original's strptime, for `date:FMT`, `datetime:FMT` and `time:FMT`: numbers may be
//! padded with spaces instead of zeros and may be shorter than their width (`%Y%m%d` reads
//! `1970 1 1`), a space in the format skips any whitespace, `%f` reads up to 6 digits of
//! microseconds, `%s`/`%J` are Unix seconds/milliseconds, `%b` a month name (full or three
//! letters, any case). Also the original's skip directives `%N ` `%N.` `%N*` `%N#` `%N^` `%N@`
//! (N whitespace / non-space / any / digits / non-digit / non-space-non-digit characters).
//! `%Y-%m-%d` and `%Y-%m-%d %H:%M:%S` have a fast path that gives the same results.

use super::is_space;
use crate::dataset::datetime::{self, Kind, Parts};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Item {
    Lit(u8),
    /// Any whitespace, also none.
    Space,
    /// `%` directive with its optional count or range (`-1` when absent).
    Field {
        spec: u8,
        low: i32,
        high: i32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fast {
    Ymd,
    YmdHms,
}

#[derive(Debug, Clone)]
pub struct Format {
    items: Vec<Item>,
    fast: Option<Fast>,
}

const SPECS: &str = "Y C y m b d H I p M S f s J % and the skips ' ' . * # ^ @";

fn read_num(b: &[u8], i: &mut usize) -> Option<i32> {
    let start = *i;
    let mut n: i64 = 0;
    while *i < b.len() && b[*i].is_ascii_digit() && *i - start < 9 {
        n = n * 10 + (b[*i] - b'0') as i64;
        *i += 1;
    }
    (*i > start).then_some(n as i32)
}

impl Format {
    pub fn parse(fmt: &str) -> Result<Format, String> {
        let b = fmt.as_bytes();
        let mut items = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            i += 1;
            if c != b'%' {
                items.push(if is_space(c) { Item::Space } else { Item::Lit(c) });
                continue;
            }
            let (mut low, mut high) = (-1, -1);
            if let Some(n) = read_num(b, &mut i) {
                low = n;
                if b.get(i) == Some(&b',') {
                    i += 1;
                    high = read_num(b, &mut i).ok_or_else(|| format!("format `{fmt}`: `%{low},` needs a second number"))?;
                    if high < low || high == 0 {
                        return Err(format!("format `{fmt}`: range {low},{high} is empty"));
                    }
                }
            }
            let Some(&spec) = b.get(i) else {
                return Err(format!("format `{fmt}` ends in the middle of a % directive"));
            };
            i += 1;
            let counted = matches!(spec, b' ' | b'.' | b'*' | b'#' | b'^' | b'@' | b'%' | b'f');
            let known = counted || b"YCymbdHIpMSsJ".contains(&spec);
            if !known {
                return Err(format!(
                    "format `{fmt}`: %{} is not a directive exax knows (it knows {SPECS})",
                    spec as char
                ));
            }
            if low != -1 && !counted {
                return Err(format!("format `{fmt}`: %{} takes no count", spec as char));
            }
            if spec == b'f' && (high != -1 || low == 0) {
                return Err(format!("format `{fmt}`: %f takes a count of digits (at least 1), not a range"));
            }
            if spec == b'#' && low != -1 && high == -1 && !(1..=9).contains(&low) {
                return Err(format!("format `{fmt}`: %N# takes 1 to 9 digits"));
            }
            items.push(Item::Field { spec, low, high });
        }
        let fast = match fmt {
            "%Y-%m-%d" => Some(Fast::Ymd),
            "%Y-%m-%d %H:%M:%S" => Some(Fast::YmdHms),
            _ => None,
        };
        Ok(Format { items, fast })
    }

    /// Parses the start of `v`; the stored value of `kind` and how many bytes were used.
    #[inline]
    pub fn parse_value(&self, v: &[u8], kind: Kind) -> Option<(i64, usize)> {
        if let Some(fast) = self.fast {
            if let Some(r) = fast_path(fast, v, kind) {
                return Some(r);
            }
        }
        let mut st = State::default();
        let mut pos = 0;
        for item in &self.items {
            match *item {
                Item::Lit(c) => {
                    if v.get(pos) != Some(&c) {
                        return None;
                    }
                    pos += 1;
                }
                Item::Space => {
                    while pos < v.len() && is_space(v[pos]) {
                        pos += 1;
                    }
                }
                Item::Field { spec, low, high } => st.field(v, &mut pos, spec, low, high)?,
            }
        }
        let year = st.century.unwrap_or(if st.year < 69 { 20 } else { 19 }) as i64 * 100 + st.year as i64;
        let mut hour = st.hour;
        if let Some(pm) = st.pm {
            if hour == 12 {
                hour = 0;
            }
            if pm {
                hour += 12;
            }
        }
        let p = Parts {
            year,
            month: st.month as i64,
            day: st.day as i64,
            hour: hour as i64,
            minute: st.minute as i64,
            second: st.second as i64,
            microsecond: st.fraction as i64,
        };
        datetime::encode(kind, &p).ok().map(|x| (x, pos))
    }
}

#[inline]
fn d2(v: &[u8], i: usize) -> Option<i64> {
    let (a, b) = (v[i].wrapping_sub(b'0'), v[i + 1].wrapping_sub(b'0'));
    (a < 10 && b < 10).then_some(a as i64 * 10 + b as i64)
}

#[inline]
fn fast_path(fast: Fast, v: &[u8], kind: Kind) -> Option<(i64, usize)> {
    let n = if fast == Fast::Ymd { 10 } else { 19 };
    if v.len() < n || v[4] != b'-' || v[7] != b'-' {
        return None;
    }
    let mut p = Parts {
        year: d2(v, 0)? * 100 + d2(v, 2)?,
        month: d2(v, 5)?,
        day: d2(v, 8)?,
        ..Parts::default()
    };
    if fast == Fast::Ymd && kind == Kind::Date {
        // `encode` without building its error message: an invalid date is None either way.
        let (y, m, d) = (p.year, p.month, p.day);
        let valid = (1..=9999).contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= datetime::days_in_month(y, m);
        return valid.then(|| (datetime::days_from_civil(y, m, d), n));
    }
    if fast == Fast::YmdHms {
        if v[10] != b' ' || v[13] != b':' || v[16] != b':' {
            return None;
        }
        p.hour = d2(v, 11)?;
        p.minute = d2(v, 14)?;
        p.second = d2(v, 17)?;
    }
    datetime::encode(kind, &p).ok().map(|x| (x, n))
}

struct State {
    century: Option<i32>,
    year: i32,
    month: i32,
    day: i32,
    hour: i32,
    minute: i32,
    second: i32,
    fraction: i32,
    /// Some(true) after `%p` read PM.
    pm: Option<bool>,
}

impl Default for State {
    fn default() -> State {
        State {
            century: None,
            year: 70,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
            fraction: 0,
            pm: None,
        }
    }
}

/// A number of at most `maxdigits` digits (leading spaces count as zeros) in `low..=high`.
fn number(v: &[u8], pos: &mut usize, low: i64, high: i64, mut maxdigits: usize) -> Option<i64> {
    let mut p = *pos;
    while maxdigits > 1 && p < v.len() && is_space(v[p]) {
        p += 1;
        maxdigits -= 1;
    }
    let start = p;
    let mut num: i64 = 0;
    while p < v.len() && p - start < maxdigits && v[p].is_ascii_digit() {
        num = num * 10 + (v[p] - b'0') as i64;
        p += 1;
    }
    if p == start || num < low || num > high {
        return None;
    }
    *pos = p;
    Some(num)
}

fn skip(v: &[u8], pos: &mut usize, low: i32, high: i32, ok: impl Fn(u8) -> bool) -> Option<()> {
    let low = if low == -1 { 1 } else { low } as usize;
    let high = if high == -1 { low } else { high as usize };
    let mut n = 0;
    while n < high && *pos + n < v.len() && ok(v[*pos + n]) {
        n += 1;
    }
    if n < low {
        return None;
    }
    *pos += n;
    Some(())
}

const MONTHS: [&[u8]; 12] = [
    b"JANUARY",
    b"FEBRUARY",
    b"MARCH",
    b"APRIL",
    b"MAY",
    b"JUNE",
    b"JULY",
    b"AUGUST",
    b"SEPTEMBER",
    b"OCTOBER",
    b"NOVEMBER",
    b"DECEMBER",
];

impl State {
    fn field(&mut self, v: &[u8], pos: &mut usize, spec: u8, low: i32, high: i32) -> Option<()> {
        let num = |pos: &mut usize, lo: i64, hi: i64, digits: usize| number(v, pos, lo, hi, digits).map(|n| n as i32);
        match spec {
            b'Y' => {
                let n = num(pos, 1, 9999, 4)?;
                self.century = Some(n / 100);
                self.year = n % 100;
            }
            b'C' => self.century = Some(num(pos, 0, 99, 2)?),
            b'y' => self.year = num(pos, 0, 99, 2)?,
            b'm' => self.month = num(pos, 1, 12, 2)?,
            b'd' => self.day = num(pos, 1, 31, 2)?,
            b'H' => {
                self.hour = num(pos, 0, 23, 2)?;
                self.pm = None;
            }
            b'I' => self.hour = num(pos, 1, 12, 2)?,
            b'M' => self.minute = num(pos, 0, 59, 2)?,
            b'S' => self.second = num(pos, 0, 59, 2)?,
            b'p' => {
                let (a, m) = (*v.get(*pos)?, *v.get(*pos + 1)?);
                if m | 0x20 != b'm' {
                    return None;
                }
                self.pm = Some(match a | 0x20 {
                    b'a' => false,
                    b'p' => true,
                    _ => return None,
                });
                if self.hour > 12 {
                    self.hour -= 12;
                }
                *pos += 2;
            }
            b'b' => {
                let s = &v[*pos..];
                let found = MONTHS.iter().enumerate().find_map(|(m, name)| {
                    let mut ix = 0;
                    loop {
                        let c = s.get(ix).copied().unwrap_or(0);
                        let n = name.get(ix).copied().unwrap_or(0);
                        if c == 0 || (c != n && c != (n | 32)) {
                            return if n == 0 {
                                Some((m, ix))
                            } else if ix > 2 {
                                Some((m, 3))
                            } else {
                                None
                            };
                        }
                        ix += 1;
                    }
                })?;
                self.month = found.0 as i32 + 1;
                *pos += found.1;
            }
            b'f' => {
                // Always six digits' worth: "123" and "123000" are the same; spaces may end it.
                let digits = if low == -1 { 6 } else { low as usize };
                if !v.get(*pos)?.is_ascii_digit() {
                    return None;
                }
                let mut buf = *b"000000";
                let (mut n, mut space) = (0, false);
                while n < digits && *pos < v.len() {
                    let c = v[*pos];
                    if space {
                        if !is_space(c) {
                            break;
                        }
                    } else if is_space(c) {
                        space = true;
                    } else if !c.is_ascii_digit() {
                        break;
                    } else if n < 6 {
                        buf[n] = c;
                    }
                    n += 1;
                    *pos += 1;
                }
                self.fraction = buf.iter().fold(0, |a, &c| a * 10 + (c - b'0') as i32);
            }
            b's' | b'J' => {
                let s = &v[*pos..];
                if s.first().is_none_or(|&c| is_space(c)) {
                    return None;
                }
                let neg = s[0] == b'-';
                let sign = usize::from(neg || s[0] == b'+');
                let digits = s[sign..].iter().take_while(|c| c.is_ascii_digit()).count();
                if digits == 0 || digits > 18 {
                    return None;
                }
                let mut n: i64 = s[sign..sign + digits].iter().fold(0, |a, &c| a * 10 + (c - b'0') as i64);
                if neg {
                    n = -n;
                }
                let (secs, frac) = if spec == b's' {
                    (n, self.fraction as i64)
                } else {
                    (n.div_euclid(1000), n.rem_euclid(1000) * 1000)
                };
                let (y, mo, d) = datetime::civil_from_days(secs.div_euclid(86400));
                let t = secs.rem_euclid(86400);
                if !(1..=9999).contains(&y) {
                    return None;
                }
                self.century = Some((y / 100) as i32);
                self.year = (y % 100) as i32;
                self.month = mo as i32;
                self.day = d as i32;
                self.hour = (t / 3600) as i32;
                self.minute = (t / 60 % 60) as i32;
                self.second = (t % 60) as i32;
                self.fraction = frac as i32;
                self.pm = None;
                *pos += sign + digits;
            }
            b'%' => skip(v, pos, low, high, |c| c == b'%')?,
            b' ' => skip(v, pos, low, high, is_space)?,
            b'.' => skip(v, pos, low, high, |c| !is_space(c))?,
            b'*' => skip(v, pos, low, high, |_| true)?,
            b'^' => skip(v, pos, low, high, |c| !c.is_ascii_digit())?,
            b'@' => skip(v, pos, low, high, |c| !is_space(c) && !c.is_ascii_digit())?,
            b'#' => {
                if low == -1 {
                    skip(v, pos, 1, 1, |c| c.is_ascii_digit())?;
                } else if high == -1 {
                    number(v, pos, 0, 10i64.pow(low as u32) - 1, low as usize)?;
                } else {
                    number(v, pos, low as i64, high as i64, high.to_string().len())?;
                }
            }
            _ => return None,
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(fmt: &str, v: &str) -> Option<String> {
        let f = Format::parse(fmt).unwrap();
        let (x, n) = f.parse_value(v.as_bytes(), Kind::Datetime)?;
        (n == v.len()).then(|| datetime::iso(Kind::Datetime, x))
    }

    #[test]
    fn original_cases() {
        // From the original's test_datetimes.
        for v in ["20190521", "2019 521"] {
            assert_eq!(dt("%Y%m%d", v).as_deref(), Some("2019-05-21T00:00:00"), "{v}");
        }
        for v in ["00010101", "   1 1 1", "  01 11", "1 101"] {
            assert_eq!(dt("%Y%m%d", v).as_deref(), Some("0001-01-01T00:00:00"), "{v}");
        }
        for v in ["19700100", "1970 01 01", "1970-01-01", "1980", "nah", "1 1010"] {
            assert_eq!(dt("%Y%m%d", v), None, "{v}");
        }
        assert_eq!(dt(" %Y %m %d ", "1\t\r2\n\u{b}\u{c}3 \r ").as_deref(), Some("0001-02-03T00:00:00"));
        assert_eq!(dt("%Yblah%m%d", "  72blah11 9").as_deref(), Some("0072-11-09T00:00:00"));
        for v in ["2013 4 9 1 2 3", "2013 40901 203", "201304 901 2 3", "20130409010203"] {
            assert_eq!(dt("%Y%m%d%H%M%S", v).as_deref(), Some("2013-04-09T01:02:03"), "{v}");
        }
        for v in ["2013 4 09 1 2 3", " 2013 4 9 1 2 3", "201304009010203", "20130409016003"] {
            assert_eq!(dt("%Y%m%d%H%M%S", v), None, "{v}");
        }
        assert_eq!(dt("%H%M%y%m%d", "0000780101").as_deref(), Some("1978-01-01T00:00:00"));
        assert_eq!(dt("%H%M%y%m%d", " 5 6 0 3 4").as_deref(), Some("2000-03-04T05:06:00"));
        assert_eq!(
            dt("%Y%m%d %H%M%S.%f", "20190521 185206.123").as_deref(),
            Some("2019-05-21T18:52:06.123000")
        );
        assert_eq!(
            dt("%Y%m%d %H%M%S.%f", "19700203040506.000007").as_deref(),
            Some("1970-02-03T04:05:06.000007")
        );
        assert_eq!(dt("%Y%m%d %H%M%S.%f", "19700203  040506.-00007"), None);
        assert_eq!(dt("%H%M%%f%S", "1 2%f 3").as_deref(), Some("1970-01-01T01:02:03"));
        assert_eq!(dt("%H%M%%f%S", "1 02%f 3"), None);
        assert_eq!(dt("%H%M %f.%S", "1852456   .09").as_deref(), Some("1970-01-01T18:52:09.456000"));
        assert_eq!(dt("%d %b %Y", "3 jan 2020").as_deref(), Some("2020-01-03T00:00:00"));
        assert_eq!(dt("%d %b %Y", "3 FebRuary 2020").as_deref(), Some("2020-02-03T00:00:00"));
        assert_eq!(dt("%I:%M %p", "12:30 am").as_deref(), Some("1970-01-01T00:30:00"));
        assert_eq!(dt("%I:%M %p", "1:30 PM").as_deref(), Some("1970-01-01T13:30:00"));
        assert_eq!(dt("%s", "86401").as_deref(), Some("1970-01-02T00:00:01"));
        assert_eq!(dt("%J", "-1").as_deref(), Some("1969-12-31T23:59:59.999000"));
        assert_eq!(dt("%Y-%m-%d", "2019-02-29"), None);
        assert_eq!(dt("%Y-%m-%d", "2020-02-29").as_deref(), Some("2020-02-29T00:00:00"));
        assert_eq!(
            dt("%Y-%m-%d %H:%M:%S", "2020-02-29 23:59:59").as_deref(),
            Some("2020-02-29T23:59:59")
        );
        assert_eq!(
            dt("%Y-%m-%d %H:%M:%S", "2020-02-29  3:59:59").as_deref(),
            Some("2020-02-29T03:59:59")
        );
        assert!(Format::parse("%Q").unwrap_err().contains("%Q is not a directive"));
    }
}
