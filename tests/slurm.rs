//! `executor: slurm` against a real Slurm on this machine (`scripts/setup/slurm.sh`, run by
//! `.ci/setup`): the same results, files and output as local processes; a lost slice runs again
//! alone; a SIGKILLed `exax run` leaves no step running; slices as steps inside an allocation;
//! `exax status` and SIGUSR1 (CTRL+T's tree) show slice workers' lines over the run's TCP
//! endpoint, with the host of a slice on another node; workers whose run is gone exit. With the
//! second node (`node2`, in namespaces of its own): a slice on a node taken down runs again alone,
//! and two jobs of two slices each finish in about the time of one. Each test skips, saying so on
//! stderr, when `sinfo` does not answer (or node2 is missing). They run one at a time (`SERIAL`):
//! they share the cluster, take nodes down and time themselves.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::status::untime;
use crate::test::{exax_bin, Output, Test};

static SERIAL: Mutex<()> = Mutex::new(());

/// SIGKILLs a spawned `exax run` when dropped (a failed assertion must not leave it waiting at
/// its gate, holding the cluster), and cancels what its run name still holds.
struct KillOnDrop(u32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-9", &self.0.to_string()])
            .stderr(std::process::Stdio::null())
            .status();
        let _ = Command::new("scancel")
            .arg(format!("--name=exax-{}-{}-test-0", hostname(), self.0))
            .status();
    }
}

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

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
            "SKIP: slurm::{test}: no Slurm node answers `sinfo` (`scripts/setup/slurm.sh` starts a local cluster)"
        );
    }
    up
}

/// Whether node1 and node2 of partition `two` both answer; says why not on stderr.
fn two_nodes_up(test: &str) -> bool {
    let up = Command::new("sinfo")
        .args(["-h", "-N", "-p", "two", "-o", "%N %t"])
        .output()
        .map(|o| {
            let text = String::from_utf8_lossy(&o.stdout).into_owned();
            ["node1", "node2"].iter().all(|n| {
                text.lines().any(|l| {
                    let mut w = l.split_whitespace();
                    w.next() == Some(n) && w.next().is_some_and(|st| ["idle", "mix", "alloc"].contains(&st))
                })
            })
        })
        .unwrap_or(false);
    if !up {
        let _ = writeln!(
            std::io::stderr(),
            "SKIP: slurm::{test}: the two-node partition `two` (node1, node2) does not answer `sinfo` \
             (`scripts/setup/slurm.sh` starts node2 in namespaces of its own)"
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
    let _serial = serial();
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
    let _serial = serial();
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
             srun: error: node1: task 0: Killed); running it again (attempt 2 of 2)\n",
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
            "error: the analysis worker exited with code 137 without a result; srun: error: node1: task 0: Killed\n  \
             job:    test-0 (method lossy)\n  phase:  analysis (slice 1)\n",
        )
        .status(1)
        .run();
}

/// Slice 1, on its first attempt, writes 20,000 rows to two datasets (past a block, so its parts
/// are on disk), saves a file whole and leaves another half written, then kills its worker. The
/// retry writes two rows to the first dataset alone, and no files.
const LOSES_SLICE_1_MID_WRITE: &str = r#"
function prepare(job)
  local dw = job:datasetwriter()
  dw:add('n', 'int64')
  dw:add('s', 'unicode')
  local other = job:datasetwriter({name = 'other'})
  other:add('n', 'int64')
  return {dw = dw, other = other}
end
function analysis(sliceno, prepare_res, job)
  local dw, other = prepare_res.dw, prepare_res.other
  if sliceno == 1 then
    local f = io.open('../../../lost-once', 'r')
    if f then f:close() else
      io.open('../../../lost-once', 'w'):close()
      for i = 1, 20000 do dw:write(i, 'lost' .. i) other:write(i) end
      job:save('whole', 'saved.txt')
      local half = job:open('half.txt', 'w')
      half:write('half of it')
      half:flush()
      os.execute('kill -9 $PPID')
    end
  else
    other:write(sliceno)
  end
  dw:write(sliceno * 10, 'kept')
  dw:write(sliceno * 10 + 1, 'kept')
end
"#;

#[test]
fn a_lost_slice_leaves_no_dataset_files_behind() {
    let _serial = serial();
    if !slurm_up("lost_mid_write") {
        return;
    }
    let build = "function main(urd)\n  local j = urd:build('lossy')\n  \
                 for n, s in j:dataset():iterate(nil, {'n', 's'}) do io.write(n, s, ' ') end\n  \
                 for n in j:dataset('other'):iterate(nil, 'n') do io.write(n, ' ') end\n  print()\nend\n";
    let out = Test::new()
        .file("accelerator.conf", &slurm_conf("slurm retries: 1\n"))
        .method("lossy", LOSES_SLICE_1_MID_WRITE)
        .build(build)
        .stdout("0kept 1kept 10kept 11kept 20kept 21kept 0 2 \n")
        .stderr_contains("exax: slice 1 of test-0 was lost (")
        .run();
    // Nothing the lost attempt wrote survives: no temporary parts, markers or directories of
    // its own, in either dataset, and neither of its files.
    for ds in ["default", "other"] {
        let dir = out.path().join("workdirs/test/test-0/DS").join(ds);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert!(
            names
                .iter()
                .all(|n| n == "dataset.json" || n.starts_with("c0.") || n.starts_with("c1.")),
            "{ds}: {names:?}"
        );
        assert!(!names.iter().any(|n| n.ends_with(".tmp")), "{ds}: {names:?}");
    }
    assert!(!out.exists("workdirs/test/test-0/half.txt"));
    assert!(!out.exists("workdirs/test/test-0/saved.txt"));
    let out = Test::again(out)
        .args(&["verify", "test-0"])
        .stdout("1 job checked: 1 whole, 0 damaged\n")
        .run();
    Test::again(out)
        .args(&["job", "test-0", "-f", "half.txt"])
        .stderr("error: job test-0 has no file `half.txt`\n")
        .status(1)
        .run();
}

#[test]
fn a_method_error_fails_the_job_as_locally() {
    let _serial = serial();
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
    let _serial = serial();
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
    let _serial = serial();
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

/// Each slice says where it runs, then waits in a status message until the file `gate` exists.
const GATED_WHERE: &str = r#"
options = {gate = ''}
function analysis(sliceno)
  local h = io.popen('hostname'):read('l')
  local update <close> = status('waiting')
  update('slice ' .. sliceno .. ' waits for the gate')
  print('ready ' .. sliceno .. ' ' .. h)
  io.stdout:flush()
  while true do
    local g = io.open(options.gate)
    if g then g:close() break end
    os.execute('sleep 0.05')
  end
end
"#;

fn gated_where(conf: &str) -> crate::test::Running {
    let t = Test::new().file("accelerator.conf", conf).method("gated", GATED_WHERE).build(
        "function main(urd)\n  local s <close> = status('building the gated job')\n  urd:build('gated', {gate = os.getenv('GATE')})\nend\n",
    );
    let gate = t.path().join("gate");
    t.env("GATE", gate.to_str().unwrap()).spawn()
}

/// The host each slice printed, by slice number.
fn hosts_of(out: &str) -> Vec<String> {
    let mut hosts: Vec<(usize, String)> = out
        .lines()
        .filter_map(|l| l.strip_prefix("ready "))
        .filter_map(|l| {
            let (s, h) = l.split_once(' ')?;
            Some((s.parse().ok()?, h.to_string()))
        })
        .collect();
    hosts.sort();
    hosts.into_iter().map(|(_, h)| h).collect()
}

fn exax_status(dir: &Path) -> String {
    let out = Command::new(exax_bin()).arg("status").current_dir(dir).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    untime(&String::from_utf8_lossy(&out.stdout))
}

fn open_gate_and_finish(run: crate::test::Running) -> Output {
    std::fs::write(run.path().join("gate"), "").unwrap();
    let done = run.finish();
    assert_eq!(done.status, 0, "{}{}", done.stdout, done.stderr);
    done
}

#[test]
fn exax_status_shows_what_slurm_slices_are_doing() {
    let _serial = serial();
    if !slurm_up("status") {
        return;
    }
    let conf = "slices: 2\nworkdirs:\n    test ./workdirs/test\nmethod directories:\n    ./methods\nexecutor: slurm\n";
    let run = gated_where(conf);
    let _kill = KillOnDrop(run.pid());
    run.wait_stdout("both slices", |o| hosts_of(o).len() == 2);
    // Same host as `exax run` (node1 is this host): no host name.
    assert_eq!(
        exax_status(run.path()),
        "building the gated job\n  test-0 gated  analysis(0) (T seconds)\n    slice 0 waits for the gate\n  \
         test-0 gated  analysis(1) (T seconds)\n    slice 1 waits for the gate\n"
    );
    open_gate_and_finish(run);
}

#[test]
fn ctrl_t_and_exax_status_name_the_host_of_a_slice_on_another_node() {
    let _serial = serial();
    if !two_nodes_up("status_hosts") {
        return;
    }
    // Two CPUs a slice: one slice on each node.
    let conf = "slices: 2\nworkdirs:\n    test ./workdirs/test\nmethod directories:\n    ./methods\n\
                executor: slurm\nslurm partition: two\nslurm cpus per slice: 2\n";
    let run = gated_where(conf);
    let _kill = KillOnDrop(run.pid());
    let out = run.wait_stdout("both slices", |o| hosts_of(o).len() == 2);
    let hosts = hosts_of(&out);
    let here = hostname();
    let mut sorted = hosts.clone();
    sorted.sort();
    let mut want_hosts = vec![here.clone(), "node2".to_string()];
    want_hosts.sort();
    assert_eq!(sorted, want_hosts, "{out}");
    let on = |s: usize| if hosts[s] == "node2" { " on node2" } else { "" };
    let want = format!(
        "building the gated job\n  test-0 gated  analysis(0){} (T seconds)\n    slice 0 waits for the gate\n  \
         test-0 gated  analysis(1){} (T seconds)\n    slice 1 waits for the gate\n",
        on(0),
        on(1)
    );
    assert_eq!(exax_status(run.path()), want);
    // SIGUSR1 prints the tree CTRL+T prints.
    Command::new("kill").args(["-USR1", &run.pid().to_string()]).status().unwrap();
    let printed = run.wait_stdout("the tree", |o| o.contains("waits for the gate"));
    let tree: String = untime(&printed)
        .lines()
        .filter(|l| !l.starts_with("ready "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(tree, want);
    open_gate_and_finish(run);
}

#[test]
fn workers_exit_when_their_run_is_gone_even_if_srun_cannot_cancel_them() {
    let _serial = serial();
    if !slurm_up("workers_exit") {
        return;
    }
    let conf = "slices: 2\nworkdirs:\n    test ./workdirs/test\nmethod directories:\n    ./methods\nexecutor: slurm\n";
    let mut run = gated_where(conf);
    // Also cancels the jobs whose srun this test kills (Slurm keeps those allocations until
    // InactiveLimit).
    let _kill = KillOnDrop(run.pid());
    run.wait_stdout("both slices", |o| hosts_of(o).len() == 2);
    let dir = run.path().to_path_buf();
    let workers = || -> Vec<String> {
        processes_in(&dir)
            .into_iter()
            .filter(|c| c.contains("__analysis") && !c.starts_with("srun"))
            .collect()
    };
    assert!(workers().len() >= 2, "{:?}", processes_in(&dir));
    // srun SIGKILLed does not cancel its step, and the run dies without `scancel`: only the
    // end of the status connection tells the workers.
    let sruns: Vec<String> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let pid = e.file_name().to_string_lossy().into_owned();
            let cmd = std::fs::read(e.path().join("cmdline")).ok()?;
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            (cmd.starts_with("srun ") && cmd.contains(&*dir.to_string_lossy())).then_some(pid)
        })
        .collect();
    assert!(!sruns.is_empty(), "{:?}", processes_in(&dir));
    for pid in &sruns {
        Command::new("kill").args(["-9", pid]).status().unwrap();
    }
    run.child.kill().unwrap();
    let _ = run.child.wait();
    let t = Instant::now();
    while !workers().is_empty() {
        assert!(t.elapsed() < Duration::from_secs(10), "workers outlived their run: {:?}", workers());
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Takes node2 down now; back in service when dropped.
struct NodeDown;

impl NodeDown {
    fn now() -> NodeDown {
        let st = Command::new("scontrol")
            .args(["update", "nodename=node2", "state=down", "reason=exax-test"])
            .status()
            .unwrap();
        assert!(st.success());
        NodeDown
    }
}

impl Drop for NodeDown {
    fn drop(&mut self) {
        // ReturnToService=2 brings it back when its slurmd answers; resume in case it has not.
        let _ = Command::new("scontrol")
            .args(["update", "nodename=node2", "state=resume"])
            .stderr(std::process::Stdio::null())
            .status();
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(20) && !two_nodes_up("node_back") {
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

#[test]
fn a_slice_on_a_node_taken_down_runs_again_alone_and_the_job_finishes_whole() {
    let _serial = serial();
    if !two_nodes_up("node_down") {
        return;
    }
    // The slice on node2 waits there the first time; every other attempt returns at once.
    let method = r#"
function analysis(sliceno)
  local h = io.popen('hostname'):read('l')
  print('ready ' .. sliceno .. ' ' .. h)
  io.stdout:flush()
  if h == 'node2' and not io.open('../../../waited') then
    io.open('../../../waited', 'w'):close()
    -- Until killed: a loop, so that a signal that ends one sleep does not end the wait.
    for _ = 1, 600 do os.execute('sleep 0.1') end
  end
  return sliceno + 1
end
function synthesis(analysis_res) print('sum', analysis_res[1] + analysis_res[2]) end
"#;
    let conf = "slices: 2\nworkdirs:\n    test ./workdirs/test\nmethod directories:\n    ./methods\n\
                executor: slurm\nslurm partition: two\nslurm cpus per slice: 2\n";
    let run = Test::new()
        .file("accelerator.conf", conf)
        .method("m", method)
        .build("function main(urd) urd:build('m') end")
        .spawn();
    let _kill = KillOnDrop(run.pid());
    let out = run.wait_stdout("both slices", |o| hosts_of(o).len() == 2);
    let on2 = hosts_of(&out).iter().position(|h| h == "node2").expect(&out);
    let t = Instant::now();
    let down = NodeDown::now();
    let done = run.finish();
    drop(down);
    assert!(t.elapsed() < Duration::from_secs(30), "{:?}", t.elapsed());
    assert_eq!(done.status, 0, "{}{}", done.stdout, done.stderr);
    assert!(done.stdout.ends_with("sum\t3\n"), "{}", done.stdout);
    // srun's exit status for a step its node took down varies (143, or 0): the line names the
    // slice, srun's last word and the attempt.
    let said: Vec<&str> = done.stderr.lines().filter(|l| l.starts_with("exax: ")).collect();
    assert_eq!(said.len(), 1, "{}", done.stderr);
    assert!(
        said[0].starts_with(&format!(
            "exax: slice {on2} of test-0 was lost (the analysis worker exited with code "
        )) && said[0].ends_with("srun: error: Node failure on node2); running it again (attempt 2 of 3)"),
        "{}",
        done.stderr
    );
    // The other slice ran once.
    assert_eq!(done.stdout.matches(&format!("ready {} ", 1 - on2)).count(), 1, "{}", done.stdout);
    assert_eq!(done.stdout.matches(&format!("ready {on2} ")).count(), 2, "{}", done.stdout);
}

#[test]
fn two_jobs_of_two_slices_on_two_nodes_take_about_the_time_of_one() {
    let _serial = serial();
    if !two_nodes_up("two_jobs") {
        return;
    }
    let method = "options = {x = 0}\nfunction analysis(sliceno)\n  os.execute('sleep 2')\n  \
                  print('ran ' .. options.x .. ' ' .. sliceno .. ' ' .. io.popen('hostname'):read('l'))\nend\n";
    let conf = "slices: 2\njobs at once: 2\nworkdirs:\n    test ./workdirs/test\nmethod directories:\n    ./methods\n\
                executor: slurm\nslurm partition: two\n";
    let time = |build: &str| {
        let t = Instant::now();
        let out = Test::new()
            .file("accelerator.conf", conf)
            .method("sleepy", method)
            .build(build)
            .any_stdout()
            .run();
        (t.elapsed().as_secs_f64(), out)
    };
    let (one_after_other, _) = time("function main(urd) urd:build('sleepy', {x = 1}) urd:build('sleepy', {x = 2}) end");
    let (at_once, out) = time("function main(urd) urd:build_all{{'sleepy', {x = 1}}, {'sleepy', {x = 2}}} end");
    // Four slices of one CPU each fill both nodes (two CPUs each, one job per core).
    let mut ran: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with("ran ")).collect();
    ran.sort();
    assert_eq!(ran.len(), 4, "{}", out.stdout);
    assert!(ran.iter().any(|l| l.ends_with(" node2")), "{ran:?}");
    assert!(
        at_once < one_after_other * 0.75,
        "build_all {at_once:.2} s, one after the other {one_after_other:.2} s"
    );
    let _ = writeln!(
        std::io::stderr(),
        "slurm::two_jobs: build_all {at_once:.2} s, one after the other {one_after_other:.2} s"
    );
}
