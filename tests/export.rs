//! csvexport (spec section 11, the original's a_csvexport.py and its tests a_test_csvexport_*):
//! every column type as the original writes it, None and `none_as`, lazy and strict quoting with
//! odd quotes and separators, chains and lists of sources, sliced and gzip file names, the
//! registered files, errors, and csvimport -> csvexport round trips byte for byte.

use std::io::Read;

use crate::test::Test;

const ONE_SLICE: &str = "slices: 1\nworkdirs:\n    test ./workdirs/test\nmethod directories:\n    ./methods\n";

/// A dataset with a column of every type (named after its type) and none_support: one row in
/// slice 0, two in slice 1 (the second all None).
const ALL_TYPES: &str = r#"
function synthesis(job)
  local dw = job:datasetwriter()
  local types = {'ascii', 'bool', 'bytes', 'date', 'datetime', 'float32', 'float64', 'int32', 'int64', 'json', 'number', 'time', 'unicode'}
  for _, t in ipairs(types) do dw:add(t, t, {none_support = true}) end
  dw:set_slice(0)
  dw:write('a', true, 'hello', exax.date(2020, 6, 23), exax.datetime(2020, 6, 23, 12, 13, 14), 1.0, -math.huge, -10, -20,
    {json = true}, 0xfedcba98, exax.time(12, 13, 14), 'blå')
  dw:set_slice(1)
  dw:write('b', false, 'b\xffe', exax.date(1868, 1, 3), exax.datetime(1868, 1, 3, 13, 14, 5, 250), 0.1, 0/0, 2147483647,
    -9223372036854775807 - 1, {1.5, 'x', {b = 2, a = 'é'}}, 42.18, exax.time(13, 14, 5), 'blä')
  dw:write(nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil)
end
"#;

fn read(job: &str) -> String {
    format!("io.write(urd:build('csvexport', {job}):open('result.csv'):read('a'))")
}

#[test]
fn every_column_type_as_the_original_writes_it() {
    Test::new()
        .method("all", ALL_TYPES)
        .build(&format!(
            "function main(urd)\n  local ds = urd:build('all'):dataset()\n  {}\n  print('--')\n  {}\n  print('--')\n  {}\nend\n",
            read("{source = ds}"),
            read("{source = ds, separator = ':', none_as = '\"', lazy_quotes = false}"),
            read("{source = ds, labels = {'time', 'float32', 'json'}, none_as_columns = {time = 'never', float32 = '\"0\"'}}"),
        ))
        .stdout(concat!(
            "ascii,bool,bytes,date,datetime,float32,float64,int32,int64,json,number,time,unicode\n",
            "a,True,hello,2020-06-23,2020-06-23 12:13:14,1.0,-inf,-10,-20,{\"json\": true},4275878552,12:13:14,blå\n",
            "b,False,b\u{fffd}e,1868-01-03,1868-01-03 13:14:05.000250,0.10000000149011612,nan,2147483647,-9223372036854775808,\"[1.5, \"\"x\"\", {\"\"a\"\": \"\"\\u00e9\"\", \"\"b\"\": 2}]\",42.18,13:14:05,blä\n",
            "None,None,None,None,None,None,None,None,None,null,None,None,None\n",
            "--\n",
            "\"ascii\":\"bool\":\"bytes\":\"date\":\"datetime\":\"float32\":\"float64\":\"int32\":\"int64\":\"json\":\"number\":\"time\":\"unicode\"\n",
            "\"a\":\"True\":\"hello\":\"2020-06-23\":\"2020-06-23 12:13:14\":\"1.0\":\"-inf\":\"-10\":\"-20\":\"{\"\"json\"\": true}\":\"4275878552\":\"12:13:14\":\"blå\"\n",
            "\"b\":\"False\":\"b\u{fffd}e\":\"1868-01-03\":\"1868-01-03 13:14:05.000250\":\"0.10000000149011612\":\"nan\":\"2147483647\":\"-9223372036854775808\":\"[1.5, \"\"x\"\", {\"\"a\"\": \"\"\\u00e9\"\", \"\"b\"\": 2}]\":\"42.18\":\"13:14:05\":\"blä\"\n",
            "\"\"\"\":\"\"\"\":\"\"\"\":\"\"\"\":\"\"\"\":\"\"\"\":\"\"\"\":\"\"\"\":\"\"\"\":\"\"\"\":\"\"\"\":\"\"\"\":\"\"\"\"\n",
            "--\n",
            "time,float32,json\n",
            "12:13:14,1.0,{\"json\": true}\n",
            "13:14:05,0.10000000149011612,\"[1.5, \"\"x\"\", {\"\"a\"\": \"\"\\u00e9\"\", \"\"b\"\": 2}]\"\n",
            "never,\"\"\"0\"\"\",null\n",
        ))
        .run();
}

#[test]
fn bytes_are_written_as_they_are() {
    let out = Test::new()
        .method("all", ALL_TYPES)
        .build("function main(urd) urd:build('csvexport', {source = urd:build('all'):dataset(), labels = {'bytes'}}) end")
        .run();
    let got = std::fs::read(out.dir.path().join("workdirs/test/test-1/result.csv")).unwrap();
    assert_eq!(got, b"bytes\nhello\nb\xffe\nNone\n");
}

/// The original's a_test_csvexport_quoting: every combination of lazy_quotes, odd quote strings
/// and separators, over a chain whose column types change, with and without None.
#[test]
fn quoting_with_odd_quotes_and_separators() {
    Test::new()
        .method(
            "chain",
            r#"
            options = {none = false}
            function synthesis(job)
              local n = options.none and {none_support = true} or nil
              local a = job:datasetwriter{name = 'a'}
              a:add('a', 'ascii', n) a:add('b', 'int32', n) a:add('c', 'float64', n)
              a:set_slice(0) a:write('hello', 42, -math.huge)
              a:set_slice(1) a:write("'world'", -1, 5e-33)
              if options.none then a:write(nil, nil, nil) end
              local b = job:datasetwriter{name = 'b', previous = a:finish()}
              b:add('a', 'bool', n) b:add('b', 'number', n) b:add('c', 'bytes', n)
              b:set_slice(0) b:write(false, 0/0, "'ascii'")
              b:set_slice(1) b:write(true, 1.2e22, '\xff')
              if options.none then b:write(nil, nil, nil) end
            end
            "#,
        )
        .build(
            r#"
            local function lazy(sep, q)
              return function(v)
                local function edge(x) return v:sub(1, #x) == x or v:sub(-#x) == x end
                if q ~= '' and v ~= '' and (edge(q) or v:find(sep, 1, true) or ((q == '"' or q == "'") and (edge('"') or edge("'")))) then
                  return q .. v:gsub(q:gsub('%p', '%%%0'), ((q .. q):gsub('%%', '%%%%'))) .. q
                end
                return v
              end
            end
            local function always(q)
              return function(v)
                if q == '' then return v end
                return q .. v:gsub(q:gsub('%p', '%%%0'), ((q .. q):gsub('%%', '%%%%'))) .. q
              end
            end
            local function check(urd, ds, lines, lazy_quotes, q, sep, none_as)
              local j = urd:build('csvexport', {chain_source = true, source = ds, lazy_quotes = lazy_quotes,
                quote_fields = q, separator = sep, none_as = none_as})
              local quote = (lazy_quotes and sep ~= '') and lazy(sep, q) or always(q)
              local want = {}
              for _, line in ipairs(lines) do
                local f = {}
                for i, v in ipairs(line) do f[i] = quote(v) end
                want[#want + 1] = table.concat(f, sep) .. '\n'
              end
              want = table.concat(want)
              local got = j:open('result.csv'):read('a')
              assert(got == want, ('q=%q sep=%q lazy=%s:\nwant %q\ngot  %q'):format(q, sep, lazy_quotes, want, got))
              return 1
            end
            function main(urd)
              local n = 0
              for _, none in ipairs({false, true}) do
                local ds = urd:build('chain', {none = none}):dataset('b')
                local lines = {{'a', 'b', 'c'}, {'hello', '42', '-inf'}, {'False', 'nan', "'ascii'"},
                  {"'world'", '-1', '5e-33'}, {'True', '1.2e+22', '\xff'}}
                if none then
                  -- slice 1 holds a's rows, then b's
                  table.insert(lines, 5, {'None', 'None', 'None'})
                  lines[7] = {'None', 'None', 'None'}
                end
                for _, lazy_quotes in ipairs({false, true}) do
                  for _, q in ipairs({'', '42', '-', 'f', 'hello'}) do
                    for _, sep in ipairs({'+', 'a', ''}) do n = n + check(urd, ds, lines, lazy_quotes, q, sep) end
                  end
                end
                if none then
                  for _, l in ipairs(lines) do for i, v in ipairs(l) do if v == 'None' then l[i] = 'nah' end end end
                  n = n + check(urd, ds, lines, true, '"', 'ah', 'nah')
                  n = n + check(urd, ds, lines, true, "'", '"', 'nah')
                  n = n + check(urd, ds, lines, true, 'a', ',', 'nah')
                end
              end
              print(n .. ' exports checked')
            end
            "#,
        )
        .stdout("63 exports checked\n")
        .run();
}

/// The original's a_test_csvexport_separators: empty, NUL and long separators and line
/// separators, with and without quotes, sliced or not.
#[test]
fn strange_separators() {
    Test::new()
        .method(
            "ab",
            r#"
            function synthesis(job)
              local dw = job:datasetwriter()
              dw:add('a', 'ascii') dw:add('b', 'unicode')
              dw:set_slice(0) dw:write('A', 'B')
              dw:set_slice(1) dw:write('\0', 'ä')
            end
            "#,
        )
        .build(
            r#"
            function main(urd)
              local ds = urd:build('ab'):dataset()
              local n = 0
              for _, sep in ipairs({'', '\0', 'wheeee'}) do
                for _, ls in ipairs({'', '\0', 'woooooo'}) do
                  for _, q in ipairs({'', 'qqq'}) do
                    local function text(lines)
                      local out = {}
                      for _, l in ipairs(lines) do out[#out + 1] = q .. l[1] .. q .. sep .. q .. l[2] .. q .. ls end
                      return table.concat(out)
                    end
                    local opts = {separator = sep, line_separator = ls, quote_fields = q, lazy_quotes = false, source = ds}
                    local j = urd:build('csvexport', opts)
                    assert(j:open('result.csv'):read('a') == text({{'a', 'b'}, {'A', 'B'}, {'\0', 'ä'}}))
                    opts.sliced, opts.filename = true, 'out.%d.csv'
                    j = urd:build('csvexport', opts)
                    assert(j:open('out.0.csv'):read('a') == text({{'a', 'b'}, {'A', 'B'}}))
                    assert(j:open('out.1.csv'):read('a') == text({{'a', 'b'}, {'\0', 'ä'}}))
                    n = n + 2
                  end
                end
              end
              print(n)
            end
            "#,
        )
        .stdout("36\n")
        .run();
}

/// The original's a_test_csvexport_chains: lists of sources, chain_source back to previous's
/// sources, and a column whose type changes along the chain.
#[test]
fn chains_and_lists_of_sources() {
    Test::new()
        .method(
            "abc",
            r#"
            function synthesis(job)
              local prev
              for _, x in ipairs({{'a', 'ascii', 'a'}, {'b', 'bytes', 'å'}, {'c', 'json', nil}}) do
                local dw = job:datasetwriter{name = x[1], previous = prev}
                dw:add('fixed', 'ascii') dw:add('changing', x[2], {none_support = true})
                dw:set_slice(0) dw:write(x[1], x[3])
                prev = dw:finish()
              end
            end
            "#,
        )
        .build(
            r#"
            local function show(urd, opts)
              opts.labelsonfirstline = false
              local j = urd:build('csvexport', opts)
              io.write(j:open('result.csv'):read('a'):gsub('\n', '|'), '\n')
              return j
            end
            function main(urd)
              local j = urd:build('abc')
              local a, b, c = j:dataset('a'), j:dataset('b'), j:dataset('c')
              show(urd, {source = a})
              show(urd, {source = b})
              show(urd, {source = c})
              show(urd, {labels = {'fixed'}, source = {a, b, c}})
              show(urd, {labels = {'fixed'}, source = {a, c}, chain_source = true})
              show(urd, {labels = {'fixed'}, source = c, chain_source = true})
              show(urd, {labels = {'changing'}, source = {a, c}, chain_source = true})
              local ab = show(urd, {labels = {'changing'}, source = {a, b}})
              show(urd, {labels = {'changing'}, source = {c, c}, chain_source = true, previous = ab})
            end
            "#,
        )
        .stdout("a,a|\nå,b|\nnull,c|\na|b|c|\na|a|b|c|\na|b|c|\na|a|å|null|\na|å|\nå|null|null|\n")
        .run();
}

fn gunzip(path: &std::path::Path) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// The original's a_test_csvexport_naming: sliced names, `.gz` at the end or inside, and the
/// files each job registers.
#[test]
fn file_names_gzip_and_registration() {
    let out = Test::new()
        .method(
            "a",
            r#"
            function synthesis(job)
              local dw = job:datasetwriter()
              dw:add('a', 'int32')
              for i, s in ipairs({0, 1, 0, 1}) do dw:set_slice(s) dw:write(i - 1) end
            end
            "#,
        )
        .build(
            r#"
            function main(urd)
              local ds = urd:build('a'):dataset()
              for _, c in ipairs({{'name', false}, {'name', true}, {'name%dend', true}, {'name.gz', false},
                                  {'name.gz', true}, {'a%02d.gz.b', true}, {'a%02d.gz.b', false}, {'name.gzonk', false}}) do
                local j = urd:build('csvexport', {filename = c[1], sliced = c[2], source = ds, compression = 1})
                print(j.id, table.concat(j:files(), ' '))
              end
            end
            "#,
        )
        .stdout(
            "test-1\tname\ntest-2\tname.0 name.1\ntest-3\tname0end name1end\ntest-4\tname.gz\ntest-5\tname.gz.0 name.gz.1\ntest-6\ta00.gz.b a01.gz.b\ntest-7\ta%02d.gz.b\ntest-8\tname.gzonk\n",
        )
        .run();
    let job = |n: u32, f: &str| out.dir.path().join(format!("workdirs/test/test-{n}/{f}"));
    let all = b"a\n0\n2\n1\n3\n";
    let slice1 = b"a\n1\n3\n";
    assert_eq!(std::fs::read(job(1, "name")).unwrap(), all);
    assert_eq!(std::fs::read(job(2, "name.1")).unwrap(), slice1);
    assert_eq!(std::fs::read(job(3, "name1end")).unwrap(), slice1);
    assert_eq!(gunzip(&job(4, "name.gz")), all, "one gzip member per slice");
    assert_eq!(gunzip(&job(5, "name.gz.1")), slice1);
    assert_eq!(gunzip(&job(6, "a01.gz.b")), slice1);
    assert_eq!(gunzip(&job(7, "a%02d.gz.b")), all);
    assert_eq!(std::fs::read(job(8, "name.gzonk")).unwrap(), all);
    let hidden: Vec<_> = std::fs::read_dir(job(4, ""))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(".csvexport"))
        .collect();
    assert!(hidden.is_empty(), "temp files left: {hidden:?}");
}

#[test]
fn errors_name_the_dataset_column_and_file() {
    let mk = r#"
        function synthesis(job)
          local dw = job:datasetwriter()
          dw:add('price', 'int32')
          dw:set_slice(0) dw:write(1)
        end
    "#;
    Test::new()
        .method("a", mk)
        .build("function main(urd) urd:build('csvexport', {source = urd:build('a'):dataset(), labels = {'prize'}}) end")
        .status(1)
        .stderr_contains("error: dataset test-0/default has no column `prize` (did you mean `price`?) (columns: price)\n")
        .run();
    Test::new()
        .method("a", mk)
        .build("function main(urd) urd:build('csvexport', {source = urd:build('a'):dataset(), sliced = true, filename = 'x%d%d'}) end")
        .status(1)
        .stderr_contains(
            "error: csvexport: filename `x%d%d`: it has more than one % format (a sliced name takes one %d, like part%02d.csv)\n",
        )
        .run();
    Test::new()
        .method("a", mk)
        .build("function main(urd) urd:build('csvexport', {source = urd:build('a'):dataset(), filename = 'setup.json'}) end")
        .status(1)
        .stderr_contains("`setup.json` belongs to exax")
        .run();
    Test::new()
        .method("a", mk)
        .build("function main(urd) urd:build('csvexport', {source = urd:build('a'):dataset(), none_as_columns = {pirce = 'x'}}) end")
        .status(1)
        .stderr_contains("error: csvexport: option `none_as_columns` names `pirce`, which is not one of the exported columns (price)\n")
        .run();
    Test::new()
        .method("a", mk)
        .build("function main(urd) urd:build('csvexport', {source = urd:build('a'):dataset(), compression = 10}) end")
        .status(1)
        .stderr_contains("error: csvexport: option `compression` is a gzip level, 0 to 9, not 10\n")
        .run();
}

/// A file csvimport reads, exported again byte for byte: quotes at the edges and inside,
/// separators, line breaks and a carriage return inside fields, empty fields, spaces.
const TRICKY: &str =
    "a,b,c\nplain,\"has,comma\",1\n\"\"\"starts\",\"ends\"\"\",mid\"dle\n\"'single'\",\"two\nlines\",\"cr\rin\"\n,  spaces  ,é ü ✓\n";

#[test]
fn round_trip_csvimport_csvexport_byte_for_byte() {
    let out = Test::new()
        .file("accelerator.conf", ONE_SLICE)
        .file("input/tricky.csv", TRICKY)
        .build(
            r#"
            function main(urd)
              local imp = urd:build('csvimport', {filename = 'tricky.csv'})
              local exp = urd:build('csvexport', {source = imp:dataset(), labels = {'a', 'b', 'c'}})
              print(exp.id)
            end
            "#,
        )
        .stdout("test-1\n")
        .run();
    let got = std::fs::read(out.dir.path().join("workdirs/test/test-1/result.csv")).unwrap();
    assert_eq!(String::from_utf8_lossy(&got), TRICKY);
}

#[test]
fn round_trip_of_every_column_type() {
    // Export a typed dataset, import the file, export that: the same bytes (the labels come
    // sorted both times; one slice keeps the order of the lines).
    let out = Test::new()
        .file("accelerator.conf", ONE_SLICE)
        .method("all", &ALL_TYPES.replace("dw:set_slice(1)", "").replace("b\\xffe", "bye"))
        .method(
            "copy",
            r#"
            jobs = {'from'}
            function synthesis(job)
              local f = assert(io.open(job:input_filename('typed.csv'), 'wb'))
              f:write(jobs.from:open('result.csv'):read('a'))
              f:close()
            end
            "#,
        )
        .file("input/.keep", "")
        .build(
            r#"
            function main(urd)
              local typed = urd:build('csvexport', {source = urd:build('all'):dataset()})
              urd:build('copy', {from = typed})
              local again = urd:build('csvexport', {source = urd:build('csvimport', {filename = 'typed.csv'}):dataset()})
              print(typed.id, again.id)
            end
            "#,
        )
        .stdout("test-1\ttest-4\n")
        .run();
    let first = std::fs::read(out.dir.path().join("workdirs/test/test-1/result.csv")).unwrap();
    let second = std::fs::read(out.dir.path().join("workdirs/test/test-4/result.csv")).unwrap();
    assert!(first.windows(3).any(|w| w == b"\"\"x"), "the json values need quotes");
    assert_eq!(String::from_utf8_lossy(&second), String::from_utf8_lossy(&first));
}

#[test]
fn many_rows_in_many_blocks_plain_and_gzip() {
    let out = Test::new()
        .method(
            "big",
            r#"
            function synthesis(job)
              local dw = job:datasetwriter()
              dw:add('i', 'int64') dw:add('s', 'unicode')
              for i = 1, 200000 do dw:set_slice(i % 2) dw:write(i, ('x'):rep(i % 13) .. ',' .. i) end
            end
            "#,
        )
        .build(
            r#"
            function main(urd)
              local ds = urd:build('big'):dataset()
              local j = urd:build('csvexport', {source = ds, labels = {'i', 's'}})
              local n, first_odd = 0, nil
              for line in j:open('result.csv'):lines() do
                n = n + 1
                if n == 100002 then first_odd = line end
              end
              print(n, first_odd)
              urd:build('csvexport', {source = ds, labels = {'i', 's'}, filename = 'result.csv.gz'})
            end
            "#,
        )
        .stdout("200001\t1,\"x,1\"\n")
        .run();
    let plain = std::fs::read(out.dir.path().join("workdirs/test/test-1/result.csv")).unwrap();
    assert!(plain.len() > 2 << 20, "more than one flush per slice");
    assert_eq!(gunzip(&out.dir.path().join("workdirs/test/test-2/result.csv.gz")), plain);
}
