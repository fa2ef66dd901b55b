//! `exax run` in a real terminal, driven through tmux: CTRL+T prints the status tree (also after
//! CTRL+Z and `fg`), the live progress lines come and go, and the terminal settings (`stty -a`)
//! are the same after a normal end, CTRL+C and a killed worker. Each test skips, saying why, when tmux is not installed
//! (`.ci/setup` installs it).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::status::{gated_project, untime, GATED_TREE};
use crate::test::exax_bin;

/// One tmux server of our own with one pane running an interactive shell in `dir`.
struct Tmux {
    server: String,
}

impl Tmux {
    fn start(test: &str, dir: &Path) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().map(|o| !o.status.success()).unwrap_or(true) {
            // Straight to descriptor 2, past the test harness's capture: a skip must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED tmux::{test}: tmux is not installed (`.ci/setup` installs it from Debian's packages)"
            );
            return None;
        }
        let server = format!("exax-test-{}-{test}", std::process::id());
        let shell = if Path::new("/bin/bash").exists() {
            "env PS1='$ ' bash --norc --noprofile"
        } else {
            "env PS1='$ ' sh"
        };
        let ok = Command::new("tmux")
            .args(["-L", &server, "-f", "/dev/null", "new-session", "-d", "-x", "160", "-y", "50", "-c"])
            .arg(dir)
            .arg(shell)
            .env("PS1", "$ ")
            .env("TERM", "xterm-256color")
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "tmux did not start");
        let t = Tmux { server };
        t.wait_for("the shell prompt", |s| s.contains('$'));
        Some(t)
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").arg("-L").arg(&self.server).args(args).output().expect("tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Types a command line and presses Enter.
    fn type_line(&self, line: &str) {
        self.tmux(&["send-keys", "-l", line]);
        self.tmux(&["send-keys", "Enter"]);
    }

    fn key(&self, key: &str) {
        self.tmux(&["send-keys", key]);
    }

    /// The pane's text, with its scrollback, wrapped lines joined.
    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-J", "-S", "-500"])
    }

    fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let s = self.screen();
            if ready(&s) {
                return s;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; the screen:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

fn wait_for_file(path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(s) = std::fs::read_to_string(path) {
            if !s.is_empty() {
                // Written by a shell redirection: give it a moment to finish.
                std::thread::sleep(Duration::from_millis(100));
                return std::fs::read_to_string(path).unwrap();
            }
        }
        assert!(Instant::now() < deadline, "{} never appeared", path.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn exax_run(gate: &Path) -> String {
    format!("GATE={} {} run", gate.display(), exax_bin().display())
}

/// The lines of the status tree on the screen, from its first line to the first line that is
/// not part of it.
fn tree_on(screen: &str) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    let Some(start) = lines.iter().position(|l| *l == "building the gated job") else {
        return String::new();
    };
    let mut out = String::new();
    for l in &lines[start..] {
        if !(l.starts_with("building the gated job") || l.starts_with("  ")) {
            break;
        }
        out.push_str(l);
        out.push('\n');
    }
    untime(&out)
}

#[test]
fn ctrl_t_prints_the_tree_and_progress_lines_come_and_go() {
    let t = gated_project();
    let root = t.path().to_path_buf();
    let Some(tmux) = Tmux::start("ctrl_t", &root) else { return };
    let gate = root.join("gate");
    tmux.type_line(&format!("stty -a > before.txt; {}", exax_run(&gate)));
    tmux.wait_for("both slices", |s| s.contains("ready 0 ") && s.contains("ready 1 "));
    // The live progress line (the job runs longer than the 0.3 s before one is shown).
    tmux.wait_for("the progress line", |s| s.contains("test-0 gated  analysis 0/2 slices"));
    // Stopped and continued, the shell has put its own settings back; CTRL+T still works.
    tmux.key("C-z");
    tmux.wait_for("the stop", |s| s.contains("Stopped") && s.trim_end().ends_with('$'));
    tmux.type_line("fg");
    std::thread::sleep(Duration::from_millis(300));
    tmux.key("C-t");
    let screen = tmux.wait_for("the status tree", |s| tree_on(s) == GATED_TREE);
    assert!(!screen.contains("^T"), "CTRL+T was echoed:\n{screen}");
    std::fs::write(&gate, "").unwrap();
    let screen = tmux.wait_for("the end of the build", |s| {
        s.contains("build.lua: 1 job built, 0 reused") && s.trim_end().ends_with('$')
    });
    // The progress line is gone; the plain lines stay. (The line shown when CTRL+Z stopped the
    // run stays above the shell's `Stopped`, as the shell prints there.)
    let since_fg = screen.rsplit_once("$ fg").map_or("", |(_, after)| after);
    assert!(!since_fg.contains("analysis 0/2 slices"), "a progress line was left:\n{screen}");
    assert!(screen.contains("built  test-0 gated ("), "{screen}");
    tmux.type_line("stty -a > after.txt");
    let after = wait_for_file(&root.join("after.txt"));
    assert_eq!(std::fs::read_to_string(root.join("before.txt")).unwrap(), after);
}

#[test]
fn ctrl_c_restores_the_terminal() {
    let t = gated_project();
    let root: PathBuf = t.path().to_path_buf();
    let Some(tmux) = Tmux::start("ctrl_c", &root) else { return };
    tmux.type_line("stty -a > before.txt");
    let before = wait_for_file(&root.join("before.txt"));
    tmux.type_line(&format!("{}; echo exit=$?", exax_run(&root.join("never"))));
    tmux.wait_for("both slices", |s| s.contains("ready 0 ") && s.contains("ready 1 "));
    tmux.wait_for("the progress line", |s| s.contains("test-0 gated  analysis 0/2 slices"));
    tmux.key("C-c");
    // Keys typed while exax runs are read (and dropped) by exax: wait for the shell.
    let screen = tmux.wait_for("the prompt", |s| s.contains("exit=") && s.trim_end().ends_with('$'));
    // The summary, the exit code of a program CTRL+C ended, and no progress line left.
    assert!(
        screen.contains("\ninterrupted: 0 jobs built, test-0 gated left unfinished\nexit=130\n"),
        "{screen}"
    );
    assert!(!screen.contains("analysis 0/2 slices"), "a progress line was left:\n{screen}");
    tmux.type_line("stty -a > after.txt");
    assert_eq!(before, wait_for_file(&root.join("after.txt")));
    // The run removed its status socket on the way out.
    let left: Vec<_> = std::fs::read_dir(root.join(".exax/status")).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

/// A job long enough to get a progress line, then a print from the build script, five times: no
/// progress line is left above any print (issue 15: 5 of 5 times before).
#[test]
fn no_progress_line_is_left_above_the_build_scripts_next_print() {
    let t = crate::test::Test::new()
        .method("slow", "options = {n = 0}\nfunction synthesis() os.execute('sleep 0.6') end")
        .build(
            "
            function main(urd)
              for n = 1, 5 do
                urd:build('slow', {n = n})
                print('after job ' .. n)
              end
            end
            ",
        );
    let root = t.path().to_path_buf();
    let Some(tmux) = Tmux::start("stale_line", &root) else { return };
    tmux.type_line(&format!("{} run", exax_bin().display()));
    tmux.wait_for("a progress line", |s| s.contains(" slow  synthesis"));
    let screen = tmux.wait_for("the end of the build", |s| {
        s.contains("build.lua: 5 jobs built, 0 reused") && s.trim_end().ends_with('$')
    });
    // Each job's line showed while it ran (it ran past the 0.3 s before a line is shown).
    assert!(!screen.contains("slow  synthesis"), "a progress line was left:\n{screen}");
    let lines: Vec<&str> = screen.lines().filter(|l| !l.trim().is_empty()).collect();
    for n in 1..=5 {
        let at = lines
            .iter()
            .position(|l| *l == format!("after job {n}"))
            .unwrap_or_else(|| panic!("{screen}"));
        assert!(lines[at - 1].starts_with(&format!("built  test-{} slow (", n - 1)), "{screen}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_killed_worker_fails_the_job_and_restores_the_terminal() {
    let t = gated_project();
    let root: PathBuf = t.path().to_path_buf();
    let Some(tmux) = Tmux::start("killed_worker", &root) else { return };
    tmux.type_line("stty -a > before.txt");
    let before = wait_for_file(&root.join("before.txt"));
    tmux.type_line(&format!("{}; echo exit=$?", exax_run(&root.join("never"))));
    let screen = tmux.wait_for("both slices", |s| s.contains("ready 0 ") && s.contains("ready 1 "));
    let pid = screen
        .lines()
        .find_map(|l| l.strip_prefix("ready 1 "))
        .map(|p| p.trim().to_string())
        .unwrap();
    assert!(Command::new("kill").args(["-KILL", &pid]).status().unwrap().success());
    tmux.wait_for("the failure", |s| {
        s.contains("killed by signal 9") && s.contains("exit=1") && s.trim_end().ends_with('$')
    });
    tmux.type_line("stty -a > after.txt");
    assert_eq!(before, wait_for_file(&root.join("after.txt")));
}

/// Running out of memory in exax's own (Rust) allocations, under `ulimit -v`, ends with one
/// `error:` line and exit 1, and leaves the terminal as it was (issue 14: it was left raw).
#[test]
fn out_of_memory_restores_the_terminal() {
    let t = crate::test::Test::new()
        .method(
            "big",
            "function prepare(job)\n  local s = string.rep('x', 100000000)\n  job:save({s, s, s, s, s, s, s, s}, 'big')\nend\n",
        )
        .build("function main(urd) urd:build('big') end\n");
    let root: PathBuf = t.path().to_path_buf();
    let Some(tmux) = Tmux::start("out_of_memory", &root) else { return };
    tmux.type_line("stty -a > before.txt");
    let before = wait_for_file(&root.join("before.txt"));
    tmux.type_line(&format!("(ulimit -v 1000000; {} run); echo exit=$?", exax_bin().display()));
    let screen = tmux.wait_for("the end", |s| s.contains("exit=") && s.trim_end().ends_with('$'));
    // exax's own allocation fails here, or Lua's first when the terminal's threads leave less room.
    assert!(screen.contains("error: not enough memory"), "{screen}");
    assert!(screen.contains("exit=1") && !screen.contains("backtrace"), "{screen}");
    tmux.type_line("stty -a > after.txt");
    assert_eq!(before, wait_for_file(&root.join("after.txt")));
}
