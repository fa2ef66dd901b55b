//! `dw:write`'s two paths give the same datasets and the same errors: a row whose values are
//! already what their columns hold goes straight to the slice once the writer has started, any
//! other row is read again and checked in full. Also what W2's speed-ups rest on: Lua's
//! integer-to-string text, the GC floor, and dictionary columns whose short-string cache grows.

use crate::test::Test;

/// A writer with one column of each type the direct path reads, in synthesis, slice 1.
const COLUMNS: &str = r#"
  local dw = job:datasetwriter{name = 'x'}
  dw:add('i32', 'int32') dw:add('i64', 'int64', {none_support = true}) dw:add('f', 'float64')
  dw:add('n', 'number') dw:add('b', 'bool') dw:add('a', 'ascii') dw:add('u', 'unicode')
  dw:add('y', 'bytes')
  dw:set_slice(1)
"#;

#[test]
fn direct_and_checked_rows_store_the_same_values() {
    Test::new()
        .method(
            "w",
            &format!(
                r#"
function synthesis(job)
{COLUMNS}
  dw:write(1, 10, 0.5, 7, true, 'a', 'ü', '\255')   -- the first row: the full check
  dw:write(2, 20, 3, 2.5, false, 'b', 'é', 'x')      -- direct: 3 becomes 3.0
  dw:write(3, 30.0, 1.5, 8, true, 'c', 'z', '')      -- 30.0 is checked: an integer 30
  dw:write(-4, nil, -2, -1, false, 'd', '', 'y')     -- nil is checked (none_support)
  dw:write(2147483647, math.mininteger, 0.25, 0, true, '', 'ok', 'z')
  dw:finish()
end
"#
            ),
        )
        .build(
            r#"
function main(urd)
  local ds = urd:build('w'):dataset('x')
  for i32, i64, f, n, b, a, u, y in ds:iterate(1, {'i32', 'i64', 'f', 'n', 'b', 'a', 'u', 'y'}, {none = 'None'}) do
    print(i32, i64, f, n, math.type(n), b, a, u, #y)
  end
  print(ds:lines(0), ds:lines(1), ds:min('i64'), ds:max('i64'), ds:min('f'), ds:max('f'), ds:min('n'), ds:max('n'))
end
"#,
        )
        .stdout(concat!(
            "1\t10\t0.5\t7\tinteger\ttrue\ta\tü\t1\n",
            "2\t20\t3.0\t2.5\tfloat\tfalse\tb\té\t1\n",
            "3\t30\t1.5\t8\tinteger\ttrue\tc\tz\t0\n",
            "-4\tNone\t-2.0\t-1\tinteger\tfalse\td\t\t1\n",
            "2147483647\t-9223372036854775808\t0.25\t0\tinteger\ttrue\t\tok\t1\n",
            "0\t5\t-9223372036854775808\t30\t-2.0\t3.0\t-1\t8\n",
        ))
        .run();
}

/// `value` written as the last column after a good row (so the writer is past its first-row
/// checks) fails with the same message as when it is the first row.
fn bad_after_good(column: &str, value: &str, message: &str) {
    let ok = match column {
        "bool" => "true",
        "unicode" | "ascii" | "bytes" => "'x'",
        _ => "1",
    };
    for good in [String::new(), format!("dw:write(1, {ok})\n  ")] {
        Test::new()
            .method(
                "bad",
                &format!(
                    "function synthesis(job)\n  local dw = job:datasetwriter{{name = 'x'}}\n  dw:add('k', 'int64')\n  dw:add('v', '{column}')\n  dw:set_slice(1)\n  {good}dw:write(2, {value})\nend"
                ),
            )
            .build("function main(urd)\n  urd:build('bad')\nend")
            .status(1)
            .stderr_contains(&format!(
                "dataset test-0/x, column `v` ({column}), slice 1: {message}\n  job:    test-0 (method bad)\n  phase:  synthesis\n"
            ))
            .run();
    }
}

#[test]
fn a_bad_value_after_direct_rows_has_the_first_rows_error() {
    bad_after_good("int64", "'12'", "expected an integer, got '12' (a string)");
    bad_after_good("int64", "0.5", "expected an integer, got 0.5 (a float)");
    bad_after_good("int32", "2^31 | 0", "2147483648 is out of range for int32");
    bad_after_good("float64", "nil", "nil, but the column has no none_support");
    bad_after_good("float64", "'1.5'", "expected a number, got '1.5' (a string)");
    bad_after_good("number", "true", "expected a number, got true (a boolean)");
    bad_after_good("bool", "1", "expected a boolean, got 1 (an integer)");
    bad_after_good("unicode", "'ok\\255'", "'ok\\xff' is not valid UTF-8");
    bad_after_good("unicode", "42", "expected a string, got 42 (an integer)");
    bad_after_good("ascii", "'caf\u{e9}'", "'caf\u{e9}' is not ASCII");
    bad_after_good("bytes", "{}", "expected a string, got a table");
}

#[test]
fn arity_and_handle_errors_after_direct_rows() {
    for (code, message) in [
        (
            "dw:write(1, 2, 3)",
            "dataset test-0/default: write got 3 values, but the writer has 2 columns (a, b)",
        ),
        (
            "dw:write(1)",
            "dataset test-0/default: write got 1 value, but the writer has 2 columns (a, b)",
        ),
        ("dw.write({}, 1, 2)", "write: call it on a dataset writer, as dw:write(a, b, ...)"),
    ] {
        Test::new()
            .method(
                "m",
                &format!("function synthesis(job)\n  local dw = job:datasetwriter()\n  dw:add('a', 'int64') dw:add('b', 'unicode')\n  dw:set_slice(0)\n  dw:write(1, 'x')\n  {code}\nend"),
            )
            .build("function main(urd)\n  urd:build('m')\nend")
            .status(1)
            .stderr_contains(&format!("error: methods/m.lua:6: {message}\n"))
            .run();
    }
}

#[test]
fn integers_become_the_same_text_as_with_percent_d() {
    Test::new()
        .build(
            r#"
function main(urd)
  local out = {}
  for _, v in ipairs({0, 7, -7, 10, -10, 999, 1000, 4096, -123456789, 1 << 53, math.maxinteger, math.mininteger}) do
    assert(tostring(v) == string.format('%d', v) and 'k' .. v == 'k' .. string.format('%d', v))
    out[#out + 1] = 'k' .. v
  end
  for i = -100000, 100000 do assert(tostring(i) == string.format('%d', i)) end
  print(table.concat(out, ' '))
  print(1.5, 2^63, -0.0, 1e100, 7 // 2.0, 1 .. '', -0 .. '')
end
"#,
        )
        .stdout(concat!(
            "k0 k7 k-7 k10 k-10 k999 k1000 k4096 k-123456789 k9007199254740992 k9223372036854775807 k-9223372036854775808\n",
            "1.5\t9.2233720368548e+18\t-0.0\t1e+100\t3.0\t1\t0\n",
        ))
        .run();
}

#[test]
fn every_state_counts_the_gc_floor() {
    // 960 KiB that Lua counts and never touches (src/lua/engine/gc_floor.rs).
    Test::new()
        .method("m", "function synthesis()\n  return collectgarbage('count') >= 960\nend")
        .build("function main(urd)\n  print(collectgarbage('count') >= 960, urd:build('m'):load())\nend")
        .stdout("true\ttrue\n")
        .run();
}

#[test]
fn a_dictionary_column_keeps_its_codes_while_its_cache_grows() {
    // 3000 distinct short strings (the short-string cache grows several times), first 1500 of
    // them round robin (the column stays a dictionary past its probe), then all 3000.
    Test::new()
        .method(
            "w",
            r#"
function synthesis(job)
  local dw = job:datasetwriter()
  dw:add('i', 'int64') dw:add('s', 'unicode')
  dw:set_slice(0)
  for i = 0, 29999 do
    local k = i < 6000 and i % 1500 or i % 3000
    dw:write(i, 'v' .. k * 7919 % 100003)
  end
end
"#,
        )
        .build(
            r#"
function main(urd)
  local ds = urd:build('w'):dataset()
  local n, distinct = 0, {}
  for i, s in ds:iterate(0, {'i', 's'}) do
    local k = i < 6000 and i % 1500 or i % 3000
    assert(s == 'v' .. k * 7919 % 100003, i .. ': ' .. s)
    distinct[s] = true
    n = n + 1
  end
  local d = 0
  for _ in pairs(distinct) do d = d + 1 end
  print(n, d)
end
"#,
        )
        .stdout("30000\t3000\n")
        .run();
}
