//! A clean end (issue 15, item 7) without a terminal: CTRL+C's summary and exit code (sent as
//! SIGINT), the line a run prints while another run builds the same job, and a closed stdout
//! (`exax ... | head -0`) that every command takes as a normal end. The terminal side (progress
//! lines, CTRL+C typed in a shell) is in `tmux.rs`.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::status::GATED;
use crate::test::{exax_bin, Test};

fn both_ready(out: &str) -> bool {
    out.contains("ready 0 ") && out.contains("ready 1 ")
}

fn interrupt(pid: u32) {
    assert!(Command::new("kill").args(["-INT", &pid.to_string()]).status().unwrap().success());
}

#[test]
fn sigint_says_what_was_built_and_what_is_left_unfinished() {
    let t = Test::new()
        .method("quick", "function synthesis() return 1 end")
        .method("gated", GATED)
        .build(
            "
            function main(urd)
              urd:build('quick')
              urd:build('gated', {gate = os.getenv('GATE')})
            end
            ",
        );
    let gate = t.path().join("never");
    let run = t.env("GATE", gate.to_str().unwrap()).spawn();
    run.wait_stdout("both slices", both_ready);
    interrupt(run.pid());
    let out = run.finish();
    assert_eq!(out.status, 130, "{}", out.stderr);
    assert_eq!(
        out.stderr, "built  test-0 quick (TIME)\ninterrupted: 1 job built, test-1 gated left unfinished\n",
        "the summary is the last thing said"
    );
    // The job is left as it was: unfinished, for `exax gc` to find.
    assert!(out.exists("workdirs/test/test-1/setup.json"));
    assert!(!out.exists("workdirs/test/test-1/post.json"));
}

#[test]
fn a_run_waiting_for_another_runs_build_says_for_what_and_whom() {
    let t = Test::new()
        .method("gated", GATED)
        .build("function main(urd) local j = urd:build('gated', {gate = os.getenv('GATE')}) print('got ' .. tostring(j)) end");
    let root = t.path().to_path_buf();
    let gate = root.join("gate");
    let a = t.env("GATE", gate.to_str().unwrap()).spawn();
    a.wait_stdout("run a", both_ready);
    let b_err = root.join("b.err");
    let mut b = Command::new(exax_bin())
        .arg("run")
        .current_dir(&root)
        .env("GATE", &gate)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&b_err).unwrap())
        .spawn()
        .unwrap();
    let want = format!("waiting for test-0 gated, being built by another exax run (pid {})\n", a.pid());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let err = std::fs::read_to_string(&b_err).unwrap_or_default();
        if err == want {
            break;
        }
        assert!(Instant::now() < deadline, "run b said {err:?}, not {want:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::write(&gate, "").unwrap();
    assert!(b.wait().unwrap().success());
    let err = std::fs::read_to_string(&b_err).unwrap();
    assert!(err.starts_with(&format!("{want}reused test-0 gated\n")), "{err}");
    let a = a.finish();
    assert_eq!(a.stdout.lines().last(), Some("got test-0"));
    // The note naming the holder goes with the lock.
    let notes: Vec<_> = std::fs::read_dir(root.join(".exax/building")).unwrap().collect();
    assert!(notes.is_empty(), "{notes:?}");
}

/// Runs `exax ARGS | head -0` in `dir` and returns exax's exit code and stderr.
fn into_closed_pipe(dir: &std::path::Path, args: &str) -> (i32, String) {
    let script = format!("{} {args} 2>err.txt | head -c 0; echo ${{PIPESTATUS[0]}}", exax_bin().display());
    let out = Command::new("bash").arg("-c").arg(&script).current_dir(dir).output().unwrap();
    let code = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(-1);
    (code, std::fs::read_to_string(dir.join("err.txt")).unwrap_or_default())
}

#[test]
fn every_command_ends_quietly_when_stdout_closes() {
    // Enough output on every command that at least one write meets the closed pipe.
    let rows: String = (0..20_000).map(|i| format!("{i},word{i}\n")).collect();
    let out = Test::new()
        .file("input/a.csv", &format!("n,w\n{rows}"))
        .method("loud", "function analysis(sliceno) for i = 1, 20000 do print('line', i) end end")
        .build(
            "
            function main(urd)
              urd:begin('main', '2024-01-01')
              urd:build('csvimport', {filename = 'a.csv'})
              urd:build('loud')
              urd:finish('main')
              for i = 1, 20000 do print('build line', i) end
            end
            ",
        )
        .any_stdout()
        .run();
    let dir = out.path();
    let commands = [
        "run",
        "job test-0",
        "job test-1 -O 0",
        "method",
        "method csvimport",
        "ds test-0",
        "cat test-0",
        "cat --format json test-0",
        "grep word test-0",
        "workdir",
        "workdir --json",
        "workdir test",
        "gc",
        "status",
        "why loud",
        "urd",
        "urd main",
        "urd --runs",
        "urd --referenced",
        "completions bash",
        "--help",
    ];
    let mut failures = Vec::new();
    for args in commands {
        // Quiet is what matters: `exax run` may also print its "reused" lines to stderr.
        let (code, err) = into_closed_pipe(dir, args);
        let noisy = err
            .lines()
            .any(|l| l.starts_with("error") || l.contains("Broken pipe") || l.contains("panick"));
        if code != 0 || noisy {
            failures.push(format!("exax {args}: exit {code}, stderr {err:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
