//! dataset_type's type names (`int64_10`, `float32i`, `unicode:utf-8/replace`, `date:%Y-%m-%d`,
//! `number+None:int`, ...) and the parsers behind them: `TypeSpec::parse` reads a name once,
//! `TypeSpec::convert` turns one text value into the `Cell` to store, or says it is bad (`None`).
//! The rules follow the original's C converters (strtol/strtod semantics: leading whitespace,
//! `whole` types allow only trailing whitespace, the `i` types ignore what follows the number).

mod strings;
pub mod strptime;

use crate::dataset::cell::Cell;
use crate::dataset::datetime::Kind;
use crate::dataset::types::ColType;
use crate::error::did_you_mean;

pub use strings::{AsciiMode, Codec, Errors};

/// How a text value becomes a typed one.
#[derive(Debug, Clone)]
pub enum Conv {
    /// strtol in `base` (0: decimal, `0x` hex or `0` octal as written); int32 checks the range.
    Int {
        base: u32,
        int32: bool,
        whole: bool,
    },
    Float {
        f32: bool,
        whole: bool,
    },
    /// An integer when it is one (`42.000` too), else a float; `int_only` refuses floats.
    Number {
        int_only: bool,
    },
    StrBool,
    FloatBool {
        whole: bool,
    },
    Bytes {
        strip: bool,
    },
    Ascii {
        strip: bool,
        mode: AsciiMode,
    },
    Unicode {
        strip: bool,
        codec: Codec,
        errors: Errors,
    },
    Json,
    Stamp {
        kind: Kind,
        fmt: strptime::Format,
        whole: bool,
    },
}

/// A parsed type name.
#[derive(Debug, Clone)]
pub struct TypeSpec {
    /// As the user wrote it (for messages).
    pub name: String,
    pub conv: Conv,
    /// The column type it produces.
    pub ty: ColType,
    /// `+None`: an empty value is None (and the column has none_support).
    pub empty_is_none: bool,
}

const SIMPLE: &[&str] = &[
    "int32_0",
    "int32_8",
    "int32_10",
    "int32_16",
    "int64_0",
    "int64_8",
    "int64_10",
    "int64_16",
    "int32_0i",
    "int32_8i",
    "int32_10i",
    "int32_16i",
    "int64_0i",
    "int64_8i",
    "int64_10i",
    "int64_16i",
    "float32",
    "float64",
    "float32i",
    "float64i",
    "number",
    "number:int",
    "strbool",
    "floatbool",
    "floatbooli",
    "bytes",
    "bytesstrip",
    "ascii",
    "asciistrip",
    "ascii:replace",
    "ascii:encode",
    "ascii:strict",
    "asciistrip:replace",
    "asciistrip:encode",
    "asciistrip:strict",
    "unicode:utf-8",
    "unicodestrip:utf-8",
    "json",
    "date:FORMAT",
    "datetime:FORMAT",
    "time:FORMAT",
    "datei:FORMAT",
    "datetimei:FORMAT",
    "timei:FORMAT",
];

impl TypeSpec {
    /// Reads a type name; an unknown one is an error listing the names (and a close one).
    pub fn parse(name: &str) -> Result<TypeSpec, String> {
        let (head, fmt) = match name.split_once(':') {
            Some((h, f)) => (h, Some(f)),
            None => (name, None),
        };
        let (head, empty_is_none) = match head.strip_suffix("+None") {
            Some(h) => (h, true),
            None => (head, false),
        };
        let unknown = || {
            format!(
                "unknown type `{name}`{}; the types are {} (each also as NAME+None, e.g. `int64_10+None`, `date+None:%Y`)",
                did_you_mean(name, SIMPLE.iter().copied()),
                SIMPLE.join(" ")
            )
        };
        let no_fmt = |conv: Conv, ty: ColType| -> Result<(Conv, ColType), String> {
            if fmt.is_some() {
                Err(unknown())
            } else {
                Ok((conv, ty))
            }
        };
        let (conv, ty) = if let Some(rest) = head.strip_prefix("int32_").or_else(|| head.strip_prefix("int64_")) {
            let int32 = head.starts_with("int32");
            let (digits, whole) = match rest.strip_suffix('i') {
                Some(d) => (d, false),
                None => (rest, true),
            };
            let base = match digits {
                "0" => 0,
                "8" => 8,
                "10" => 10,
                "16" => 16,
                _ => return Err(unknown()),
            };
            no_fmt(
                Conv::Int { base, int32, whole },
                if int32 { ColType::Int32 } else { ColType::Int64 },
            )?
        } else {
            match head {
                "float32" | "float64" | "float32i" | "float64i" => {
                    let f32 = head.starts_with("float32");
                    no_fmt(
                        Conv::Float {
                            f32,
                            whole: !head.ends_with('i'),
                        },
                        if f32 { ColType::Float32 } else { ColType::Float64 },
                    )?
                }
                "number" => match fmt {
                    None => (Conv::Number { int_only: false }, ColType::Number),
                    Some("int") => (Conv::Number { int_only: true }, ColType::Number),
                    Some(_) => return Err(unknown()),
                },
                "strbool" => no_fmt(Conv::StrBool, ColType::Bool)?,
                "floatbool" => no_fmt(Conv::FloatBool { whole: true }, ColType::Bool)?,
                "floatbooli" => no_fmt(Conv::FloatBool { whole: false }, ColType::Bool)?,
                "bytes" => no_fmt(Conv::Bytes { strip: false }, ColType::Bytes)?,
                "bytesstrip" => no_fmt(Conv::Bytes { strip: true }, ColType::Bytes)?,
                "ascii" | "asciistrip" => {
                    let mode = match fmt {
                        None | Some("replace") => AsciiMode::Replace,
                        Some("encode") => AsciiMode::Encode,
                        Some("strict") => AsciiMode::Strict,
                        Some(_) => return Err(unknown()),
                    };
                    (
                        Conv::Ascii {
                            strip: head == "asciistrip",
                            mode,
                        },
                        ColType::Ascii,
                    )
                }
                "unicode" | "unicodestrip" => {
                    let Some(fmt) = fmt else { return Err(unknown()) };
                    let (codec, errors) = strings::parse_encoding(fmt).map_err(|e| format!("type `{name}`: {e}"))?;
                    (
                        Conv::Unicode {
                            strip: head == "unicodestrip",
                            codec,
                            errors,
                        },
                        ColType::Unicode,
                    )
                }
                "json" => no_fmt(Conv::Json, ColType::Json)?,
                "date" | "datetime" | "time" | "datei" | "datetimei" | "timei" => {
                    let Some(fmt) = fmt else {
                        return Err(format!("type `{name}` needs a format after a colon, like `{head}:%Y-%m-%d`"));
                    };
                    let whole = !head.ends_with('i');
                    let (kind, ty) = match head.trim_end_matches('i') {
                        "date" => (Kind::Date, ColType::Date),
                        "datetime" => (Kind::Datetime, ColType::Datetime),
                        _ => (Kind::Time, ColType::Time),
                    };
                    let fmt = strptime::Format::parse(fmt).map_err(|e| format!("type `{name}`: {e}"))?;
                    (Conv::Stamp { kind, fmt, whole }, ty)
                }
                "complex32" | "complex64" => {
                    return Err(format!("type `{name}`: exax has no complex column type"));
                }
                _ => return Err(unknown()),
            }
        };
        Ok(TypeSpec {
            name: name.to_string(),
            conv,
            ty,
            empty_is_none,
        })
    }

    /// Converts one value; `None` means it is not a valid value of this type. `scratch` holds
    /// text that had to be rewritten (decoded, escaped, re-serialized JSON); `comma` is
    /// numeric_comma (`,` is the decimal separator, `.` is not).
    #[inline]
    pub fn convert<'a>(&self, v: &'a [u8], scratch: &'a mut Vec<u8>, comma: bool) -> Option<Cell<'a>> {
        if self.empty_is_none && v.is_empty() {
            return Some(Cell::None);
        }
        Some(match &self.conv {
            Conv::Int { base, int32, whole } => {
                let x = parse_int(v, *base, *whole)?;
                if *int32 && i32::try_from(x).is_err() {
                    return None;
                }
                Cell::Int(x)
            }
            Conv::Float { f32: true, whole } => Cell::Float(parse_float::<f32>(v, *whole, comma)? as f64),
            Conv::Float { f32: false, whole } => match f64_fast(v).filter(|_| !comma) {
                Some(x) => Cell::Float(x),
                None => Cell::Float(parse_float::<f64>(v, *whole, comma)?),
            },
            Conv::Number { int_only } => parse_number(v, *int_only, comma)?,
            Conv::StrBool => Cell::Bool(strbool(v)),
            Conv::FloatBool { whole } => Cell::Bool(parse_float::<f64>(v, *whole, comma)? != 0.0),
            Conv::Bytes { strip } => Cell::Bytes(if *strip { strings::strip(v) } else { v }),
            Conv::Ascii { strip, mode } => {
                let v = if *strip { strings::strip(v) } else { v };
                Cell::Bytes(strings::ascii(v, *mode, scratch)?)
            }
            Conv::Unicode { strip, codec, errors } => {
                let v = if *strip { strings::strip(v) } else { v };
                Cell::Bytes(strings::unicode(v, *codec, *errors, scratch)?)
            }
            Conv::Json => {
                let j: serde_json::Value = serde_json::from_slice(v).ok()?;
                scratch.clear();
                serde_json::to_writer(&mut *scratch, &j).ok()?;
                Cell::Json(scratch)
            }
            Conv::Stamp { kind, fmt, whole } => {
                let (x, rest) = fmt.parse_value(v, *kind)?;
                if *whole && rest != v.len() {
                    return None;
                }
                match kind {
                    Kind::Date => Cell::Date(x as i32),
                    Kind::Datetime => Cell::DateTime(x),
                    Kind::Time => Cell::Time(x),
                }
            }
        })
    }
}

/// C's isspace in the C locale.
#[inline]
pub fn is_space(c: u8) -> bool {
    c == b' ' || (9..=13).contains(&c)
}

#[inline]
fn skip_space(v: &[u8]) -> &[u8] {
    let n = v.iter().take_while(|&&c| is_space(c)).count();
    &v[n..]
}

#[inline]
fn digit(c: u8) -> u32 {
    match c {
        b'0'..=b'9' => (c - b'0') as u32,
        b'a'..=b'z' => (c - b'a') as u32 + 10,
        b'A'..=b'Z' => (c - b'A') as u32 + 10,
        _ => 99,
    }
}

/// strtol: whitespace, a sign, an optional `0x` (base 16 and 0), digits; out of i64 range is
/// bad. `whole`: only whitespace may follow. Not whole: no digits at all gives 0, as strtol.
#[inline]
pub fn parse_int(v: &[u8], base: u32, whole: bool) -> Option<i64> {
    if base == 10 {
        if let Some(x) = decimal_fast(v) {
            return Some(x);
        }
    }
    let s = skip_space(v);
    let (neg, s) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let hex_prefix = s.len() > 2 && s[0] == b'0' && (s[1] | 0x20) == b'x' && digit(s[2]) < 16;
    let (base, s) = match base {
        16 | 0 if hex_prefix => (16, &s[2..]),
        0 if s.first() == Some(&b'0') => (8, s),
        0 => (10, s),
        b => (b, s),
    };
    let mut acc: u64 = 0;
    let mut n = 0;
    let mut overflow = false;
    while n < s.len() {
        let d = digit(s[n]);
        if d >= base {
            break;
        }
        match acc.checked_mul(base as u64).and_then(|a| a.checked_add(d as u64)) {
            Some(a) => acc = a,
            None => overflow = true,
        }
        n += 1;
    }
    if n == 0 {
        return if whole { None } else { Some(0) };
    }
    if whole && !s[n..].iter().all(|&c| is_space(c)) {
        return None;
    }
    if overflow {
        return None;
    }
    if neg {
        if acc > 1u64 << 63 {
            None
        } else {
            Some((acc as i64).wrapping_neg())
        }
    } else {
        i64::try_from(acc).ok()
    }
}

/// The common case of base 10: an optional `-` and 1 to 18 digits, nothing else (no overflow
/// possible). Anything else takes the general path.
#[inline]
fn decimal_fast(v: &[u8]) -> Option<i64> {
    let (neg, d) = match v.first() {
        Some(b'-') => (true, &v[1..]),
        _ => (false, v),
    };
    let acc = match d.len() {
        0 => return None,
        1..=16 => digits16(d)?,
        17..=18 => {
            let (hi, lo) = d.split_at(d.len() - 16);
            digits16(hi)? * 10_000_000_000_000_000 + digits16(lo)?
        }
        _ => return None,
    };
    let acc = acc as i64;
    Some(if neg { -acc } else { acc })
}

/// At most 16 ASCII digits as a number (none: 0), or None if a byte is not a digit: one or two
/// `eight_digits`, the shorter run padded with leading zeros.
#[inline(always)]
fn digits16(d: &[u8]) -> Option<u64> {
    // At most 8 bytes shifted in from the top over ASCII zeros (no call to memcpy).
    let padded = |d: &[u8]| {
        let mut w = 0x3030_3030_3030_3030u64;
        for &c in d {
            w = (w >> 8) | ((c as u64) << 56);
        }
        w
    };
    match d.len() {
        0 => Some(0),
        1..=8 => eight_digits(padded(d)),
        9..=16 => {
            let (hi, lo) = d.split_at(d.len() - 8);
            Some(eight_digits(padded(hi))? * 100_000_000 + eight_digits(padded(lo))?)
        }
        _ => None,
    }
}

/// Eight ASCII digits (first digit in the lowest byte) as a number, or None if any byte is not
/// a digit: a byte below `0` sets its top bit in `x - 0x30..`, one above `9` in `x + 0x46..`.
#[inline]
fn eight_digits(x: u64) -> Option<u64> {
    let d = x.wrapping_sub(0x3030_3030_3030_3030);
    if (d | x.wrapping_add(0x4646_4646_4646_4646)) & 0x8080_8080_8080_8080 != 0 {
        return None;
    }
    let d = (d.wrapping_mul(10) + (d >> 8)) & 0x00ff_00ff_00ff_00ff;
    let d = (d.wrapping_mul(100) + (d >> 16)) & 0x0000_ffff_0000_ffff;
    Some((d.wrapping_mul(10000) + (d >> 32)) & 0xffff_ffff)
}

const POW10: [f64; 16] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/// `[-]digits[.digits]` with at most 15 digits in all: the digits as an integer and the power of
/// ten are both exact in an f64, so one division rounds correctly (Clinger's fast path).
#[inline]
fn f64_fast(v: &[u8]) -> Option<f64> {
    let (neg, s) = match v.first() {
        Some(b'-') => (true, &v[1..]),
        _ => (false, v),
    };
    let (int, frac) = match s.iter().position(|&c| c == b'.') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, &s[s.len()..]),
    };
    let nd = int.len() + frac.len();
    if nd == 0 || nd > 15 {
        return None;
    }
    let m = digits16(int)? * 10u64.pow(frac.len() as u32) + digits16(frac)?;
    let x = m as f64 / POW10[frac.len()];
    Some(if neg { -x } else { x })
}

/// With numeric_comma: `,` becomes the decimal point and `.` ends the number (as strtod in a
/// locale with a decimal comma). Values longer than the buffer are not numbers anyone writes.
fn comma_to_dot(v: &[u8], buf: &mut [u8; 128]) -> usize {
    let n = v.len().min(buf.len());
    for (o, &c) in buf.iter_mut().zip(&v[..n]) {
        *o = match c {
            b',' => b'.',
            b'.' => b'!',
            c => c,
        };
    }
    n
}

/// strtod: whitespace, then a decimal float, `inf`, `infinity` or `nan` (any case, signed).
/// Hex floats are not accepted. Not whole: no number at all gives 0, as strtod.
#[inline]
pub fn parse_float<T: fast_float2::FastFloat + Default>(v: &[u8], whole: bool, comma: bool) -> Option<T> {
    let s = skip_space(v);
    let mut buf = [0u8; 128];
    let s = if comma {
        let n = comma_to_dot(s, &mut buf);
        &buf[..n]
    } else {
        s
    };
    match fast_float2::parse_partial::<T, _>(s) {
        Ok((x, n)) => {
            if whole && !s[n..].iter().all(|&c| is_space(c)) {
                None
            } else {
                Some(x)
            }
        }
        Err(_) if !whole => Some(T::default()),
        Err(_) => None,
    }
}

/// The original's `number`: an integer when written as one (trailing zeros after a decimal point
/// do not make a float: `42.000` and `43.` are 42 and 43), a float otherwise (with a decimal
/// point, an exponent, or as inf/nan). `0x..`, `..p..` and a lone `.` are refused. Integers must
/// fit in 64 bits.
pub fn parse_number<'a>(v: &[u8], int_only: bool, comma: bool) -> Option<Cell<'a>> {
    let sep = if comma { b',' } else { b'.' };
    let s = skip_space(v);
    let (mut hasdot, mut hasexp, mut hasletter) = (false, false, false);
    for &c in s {
        if c == sep {
            if hasdot || hasexp {
                return None;
            }
            hasdot = true;
        }
        match c {
            b'e' | b'E' => {
                if hasexp {
                    return None;
                }
                hasexp = true;
            }
            b'x' | b'X' | b'p' | b'P' => return None,
            b'n' | b'N' => hasletter = true,
            _ => {}
        }
    }
    let mut len = s.len();
    while len > 0 && is_space(s[len - 1]) {
        len -= 1;
    }
    if len == 0 {
        return None;
    }
    if hasdot && !hasexp {
        while len > 0 && s[len - 1] == b'0' {
            len -= 1;
        }
        if len > 0 && s[len - 1] == sep {
            len -= 1;
            hasdot = false;
        }
    }
    if len == 0 {
        // Some form of ".000"; a lone separator is not a number.
        return if s.get(1) == Some(&b'0') { Some(Cell::Int(0)) } else { None };
    }
    let t = &s[..len];
    if hasdot || hasexp || hasletter {
        if int_only {
            return None;
        }
        return parse_float::<f64>(t, true, comma).map(Cell::Float);
    }
    // An integer: sign and decimal digits only (strtol), then it must fit.
    let digits = match t[0] {
        b'-' | b'+' => &t[1..],
        _ => t,
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    parse_int(t, 10, true).map(Cell::Int)
}

/// `false`, `0`, `f`, `no`, `off`, `nil`, `null` (any case) and the empty string are false;
/// everything else is true.
#[inline]
pub fn strbool(v: &[u8]) -> bool {
    const FALSE: [&[u8]; 7] = [b"false", b"0", b"f", b"no", b"off", b"nil", b"null"];
    !(v.is_empty() || FALSE.iter().any(|f| f.eq_ignore_ascii_case(v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(ty: &str, v: &str) -> Option<String> {
        let t = TypeSpec::parse(ty).unwrap();
        let mut scratch = Vec::new();
        t.convert(v.as_bytes(), &mut scratch, false).map(|c| c.describe())
    }

    #[test]
    fn ints() {
        for (ty, v, want) in [
            ("int32_10", "27", Some("27")),
            ("int32_10", "027", Some("27")),
            ("int32_10", " \r27 ", Some("27")),
            ("int64_8", "\t000033", Some("27")),
            ("int64_16", "0x1b", Some("27")),
            ("int64_16", "\r001b", Some("27")),
            ("int64_0", "\r033", Some("27")),
            ("int64_0", "0x1b", Some("27")),
            ("int64_0", "27", Some("27")),
            ("int32_10i", "27garbage", Some("27")),
            ("int64_16i", "bark", Some("186")),
            ("int64_16i", "", Some("0")),
            ("int32_10", "2147483648", None),
            ("int32_10", "-2147483648", Some("-2147483648")),
            ("int32_16", "80000000", None),
            ("int64_10", "9223372036854775808", None),
            ("int64_10", "-9223372036854775808", Some("-9223372036854775808")),
            ("int64_10", "36893488147419103231", None),
            ("int64_10", "1O", None),
            ("int64_10", "", None),
            ("int64_10", "-", None),
            ("int64_8", "8", None),
        ] {
            assert_eq!(conv(ty, v).as_deref(), want, "{ty} {v:?}");
        }
    }

    #[test]
    fn floats_and_numbers() {
        for (ty, v, want) in [
            ("float64", "1.50", Some("1.5")),
            ("float64", "-inf", Some("-inf")),
            ("float64", "+Inf", Some("inf")),
            ("float64", "5e-1", Some("0.5")),
            ("float64", " 5e-1 ", Some("0.5")),
            ("float64", ".", None),
            ("float64", "1.5x", None),
            ("float32", "1.2", Some("1.2000000476837")),
            ("float64i", ".4.2", Some("0.4")),
            ("float32i", "4two", Some("4.0")),
            ("float32i", "", Some("0.0")),
            ("number", "42", Some("42")),
            ("number", "42.0", Some("42")),
            ("number", "42.0000000", Some("42")),
            ("number", "43.", Some("43")),
            ("number", ".0", Some("0")),
            ("number", "1.8", Some("1.8")),
            ("number", "1e3", Some("1000.0")),
            ("number", "forty two", None),
            ("number", ".", None),
            ("number", "42L", None),
            ("number", "0x1b", None),
            ("number:int", "7", Some("7")),
            ("number:int", "7.5", None),
            ("floatbool", "0", Some("false")),
            ("floatbool", "-0", Some("false")),
            ("floatbool", " 0 ", Some("false")),
            ("floatbool", "0.00001", Some("true")),
            ("floatbool", "inf", Some("true")),
            ("floatbooli", "0 no", Some("false")),
            ("floatbooli", "1 yes", Some("true")),
            ("floatbooli", "y", Some("false")),
        ] {
            assert_eq!(conv(ty, v).as_deref(), want, "{ty} {v:?}");
        }
        let t = TypeSpec::parse("float64").unwrap();
        let mut s = Vec::new();
        assert!(matches!(t.convert(b"nan", &mut s, false), Some(Cell::Float(x)) if x.is_nan()));
        assert_eq!(t.convert(b"1,5", &mut s, true), Some(Cell::Float(1.5)));
        assert_eq!(t.convert(b"1.0", &mut s, true), None);
        let n = TypeSpec::parse("number").unwrap();
        assert_eq!(n.convert(b"42,0", &mut s, true), Some(Cell::Int(42)));
        assert_eq!(n.convert(b"1,5", &mut s, true), Some(Cell::Float(1.5)));
    }

    #[test]
    fn fast_paths_agree() {
        let mut rng = 0x2545f4914f6cdd1du64;
        for _ in 0..200_000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let digits = (rng % 15 + 1) as usize;
            let frac = (rng >> 8) as usize % (digits + 1);
            let m = (rng >> 16) % 10u64.pow(digits as u32);
            let mut t = format!("{m:0digits$}");
            if frac > 0 {
                t.insert(digits - frac, '.');
            }
            if rng & 1 == 1 {
                t.insert(0, '-');
            }
            let want: f64 = t.parse().unwrap();
            assert_eq!(f64_fast(t.as_bytes()), Some(want), "{t}");
            assert_eq!(parse_int(t.as_bytes(), 10, true), t.parse::<i64>().ok(), "{t}");
        }
        for t in [
            "12345678",
            "123456789012345678",
            "-000000001",
            "1234567/",
            "1234567:",
            "12345678x",
            "x2345678",
            "1234 678",
            "1234\u{b9}678",
        ] {
            assert_eq!(parse_int(t.as_bytes(), 10, true), t.parse::<i64>().ok(), "{t}");
        }
        assert_eq!(f64_fast(b"."), None);
        assert_eq!(f64_fast(b"1e5"), None);
        assert_eq!(f64_fast(b"-0.0").map(f64::to_bits), Some((-0.0f64).to_bits()));
    }

    #[test]
    fn bools() {
        for v in ["", "0", "FALSE", "f", "FaLSe", "no", "off", "NIL", "NULL"] {
            assert!(!strbool(v.as_bytes()), "{v}");
        }
        for v in ["y", "jao", "well, sure", " ", "true"] {
            assert!(strbool(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn names() {
        assert_eq!(TypeSpec::parse("int64_10+None").unwrap().ty, ColType::Int64);
        assert!(TypeSpec::parse("date+None:%Y").unwrap().empty_is_none);
        assert_eq!(TypeSpec::parse("number:int").unwrap().ty, ColType::Number);
        let e = TypeSpec::parse("int64_11").unwrap_err();
        assert!(e.starts_with("unknown type `int64_11` (did you mean `int64_10`?)"), "{e}");
        assert!(TypeSpec::parse("date").unwrap_err().contains("needs a format"));
        assert!(TypeSpec::parse("unicode:utf-7").is_err());
    }
}
