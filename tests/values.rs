//! Values (spec section 3): integers and floats stay apart, nested tables, binary strings, Job
//! handles round-trip, and what cannot be saved is an error naming its path.

use crate::test::Test;

#[test]
fn results_round_trip() {
    Test::new()
        .method("p", "function synthesis() return 'p' end")
        .method(
            "v",
            r#"
            jobs = {'p'}
            function synthesis()
              return {i = 3, f = 3.0, big = math.maxinteger, s = 'a\0b\255', nested = {{1, {x = true}}}, empty = {}, job = jobs.p, [5] = 'five', [2.5] = 'float key'}
            end
            "#,
        )
        .build(
            r#"
            function main(urd)
              local r = urd:build('v', {p = urd:build('p')}):load()
              print(math.type(r.i), math.type(r.f), r.big == math.maxinteger, #r.s, r.s:byte(3), r.s:byte(4))
              print(r.nested[1][1], r.nested[1][2].x, next(r.empty), r.job.id, r.job:load(), r[5], r[2.5])
            end
            "#,
        )
        .stdout("integer\tfloat\ttrue\t4\t98\t255\n1\ttrue\tnil\ttest-0\tp\tfive\tfloat key\n")
        .run();
}

#[test]
fn unsaveable_values_name_their_path() {
    Test::new()
        .method("f", "function synthesis() return {items = {1, 2, function() end}} end")
        .build("function main(urd) urd:build('f') end")
        .status(1)
        .stderr_contains("error: methods/f.lua:1: result.items[3]: cannot save a function (returned by synthesis(), which starts here)\n  job:    test-0 (method f)\n  phase:  synthesis\n")
        .run();
    Test::new()
        .method(
            "c",
            "function prepare() return {co = coroutine.create(print)} end\nfunction analysis(sliceno) end",
        )
        .build("function main(urd) urd:build('c') end")
        .status(1)
        .stderr_contains("error: methods/c.lua:1: prepare_res.co: cannot save a coroutine (returned by prepare(), which starts here)")
        .run();
}

#[test]
fn a_table_that_contains_itself() {
    Test::new()
        .method("cyc", "function synthesis() local t = {} t.self = t return t end")
        .build("function main(urd) urd:build('cyc') end")
        .status(1)
        .stderr_contains("error: methods/cyc.lua:1: result.self: cannot save a table that contains itself (returned by synthesis(), which starts here)\n")
        .run();
}

#[test]
fn nil_result_loads_as_nil() {
    Test::new()
        .method("n", "function synthesis() end")
        .build("function main(urd) print(urd:build('n'):load()) end")
        .stdout("nil\n")
        .run();
}

#[test]
fn job_fields_and_records() {
    Test::new()
        .method("m", "options = {x = 1}\njobs = {'prev'}\nfunction analysis(sliceno) end\nfunction synthesis(job) return job.id end")
        .build(
            "
            function main(urd)
              local a = urd:build('m', {caption = 'first'})
              local b = urd:build('m', {x = 2, prev = a})
              print(b.id, tostring(b), b.method, b.workdir, b.path:sub(-21))
              print(b.params.options.x, b.params.jobs.prev.id, b.params.method, a.params.caption, #b.params.hash)
              print(#b.post.exectime.per_slice, type(b.post.exectime.total), #b.post.subjobs)
              print(a == urd.joblist[1], a == b)
              print(pcall(function() b.params.options.x = 3 end))
            end
            ",
        )
        .stdout("test-1\ttest-1\tm\ttest\t/workdirs/test/test-1\n2\ttest-0\tm\tfirst\t32\n2\tnumber\t0\ntrue\tfalse\nfalse\tbuild.lua:8: job.params.options is read-only (tried to set `x`)\n")
        .run();
}
