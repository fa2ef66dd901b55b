//! Option typing (spec section 3) and parameter resolution, through the real binary.

use crate::test::Test;

const TYPED: &str = r#"
options = {
  i = 37, f = 1.5, s = 'text', b = false, l = {1, 2}, d = {k = 'v'},
  mf = float, mi = int, mn = number, ms = str, mb = bool,
  li = {int}, dsf = {[str] = float},
  e = enum('fast', 'slow'), ed = enum('fast', 'slow'):default('slow'),
}
function synthesis()
  local out = {}
  for _, k in ipairs({'i', 'f', 's', 'b', 'mf', 'mi', 'mn', 'ms', 'mb', 'e', 'ed'}) do
    local v = options[k]
    out[#out + 1] = k .. '=' .. tostring(v) .. ':' .. (math.type(v) or type(v))
  end
  out[#out + 1] = 'l=' .. table.concat(options.l, ',')
  out[#out + 1] = 'd.k=' .. tostring(options.d.k)
  out[#out + 1] = 'li=' .. (options.li and table.concat(options.li, ',') or 'nil')
  out[#out + 1] = 'dsf.a=' .. (options.dsf and tostring(options.dsf.a) or 'nil')
  return table.concat(out, ' ')
end
"#;

fn typed(params: &str) -> Test {
    Test::new()
        .method("typed", TYPED)
        .build(&format!("function main(urd) print(urd:build('typed', {params}):load()) end"))
}

#[test]
fn defaults() {
    typed("{}")
        .stdout("i=37:integer f=1.5:float s=text:string b=false:boolean mf=nil:nil mi=nil:nil mn=nil:nil ms=nil:nil mb=nil:nil e=nil:nil ed=slow:string l=1,2 d.k=v li=nil dsf.a=nil\n")
        .run();
}

#[test]
fn conversions() {
    typed("{i = 7.0, f = 2, mf = 2, mi = 2.0, mn = 2.0, ms = 'x', mb = true, e = 'fast', l = {9}, d = {}, li = {1, 2.0}, dsf = {a = 1}}")
        .stdout("i=7:integer f=2.0:float s=text:string b=false:boolean mf=2.0:float mi=2:integer mn=2.0:float ms=x:string mb=true:boolean e=fast:string ed=slow:string l=9 d.k=nil li=1,2 dsf.a=1.0\n")
        .run();
}

fn type_error(params: &str, message: &str) {
    typed(params).status(1).stderr_contains(message).run();
}

#[test]
fn wrong_types_name_method_parameter_and_expectation() {
    type_error(
        "{i = 7.5}",
        "error: build.lua:1: method `typed`, option `i`: expected int, got float 7.5\n",
    );
    type_error("{s = 3}", "method `typed`, option `s`: expected str, got integer 3");
    type_error("{b = 'yes'}", "method `typed`, option `b`: expected bool, got string 'yes'");
    type_error("{l = 3}", "method `typed`, option `l`: expected table, got integer 3");
    type_error(
        "{e = 'medium'}",
        "method `typed`, option `e`: expected enum('fast', 'slow'), got string 'medium'",
    );
    type_error(
        "{li = {1, 'x'}}",
        "method `typed`, option `li`: expected int at `li[2]`, got string 'x'",
    );
    type_error(
        "{dsf = {a = 'x'}}",
        "method `typed`, option `dsf`: expected float at `dsf.a`, got string 'x'",
    );
}

#[test]
fn unknown_parameter_suggests_a_close_name() {
    type_error(
        "{ii = 1}",
        "error: build.lua:1: method `typed` has no parameter `ii` (did you mean `i`?); method `typed` takes options b, d, dsf, e, ed, f, i, l, li, mb, mf, mi, mn, ms, s\n",
    );
}

#[test]
fn required_options() {
    let t = Test::new()
        .method("req", "options = {r = required(int)}\nfunction synthesis() return options.r end")
        .build("function main(urd) print(urd:build('req', {r = 4.0}):load()) urd:build('req') end");
    t.stdout("4\n")
        .status(1)
        .stderr_contains("error: build.lua:1: method `req`: required option `r` (required(int)) is not given")
        .run();
}

#[test]
fn explicit_sections_resolve_collisions() {
    Test::new()
        .method("prev", "function synthesis() return 'p' end")
        .method(
            "both",
            "options = {source = 'x'}\ndatasets = {'source'}\njobs = {'previous', {'earlier'}}\nfunction synthesis() return tostring(options.source) .. ' ' .. tostring(jobs.previous) .. ' ' .. #jobs.earlier .. ' ' .. tostring(datasets.source) end",
        )
        .build(
            "
            function main(urd)
              local p = urd:build('prev')
              print(urd:build('both', {options = {source = 'opt'}, jobs = {previous = p, earlier = {p, p}}}):load())
              print(urd:build('both', {previous = p}):load())
              urd:build('both', {source = 'ambiguous'})
            end
            ",
        )
        .stdout("opt test-0 2 nil\nx test-0 0 nil\n")
        .status(1)
        .stderr_contains("method `both`: `source` is both an option and a dataset; say which with options = {source = ...} or datasets = {source = ...}")
        .run();
}

#[test]
fn an_option_called_name_is_refused() {
    Test::new()
        .method("bad", "options = {name = 'x'}\nfunction synthesis() end")
        .build("function main(urd) urd:build('bad') end")
        .status(1)
        .stderr_contains("methods/bad.lua: an option may not be called `name`")
        .run();
}

#[test]
fn unknown_method_suggests_a_close_name() {
    Test::new()
        .method("wordcount", "function synthesis() end")
        .build("function main(urd) urd:build('wordcont') end")
        .status(1)
        .stderr_contains(
            "error: build.lua:1: unknown method `wordcont` (did you mean `wordcount`?); methods are the .lua files in methods\n",
        )
        .run();
}

#[test]
fn modules_are_not_methods() {
    Test::new()
        .method("helper", "return {double = function(x) return 2 * x end}")
        .method(
            "user",
            "local h = require('helper')\noptions = {x = 1}\nfunction synthesis() return h.double(options.x) end",
        )
        .build("function main(urd) print(urd:build('user', {x = 21}):load()) urd:build('helper') end")
        .stdout("42\n")
        .status(1)
        .stderr_contains("methods/helper.lua defines no phase (prepare, analysis or synthesis): it is a module, not a method")
        .run();
}

#[test]
fn params_are_read_only() {
    Test::new()
        .method("ro", "options = {x = 1}\nfunction synthesis() options.x = 2 end")
        .build("function main(urd) urd:build('ro') end")
        .status(1)
        .stderr_contains("error: methods/ro.lua:2: options is read-only (tried to set `x`)")
        .run();
}

#[test]
fn analysis_needs_sliceno() {
    Test::new()
        .method("nos", "function analysis(job) end")
        .build("function main(urd) urd:build('nos') end")
        .status(1)
        .stderr_contains("methods/nos.lua:1: analysis() must take `sliceno`")
        .run();
}

#[test]
fn nested_parameter_tables_are_read_only_too() {
    for write in [
        "options.l[1] = 5",
        "table.insert(options.l, 4)",
        "options.d.k[1] = 5",
        "table.sort(options.l)",
    ] {
        Test::new()
            .method(
                "ro",
                &format!("options = {{l = {{3, 1, 2}}, d = {{k = {{1}}}}}}\nfunction synthesis()\n  {write}\nend"),
            )
            .build("function main(urd) urd:build('ro') end")
            .status(1)
            .stderr_contains("is read-only (tried to set `")
            .run();
    }
    Test::new()
        .method("rd", "options = {l = {3, 1, 2}}\nfunction synthesis() local n = 0 for _, v in pairs(options.l) do n = n + v end return #options.l .. ' ' .. n .. ' ' .. table.concat(options.l, ',') end")
        .build("function main(urd) print(urd:build('rd'):load()) end")
        .stdout("3 6 3,1,2\n")
        .run();
}

#[test]
fn a_name_of_another_kind_says_so() {
    Test::new()
        .method("k", "options = {x = 1}\njobs = {'prev'}\nfunction synthesis() end")
        .build("function main(urd) urd:build('k', {jobs = {x = 1}}) end")
        .status(1)
        .stderr_contains("error: build.lua:1: method `k` has no job `x`: `x` is an option\n")
        .run();
}

#[test]
fn a_bad_phase_parameter_names_the_line() {
    Test::new()
        .method("p", "options = {}\n\nfunction synthesis(job, sliceno)\nend")
        .build("function main(urd) urd:build('p') end")
        .status(1)
        .stderr_contains("methods/p.lua:3: synthesis() has a parameter `sliceno` (`sliceno` is not available in synthesis); synthesis takes job, slices, prepare_res, analysis_res")
        .run();
}

#[test]
fn an_undefined_global_in_declarations_warns() {
    Test::new()
        .method("typo", "options = {f = flot, n = 3}\nfunction synthesis() return options.n end")
        .build("function main(urd) print(urd:build('typo'):load()) end")
        .stdout("3\n")
        .stderr_contains("warning: methods/typo.lua:1: the global `flot` is not defined, so it is nil here (did you mean `float`?)\n")
        .run();
}
