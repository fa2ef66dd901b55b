//! `exax workdir`: newest first, method, state, age, size and caption; `--method`,
//! `--unfinished`, `--json`; an unknown workdir.

use crate::test::{Output, Test};

fn project() -> Output {
    Test::new()
        .method("ok", "function synthesis() end")
        .method("bad", "function synthesis() error('x') end")
        .method(
            "big",
            "function synthesis(job) local f = io.open(job:filename('blob'), 'w') f:write(string.rep('x', 3000000)) f:close() end",
        )
        .build(
            "function main(urd)
               urd:build('ok', {caption = 'the first'})
               urd:build('big')
               urd:build('bad')
             end",
        )
        .status(1)
        .run()
}

/// The table with each size replaced by `SIZE` after checking it looks like one.
fn sizes_out(table: &str) -> String {
    let mut out = String::new();
    for line in table.lines() {
        let ago = line.find(" ago").expect("an age");
        let rest = &line[ago + 4..];
        let unit_end = ["B", "KiB", "MiB"]
            .iter()
            .filter_map(|u| rest.find(&format!(" {u}")).map(|i| i + 1 + u.len()))
            .min()
            .expect("a size");
        let number = rest[..unit_end].trim_start().split(' ').next().unwrap();
        assert!(number.parse::<f64>().is_ok(), "{line}");
        out.push_str(&line[..ago + 4]);
        out.push_str("  SIZE");
        out.push_str(&rest[unit_end..]);
        out.push('\n');
    }
    out
}

#[test]
fn lists_newest_first_with_state_age_size_and_caption() {
    let out = Test::again(project()).args(&["workdir"]).any_stdout().run();
    assert_eq!(
        sizes_out(&crate::test::normalize(&out.stdout)),
        "test-2  bad  failed    TIME ago  SIZE\ntest-1  big  finished  TIME ago  SIZE\ntest-0  ok   finished  TIME ago  SIZE  the first\n",
        "{}",
        out.stdout
    );
    assert!(out.stdout.lines().nth(1).unwrap().contains(" 2.9 MiB"), "{}", out.stdout);
    let out = Test::again(out).args(&["workdir", "--unfinished"]).any_stdout().run();
    assert!(
        out.stdout.starts_with("test-2  bad  failed  ") && out.stdout.lines().count() == 1,
        "{}",
        out.stdout
    );
    let out = Test::again(out).args(&["workdir", "test", "--method", "ok"]).any_stdout().run();
    assert!(
        out.stdout.starts_with("test-0  ok  finished  ") && out.stdout.ends_with("  the first\n"),
        "{}",
        out.stdout
    );
    Test::again(out).args(&["workdir", "--method", "nope"]).stdout("").run();
}

#[test]
fn json_lines() {
    let out = Test::again(project()).args(&["workdir", "--json"]).any_stdout().run();
    let rows: Vec<serde_json::Value> = out.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["test-2", "test-1", "test-0"]);
    let states: Vec<&str> = rows.iter().map(|r| r["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["failed", "finished", "finished"]);
    assert_eq!(rows[2]["caption"], "the first");
    assert_eq!(rows[1]["method"], "big");
    let size = rows[1]["size"].as_u64().unwrap();
    assert!((3_000_000..3_100_000).contains(&size), "{size}");
    assert!(rows[0]["age"].as_u64().unwrap() < 60);
    assert!(rows[0]["starttime"].as_f64().unwrap() > 1.7e9);
}

#[test]
fn unknown_workdir() {
    Test::again(project())
        .args(&["workdir", "tset"])
        .status(1)
        .stderr("error: unknown workdir `tset` (did you mean `test`?); accelerator.conf has test\n")
        .run();
}
