//! Dates, datetimes and times as datasets store them: a date is the number of days since
//! 1970-01-01 (i32), a datetime the microseconds since 1970-01-01T00:00:00 (i64, no time zone), a
//! time the microseconds since midnight (i64). Proleptic Gregorian calendar, years 1 to 9999 as in
//! Python's `datetime`. ISO 8601 text both ways.

pub const MICROS_PER_DAY: i64 = 86_400_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Date,
    Datetime,
    Time,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Date => "date",
            Kind::Datetime => "datetime",
            Kind::Time => "time",
        }
    }
}

/// The broken-down fields of any of the three kinds (unused ones are 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Parts {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
    pub microsecond: i64,
}

/// Howard Hinnant's days_from_civil.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// Howard Hinnant's civil_from_days.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

pub fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn check(what: &str, v: i64, lo: i64, hi: i64) -> Result<(), String> {
    if v < lo || v > hi {
        Err(format!("{what} {v} is out of range ({lo} to {hi})"))
    } else {
        Ok(())
    }
}

fn check_date(y: i64, m: i64, d: i64) -> Result<(), String> {
    check("year", y, 1, 9999)?;
    check("month", m, 1, 12)?;
    let last = days_in_month(y, m);
    if d < 1 || d > last {
        return Err(format!("day {d} is out of range for {y:04}-{m:02} (1 to {last})"));
    }
    Ok(())
}

fn check_time(p: &Parts) -> Result<(), String> {
    check("hour", p.hour, 0, 23)?;
    check("minute", p.minute, 0, 59)?;
    check("second", p.second, 0, 59)?;
    check("microsecond", p.microsecond, 0, 999_999)
}

fn time_micros(p: &Parts) -> i64 {
    ((p.hour * 60 + p.minute) * 60 + p.second) * 1_000_000 + p.microsecond
}

/// The stored value of `kind` with these fields, or why they are out of range.
pub fn encode(kind: Kind, p: &Parts) -> Result<i64, String> {
    match kind {
        Kind::Date => {
            check_date(p.year, p.month, p.day)?;
            Ok(days_from_civil(p.year, p.month, p.day))
        }
        Kind::Datetime => {
            check_date(p.year, p.month, p.day)?;
            check_time(p)?;
            Ok(days_from_civil(p.year, p.month, p.day) * MICROS_PER_DAY + time_micros(p))
        }
        Kind::Time => {
            check_time(p)?;
            Ok(time_micros(p))
        }
    }
}

/// Days of 0001-01-01 and 9999-12-31.
const MIN_DAYS: i64 = -719_162;
pub const MAX_DAYS: i64 = 2_932_896;

/// The fields of a stored value (a value out of range, which only a damaged file can hold, is
/// clamped into range rather than trusted).
pub fn decode(kind: Kind, v: i64) -> Parts {
    let v = match kind {
        Kind::Date => v.clamp(MIN_DAYS, MAX_DAYS),
        Kind::Datetime => v.clamp(MIN_DAYS * MICROS_PER_DAY, (MAX_DAYS + 1) * MICROS_PER_DAY - 1),
        Kind::Time => v.clamp(0, MICROS_PER_DAY - 1),
    };
    let (days, micros) = match kind {
        Kind::Date => (v, 0),
        Kind::Datetime => (v.div_euclid(MICROS_PER_DAY), v.rem_euclid(MICROS_PER_DAY)),
        Kind::Time => (0, v),
    };
    let (year, month, day) = if kind == Kind::Time { (0, 0, 0) } else { civil_from_days(days) };
    Parts {
        year,
        month,
        day,
        hour: micros / 3_600_000_000,
        minute: micros / 60_000_000 % 60,
        second: micros / 1_000_000 % 60,
        microsecond: micros % 1_000_000,
    }
}

/// ISO 8601: `2024-01-31`, `2024-01-31T12:30:00`, `12:30:00.250000` (microseconds only when not 0).
pub fn iso(kind: Kind, v: i64) -> String {
    let p = decode(kind, v);
    let time = || {
        let mut s = format!("{:02}:{:02}:{:02}", p.hour, p.minute, p.second);
        if p.microsecond != 0 {
            s.push_str(&format!(".{:06}", p.microsecond));
        }
        s
    };
    match kind {
        Kind::Date => format!("{:04}-{:02}-{:02}", p.year, p.month, p.day),
        Kind::Datetime => format!("{:04}-{:02}-{:02}T{}", p.year, p.month, p.day, time()),
        Kind::Time => time(),
    }
}

/// Parses what `iso` prints (a space instead of `T` and 1 to 6 fraction digits are accepted too).
pub fn parse_iso(kind: Kind, s: &str) -> Result<i64, String> {
    let bad = || format!("`{s}` is not an ISO {} (like {})", kind.name(), iso(kind, 0));
    let num = |t: &str, n: usize| -> Result<i64, String> {
        if t.len() != n || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        t.parse().map_err(|_| bad())
    };
    let mut p = Parts::default();
    let time_part = |t: &str, p: &mut Parts| -> Result<(), String> {
        let (hms, frac) = t.split_once('.').unwrap_or((t, ""));
        let f: Vec<&str> = hms.split(':').collect();
        if f.len() != 3 {
            return Err(bad());
        }
        p.hour = num(f[0], 2)?;
        p.minute = num(f[1], 2)?;
        p.second = num(f[2], 2)?;
        if !frac.is_empty() {
            if frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            p.microsecond = format!("{frac:0<6}").parse().map_err(|_| bad())?;
        }
        Ok(())
    };
    let date_part = |t: &str, p: &mut Parts| -> Result<(), String> {
        let f: Vec<&str> = t.split('-').collect();
        if f.len() != 3 {
            return Err(bad());
        }
        p.year = num(f[0], 4)?;
        p.month = num(f[1], 2)?;
        p.day = num(f[2], 2)?;
        Ok(())
    };
    match kind {
        Kind::Date => date_part(s, &mut p)?,
        Kind::Time => time_part(s, &mut p)?,
        Kind::Datetime => {
            let (d, t) = s.split_once(['T', ' ']).ok_or_else(bad)?;
            date_part(d, &mut p)?;
            time_part(t, &mut p)?;
        }
    }
    encode(kind, &p).map_err(|e| format!("`{s}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, us: i64) -> Parts {
        Parts {
            year: y,
            month: mo,
            day: d,
            hour: h,
            minute: mi,
            second: s,
            microsecond: us,
        }
    }

    #[test]
    fn civil_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11017);
        for days in [-719162, -1, 0, 1, 11016, 11017, 19753, 2932896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(-719162), (1, 1, 1));
        assert_eq!(civil_from_days(2932896), (9999, 12, 31));
    }

    #[test]
    fn encode_checks_ranges() {
        assert_eq!(encode(Kind::Date, &parts(2024, 2, 29, 0, 0, 0, 0)), Ok(19782));
        assert_eq!(
            encode(Kind::Date, &parts(2023, 2, 29, 0, 0, 0, 0)),
            Err("day 29 is out of range for 2023-02 (1 to 28)".into())
        );
        assert_eq!(
            encode(Kind::Date, &parts(0, 1, 1, 0, 0, 0, 0)),
            Err("year 0 is out of range (1 to 9999)".into())
        );
        assert_eq!(
            encode(Kind::Time, &parts(0, 0, 0, 24, 0, 0, 0)),
            Err("hour 24 is out of range (0 to 23)".into())
        );
        assert!(encode(Kind::Datetime, &parts(2024, 1, 1, 0, 0, 0, 1_000_000)).is_err());
    }

    #[test]
    fn iso_both_ways() {
        let dt = encode(Kind::Datetime, &parts(1969, 12, 31, 23, 59, 58, 250)).unwrap();
        assert!(dt < 0);
        assert_eq!(iso(Kind::Datetime, dt), "1969-12-31T23:59:58.000250");
        assert_eq!(decode(Kind::Datetime, dt), parts(1969, 12, 31, 23, 59, 58, 250));
        assert_eq!(parse_iso(Kind::Datetime, "1969-12-31T23:59:58.000250"), Ok(dt));
        assert_eq!(parse_iso(Kind::Datetime, "1969-12-31 23:59:58.00025"), Ok(dt));
        assert_eq!(iso(Kind::Date, 0), "1970-01-01");
        assert_eq!(iso(Kind::Time, 45_296_000_000), "12:34:56");
        assert_eq!(parse_iso(Kind::Time, "12:34:56"), Ok(45_296_000_000));
        assert!(parse_iso(Kind::Date, "2024-1-31").is_err());
        assert_eq!(
            parse_iso(Kind::Date, "2024-02-30"),
            Err("`2024-02-30`: day 30 is out of range for 2024-02 (1 to 29)".into())
        );
        assert_eq!(decode(Kind::Date, i64::MAX).year, 9999, "damaged values are clamped, not trusted");
    }
}
