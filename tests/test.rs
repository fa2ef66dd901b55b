//! The `Test` builder: write accelerator.conf, methods and build scripts into a temporary
//! project, run the real `exax` binary, and assert exact stdout, stderr and exit code.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub const CONF: &str = "slices: 2\nworkdirs:\n    test ./workdirs/test\nmethod directories:\n    ./methods\n";

/// What `exax method` lists after a project's methods: the methods shipped with exax.
pub const SHIPPED: &str = "\
shipped with exax:\n\
csvexport               Export datasets (or chains of them) to a CSV file of the job.\n\
csvimport               Import a CSV file from the input directory into a dataset.\n\
csvimport_zip           Import the members of a zip file from the input directory, one dataset each.\n\
dataset_checksum        A checksum of some columns of a dataset, to compare datasets across machines.\n\
dataset_checksum_chain  dataset_checksum over a chain of datasets (source back to, not including, stop).\n\
dataset_concat          Concatenate a dataset chain into a single dataset.\n\
dataset_fanout          One dataset per value of a column of a dataset (or chain).\n\
dataset_filter_columns  Make only some columns of a dataset visible.\n\
dataset_hashpart        Rewrite a dataset (or a chain) with a new hashlabel.\n\
dataset_merge           Merge two or more datasets: their columns side by side.\n\
dataset_rename_columns  Rename columns of a dataset.\n\
dataset_sort            Stable sort of a dataset (or a chain) on one or more columns.\n\
dataset_type            Type text columns (bytes, ascii, unicode) of a dataset by the original's type names.\n\
dataset_unroundrobin    Put a round-robin sliced dataset back in file order.\n\
";

pub fn exax_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_exax"))
}

pub struct Test {
    dir: tempfile::TempDir,
    args: Vec<String>,
    cwd: Option<PathBuf>,
    stdout: Option<String>,
    stderr: Option<String>,
    stderr_contains: Vec<String>,
    status: i32,
    env: Vec<(String, String)>,
    /// A command that runs exax (`sh -c 'ulimit -v N; exec "$@"' sh`), or nothing.
    wrapper: Vec<String>,
}

pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub status: i32,
    pub dir: tempfile::TempDir,
}

impl Default for Test {
    fn default() -> Self {
        Self::new()
    }
}

impl Test {
    /// A project with two slices and the workdir `test`.
    pub fn new() -> Test {
        let t = Test::empty();
        t.file("accelerator.conf", CONF)
    }

    /// A directory with nothing in it.
    pub fn empty() -> Test {
        Test {
            dir: tempfile::Builder::new().prefix("exax-test").tempdir().expect("tempdir"),
            args: vec!["run".into()],
            cwd: None,
            stdout: Some(String::new()),
            stderr: None,
            stderr_contains: vec![],
            status: 0,
            env: vec![],
            wrapper: vec![],
        }
    }

    /// Runs exax under `sh -c 'SETUP; exec "$@"'` (e.g. `ulimit -v 500000`).
    pub fn under_shell(mut self, setup: &str) -> Test {
        self.wrapper = vec!["sh".into(), "-c".into(), format!("{setup}; exec \"$@\""), "sh".into()];
        self
    }

    fn command(&self) -> Command {
        let mut c = match self.wrapper.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(exax_bin());
                c
            }
            None => Command::new(exax_bin()),
        };
        c.args(&self.args)
            .current_dir(self.cwd.as_deref().unwrap_or(self.dir.path()))
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        c
    }

    /// Continue in the directory of an earlier run.
    pub fn again(out: Output) -> Test {
        let mut t = Test::empty();
        t.dir = out.dir;
        t
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(self, rel: &str, text: &str) -> Test {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, unindent(text)).unwrap();
        self
    }

    pub fn method(self, name: &str, src: &str) -> Test {
        self.file(&format!("methods/{name}.lua"), src)
    }

    pub fn build(self, src: &str) -> Test {
        self.file("build.lua", src)
    }

    pub fn args(mut self, args: &[&str]) -> Test {
        self.args = args.iter().map(|s| s.to_string()).collect();
        self
    }

    pub fn cwd(mut self, rel: &str) -> Test {
        self.cwd = Some(self.dir.path().join(rel));
        self
    }

    pub fn env(mut self, k: &str, v: &str) -> Test {
        self.env.push((k.into(), v.into()));
        self
    }

    pub fn stdout(mut self, s: &str) -> Test {
        self.stdout = Some(unindent(s));
        self
    }

    pub fn any_stdout(mut self) -> Test {
        self.stdout = None;
        self
    }

    /// Exact stderr after timings are replaced by `TIME` (see `normalize`).
    pub fn stderr(mut self, s: &str) -> Test {
        self.stderr = Some(unindent(s));
        self
    }

    pub fn stderr_contains(mut self, s: &str) -> Test {
        self.stderr_contains.push(s.to_string());
        self
    }

    pub fn status(mut self, code: i32) -> Test {
        self.status = code;
        self
    }

    pub fn run(self) -> Output {
        let out = self.command().stdin(std::process::Stdio::null()).output().expect("run exax");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = normalize(&String::from_utf8_lossy(&out.stderr));
        let status = out.status.code().unwrap_or(-1);
        let show = || format!("--- stdout:\n{stdout}--- stderr:\n{stderr}--- status {status}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE") && !stderr.contains("stack backtrace"),
            "a panic reached the user\n{}",
            show()
        );
        if let Some(want) = &self.stdout {
            assert_eq!(&stdout, want, "stdout differs\n{}", show());
        }
        if let Some(want) = &self.stderr {
            assert_eq!(&stderr, want, "stderr differs\n{}", show());
        }
        for want in &self.stderr_contains {
            assert!(stderr.contains(want.as_str()), "stderr lacks {want:?}\n{}", show());
        }
        assert_eq!(status, self.status, "exit status differs\n{}", show());
        Output {
            stdout,
            stderr,
            status,
            dir: self.dir,
        }
    }

    /// Starts the command without waiting, for tests that talk to a running `exax run`.
    pub fn spawn(self) -> Running {
        let mut child = self
            .command()
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run exax");
        let collect = |mut r: Box<dyn std::io::Read + Send>| {
            let buf = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
            let b2 = buf.clone();
            std::thread::spawn(move || {
                let mut chunk = [0u8; 4096];
                while let Ok(n) = r.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    b2.lock().unwrap().push_str(&String::from_utf8_lossy(&chunk[..n]));
                }
            });
            buf
        };
        let stdout = collect(Box::new(child.stdout.take().unwrap()));
        let stderr = collect(Box::new(child.stderr.take().unwrap()));
        Running {
            child,
            stdout,
            stderr,
            dir: self.dir,
        }
    }
}

/// A running `exax` started by `Test::spawn`, its output collected as it comes.
pub struct Running {
    pub child: std::process::Child,
    stdout: std::sync::Arc<std::sync::Mutex<String>>,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
    pub dir: tempfile::TempDir,
}

impl Running {
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    /// Waits (up to 30 s) until stdout satisfies `ready`; returns it.
    pub fn wait_stdout(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let out = self.stdout();
            if ready(&out) {
                return out;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what}\n--- stdout:\n{out}--- stderr:\n{}",
                self.stderr.lock().unwrap()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Waits for the exit; returns stdout, stderr (normalized) and the exit code.
    pub fn finish(mut self) -> Output {
        let status = self.child.wait().expect("wait for exax");
        // The collecting threads end at end-of-file, right after the exit.
        std::thread::sleep(std::time::Duration::from_millis(50));
        let stdout = self.stdout();
        let stderr = normalize(&self.stderr.lock().unwrap());
        Output {
            stdout,
            stderr,
            status: status.code().unwrap_or(-1),
            dir: self.dir,
        }
    }
}

impl Output {
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.dir.path().join(rel).exists()
    }
}

/// Removes the common indentation of a multi-line literal and its first empty line.
pub fn unindent(s: &str) -> String {
    let s = s.strip_prefix('\n').unwrap_or(s);
    let indent = s
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out: String = s
        .lines()
        .map(|l| if l.len() >= indent { &l[indent..] } else { l.trim_start() })
        .collect::<Vec<_>>()
        .join("\n");
    if s.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// Replaces durations such as `4.2 ms` or `1.05 s` with `TIME`.
pub fn normalize(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.') {
                j += 1;
            }
            let rest = &s[j..];
            let unit = if rest.starts_with(" ms") {
                3
            } else if rest.starts_with(" s") && !rest[2..].starts_with(|c: char| c.is_alphanumeric()) {
                2
            } else {
                0
            };
            if unit > 0 {
                out.push_str("TIME");
                i = j + unit;
                continue;
            }
            out.push_str(&s[i..j]);
            i = j;
            continue;
        }
        let ch = s[i..].chars().next().unwrap();
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}
