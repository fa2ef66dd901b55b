//! The board's HTML: escaping (every string from the project goes through `esc` or `attr`), URL
//! quoting for links, and the page around each body (inline style, no resource from outside).

use std::fmt::Write as _;

/// Text for element content and attribute values: `& < > " '` escaped.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One path segment of a URL: everything but unreserved characters percent-encoded (so a `/`
/// inside a name stays inside its segment).
pub fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A relative path as URL segments: each part quoted, joined by `/`.
pub fn path_segs(p: &str) -> String {
    p.split('/').map(seg).collect::<Vec<_>>().join("/")
}

/// `<a href="HREF">TEXT</a>`, both escaped (HREF must be built from `seg`).
pub fn link(href: &str, text: &str) -> String {
    format!("<a href=\"{}\">{}</a>", esc(href), esc(text))
}

pub fn job_link(id: &str) -> String {
    link(&format!("/job/{}", seg(id)), id)
}

pub fn dataset_link(id: &str) -> String {
    let (job, name) = id.split_once('/').unwrap_or((id, "default"));
    format!("{}/{}", job_link(job), link(&format!("/dataset/{}/{}", seg(job), seg(name)), name))
}

const STYLE: &str = r#"
body { font-family: sans-serif; margin: 0 1.5em 2em; color: #222; background: #fcfcfa; }
nav { padding: .5em 0; border-bottom: 1px solid #ccc; margin-bottom: 1em; }
nav a { margin-right: 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.5em; border-bottom: 1px solid #ddd; }
h3 { font-size: 1em; margin: 1em 0 .4em; }
table { border-collapse: collapse; } td, th { padding: .15em .6em; text-align: left; vertical-align: top; }
table.grid td, table.grid th { border: 1px solid #ddd; } th { background: #f0f0ec; }
pre { background: #f4f4f0; padding: .5em; overflow-x: auto; max-height: 40em; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.finished { color: #176917; } .failed { color: #b00; font-weight: bold; } .unfinished { color: #a60; }
.warning { background: #fff3d0; padding: .4em; border: 1px solid #e0c060; }
.error { background: #fde0e0; padding: .4em; border: 1px solid #d08080; }
.muted { color: #777; } img.file { max-width: 100%; border: 1px solid #ddd; }
.src .kw { color: #7a1fa2; font-weight: bold; } .src .str { color: #1a6d1a; } .src .com { color: #888; font-style: italic; }
.src .num { color: #b05a00; } .src .ln { color: #aaa; user-select: none; display: inline-block; width: 3em; }
svg.graph a text { fill: #0645ad; } svg.graph rect.job { fill: #eef3ff; stroke: #4060a0; }
svg.graph rect.dataset { fill: #eefaee; stroke: #408040; } svg.graph rect.root { stroke-width: 3; }
svg.graph line, svg.graph path { stroke: #888; fill: none; }
.pages a, .pages span { margin-right: .6em; }
#status-table tr.message td:first-child { color: #555; font-style: italic; }
"#;

/// The whole page: head with the inline style, the navigation, the body.
pub fn page(project: &str, title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{} - exax board</title>\
         <meta name=\"robots\" content=\"noindex\"><style>{STYLE}</style></head><body>\n\
         <nav><b>exax board: {}</b> &nbsp; <a href=\"/\">results</a> <a href=\"/workdir\">workdirs</a> \
         <a href=\"/methods\">methods</a> <a href=\"/urd\">urd</a> <a href=\"/status\">status</a></nav>\n{body}\n</body></html>\n",
        esc(title),
        esc(project)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            esc("<script>alert('x&y')</script>\""),
            "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;&quot;"
        );
        assert_eq!(seg("a/b c%.lua"), "a%2Fb%20c%25.lua");
        assert_eq!(path_segs("sub/r 1.txt"), "sub/r%201.txt");
        assert_eq!(
            dataset_link("t-1/x<y"),
            "<a href=\"/job/t-1\">t-1</a>/<a href=\"/dataset/t-1/x%3Cy\">x&lt;y</a>"
        );
    }
}
