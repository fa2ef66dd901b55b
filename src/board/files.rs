//! Serving files of the project: a path is resolved (symlinks followed) and served only when it
//! lands inside the project (its directory, a workdir or the result directory), so a symlink
//! out of the project is refused like `..` is. Content types by file name; text shown as text,
//! images as images, anything else as a download.

use camino::{Utf8Path, Utf8PathBuf};

use crate::project::Project;

/// The directories whose files the board may serve, resolved.
pub struct Roots(Vec<std::path::PathBuf>);

impl Roots {
    pub fn of(project: &Project) -> Roots {
        let mut dirs: Vec<&Utf8Path> = vec![&project.root, &project.config.result_directory];
        dirs.extend(project.workdirs.iter().map(|w| w.path.as_path()));
        Roots(dirs.iter().filter_map(|d| std::fs::canonicalize(d).ok()).collect())
    }

    /// `base` joined with the (already checked) segments, resolved; None when it does not exist
    /// or resolves outside every root.
    pub fn resolve(&self, base: &Utf8Path, segs: &[String]) -> Result<Utf8PathBuf, Refused> {
        let mut p = base.to_path_buf();
        for s in segs {
            p.push(s);
        }
        let real = std::fs::canonicalize(&p).map_err(|_| Refused::Missing)?;
        if !self.0.iter().any(|r| real.starts_with(r)) {
            return Err(Refused::Outside);
        }
        Utf8PathBuf::from_path_buf(real).map_err(|_| Refused::Missing)
    }
}

#[derive(Debug, PartialEq)]
pub enum Refused {
    Missing,
    Outside,
}

/// How a file is shown on a page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Text,
    Image,
    Other,
}

/// The content type of a file by its name (text/plain for anything without a known one that
/// reads as UTF-8 text).
pub fn content_type(name: &str, head: &[u8]) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        // An SVG can hold a script: served as text, never as an image document.
        "json" => "application/json",
        "gz" => "application/gzip",
        "zip" => "application/zip",
        "pdf" => "application/pdf",
        _ if looks_like_text(head) => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

pub fn kind(name: &str, head: &[u8]) -> Kind {
    let t = content_type(name, head);
    if t.starts_with("image/") {
        Kind::Image
    } else if t.starts_with("text/") || t == "application/json" {
        Kind::Text
    } else {
        Kind::Other
    }
}

/// UTF-8 (a character cut at the end is fine) without NUL bytes.
pub fn looks_like_text(head: &[u8]) -> bool {
    if head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    }
}

/// Up to `max` bytes from the start of a file.
pub fn head(path: &Utf8Path, max: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut buf = Vec::with_capacity(max.min(1 << 16));
    f.by_ref().take(max as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types() {
        assert_eq!(content_type("a.png", b"\x89PNG"), "image/png");
        assert_eq!(content_type("a.svg", b"<svg>"), "text/plain; charset=utf-8");
        assert_eq!(content_type("a.bin", b"\x00\x01"), "application/octet-stream");
        assert_eq!(kind("notes", "h\u{e9}".as_bytes()), Kind::Text);
        assert!(looks_like_text(&"\u{e9}".as_bytes()[..1]));
        assert!(!looks_like_text(b"\xff\xfe"));
    }
}
