//! `exax board` on a free port over a real project: every page over HTTP (HTML and JSON), path
//! traversal (`..`, `%2e%2e`, `%2f`, a symlink out), a job output with `<script>` shown escaped.
//! The same pages clicked through in headless Chromium are in `board_browser.rs`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::test::{exax_bin, Test};

/// A running `exax board`, killed when dropped.
pub struct Board {
    child: Child,
    pub addr: String,
}

impl Drop for Board {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Board {
    pub fn start(dir: &Path) -> Board {
        let mut child = Command::new(exax_bin())
            .args(["board", "--listen", "127.0.0.1:0"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start exax board");
        let mut err = child.stderr.take().unwrap();
        let mut buf = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut byte = [0u8; 1];
        while !buf.ends_with(b"/\n") {
            assert!(Instant::now() < deadline, "board did not start: {}", String::from_utf8_lossy(&buf));
            if err.read(&mut byte).unwrap_or(0) == 0 {
                panic!("board exited: {}", String::from_utf8_lossy(&buf));
            }
            buf.push(byte[0]);
        }
        let line = String::from_utf8_lossy(&buf).into_owned();
        let addr = line
            .trim()
            .trim_start_matches("exax board: serving http://")
            .trim_end_matches('/')
            .to_string();
        Board { child, addr }
    }

    /// (status, body) of a GET with this Accept header.
    fn get(&self, path: &str, accept: &str) -> (u16, String) {
        let mut s = TcpStream::connect(&self.addr).expect("connect");
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\nAccept: {accept}\r\nConnection: close\r\n\r\n").unwrap();
        let mut resp = Vec::new();
        s.read_to_end(&mut resp).unwrap();
        let text = String::from_utf8_lossy(&resp).into_owned();
        let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
        (status, body)
    }

    pub fn html(&self, path: &str) -> String {
        let (status, body) = self.get(path, "text/html");
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    pub fn json(&self, path: &str) -> serde_json::Value {
        let (status, body) = self.get(path, "application/json");
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
    }
}

/// A project with a chain of jobs, a dataset, files, a result link and two urd sessions.
fn project() -> crate::test::Output {
    Test::new()
        .method(
            "make",
            "description = 'Make a dataset <b>.'\noptions = {n = 3}\n\
             function synthesis(job)\n  print('<script>window.pwned = 1</script>')\n  \
             local dw = job:datasetwriter()\n  dw:add('x', 'int64')\n  dw:add('s', 'unicode')\n  dw:set_slice(0)\n  \
             for i = 1, options.n do dw:write(i, 'v' .. i) end\n  \
             local f = job:open('notes.txt', 'w') f:write('hello <i>notes</i>\\n') f:close()\n  return options.n\nend\n",
        )
        .method("use", "datasets = {'source'}\nfunction synthesis(job)\n  print('used', tostring(datasets.source))\n  return 1\nend\n")
        .build(
            "function main(urd)\n  urd:begin('imp')\n  local a = urd:build('make', {n = tonumber(urd.args[1] or '3')})\n  \
             urd:build('use', {source = a:dataset()})\n  a:link_result('notes.txt')\n  urd:finish('imp', urd.args[2] or '2026-01-01')\nend\n",
        )
        .any_stdout()
        .run()
}

pub fn full_project() -> crate::test::Output {
    let out = project();
    Test::again(out).args(&["run", "--", "4", "2026-01-02"]).any_stdout().run()
}

#[test]
fn every_page_html_and_json() {
    let out = full_project();
    let b = Board::start(out.dir.path());
    let front = b.html("/");
    assert!(front.contains("<a href=\"/results/notes.txt\">notes.txt</a>"), "{front}");
    assert!(front.contains("<a href=\"/job/test-2\">test-2</a>"), "{front}");
    let j = b.json("/");
    assert_eq!(j["results"][0]["link"], "notes.txt");
    assert_eq!(j["results"][0]["job"], "test-2");
    assert_eq!(j["results"][0]["build"], "build.lua");
    assert_eq!(b.get("/results/notes.txt", "*/*"), (200, "hello <i>notes</i>\n".to_string()));

    let job = b.html("/job/test-2");
    for want in [
        "&lt;script&gt;window.pwned = 1&lt;/script&gt;",
        "hello &lt;i&gt;notes&lt;/i&gt;",
        "<span class=\"kw\">function</span>",
        "id=\"exectime\"",
        "<a href=\"/dataset/test-2/default\">default</a>",
    ] {
        assert!(job.contains(want), "job page lacks {want}:\n{job}");
    }
    assert!(!job.contains("<script>window"), "{job}");
    let j = b.json("/job/test-2");
    assert_eq!(j["method"], "make");
    assert_eq!(j["state"], "finished");
    assert_eq!(j["options"]["n"], 4);
    assert_eq!(j["output"]["synthesis"], "<script>window.pwned = 1</script>\n");
    assert_eq!(j["files"][0]["name"], "notes.txt");
    assert!(b.html("/job/test-3").contains("<svg class=\"graph\""));
    let use_job = b.json("/job/test-3");
    assert_eq!(use_job["inputs"][0][1], "test-2/default");

    let why = b.json("/job/test-2/why");
    assert_eq!(why["nearest"], "test-0");
    assert_eq!(why["differences"][0], "option n: 3 -> 4");

    let ds = b.json("/dataset/test-2/default");
    assert_eq!(ds["lines"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).sum::<u64>(), 4);
    assert_eq!(ds["rows"].as_array().unwrap().len(), 4);
    assert!(b.html("/dataset/test-2/default").contains("<th>x</th>"));

    let wd = b.json("/workdir/test");
    assert_eq!(wd["total"], 4);
    assert_eq!(wd["jobs"][0]["id"], "test-3");
    assert!(b.html("/workdir/test").contains("page 1 of 1 (4 jobs)"));

    let methods = b.json("/methods");
    assert!(methods
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["name"] == "make" && m["summary"] == "Make a dataset <b>."));
    let m = b.html("/method/make");
    assert!(m.contains("Make a dataset &lt;b&gt;."), "{m}");

    assert_eq!(b.json("/urd"), serde_json::json!(["imp"]));
    assert_eq!(b.json("/urd/imp").as_array().unwrap().len(), 2);
    let s = b.json("/urd/imp/latest");
    assert_eq!(s["timestamp"], "2026-01-02");
    assert_eq!(s["diff"]["previous"], "2026-01-01");
    assert_eq!(s["diff"]["jobs"][0]["name"], "make");
    assert!(b.html("/urd/imp/2026-01-02").contains("id=\"urd-diff\""));

    assert_eq!(b.json("/status")["text"], "no build running\n");
    assert_eq!(b.json("/status")["rows"], serde_json::json!([]));
    assert!(b.html("/status").contains("<p id=\"status-idle\">no build running</p>"));
    assert_eq!(b.get("/nope", "application/json").0, 404);
    assert_eq!(b.get("/job/test-99", "text/html").0, 404);
}

#[test]
fn no_path_leaves_the_project() {
    let out = project();
    let dir = out.dir.path();
    std::os::unix::fs::symlink("/etc/passwd", dir.join("workdirs/test/test-0/out")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", dir.join("results/evil")).unwrap();
    let b = Board::start(dir);
    for p in [
        "/job/test-0/file/../../../accelerator.conf",
        "/job/test-0/file/%2e%2e/%2e%2e/accelerator.conf",
        "/job/test-0/file/..%2f..%2faccelerator.conf",
        "/results/..%2Faccelerator.conf",
        "/results/%2E%2E/accelerator.conf",
    ] {
        let (status, body) = b.get(p, "text/html");
        assert_eq!(status, 400, "{p}: {body}");
    }
    assert_eq!(b.get("/job/test-0/file/out", "*/*").0, 403);
    assert_eq!(b.get("/results/evil", "*/*").0, 403);
    assert_eq!(b.get("/job/test-0/file/setup.json", "*/*").0, 200);
    // Nothing written: the project's files are the same after all those requests.
    let before = std::fs::read_dir(dir.join(".exax")).unwrap().count();
    b.html("/");
    b.html("/status");
    assert_eq!(std::fs::read_dir(dir.join(".exax")).unwrap().count(), before);
}
