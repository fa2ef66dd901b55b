//! CTRL+C while no job runs (issue 15, item 7): the build script itself is busy, in a shell
//! command (`os.execute('sleep 30')`, which C's `system()` would have run with SIGINT ignored, so
//! the build script went on) or in a loop of its own. SIGINT goes to the whole process group, as
//! a terminal sends it; the run must print the summary and exit 130. Output goes to files (an
//! orphaned child holding a pipe can never hang the test), every wait has a deadline, and the
//! process group is killed at the end whatever happened.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::test::{exax_bin, normalize, Test};

struct Group {
    child: Child,
}

impl Group {
    fn signal(&self, sig: &str) {
        let _ = Command::new("kill").args([sig, "--", &format!("-{}", self.child.id())]).status();
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.signal("-KILL");
        let _ = self.child.wait();
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

/// Runs `exax run` in its own process group, waits for `ready` on stdout, sends SIGINT to the
/// group, and returns (exit code, stdout, stderr).
fn interrupted_run(build: &str) -> (Option<i32>, String, String) {
    let t = Test::new().method("quick", "function synthesis() return 1 end").build(build);
    let dir = t.path();
    let (out, err) = (dir.join("run.out"), dir.join("run.err"));
    let child = {
        use std::os::unix::process::CommandExt;
        Command::new(exax_bin())
            .arg("run")
            .current_dir(dir)
            .process_group(0)
            .stdin(std::process::Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .unwrap()
    };
    let mut run = Group { child };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !read(&out).contains("ready\n") {
        assert!(
            Instant::now() < deadline && run.child.try_wait().unwrap().is_none(),
            "the build script never got ready\n--- stdout:\n{}--- stderr:\n{}",
            read(&out),
            read(&err)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Let the script get into its command or loop.
    std::thread::sleep(Duration::from_millis(300));
    run.signal("-INT");
    let deadline = Instant::now() + Duration::from_secs(15);
    let code = loop {
        if let Some(status) = run.child.try_wait().unwrap() {
            break status.code();
        }
        if Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    drop(run);
    (code, read(&out), normalize(&read(&err)))
}

#[test]
fn ctrl_c_during_a_shell_command_of_the_build_script() {
    let (code, out, err) = interrupted_run(
        "
        function main(urd)
          urd:build('quick')
          print('ready')
          io.stdout:flush()
          os.execute('sleep 30')
          print('the build script went on')
        end
        ",
    );
    assert_eq!(code, Some(130), "--- stdout:\n{out}--- stderr:\n{err}");
    assert_eq!(out, "ready\n");
    assert_eq!(err, "built  test-0 quick (TIME)\ninterrupted: 1 job built\n");
}

#[test]
fn ctrl_c_during_a_loop_of_the_build_script() {
    let (code, out, err) = interrupted_run(
        "
        function main(urd)
          urd:build('quick')
          print('ready')
          io.stdout:flush()
          local n = 0
          while true do n = n + 1 end
        end
        ",
    );
    assert_eq!(code, Some(130), "--- stdout:\n{out}--- stderr:\n{err}");
    assert_eq!(out, "ready\n");
    assert_eq!(err, "built  test-0 quick (TIME)\ninterrupted: 1 job built\n");
}

#[test]
fn os_execute_keeps_luas_results() {
    Test::new()
        .build(
            "
            function main()
              print(os.execute())
              print(os.execute('exit 3'))
              print(os.execute('kill -TERM $$'))
              io.write('before ')
              print(os.execute('echo from the shell'))
            end
            ",
        )
        .stdout("true\nnil\texit\t3\nnil\tsignal\t15\nbefore from the shell\ntrue\texit\t0\n")
        .run();
}
