//! Every example in README.md and docs/**/*.md runs here, with the real binary, in a real project.
//!
//! A fenced block takes its role from an HTML comment on the line before it (blank lines between
//! are allowed). Every ```lua block must have one; other blocks are checked only when marked.
//!
//! | marker | the block |
//! |---|---|
//! | `<!-- example: method NAME -->` | is written to `methods/NAME.lua` |
//! | `<!-- example: build -->` | is written to `build.lua`, then `exax run` must succeed |
//! | `<!-- example: build fails -->` | the same, and `exax run` must exit 1 |
//! | `<!-- example: files -->` | is split at lines `-- PATH.lua`; each part is written to PATH; runs `exax run` when one is `build.lua` |
//! | `<!-- example: file PATH -->` | (any language) is written to PATH |
//! | `<!-- example: edit PATH -->` | a ```diff: its ` ` and `-` lines, found once in PATH, become its ` ` and `+` lines |
//! | `<!-- example: stdout -->` | is the exact stdout of the last run |
//! | `<!-- example: stderr -->` | is the exact stderr of the last run (timings as `TIME`) |
//! | `<!-- example: shell -->` | is a terminal session: each `$ CMD` runs (`cd DIR` moves), and the lines after it are its output (stdout and stderr as the terminal shows them, timings and times of day normalized) |
//! | `<!-- example: fragment -->` | is part of a larger whole: it is only compiled (Lua `load`) |
//!
//! The blocks of one page share one project, in page order. A page whose first example is a
//! shell session starts in an empty directory (the session runs `exax init`); any other page starts
//! in a project like `exax init`'s (2 slices, workdir `demo`, `input/`, `results/`). Paths are
//! relative to the current directory of the page (moved by `cd` in a shell session).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::test::{exax_bin, normalize};

const CONF: &str = "slices: 2\nworkdirs:\n    demo ./workdirs/demo\ntarget workdir: demo\nmethod directories:\n    ./methods\ninput directory: ./input\nresult directory: ./results\n";

/// One fenced block of a page, with its marker.
struct Block {
    line: usize,
    lang: String,
    marker: Option<String>,
    text: String,
}

/// The fenced blocks of a markdown text (fences may be indented, as inside a list item).
fn blocks(md: &str) -> Vec<Block> {
    let lines: Vec<&str> = md.lines().collect();
    let mut out = vec![];
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            let indent = lines[i].len() - trimmed.len();
            let start = i;
            let mut text = String::new();
            i += 1;
            while i < lines.len() && !lines[i].trim_start().starts_with("```") {
                let l = lines[i];
                let cut = l.len() - l.trim_start().len();
                text.push_str(&l[cut.min(indent)..]);
                text.push('\n');
                i += 1;
            }
            let marker = lines[..start]
                .iter()
                .rev()
                .find(|l| !l.trim().is_empty())
                .and_then(|l| l.trim().strip_prefix("<!-- example:"))
                .and_then(|l| l.strip_suffix("-->"))
                .map(|m| m.trim().to_string());
            out.push(Block {
                line: start + 1,
                lang: info.trim().to_string(),
                marker,
                text,
            });
        }
        i += 1;
    }
    out
}

/// The state of one page's run: its directories and the output of its last `exax run`.
struct Page {
    name: String,
    root: tempfile::TempDir,
    cwd: PathBuf,
    last: Option<(String, String)>,
    fragments: Vec<(usize, String)>,
}

impl Page {
    fn write(&self, rel: &str, text: &str) -> Result<(), String> {
        let p = self.cwd.join(rel);
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{rel}: {e}"))?;
        }
        std::fs::write(&p, text).map_err(|e| format!("{rel}: {e}"))
    }

    /// Applies a diff block: the ` ` and `-` lines, found once in the file, become the ` ` and `+` lines.
    fn edit(&self, line: usize, rel: &str, diff: &str) -> Result<(), String> {
        let (mut old, mut new) = (String::new(), String::new());
        for l in diff.lines() {
            let (mark, rest) = l.split_at(l.len().min(1));
            for (side, keep) in [(&mut old, "- "), (&mut new, "+ ")] {
                if keep.contains(mark) || mark.is_empty() {
                    side.push_str(rest);
                    side.push('\n');
                }
            }
        }
        let text = std::fs::read_to_string(self.cwd.join(rel)).map_err(|e| format!("{rel}: {e}"))?;
        if text.matches(&old).count() != 1 {
            return Err(format!("{}:{line}: the lines to edit are not once in {rel}:\n{old}", self.name));
        }
        self.write(rel, &text.replacen(&old, &new, 1))
    }

    fn run(&mut self, line: usize, want_status: i32) -> Result<(), String> {
        let out = Command::new(exax_bin())
            .arg("run")
            .current_dir(&self.cwd)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = normalize(&String::from_utf8_lossy(&out.stderr));
        let status = out.status.code().unwrap_or(-1);
        if status != want_status {
            return Err(format!(
                "{}:{line}: `exax run` exited {status}, not {want_status}\n--- stdout:\n{stdout}--- stderr:\n{stderr}",
                self.name
            ));
        }
        self.last = Some((stdout, stderr));
        Ok(())
    }

    fn compare(&self, line: usize, what: &str, want: &str, got: &str) -> Result<(), String> {
        if want == got {
            return Ok(());
        }
        Err(format!(
            "{}:{line}: {what} differs\n--- the page shows:\n{want}--- the binary printed:\n{got}",
            self.name
        ))
    }

    fn block(&mut self, b: &Block) -> Result<(), String> {
        let name = self.name.clone();
        let Some(marker) = &b.marker else {
            if b.lang == "lua" {
                return Err(format!(
                    "{name}:{}: a ```lua block without an `<!-- example: ... -->` marker (see tests/doc_examples.rs)",
                    b.line
                ));
            }
            return Ok(());
        };
        let words: Vec<&str> = marker.split_whitespace().collect();
        match words.as_slice() {
            ["method", m] => self.write(&format!("methods/{m}.lua"), &b.text),
            ["build"] => {
                self.write("build.lua", &b.text)?;
                self.run(b.line, 0)
            }
            ["build", "fails"] => {
                self.write("build.lua", &b.text)?;
                self.run(b.line, 1)
            }
            ["file", path] => self.write(path, &b.text),
            ["edit", path] => self.edit(b.line, path, &b.text),
            ["files"] => {
                let mut parts: Vec<(String, String)> = vec![];
                for l in b.text.lines() {
                    match l.strip_prefix("-- ").filter(|p| p.ends_with(".lua") && !p.contains(' ')) {
                        Some(p) => parts.push((p.to_string(), String::new())),
                        None => match parts.last_mut() {
                            Some((_, t)) => {
                                t.push_str(l);
                                t.push('\n');
                            }
                            None if l.trim().is_empty() => {}
                            None => return Err(format!("{name}:{}: `files` block must start with `-- PATH.lua`", b.line)),
                        },
                    }
                }
                for (p, t) in &parts {
                    self.write(p, t)?;
                }
                if parts.iter().any(|(p, _)| p == "build.lua") {
                    self.run(b.line, 0)?;
                }
                Ok(())
            }
            ["stdout"] | ["stderr"] => {
                let Some((stdout, stderr)) = &self.last else {
                    return Err(format!("{name}:{}: {marker} before any run", b.line));
                };
                let got = if words[0] == "stdout" { stdout } else { stderr };
                let want = if words[0] == "stdout" { b.text.clone() } else { normalize(&b.text) };
                self.compare(b.line, marker, &want, got)
            }
            ["shell"] => self.shell(b),
            ["fragment"] => {
                self.fragments.push((b.line, b.text.clone()));
                Ok(())
            }
            _ => Err(format!("{name}:{}: unknown example marker `{marker}`", b.line)),
        }
    }

    /// A terminal session: `$ CMD` lines and their output.
    fn shell(&mut self, b: &Block) -> Result<(), String> {
        let mut steps: Vec<(String, String)> = vec![];
        for l in b.text.lines() {
            match l.strip_prefix("$ ") {
                Some(cmd) => steps.push((cmd.to_string(), String::new())),
                None => match steps.last_mut() {
                    Some((_, out)) => {
                        out.push_str(l);
                        out.push('\n');
                    }
                    None => return Err(format!("{}:{}: a shell block must start with `$ `", self.name, b.line)),
                },
            }
        }
        for (i, (cmd, want)) in steps.iter().enumerate() {
            let line = b.line + 1 + b.text.lines().position(|l| l.strip_prefix("$ ") == Some(cmd)).unwrap_or(i);
            if let Some(dir) = cmd.strip_prefix("cd ") {
                self.cwd = self.cwd.join(dir.trim());
                if !self.cwd.is_dir() {
                    return Err(format!("{}:{line}: `{cmd}`: no such directory", self.name));
                }
                continue;
            }
            let got = if cmd.starts_with("exax board") {
                self.board(line, cmd)?
            } else {
                let out = Command::new("sh")
                    .arg("-c")
                    .arg(format!("exec 2>&1; {cmd}"))
                    .current_dir(&self.cwd)
                    .env("PATH", path_with_exax())
                    .stdin(Stdio::null())
                    .output()
                    .map_err(|e| e.to_string())?;
                let text = String::from_utf8_lossy(&out.stdout).into_owned();
                let ok = out.status.success() || want.contains("error:");
                if !ok {
                    return Err(format!("{}:{line}: `{cmd}` failed ({})\n{text}", self.name, out.status));
                }
                text
            };
            self.compare(
                line,
                &format!("the output of `{cmd}`"),
                &session_normalize(want),
                &session_normalize(&got),
            )?;
        }
        Ok(())
    }

    /// `exax board` serves until stopped: start it on a free port, read its first line, ask it for
    /// its start page, stop it.
    fn board(&self, line: usize, cmd: &str) -> Result<String, String> {
        use std::io::{BufRead, Read, Write};
        let mut child = Command::new(exax_bin())
            .args(cmd.split_whitespace().skip(1))
            .args(["--listen", "127.0.0.1:0"])
            .current_dir(&self.cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        // It says where it serves on stderr; a line that never comes must not hang the test.
        let stderr = child.stderr.take().ok_or("no stderr")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let r = std::io::BufReader::new(stderr).read_line(&mut line).map(|_| line);
            let _ = tx.send(r);
        });
        let read = match rx.recv_timeout(std::time::Duration::from_secs(20)) {
            Ok(r) => r.map_err(|e| e.to_string()),
            Err(_) => Err("no line within 20 s".to_string()),
        };
        let first = read.clone().unwrap_or_default();
        let addr = first
            .trim()
            .rsplit("http://")
            .next()
            .unwrap_or("")
            .trim_end_matches('/')
            .to_string();
        let answer = std::net::TcpStream::connect(&addr).and_then(|mut s| {
            s.write_all(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")?;
            let mut r = String::new();
            s.read_to_string(&mut r)?;
            Ok(r)
        });
        let _ = child.kill();
        let _ = child.wait();
        read.map_err(|e| format!("{}:{line}: `{cmd}`: {e}", self.name))?;
        match answer {
            Ok(r) if r.starts_with("HTTP/1.1 200") || r.starts_with("HTTP/1.0 200") => {}
            Ok(r) => return Err(format!("{}:{line}: `{cmd}` answered {}", self.name, r.lines().next().unwrap_or(""))),
            Err(e) => return Err(format!("{}:{line}: `{cmd}` at {addr:?}: {e}", self.name)),
        }
        let port = regex::Regex::new(r"127\.0\.0\.1:\d+").map_err(|e| e.to_string())?;
        Ok(port.replace_all(&first, "127.0.0.1:8520").into_owned())
    }

    /// Every fragment of the page must at least compile: one build script `load`s each.
    fn check_fragments(&self) -> Result<(), String> {
        if self.fragments.is_empty() {
            return Ok(());
        }
        let dir = tempfile::Builder::new().prefix("exax-doc").tempdir().map_err(|e| e.to_string())?;
        std::fs::write(dir.path().join("accelerator.conf"), CONF).map_err(|e| e.to_string())?;
        let mut build = String::from("function main(urd)\n");
        for (line, text) in &self.fragments {
            let mut eq = String::new();
            while text.contains(&format!("]{eq}]")) {
                eq.push('=');
            }
            let chunk = format!("{}:{line}", self.name);
            build.push_str(&format!("  assert(load([{eq}[\n{text}]{eq}], '={chunk}'))\n"));
        }
        build.push_str("end\n");
        std::fs::write(dir.path().join("build.lua"), build).map_err(|e| e.to_string())?;
        let out = Command::new(exax_bin())
            .arg("run")
            .current_dir(dir.path())
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "{}: a fragment does not compile:\n{}",
                self.name,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(())
    }
}

fn path_with_exax() -> String {
    let dir = exax_bin().parent().map(Path::to_path_buf).unwrap_or_default();
    format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default())
}

/// Timings (`TIME`), times of day and ages, which differ from run to run.
fn session_normalize(s: &str) -> String {
    let stamp = regex::Regex::new(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC").expect("regex");
    normalize(&stamp.replace_all(s, "DATE UTC"))
}

/// Runs every example of a markdown text; `name` is its path, for messages.
pub fn check(name: &str, md: &str) -> Result<(), String> {
    let blocks = blocks(md);
    let root = tempfile::Builder::new().prefix("exax-doc").tempdir().map_err(|e| e.to_string())?;
    let starts_empty = blocks.iter().find(|b| b.marker.is_some()).and_then(|b| b.marker.as_deref()) == Some("shell");
    if !starts_empty {
        std::fs::write(root.path().join("accelerator.conf"), CONF).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(root.path().join("input")).map_err(|e| e.to_string())?;
    }
    let mut page = Page {
        name: name.to_string(),
        cwd: root.path().to_path_buf(),
        root,
        last: None,
        fragments: vec![],
    };
    for b in &blocks {
        page.block(b)?;
    }
    page.check_fragments()?;
    drop(page.root);
    Ok(())
}

fn check_file(rel: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let md = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    if let Err(e) = check(rel, &md) {
        panic!("{e}");
    }
}

macro_rules! doc_tests {
    ($($name:ident => $path:literal),* $(,)?) => {
        $(#[test] fn $name() { check_file($path); })*

        /// Pages not listed above (a page added since) are checked here, all in one test.
        #[test]
        fn unlisted_pages() {
            let listed = [$($path),*];
            let root = Path::new(env!("CARGO_MANIFEST_DIR"));
            let mut pages = vec![];
            let mut dirs = vec![root.join("docs")];
            while let Some(d) = dirs.pop() {
                for e in std::fs::read_dir(&d).unwrap() {
                    let p = e.unwrap().path();
                    if p.is_dir() {
                        dirs.push(p);
                    } else if p.extension().is_some_and(|x| x == "md") {
                        pages.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
                    }
                }
            }
            pages.sort();
            for p in pages.iter().filter(|p| !listed.contains(&p.as_str())) {
                check_file(p);
            }
        }
    };
}

doc_tests!(
    readme => "README.md",
    getting_started => "docs/getting-started.md",
    lua_api => "docs/lua-api.md",
    architecture => "docs/architecture.md",
    board => "docs/board.md",
    cli => "docs/cli.md",
    slurm => "docs/slurm.md",
    lua_dataset => "docs/lua/dataset.md",
    lua_dataset_writer => "docs/lua/dataset_writer.md",
    lua_datasets => "docs/lua/datasets.md",
    lua_job => "docs/lua/job.md",
    lua_job_files => "docs/lua/job-files.md",
    lua_method => "docs/lua/method.md",
    lua_options => "docs/lua/options.md",
    lua_standard_methods => "docs/lua/standard-methods.md",
    lua_status => "docs/lua/status.md",
    lua_subjobs => "docs/lua/subjobs.md",
    lua_urd => "docs/lua/urd.md",
);

/// The checker itself fails on a broken example, a wrong output and an unmarked block.
#[test]
fn a_broken_example_fails() {
    let ok = "<!-- example: method twice -->\n```lua\noptions = {x = 1}\nfunction synthesis() return options.x * 2 end\n```\n\
              <!-- example: build -->\n```lua\nfunction main(urd) print(urd:build('twice', {x = 4}):load()) end\n```\n\
              <!-- example: stdout -->\n```\n8\n```\n";
    check("ok.md", ok).unwrap();
    let wrong_output = ok.replace("```\n8\n```", "```\n9\n```");
    let e = check("wrong.md", &wrong_output).unwrap_err();
    assert!(e.starts_with("wrong.md:11: stdout differs"), "{e}");
    let fails = ok.replace("options.x * 2", "options.y * 2");
    let e = check("fails.md", &fails).unwrap_err();
    assert!(e.starts_with("fails.md:7: `exax run` exited 1, not 0"), "{e}");
    let unmarked = "```lua\nprint(1)\n```\n";
    let e = check("unmarked.md", unmarked).unwrap_err();
    assert!(e.starts_with("unmarked.md:1: a ```lua block without"), "{e}");
    let bad_fragment = "<!-- example: fragment -->\n```lua\nfunction f( end\n```\n";
    let e = check("fragment.md", bad_fragment).unwrap_err();
    assert!(e.contains("fragment.md:2:"), "{e}");
    let shell = "<!-- example: shell -->\n```console\n$ exax init p --slices 2\ncreated nothing\n```\n";
    let e = check("shell.md", shell).unwrap_err();
    assert!(e.starts_with("shell.md:3: the output of `exax init p --slices 2` differs"), "{e}");
}
