//! Finding where csvimport's records (lines, or several lines when a quoted field holds a
//! newline) start and end, and splitting a file into chunks of whole records that threads scan
//! in parallel.
//!
//! A quote opens a quoted field only at the start of a field (the start of the record or right
//! after the separator); anywhere else it is an ordinary byte, as in the original. Inside a quoted
//! field a doubled quote is a quote and a newline is data; the quote that is not doubled closes
//! the field. A comment line (and `skip_lines`) is one physical line whatever quotes it holds.
//!
//! Chunks are scanned speculatively: chunk i assumes it starts at a record start (right after a
//! newline near i/N of the file). The scans are then checked in order: chunk i-1 ends at the first
//! record end at or past its limit, which is where chunk i began unless a quoted field spanned the
//! boundary; such a chunk is scanned again from the true start (rare, and only that chunk).

use memchr::{memchr, memchr2, memchr3};
use rayon::prelude::*;

/// What a quote is.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Quotes {
    None,
    One(u8),
    /// `quotes = 'True'`: both `"` and `'` (a field opened by one is closed by the same).
    Both,
}

impl Quotes {
    #[inline]
    pub fn is_quote(self, b: u8) -> bool {
        match self {
            Quotes::None => false,
            Quotes::One(q) => b == q,
            Quotes::Both => b == b'"' || b == b'\'',
        }
    }
}

/// How the file is written.
#[derive(Clone, Debug)]
pub struct Format {
    /// None: one field per line.
    pub sep: Option<u8>,
    pub newline: u8,
    /// `newline = ''`: lines end in `\n` or `\r\n`.
    pub crlf: bool,
    pub quotes: Quotes,
    pub comment: Option<u8>,
    pub skip_empty: bool,
}

/// The top bit of a record start marks a skipped record (a comment or an empty line).
pub const SKIPPED: u64 = 1 << 63;

#[derive(Debug, PartialEq)]
pub enum Step {
    /// A record: `next` is where the one after it starts, `extra` the newlines inside it (in
    /// quoted fields), `skipped` for a comment or a skipped empty line.
    Rec { next: usize, extra: u32, skipped: bool },
    /// A quoted field that opens at `quote_at` is not closed before the end of the buffer.
    Unclosed { quote_at: usize },
}

impl Format {
    /// The record that starts at `pos` (`pos < buf.len()`).
    #[inline]
    pub fn next_record(&self, buf: &[u8], pos: usize) -> Step {
        let first = buf[pos];
        if self.comment == Some(first) {
            return Step::Rec {
                next: self.line_end(buf, pos),
                extra: 0,
                skipped: true,
            };
        }
        if self.skip_empty {
            if first == self.newline {
                return Step::Rec {
                    next: pos + 1,
                    extra: 0,
                    skipped: true,
                };
            }
            if self.crlf && first == b'\r' && buf.get(pos + 1) == Some(&b'\n') {
                return Step::Rec {
                    next: pos + 2,
                    extra: 0,
                    skipped: true,
                };
            }
        }
        if self.quotes == Quotes::None {
            return Step::Rec {
                next: self.line_end(buf, pos),
                extra: 0,
                skipped: false,
            };
        }
        self.quoted_record(buf, pos)
    }

    /// Just past the newline that ends the physical line at `pos` (or the end of `buf`).
    #[inline]
    pub fn line_end(&self, buf: &[u8], pos: usize) -> usize {
        match memchr(self.newline, &buf[pos..]) {
            Some(i) => pos + i + 1,
            None => buf.len(),
        }
    }

    fn quoted_record(&self, buf: &[u8], pos: usize) -> Step {
        let nl = self.newline;
        let mut p = pos;
        let mut extra = 0u32;
        loop {
            let rest = &buf[p..];
            let hit = match self.quotes {
                Quotes::One(q) => memchr2(q, nl, rest),
                _ => memchr3(b'"', b'\'', nl, rest),
            };
            let Some(i) = hit.map(|i| p + i) else {
                return Step::Rec {
                    next: buf.len(),
                    extra,
                    skipped: false,
                };
            };
            let c = buf[i];
            if c == nl {
                return Step::Rec {
                    next: i + 1,
                    extra,
                    skipped: false,
                };
            }
            if i != pos && (self.sep.is_none() || Some(buf[i - 1]) != self.sep) {
                // A quote inside an unquoted field is data.
                p = i + 1;
                continue;
            }
            let mut j = i + 1;
            loop {
                let Some(k) = memchr2(c, nl, &buf[j..]).map(|k| j + k) else {
                    return Step::Unclosed { quote_at: i };
                };
                if buf[k] == nl {
                    extra += 1;
                    j = k + 1;
                } else if buf.get(k + 1) == Some(&c) {
                    j = k + 2;
                } else {
                    p = k + 1;
                    break;
                }
            }
        }
    }

    /// The end of a record's content: `next` less its newline (and the `\r` before it).
    #[inline]
    pub fn content_end(&self, buf: &[u8], start: usize, next: usize) -> usize {
        let mut e = next;
        if e > start && buf[e - 1] == self.newline {
            e -= 1;
            if self.crlf && e > start && buf[e - 1] == b'\r' {
                e -= 1;
            }
        }
        e
    }
}

/// The records of one chunk.
#[derive(Debug, Default)]
pub struct Chunk {
    /// Where the scan started, and where it was to stop (it goes on to the end of a record).
    pub start: usize,
    pub limit: usize,
    /// Record starts (with `SKIPPED` on skipped ones).
    pub recs: Vec<u64>,
    /// (record index, newlines inside it) for records that span lines.
    pub multi: Vec<(u32, u32)>,
    /// Where the record after the last one starts.
    pub end: usize,
    pub normal: u64,
    pub skipped: u64,
    /// Physical lines in the chunk's records.
    pub lines: u64,
    /// The scan met a quoted field not closed before the end of the file (at this offset).
    pub unclosed: Option<usize>,
}

impl Chunk {
    fn scan(f: &Format, buf: &[u8], start: usize, limit: usize) -> Chunk {
        let mut c = Chunk {
            start,
            limit,
            recs: Vec::with_capacity((limit - start) / 48 + 16),
            ..Chunk::default()
        };
        let mut pos = start;
        while pos < limit {
            match f.next_record(buf, pos) {
                Step::Rec { next, extra, skipped } => {
                    if extra > 0 {
                        c.multi.push((c.recs.len() as u32, extra));
                        c.lines += extra as u64;
                    }
                    if skipped {
                        c.recs.push(pos as u64 | SKIPPED);
                        c.skipped += 1;
                    } else {
                        c.recs.push(pos as u64);
                        c.normal += 1;
                    }
                    c.lines += 1;
                    pos = next;
                }
                Step::Unclosed { quote_at } => {
                    c.unclosed = Some(quote_at);
                    pos = buf.len();
                }
            }
        }
        c.end = pos;
        c
    }

    /// Where record `j` starts and where the next begins.
    #[inline]
    pub fn bounds(&self, j: usize) -> (usize, usize) {
        let start = (self.recs[j] & !SKIPPED) as usize;
        let next = match self.recs.get(j + 1) {
            Some(&r) => (r & !SKIPPED) as usize,
            None => self.end,
        };
        (start, next)
    }
}

/// Splits `buf[from..]` into about `n` chunks of whole records, scanned in parallel. An unclosed
/// quoted field at the end is reported as `Err(offset of its quote)`.
pub fn chunks(f: &Format, buf: &[u8], from: usize, n: usize, progress: &(dyn Fn(usize) + Sync)) -> Result<Vec<Chunk>, usize> {
    let len = buf.len();
    let mut bounds = vec![from];
    let step = (len - from) / n.max(1) + 1;
    for i in 1..n {
        let at = from + i * step;
        if at >= len {
            break;
        }
        let b = f.line_end(buf, at);
        if b > *bounds.last().unwrap_or(&from) && b < len {
            bounds.push(b);
        }
    }
    bounds.push(len);
    let mut chunks: Vec<Chunk> = bounds
        .par_windows(2)
        .map(|w| {
            let c = Chunk::scan(f, buf, w[0], w[1]);
            progress(w[1] - w[0]);
            c
        })
        .collect();
    let mut expected = from;
    for c in &mut chunks {
        if c.start != expected {
            *c = Chunk::scan(f, buf, expected.min(c.limit), c.limit);
            c.start = expected;
            if expected >= c.limit {
                c.end = expected;
            }
        }
        if let Some(q) = c.unclosed {
            return Err(q);
        }
        expected = c.end;
    }
    Ok(chunks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(quotes: Quotes) -> Format {
        Format {
            sep: Some(b','),
            newline: b'\n',
            crlf: true,
            quotes,
            comment: Some(b'#'),
            skip_empty: false,
        }
    }

    fn records(f: &Format, buf: &[u8], n: usize) -> Vec<(String, bool, u64)> {
        let chunks = chunks(f, buf, 0, n, &|_| {}).unwrap();
        let mut out = Vec::new();
        for c in &chunks {
            let mut multi = c.multi.iter().peekable();
            for j in 0..c.recs.len() {
                let (s, next) = c.bounds(j);
                let e = f.content_end(buf, s, next);
                let extra = match multi.peek() {
                    Some(&&(i, x)) if i as usize == j => {
                        multi.next();
                        x as u64
                    }
                    _ => 0,
                };
                out.push((String::from_utf8_lossy(&buf[s..e]).into_owned(), c.recs[j] & SKIPPED != 0, extra));
            }
        }
        out
    }

    #[test]
    fn quoted_fields_span_lines_and_quotes_inside_fields_are_data() {
        let f = fmt(Quotes::One(b'"'));
        let buf = b"a,\"x\ny\"\r\nb\"c,d\n#\"comment\n\"e\"\"\nf\",g\nh";
        let want = vec![
            ("a,\"x\ny\"".to_string(), false, 1),
            ("b\"c,d".into(), false, 0),
            ("#\"comment".into(), true, 0),
            ("\"e\"\"\nf\",g".into(), false, 1),
            ("h".into(), false, 0),
        ];
        for n in 1..12 {
            assert_eq!(records(&f, buf, n), want, "{n} chunks");
        }
    }

    #[test]
    fn an_unclosed_quote_is_reported_where_it_opens() {
        let f = fmt(Quotes::Both);
        let buf = b"a,b\nc,'d\ne,f\n";
        for n in 1..6 {
            assert_eq!(chunks(&f, buf, 0, n, &|_| {}).err(), Some(6));
        }
    }

    #[test]
    fn without_quotes_every_newline_ends_a_record() {
        let f = fmt(Quotes::None);
        let buf = b"a,\"x\ny\"\n\n";
        assert_eq!(
            records(&f, buf, 3),
            vec![("a,\"x".to_string(), false, 0), ("y\"".into(), false, 0), ("".into(), false, 0)]
        );
    }
}
