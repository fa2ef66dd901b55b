//! The 4-way concurrency harness (issue 14): four `exax run`s of one build script start at once in
//! one project, again and again; each run builds some jobs of its own and some that all four
//! want. Every run must succeed with the right values (the build script checks them), no job may
//! be built twice (one finished job per reuse key), and every finished job must be whole.
//!
//! The normal suite runs 2 rounds; `scripts/concurrency N` runs N (`EXAX_CONCURRENCY_ROUNDS`).

use std::collections::BTreeMap;
use std::process::{Command, Stdio};

use crate::kill_rounds::{check_finished_jobs, METHODS};
use crate::test::{exax_bin, Test};

/// Runner `w` of round `r`: shared jobs (all four want them) and one job of its own.
const BUILD: &str = "
function main(urd)
  local r, w = tonumber(urd.args[1]), tonumber(urd.args[2])
  for i = 1, 3 do
    local n = 1000000 + r * 10 + i
    assert(urd:build('triv', {n = n}):load() == 2 * n, 'shared triv')
  end
  local own = 2000000 + r * 10 + w
  assert(urd:build('triv', {n = own}):load() == 2 * own, 'own triv')
  local d = urd:build('writer', {n = r, rows = 30000})
  assert(d:load() == r and d:dataset():lines() == 30000, 'shared writer')
  assert(urd:build('parent', {n = r}):load() == 2 * (r + 100) + 2 * (r + 200), 'shared parent')
end
";

pub struct Stats {
    pub rounds: u64,
    pub runs: u64,
    pub jobs: usize,
    pub job_checks: usize,
}

pub fn concurrency(rounds: u64) -> Stats {
    let mut t = Test::new().build(BUILD);
    for (name, src) in METHODS {
        t = t.method(name, src);
    }
    let dir = t.path().to_path_buf();
    let mut runs = 0;
    let mut job_checks = 0;
    for r in 0..rounds {
        let children: Vec<_> = (0..4)
            .map(|w| {
                Command::new(exax_bin())
                    .args(["run", "-q", "build.lua", "--", &r.to_string(), &w.to_string()])
                    .current_dir(&dir)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("spawn exax")
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {r}: a run failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            runs += 1;
        }
        job_checks += check_finished_jobs(&dir);
    }
    // One finished job per reuse key: nothing was built twice.
    let mut keys: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let wd = dir.join("workdirs/test");
    for e in std::fs::read_dir(&wd).unwrap().flatten() {
        let Ok(post) = std::fs::read(e.path().join("post.json")) else {
            continue;
        };
        let post: serde_json::Value = serde_json::from_slice(&post).unwrap();
        let key = post["hash"].as_str().unwrap_or_default().to_string();
        keys.entry(key).or_default().push(e.file_name().to_string_lossy().into_owned());
    }
    let twice: Vec<_> = keys.values().filter(|jobs| jobs.len() > 1).collect();
    assert!(twice.is_empty(), "jobs built twice: {twice:?}");
    // Per round: 3 shared triv, 4 own triv, a writer, a parent and its 2 subjobs.
    assert_eq!(keys.len() as u64, rounds * 11, "finished jobs");
    drop(t);
    Stats {
        rounds,
        runs,
        jobs: keys.len(),
        job_checks,
    }
}

#[test]
fn four_runs_at_once() {
    let rounds = std::env::var("EXAX_CONCURRENCY_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let s = concurrency(rounds);
    eprintln!(
        "concurrency: {} rounds, {} runs, {} jobs (none built twice), {} finished-job checks",
        s.rounds, s.runs, s.jobs, s.job_checks
    );
}
