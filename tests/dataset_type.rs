//! The shipped dataset_type: every type name with good and bad values, defaults, filter_bad and
//! its `bad` dataset, rename, discard_untyped, linked columns, hashlabel placement, None and
//! `+None`, chains, numeric_comma, and errors that name column, slice, line and value.

use crate::test::Test;

/// Writes a bytes (or other typed) dataset: `cols = {{name, type}, ...}`, `rows` of strings
/// ('NONE' writes None, `~e5` the byte 0xe5: options are UTF-8), rows round robin over the slices unless `slice` (or a hashlabel).
const MK: &str = r#"
options = {cols = {}, rows = {}, none = false, slice = -1, hashlabel = '', previous = ''}
function synthesis(job)
  local dw = job:datasetwriter{
    hashlabel = options.hashlabel ~= '' and options.hashlabel or nil,
    previous = options.previous ~= '' and options.previous or nil,
  }
  for _, c in ipairs(options.cols) do dw:add(c[1], c[2] or 'bytes', {none_support = options.none}) end
  for i, row in ipairs(options.rows) do
    if options.hashlabel == '' then dw:set_slice(options.slice >= 0 and options.slice or (i - 1) % 2) end
    local vals = {}
    for j = 1, #options.cols do
      local v = row[j]
      if v == 'NONE' then
        v = nil
      elseif options.cols[j][2] == 'int64' then
        v = math.tointeger(tonumber(v))
      else
        v = v:gsub('~(%x%x)', function(h) return string.char(tonumber(h, 16)) end)
      end
      vals[j] = v
    end
    dw:write(table.unpack(vals, 1, #options.cols))
  end
end
"#;

/// Prints a dataset: name, lines per slice, hashlabel, then each column (sorted) with its type
/// and values, slice 0 | slice 1.
const SHOW: &str = r#"
datasets = {'source'}
function synthesis()
  local ds = datasets.source
  local names = {}
  for n in pairs(ds.columns) do names[#names + 1] = n end
  table.sort(names)
  print(('%s %d+%d%s%s'):format(ds.name, ds:lines(0), ds:lines(1), ds.hashlabel and (' hashlabel=' .. ds.hashlabel) or '',
    ds.previous and (' previous=' .. ds.previous.id) or ''))
  for _, n in ipairs(names) do
    local c = ds.columns[n]
    local vals = {}
    for s = 0, 1 do
      for k, col in ds:iterate_chunks(s, {n}) do
        for i = 1, k do
          local v = col[i]
          vals[#vals + 1] = v == nil and 'None' or tostring(v)
        end
      end
      if s == 0 then vals[#vals + 1] = '|' end
    end
    print(n .. ':' .. c.type .. (c.none_support and '+None' or ''), table.concat(vals, ' '))
  end
end
"#;

fn project() -> Test {
    Test::new().method("mk", MK).method("show", SHOW)
}

/// A build script: make the source from `cols` and `rows` (Lua tables), type it with `opts`
/// (Lua table fields), show the result (and `bad` when filter_bad).
fn build(cols: &str, rows: &str, mk_extra: &str, opts: &str) -> String {
    format!(
        r#"
function main(urd)
  local src = urd:build('mk', {{cols = {cols}, rows = {rows}, {mk_extra}}})
  local t = urd:build('dataset_type', {{source = src:dataset(), {opts}}})
  urd:build('show', {{source = t:dataset()}})
  local r = t:load()
  print('lines', r.lines, 'bad_lines', r.bad_lines)
  if {filter} then urd:build('show', {{source = t:dataset('bad')}}) end
end
"#,
        filter = opts.contains("filter_bad = true")
    )
}

#[test]
fn every_type_name_good_and_bad_values() {
    // Each column: four values, the bad ones get the column's default.
    let cols = "{{'a'}, {'b'}, {'c'}, {'d'}, {'e'}, {'f'}, {'g'}, {'h'}, {'k'}, {'l'}, {'m'}, {'n'}, {'o'}, {'p'}, {'q'}, {'r'}, {'s'}, {'t'}, {'u'}, {'v'}, {'w'}, {'x'}, {'y'}, {'z'}}";
    let rows = r#"{
      {'42',   '0x1b', '033x', '0x1b', '1.50', '1.2', '4two',  '42',   '7',     'no',   '0',   '1 yes', ' a ',  'plain',    'ok',      'åäö',  '~e5', '42',    '2020-02-29', '2020-02-29 23:59:59', '18:27', '199x', '123', '-5'},
      {' -7 ', 'ff',   '7',    '033',  '-inf', '1e39','.4.2',  '42.0', '7.000', 'yes',  '0.5', '0 no',  'b',    'bl~e4',   'bl~e4',  '~e5', 'ab',   '"s"',   '2019-02-29', '2020-02-29 24:00:00', '25:00', '2024', '-0',  '9223372036854775808'},
      {'1O',   'g',    'z',    '27',   '5e-1', '.',   '',      '1.8',  '7.5',   '',     'x',   'y',     '',     '\\bar',    '\\bar',   'x',    'c',    'nope',  '20200101',   '2020-01-01T00:00:00', '7:05',  'x',    'x',   '0x10'},
      {'2147483648', '-10', '-1', '09', 'x',   '2.5', 'x',     'nope', '-3',    'NULL', '-0',  '',      '\tc\n', 'é',       'é',       '',     '',     'true',  '1999-12-31', '1999-12-31 00:00:00', '00:00', '9999', '1e3', '1e3'},
    }"#;
    let opts = r#"column2type = {
      a = 'int32_10', b = 'int64_16', c = 'int64_8i', d = 'int32_0', e = 'float64', f = 'float32',
      g = 'float64i', h = 'number', k = 'number:int', l = 'strbool', m = 'floatbool', n = 'floatbooli',
      o = 'bytesstrip', p = 'ascii', q = 'ascii:strict', r = 'unicode:utf-8', s = 'unicode:latin-1',
      t = 'json', u = 'date:%Y-%m-%d', v = 'datetime:%Y-%m-%d %H:%M:%S', w = 'time:%H:%M',
      x = 'datei:%Y', y = 'int32_10i', z = 'int64_10'},
    defaults = {a = '-1', b = '0', d = '-1', e = '0', f = '-1', h = '0', k = '0', m = '0', q = 'BAD',
      r = '?', t = '0', u = '1970-01-01', v = '1970-01-01 00:00:00', w = '00:00', x = '0001', z = '0'}"#;
    project()
        .build(&build(cols, rows, "slice = 0", opts))
        .stdout(
            "defaulted values per column:\n\
             \x20\x20a: 2\n\
             \x20\x20b: 1\n\
             \x20\x20d: 1\n\
             \x20\x20e: 1\n\
             \x20\x20f: 1\n\
             \x20\x20h: 1\n\
             \x20\x20k: 1\n\
             \x20\x20m: 1\n\
             \x20\x20q: 2\n\
             \x20\x20r: 1\n\
             \x20\x20t: 1\n\
             \x20\x20u: 2\n\
             \x20\x20v: 2\n\
             \x20\x20w: 1\n\
             \x20\x20x: 1\n\
             \x20\x20z: 3\n\
             default 4+0\n\
             a:int32\t42 -7 -1 -1 |\n\
             b:int64\t27 255 0 -16 |\n\
             c:int64\t27 7 0 -1 |\n\
             d:int32\t27 27 27 -1 |\n\
             e:float64\t1.5 -inf 0.5 0.0 |\n\
             f:float32\t1.2000000476837 inf -1.0 2.5 |\n\
             g:float64\t4.0 0.4 0.0 0.0 |\n\
             h:number\t42 42 1.8 0 |\n\
             k:number\t7 7 0 -3 |\n\
             l:bool\tfalse true false false |\n\
             m:bool\tfalse true false false |\n\
             n:bool\ttrue false false false |\n\
             o:bytes\ta b  c |\n\
             p:ascii\tplain bl\\344 \\bar \\303\\251 |\n\
             q:ascii\tok BAD \\bar BAD |\n\
             r:unicode\tåäö ? x  |\n\
             s:unicode\tå ab c  |\n\
             t:json\t42 s 0 true |\n\
             u:date\t2020-02-29 1970-01-01 1970-01-01 1999-12-31 |\n\
             v:datetime\t2020-02-29T23:59:59 1970-01-01T00:00:00 1970-01-01T00:00:00 1999-12-31T00:00:00 |\n\
             w:time\t18:27:00 00:00:00 07:05:00 00:00:00 |\n\
             x:date\t0199-01-01 2024-01-01 0001-01-01 9999-01-01 |\n\
             y:int32\t123 0 0 1 |\n\
             z:int64\t-5 0 0 0 |\n\
             lines\t4\tbad_lines\t0\n",
        )
        .run();
}

#[test]
fn errors_name_column_slice_line_and_value() {
    let rows = "{{'1'}, {'2'}, {'3'}, {'x1'}, {'5'}}";
    // Row 4 is the second line of slice 1.
    project()
        .build(&build("{{'i'}}", rows, "", "column2type = {i = 'int64_10'}"))
        .status(1)
        .stderr_contains("dataset_type: column `i` (int64_10), slice 1, line 2: 'x1' is not a valid int64_10 (dataset test-0/default; give a default or filter_bad)")
        .run();
    project()
        .build(&build("{{'i'}}", rows, "", "column2type = {i = 'int64_11'}"))
        .status(1)
        .stderr_contains(
            "dataset_type: option `column2type` column `i`: unknown type `int64_11` (did you mean `int64_10`?); the types are int32_0",
        )
        .run();
    project()
        .build(&build("{{'i'}}", rows, "", "column2type = {j = 'int64_10'}"))
        .status(1)
        .stderr_contains("dataset_type: dataset test-0/default has no column `j` (columns: i)")
        .run();
    project()
        .build(&build("{{'i', 'int64'}}", "{{'1'}}", "", "column2type = {i = 'int64_10'}"))
        .status(1)
        .stderr_contains("dataset_type: column `i` of test-0/default is int64; only bytes, ascii and unicode columns can be typed")
        .run();
    project()
        .build(&build(
            "{{'i'}}",
            rows,
            "",
            "column2type = {i = 'int64_10'}, defaults = {i = 'nope'}",
        ))
        .status(1)
        .stderr_contains("dataset_type: option `defaults` column `i`: 'nope' is not a valid int64_10")
        .run();
    project()
        .build(&build("{{'i'}}", rows, "", "column2type = {i = 'date:%Q'}"))
        .status(1)
        .stderr_contains("type `date:%Q`: format `%Q`: %Q is not a directive exax knows")
        .run();
    project()
        .build(&build("{{'i'}}", rows, "", "column2type = {i = 'unicode:utf-7'}"))
        .status(1)
        .stderr_contains("encoding `utf-7` is not one exax decodes (utf-8, latin-1 (iso-8859-1), ascii)")
        .run();
    project()
        .build(&build("{{'i'}}", rows, "", "column2type = {i = 'int64_10'}, hashlabel = 'k'"))
        .status(1)
        .stderr_contains("dataset_type: cannot hash test-0/default on `k`: it is not a column of the result")
        .run();
}

#[test]
fn filter_bad_moves_lines_to_bad() {
    let rows = "{{'1', '1.5', 'a'}, {'x', '2.5', 'b'}, {'3', 'y', 'c'}, {'4', '4.5', 'd'}, {'z', 'w', 'e'}, {'6', '6.5', 'f'}}";
    project()
        .build(&build(
            "{{'a'}, {'b'}, {'c', 'unicode'}}",
            rows,
            "",
            "column2type = {a = 'int32_10', b = 'float64'}, filter_bad = true",
        ))
        .stdout(
            "3 bad lines (in the `bad` dataset); bad values per column:\n\
             \x20\x20a: 2\n\
             \x20\x20b: 2\n\
             default 1+2\n\
             a:int32\t1 | 4 6\n\
             b:float64\t1.5 | 4.5 6.5\n\
             c:unicode\ta | d f\n\
             lines\t3\tbad_lines\t3\n\
             bad 2+1\n\
             a:bytes\t3 z | x\n\
             b:bytes\ty w | 2.5\n",
        )
        .run();
}

#[test]
fn none_and_plus_none() {
    // The source has None support: None stays None; `+None` also reads '' as None; a false
    // default is None.
    let rows = "{{'NONE', 'NONE', 'NONE', 'NONE'}, {'5', '5', '2001', 'x'}, {'', '', '', ''}, {' ', ' ', ' ', ' '}}";
    project()
        .build(&build(
            "{{'a'}, {'b'}, {'c'}, {'d'}}",
            rows,
            "none = true, slice = 0",
            "column2type = {a = 'int64_10+None', b = 'int64_10', c = 'date+None:%Y', d = 'bytes'}, defaults = {a = '0', b = false, c = '1999'}",
        ))
        .stdout(
            "defaulted values per column:\n\
             \x20\x20a: 1\n\
             \x20\x20b: 2\n\
             \x20\x20c: 1\n\
             default 4+0\n\
             a:int64+None\tNone 5 None 0 |\n\
             b:int64+None\tNone 5 None None |\n\
             c:date+None\tNone 2001-01-01 None 1999-01-01 |\n\
             d:bytes+None\tNone x    |\n\
             lines\t4\tbad_lines\t0\n",
        )
        .run();
    // Without None in the source: a column has none_support only by +None or a None default.
    project()
        .build(&build(
            "{{'a'}, {'b'}, {'c'}}",
            "{{'1', '', ''}, {'', '2', 'x'}}",
            "slice = 0",
            "column2type = {a = 'int32_10+None', b = 'int32_10', c = 'strbool'}, defaults = {b = false}",
        ))
        .stdout("defaulted values per column:\n  b: 1\ndefault 2+0\na:int32+None\t1 None |\nb:int32+None\tNone 2 |\nc:bool\tfalse true |\nlines\t2\tbad_lines\t0\n")
        .run();
}

#[test]
fn rename_discard_untyped_and_links() {
    let rows = "{{'1', 'x', 'p'}, {'2', 'y', 'q'}}";
    // a -> n (typed), b -> m (not typed: just renamed), c stays.
    let out = project()
        .build(&build(
            "{{'a'}, {'b'}, {'c'}}",
            rows,
            "",
            "column2type = {n = 'int64_10'}, rename = {a = 'n', b = 'm'}",
        ))
        .stdout(
            "default 1+1\n\
             a:bytes\t1 | 2\n\
             c:bytes\tp | q\n\
             m:bytes\tx | y\n\
             n:int64\t1 | 2\n\
             lines\t2\tbad_lines\t0\n",
        )
        .run();
    let meta = std::fs::read_to_string(out.dir.path().join("workdirs/test/test-1/DS/default/dataset.json")).unwrap();
    let meta: serde_json::Value = serde_json::from_str(&meta).unwrap();
    let locations: Vec<String> = meta["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{}@{}", c["name"].as_str().unwrap(), c["location"].as_str().unwrap()))
        .collect();
    // The untyped columns are the source's files, not copies.
    assert_eq!(
        locations,
        ["a@test-0/default", "m@test-0/default", "c@test-0/default", "n@test-1/default"]
    );
    assert_eq!(meta["parent"], "test-0/default");
    project()
        .build(&build(
            "{{'a'}, {'b'}, {'c'}}",
            rows,
            "",
            "column2type = {n = 'int64_10', b = 'ascii'}, rename = {a = 'n'}, discard_untyped = true",
        ))
        .stdout("default 1+1\nb:ascii\tx | y\nn:int64\t1 | 2\nlines\t2\tbad_lines\t0\n")
        .run();
}

/// Types column `a` of 40 rows under hashlabel settings and shows where the rows landed, next
/// to a dataset written with that hashlabel directly (the placement to expect).
fn placement(mk_extra: &str, opts: &str) -> String {
    format!(
        r#"
function main(urd)
  local rows, direct = {{}}, {{}}
  for i = 1, 40 do
    rows[i] = {{tostring(i * 7 % 23), tostring(i), i % 5 == 0 and 'bad' or tostring(i)}}
    if i % 5 ~= 0 then direct[#direct + 1] = {{tostring(i * 7 % 23), tostring(i)}} end
  end
  local src = urd:build('mk', {{cols = {{{{'a'}}, {{'b'}}, {{'c'}}}}, rows = rows, {mk_extra}}})
  local t = urd:build('dataset_type', {{source = src:dataset(), {opts}}})
  local want = urd:build('mk', {{cols = {{{{'a', 'int64'}}, {{'b'}}}}, rows = direct, hashlabel = 'a'}})
  urd:build('placed', {{source = t:dataset(), want = want:dataset()}})
end
"#
    )
}

const PLACED: &str = r#"
datasets = {'source', 'want'}
function synthesis()
  local ds, want = datasets.source, datasets.want
  for s = 0, 1 do
    local got, exp = {}, {}
    for a, b in ds:iterate(s, {'a', 'b'}) do got[#got + 1] = a .. '/' .. tostring(b) end
    for a, b in want:iterate(s, {'a', 'b'}) do exp[#exp + 1] = a .. '/' .. tostring(b) end
    table.sort(got)
    table.sort(exp)
    assert(#got > 0, 'slice ' .. s .. ' is empty')
    assert(table.concat(got, ' ') == table.concat(exp, ' '), 'slice ' .. s .. ': ' .. table.concat(got, ' ') .. ' but want ' .. table.concat(exp, ' '))
    print(s, #got)
  end
  print(ds.hashlabel, ds:lines())
end
"#;

#[test]
fn hashlabel_places_rows_by_hash() {
    // A new hashlabel on a typed column, with bad lines filtered (c is 'bad' every fifth row).
    project()
        .method("placed", PLACED)
        .build(&placement(
            "",
            "column2type = {a = 'int64_10', c = 'int32_10'}, hashlabel = 'a', filter_bad = true",
        ))
        .stdout("8 bad lines (in the `bad` dataset); bad values per column:\n  c: 8\n0\t15\n1\t17\na\t32\n")
        .run();
    // The source's hashlabel, typed: rows move to where the typed value hashes.
    project()
        .method("placed", PLACED)
        .build(&placement(
            "hashlabel = 'a'",
            "column2type = {a = 'int64_10', c = 'int32_10'}, filter_bad = true",
        ))
        .stdout("8 bad lines (in the `bad` dataset); bad values per column:\n  c: 8\n0\t15\n1\t17\na\t32\n")
        .run();
}

#[test]
fn hashlabel_on_untyped_column_and_inheritance() {
    let rows = "{{'1', 'k1'}, {'2', 'k2'}, {'3', 'k3'}, {'4', 'k4'}, {'5', 'k5'}, {'6', 'k6'}}";
    // Hashing on an untyped (copied) bytes column.
    project()
        .build(&build(
            "{{'a'}, {'k'}}",
            rows,
            "",
            "column2type = {a = 'int32_10'}, hashlabel = 'k'",
        ))
        .stdout("default 3+3 hashlabel=k\na:int32\t3 5 6 | 1 2 4\nk:bytes\tk3 k5 k6 | k1 k2 k4\nlines\t6\tbad_lines\t0\n")
        .run();
    // A source hashlabel that is not typed is kept (the rows stay where they are).
    project()
        .build(&build("{{'a'}, {'k'}}", rows, "hashlabel = 'k'", "column2type = {a = 'int32_10'}"))
        .stdout("default 3+3 hashlabel=k\na:int32\t3 5 6 | 1 2 4\nk:bytes\tk3 k5 k6 | k1 k2 k4\nlines\t6\tbad_lines\t0\n")
        .run();
    // hashlabel = '' drops it.
    project()
        .build(&build(
            "{{'a'}, {'k'}}",
            rows,
            "hashlabel = 'k'",
            "column2type = {a = 'int32_10'}, hashlabel = ''",
        ))
        .stdout("default 3+3\na:int32\t3 5 6 | 1 2 4\nk:bytes\tk3 k5 k6 | k1 k2 k4\nlines\t6\tbad_lines\t0\n")
        .run();
}

#[test]
fn chains_back_to_the_previous_source() {
    let script = r#"
function main(urd)
  local A = urd:build('mk', {cols = {{'a'}}, rows = {{'1'}, {'2'}}})
  local B = urd:build('mk', {cols = {{'a'}}, rows = {{'3'}}, previous = A:dataset().id})
  local C = urd:build('mk', {cols = {{'a'}}, rows = {{'4'}, {'5'}, {'6'}}, previous = B:dataset().id})
  local opts = {column2type = {a = 'int32_10'}}
  -- No previous: B and A, as datasets 0 (A) and default (B).
  local tAB = urd:build('dataset_type', {source = B:dataset(), options = opts})
  urd:build('show', {source = tAB:dataset('0')})
  urd:build('show', {source = tAB:dataset()})
  -- With previous = tAB: only C, chained after tAB.
  local tC = urd:build('dataset_type', {source = C:dataset(), previous = tAB:dataset(), options = opts})
  urd:build('show', {source = tC:dataset()})
  -- length = 1: only the source itself.
  local t1 = urd:build('dataset_type', {source = C:dataset(), options = {column2type = {a = 'int32_10'}, length = 1}})
  urd:build('show', {source = t1:dataset()})
end
"#;
    project()
        .build(script)
        .stdout(
            "0 1+1\n\
             a:int32\t1 | 2\n\
             default 1+0 previous=test-3/0\n\
             a:int32\t3 |\n\
             default 2+1 previous=test-3/default\n\
             a:int32\t4 6 | 5\n\
             default 2+1\n\
             a:int32\t4 6 | 5\n",
        )
        .run();
}

#[test]
fn numeric_comma() {
    project()
        .build(&build(
            "{{'f'}, {'n'}, {'i'}}",
            "{{'1,5', '42,0', '7'}, {'1.0', '1,25', '8'}}",
            "slice = 0",
            "column2type = {f = 'float64', n = 'number', i = 'int32_10'}, defaults = {f = '42'}, numeric_comma = true",
        ))
        .stdout(
            "defaulted values per column:\n\
             \x20\x20f: 1\n\
             default 2+0\n\
             f:float64\t1.5 42.0 |\n\
             i:int32\t7 8 |\n\
             n:number\t42 1.25 |\n\
             lines\t2\tbad_lines\t0\n",
        )
        .run();
}

#[test]
fn unicode_and_ascii_encodings() {
    // From the original's test_unicode (bytes given as ~hh).
    let rows = "{{'foo bar', 'foo', 'foo'}, {'~09bl~e5', '\\\\bar', '\\\\bar'}, {'~09bl~e5a ~e4  ', 'bl~e4', 'bl~e4'}, {'~09bl~c3~a5a ', ' x ', ' x '}}";
    for (ty, want) in [
        (
            "unicode:utf-8/replace",
            "u:unicode\tfoo bar \tbl\u{fffd} \tbl\u{fffd}a \u{fffd}   \tblåa  |",
        ),
        ("unicode:utf-8/ignore", "u:unicode\tfoo bar \tbl \tbla    \tblåa  |"),
        ("unicode:iso-8859-1", "u:unicode\tfoo bar \tblå \tblåa ä   \tblÃ¥a  |"),
        ("unicodestrip:ascii/ignore", "u:unicode\tfoo bar bl bla  bla |"),
    ] {
        project()
            .build(&build(
                "{{'u'}, {'a'}, {'e'}}",
                rows,
                "slice = 0",
                &format!("column2type = {{u = '{ty}', a = 'asciistrip', e = 'ascii:encode'}}"),
            ))
            .stdout(&format!(
                "default 4+0\na:ascii\tfoo \\bar bl\\344 x |\ne:ascii\tfoo \\134bar bl\\344  x  |\n{want}\nlines\t4\tbad_lines\t0\n"
            ))
            .run();
    }
}

#[test]
fn method_shows_description_and_options() {
    let out = Test::new().args(&["method", "dataset_type"]).any_stdout().run();
    for want in [
        "Type text columns (bytes, ascii, unicode) of a dataset by the original's type names.",
        "column2type",
        "filter_bad",
        "numeric_comma",
        "hashlabel",
    ] {
        assert!(out.stdout.contains(want), "{want:?} not in:\n{}", out.stdout);
    }
}
