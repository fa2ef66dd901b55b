//! Build scripts (spec section 2): urd:build, urd.args, urd.joblist, phases and their arguments.

use crate::test::Test;

pub const A_TEST: &str = r#"
description = [[Double a number.
Longer text after the first line is shown by `exax method a_test`.]]

options  = {x = 3, key = 'protomolecule', f = float}
datasets = {'source'}                    -- a string: one dataset
jobs     = {'previous', {'earlier'}}     -- a one-element table: a list of jobs

function synthesis(job)
  return {value = options.x * 2, caption = 'this is a test'}
end
"#;

#[test]
fn spec_section_2_example() {
    Test::new()
        .method("test", A_TEST)
        .build(
            "
            function main(urd)
              local job = urd:build('test', {x = 10})
              print(job:load().value)            --> 20
            end
            ",
        )
        .stdout("20\n")
        .stderr("built  test-0 test (TIME)\nbuild.lua: 1 job built, 0 reused in TIME\n")
        .run();
}

#[test]
fn args_and_named_scripts() {
    Test::new()
        .method("m", "function synthesis() return 1 end")
        .file(
            "build_other.lua",
            "function main(urd) print(#urd.args, urd.args[1], urd.args[2]) end",
        )
        .args(&["run", "other", "--", "a b", "-x"])
        .stdout("2\ta b\t-x\n")
        .run();
}

#[test]
fn script_by_path_and_missing_script() {
    let out = Test::new()
        .file("scripts/b.lua", "function main(urd) print('by path') end")
        .args(&["run", "scripts/b.lua"])
        .stdout("by path\n")
        .run();
    Test::again(out)
        .args(&["run", "nope"])
        .status(1)
        .stderr_contains("error: no build script ")
        .stderr_contains("build_nope.lua")
        .run();
}

#[test]
fn joblist_in_order_with_get() {
    Test::new()
        .method("m", "options = {x = 0}\nfunction synthesis() return options.x end")
        .build(
            "
            function main(urd)
              urd:build('m', {x = 1})
              urd:build('m', {x = 2, name = 'second'})
              urd:build('m', {x = 1})
              print(#urd.joblist)
              for i, j in ipairs(urd.joblist) do print(i, j.id, j:load()) end
              print(urd.joblist:get('m'):load(), urd.joblist:get('second'):load(), urd.joblist:get('none'))
            end
            ",
        )
        .stdout("3\n1\ttest-0\t1\n2\ttest-1\t2\n3\ttest-0\t1\n1\t2\tnil\n")
        .run();
}

#[test]
fn phases_get_arguments_by_name() {
    Test::new()
        .method(
            "phases",
            "
            function prepare(slices, job) return {n = slices, id = job.id} end
            function analysis(prepare_res, sliceno, slices, job)
              return {[sliceno + 1] = prepare_res.id .. ':' .. sliceno .. '/' .. slices}
            end
            function synthesis(analysis_res, prepare_res)
              local parts = {}
              for i = 1, #analysis_res do parts[i] = analysis_res[i][i] end
              return table.concat(parts, ' ') .. ' n=' .. prepare_res.n
            end
            ",
        )
        .build("function main(urd) print(urd:build('phases'):load()) end")
        .stdout("test-0:0/2 test-0:1/2 n=2\n")
        .run();
}

#[test]
fn analysis_res_holes_and_merge() {
    Test::new()
        .method(
            "m",
            "
            function analysis(sliceno)
              if sliceno == 0 then return nil end
              return {count = {a = sliceno, b = 1}, list = {sliceno}, total = 0.5}
            end
            function synthesis(analysis_res)
              local n = 0
              for _ in ipairs(analysis_res) do n = n + 1 end
              local m = analysis_res:merge_auto()
              return {len = #analysis_res, ipairs = n, first = analysis_res[1], merged = m}
            end
            ",
        )
        .build(
            "
            function main(urd)
              local r = urd:build('m'):load()
              print(r.len, r.ipairs, r.first, r.merged.count.a, r.merged.count.b, #r.merged.list, r.merged.total)
            end
            ",
        )
        .stdout("2\t0\tnil\t1\t1\t1\t0.5\n")
        .run();
}

#[test]
fn analysis_slices_run_at_the_same_time() {
    // Each slice waits until the other has started: this only finishes if they run in parallel.
    Test::new()
        .method(
            "par",
            "
            function analysis(sliceno, job)
              local mine = io.open('started.' .. sliceno, 'w') mine:close()
              local other = 'started.' .. (1 - sliceno)
              for _ = 1, 3000 do
                local f = io.open(other)
                if f then f:close() return true end
                os.execute('sleep 0.01')
              end
              error('slice ' .. sliceno .. ' never saw the other slice')
            end
            function synthesis(analysis_res) return analysis_res[1] and analysis_res[2] end
            ",
        )
        .build("function main(urd) print(urd:build('par'):load()) end")
        .stdout("true\n")
        .run();
}

#[test]
fn working_directory_is_the_job_directory() {
    let out = Test::new()
        .method(
            "cwd",
            "
            function prepare(job) local f = io.open('p.txt', 'w') f:write('p') f:close() end
            function analysis(sliceno) local f = io.open('a' .. sliceno .. '.txt', 'w') f:write('a') f:close() end
            function synthesis(job) local f = io.open('s.txt', 'w') f:write('s') f:close() return job.path end
            ",
        )
        .build("function main(urd) print(urd:build('cwd'):load()) end")
        .any_stdout()
        .run();
    for f in ["p.txt", "a0.txt", "a1.txt", "s.txt"] {
        assert!(out.exists(&format!("workdirs/test/test-0/{f}")), "{f}");
    }
    assert!(out.stdout.trim_end().ends_with("/workdirs/test/test-0"), "{}", out.stdout);
}

#[test]
fn a_fresh_lua_state_per_job() {
    Test::new()
        .method(
            "leak",
            "options = {x = 0}\nfunction synthesis() local seen = LEAKED; LEAKED = options.x; return tostring(seen) end",
        )
        .build(
            "
            LEAKED = 'from build'
            function main(urd)
              print(urd:build('leak', {x = 1}):load(), urd:build('leak', {x = 2}):load(), LEAKED)
            end
            ",
        )
        .stdout("nil\tnil\tfrom build\n")
        .run();
}

#[test]
fn link_result_links_a_job_file() {
    let out = Test::new()
        .method("m", "function synthesis() local f = io.open('report.txt', 'w') f:write('hi') f:close() end")
        .build("function main(urd) local j = urd:build('m') print(j:link_result('report.txt') == j:link_result('report.txt')) j:link_result('report.txt', 'sub/r.txt') print(pcall(j.link_result, j, 'nope')) end")
        .stdout("true\nfalse\tbuild.lua:1: job:link_result: job test-0 has no file `nope`\n")
        .run();
    assert_eq!(out.read("results/report.txt"), "hi");
    assert_eq!(out.read("results/sub/r.txt"), "hi");
}
