//! The files of an urd store: `<dir>/<list>.urd` (or `<dir>/<user>/<list>.urd` on a server), one
//! JSON event per line, only ever appended. A line is complete when it ends in a newline; a torn
//! last line (a crash in the middle of a write) is ignored on reading and cut off before the next
//! append, so a crash loses at most the event in flight and never touches earlier ones. Every
//! append is fsynced (and the directory too, when the file is new) before it returns.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::entry::Event;

pub fn list_file(dir: &Path, list: &str) -> PathBuf {
    dir.join(format!("{list}.urd"))
}

fn io_err(path: &Path, e: std::io::Error) -> String {
    format!("{}: {e}", path.display())
}

/// Every `.urd` file under `dir` (one level of user directories).
pub fn log_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(io_err(dir, e)),
    };
    for d in rd {
        let p = d.map_err(|e| io_err(dir, e))?.path();
        if p.is_dir() {
            for d2 in std::fs::read_dir(&p).map_err(|e| io_err(&p, e))? {
                let p2 = d2.map_err(|e| io_err(&p, e))?.path();
                if p2.extension().is_some_and(|x| x == "urd") {
                    out.push(p2);
                }
            }
        } else if p.extension().is_some_and(|x| x == "urd") {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

/// The complete events of one log file. A bad complete line is an error naming file and line.
pub fn read_events(path: &Path) -> Result<Vec<Event>, String> {
    let mut text = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut text))
        .map_err(|e| io_err(path, e))?;
    let complete = match text.iter().rposition(|&b| b == b'\n') {
        Some(i) => &text[..=i],
        None => &[][..],
    };
    let mut out = Vec::new();
    for (n, line) in complete.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let ev: Event = serde_json::from_slice(line).map_err(|e| format!("{}:{}: not an urd event ({e})", path.display(), n + 1))?;
        out.push(ev);
    }
    Ok(out)
}

/// Appends one event and fsyncs it; cuts off a torn tail left by an earlier crash first.
pub fn append(dir: &Path, ev: &Event) -> Result<(), String> {
    let mut line = serde_json::to_vec(ev).map_err(|e| e.to_string())?;
    line.push(b'\n');
    append_line(&list_file(dir, &ev.list), &line)
}

/// Appends one complete line (ending in a newline) to `path` and fsyncs it, creating the file
/// and its directory if needed; a torn tail left by an earlier crash is cut off first.
pub fn append_line(path: &Path, line: &[u8]) -> Result<(), String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let parent = dir.to_path_buf();
    let new_dir = !parent.exists();
    std::fs::create_dir_all(&parent).map_err(|e| io_err(&parent, e))?;
    let existed = path.exists();
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| io_err(path, e))?;
    let len = f.seek(SeekFrom::End(0)).map_err(|e| io_err(path, e))?;
    if len > 0 {
        // Find the end of the last complete line; anything after it is a torn write.
        let keep = last_newline_end(&mut f, len).map_err(|e| io_err(path, e))?;
        if keep != len {
            f.set_len(keep).map_err(|e| io_err(path, e))?;
        }
        f.seek(SeekFrom::Start(keep)).map_err(|e| io_err(path, e))?;
    }
    f.write_all(line).map_err(|e| io_err(path, e))?;
    f.sync_data().map_err(|e| io_err(path, e))?;
    if !existed {
        sync_dir(&parent)?;
        if new_dir {
            sync_dir(parent.parent().unwrap_or(dir))?;
        }
    }
    Ok(())
}

fn last_newline_end(f: &mut File, len: u64) -> std::io::Result<u64> {
    let mut end = len;
    let mut buf = vec![0u8; 4096];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let n = (end - start) as usize;
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(&mut buf[..n])?;
        if let Some(i) = buf[..n].iter().rposition(|&b| b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

fn sync_dir(dir: &Path) -> Result<(), String> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| io_err(dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::urd::entry::Op;

    fn ev(key: &str) -> Event {
        Event {
            seq: 1,
            key: key.into(),
            at: String::new(),
            op: Op::Truncate,
            list: "l".into(),
            user: String::new(),
            timestamp: Some("1".into()),
            entry: None,
            update: false,
        }
    }

    #[test]
    fn torn_tail_is_ignored_then_cut() {
        let dir = tempfile::tempdir().unwrap();
        append(dir.path(), &ev("a")).unwrap();
        let p = list_file(dir.path(), "l");
        let mut f = OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"{\"seq\":2,\"ke").unwrap();
        assert_eq!(read_events(&p).unwrap().len(), 1);
        append(dir.path(), &ev("b")).unwrap();
        let evs = read_events(&p).unwrap();
        assert_eq!(evs.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    }
}
