//! Lua source as HTML with simple syntax colouring: keywords, strings (quoted and long
//! brackets), comments and numbers in spans, line numbers, everything escaped.

use super::html::esc;

const KEYWORDS: &[&str] = &[
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in", "local", "nil", "not", "or", "repeat",
    "return", "then", "true", "until", "while",
];

/// The level of a long bracket opening at `s[i..]` (`[[` is 0, `[==[` is 2).
fn long_open(s: &[u8], i: usize) -> Option<usize> {
    if s.get(i) != Some(&b'[') {
        return None;
    }
    let mut j = i + 1;
    while s.get(j) == Some(&b'=') {
        j += 1;
    }
    (s.get(j) == Some(&b'[')).then_some(j - i - 1)
}

/// The end (exclusive) of a long bracket of `level` whose content starts at `from`.
fn long_close(s: &[u8], from: usize, level: usize) -> usize {
    let close: Vec<u8> = std::iter::once(b']')
        .chain(std::iter::repeat_n(b'=', level))
        .chain(std::iter::once(b']'))
        .collect();
    s[from..]
        .windows(close.len())
        .position(|w| w == close.as_slice())
        .map_or(s.len(), |p| from + p + close.len())
}

/// Splits the source into (class, text) tokens; class "" is plain.
fn tokens(src: &str) -> Vec<(&'static str, &str)> {
    let s = src.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut plain) = (0, 0);
    while i < s.len() {
        let start = i;
        let class = if s[i] == b'-' && s.get(i + 1) == Some(&b'-') {
            i = match long_open(s, i + 2) {
                Some(level) => long_close(s, i + 2 + level + 2, level),
                None => s[i..].iter().position(|&b| b == b'\n').map_or(s.len(), |p| i + p),
            };
            "com"
        } else if s[i] == b'"' || s[i] == b'\'' {
            let q = s[i];
            i += 1;
            while i < s.len() && s[i] != q && s[i] != b'\n' {
                i += if s[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(s.len());
            "str"
        } else if let Some(level) = long_open(s, i) {
            i = long_close(s, i + level + 2, level);
            "str"
        } else if s[i].is_ascii_digit() && (i == 0 || !(s[i - 1].is_ascii_alphanumeric() || s[i - 1] == b'_')) {
            while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == b'.') {
                i += 1;
            }
            "num"
        } else if s[i].is_ascii_alphabetic() || s[i] == b'_' {
            while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == b'_') {
                i += 1;
            }
            if KEYWORDS.contains(&&src[start..i]) {
                "kw"
            } else {
                continue;
            }
        } else {
            // Past one whole character (the source is UTF-8).
            i += src[i..].chars().next().map_or(1, char::len_utf8);
            continue;
        };
        if plain < start {
            out.push(("", &src[plain..start]));
        }
        out.push((class, &src[start..i]));
        plain = i;
    }
    if plain < s.len() {
        out.push(("", &src[plain..]));
    }
    out
}

/// The source as `<pre class="src">` with numbered lines; a token spanning lines is closed and
/// reopened at each line end. A final line break ends the last line (no empty numbered line).
pub fn lua(src: &str) -> String {
    let src = src.strip_suffix('\n').unwrap_or(src);
    let mut out = String::from("<pre class=\"src\">");
    let mut line = 1;
    out.push_str("<span class=\"ln\">1</span>");
    for (class, text) in tokens(src) {
        for (k, part) in text.split('\n').enumerate() {
            if k > 0 {
                line += 1;
                out.push_str(&format!("\n<span class=\"ln\">{line}</span>"));
            }
            if part.is_empty() {
                continue;
            }
            if class.is_empty() {
                out.push_str(&esc(part));
            } else {
                out.push_str(&format!("<span class=\"{class}\">{}</span>", esc(part)));
            }
        }
    }
    out.push_str("</pre>");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn colours() {
        let h = super::lua("local x = 'a<b' -- c\nreturn [[s]] .. 10");
        assert_eq!(
            h,
            "<pre class=\"src\"><span class=\"ln\">1</span><span class=\"kw\">local</span> x = <span class=\"str\">&#39;a&lt;b&#39;</span> \
             <span class=\"com\">-- c</span>\n<span class=\"ln\">2</span><span class=\"kw\">return</span> \
             <span class=\"str\">[[s]]</span> .. <span class=\"num\">10</span></pre>"
        );
        assert_eq!(
            super::lua("end\n"),
            "<pre class=\"src\"><span class=\"ln\">1</span><span class=\"kw\">end</span></pre>"
        );
        // Unterminated things end at the end.
        assert!(super::lua("x = \"abc").contains("<span class=\"str\">&quot;abc</span>"));
        assert!(super::lua("--[==[ a\nb").contains("<span class=\"com\">b</span>"));
    }
}
