//! Splitting one csvimport record into fields, by the original's rules: a field that starts with
//! a quote ends at the quote followed by the separator or the end of the record (a doubled quote
//! inside is one quote); a quote anywhere else is data; a quote followed by anything else makes
//! the line bad.

use memchr::memchr;

use super::split::Format;

/// A field: bytes of the record, or (with `scratch`) of the unquoted copy of a field that held
/// doubled quotes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Span {
    pub scratch: bool,
    pub start: usize,
    pub end: usize,
}

impl Span {
    #[inline]
    pub fn get<'a>(self, rec: &'a [u8], scratch: &'a [u8]) -> &'a [u8] {
        let b = if self.scratch { scratch } else { rec };
        &b[self.start..self.end]
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// Why a record is bad.
#[derive(Debug, PartialEq)]
pub enum Bad {
    /// The fields it has (`0` for an empty line with several columns).
    Count(usize),
    /// Field `n` (from 1) opens a quote that does not close properly.
    Quote(usize),
}

/// Splits `rec` into `out` (cleared first). `trailing` adds the empty field after a final
/// separator (data lines; the original's label lines do not have it). Quoted fields with doubled
/// quotes are copied, unquoted, to `scratch` (cleared first).
pub fn fields(f: &Format, rec: &[u8], out: &mut Vec<Span>, scratch: &mut Vec<u8>, trailing: bool) -> Result<(), Bad> {
    out.clear();
    scratch.clear();
    let len = rec.len();
    let mut pos = 0;
    let mut last = false;
    while pos < len {
        let c = rec[pos];
        if f.quotes.is_quote(c) {
            let mut ptr = pos + 1;
            let mut copied: Option<usize> = None;
            loop {
                let Some(k) = memchr(c, &rec[ptr..]).map(|k| ptr + k) else {
                    return Err(Bad::Quote(out.len() + 1));
                };
                if k == len - 1 || (f.sep.is_some() && Some(rec[k + 1]) == f.sep) {
                    last = k == len - 1;
                    out.push(match copied {
                        Some(s) => {
                            scratch.extend_from_slice(&rec[ptr..k]);
                            Span {
                                scratch: true,
                                start: s,
                                end: scratch.len(),
                            }
                        }
                        None => Span {
                            scratch: false,
                            start: pos + 1,
                            end: k,
                        },
                    });
                    pos = k + 2;
                    break;
                } else if rec[k + 1] == c {
                    if copied.is_none() {
                        copied = Some(scratch.len());
                    }
                    scratch.extend_from_slice(&rec[ptr..=k]);
                    ptr = k + 2;
                    if ptr >= len {
                        return Err(Bad::Quote(out.len() + 1));
                    }
                } else {
                    return Err(Bad::Quote(out.len() + 1));
                }
            }
        } else {
            let end = match f.sep {
                Some(s) => find(s, &rec[pos..]).map(|i| pos + i),
                None => None,
            };
            match end {
                Some(e) => {
                    out.push(Span {
                        scratch: false,
                        start: pos,
                        end: e,
                    });
                    pos = e + 1;
                }
                None => {
                    out.push(Span {
                        scratch: false,
                        start: pos,
                        end: len,
                    });
                    last = true;
                    pos = len;
                }
            }
        }
    }
    if trailing && !last {
        out.push(Span {
            scratch: false,
            start: len,
            end: len,
        });
    }
    Ok(())
}

/// `memchr` after a look at the first 16 bytes, eight at a time (one xor and a few masks find
/// the byte in a word): most fields are short, and memchr's setup costs more than such a look.
#[inline]
fn find(b: u8, hay: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let pat = b as u64 * ONES;
    let mut i = 0;
    while i < 16 {
        let Some((w, _)) = hay[i..].split_first_chunk::<8>() else {
            // Fewer than eight bytes left.
            return hay[i..].iter().position(|&c| c == b).map(|k| i + k);
        };
        let v = u64::from_le_bytes(*w) ^ pat;
        // The top bit of each zero byte of v (exact: no borrow between bytes).
        let zero = !(((v & LOW7).wrapping_add(LOW7)) | v | LOW7);
        if zero != 0 {
            return Some(i + (zero.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    memchr(b, &hay[i..]).map(|k| i + k)
}

/// Checks a data record's fields against `ncols`: extra fields are allowed when empty and
/// `allow_extra_empty`; an empty line is one empty field.
pub fn check_count(spans: &[Span], ncols: usize, allow_extra_empty: bool, empty_line: bool) -> Result<(), Bad> {
    let n = spans.len();
    if n == ncols || (n > ncols && allow_extra_empty && spans[ncols..].iter().all(|s| s.is_empty())) {
        Ok(())
    } else {
        Err(Bad::Count(if empty_line { 0 } else { n }))
    }
}

#[cfg(test)]
mod tests {
    use super::super::split::Quotes;
    use super::*;

    fn split(quotes: Quotes, rec: &[u8], trailing: bool) -> Result<Vec<String>, Bad> {
        let f = Format {
            sep: Some(b','),
            newline: b'\n',
            crlf: true,
            quotes,
            comment: None,
            skip_empty: false,
        };
        let (mut out, mut scratch) = (Vec::new(), Vec::new());
        fields(&f, rec, &mut out, &mut scratch, trailing)?;
        Ok(out
            .iter()
            .map(|s| String::from_utf8_lossy(s.get(rec, &scratch)).into_owned())
            .collect())
    }

    #[test]
    fn the_originals_quote_rules() {
        let q = Quotes::Both;
        assert_eq!(split(q, b"'a,b',\"c\"\"d\",e'f", true).unwrap(), ["a,b", "c\"d", "e'f"]);
        assert_eq!(split(q, b"'lot''s of ''q'' '''''' ',x", true).unwrap(), ["lot's of 'q' ''' ", "x"]);
        assert_eq!(split(q, b"a,,", true).unwrap(), ["a", "", ""]);
        assert_eq!(split(q, b"a,,", false).unwrap(), ["a", ""]);
        assert_eq!(split(q, b"a,''", false).unwrap(), ["a", ""]);
        assert_eq!(split(q, b"", true).unwrap(), [""]);
        assert_eq!(split(q, b"'multi\nline'", true).unwrap(), ["multi\nline"]);
        assert_eq!(split(q, b"1,'c'c'", true), Err(Bad::Quote(2)));
        assert_eq!(split(q, b"'bad quotes''", true), Err(Bad::Quote(1)));
        assert_eq!(split(q, b"'open", true), Err(Bad::Quote(1)));
        assert_eq!(split(Quotes::None, b"'a,b'", true).unwrap(), ["'a", "b'"]);
    }

    #[test]
    fn find_agrees_with_position() {
        let hay: Vec<u8> = (0..40u8)
            .map(|i| [b'a', b',', 0x2c ^ 0x80, 0xac, b'-', 0][(i as usize * 7) % 6])
            .collect();
        for start in 0..hay.len() {
            for end in start..=hay.len() {
                let h = &hay[start..end];
                for b in [b',', b'a', 0u8, 0xac, b'x'] {
                    assert_eq!(find(b, h), h.iter().position(|&c| c == b), "{b} in {h:?}");
                }
            }
        }
        let mut long = vec![b'x'; 100];
        long[77] = b',';
        assert_eq!(find(b',', &long), Some(77));
        assert_eq!(find(b'y', &long), None);
    }

    #[test]
    fn counts() {
        let s = |a: usize, b: usize| Span {
            scratch: false,
            start: a,
            end: b,
        };
        assert_eq!(check_count(&[s(0, 1), s(2, 2)], 2, false, false), Ok(()));
        assert_eq!(check_count(&[s(0, 1), s(2, 2), s(3, 3)], 2, false, false), Err(Bad::Count(3)));
        assert_eq!(check_count(&[s(0, 1), s(2, 2), s(3, 3)], 2, true, false), Ok(()));
        assert_eq!(check_count(&[s(0, 1), s(2, 2), s(3, 4)], 2, true, false), Err(Bad::Count(3)));
        assert_eq!(check_count(&[s(0, 0)], 2, false, true), Err(Bad::Count(0)));
    }
}
