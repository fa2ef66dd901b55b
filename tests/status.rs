//! Status (spec section 5): `status()` in methods and build scripts, the tree on SIGUSR1, `exax
//! status` from another process while slices run, stale sockets, two runs at once, and workers
//! that do not outlive a killed run. The terminal side (CTRL+T, CTRL+C) is in `tmux.rs`.

use crate::test::{Running, Test};

/// Analysis that says it is ready, then waits in a status message until the file `gate` exists.
pub const GATED: &str = r#"
options = {gate = ''}
function analysis(sliceno)
  local f = io.open('/proc/self/stat')
  local pid = f and f:read('n') or 0
  if f then f:close() end
  local update <close> = status('waiting')
  update('slice ' .. sliceno .. ' waits for the gate')
  print('ready ' .. sliceno .. ' ' .. pid)
  io.stdout:flush()
  while true do
    local g = io.open(options.gate)
    if g then g:close() break end
    os.execute('sleep 0.05')
  end
end
"#;

pub fn gated_project() -> Test {
    Test::new().method("gated", GATED).build(
        "
        function main(urd)
          local s <close> = status('building the gated job')
          urd:build('gated', {gate = os.getenv('GATE')})
        end
        ",
    )
}

/// Times in `(1.2 seconds)` become `(T seconds)`.
pub fn untime(s: &str) -> String {
    let mut out = String::new();
    for line in s.lines() {
        match (line.rfind(" ("), line.ends_with(" seconds)")) {
            (Some(i), true) => {
                out.push_str(&line[..i]);
                out.push_str(" (T seconds)");
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

pub const GATED_TREE: &str = "\
building the gated job
  test-0 gated  analysis(0) (T seconds)
    slice 0 waits for the gate
  test-0 gated  analysis(1) (T seconds)
    slice 1 waits for the gate
";

fn both_ready(out: &str) -> bool {
    out.contains("ready 0 ") && out.contains("ready 1 ")
}

fn start_gated(t: Test) -> (Running, std::path::PathBuf) {
    let gate = t.path().join("gate");
    let run = t.env("GATE", gate.to_str().unwrap()).spawn();
    run.wait_stdout("both slices to start", both_ready);
    (run, gate)
}

#[test]
fn status_forms_nesting_and_closing() {
    Test::new()
        .method(
            "m",
            r#"
            local function tree() return (exax.status_tree():gsub('%(%d+%.%d seconds%)', '(T)')) end
            function synthesis()
              local outer <close> = status('outer')
              do
                local update <close> = status('loading')
                update('task 1')
                update(2)
                io.write(tree())
              end
              io.write(tree())
              local r1, r2 = status('in a function', function(update)
                update('in a function: step 2')
                io.write(tree())
                return 'r1', 'r2'
              end)
              print(r1, r2)
              local ok, err = pcall(status, 'failing', function(update)
                local inner = status('left open')
                error('boom')
              end)
              print(ok, err)
              io.write(tree())
              local gone = status('closed early')
              getmetatable(gone)  -- hidden
              print(getmetatable(gone), tostring(gone))
              local close = gone
              do local c <close> = close end
              gone('after the close is harmless')
              print(pcall(status, {}))
              print(pcall(function() gone(nil) end))
              print(pcall(status, 'x', 3))
            end
            "#,
        )
        .build(
            "
            function main(urd)
              status('in the build script', function() urd:build('m') end)
              print(exax.status_tree() == '')
            end
            ",
        )
        .stdout(
            "
            in the build script
              test-0 m  synthesis (T)
                outer
                2
            in the build script
              test-0 m  synthesis (T)
                outer
            in the build script
              test-0 m  synthesis (T)
                outer
                in a function: step 2
            r1\tr2
            false\tmethods/m.lua:19: boom
            in the build script
              test-0 m  synthesis (T)
                outer
            status\tstatus: closed early
            false\tstatus(msg): msg must be a string, got a table
            false\tmethods/m.lua:30: update(msg): msg must be a string, got a nil
            false\tstatus(msg, fn): fn must be a function, got a number
            true
            ",
        )
        .run();
}

#[test]
fn sigusr1_prints_the_tree_on_stdout() {
    let (run, gate) = start_gated(gated_project());
    let pid = run.pid().to_string();
    let killed = std::process::Command::new("kill").args(["-USR1", &pid]).status().unwrap();
    assert!(killed.success());
    let out = run.wait_stdout("the status tree", |o| o.contains("slice 1 waits for the gate"));
    std::fs::write(&gate, "").unwrap();
    let done = run.finish();
    assert_eq!(done.status, 0, "{}", done.stderr);
    let tree: String = untime(&out)
        .lines()
        .filter(|l| !l.starts_with("ready "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(tree, GATED_TREE);
    assert_eq!(
        done.stderr,
        "built  test-0 gated (TIME)\nbuild.lua: 1 job built, 0 reused in TIME\n"
    );
}

#[test]
fn exax_status_from_another_process_while_two_slices_run() {
    let (run, gate) = start_gated(gated_project());
    let status = std::process::Command::new(crate::test::exax_bin())
        .arg("status")
        .current_dir(run.path().join("methods"))
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(0));
    assert_eq!(untime(&String::from_utf8_lossy(&status.stdout)), GATED_TREE);
    assert_eq!(String::from_utf8_lossy(&status.stderr), "");
    std::fs::write(&gate, "").unwrap();
    let done = run.finish();
    assert_eq!(done.status, 0, "{}", done.stderr);
    // The socket is gone with the run.
    Test::again(done).args(&["status"]).stdout("no build running\n").run();
}

#[test]
fn exax_status_with_no_run_and_a_stale_socket() {
    let t = Test::new();
    let dir = t.path().join(".exax/status");
    std::fs::create_dir_all(&dir).unwrap();
    // What a killed run leaves: a socket file nobody listens on.
    drop(std::os::unix::net::UnixListener::bind(dir.join("4000000.sock")).unwrap());
    let out = t.args(&["status"]).stdout("no build running\n").run();
    assert!(!out.exists(".exax/status/4000000.sock"));
    Test::empty()
        .args(&["status"])
        .status(1)
        .stdout("")
        .stderr_contains("error: no accelerator.conf")
        .run();
}

#[test]
fn two_runs_at_once_in_one_project() {
    let t = Test::new()
        .method("gated", GATED)
        .file(
            "build_a.lua",
            "function main(urd) urd:build('gated', {gate = os.getenv('GATE') .. '-a'}) end",
        )
        .file(
            "build_b.lua",
            "function main(urd) urd:build('gated', {gate = os.getenv('GATE') .. '-b'}) end",
        );
    let root = t.path().to_path_buf();
    let gate = root.join("gate");
    let a = t.env("GATE", gate.to_str().unwrap()).args(&["run", "a"]).spawn();
    a.wait_stdout("run a", both_ready);
    let b_out = root.join("b.out");
    let mut b = std::process::Command::new(crate::test::exax_bin())
        .args(["run", "b"])
        .current_dir(&root)
        .env("GATE", &gate)
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&b_out).unwrap())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !both_ready(&std::fs::read_to_string(&b_out).unwrap_or_default()) {
        assert!(std::time::Instant::now() < deadline, "run b did not start");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = std::process::Command::new(crate::test::exax_bin())
        .arg("status")
        .current_dir(&root)
        .output()
        .unwrap();
    let text = untime(&String::from_utf8_lossy(&status.stdout));
    let tree = |job: &str| {
        format!(
            "{job} gated  analysis(0) (T seconds)\n  slice 0 waits for the gate\n\
             {job} gated  analysis(1) (T seconds)\n  slice 1 waits for the gate\n"
        )
    };
    let (ta, tb) = (tree("test-0"), tree("test-1"));
    assert!(text == format!("{ta}{tb}") || text == format!("{tb}{ta}"), "{text}");
    std::fs::write(root.join("gate-a"), "").unwrap();
    std::fs::write(root.join("gate-b"), "").unwrap();
    let a = a.finish();
    assert_eq!(a.status, 0, "{}", a.stderr);
    assert!(b.wait().unwrap().success());
    Test::again(a).args(&["status"]).stdout("no build running\n").run();
}

#[cfg(target_os = "linux")]
#[test]
fn workers_end_when_the_run_is_killed() {
    let (mut run, _gate) = start_gated(gated_project());
    ready_processes_end_with_the_run(&mut run, "workers");
}

/// SIGKILLs `run`, whose processes each printed `ready WHAT PID`, and checks that the two
/// processes end within 10 s (`what` names them in the failure).
#[cfg(target_os = "linux")]
pub fn ready_processes_end_with_the_run(run: &mut crate::test::Running, what: &str) {
    let out = run.stdout();
    let pids: Vec<String> = out
        .lines()
        .filter_map(|l| l.strip_prefix("ready "))
        .filter_map(|l| l.split(' ').nth(1))
        .map(str::to_string)
        .collect();
    assert_eq!(pids.len(), 2, "{out}");
    run.child.kill().unwrap();
    let _ = run.child.wait();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while pids.iter().any(|p| std::path::Path::new(&format!("/proc/{p}")).exists()) {
        assert!(std::time::Instant::now() < deadline, "{what} {pids:?} outlived their run");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn exax_status(dir: &std::path::Path) -> String {
    let out = std::process::Command::new(crate::test::exax_bin())
        .arg("status")
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    untime(&String::from_utf8_lossy(&out.stdout))
}

#[test]
fn a_subjobs_slices_nest_under_the_parent_and_an_idle_run_says_so() {
    let t = Test::new()
        .method("gated", GATED)
        .method(
            "parent",
            "
            options = {gate = ''}
            local subjobs = require('exax.subjobs')
            function synthesis()
              status('building the subjob', function() subjobs.build('gated', {gate = options.gate}) end)
            end
            ",
        )
        .build(
            "
            function main(urd)
              print('waiting for go')
              io.stdout:flush()
              while not io.open(os.getenv('GATE') .. '-go') do os.execute('sleep 0.05') end
              urd:build('parent', {gate = os.getenv('GATE')})
            end
            ",
        );
    let gate = t.path().join("gate");
    let run = t.env("GATE", gate.to_str().unwrap()).spawn();
    run.wait_stdout("the build script", |o| o.contains("waiting for go"));
    assert_eq!(exax_status(run.path()), "build.lua: no job running\n");
    std::fs::write(run.path().join("gate-go"), "").unwrap();
    run.wait_stdout("both slices", both_ready);
    assert_eq!(
        exax_status(run.path()),
        "\
test-0 parent  synthesis (T seconds)
  building the subjob
    test-1 gated  analysis(0) (T seconds)
      slice 0 waits for the gate
    test-1 gated  analysis(1) (T seconds)
      slice 1 waits for the gate
"
    );
    std::fs::write(&gate, "").unwrap();
    let done = run.finish();
    assert_eq!(done.status, 0, "{}", done.stderr);
}

#[test]
fn sigint_removes_the_status_socket() {
    let (mut run, _gate) = start_gated(gated_project());
    let sockets = run.path().join(".exax/status");
    assert_eq!(std::fs::read_dir(&sockets).unwrap().count(), 1);
    let pid = run.pid().to_string();
    assert!(std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let status = run.child.wait().unwrap();
    // CTRL+C ends `exax run` with its summary and exit status 130 (issue 15), socket removed.
    assert_eq!(status.code(), Some(130), "{status:?}");
    assert_eq!(std::fs::read_dir(&sockets).unwrap().count(), 0);
}
