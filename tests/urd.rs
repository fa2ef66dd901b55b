//! Urd (spec section 8, issue 13): sessions in build scripts, every timestamp form, the conflict
//! rule, joblists and build_chained, the crash-safe local store, `exax urd` and job specifiers,
//! run records, `exax urd diff`, and `exax urd-server` with users, retries and crashes.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

use crate::test::{exax_bin, Output, Test};

/// A method whose result is its option plus the result of `previous`, so a chain shows.
const ADD: &str = "
options = {n = 1}
jobs = {'previous'}
function synthesis()
  local p = jobs.previous and jobs.previous:load() or 0
  return p + options.n
end
";

fn project() -> Test {
    Test::new().method("add", ADD).method("other", "options = {n = 1}\nfunction synthesis() return options.n end")
}

fn urd(out: Output, args: &[&str], stdout: &str) -> Output {
    Test::again(out).args(args).stdout(stdout).run()
}

#[test]
fn sessions_and_lookups() {
    project()
        .build(
            "
            function main(urd)
              assert(urd:peek_latest('import') == nil)
              urd:begin('import', '2024-01-01', {caption = 'first'})
              urd:build('add', {n = 1})
              urd:build('other', {name = 'o'})
              local r = urd:finish('import')
              print(r.new, r.changed, r.is_ghost, r.deps)
              urd:begin('import', '2024-02-01')
              urd:build('add', {n = 2})
              urd:finish('import', nil, 'second')
              urd:begin('import')
              urd:build('add', {n = 3})
              urd:finish('import', 7)
              urd:begin('proc', '2024-03')
              local e = urd:latest('import')
              print(e.timestamp, e.caption, #e.joblist, e.joblist:get('add').id, e.build_job)
              print(urd:get('nolist', '2024-01-01'))
              urd:build('other')
              urd:finish('proc')
              local p = urd:peek_latest('proc')
              print(p.timestamp, p.deps.import.timestamp, p.deps.import.joblist:get('add').id, p.deps.nolist)
              local f = urd:peek_first('import')
              print(f.timestamp, f.caption, f.joblist:get('add').id)
              local o = urd:peek('import', '2024-01-01')
              print(o.caption, o.joblist:get('o').id, o.joblist:get(1).id, o.joblist:get('nope'), #o.joblist:find('add'))
              print(table.concat(urd:since('import', 0), ' '), table.concat(urd:since('import', '2024-01-01'), ' '))
              print(table.concat(urd:list(), ' '))
            end
            ",
        )
        .stdout(
            "
            true	false	false	0
            2024-02-01	second	1	test-2	build.lua
            nil
            2024-03	2024-02-01	test-2	nil
            7		test-3
            first	test-1	test-0	nil	1
            7 2024-01-01 2024-02-01	2024-02-01
            import proc
            ",
        )
        .run();
}

#[test]
fn every_timestamp_form() {
    project()
        .build(
            "
            function main(urd)
              local all = {'1', '2024-01', '2024-01-15', '2024-01-15T10', '2024-01-15T10:30',
                           '2024-01-15T10:30:15', '2024-01-15T10:30:15.5', '2024-01-15+3', '2024-02'}
              for _, ts in ipairs(all) do
                urd:begin('t', ts)
                urd:build('add')
                urd:finish('t')
              end
              local function at(q)
                local e = urd:peek('t', q)
                return e and e.timestamp or 'nil'
              end
              print(table.concat(urd:since('t', 0), ' '))
              print(at('<2024-01-15'), at('<=2024-01-15'), at('>2024-01-15'), at('>=2024-01-15'))
              print(at('<=2024-01'), at('<2024-01'), at('>2024-02'), at('>=0'), at('<1'))
              print(at({'<=', '2024-01-15', 3}), at({'2024-01-15', 3}), at('2024-01-15 10'), at(1), at(2.0), at('latest'), at('first'))
              print(at('2024'))  -- an integer, not a year: no such session
              for _, bad in ipairs({'2024-1', '-1', '2024-01-15T10:30.5', 'x', ''}) do
                print(select(2, pcall(urd.peek, urd, 't', bad)))
              end
              print(select(2, pcall(urd.peek, urd, 't', -1)))
              print(select(2, pcall(urd.begin, urd, 't', '0+')))
            end
            ",
        )
        .stdout(
            "
            1 2024-01 2024-01-15 2024-01-15+3 2024-01-15T10 2024-01-15T10:30 2024-01-15T10:30:15 2024-01-15T10:30:15.5 2024-02
            2024-01	2024-01-15T10:30:15.5	2024-01-15+3	2024-01-15
            2024-01-15T10:30:15.5	1	nil	1	nil
            2024-01-15+3	2024-01-15+3	2024-01-15T10	1	nil	2024-02	1
            nil
            build.lua:19: urd:peek: invalid urd timestamp `2024-1` (expected YYYY-MM, YYYY-MM-DD, YYYY-MM-DDTHH[:MM[:SS[.ffffff]]], a non-negative integer, or such parts joined by +)
            build.lua:19: urd:peek: invalid urd timestamp `-1` (expected YYYY-MM, YYYY-MM-DD, YYYY-MM-DDTHH[:MM[:SS[.ffffff]]], a non-negative integer, or such parts joined by +)
            build.lua:19: urd:peek: invalid urd timestamp `2024-01-15T10:30.5` (expected YYYY-MM, YYYY-MM-DD, YYYY-MM-DDTHH[:MM[:SS[.ffffff]]], a non-negative integer, or such parts joined by +)
            build.lua:19: urd:peek: invalid urd timestamp `x` (expected YYYY-MM, YYYY-MM-DD, YYYY-MM-DDTHH[:MM[:SS[.ffffff]]], a non-negative integer, or such parts joined by +)
            build.lua:19: urd:peek: invalid urd timestamp `` (expected YYYY-MM, YYYY-MM-DD, YYYY-MM-DDTHH[:MM[:SS[.ffffff]]], a non-negative integer, or such parts joined by +)
            build.lua:21: urd:peek: a timestamp is a string like '2024-03-01', a non-negative integer, or a table of those parts, got an integer
            build.lua:22: urd:begin: invalid urd timestamp `0+` (expected YYYY-MM, YYYY-MM-DD, YYYY-MM-DDTHH[:MM[:SS[.ffffff]]], a non-negative integer, or such parts joined by +)
            ",
        )
        .run();
}

#[test]
fn conflicts_updates_and_history() {
    let session = |n: u32, update: bool| {
        format!(
            "function main(urd)
               urd:begin('a', '1', {{update = {update}}})
               urd:build('add', {{n = {n}}})
               local r = urd:finish('a')
               print(r.new, r.changed, r.is_ghost, r.deps)
             end"
        )
    };
    let out = project()
        .build(&session(1, false))
        .file(
            "build_dep.lua",
            "function main(urd)
               urd:begin('b', '1')
               urd:latest('a')
               urd:build('other')
               urd:finish('b')
               print(urd:peek_latest('b').deps.a.timestamp)
             end",
        )
        .file("build_same.lua", &session(1, false))
        .file("build_other.lua", &session(2, false))
        .file("build_update.lua", &session(2, true))
        .stdout("true\tfalse\tfalse\t0\n")
        .run();
    let out = Test::again(out).args(&["run", "dep"]).stdout("1\n").run();
    // the same content again is no change and writes nothing
    let out = Test::again(out).args(&["run", "same"]).stdout("false\tfalse\tfalse\t0\n").run();
    assert_eq!(out.read(".exax/urd/a.urd").lines().count(), 1);
    let out = Test::again(out)
        .args(&["run", "other"])
        .status(1)
        .stderr_contains("error: build_other.lua:4: urd list a already has a different session at 1 (pass update = true to urd:begin to replace it; the old one is kept as history)")
        .run();
    // with update: replaced, the old one kept as history, and b (which depended on it) too
    let out = Test::again(out).args(&["run", "update"]).stdout("false\ttrue\tfalse\t1\n").run();
    assert_eq!(out.read(".exax/urd/a.urd").lines().count(), 2);
    let out = urd(out, &["urd"], "a\n");
    let out = urd(out, &["urd", "a"], "1\n");
    let out = urd(out, &["urd", ":a:add"], "test-2\n");
    Test::again(out).args(&["urd", "b/latest"]).stdout("").stderr("error: urd list `b` has no session b/latest\n").status(1).run();
}
