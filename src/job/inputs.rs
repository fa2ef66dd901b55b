//! Input files in the reuse decision (spec section 9). Every file a job reads from the input
//! directory (`job:open_input`, `job:input_filename`, a standard method through
//! `stdmethods::Ctx::input_file`) is logged by the process that read it to
//! `.exax-tmp/inputs.<host>.<pid>`; when the job succeeds the runner snapshots the logged files that
//! exist (size, modification time, xxh3-128 of the content) into post.json. A finished job is
//! reused only while every recorded file is unchanged: size and time equal, or else the same
//! content (so a `touch` does not rebuild).
//!
//! Content hashes are cached in `.exax/input-hashes` by (path, size, mtime, inode), so an
//! unchanged large input is read once, not at every run.

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::os::unix::fs::MetadataExt;

use camino::{Utf8Path, Utf8PathBuf};
use parking_lot::Mutex;
use rayon::prelude::*;

use xxhash_rust::xxh3::Xxh3Default;

use crate::error::{Error, IoContext, Result};
use crate::job::records::{InputFile, TEMP_DIR};

const LOG_PREFIX: &str = "inputs.";
pub const CACHE_FILE: &str = "input-hashes";
/// How deep the reuse check follows subjobs (a cycle cannot happen, a runaway chain can).
pub const MAX_SUBJOB_DEPTH: usize = 64;

/// What a file's metadata says, and what identifies it in the hash cache.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Stamp {
    size: u64,
    mtime_ns: i64,
    inode: u64,
}

fn stamp(path: &Utf8Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    m.is_file().then(|| Stamp {
        size: m.len(),
        mtime_ns: m.mtime().saturating_mul(1_000_000_000).saturating_add(m.mtime_nsec()),
        inode: m.ino(),
    })
}

/// Logs that the running job at `job_dir` read `path` (a path inside `input_dir`). Called from
/// any process of the job; a path outside the input directory is not an input file and is skipped.
pub fn record(job_dir: &Utf8Path, input_dir: &Utf8Path, path: &Utf8Path) -> Result<()> {
    let Ok(rel) = path.strip_prefix(input_dir) else { return Ok(()) };
    if rel.as_str().is_empty() {
        return Ok(());
    }
    // Once per file and process: a job may open the same input in a loop.
    static LOGGED: Mutex<Option<std::collections::HashSet<Utf8PathBuf>>> = Mutex::new(None);
    let entry = job_dir.join(rel);
    if !LOGGED.lock().get_or_insert_with(Default::default).insert(entry) {
        return Ok(());
    }
    let dir = job_dir.join(TEMP_DIR);
    std::fs::create_dir_all(&dir).at(&dir)?;
    let file = dir.join(format!("{LOG_PREFIX}{}.{}", crate::sys::host_name(), std::process::id()));
    let mut f = std::fs::File::options().create(true).append(true).open(&file).at(&file)?;
    f.write_all(format!("{rel}\n").as_bytes()).at(&file)
}

/// Every input file name the processes of the job at `job_dir` logged.
pub fn logged(job_dir: &Utf8Path) -> Result<BTreeSet<String>> {
    let dir = job_dir.join(TEMP_DIR);
    let rd = match std::fs::read_dir(&dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeSet::new()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut names = BTreeSet::new();
    for entry in rd {
        let entry = entry.at(&dir)?;
        let Ok(name) = entry.file_name().into_string() else { continue };
        if name.starts_with(LOG_PREFIX) {
            let path = dir.join(&name);
            let text = std::fs::read_to_string(&path).at(&path)?;
            names.extend(text.lines().filter(|l| !l.is_empty()).map(str::to_string));
        }
    }
    Ok(names)
}

/// The hash cache of a project: `.exax/input-hashes`, append-only lines
/// `<hash> <size> <mtime_ns> <inode> <path>`, read once per process.
pub struct HashCache {
    path: Utf8PathBuf,
    map: Mutex<Option<HashMap<(String, Stamp), u128>>>,
}

impl HashCache {
    pub fn new(exax_dir: &Utf8Path) -> HashCache {
        HashCache {
            path: exax_dir.join(CACHE_FILE),
            map: Mutex::new(None),
        }
    }

    fn load(&self) -> HashMap<(String, Stamp), u128> {
        let mut map = HashMap::new();
        let Ok(text) = std::fs::read_to_string(&self.path) else {
            return map;
        };
        for line in text.lines() {
            let mut parts = line.splitn(5, ' ');
            let (Some(h), Some(s), Some(m), Some(i), Some(p)) = (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            if let (Ok(h), Ok(size), Ok(mtime_ns), Ok(inode)) = (u128::from_str_radix(h, 16), s.parse(), m.parse(), i.parse()) {
                map.insert((p.to_string(), Stamp { size, mtime_ns, inode }), h);
            }
        }
        map
    }

    fn get(&self, path: &Utf8Path, st: &Stamp) -> Option<u128> {
        let mut guard = self.map.lock();
        let map = guard.get_or_insert_with(|| self.load());
        map.get(&(path.to_string(), st.clone())).copied()
    }

    fn put(&self, path: &Utf8Path, st: &Stamp, hash: u128) {
        let mut guard = self.map.lock();
        let map = guard.get_or_insert_with(|| self.load());
        map.insert((path.to_string(), st.clone()), hash);
        // Best effort: a cache that cannot be written only costs a re-read next time. One short
        // write with O_APPEND, so concurrent runs never interleave lines.
        if let Some(dir) = self.path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Ok(mut f) = std::fs::File::options().create(true).append(true).open(&self.path) {
            let _ = f.write_all(format!("{hash:032x} {} {} {} {path}\n", st.size, st.mtime_ns, st.inode).as_bytes());
        }
    }

    /// The content hash of the file at `path` with metadata `st`, from the cache or read.
    fn hash(&self, path: &Utf8Path, st: &Stamp) -> Result<u128> {
        if let Some(h) = self.get(path, st) {
            return Ok(h);
        }
        let h = hash_file(path)?;
        // Cached only when the file did not change while it was read.
        if stamp(path).as_ref() == Some(st) {
            self.put(path, st, h);
        }
        Ok(h)
    }
}

/// xxh3-128 of a file's content.
pub fn hash_file(path: &Utf8Path) -> Result<u128> {
    let mut f = std::fs::File::open(path).at(path)?;
    let mut h = Xxh3Default::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).at(path)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.digest128())
}

/// The logged input files that exist as regular files, as they are now, hashed in parallel.
pub fn snapshot(cache: &HashCache, input_dir: &Utf8Path, names: &BTreeSet<String>) -> Result<Vec<InputFile>> {
    let found: Vec<(String, Utf8PathBuf, Stamp)> = names
        .iter()
        .filter_map(|n| {
            let p = input_dir.join(n);
            stamp(&p).map(|st| (n.clone(), p, st))
        })
        .collect();
    found
        .into_par_iter()
        .map(|(name, path, st)| {
            let hash = cache.hash(&path, &st)?;
            Ok(InputFile {
                name,
                size: st.size,
                mtime_ns: st.mtime_ns,
                hash: format!("{hash:032x}"),
            })
        })
        .collect()
}

/// How a recorded input file differs from the file now.
#[derive(Debug, Clone, PartialEq)]
pub struct InputChange {
    pub was: InputFile,
    /// None when the file is gone (or no longer a regular file).
    pub now: Option<InputFile>,
}

impl InputChange {
    /// `input/trips.csv: size 120 -> 141 bytes, modified 2026-11-28 04:01:02 -> ..., content changed`
    pub fn describe(&self, input_dir: &str) -> String {
        let name = format!("{}/{}", input_dir.trim_end_matches('/'), self.was.name);
        let Some(now) = &self.now else {
            return format!("{name}: no longer exists");
        };
        let mut parts = Vec::new();
        if now.size != self.was.size {
            parts.push(format!("size {} -> {} bytes", self.was.size, now.size));
        }
        if now.mtime_ns != self.was.mtime_ns {
            parts.push(format!("modified {} -> {}", time_text(self.was.mtime_ns), time_text(now.mtime_ns)));
        }
        parts.push(
            if now.hash == self.was.hash {
                "same content"
            } else {
                "content changed"
            }
            .to_string(),
        );
        format!("{name}: {}", parts.join(", "))
    }
}

/// UTC `2026-11-28 04:01:02.123456789`.
pub fn time_text(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let nanos = ns.rem_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = crate::dataset::datetime::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{nanos:09}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The recorded files that changed: size and time equal is unchanged; otherwise the content
/// decides. With `all` false, stops at the first change (the reuse check); with `all` true,
/// describes every file (`exax why`), hashing even those whose size differs.
pub fn changes(cache: &HashCache, input_dir: &Utf8Path, recorded: &[InputFile], all: bool) -> Vec<InputChange> {
    let mut out = Vec::new();
    for was in recorded {
        let path = input_dir.join(&was.name);
        let Some(st) = stamp(&path) else {
            out.push(InputChange {
                was: was.clone(),
                now: None,
            });
            if !all {
                break;
            }
            continue;
        };
        if st.size == was.size && st.mtime_ns == was.mtime_ns {
            continue;
        }
        // A different size is a different content: no need to read it for the reuse check.
        let hash = if st.size != was.size && !all {
            None
        } else {
            cache.hash(&path, &st).ok().map(|h| format!("{h:032x}"))
        };
        if hash.as_deref() == Some(was.hash.as_str()) {
            continue;
        }
        out.push(InputChange {
            was: was.clone(),
            now: Some(InputFile {
                name: was.name.clone(),
                size: st.size,
                mtime_ns: st.mtime_ns,
                hash: hash.unwrap_or_default(),
            }),
        });
        if !all {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_change_and_cache() {
        let tmp = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(tmp.path()).unwrap();
        let input = root.join("input");
        let job = root.join("job");
        std::fs::create_dir_all(&input).unwrap();
        std::fs::write(input.join("a.csv"), "x\n1\n").unwrap();
        record(&job, &input, &input.join("a.csv")).unwrap();
        record(&job, &input, &input.join("missing")).unwrap();
        record(&job, &input, &root.join("elsewhere")).unwrap();
        let names = logged(&job).unwrap();
        assert_eq!(names.iter().collect::<Vec<_>>(), ["a.csv", "missing"]);
        let cache = HashCache::new(&root.join(".exax"));
        let snap = snapshot(&cache, &input, &names).unwrap();
        assert_eq!(snap.len(), 1);
        assert_eq!(snap[0].size, 4);
        assert!(changes(&cache, &input, &snap, false).is_empty());

        // Same content, new time: unchanged.
        let f = std::fs::File::options().write(true).open(input.join("a.csv")).unwrap();
        f.set_modified(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(86_400))
            .unwrap();
        drop(f);
        assert!(changes(&cache, &input, &snap, false).is_empty());
        let text = std::fs::read_to_string(root.join(".exax").join(CACHE_FILE)).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");

        std::fs::write(input.join("a.csv"), "x\n2\n").unwrap();
        let c = changes(&cache, &input, &snap, true);
        assert_eq!(c.len(), 1);
        assert!(c[0].describe("input").ends_with(", content changed"), "{}", c[0].describe("input"));
        std::fs::remove_file(input.join("a.csv")).unwrap();
        assert_eq!(
            changes(&cache, &input, &snap, false)[0].describe("input/"),
            "input/a.csv: no longer exists"
        );
    }

    #[test]
    fn times() {
        assert_eq!(time_text(0), "1970-01-01 00:00:00.000000000");
        assert_eq!(time_text(1_764_302_462_500_000_000), "2025-11-28 04:01:02.500000000");
    }
}
