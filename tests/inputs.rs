//! Input files in the reuse decision (spec section 9): a job that read an input file is reused
//! only while the file is unchanged (size and time, or else content); touching it reuses, editing
//! or appending rebuilds; hashes are cached so an unchanged large file is not read again.

use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::test::{Output, Test};

const COUNT_LINES: &str = "
function synthesis(job)
  local n = 0
  for _ in job:open_input('trips.csv'):lines() do n = n + 1 end
  job:input_filename('never_there.csv')
  return n
end
";
const BUILD: &str = "function main(urd) local j = urd:build('count') print(j.id, j:load()) end";

fn set_mtime(path: &Path, secs: u64) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs)).unwrap();
}

fn again(out: Output, want: &str) -> Output {
    Test::again(out).build(BUILD).stdout(want).run()
}

#[test]
fn edit_append_touch_and_revert() {
    let out = Test::new()
        .method("count", COUNT_LINES)
        .file("input/trips.csv", "a\n1\n2\n")
        .build(BUILD)
        .stdout("test-0\t3\n")
        .run();
    let post: serde_json::Value = serde_json::from_str(&out.read("workdirs/test/test-0/post.json")).unwrap();
    let inputs = &post["inputs"];
    assert_eq!(inputs.as_array().map(Vec::len), Some(1), "only the file that exists: {inputs}");
    assert_eq!(inputs[0]["name"], "trips.csv");
    assert_eq!(inputs[0]["size"], 6);
    assert_eq!(inputs[0]["hash"].as_str().map(str::len), Some(32));
    let csv = out.path().join("input/trips.csv");

    let out = again(out, "test-0\t3\n");
    // Touch: new time, same content: reused.
    set_mtime(&csv, 1_000_000_000);
    let out = Test::again(out)
        .build(BUILD)
        .stdout("test-0\t3\n")
        .stderr("reused test-0 count\nbuild.lua: 0 jobs built, 1 reused in TIME\n")
        .run();
    // Append a line: rebuilt.
    std::fs::write(&csv, "a\n1\n2\n3\n").unwrap();
    let out = again(out, "test-1\t4\n");
    let out = again(out, "test-1\t4\n");
    // Edit without changing the size: rebuilt.
    std::fs::write(&csv, "a\n1\n2\n4\n").unwrap();
    let out = again(out, "test-2\t4\n");
    // Back to the first content: the newest job whose inputs match is test-0.
    std::fs::write(&csv, "a\n1\n2\n").unwrap();
    let out = again(out, "test-0\t3\n");
    // Gone: the job cannot be reused, and building it fails as the job itself would.
    std::fs::remove_file(&csv).unwrap();
    Test::again(out)
        .build(BUILD)
        .status(1)
        .stderr_contains("job:open_input: no file `trips.csv` in the input directory")
        .run();
}

#[test]
fn input_filename_counts_when_the_file_exists_at_the_end() {
    let method = "
    function synthesis(job)
      local name = job:input_filename('out', 'made.txt')
      print(name:match('input/out/made.txt$') ~= nil)
      job:input_filename('never.txt')
    end
    ";
    let build = "function main(urd) print(urd:build('m').id) end";
    let out = Test::new()
        .method("m", method)
        .file("input/out/made.txt", "x")
        .build(build)
        .stdout("true\ntest-0\n")
        .run();
    let post: serde_json::Value = serde_json::from_str(&out.read("workdirs/test/test-0/post.json")).unwrap();
    assert_eq!(post["inputs"].as_array().map(Vec::len), Some(1), "{post}");
    assert_eq!(post["inputs"][0]["name"], "out/made.txt");
    std::fs::write(out.path().join("input/out/made.txt"), "y").unwrap();
    let out = Test::again(out).build(build).stdout("true\ntest-1\n").run();
    // A file named but never there is no input: creating it later changes nothing.
    std::fs::write(out.path().join("input/never.txt"), "z").unwrap();
    Test::again(out).build(build).stdout("test-1\n").run();
}

#[test]
fn reads_in_analysis_and_subjobs_count() {
    let out = Test::new()
        .method(
            "reader",
            "function analysis(sliceno, job) job:open_input('s' .. sliceno .. '.txt'):close() end",
        )
        .method(
            "parent",
            "local subjobs = require('exax.subjobs')\nfunction synthesis() subjobs.build('reader') end",
        )
        .file("input/s0.txt", "0")
        .file("input/s1.txt", "1")
        .build("function main(urd) print(urd:build('parent').id) end")
        .stdout("test-0\n")
        .run();
    let post: serde_json::Value = serde_json::from_str(&out.read("workdirs/test/test-1/post.json")).unwrap();
    assert_eq!(post["inputs"][1]["name"], "s1.txt", "{post}");
    let out = Test::again(out).stdout("test-0\n").run();
    // The subjob's input changed: the parent is not reused either (its result came from it).
    std::fs::write(out.path().join("input/s1.txt"), "changed").unwrap();
    Test::again(out).stdout("test-2\n").run();
}

#[test]
fn a_large_input_is_hashed_once() {
    let t = Test::new()
        .method("big", "function synthesis(job) job:input_filename('big.bin') end")
        .build("function main(urd) print(urd:build('big').id) end")
        .file("input/big.bin", "");
    let big = t.path().join("input/big.bin");
    // 1 GB, sparse: costs no disk, but reading it costs the full read.
    std::fs::File::options().write(true).open(&big).unwrap().set_len(1 << 30).unwrap();
    let out = t.stdout("test-0\n").run();
    let out = Test::again(out).stdout("test-0\n").run();
    set_mtime(&big, 1_000_000_000);
    let out = Test::again(out).stdout("test-0\n").run();
    // The touched file's hash is now cached under its new time: poison the cache entry, and the
    // next run must believe it (a rebuild) rather than read the file again.
    let cache = out.path().join(".exax/input-hashes");
    let text = std::fs::read_to_string(&cache).unwrap();
    let last = text.lines().last().unwrap();
    assert!(last.contains(" 1073741824 1000000000000000000 "), "{text}");
    let poisoned = format!("{}{}\n", "0".repeat(32), &last[32..]);
    std::fs::write(&cache, format!("{text}{poisoned}")).unwrap();
    Test::again(out).stdout("test-1\n").run();
}
