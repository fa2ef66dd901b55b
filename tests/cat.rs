//! `exax cat` and `exax grep` (spec section 10): every column type, None, bytes that are not
//! UTF-8, each format, chains, slices, the grep options, csv that reads back through csvimport,
//! errors, a closed stdout, and the position in `exax status`.

use crate::test::{exax_bin, Output, Test};

/// Two datasets, test-1 chained after test-0, three rows in each of two slices, every kind of value.
const TYPES: &str = r#"
options = {prev = ''}
function synthesis(job)
  local dw = job:datasetwriter{previous = options.prev ~= '' and options.prev or nil}
  dw:add('i', 'int64')
  dw:add('f', 'float64')
  dw:add('s', 'bytes', {none_support = true})
  dw:add('d', 'date', {none_support = true})
  dw:add('b', 'bool')
  dw:add('j', 'json')
  dw:add('t', 'datetime')
  dw:add('n', 'number')
  dw:add('g', 'float32')
  for sl = 0, 1 do
    dw:set_slice(sl)
    for k = 1, 3 do
      local i = sl * 10 + k + (options.prev ~= '' and 100 or 0)
      local s = 'x' .. i .. (k == 3 and '\t,"\255' or '')
      if k == 2 then s = nil end
      dw:write(i, i / 4, s,
        k == 1 and exax.date(2024, 1, k + sl) or nil, k % 2 == 0, {i, 'a'},
        exax.datetime(2024, 2, 3, 4, 5, 6, k), k == 3 and 0.5 or k, 0.1)
    end
  end
end
"#;

const BUILD_TWO: &str = "function main(urd)\n  local a = urd:build('w')\n  urd:build('w', {prev = a:dataset().id})\nend\n";

fn project() -> Output {
    Test::new().method("w", TYPES).build(BUILD_TWO).any_stdout().run()
}

fn exax(out: Output, args: &[&str]) -> Test {
    Test::again(out).args(args)
}

#[test]
fn cat_text_shows_every_type() {
    exax(project(), &["cat", "test-1"])
        .stdout(
            "
            101	25.25	x101	2024-01-01	false	[101,\"a\"]	2024-02-03T04:05:06.000001	1	0.1
            102	25.5	None	None	true	[102,\"a\"]	2024-02-03T04:05:06.000002	2	0.1
            103	25.75	x103\\t,\"\\xff	None	false	[103,\"a\"]	2024-02-03T04:05:06.000003	0.5	0.1
            111	27.75	x111	2024-01-02	false	[111,\"a\"]	2024-02-03T04:05:06.000001	1	0.1
            112	28.0	None	None	true	[112,\"a\"]	2024-02-03T04:05:06.000002	2	0.1
            113	28.25	x113\\t,\"\\xff	None	false	[113,\"a\"]	2024-02-03T04:05:06.000003	0.5	0.1
            ",
        )
        .run();
}

#[test]
fn cat_columns_headers_slice_and_chain() {
    let out = exax(project(), &["cat", "-H", "test-1/default", "s", "i", "--slice", "1"])
        .stdout("s\ti\nx111\t111\nNone\t112\nx113\\t,\"\\xff\t113\n")
        .run();
    exax(out, &["cat", "--chain", "test-1", "i", "b"])
        .stdout("1\tfalse\n2\ttrue\n3\tfalse\n11\tfalse\n12\ttrue\n13\tfalse\n101\tfalse\n102\ttrue\n103\tfalse\n111\tfalse\n112\ttrue\n113\tfalse\n")
        .run();
}

#[test]
fn cat_csv_quotes_and_none() {
    // Bytes go out as they are: the test reads stdout lossily, so \xff shows as U+FFFD.
    exax(project(), &["cat", "test-0", "i", "s", "d", "j", "-f", "csv", "-s", "0"])
        .stdout("i,s,d,j\n1,x1,2024-01-01,\"[1,\"\"a\"\"]\"\n2,,,\"[2,\"\"a\"\"]\"\n3,\"x3\t,\"\"\u{fffd}\",,\"[3,\"\"a\"\"]\"\n")
        .run();
}

#[test]
fn cat_json_lines() {
    exax(project(), &["cat", "test-0", "-f", "json", "-s", "0"])
        .stdout(
            r#"
            {"i":1,"f":0.25,"s":"x1","d":"2024-01-01","b":false,"j":[1,"a"],"t":"2024-02-03T04:05:06.000001","n":1,"g":0.1}
            {"i":2,"f":0.5,"s":null,"d":null,"b":true,"j":[2,"a"],"t":"2024-02-03T04:05:06.000002","n":2,"g":0.1}
            {"i":3,"f":0.75,"s":"x3\t,\"\\xff","d":null,"b":false,"j":[3,"a"],"t":"2024-02-03T04:05:06.000003","n":0.5,"g":0.1}
            "#,
        )
        .run();
}

#[test]
fn csv_reads_back_through_csvimport() {
    let text = r#"
        function synthesis(job)
          local dw = job:datasetwriter()
          dw:add('a', 'unicode')
          dw:add('b', 'unicode')
          dw:set_slice(0)
          dw:write('plain', 'comma, inside')
          dw:write('"quoted"', 'two\nlines')
          dw:write('', ' edge ')
          dw:write('tab\there', 'ünïcode')
        end
    "#;
    let out = Test::new()
        .method("text", text)
        .build("function main(urd) urd:build('text') end")
        .any_stdout()
        .run();
    let csv = exax(out, &["cat", "test-0", "-f", "csv"]).any_stdout().run();
    std::fs::create_dir_all(csv.path().join("input")).unwrap();
    std::fs::write(csv.path().join("input/back.csv"), &csv.stdout).unwrap();
    let out = Test::again(csv)
        .build("function main(urd) urd:build('csvimport', {filename = 'back.csv'}) end")
        .any_stdout()
        .run();
    // csvimport deals the lines round robin: lines 0 and 2 in slice 0, 1 and 3 in slice 1.
    exax(out, &["cat", "test-1", "-f", "json"])
        .stdout(
            r#"
            {"a":"plain","b":"comma, inside"}
            {"a":"","b":" edge "}
            {"a":"\"quoted\"","b":"two\nlines"}
            {"a":"tab\there","b":"ünïcode"}
            "#,
        )
        .run();
}

#[test]
fn grep_shows_slice_and_line() {
    let out = exax(project(), &["grep", "x1", "test-0", "i", "s"])
        .stdout("0:0\t1\tx1\n1:0\t11\tx11\n1:2\t13\tx13\\t,\"\\xff\n")
        .run();
    let out = exax(out, &["grep", "-H", "--chain", "^x1.1$", "test-1", "s"])
        .stdout("dataset:slice:line\ts\ntest-1/default:0:0\tx101\ntest-1/default:1:0\tx111\n")
        .run();
    let out = exax(out, &["grep", "-c", "-f", "csv", "^1[12]$", "test-1", "i"])
        .stdout("dataset,slice,line,i\ntest-0/default,1,0,11\ntest-0/default,1,1,12\n")
        .run();
    exax(out, &["grep", "-f", "json", "2024-01", "test-0", "d", "b"])
        .stdout(
            r#"
            {"dataset":"test-0/default","slice":0,"line":0,"row":{"d":"2024-01-01","b":false}}
            {"dataset":"test-0/default","slice":1,"line":0,"row":{"d":"2024-01-02","b":false}}
            "#,
        )
        .run();
}

#[test]
fn grep_options() {
    let out = exax(project(), &["grep", "-v", "X", "-i", "test-0", "s"])
        .stdout("0:1\tNone\n1:1\tNone\n")
        .run();
    let out = exax(out, &["grep", "-F", "\\t,\"", "test-0", "i"]).stdout("").run();
    let out = exax(out, &["grep", "-F", "\t,\"", "test-0", "i", "s"])
        .stdout("0:2\t3\tx3\\t,\"\\xff\n1:2\t13\tx13\\t,\"\\xff\n")
        .run();
    // the bytes of a value that is not UTF-8 can be matched
    let out = exax(out, &["grep", "-g", "s", "(?-u)\\xff$", "test-0", "i"])
        .stdout("0:2\t3\n1:2\t13\n")
        .run();
    let out = exax(out, &["grep", "-g", "i", "1", "test-0", "i", "s"])
        .stdout("0:0\t1\tx1\n1:0\t11\tx11\n1:1\t12\tNone\n1:2\t13\tx13\\t,\"\\xff\n")
        .run();
    let out = exax(out, &["grep", "-m", "2", "", "test-0", "i"]).stdout("0:0\t1\n0:1\t2\n").run();
    let out = exax(out, &["grep", "-m", "4", "", "test-0", "i", "--slice", "1", "--slice", "0"])
        .stdout("1:0\t11\n1:1\t12\n1:2\t13\n0:0\t1\n")
        .run();
    exax(out, &["grep", "true", "test-0", "i", "b"])
        .stdout("0:1\t2\ttrue\n1:1\t12\ttrue\n")
        .run();
}

#[test]
fn errors_name_what_is_wrong() {
    let out = exax(project(), &["grep", "[", "test-0"])
        .stdout("")
        .stderr("error: bad pattern `[`: unclosed character class\n")
        .status(1)
        .run();
    let out = exax(out, &["cat", "test-0", "x"])
        .stdout("")
        .stderr("error: dataset test-0/default has no column `x` (columns: i, f, s, d, b, j, t, n, g)\n")
        .status(1)
        .run();
    let out = exax(out, &["cat", "test-0", "--slice", "2"])
        .stdout("")
        .stderr("error: dataset test-0/default: slice 2 does not exist (slices are 0 to 1)\n")
        .status(1)
        .run();
    let out = exax(out, &["grep", "-g", "e", "1", "test-0", "i"])
        .stdout("")
        .stderr("error: dataset test-0/default has no column `e` (columns: i, f, s, d, b, j, t, n, g)\n")
        .status(1)
        .run();
    let out = exax(out, &["cat", "test-7"])
        .stdout("")
        .stderr("error: dataset test-7: job test-7 does not exist\n")
        .status(1)
        .run();
    exax(out, &["cat", "test-0/other"])
        .stdout("")
        .stderr("error: job test-0 has no dataset `other` (datasets: default)\n")
        .status(1)
        .run();
}

/// 100,000 rows in each slice: more than a pipe holds, so `exax cat` has to wait for its reader.
const BIG: &str = r#"
function prepare(job)
  local dw = job:datasetwriter()
  dw:add('n', 'int64')
  dw:add('s', 'unicode')
  return dw
end
function analysis(sliceno, prepare_res)
  for i = 1, 100000 do prepare_res:write(i, 'row ' .. i .. ' of slice ' .. sliceno) end
end
"#;

fn big() -> Output {
    Test::new()
        .method("big", BIG)
        .build("function main(urd) urd:build('big') end")
        .any_stdout()
        .run()
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let out = big();
    for args in [
        &["cat", "test-0"][..],
        &["grep", "-f", "json", "row", "test-0"],
        &["method"],
        &["ds", "test-0"],
    ] {
        let mut child = std::process::Command::new(exax_bin())
            .args(args)
            .current_dir(out.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // `| head -0`
        let done = child.wait_with_output().unwrap();
        assert_eq!(String::from_utf8_lossy(&done.stderr), "", "{args:?}");
        assert_eq!(done.status.code(), Some(0), "{args:?}");
    }
}

#[test]
fn output_is_in_slice_order_and_complete() {
    let out = exax(big(), &["cat", "test-0", "n"]).any_stdout().run();
    let want: String = (0..2).flat_map(|_| 1..=100000).map(|i| format!("{i}\n")).collect();
    assert!(out.stdout == want, "cat of 200,000 rows is not slice 0 then slice 1 in order");
    exax(out, &["grep", "^row 9999[0-9] of slice 1$", "test-0", "s"])
        .stdout(
            &(99990..=99999)
                .map(|i| format!("1:{}\trow {i} of slice 1\n", i - 1))
                .collect::<String>(),
        )
        .run();
}

#[test]
fn exax_status_shows_the_position() {
    let out = big();
    let mut child = std::process::Command::new(exax_bin())
        .args(["cat", "test-0"])
        .current_dir(out.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Nobody reads its stdout, so it stops when the pipe is full, part way through.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        let o = std::process::Command::new(exax_bin())
            .arg("status")
            .current_dir(out.path())
            .output()
            .unwrap();
        let s = String::from_utf8_lossy(&o.stdout).into_owned();
        if s.starts_with("cat test-0/default (") || std::time::Instant::now() > deadline {
            break s;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(status.starts_with("cat test-0/default ("), "{status}");
    assert!(status.contains(" of 200,000 lines"), "{status}");
}
