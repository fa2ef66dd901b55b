//! What the board reads from a request: the path as decoded segments (refusing `.`, `..`, empty
//! segments and any segment that decodes to a `/` or a NUL, so no URL can climb out of where it
//! points), the query, and whether the client wants JSON.

use std::collections::HashMap;

/// A request path that may not be served.
#[derive(Debug, PartialEq)]
pub struct BadPath(pub String);

/// `/job/a%20b/x` -> `["job", "a b", "x"]`. A trailing `/` is ignored.
pub fn segments(path: &str) -> Result<Vec<String>, BadPath> {
    let mut out = Vec::new();
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Ok(out);
    }
    for raw in trimmed.split('/') {
        let bytes: Vec<u8> = percent_encoding::percent_decode_str(raw).collect();
        let Ok(s) = String::from_utf8(bytes) else {
            return Err(BadPath(format!("`{raw}` is not UTF-8")));
        };
        if s.is_empty() || s == "." || s == ".." || s.contains('/') || s.contains('\0') || s.contains('\\') {
            return Err(BadPath(format!("path segment `{raw}` is not allowed")));
        }
        out.push(s);
    }
    Ok(out)
}

/// `a=1&b=x%20y` -> {a: 1, b: x y}.
pub fn query(q: &str) -> HashMap<String, String> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let dec = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (dec(k), dec(v))
        })
        .collect()
}

/// JSON when `Accept` names application/json before (or without) text/html.
pub fn wants_json(accept: &str) -> bool {
    let pos = |t: &str| accept.find(t);
    match (pos("application/json"), pos("text/html")) {
        (Some(j), Some(h)) => j < h,
        (Some(_), None) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(segments("/").unwrap(), Vec::<String>::new());
        assert_eq!(segments("/job/t-1/a%20b/").unwrap(), vec!["job", "t-1", "a b"]);
        assert!(segments("/job/../x").is_err());
        assert!(segments("/job/%2e%2e/x").is_err());
        assert!(segments("/job/%2E%2E").is_err());
        assert!(segments("/job/a%2fb").is_err());
        assert!(segments("/job//x").is_err());
        assert!(segments("/job/%00").is_err());
        assert!(segments("/job/%ff").is_err());
    }

    #[test]
    fn queries_and_accept() {
        let q = query("page=2&m=a+b%21");
        assert_eq!(q["page"], "2");
        assert_eq!(q["m"], "a b!");
        assert!(wants_json("application/json"));
        assert!(!wants_json("text/html,application/xhtml+xml,application/json;q=0.9"));
        assert!(!wants_json("*/*"));
    }
}
