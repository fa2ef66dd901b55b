//! Subjobs (spec section 7, manual 8.15): `require('exax.subjobs').build` from a running job, same
//! parameters and reuse as urd:build, recorded in job.post.subjobs as Job handles, not in
//! urd.joblist; nesting, and a recursion limit instead of a hang.

use crate::test::Test;

const CREATE: &str = "
description = 'Makes a value for its parent.'
options = {x = 0}
function synthesis(job)
  job:save(options.x * 10, 'value')
  return options.x
end
";

const MIDDLE: &str = "
local subjobs = require('exax.subjobs')
function synthesis()
  return subjobs.build('create', {x = 99}):load()
end
";

const PARENT: &str = "
local subjobs = require('exax.subjobs')
options = {x = 4}
function synthesis(job)
  local sub = subjobs.build('create', {x = options.x})
  local again = subjobs.build('create', {options = {x = options.x}, caption = 'same key'})
  local nested = subjobs.build('middle')
  return {sub = sub, value = sub:load('value'), same = sub == again, nested = nested:load()}
end
";

#[test]
fn subjobs_are_recorded_in_post_not_in_the_joblist() {
    let out = Test::new()
        .method("create", CREATE)
        .method("middle", MIDDLE)
        .method("parent", PARENT)
        .build(
            "
            function main(urd)
              local p = urd:build('parent')
              print(#urd.joblist, urd.joblist[1].id, urd.joblist:get('create'), urd.joblist:get('middle'))
              local subs = p.post.subjobs
              print(#subs, subs[1].id, subs[1].method, subs[2].id, subs[2].method)
              print(subs[1]:load('value'), #subs[1].post.subjobs, subs[2].post.subjobs[1].id)
              local r = p:load()
              print(r.value, r.same, r.nested, r.sub == subs[1], tostring(r.sub))
              print(pcall(function() subs[1] = nil end))
            end
            ",
        )
        .stdout(
            "
            1\ttest-0\tnil\tnil
            2\ttest-1\tcreate\ttest-2\tmiddle
            40\t0\ttest-3
            40\ttrue\t99\ttrue\ttest-1
            false\tbuild.lua:9: job.post.subjobs is read-only (tried to set `1`)
            ",
        )
        .stderr(
            "
              built  test-1 create (TIME)
              reused test-1 create
                built  test-3 create (TIME; option x: 4 -> 99)
              built  test-2 middle (TIME)
            built  test-0 parent (TIME)
            build.lua: 4 jobs built, 1 reused in TIME
            ",
        )
        .run();
    let setup = |job: &str| -> serde_json::Value { serde_json::from_str(&out.read(&format!("workdirs/test/{job}/setup.json"))).unwrap() };
    assert_eq!(setup("test-0")["builder"], "build.lua");
    assert_eq!(setup("test-1")["builder"], "test-0");
    assert_eq!(setup("test-3")["builder"], "test-2");
    let post: serde_json::Value = serde_json::from_str(&out.read("workdirs/test/test-0/post.json")).unwrap();
    assert_eq!(post["subjobs"], serde_json::json!(["test-1", "test-2"]));

    // Run again: everything is reused, the parent without running, so no subjob lines.
    Test::again(out)
        .build("function main(urd) print(#urd:build('parent').post.subjobs) end")
        .stdout("2\n")
        .stderr("reused test-0 parent\nbuild.lua: 0 jobs built, 1 reused in TIME\n")
        .run();
}

/// A subjob may be built in prepare too; its handle passes to the later phases.
#[test]
fn subjobs_from_prepare_and_their_handles() {
    Test::new()
        .method("create", CREATE)
        .method(
            "p",
            "
            local subjobs = require('exax.subjobs')
            function prepare() return subjobs.build('create', {x = 2}) end
            function analysis(sliceno, prepare_res) return prepare_res:load('value') + sliceno end
            function synthesis(analysis_res, prepare_res, job)
              return {sum = analysis_res:merge_auto(), params = prepare_res.params.options.x}
            end
            ",
        )
        .build(
            "
            function main(urd)
              local j = urd:build('p')
              print(j:load().sum, j:load().params, j.post.subjobs[1].id, j.post.subjobs[1].params.caption)
            end
            ",
        )
        .stdout("41\t2\ttest-1\t\n")
        .run();
}

#[test]
fn where_subjobs_cannot_be_built() {
    Test::new()
        .method("create", CREATE)
        .method(
            "in_analysis",
            "
            local subjobs = require('exax.subjobs')
            function analysis(sliceno) return tostring(select(2, pcall(subjobs.build, 'create'))) end
            function synthesis(analysis_res) return analysis_res[1] end
            ",
        )
        .build(
            "
            local subjobs = require('exax.subjobs')
            function main(urd)
              print(urd:build('in_analysis'):load())
              print(pcall(subjobs.build, 'create'))
            end
            ",
        )
        .stdout(
            "
            methods/in_analysis.lua:2: subjobs can be built in prepare and synthesis, not in analysis (job test-0)
            false\tbuild.lua:4: subjobs.build is for methods; a build script uses urd:build
            ",
        )
        .run();
}

/// A failed subjob fails the parent unless the parent catches it; a caught failure records no
/// subjob.
#[test]
fn failing_subjobs() {
    Test::new()
        .method("create", CREATE)
        .method("bad", "function synthesis() error('bad subjob') end")
        .method(
            "careful",
            "
            local subjobs = require('exax.subjobs')
            function synthesis()
              local ok, err = pcall(subjobs.build, 'bad')
              subjobs.build('create')
              return tostring(err)
            end
            ",
        )
        .build(
            "
            function main(urd)
              local j = urd:build('careful')
              print(j:load())
              print(#j.post.subjobs, j.post.subjobs[1].method)
            end
            ",
        )
        .stdout("methods/bad.lua:1: bad subjob\n1\tcreate\n")
        .run();
}

/// Recursion deeper than the limit is an error naming the method, reached quickly.
#[test]
fn recursion_is_an_error_not_a_hang() {
    let started = std::time::Instant::now();
    let out = Test::new()
        .method(
            "rec",
            "local subjobs = require('exax.subjobs')\noptions = {n = 0}\nfunction synthesis()\n  return subjobs.build('rec', {n = options.n + 1}):load()\nend",
        )
        .build("function main(urd)\n  urd:build('rec')\nend")
        .status(1)
        .run();
    assert!(started.elapsed().as_secs() < 60);
    let first = out.stderr.lines().next().unwrap_or("");
    assert_eq!(
        first,
        "error: methods/rec.lua:4: subjobs nested more than 50 deep (does `rec` build itself?)"
    );
    assert!(out.stderr.contains("  job:    test-50 (method rec)\n"), "{}", out.stderr);
    assert!(out.exists("workdirs/test/test-50/setup.json") && !out.exists("workdirs/test/test-51"));
}
