//! SIGKILL rounds (issue 14): a build of trivial jobs, dataset writers (analysis slices), subjobs
//! and an urd session is killed at a random moment, by killing its process group, its main
//! process only, or one analysis worker. After every kill: nothing of it is left running, every
//! finished job is whole (`exax job` reads it, `exax cat` reads each of its datasets with the
//! lines its metadata promises), and a rerun finishes with the right values (the build script
//! checks every result, so a wrongly reused job fails the rerun).
//!
//! The normal suite runs 10 rounds; `scripts/kill-rounds N` runs N (`EXAX_KILL_ROUNDS`).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::test::{exax_bin, Test};

pub const METHODS: &[(&str, &str)] = &[
    ("triv", "options = {n = 0}\nfunction synthesis(job) return options.n * 2 end\n"),
    (
        "writer",
        "options = {n = 0, rows = 100000}
function prepare(job)
  local dw = job:datasetwriter()
  dw:add('a', 'int64')
  dw:add('s', 'unicode')
  return dw
end
function analysis(sliceno, prepare_res)
  for i = 1, options.rows do
    if i % 2 == sliceno then prepare_res:write(i + options.n, 'row ' .. i) end
  end
end
function synthesis(job) return options.n end
",
    ),
    (
        "parent",
        "options = {n = 0}
local subjobs = require('exax.subjobs')
function synthesis(job)
  local a = subjobs.build('triv', {n = options.n + 100}):load()
  local b = subjobs.build('triv', {n = options.n + 200}):load()
  return a + b
end
",
    ),
];

/// Builds for round `r` (urd.args[1]); asserts every value, so reuse of a wrong job fails.
pub const BUILD: &str = "
function main(urd)
  local r = tonumber(urd.args[1] or '0')
  urd:begin('kills', string.format('2026-01-01T%02d:%02d:%02d', r // 3600 % 24, r // 60 % 60, r % 60), {update = true})
  for i = 1, 4 do
    local n = r * 10 + i
    assert(urd:build('triv', {n = n}):load() == 2 * n, 'triv')
  end
  local n = r
  local w = urd:build('writer', {n = n})
  assert(w:load() == n and w:dataset():lines() == 100000, 'writer')
  assert(urd:build('parent', {n = n}):load() == 2 * (n + 100) + 2 * (n + 200), 'parent')
  urd:finish('kills')
end
";

pub fn project() -> Test {
    let mut t = Test::new().build(BUILD);
    for (name, src) in METHODS {
        t = t.method(name, src);
    }
    t
}

/// A small xorshift generator: rounds differ, and a seed repeats a run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// SIGKILL to `pid` (a process group when negative); never 0 or -1, which would reach the
/// test's own group or every process.
fn kill(pid: i32) {
    assert!(pid != 0 && pid != -1, "refusing to kill {pid}");
    // SAFETY: kill only sends a signal.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
}

/// The processes whose parent is `pid`.
fn children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(n) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{n}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`; comm may hold spaces, so read after the last `)`.
        let after = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
        if after.split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok()) == Some(pid) {
            out.push(n);
        }
    }
    out
}

/// Whether any process of process group `pgid` is alive (zombies count as gone).
fn group_alive(pgid: u32) -> bool {
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        let after = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
        let f: Vec<&str> = after.split_whitespace().collect();
        if f.len() > 3 && f[2].parse::<u32>().ok() == Some(pgid) && f[0] != "Z" {
            return true;
        }
    }
    false
}

fn exax(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(exax_bin())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run exax")
}

/// Checks every finished job of the project; returns how many were checked.
pub fn check_finished_jobs(dir: &Path) -> usize {
    let wd = dir.join("workdirs/test");
    let mut checked = 0;
    for e in std::fs::read_dir(&wd).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with("test-") || !e.path().join("post.json").is_file() {
            continue;
        }
        let out = exax(dir, &["job", &name]);
        assert!(
            out.status.success() && String::from_utf8_lossy(&out.stdout).contains("finished"),
            "finished job {name} does not read back: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let post: serde_json::Value = serde_json::from_slice(&std::fs::read(e.path().join("post.json")).unwrap())
            .unwrap_or_else(|err| panic!("{name}/post.json: {err}"));
        for f in post["files"].as_array().into_iter().flatten() {
            let f = f.as_str().unwrap();
            assert!(e.path().join(f).is_file(), "{name}: listed file {f} is missing");
        }
        for ds in std::fs::read_dir(e.path().join("DS")).into_iter().flatten().flatten() {
            let meta: serde_json::Value = serde_json::from_slice(&std::fs::read(ds.path().join("dataset.json")).unwrap_or_default())
                .unwrap_or_else(|err| panic!("{name}: dataset {:?} has no readable dataset.json: {err}", ds.file_name()));
            let lines: u64 = meta["lines"].as_array().unwrap().iter().map(|l| l.as_u64().unwrap()).sum();
            let id = format!("{name}/{}", ds.file_name().to_string_lossy());
            let out = exax(dir, &["cat", &id]);
            assert!(out.status.success(), "exax cat {id}: {}", String::from_utf8_lossy(&out.stderr));
            let rows = String::from_utf8_lossy(&out.stdout).lines().count() as u64;
            assert_eq!(rows, lines, "{id}: rows read back against dataset.json");
        }
        checked += 1;
    }
    checked
}

/// What the rounds did.
#[derive(Debug, Default)]
pub struct Stats {
    pub rounds: u64,
    /// Rounds whose kill hit a running build (the rest had finished first).
    pub killed: u64,
    pub job_checks: usize,
}

/// Runs `rounds` kill rounds in one project.
pub fn kill_rounds(rounds: u64, seed: u64) -> Stats {
    let mut stats = Stats {
        rounds,
        ..Stats::default()
    };
    let t = project();
    let dir = t.path().to_path_buf();
    let mut rng = Rng::new(seed);
    // How long one round's build takes unkilled: the kills land anywhere inside it.
    let start = Instant::now();
    let out = exax(&dir, &["run", "-q", "build.lua", "--", &(rounds + 1000).to_string()]);
    assert!(
        out.status.success(),
        "the first build failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let span = start.elapsed().as_millis().max(20) as u64;
    // The project and its first jobs exist before the first kill.
    let _keep = t;
    for r in 0..rounds {
        let mode = r % 3;
        let mut cmd = Command::new(exax_bin());
        cmd.args(["run", "-q", "build.lua", "--", &r.to_string()])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd.spawn().expect("spawn exax");
        let pid = child.id();
        let delay = Duration::from_millis(rng.below(span * 3 / 4 + 1));
        let start = Instant::now();
        let mut killed_worker = false;
        while start.elapsed() < delay {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            if mode == 2 {
                // One analysis worker, as soon as there is one.
                if let Some(w) = children(pid).first() {
                    kill(*w as i32);
                    killed_worker = true;
                    break;
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        match mode {
            0 => kill(-(pid as i32)),
            1 => kill(pid as i32),
            _ if !killed_worker => kill(pid as i32),
            _ => {}
        }
        // A worker's death fails its job; the main process ends by itself.
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(st) = child.try_wait().unwrap() {
                break st;
            }
            assert!(Instant::now() < deadline, "round {r}: exax did not end after a worker was killed");
            std::thread::sleep(Duration::from_millis(10));
        };
        if killed_worker || std::os::unix::process::ExitStatusExt::signal(&status).is_some() {
            stats.killed += 1;
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while group_alive(pid) {
            assert!(
                Instant::now() < deadline,
                "round {r}: processes of the killed run are still running"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        stats.job_checks += check_finished_jobs(&dir);
        let out = exax(&dir, &["run", "-q", "build.lua", "--", &r.to_string()]);
        assert!(
            out.status.success(),
            "round {r} (mode {mode}): the rerun failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    stats.job_checks += check_finished_jobs(&dir);
    stats
}

#[test]
fn ten_kill_rounds() {
    let rounds = std::env::var("EXAX_KILL_ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    let seed = std::env::var("EXAX_KILL_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(14);
    let s = kill_rounds(rounds, seed);
    eprintln!(
        "kill rounds: {} rounds ({} killed a running build), {} finished-job checks",
        s.rounds, s.killed, s.job_checks
    );
    assert!(s.killed * 2 >= s.rounds, "most kills must hit a running build: {s:?}");
}
