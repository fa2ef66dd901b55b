//! Finds the modules a Lua source `require`s by reading it: literal `require 'x'`, `require("x")`
//! and `require[[x]]` calls, outside comments and strings. Anything else is reported so the caller
//! can warn that it cannot join the reuse key.

#[derive(Debug, Clone, PartialEq)]
pub enum Require {
    Literal { name: String, line: usize },
    Dynamic { line: usize },
}

pub fn scan(src: &str) -> Vec<Require> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i += 2;
                if let Some(end) = long_bracket(b, i) {
                    line += count_lines(&b[i..end]);
                    i = end;
                } else {
                    while i < b.len() && b[i] != b'\n' {
                        i += 1;
                    }
                }
            }
            b'\'' | b'"' => {
                let (end, _) = short_string(b, i);
                line += count_lines(&b[i..end]);
                i = end;
            }
            b'[' if matches!(b.get(i + 1), Some(b'[') | Some(b'=')) => match long_bracket(b, i) {
                Some(end) => {
                    line += count_lines(&b[i..end]);
                    i = end;
                }
                None => i += 1,
            },
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                let prev = if start > 0 { b[start - 1] } else { b' ' };
                if &b[start..i] != b"require" || prev == b'.' || prev == b':' {
                    continue;
                }
                let call_line = line;
                let mut j = skip_space(b, i, &mut line);
                let paren = b.get(j) == Some(&b'(');
                if paren {
                    j = skip_space(b, j + 1, &mut line);
                }
                let literal = match b.get(j) {
                    Some(b'\'') | Some(b'"') => {
                        let (end, s) = short_string(b, j);
                        Some((end, s))
                    }
                    Some(b'[') => long_bracket(b, j).map(|end| {
                        let inner = &src[j..end];
                        let level = inner[1..].bytes().take_while(|&c| c == b'=').count();
                        (end, inner[level + 2..inner.len() - level - 2].to_string())
                    }),
                    _ => None,
                };
                match literal {
                    Some((end, name)) => {
                        let after = skip_space(b, end, &mut line.clone());
                        let closed = !paren || b.get(after) == Some(&b')');
                        if closed {
                            out.push(Require::Literal { name, line: call_line });
                        } else {
                            out.push(Require::Dynamic { line: call_line });
                        }
                        i = end;
                    }
                    None => out.push(Require::Dynamic { line: call_line }),
                }
            }
            _ => i += 1,
        }
    }
    out
}

fn count_lines(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c == b'\n').count()
}

fn skip_space(b: &[u8], mut i: usize, line: &mut usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        if b[i] == b'\n' {
            *line += 1;
        }
        i += 1;
    }
    i
}

/// A quoted string starting at `i`: (index after it, its content with simple escapes undone).
fn short_string(b: &[u8], i: usize) -> (usize, String) {
    let q = b[i];
    let mut j = i + 1;
    let mut s = Vec::new();
    while j < b.len() && b[j] != q && b[j] != b'\n' {
        if b[j] == b'\\' && j + 1 < b.len() {
            s.push(b[j + 1]);
            j += 2;
        } else {
            s.push(b[j]);
            j += 1;
        }
    }
    (j.saturating_add(1).min(b.len()), String::from_utf8_lossy(&s).into_owned())
}

/// `[[...]]` or `[==[...]==]` starting at `i`: the index after its end.
fn long_bracket(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'[') {
        return None;
    }
    let level = b[i + 1..].iter().take_while(|&&c| c == b'=').count();
    if b.get(i + 1 + level) != Some(&b'[') {
        return None;
    }
    let mut close = vec![b']'];
    close.extend(std::iter::repeat_n(b'=', level));
    close.push(b']');
    let body = i + 2 + level;
    b[body..]
        .windows(close.len())
        .position(|w| w == close.as_slice())
        .map(|p| body + p + close.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(name: &str, line: usize) -> Require {
        Require::Literal { name: name.into(), line }
    }

    #[test]
    fn finds_literal_requires() {
        let src = "local a = require('helper')\nlocal b = require \"x.y\"\n-- require('commented')\n--[[ require('long')\n]]\nlocal s = \"require('instring')\"\nlocal c = require[[z]]\nlocal d = require(name)\nt.require('no')\n";
        assert_eq!(
            scan(src),
            vec![lit("helper", 1), lit("x.y", 2), lit("z", 7), Require::Dynamic { line: 8 }]
        );
    }

    #[test]
    fn concatenation_is_dynamic() {
        assert_eq!(scan("require('a' .. x)"), vec![Require::Dynamic { line: 1 }]);
    }
}
