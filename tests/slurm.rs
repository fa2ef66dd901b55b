//! `executor: slurm` against a real Slurm on this machine (`scripts/setup/slurm.sh`, run by
//! `.ci/setup`): the same results, files and output as local processes; a lost slice runs again
//! alone; a SIGKILLed `exax run` leaves no step running; slices as steps inside an allocation.
//! Each test skips, saying so on stderr, when `sinfo` does not answer.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::test::{exax_bin, Output, Test};

const LOCAL: &str = "slices: 3\nworkdirs:\n    test ./workdirs/test\nmethod directories:\n    ./methods\n";

fn slurm_conf(extra: &str) -> String {
    format!("{LOCAL}executor: slurm\n{extra}")
}

/// Whether a Slurm node answers; says why not on stderr (past the harness's capture).
fn slurm_up(test: &str) -> bool {
    let up = Command::new("sinfo")
        .args(["-h", "-o", "%t"])
        .output()
        .map(|o| {
            o.status.success()
                && String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .any(|l| ["idle", "mix", "alloc"].contains(&l.trim()))
        })
        .unwrap_or(false);
    if !up {
        let _ = writeln!(
            std::io::stderr(),
            "SKIP: slurm::{test}: no Slurm node answers `sinfo` (`scripts/setup/slurm.sh` starts a one-node cluster)"
        );
    }
    up
}

/// Every phase and slice talks in every way a method can, writes a dataset and a file per slice,
/// and returns a value.
const WORK: &str = r#"
local function talk(tag)
  io.write(tag, '-write\n')
  io.stderr:write(tag, '-stderr\n')
  io.write(tag, '-partial ')
  os.execute('echo ' .. tag .. '-shell; echo ' .. tag .. '-shell-stderr >&2')
  print(tag .. '-print', 42)
end
function prepare(job)
  talk('prepare')
  local dw = job:datasetwriter()
  dw:add('n', 'int64')
  dw:add('s', 'unicode')
  return {dw = dw, k = 7}
end
function analysis(sliceno, prepare_res, job)
  talk('slice' .. sliceno)
  for i = 1, 3 do prepare_res.dw:write(sliceno * 100 + i, 'r' .. i) end
  job:save({sliceno = sliceno}, 'part', {sliceno = sliceno})
  return {['s' .. sliceno] = sliceno * prepare_res.k}
end
function synthesis(analysis_res)
  talk('synthesis')
  return analysis_res:merge_auto()
end
"#;

const BUILD: &str = r#"
function main(urd)
  local j = urd:build('work')
  local r = j:load()
  print(r.s0, r.s1, r.s2)
  for n, s in j:dataset():iterate(nil, {'n', 's'}) do io.write(n, s, ' ') end
  print()
end
"#;

fn job_files(out: &Output) -> Vec<String> {
    let mut files: Vec<String> = Vec::new();
    let root = out.path().join("workdirs/test/test-0");
    let mut dirs = vec![root.clone()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                files.push(p.strip_prefix(&root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    files.sort();
    files
}

#[test]
fn slices_run_through_srun_with_the_same_results_files_and_output() {
    if !slurm_up("same_results") {
        return;
    }
    let run = |conf: &str| {
        Test::new()
            .file("accelerator.conf", conf)
            .method("work", WORK)
            .build(BUILD)
            .any_stdout()
            .run()
    };
    let local = run(LOCAL);
    let slurm = run(&slurm_conf(""));
    let results = "0\t7\t14\n1r1 2r2 3r3 101r1 102r2 103r3 201r1 202r2 203r3 \n";
    assert!(local.stdout.ends_with(results), "{}", local.stdout);
    assert!(slurm.stdout.ends_with(results), "{}", slurm.stdout);
    assert_eq!(job_files(&slurm), job_files(&local));
    for part in ["prepare", "0", "1", "2", "synthesis"] {
        let f = format!("workdirs/test/test-0/OUTPUT/{part}");
        assert_eq!(slurm.read(&f), local.read(&f), "OUTPUT/{part}");
    }
    for s in 0..3 {
        let f = format!("workdirs/test/test-0/part.{s}");
        let bytes = |o: &Output| std::fs::read(o.path().join(&f)).unwrap();
        assert_eq!(bytes(&slurm), bytes(&local), "{f}");
    }
    // The echo carries the same lines; srun's own lines are not among them.
    let mut a: Vec<&str> = slurm.stdout.lines().collect();
    let mut b: Vec<&str> = local.stdout.lines().collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    assert!(!slurm.stderr.contains("srun"), "{}", slurm.stderr);
}

/// Slice 1 kills its own worker on the first attempt (as a lost node would), and succeeds on the
/// next.
const LOSES_SLICE_1_ONCE: &str = r#"
function analysis(sliceno)
  print('slice ' .. sliceno .. ' starts')
  if sliceno == 1 then
    local f = io.open('../../../lost-once', 'r')
    if f then f:close() else
      io.open('../../../lost-once', 'w'):close()
      io.stdout:flush()
      os.execute('kill -9 $PPID')
    end
  end
  return sliceno * 10
end
function synthesis(analysis_res) print('sum', analysis_res[1] + analysis_res[2] + analysis_res[3]) end
"#;

#[test]
fn a_lost_slice_runs_again_alone() {
    if !slurm_up("lost_slice") {
        return;
    }
    let out = Test::new()
        .file("accelerator.conf", &slurm_conf("slurm retries: 1\n"))
        .method("lossy", LOSES_SLICE_1_ONCE)
        .build("function main(urd) urd:build('lossy') end")
        .any_stdout()
        .stderr_contains(
            "exax: slice 1 of test-0 was lost (the analysis worker exited with code 137 without a result; \
             srun: error: localhost: task 0: Killed); running it again (attempt 2 of 2)\n",
        )
        .run();
    assert!(out.stdout.ends_with("sum\t30\n"), "{}", out.stdout);
    // Slices 0 and 2 ran once; slice 1's output is its second attempt's alone.
    assert_eq!(out.stdout.matches("slice 0 starts").count(), 1);
    assert_eq!(out.read("workdirs/test/test-0/OUTPUT/1"), "slice 1 starts\n");
    assert_eq!(out.read("workdirs/test/test-0/OUTPUT/0"), "slice 0 starts\n");

    // Without retries the loss fails the job, and says how.
    Test::new()
        .file("accelerator.conf", &slurm_conf("slurm retries: 0\n"))
        .method("lossy", LOSES_SLICE_1_ONCE)
        .build("function main(urd) urd:build('lossy') end")
        .any_stdout()
        .stderr_contains(
            "error: the analysis worker exited with code 137 without a result; srun: error: localhost: task 0: Killed\n  \
             job:    test-0 (method lossy)\n  phase:  analysis (slice 1)\n",
        )
        .status(1)
        .run();
}

#[test]
fn a_method_error_fails_the_job_as_locally() {
    if !slurm_up("method_error") {
        return;
    }
    let method = "function analysis(sliceno)\n  if sliceno == 2 then error('no good') end\nend\n";
    let run = |conf: &str| {
        Test::new()
            .file("accelerator.conf", conf)
            .method("bad", method)
            .build("function main(urd) urd:build('bad') end")
            .any_stdout()
            .status(1)
            .run()
    };
    let local = run(LOCAL);
    let slurm = run(&slurm_conf(""));
    assert!(local.stderr.contains("methods/bad.lua:2: no good"), "{}", local.stderr);
    assert_eq!(slurm.stderr, local.stderr);
}

/// Every live process whose command line mentions `dir`.
fn processes_in(dir: &Path) -> Vec<String> {
    let needle = dir.to_string_lossy().into_owned();
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmd) = std::fs::read(e.path().join("cmdline")) {
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            if cmd.contains(&needle) {
                found.push(cmd);
            }
        }
    }
    found
}

fn squeue_names() -> Vec<String> {
    let o = Command::new("squeue").args(["-h", "-o", "%j"]).output().unwrap();
    String::from_utf8_lossy(&o.stdout).lines().map(str::to_string).collect()
}

#[test]
fn a_killed_run_leaves_no_step_running() {
    if !slurm_up("killed_run") {
        return;
    }
    let running = Test::new()
        .file("accelerator.conf", &slurm_conf(""))
        .method(
            "sleepy",
            "function analysis(sliceno)\n  print('slice ' .. sliceno .. ' started')\n  io.stdout:flush()\n  os.execute('sleep 60')\nend\n",
        )
        .build("function main(urd) urd:build('sleepy') end")
        .spawn();
    running.wait_stdout("three slices", |s| s.matches("started").count() == 3);
    let name = format!("exax-{}-{}-test-0", hostname(), running.pid());
    assert_eq!(squeue_names().iter().filter(|n| **n == name).count(), 3, "{:?}", squeue_names());
    let dir = running.path().to_path_buf();
    assert!(!processes_in(&dir).is_empty());
    Command::new("kill").args(["-9", &running.pid().to_string()]).status().unwrap();
    let t = Instant::now();
    loop {
        let left: Vec<String> = squeue_names().into_iter().filter(|n| *n == name).collect();
        let procs = processes_in(&dir);
        if left.is_empty() && procs.is_empty() {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "still running after 10 s: {left:?} {procs:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = running.finish();
}

fn hostname() -> String {
    let o = Command::new("hostname").output().unwrap();
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn inside_an_allocation_slices_are_its_steps() {
    if !slurm_up("allocation") {
        return;
    }
    let t = Test::new()
        .file("accelerator.conf", &slurm_conf(""))
        .method(
            "where",
            "function analysis(sliceno)\n  os.execute('echo job=${SLURM_JOB_ID:-none} step=${SLURM_STEP_ID:-none}')\nend\n",
        )
        .build("function main(urd) urd:build('where') end");
    let out = Command::new("salloc")
        .args(["--quiet", "-n2", "--job-name=exax-test-allocation"])
        .arg(exax_bin())
        .arg("run")
        .current_dir(t.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    // One allocation, three steps of it (numbered from 0), and nothing of srun's in the output.
    let mut lines: Vec<&str> = stdout.lines().filter(|l| l.starts_with("job=")).collect();
    lines.sort();
    assert_eq!(lines.len(), 3, "{stdout}");
    let job = lines[0].split(' ').next().unwrap();
    assert!(
        job != "job=none" && lines.iter().all(|l| l.starts_with(&format!("{job} step="))),
        "{lines:?}"
    );
    let mut steps: Vec<&str> = lines.iter().map(|l| l.split("step=").nth(1).unwrap()).collect();
    steps.sort();
    steps.dedup();
    assert_eq!(steps.len(), 3, "{lines:?}");
    assert!(!stdout.contains("srun") && !stderr.contains("srun"), "{stdout}{stderr}");
}

#[test]
fn bad_slurm_keys_name_the_line() {
    Test::new()
        .file("accelerator.conf", &slurm_conf("slurm time limit: soon\n"))
        .build("function main(urd) end")
        .stderr_contains(
            "accelerator.conf:7: slurm time limit: expected minutes, `H:M:S`, `D-H:M:S` or `UNLIMITED` (srun --time), got `soon`\n",
        )
        .status(1)
        .run();
    Test::new()
        .file("accelerator.conf", &format!("{LOCAL}executor: slrum\n"))
        .build("function main(urd) end")
        .stderr_contains("accelerator.conf:6: executor: expected `local` or `slurm`, got `slrum` (did you mean `slurm`?)\n")
        .status(1)
        .run();
}
