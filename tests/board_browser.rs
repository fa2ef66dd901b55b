//! The board in headless Chromium, driven over the DevTools protocol (`cdp.rs`) the way a user
//! clicks through it: from the front page to the workdir, a job (its file, its dataset), the urd
//! list and a session, checking the text each page shows; a job output and a file with
//! `<script>` shown as text with no script run; the job page's screenshot saved as
//! `target/board-artifacts/job-page.png`; and `/status` following a running build without a
//! reload (`status-page.png`). Skipped (with a `SKIP:` line) when chromium is not installed.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::board::{full_project, Board};
use crate::cdp::{self, Chromium};
use crate::test::Test;

/// `target/board-artifacts/`, where the screenshots go.
fn artifacts() -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/board-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The lines of `text` that start with `prefix` (table rows come as tab-separated cells).
fn lines_with<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.starts_with(prefix)).collect()
}

/// Asserts that `text` has each of `want` as a whole line.
fn has_lines(page: &str, text: &str, want: &[&str]) {
    for w in want {
        assert!(text.lines().any(|l| l == *w), "{page} lacks the line {w:?}; it shows:\n{text}");
    }
}

#[test]
fn click_through_job_dataset_and_urd() {
    if !cdp::available("board click-through in a browser") {
        return;
    }
    let out = full_project();
    let b = Board::start(out.dir.path());
    let mut c = Chromium::start();
    let url = |p: &str| format!("http://{}{p}", b.addr);

    // The front page: the result link with its job, file, method and build; the workdirs; status.
    c.navigate(&url("/"));
    let t = c.wait_text("the front page's live status", |t| t.contains("live, updated"));
    let result = lines_with(&t, "notes.txt\t");
    assert_eq!(result.len(), 1, "{t}");
    let (cells, linked) = result[0].rsplit_once('\t').unwrap();
    assert_eq!(cells, "notes.txt\ttest-2\tnotes.txt\tmake\tbuild.lua", "{t}");
    assert!(linked.len() == 19 && linked.starts_with("20"), "linked at {linked:?}");
    has_lines("/", &t, &["results", "workdirs", "test", "status", "no build running"]);

    // The workdir, newest first.
    c.click_link("#workdirs", "test");
    let t = c.text();
    has_lines(
        "/workdir/test",
        &t,
        &[
            "workdir test",
            "page 1 of 1 (4 jobs)",
            "job\tmethod\tstate\tstarted (UTC)\ttime\tcaption",
        ],
    );
    let jobs: Vec<String> = lines_with(&t, "test-")
        .iter()
        .map(|l| l.split('\t').take(3).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        jobs,
        [
            "test-3 use finished",
            "test-2 make finished",
            "test-1 use finished",
            "test-0 make finished"
        ],
        "{t}"
    );

    // A job: method, setup, options, exectime, why, datasets, files, result, output, source.
    let job_url = c.click_link("#jobs", "test-2");
    assert_eq!(job_url, url("/job/test-2"));
    let t = c.wait_text("the job's why", |t| !t.contains("asking..."));
    has_lines(
        "/job/test-2",
        &t,
        &[
            "test-2 make finished",
            "method file\tmethods/make.lua",
            "built by\tbuild.lua",
            "slices\t2",
            "options",
            "n\t4",
            "prepare\t0.000 s",
            "why it was built",
            "test-2 was built rather than reusing test-0, the nearest of 1 earlier finished job of `make`",
            "  option n: 3 -> 4",
            "test-2/default 2 columns, 4 lines",
            "hello <i>notes</i>",
            "result",
            "4",
            "synthesis",
            "<script>window.pwned = 1</script>",
        ],
    );
    assert_eq!(lines_with(&t, "notes.txt"), ["notes.txt 19 B"], "{t}");
    // Shown as text, and no script of the project ran.
    assert_eq!(c.eval("typeof window.pwned"), "undefined");
    assert_eq!(c.eval("document.querySelectorAll('#files i, #output-synthesis script').length"), 0);
    c.screenshot(&artifacts().join("job-page.png"));

    // A file of the job, as text.
    let file_url = c.click_link("#files", "notes.txt");
    assert_eq!(file_url, url("/job/test-2/file/notes.txt"));
    assert_eq!(c.text().trim_end(), "hello <i>notes</i>");
    c.back(&job_url);
    c.wait_text("the job's why, again", |t| !t.contains("asking..."));

    // Its dataset: columns, types, lines, rows.
    c.click_link("#datasets", "default");
    let t = c.text();
    has_lines(
        "/dataset/test-2/default",
        &t,
        &[
            "test-2/default",
            "columns",
            "name\ttype\tNone\tmin\tmax",
            "x\tint64\tno\t1\t4",
            "s\tunicode\tno\t-\t-",
            "lines\t4 in 2 slices: 4, 0",
            "the first 4 rows",
            "x\ts",
            "1\tv1",
            "4\tv4",
        ],
    );

    // Urd: the lists, a list's sessions, a session with its joblist and the diff before it.
    c.click_link("nav", "urd");
    has_lines("/urd", &c.text(), &["imp first latest"]);
    c.click_link("#lists", "imp");
    let t = c.text();
    assert_eq!(lines_with(&t, "2026-01-0").len(), 2, "{t}");
    c.click_link("#sessions", "2026-01-02");
    let t = c.text();
    has_lines(
        "/urd/imp/2026-01-02",
        &t,
        &[
            "urd imp/2026-01-02",
            "timestamp\t2026-01-02",
            "joblist",
            "make test-2",
            "use test-3",
            "against the session before",
            "imp/2026-01-01 \u{2192} imp/2026-01-02",
            "name\tbefore\tnow\twhy",
        ],
    );
    assert_eq!(lines_with(&t, "make\t"), ["make\ttest-0\ttest-2\toption n: 3 -> 4"], "{t}");

    // The inputs graph of the `use` job: its dataset node leads to the dataset.
    c.click_link(".joblist", "test-3");
    c.click_link("svg.graph", "test-2/default");
    has_lines("dataset from the graph", &c.text(), &["x\tint64\tno\t1\t4"]);
    c.close();
}

/// Creates the gate file when dropped, so a failing test does not leave its build waiting.
struct Gate(std::path::PathBuf);

impl Drop for Gate {
    fn drop(&mut self) {
        let _ = std::fs::write(&self.0, "");
    }
}

/// The elapsed seconds the status table shows for `job`'s slice `slice`.
fn elapsed(text: &str, job: &str, slice: usize) -> Option<f64> {
    let row = lines_with(text, &format!("{job}\t"))
        .into_iter()
        .find(|l| l.contains(&format!("\tslice {slice} of 2 (")))?;
    row.split('\t').nth(4)?.strip_suffix(" s")?.parse().ok()
}

#[test]
fn status_page_follows_a_build_without_reload() {
    if !cdp::available("board live status in a browser") {
        return;
    }
    // Slice 0 ends at once; slice 1 waits in a status message until the file `gate` exists.
    let t = Test::new()
        .method(
            "gated",
            "options = {gate = ''}\n\
             function analysis(sliceno)\n  if sliceno == 0 then return end\n  \
             local update <close> = status('waiting')\n  update('slice ' .. sliceno .. ' waits for the gate')\n  \
             print('ready ' .. sliceno)\n  io.stdout:flush()\n  \
             while true do\n    local g = io.open(options.gate)\n    if g then g:close() break end\n    \
             os.execute('sleep 0.05')\n  end\nend\n",
        )
        .build(
            "function main(urd)\n  local s <close> = status('building the gated job')\n  \
             urd:build('gated', {gate = os.getenv('GATE')})\nend\n",
        );
    let gate = t.path().join("gate");
    let b = Board::start(t.path());
    let mut c = Chromium::start();
    c.navigate(&format!("http://{}/status", b.addr));
    let text = c.wait_text("the status page's first poll", |t| t.contains("live, updated"));
    has_lines("/status", &text, &["status", "no build running"]);
    // A mark that a reload would wipe out.
    c.eval("window.stillHere = 42");

    let run = t.env("GATE", gate.to_str().unwrap()).spawn();
    let _gate = Gate(gate.clone());
    run.wait_stdout("slice 1 to start", |o| o.contains("ready 1\n"));
    let text = c.wait_text("the running job in the table", |t| elapsed(t, "test-0", 1).is_some());
    let head = "job, status message\tmethod\tphase\tslice\telapsed\thost (pid)";
    has_lines("/status", &text, &[head]);
    let host = format!("{} ({})", hostname(), run.pid());
    // Each row without its elapsed time (checked below), which must be there on job rows.
    let rows: Vec<String> = text
        .lines()
        .skip_while(|l| *l != head)
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| {
            let mut cells: Vec<&str> = l.split('\t').collect();
            assert_eq!(cells.pop(), Some(&host[..]), "{l:?} in\n{text}");
            if cells.len() == 5 {
                assert!(cells.remove(4).ends_with(" s"), "{l:?}");
            }
            cells.join("|")
        })
        .collect();
    assert_eq!(
        rows,
        [
            "building the gated job",
            "test-0|gated|analysis|slice 1 of 2 (1 done)",
            "slice 1 waits for the gate",
        ],
        "{text}"
    );
    c.screenshot(&artifacts().join("status-page.png"));
    // The same table without JavaScript, and as JSON.
    let html = b.html("/status");
    for want in [
        "<tr class=\"message\"><td colspan=\"5\" style=\"padding-left:0.6em\">building the gated job</td>",
        "<tr class=\"job\"><td style=\"padding-left:1.8em\"><a href=\"/job/test-0\">test-0</a></td>\
         <td><a href=\"/method/gated\">gated</a></td><td>analysis</td><td>slice 1 of 2 (1 done)</td>",
    ] {
        assert!(html.contains(want), "no {want} in\n{html}");
    }
    let j = b.json("/status");
    assert_eq!(j["running"], true);
    assert_eq!(j["rows"][1]["job"], "test-0");
    assert_eq!(j["rows"][1]["slice"], 1);
    assert_eq!(j["rows"][1]["slices"], 2);
    assert_eq!(j["rows"][1]["done"], 1);
    assert_eq!(j["rows"][2]["message"], "slice 1 waits for the gate");
    assert_eq!(j["rows"][2]["depth"], 2);
    // The elapsed time grows while the page stays.
    let first = elapsed(&text, "test-0", 1).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = elapsed(&c.text(), "test-0", 1);
        if now.is_some_and(|s| s >= first + 1.0) {
            break;
        }
        assert!(Instant::now() < deadline, "elapsed stays at {first} s ({now:?})");
        std::thread::sleep(Duration::from_millis(200));
    }
    std::fs::write(&gate, "").unwrap();
    let out = run.finish();
    assert_eq!(out.status, 0, "{}", out.stderr);
    c.wait_text("the table to empty", |t| t.lines().any(|l| l == "no build running"));
    assert_eq!(c.eval("window.stillHere"), 42, "the page was reloaded");
    c.close();
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .expect("hostname")
        .trim()
        .to_string()
}

/// The median of some milliseconds.
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// `bench/board_10k.sh` runs this on its workdir of 10,000 jobs (`EXAX_BOARD_10K=DIR`): the
/// load time in the browser (navigation start to the load event) of the first workdir page and
/// of a job page, and when the job page's "why" arrived, as medians of 10 loads after one.
#[test]
#[ignore = "a benchmark: bench/board_10k.sh runs it"]
fn board_10k_in_browser() {
    let Ok(dir) = std::env::var("EXAX_BOARD_10K") else {
        panic!("set EXAX_BOARD_10K to the directory bench/board_10k.sh made");
    };
    if !cdp::available("board_10k_in_browser") {
        return;
    }
    let b = Board::start(Path::new(&dir));
    let mut c = Chromium::start();
    println!(
        "{:<28} {:>10} {:>10} {:>10} {:>10}",
        "page (browser, ms)", "response", "DOM ready", "load", "why"
    );
    // `/robots.txt` (a line of text) is what loading anything costs in this browser.
    for page in ["/robots.txt", "/workdir/big", "/job/big-5000"] {
        let url = format!("http://{}{page}", b.addr);
        let (mut response, mut ready, mut load, mut why) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in 0..11 {
            c.navigate(&url);
            let nav = c.eval(
                "(() => { const n = performance.getEntriesByType('navigation')[0]; \
                 return [n.responseEnd - n.startTime, n.domContentLoadedEventEnd - n.startTime, n.loadEventEnd - n.startTime]; })()",
            );
            if page.starts_with("/job") {
                c.wait_text("the why", |t| !t.contains("asking..."));
            }
            let w = c.eval(
                "(() => { const e = performance.getEntriesByType('resource').find(e => e.name.endsWith('/why')); \
                 return e ? e.responseEnd : null; })()",
            );
            if i > 0 {
                response.push(nav[0].as_f64().unwrap_or(f64::NAN));
                ready.push(nav[1].as_f64().unwrap_or(f64::NAN));
                load.push(nav[2].as_f64().unwrap_or(f64::NAN));
                why.extend(w.as_f64());
            }
        }
        let why = if why.is_empty() {
            "-".to_string()
        } else {
            format!("{:.1}", median(why))
        };
        println!(
            "{page:<28} {:>10.1} {:>10.1} {:>10.1} {why:>10}",
            median(response),
            median(ready),
            median(load)
        );
    }
    c.close();
}
