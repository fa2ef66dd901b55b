//! Datasets (spec section 6): the spec's and the manual's examples as written, hashlabel
//! placement across type widths, every bad write named precisely, failed jobs leave nothing to
//! open, `exax ds`, and datasets staying out of `job:files()`.

use crate::test::Test;

/// The writer of spec section 6, made in prepare and written in every analysis slice.
const SPEC_WRITER: &str = r#"
function prepare(job)
  local dw = job:datasetwriter{hashlabel = 'a'}   -- name defaults to 'default'
  dw:add('a', 'int64')
  dw:add('b', 'float64')
  dw:add('c', 'unicode', {none_support = true})
  dw:enable_hash_discard()   -- every slice offers every row and keeps those whose hash picks it
  return dw
end

function analysis(sliceno, prepare_res)
  local dw = prepare_res
  for i = 1, 1000 do dw:write(i, i * 0.5, 'k' .. i % 10) end  -- columns in add() order
end  -- the dataset holds rows 1..1000 once each, hash-partitioned on `a`
"#;

#[test]
fn spec_example_writes_each_row_once_in_its_slice() {
    Test::new()
        .method("w", SPEC_WRITER)
        .method(
            "check",
            r#"
            datasets = {'source'}
            function analysis(sliceno)
              local seen = {}
              for a, b, c in datasets.source:iterate(sliceno, {'a', 'b', 'c'}) do
                assert(b == a * 0.5 and c == 'k' .. a % 10)
                seen[#seen + 1] = a
              end
              return seen
            end
            function synthesis(analysis_res)
              local all = analysis_res:merge_auto()
              table.sort(all)
              for i = 1, 1000 do assert(all[i] == i) end
              local ds = datasets.source
              print(#all, ds:lines(), ds:lines(0) + ds:lines(1), ds.hashlabel, ds:min('a'), ds:max('a'), ds:max('b'))
              print(ds.id, ds.name, ds.job, ds.previous, ds.parent, ds.caption == '', ds.slices)
              print(ds.columns.a.type, ds.columns.b.type, ds.columns.c.type, ds.columns.c.none_support, ds.columns.a.none_support)
            end
            "#,
        )
        .build("function main(urd)\n  urd:build('check', {source = urd:build('w'):dataset()})\nend")
        .stdout("1000\t1000\t1000\ta\t1\t1000\t500.0\ntest-0/default\tdefault\ttest-0\tnil\tnil\ttrue\t2\nint64\tfloat64\tunicode\ttrue\tfalse\n")
        .run();
}

#[test]
fn manual_prepare_example() {
    // Manual 8.6.3: the writer made in prepare is written in every analysis slice.
    Test::new()
        .method(
            "ix",
            "function prepare(job)\n  local dw = job:datasetwriter()\n  dw:add('index', 'number')\n  return dw\nend\nfunction analysis(sliceno, prepare_res)\n  local dw = prepare_res\n  for ix = 0, 9 do\n    dw:write(ix)\n  end\nend",
        )
        .build(
            r#"
            function main(urd)
              local ds = urd:build('ix'):dataset()
              local s = 0
              for v in ds:iterate(nil, 'index') do s = s + v end
              print(ds:lines(0), ds:lines(1), s, math.type(ds:max('index')))
            end
            "#,
        )
        .stdout("10\t10\t90\tinteger\n")
        .run();
}

#[test]
fn equal_values_land_in_one_slice_whatever_their_width() {
    Test::new()
        .file(
            "accelerator.conf",
            "slices: 5\nworkdirs:\n    test ./workdirs/test\nmethod directories:\n    ./methods\n",
        )
        .method(
            "h",
            r#"
            options = {ty = 'int64'}
            function synthesis(job)
              local dw = job:datasetwriter{hashlabel = 'v'}
              dw:add('v', options.ty)
              for i = -50, 50 do dw:write(options.ty:find('float') and i + 0.0 or i) end
            end
            "#,
        )
        .build(
            r#"
            function main(urd)
              local where = {}
              for _, ty in ipairs({'int32', 'int64', 'number', 'float32', 'float64'}) do
                local ds = urd:build('h', {ty = ty}):dataset()
                assert(ds:lines() == 101)
                for s = 0, 4 do
                  for v in ds:iterate(s, 'v') do
                    local k = math.tointeger(v)
                    assert(where[k] == nil or where[k] == s, ty .. ': ' .. k .. ' in slice ' .. s .. ', before in ' .. tostring(where[k]))
                    where[k] = s
                  end
                end
              end
              print('agree')
            end
            "#,
        )
        .stdout("agree\n")
        .stderr_contains("5 jobs built")
        .run();
}

#[test]
fn a_row_in_the_wrong_slice_names_value_and_slices() {
    Test::new()
        .method(
            "w",
            "function prepare(job)\n  local dw = job:datasetwriter{hashlabel = 'a'}\n  dw:add('a', 'int64')\n  return dw\nend\nfunction analysis(sliceno, prepare_res)\n  for i = 1, 10 do if sliceno == 0 then prepare_res:write(i) end end\nend",
        )
        .build("function main(urd)\n  urd:build('w')\nend")
        .status(1)
        .stderr_contains("error: methods/w.lua:7: dataset test-0/default, slice 0: hashlabel `a` (int64) value 2 belongs in slice 1, not slice 0 (enable_hash_discard() drops such rows instead)\n")
        .run();
}

fn bad_write(column: &str, value: &str, message: &str) {
    Test::new()
        .method(
            "bad",
            &format!(
                "function synthesis(job)\n  local dw = job:datasetwriter{{name = 'x'}}\n  dw:add('v', '{column}')\n  dw:set_slice(1)\n  dw:write({value})\nend"
            ),
        )
        .build("function main(urd)\n  urd:build('bad')\nend")
        .status(1)
        .stderr_contains(&format!("error: methods/bad.lua:5: dataset test-0/x, column `v` ({column}), slice 1: {message}\n  job:    test-0 (method bad)\n  phase:  synthesis\n"))
        .run();
}

#[test]
fn bad_values_name_column_type_value_and_slice() {
    bad_write("int64", "'12'", "expected an integer, got '12' (a string)");
    bad_write("int32", "2^31 | 0", "2147483648 is out of range for int32");
    bad_write("int32", "-2^31 - 1 | 0", "-2147483649 is out of range for int32");
    bad_write("int64", "0.5", "expected an integer, got 0.5 (a float)");
    bad_write("float32", "1e300", "1e+300 is out of range for float32");
    bad_write("float64", "nil", "nil, but the column has no none_support");
    bad_write("bool", "1", "expected a boolean, got 1 (an integer)");
    bad_write("unicode", "'ok\\255'", "'ok\\xff' is not valid UTF-8");
    bad_write("ascii", "'caf\u{e9}'", "'caf\u{e9}' is not ASCII");
    bad_write("bytes", "{}", "expected a string, got a table");
    bad_write("date", "'2024-01-31'", "expected a date (exax.date), got '2024-01-31' (a string)");
    bad_write(
        "datetime",
        "exax.date(2024, 1, 31)",
        "expected a datetime (exax.datetime), got date 2024-01-31 (a date)",
    );
    bad_write("time", "print", "expected a time (exax.time), got a function");
}

#[test]
fn writer_mistakes_are_clear() {
    let cases = [
        ("dw:add('v', 'int46')", "dw:add('v', ...): unknown column type `int46` (did you mean `int64`?); the types are int32 int64 float32 float64 number bool ascii unicode bytes date datetime time json"),
        ("dw:add('v', 'int64', {none_suport = true})", "dw:add: unknown option `none_suport` (did you mean `none_support`?) (options: none_support)"),
        ("dw:add('a', 'int64')\n  dw:write(1, 2)", "dataset test-0/default: write got 2 values, but the writer has 1 column (a)"),
        ("dw:add('a', 'int64')\n  dw:write(1)", "dataset test-0/default: which slice? call set_slice(n) before writing in prepare or synthesis (or give the writer a hashlabel to place rows by hash)"),
        ("dw:add('a', 'int64')\n  dw:set_slice(2)", "dataset writer test-0/default: slice 2 does not exist (slices are 0 to 1)"),
        ("dw:add('a', 'int64')\n  dw:add('a', 'ascii')", "dataset writer test-0/default: column `a` was already added"),
        ("dw:add('a', 'int64')\n  dw:set_slice(0)\n  dw:write(1)\n  dw:add('b', 'ascii')", "dataset writer test-0/default: add every column before writing, in the phase that made the writer"),
        ("dw:add('a', 'int64')\n  dw:write_dict{a = 1, b = 2}", "dataset test-0/default: write_dict got `b`, which is not a column (columns: a)"),
        ("dw:add('a', 'int64')\n  job:datasetwriter()", "this job already has a dataset writer named `default`"),
    ];
    for (code, message) in cases {
        Test::new()
            .method(
                "m",
                &format!("function synthesis(job)\n  local dw = job:datasetwriter()\n  {code}\nend"),
            )
            .build("function main(urd)\n  urd:build('m')\nend")
            .status(1)
            .stderr_contains("error: methods/m.lua:")
            .stderr_contains(message)
            .run();
    }
    Test::new()
        .method("m", "function synthesis(job)\n  job:datasetwriter{nmae = 'x'}\nend")
        .build("function main(urd)\n  urd:build('m')\nend")
        .status(1)
        .stderr_contains(
            "job:datasetwriter: unknown option `nmae` (did you mean `name`?) (options: name, hashlabel, previous, parent, caption)",
        )
        .run();
    Test::new()
        .method("m", "function analysis(sliceno, job)\n  job:datasetwriter()\nend")
        .build("function main(urd)\n  urd:build('m')\nend")
        .status(1)
        .stderr_contains("make dataset writers in prepare (and return them, so analysis can write them) or in synthesis, not in analysis")
        .run();
    Test::new()
        .method("m", "function synthesis(job)\n  local dw = job:datasetwriter{hashlabel = 'x'}\n  dw:add('a', 'int64')\nend")
        .build("function main(urd)\n  urd:build('m')\nend")
        .status(1)
        .stderr_contains("error: dataset writer test-0/default: hashlabel `x` is not a column (columns: a)\n  job:    test-0 (method m)\n  phase:  finishing datasets\n")
        .run();
}

#[test]
fn a_failed_job_leaves_no_dataset() {
    let out = Test::new()
        .method(
            "fail",
            "function prepare(job)\n  local dw = job:datasetwriter()\n  dw:add('a', 'int64')\n  return dw\nend\nfunction analysis(sliceno, prepare_res)\n  prepare_res:write(1)\n  if sliceno == 1 then error('boom') end\nend",
        )
        .build("function main(urd)\n  print(pcall(urd.build, urd, 'fail'))\nend")
        .stdout("false\tmethods/fail.lua:8: boom\n")
        .run();
    assert!(!out.exists("workdirs/test/test-0/DS/default/dataset.json"));
    let out = Test::again(out)
        .args(&["ds", "test-0"])
        .status(1)
        .stderr("error: dataset test-0/default is not finished (a dataset is finished when its job succeeds, or by dw:finish())\n")
        .run();
    Test::again(out)
        .file(
            "build.lua",
            "function main(urd)\n  local ok, e = pcall(urd.build, urd, 'reader', {source = 'test-0/default'})\n  print(e)\nend",
        )
        .method(
            "reader",
            "datasets = {'source'}\nfunction synthesis() return datasets.source:lines() end",
        )
        .stdout("build.lua:2: method `reader`: parameter `source` refers to job test-0, which did not finish\n")
        .run();
}

#[test]
fn missing_datasets_and_columns_suggest_names() {
    Test::new()
        .method("w", "function synthesis(job)\n  local dw = job:datasetwriter{name = 'numbers'}\n  dw:add('value', 'int64')\n  dw:set_slice(0)\n  dw:write(1)\nend")
        .build(
            r#"
            function main(urd)
              local j = urd:build('w')
              print(pcall(j.dataset, j, 'number'))
              print(pcall(j.dataset, j))
              local ds = j:dataset('numbers')
              print(pcall(ds.iterate, ds, 0, {'valeu'}))
              print(pcall(ds.sum, ds, 'value', 7))
              print(ds:sum('value'), #j:datasets(), j:datasets()[1])
            end
            "#,
        )
        .stdout(
            "false\tbuild.lua:3: job test-0 has no dataset `number` (did you mean `numbers`?) (datasets: numbers)\n\
             false\tbuild.lua:4: job test-0 has no dataset `default` (datasets: numbers)\n\
             false\tbuild.lua:6: dataset test-0/numbers has no column `valeu` (did you mean `value`?) (columns: value)\n\
             false\tbuild.lua:7: dataset test-0/numbers: slice 7 does not exist (slices are 0 to 1)\n\
             1\t1\ttest-0/numbers\n",
        )
        .stderr_contains("1 job built")
        .run();
}

#[test]
fn exax_ds_describes_a_dataset() {
    let out = Test::new()
        .method(
            "w",
            r#"
            datasets = {'previous'}
            function synthesis(job)
              local dw = job:datasetwriter{hashlabel = 'n', previous = datasets.previous, caption = 'some numbers'}
              dw:add('n', 'int64')
              dw:add('f', 'float64', {none_support = true})
              dw:add('when', 'date')
              dw:add('s', 'unicode')
              for i = 1, 7 do dw:write(i, i < 3 and i / 4 or nil, exax.date(2024, 1, i), 'x' .. i) end
            end
            "#,
        )
        .build("function main(urd)\n  local a = urd:build('w')\n  urd:build('w', {previous = a:dataset()})\nend")
        .run();
    let out = Test::again(out)
        .args(&["ds", "test-1"])
        .stdout(
            "
            test-1/default
              job:       test-1 (method w)
              caption:   some numbers
              hashlabel: n
              previous:  test-0/default
              parent:    -
              lines:     7 in 2 slices: 3, 4
              columns:   4
                name  type     none  min         max
                f     float64  yes   0.25        0.5
                n     int64    no    1           7
                s     unicode  no    -           -
                when  date     no    2024-01-01  2024-01-07
            ",
        )
        .run();
    Test::again(out)
        .args(&["ds", "test-1/nope"])
        .status(1)
        .stderr("error: job test-1 has no dataset `nope` (datasets: default)\n")
        .run();
}

#[test]
fn datasets_are_not_job_files() {
    Test::new()
        .method(
            "w",
            "function synthesis(job)\n  local f = io.open('mine.txt', 'w') f:write('x') f:close()\n  local dw = job:datasetwriter()\n  dw:add('a', 'int64')\n  dw:set_slice(0)\n  dw:write(1)\n  local ok, e = pcall(job.save, job, 1, 'DS/default/x')\n  return e:match('`DS/default/x` belongs to exax') ~= nil\nend",
        )
        .build("function main(urd)\n  local j = urd:build('w')\n  print(table.concat(j.post.files, ','), j:dataset():lines(), j:load())\nend")
        .stdout("mine.txt\t1\ttrue\n")
        .run();
}

#[test]
fn columns_from_the_read_only_options_table() {
    // options.cols is a read-only view: iterate reads its names through __len/__index (it once
    // read it raw, found no names and yielded nothing at all).
    Test::new()
        .method(
            "mk",
            "function synthesis(job)\n  local dw = job:datasetwriter()\n  dw:add('a', 'int64')\n  dw:add('b', 'int64')\n  dw:set_slice(0)\n  dw:write(1, 10)\n  dw:write(2, 20)\nend",
        )
        .method(
            "sum",
            "options = {cols = {'a'}}\ndatasets = {'src'}\nfunction synthesis()\n  local s, n = 0, 0\n  for a, b in datasets.src:iterate(nil, options.cols) do s, n = s + a + (b or 0), n + 1 end\n  return {s, n}\nend",
        )
        .build(
            "function main(urd)\n  local src = urd:build('mk'):dataset()\n  local r = urd:build('sum', {src = src, cols = {'a', 'b'}}):load()\n  print(r[1], r[2])\n  print(pcall(function() for _ in src:iterate(nil, {}) do end end))\nend",
        )
        .stdout("33\t2\nfalse\tbuild.lua:5: dataset test-0/default: the list of columns is empty (give names, or nil for every column)\n")
        .run();
}
