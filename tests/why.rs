//! `exax why METHOD [KEY=VALUE ...]`, `urd:build(..., {why_build = true})`, `exax run --why`
//! and the reason on each `built` line: the nearest finished job and what differs from it.

use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::test::{Output, Test};

const METHOD: &str = "options = {x = 3, s = 'a'}
local h = require('helper')
depend_extra = {'data.txt'}
function synthesis(job)
  local n = 0
  for _ in job:open_input('in.csv'):lines() do n = n + 1 end
  return n + options.x + h
end
";

fn set_mtime(path: &Path, secs: u64) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs)).unwrap();
}

/// A project with test-0 built from METHOD.
fn built() -> Output {
    let t = Test::new()
        .method("m", METHOD)
        .file("methods/helper.lua", "return 1\n")
        .file("methods/data.txt", "one\n")
        .file("input/in.csv", "a\nb\n")
        .build("function main(urd) print(urd:build('m').id) end");
    set_mtime(&t.path().join("input/in.csv"), 1_700_000_000);
    t.stdout("test-0\n").run()
}

fn why(out: Output, args: &[&str], want: &str) -> Output {
    let mut all = vec!["why"];
    all.extend_from_slice(args);
    Test::again(out).args(&all).stdout(want).run()
}

fn edit(out: &Output, rel: &str, from: &str, to: &str) {
    let p = out.path().join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{rel}: {from}");
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn never_built_nothing_differs_and_explicit_defaults() {
    let out = Test::new()
        .method("m", METHOD)
        .file("methods/helper.lua", "return 1\n")
        .file("methods/data.txt", "one\n")
        .args(&["why", "m"])
        .stdout("`m` would be built: it has no finished job yet\n")
        .run();
    drop(out);
    let reused = "`m` would reuse test-0: nothing differs (source, modules, depend_extra, parameters and input files)\n";
    let out = why(built(), &["m"], reused);
    let out = why(out, &["m", "x=3", "s='a'"], reused);
    let out = why(out, &["m", "options={x=3.0}"], reused);
    let out = why(
        out,
        &["m", "force_build=true"],
        "`m` is built because of force_build: nothing differs from test-0\n",
    );
    Test::again(out)
        .args(&["why", "m", "x=1.5"])
        .status(1)
        .stderr_contains("error: method `m`, option `x`: expected int, got float 1.5")
        .run();
}

#[test]
fn source_and_comment_edits() {
    let out = built();
    edit(&out, "methods/m.lua", "return n + options.x + h", "return n + options.x * 2 + h");
    let out = why(
        out,
        &["m"],
        "`m` would be built: none of its 1 finished job matches
nearest: test-0
  source changed: methods/m.lua
    --- test-0/method.lua
    +++ methods/m.lua
    @@ -4,5 +4,5 @@
     function synthesis(job)
       local n = 0
       for _ in job:open_input('in.csv'):lines() do n = n + 1 end
    -  return n + options.x + h
    +  return n + options.x * 2 + h
     end
",
    );
    edit(&out, "methods/m.lua", "options.x * 2", "options.x");
    edit(&out, "methods/m.lua", "local n = 0", "local n = 0 -- lines");
    why(
        out,
        &["m"],
        "`m` would be built: none of its 1 finished job matches
nearest: test-0
  source changed: methods/m.lua
    --- test-0/method.lua
    +++ methods/m.lua
    @@ -2,7 +2,7 @@
     local h = require('helper')
     depend_extra = {'data.txt'}
     function synthesis(job)
    -  local n = 0
    +  local n = 0 -- lines
       for _ in job:open_input('in.csv'):lines() do n = n + 1 end
       return n + options.x + h
     end
",
    );
}

#[test]
fn module_depend_extra_option_and_input_changes() {
    let out = built();
    std::fs::write(out.path().join("methods/helper.lua"), "return 2\n").unwrap();
    let out = why(
        out,
        &["m"],
        "`m` would be built: none of its 1 finished job matches
nearest: test-0
  module changed: methods/helper.lua
    --- test-0/methods/helper.lua
    +++ methods/helper.lua
    @@ -1 +1 @@
    -return 1
    +return 2
",
    );
    std::fs::write(out.path().join("methods/helper.lua"), "return 1\n").unwrap();
    std::fs::write(out.path().join("methods/data.txt"), "one\ntwo\n").unwrap();
    let out = why(
        out,
        &["m"],
        "`m` would be built: none of its 1 finished job matches
nearest: test-0
  depend_extra changed: methods/data.txt
    --- test-0/methods/data.txt
    +++ methods/data.txt
    @@ -1 +1,2 @@
     one
    +two
",
    );
    std::fs::write(out.path().join("methods/data.txt"), "one\n").unwrap();
    let out = why(
        out,
        &["m", "x=4", "s='b c'"],
        "`m` would be built: none of its 1 finished job matches
nearest: test-0
  option s: 'a' -> 'b c' (default 'a')
  option x: 3 -> 4 (default 3)
",
    );
    let csv = out.path().join("input/in.csv");
    std::fs::write(&csv, "a\nb\nc\n").unwrap();
    set_mtime(&csv, 1_700_000_100);
    let out = why(
        out,
        &["m"],
        "`m` would be built: none of its 1 finished job matches
nearest: test-0
  input file input/in.csv: size 4 -> 6 bytes, modified 2023-11-14 22:13:20.000000000 -> 2023-11-14 22:15:00.000000000, content changed
",
    );
    // Touched only: reused.
    std::fs::write(&csv, "a\nb\n").unwrap();
    why(
        out,
        &["m"],
        "`m` would reuse test-0: nothing differs (source, modules, depend_extra, parameters and input files)\n",
    );
}

#[test]
fn run_why_and_why_build() {
    let out = built();
    edit(&out, "methods/m.lua", "local n = 0", "local n = 10");
    let out = Test::again(out)
        .build(
            "function main(urd)
  io.write(urd:build('m', {x = 5, why_build = true}))
  print(urd:build('m', {x = 5}).id)
  print(urd:build('m', {x = 5, force_build = true}).id)
end",
        )
        .args(&["run", "--why"])
        .stdout(
            "`m` would be built: none of its 1 finished job matches
nearest: test-0
  source changed: methods/m.lua
    --- test-0/method.lua
    +++ methods/m.lua
    @@ -2,7 +2,7 @@
     local h = require('helper')
     depend_extra = {'data.txt'}
     function synthesis(job)
    -  local n = 0
    +  local n = 10
       for _ in job:open_input('in.csv'):lines() do n = n + 1 end
       return n + options.x + h
     end
  option x: 3 -> 5 (default 3)
test-1
test-2
",
        )
        .stderr(
            "built  test-1 m (TIME; source changed: methods/m.lua; option x: 3 -> 5)
  `m` would be built: none of its 1 finished job matches
  nearest: test-0
    source changed: methods/m.lua
      --- test-0/method.lua
      +++ methods/m.lua
      @@ -2,7 +2,7 @@
       local h = require('helper')
       depend_extra = {'data.txt'}
       function synthesis(job)
      -  local n = 0
      +  local n = 10
         for _ in job:open_input('in.csv'):lines() do n = n + 1 end
         return n + options.x + h
       end
    option x: 3 -> 5 (default 3)
built  test-2 m (TIME; forced)
  `m` is built because of force_build: nothing differs from test-1
build.lua: 2 jobs built, 0 reused in TIME
",
        )
        .run();
    // Without --why only the reason.
    let csv = out.path().join("input/in.csv");
    std::fs::write(&csv, "x\n").unwrap();
    Test::again(out)
        .build("function main(urd) urd:build('m', {x = 5}) end")
        .stderr("built  test-3 m (TIME; input changed: input/in.csv)\nbuild.lua: 1 job built, 0 reused in TIME\n")
        .run();
}

/// A run that starts in an empty workdir sees every job it builds, job 0 included: the reasons
/// and `why_build` compare against all of them (job 0 was missed once).
#[test]
fn a_run_from_an_empty_workdir_sees_job_0() {
    Test::new()
        .method(
            "scale",
            "options = {x = 1, factor = 2}\nfunction synthesis() return options.x * options.factor end\n",
        )
        .build(
            "
            function main(urd)
              urd:build('scale', {x = 10})
              urd:build('scale', {x = 10, factor = 3})
              urd:build('scale', {x = 1})
              io.write(urd:build('scale', {x = 10, factor = 4, why_build = true}))
            end
            ",
        )
        .stdout(
            "
            `scale` would be built: none of its 3 finished jobs matches
            nearest: test-1
              option factor: 3 -> 4 (default 2)
            ",
        )
        .stderr(
            "
            built  test-0 scale (TIME)
            built  test-1 scale (TIME; option factor: 2 -> 3)
            built  test-2 scale (TIME; option x: 10 -> 1)
            build.lua: 3 jobs built, 0 reused in TIME
            ",
        )
        .run();
}
