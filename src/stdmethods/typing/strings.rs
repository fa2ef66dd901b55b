//! Text types: `bytes`, `ascii:replace|encode|strict` and `unicode:ENCODING[/strict|replace|ignore]`
//! for UTF-8, Latin-1 and ASCII, each with an optional `strip` of surrounding whitespace.

use super::is_space;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsciiMode {
    /// Bytes above 127 become `\ooo` (octal).
    Replace,
    /// As Replace, and `\` becomes `\134`, so the text can be decoded again.
    Encode,
    /// Bytes above 127 make the value bad.
    Strict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Utf8,
    Latin1,
    Ascii,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Errors {
    Strict,
    /// Each undecodable sequence becomes U+FFFD.
    Replace,
    /// Undecodable bytes are dropped.
    Ignore,
}

/// `utf-8`, `utf-8/replace`, `latin-1/ignore`, ... (names as Python spells them, any case).
pub fn parse_encoding(fmt: &str) -> Result<(Codec, Errors), String> {
    let (codec, errors) = fmt.split_once('/').unwrap_or((fmt, "strict"));
    let errors = match errors {
        "strict" => Errors::Strict,
        "replace" => Errors::Replace,
        "ignore" => Errors::Ignore,
        e => return Err(format!("error handling `{e}` is not one of strict, replace, ignore")),
    };
    let norm = codec.to_ascii_lowercase().replace('_', "-");
    let codec = match norm.as_str() {
        "utf-8" | "utf8" | "u8" | "utf" => Codec::Utf8,
        "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "8859" | "l1" | "cp819" | "latin" => Codec::Latin1,
        "ascii" | "us-ascii" | "646" => Codec::Ascii,
        _ => {
            return Err(format!(
                "encoding `{codec}` is not one exax decodes (utf-8, latin-1 (iso-8859-1), ascii)"
            ))
        }
    };
    Ok((codec, errors))
}

#[inline]
pub fn strip(v: &[u8]) -> &[u8] {
    let start = v.iter().take_while(|&&c| is_space(c)).count();
    let v = &v[start..];
    let end = v.len() - v.iter().rev().take_while(|&&c| is_space(c)).count();
    &v[..end]
}

pub fn ascii<'a>(v: &'a [u8], mode: AsciiMode, scratch: &'a mut Vec<u8>) -> Option<&'a [u8]> {
    let escape = |c: u8| c > 127 || (mode == AsciiMode::Encode && c == b'\\');
    if !v.iter().any(|&c| escape(c)) {
        return Some(v);
    }
    if mode == AsciiMode::Strict {
        return None;
    }
    scratch.clear();
    for &c in v {
        if escape(c) {
            scratch.extend_from_slice(&[b'\\', b'0' + (c >> 6), b'0' + ((c >> 3) & 7), b'0' + (c & 7)]);
        } else {
            scratch.push(c);
        }
    }
    Some(scratch)
}

pub fn unicode<'a>(v: &'a [u8], codec: Codec, errors: Errors, scratch: &'a mut Vec<u8>) -> Option<&'a [u8]> {
    if v.is_ascii() {
        return Some(v);
    }
    match codec {
        Codec::Latin1 => {
            scratch.clear();
            for &c in v {
                let mut b = [0u8; 4];
                scratch.extend_from_slice((c as char).encode_utf8(&mut b).as_bytes());
            }
            Some(scratch)
        }
        Codec::Utf8 => {
            if std::str::from_utf8(v).is_ok() {
                return Some(v);
            }
            if errors == Errors::Strict {
                return None;
            }
            scratch.clear();
            for chunk in v.utf8_chunks() {
                scratch.extend_from_slice(chunk.valid().as_bytes());
                if !chunk.invalid().is_empty() && errors == Errors::Replace {
                    scratch.extend_from_slice("\u{fffd}".as_bytes());
                }
            }
            Some(scratch)
        }
        Codec::Ascii => {
            if errors == Errors::Strict {
                return None;
            }
            scratch.clear();
            for &c in v {
                if c < 128 {
                    scratch.push(c);
                } else if errors == Errors::Replace {
                    scratch.extend_from_slice("\u{fffd}".as_bytes());
                }
            }
            Some(scratch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uni(fmt: &str, v: &[u8]) -> Option<String> {
        let (c, e) = parse_encoding(fmt).unwrap();
        let mut s = Vec::new();
        unicode(v, c, e, &mut s).map(|b| String::from_utf8(b.to_vec()).unwrap())
    }

    #[test]
    fn original_cases() {
        // From the original's test_unicode.
        assert_eq!(uni("utf-8", b"\tbl\xe5"), None);
        assert_eq!(
            uni("utf-8/replace", b"\tbl\xe5a \xe4  ").as_deref(),
            Some("\tbl\u{fffd}a \u{fffd}  ")
        );
        assert_eq!(uni("utf-8/ignore", b"\tbl\xe5a \xe4  ").as_deref(), Some("\tbla   "));
        assert_eq!(uni("utf-8", b"\tbl\xc3\xa5a ").as_deref(), Some("\tblåa "));
        assert_eq!(uni("iso-8859-1", b"\tbl\xe5a \xe4  ").as_deref(), Some("\tblåa ä  "));
        assert_eq!(uni("iso-8859-1", b"\tbl\xc3\xa5a ").as_deref(), Some("\tbl\u{c3}\u{a5}a "));
        assert_eq!(uni("ascii/replace", b"\tbl\xc3\xa5a ").as_deref(), Some("\tbl\u{fffd}\u{fffd}a "));
        assert_eq!(uni("ascii/ignore", b"\tbl\xc3\xa5a ").as_deref(), Some("\tbla "));
        assert_eq!(uni("ascii", b"\tbl\xc3\xa5a "), None);
        assert!(parse_encoding("utf-7").is_err());
        assert!(parse_encoding("utf-8/loud").is_err());
        let mut s = Vec::new();
        assert_eq!(ascii(b"bl\xe4", AsciiMode::Replace, &mut s), Some(&b"bl\\344"[..]));
        assert_eq!(ascii(b"\\bar", AsciiMode::Replace, &mut s), Some(&b"\\bar"[..]));
        assert_eq!(ascii(b"\\bar", AsciiMode::Encode, &mut s), Some(&b"\\134bar"[..]));
        assert_eq!(ascii(b"bl\xe4", AsciiMode::Strict, &mut s), None);
        assert_eq!(strip(b"\t\t\t\rfoo\n \x0c"), b"foo");
        assert_eq!(strip(b"  "), b"");
    }
}
