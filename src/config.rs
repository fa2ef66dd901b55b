//! accelerator.conf: exax's `key: value` format (values may continue on indented lines, `#`
//! comments, `${VAR}` / `${VAR=default}` from the environment, paths relative to the file).

use camino::{Utf8Path, Utf8PathBuf};

use crate::error::{did_you_mean, Error, IoContext, Result};

pub const FILE_NAME: &str = "accelerator.conf";

const KEYS: &[&str] = &[
    "slices",
    "workdirs",
    "target workdir",
    "method directories",
    "input directory",
    "result directory",
    "board listen",
    "urd",
    "jobs at once",
    "executor",
    "slurm partition",
    "slurm account",
    "slurm time limit",
    "slurm cpus per slice",
    "slurm memory per slice",
    "slurm extra",
    "slurm retries",
    "slurm status address",
];

#[derive(Debug, Clone)]
pub struct Config {
    pub path: Utf8PathBuf,
    pub slices: usize,
    /// How many builds of one `urd:build_all` run at once (default: `slices`).
    pub jobs_at_once: usize,
    /// (name, absolute path), in file order.
    pub workdirs: Vec<(String, Utf8PathBuf)>,
    pub target_workdir: String,
    pub method_directories: Vec<Utf8PathBuf>,
    pub input_directory: Utf8PathBuf,
    pub result_directory: Utf8PathBuf,
    /// Where `exax board` listens.
    pub board_listen: String,
    /// `urd: http://host:port` (spec section 8); read by the urd commands when they exist.
    #[allow(dead_code)]
    pub urd: Option<String>,
    /// Where analysis slices run (`executor:`).
    pub executor: ExecutorConfig,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExecutorConfig {
    /// Processes on this host (the default).
    Local,
    /// `srun` per slice (steps of the allocation when `exax run` runs inside one).
    Slurm(SlurmConfig),
}

/// The `slurm ...` keys (docs/slurm.md).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SlurmConfig {
    pub partition: Option<String>,
    pub account: Option<String>,
    /// As srun's `--time` takes it (`30`, `1:30:00`, `2-0`).
    pub time_limit: Option<String>,
    pub cpus_per_slice: Option<u32>,
    /// As srun's `--mem` takes it (`500M`, `4G`).
    pub memory_per_slice: Option<String>,
    /// Raw srun arguments, after exax's own.
    pub extra: Vec<String>,
    /// How many times a lost slice runs again.
    pub retries: u32,
    /// Where workers reach the status endpoint of `exax run`: a host name or address, with or
    /// without `:port`.
    pub status_address: Option<String>,
}

/// Slurm's `--time` forms: `M`, `M:S`, `H:M:S`, `D-H`, `D-H:M`, `D-H:M:S`, or `UNLIMITED`.
fn valid_time_limit(v: &str) -> bool {
    if v.eq_ignore_ascii_case("unlimited") || v.eq_ignore_ascii_case("infinite") {
        return true;
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (days, rest) = match v.split_once('-') {
        Some((d, r)) => (Some(d), r),
        None => (None, v),
    };
    let parts: Vec<&str> = rest.split(':').collect();
    days.is_none_or(digits) && parts.iter().all(|p| digits(p)) && parts.len() <= 3
}

/// Slurm's memory sizes: a whole number with an optional unit `K`, `M`, `G` or `T`.
fn valid_memory(v: &str) -> bool {
    let num = v.strip_suffix(['K', 'M', 'G', 'T', 'k', 'm', 'g', 't']).unwrap_or(v);
    !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit())
}

struct Entry {
    key: String,
    line: usize,
    /// (line, words) for the value on the key's line and each continuation line.
    values: Vec<(usize, Vec<String>)>,
    /// Some word of the value was quoted (text, never a number).
    quoted: bool,
}

impl Config {
    pub fn load(path: &Utf8Path) -> Result<Config> {
        let bytes = std::fs::read(path).at(path)?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let good = e.utf8_error().valid_up_to();
            let line = 1 + e.as_bytes()[..good].iter().filter(|&&b| b == b'\n').count();
            Error::Config {
                path: path.to_path_buf(),
                line,
                message: "the file is not UTF-8 text".into(),
            }
        })?;
        let config = Config::parse(path, &text, |k| std::env::var(k).ok())?;
        config.check_disk(&text)?;
        Ok(config)
    }

    /// What only the disk can tell: a directory setting that names something other than a
    /// directory, and two workdirs that are one directory through a symlink.
    fn check_disk(&self, text: &str) -> Result<()> {
        let line_of = |key: &str, value: &str| -> usize {
            let mut in_key = false;
            for (i, l) in text.lines().enumerate() {
                let mut l = strip_comment(l);
                if !l.starts_with([' ', '\t']) {
                    let split = l.split_once(':');
                    in_key = split.is_some_and(|(k, _)| k.trim() == key);
                    l = split.map_or("", |(_, v)| v);
                }
                let names = |w: &str| {
                    let w = w.trim_matches(['"', '\'']);
                    w == value || w.ends_with(&format!("/{value}"))
                };
                if in_key && l.split_whitespace().any(names) {
                    return i + 1;
                }
            }
            text.lines()
                .position(|l| l.split_once(':').is_some_and(|(k, _)| k.trim() == key))
                .map_or(1, |i| i + 1)
        };
        let err = |line: usize, message: String| Error::Config {
            path: self.path.clone(),
            line,
            message,
        };
        let not_dir = |key: &str, p: &Utf8Path| -> Result<()> {
            match p.metadata() {
                Ok(m) if !m.is_dir() => {
                    let name = p.file_name().unwrap_or(p.as_str());
                    Err(err(line_of(key, name), format!("{key}: {p} is a file, not a directory")))
                }
                _ => Ok(()),
            }
        };
        let mut real: Vec<(&str, Utf8PathBuf)> = Vec::new();
        for (name, p) in &self.workdirs {
            not_dir("workdirs", p)?;
            if let Ok(r) = p.canonicalize_utf8() {
                if let Some((other, _)) = real.iter().find(|(_, o)| *o == r) {
                    return Err(err(
                        line_of("workdirs", name),
                        format!("workdirs `{other}` and `{name}` are one directory ({r}); each workdir needs its own"),
                    ));
                }
                real.push((name, r));
            }
        }
        for p in &self.method_directories {
            not_dir("method directories", p)?;
        }
        not_dir("input directory", &self.input_directory)?;
        not_dir("result directory", &self.result_directory)
    }

    pub fn parse(path: &Utf8Path, text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Config> {
        let dir = path.parent().unwrap_or(Utf8Path::new("."));
        let err = |line: usize, message: String| Error::Config {
            path: path.to_path_buf(),
            line,
            message,
        };
        let mut entries: Vec<Entry> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let content = strip_comment(raw);
            if content.trim().is_empty() {
                continue;
            }
            let words = |s: &str| {
                let text = interpolate(s, &env).map_err(|m| err(line, m))?;
                Ok::<_, Error>((split_words(&text).map_err(|m| err(line, m))?, text.contains(['"', '\''])))
            };
            if content.starts_with([' ', '\t']) {
                let Some(entry) = entries.last_mut() else {
                    return Err(err(line, "an indented line must continue a `key:` line".into()));
                };
                let (w, quoted) = words(content)?;
                entry.quoted |= quoted;
                entry.values.push((line, w));
                continue;
            }
            let Some((key, value)) = content.split_once(':') else {
                return Err(err(line, format!("expected `key: value`, got `{}`", content.trim())));
            };
            let key = key.trim().to_string();
            if !KEYS.contains(&key.as_str()) {
                return Err(err(
                    line,
                    format!("unknown key `{key}`{}", did_you_mean(&key, KEYS.iter().copied())),
                ));
            }
            if entries.iter().any(|e| e.key == key) {
                return Err(err(line, format!("`{key}` is given twice")));
            }
            let mut values = Vec::new();
            let (w, quoted) = words(value)?;
            if !w.is_empty() {
                values.push((line, w));
            }
            entries.push(Entry { key, line, values, quoted });
        }

        let find = |k: &str| entries.iter().find(|e| e.key == k);
        let abs = |p: &str| -> Utf8PathBuf {
            let p = Utf8Path::new(p);
            let joined = if p.is_absolute() { p.to_path_buf() } else { dir.join(p) };
            normalize(&joined)
        };
        let single = |e: &Entry| -> Result<String> {
            match e.values.as_slice() {
                [(_, w)] if w.len() == 1 => Ok(w[0].clone()),
                [] => Err(err(e.line, format!("`{}` needs a value", e.key))),
                _ => Err(err(e.line, format!("`{}` takes exactly one value", e.key))),
            }
        };

        let slices = match find("slices") {
            None => return Err(err(1, "missing `slices:` (the number of parallel slices)".into())),
            Some(e) => {
                let v = single(e)?;
                match v.parse::<usize>() {
                    Ok(n) if (1..=1024).contains(&n) && !e.quoted => n,
                    _ if e.quoted => {
                        return Err(err(
                            e.line,
                            format!(
                                "slices: expected a whole number from 1 to 1024, got the quoted text `\"{v}\"` (write it without quotes)"
                            ),
                        ))
                    }
                    _ => return Err(err(e.line, format!("slices: expected a whole number from 1 to 1024, got `{v}`"))),
                }
            }
        };
        let mut workdirs: Vec<(String, Utf8PathBuf)> = Vec::new();
        match find("workdirs") {
            None => return Err(err(1, "missing `workdirs:` (lines of `name path`)".into())),
            Some(e) => {
                if e.values.is_empty() {
                    return Err(err(e.line, "`workdirs` needs at least one `name path` line".into()));
                }
                for (line, w) in &e.values {
                    let [name, p] = w.as_slice() else {
                        return Err(err(*line, "a workdir is `name path`".into()));
                    };
                    if !valid_workdir_name(name) {
                        return Err(err(*line, format!("bad workdir name `{name}`: use letters, digits, `_` and `-`")));
                    }
                    if workdirs.iter().any(|(n, _)| n == name) {
                        return Err(err(*line, format!("workdir `{name}` is defined twice")));
                    }
                    let path = abs(p);
                    if let Some((other, _)) = workdirs.iter().find(|(_, o)| *o == path) {
                        return Err(err(
                            *line,
                            format!("workdirs `{other}` and `{name}` are one directory ({path}); each workdir needs its own"),
                        ));
                    }
                    workdirs.push((name.clone(), path));
                }
            }
        }
        let target_workdir = match find("target workdir") {
            None => workdirs[0].0.clone(),
            Some(e) => {
                let v = single(e)?;
                if !workdirs.iter().any(|(n, _)| *n == v) {
                    let names = workdirs.iter().map(|(n, _)| n.as_str());
                    return Err(err(
                        e.line,
                        format!("target workdir `{v}` is not one of the workdirs{}", did_you_mean(&v, names)),
                    ));
                }
                v
            }
        };
        let method_directories = match find("method directories") {
            None => vec![abs("./methods")],
            Some(e) => {
                let dirs: Vec<_> = e.values.iter().flat_map(|(_, w)| w.iter().map(|p| abs(p))).collect();
                if dirs.is_empty() {
                    return Err(err(e.line, "`method directories` needs at least one path".into()));
                }
                dirs
            }
        };
        let path_or = |k: &str, default: &str| -> Result<Utf8PathBuf> {
            match find(k) {
                None => Ok(abs(default)),
                Some(e) => Ok(abs(&single(e)?)),
            }
        };
        let input_directory = path_or("input directory", "./input")?;
        let result_directory = path_or("result directory", "./results")?;
        let board_listen = match find("board listen") {
            None => "127.0.0.1:8520".to_string(),
            Some(e) => {
                let v = single(e)?;
                check_address(&v).map_err(|m| err(e.line, format!("board listen: `{v}` {m}")))?;
                v
            }
        };
        let urd = match find("urd") {
            None => None,
            Some(e) => {
                let v = single(e)?;
                check_url(&v).map_err(|m| err(e.line, format!("urd: `{v}` {m}")))?;
                Some(v)
            }
        };
        let jobs_at_once = match find("jobs at once") {
            None => slices,
            Some(e) => {
                let v = single(e)?;
                match v.parse::<usize>() {
                    Ok(n) if (1..=1024).contains(&n) => n,
                    _ => {
                        return Err(err(
                            e.line,
                            format!("jobs at once: expected a whole number from 1 to 1024, got `{v}`"),
                        ))
                    }
                }
            }
        };
        let word = |k: &str, check: fn(&str) -> bool, expected: &str| -> Result<Option<String>> {
            let Some(e) = find(k) else { return Ok(None) };
            let v = single(e)?;
            if !check(&v) {
                return Err(err(e.line, format!("{k}: expected {expected}, got `{v}`")));
            }
            Ok(Some(v))
        };
        let number = |k: &str, range: std::ops::RangeInclusive<u32>| -> Result<Option<u32>> {
            let Some(e) = find(k) else { return Ok(None) };
            let v = single(e)?;
            match v.parse::<u32>() {
                Ok(n) if range.contains(&n) => Ok(Some(n)),
                _ => Err(err(
                    e.line,
                    format!("{k}: expected a whole number from {} to {}, got `{v}`", range.start(), range.end()),
                )),
            }
        };
        let slurm = SlurmConfig {
            partition: word("slurm partition", |_| true, "")?,
            account: word("slurm account", |_| true, "")?,
            time_limit: word(
                "slurm time limit",
                valid_time_limit,
                "minutes, `H:M:S`, `D-H:M:S` or `UNLIMITED` (srun --time)",
            )?,
            cpus_per_slice: number("slurm cpus per slice", 1..=4096)?,
            memory_per_slice: word("slurm memory per slice", valid_memory, "a size such as `500M` or `4G` (srun --mem)")?,
            extra: find("slurm extra")
                .map(|e| e.values.iter().flat_map(|(_, w)| w.iter().cloned()).collect())
                .unwrap_or_default(),
            retries: number("slurm retries", 0..=100)?.unwrap_or(2),
            status_address: word("slurm status address", |_| true, "")?,
        };
        let executor = match find("executor") {
            None => ExecutorConfig::Local,
            Some(e) => match single(e)?.as_str() {
                "local" => ExecutorConfig::Local,
                "slurm" => ExecutorConfig::Slurm(slurm),
                other => {
                    return Err(err(
                        e.line,
                        format!(
                            "executor: expected `local` or `slurm`, got `{other}`{}",
                            did_you_mean(other, ["local", "slurm"])
                        ),
                    ))
                }
            },
        };
        Ok(Config {
            path: path.to_path_buf(),
            slices,
            jobs_at_once,
            workdirs,
            target_workdir,
            method_directories,
            input_directory,
            result_directory,
            board_listen,
            urd,
            executor,
        })
    }
}

/// `host:port` (a name, an IPv4 address or a bracketed IPv6 address; a port from 1 to 65535).
fn check_address(v: &str) -> Result<(), String> {
    let expected = "is not an address (expected `host:port`, like `127.0.0.1:8520` or `localhost:8520`)";
    let Some((host, port)) = v.rsplit_once(':') else {
        return Err(expected.into());
    };
    if !matches!(port.parse::<u16>(), Ok(p) if p > 0) || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err("has no port from 1 to 65535 (expected `host:port`, like `127.0.0.1:8520`)".into());
    }
    let ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
        None => {
            host.parse::<std::net::Ipv4Addr>().is_ok()
                || (!host.is_empty()
                    && host.len() <= 253
                    && !host.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                    && host.split('.').all(|l| {
                        !l.is_empty()
                            && !l.starts_with('-')
                            && !l.ends_with('-')
                            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    }))
        }
    };
    if ok {
        Ok(())
    } else {
        Err(expected.into())
    }
}

/// `http://host:port` (with an optional path), the address of an `exax urd-server`.
fn check_url(v: &str) -> Result<(), String> {
    let Some(rest) = v.strip_prefix("http://") else {
        return Err("is not an http:// URL (expected `http://host:port`, where `exax urd-server` listens)".into());
    };
    let authority = rest.split('/').next().unwrap_or("");
    let with_port = if authority.rsplit_once(':').is_some_and(|(_, p)| !p.contains(']')) {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    check_address(&with_port).map_err(|_| "is not a URL with a host (expected `http://host:port`)".to_string())
}

pub fn valid_workdir_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `#` starts a comment at the start of a line or after whitespace (so `http://a#b` survives).
fn strip_comment(line: &str) -> &str {
    let b = line.as_bytes();
    for i in 0..b.len() {
        if b[i] == b'#' && (i == 0 || b[i - 1] == b' ' || b[i - 1] == b'\t') {
            return &line[..i];
        }
    }
    line
}

fn interpolate(s: &str, env: &impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(pos) = rest.find("${") {
        if pos > 0 && rest.as_bytes()[pos - 1] == b'\\' {
            out.push_str(&rest[..pos - 1]);
            out.push_str("${");
            rest = &rest[pos + 2..];
            continue;
        }
        out.push_str(&rest[..pos]);
        let Some(end) = rest[pos..].find('}') else {
            return Err("unterminated `${`".into());
        };
        let inner = &rest[pos + 2..pos + end];
        let (name, default) = match inner.split_once('=') {
            Some((n, d)) => (n, Some(d)),
            None => (inner, None),
        };
        match (env(name), default) {
            (Some(v), _) => out.push_str(&v),
            (None, Some(d)) => out.push_str(d),
            (None, None) => {
                return Err(format!(
                    "environment variable `{name}` is not set (write `${{{name}=default}}` for a default)"
                ))
            }
        }
        rest = &rest[pos + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Splits on whitespace; single or double quotes keep spaces in a word.
fn split_words(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            None => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err("unterminated quote".into());
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

/// Removes `.` and `..` components without touching the file system.
pub fn normalize(p: &Utf8Path) -> Utf8PathBuf {
    let mut out = Utf8PathBuf::new();
    for c in p.components() {
        match c {
            camino::Utf8Component::CurDir => {}
            camino::Utf8Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::parse(Utf8Path::new("/p/accelerator.conf"), text, |k| {
            (k == "HOME").then(|| "/home/u".to_string())
        })
    }

    fn message(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn spec_example() {
        let c = parse(
            "slices: 2\nworkdirs:\n    demo ./workdirs/demo\ntarget workdir: demo\nmethod directories:\n    ./methods\n\
             input directory: ./input\nresult directory: ./results\nboard listen: 127.0.0.1:8520\n",
        )
        .unwrap();
        assert_eq!(c.slices, 2);
        assert_eq!(c.jobs_at_once, 2);
        assert_eq!(c.workdirs, vec![("demo".to_string(), Utf8PathBuf::from("/p/workdirs/demo"))]);
        assert_eq!(c.target_workdir, "demo");
        assert_eq!(c.method_directories, vec![Utf8PathBuf::from("/p/methods")]);
        assert_eq!(c.input_directory, "/p/input");
        assert_eq!(c.board_listen, "127.0.0.1:8520");
    }

    #[test]
    fn comments_env_and_defaults() {
        let c = parse("# top\nslices: 3 # three\nworkdirs: w ${HOME}/wd\nmethod directories: ${NOPE=./m} ./n\n").unwrap();
        assert_eq!(c.slices, 3);
        assert_eq!(c.workdirs[0].1, "/home/u/wd");
        assert_eq!(c.target_workdir, "w");
        assert_eq!(c.method_directories, vec![Utf8PathBuf::from("/p/m"), Utf8PathBuf::from("/p/n")]);
        assert_eq!(c.result_directory, "/p/results");
    }

    #[test]
    fn errors_have_lines() {
        assert_eq!(
            message("slices: 2\nslice: 3\n"),
            "/p/accelerator.conf:2: unknown key `slice` (did you mean `slices`?)"
        );
        assert_eq!(
            message("slices: two\nworkdirs: a ./a\n"),
            "/p/accelerator.conf:1: slices: expected a whole number from 1 to 1024, got `two`"
        );
        assert_eq!(
            message("slices: 2\nworkdirs: a ./a\njobs at once: 0\n"),
            "/p/accelerator.conf:3: jobs at once: expected a whole number from 1 to 1024, got `0`"
        );
        assert_eq!(
            message("slices: 2\nworkdirs:\n  a ./a\ntarget workdir: b\n"),
            "/p/accelerator.conf:4: target workdir `b` is not one of the workdirs"
        );
        assert_eq!(
            message("slices: 2\n"),
            "/p/accelerator.conf:1: missing `workdirs:` (lines of `name path`)"
        );
        assert_eq!(
            message("  x\n"),
            "/p/accelerator.conf:1: an indented line must continue a `key:` line"
        );
        assert_eq!(
            message("slices: 1\nworkdirs: a ${UNSET}\n"),
            "/p/accelerator.conf:2: environment variable `UNSET` is not set (write `${UNSET=default}` for a default)"
        );
    }

    #[test]
    fn values_are_checked() {
        const W: &str = "slices: 2\nworkdirs: a ./a\n";
        assert_eq!(
            message("slices: \"2\"\nworkdirs: a ./a\n"),
            "/p/accelerator.conf:1: slices: expected a whole number from 1 to 1024, got the quoted text `\"2\"` (write it without quotes)"
        );
        assert_eq!(
            message(&format!("{W}board listen: not-an-address\n")),
            "/p/accelerator.conf:3: board listen: `not-an-address` is not an address (expected `host:port`, like `127.0.0.1:8520` or `localhost:8520`)"
        );
        assert_eq!(
            message(&format!("{W}board listen: localhost:99999\n")),
            "/p/accelerator.conf:3: board listen: `localhost:99999` has no port from 1 to 65535 (expected `host:port`, like `127.0.0.1:8520`)"
        );
        for bad in ["::::", "1.2.3.4.5:80", ":80", "a b:80", "[zz]:80"] {
            assert!(parse(&format!("{W}board listen: '{bad}'\n")).is_err(), "{bad}");
        }
        for good in [
            "127.0.0.1:8520",
            "localhost:1",
            "[::1]:8520",
            "my-host.example.com:80",
            "0.0.0.0:8520",
        ] {
            assert_eq!(parse(&format!("{W}board listen: {good}\n")).unwrap().board_listen, good);
        }
        assert_eq!(
            message(&format!("{W}urd: ::::\n")),
            "/p/accelerator.conf:3: urd: `::::` is not an http:// URL (expected `http://host:port`, where `exax urd-server` listens)"
        );
        assert_eq!(
            message(&format!("{W}urd: http://\n")),
            "/p/accelerator.conf:3: urd: `http://` is not a URL with a host (expected `http://host:port`)"
        );
        for good in ["http://localhost:8833", "http://10.0.0.1:80/", "http://urd", "http://[::1]:8833"] {
            assert_eq!(parse(&format!("{W}urd: {good}\n")).unwrap().urd.as_deref(), Some(good));
        }
        assert_eq!(
            message("slices: 2\nworkdirs:\n  a ./wd\n  b ./x/../wd\n"),
            "/p/accelerator.conf:4: workdirs `a` and `b` are one directory (/p/wd); each workdir needs its own"
        );
    }

    #[test]
    fn the_disk_is_checked() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = Utf8Path::from_path(tmp.path()).unwrap();
        let conf = dir.join(FILE_NAME);
        std::fs::write(dir.join("afile"), "x").unwrap();
        std::fs::create_dir(dir.join("wd")).unwrap();
        std::os::unix::fs::symlink(dir.join("wd"), dir.join("same")).unwrap();
        let load = |text: &[u8]| {
            std::fs::write(&conf, text).unwrap();
            Config::load(&conf).unwrap_err().to_string().replace(dir.as_str(), "DIR")
        };
        assert_eq!(
            load(b"slices: 2\nworkdirs: a ./wd\n# caf\xe9\n"),
            "DIR/accelerator.conf:3: the file is not UTF-8 text"
        );
        assert_eq!(
            load(b"slices: 2\nworkdirs: a ./wd\nresult directory: ./afile\n"),
            "DIR/accelerator.conf:3: result directory: DIR/afile is a file, not a directory"
        );
        assert_eq!(
            load(b"slices: 2\nworkdirs:\n  a ./wd\n  b ./same\n"),
            "DIR/accelerator.conf:4: workdirs `a` and `b` are one directory (DIR/wd); each workdir needs its own"
        );
    }

    #[test]
    fn slurm_keys() {
        let base = "slices: 2\nworkdirs: a ./a\n";
        assert_eq!(parse(base).unwrap().executor, ExecutorConfig::Local);
        let c = parse(&format!(
            "{base}executor: slurm\nslurm partition: short\nslurm account: lab\nslurm time limit: 1-2:30:00\n\
             slurm cpus per slice: 4\nslurm memory per slice: 500M\nslurm extra: --qos=low\n  \"--comment=a b\"\nslurm retries: 0\n"
        ))
        .unwrap();
        assert_eq!(
            c.executor,
            ExecutorConfig::Slurm(SlurmConfig {
                partition: Some("short".into()),
                account: Some("lab".into()),
                time_limit: Some("1-2:30:00".into()),
                cpus_per_slice: Some(4),
                memory_per_slice: Some("500M".into()),
                extra: vec!["--qos=low".into(), "--comment=a b".into()],
                retries: 0,
                status_address: None,
            })
        );
        let e = parse(&format!("{base}executor: slurm\nslurm status address: head1:4000\n")).unwrap();
        assert_eq!(
            e.executor,
            ExecutorConfig::Slurm(SlurmConfig {
                retries: 2,
                status_address: Some("head1:4000".into()),
                ..SlurmConfig::default()
            })
        );
        let d = parse(&format!("{base}executor: slurm\n")).unwrap();
        assert_eq!(
            d.executor,
            ExecutorConfig::Slurm(SlurmConfig {
                retries: 2,
                ..SlurmConfig::default()
            })
        );
        assert_eq!(
            message(&format!("{base}executor: slrum\n")),
            "/p/accelerator.conf:3: executor: expected `local` or `slurm`, got `slrum` (did you mean `slurm`?)"
        );
        assert_eq!(
            message(&format!("{base}executor: slurm\nslurm time limit: 1:2:3:4\n")),
            "/p/accelerator.conf:4: slurm time limit: expected minutes, `H:M:S`, `D-H:M:S` or `UNLIMITED` (srun --time), got `1:2:3:4`"
        );
        assert_eq!(
            message(&format!("{base}slurm memory per slice: lots\n")),
            "/p/accelerator.conf:3: slurm memory per slice: expected a size such as `500M` or `4G` (srun --mem), got `lots`"
        );
        assert_eq!(
            message(&format!("{base}slurm cpus per slice: 0\n")),
            "/p/accelerator.conf:3: slurm cpus per slice: expected a whole number from 1 to 4096, got `0`"
        );
        assert_eq!(
            message(&format!("{base}slurm retries: -1\n")),
            "/p/accelerator.conf:3: slurm retries: expected a whole number from 0 to 100, got `-1`"
        );
        assert_eq!(
            message(&format!("{base}slurm partitions: x\n")),
            "/p/accelerator.conf:3: unknown key `slurm partitions` (did you mean `slurm partition`?)"
        );
        assert!(valid_time_limit("30") && valid_time_limit("2-0") && valid_time_limit("UNLIMITED"));
        assert!(!valid_time_limit("") && !valid_time_limit("1h") && !valid_time_limit("-3"));
    }
}
