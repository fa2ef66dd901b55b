//! dataset_filter_columns, dataset_rename_columns, dataset_merge (new datasets over the sources'
//! column files), dataset_concat (a chain copied into one dataset) and dataset_checksum(_chain):
//! exact results, the hashlabel rules, and errors naming the dataset and column.

use crate::test::Test;

/// `abc`: columns a (int64, the hashlabel), b (unicode), c (float64), rows a = 1..n.
/// `plain`: the same without a hashlabel, rows written round robin, `offset` added to a.
const MAKERS: &[(&str, &str)] = &[
    (
        "abc",
        r#"
        options = {n = 6}
        datasets = {'previous'}
        function synthesis(job)
          local dw = job:datasetwriter{hashlabel = 'a', previous = datasets.previous}
          dw:add('a', 'int64') dw:add('b', 'unicode') dw:add('c', 'float64', {none_support = true})
          for i = 1, options.n do dw:write(i, 'v' .. i, i % 3 ~= 0 and i / 2 or nil) end
        end
        "#,
    ),
    (
        "plain",
        r#"
        options = {n = 4, offset = 0, ty = 'int64', order = 'up', shift = 0}
        datasets = {'previous'}
        function synthesis(job, slices)
          local dw = job:datasetwriter{previous = datasets.previous}
          dw:add('a', options.ty) dw:add('b', 'unicode')
          for k = 1, options.n do
            local i = options.order == 'up' and k or options.n + 1 - k
            dw:set_slice((i + options.shift) % slices)
            dw:write(i + options.offset, 'v' .. i + options.offset)
          end
        end
        "#,
    ),
];

fn with_makers(t: Test) -> Test {
    MAKERS.iter().fold(t, |t, (name, src)| t.method(name, src))
}

/// Lua that prints a dataset: its columns (name:type, in name order), hashlabel, previous,
/// parent, lines per slice, then its rows slice by slice.
const SHOW: &str = r#"
local function show(ds)
  local names = {}
  for n in pairs(ds.columns) do names[#names + 1] = n end
  table.sort(names)
  local cols = {}
  for i, n in ipairs(names) do cols[i] = n .. ':' .. ds.columns[n].type end
  print(ds.id, table.concat(cols, ' '), 'hashlabel=' .. tostring(ds.hashlabel),
    'previous=' .. (ds.previous and ds.previous.id or '-'), 'parent=' .. (ds.parent and ds.parent.id or '-'),
    'lines=' .. ds:lines(0) .. '+' .. ds:lines(1))
  for s = 0, 1 do
    local rows = {}
    local it = {ds:iterate(s, names, {none = 'None'})}
    for a, b, c, d, e in table.unpack(it) do
      local vals = {a, b, c, d, e}
      for i = 1, #names do vals[i] = tostring(vals[i]) end
      rows[#rows + 1] = table.concat(vals, ',', 1, #names)
    end
    print('  ' .. s .. ': ' .. table.concat(rows, ' '))
  end
end
"#;

fn build(body: &str) -> String {
    format!("{SHOW}\nfunction main(urd)\n{body}\nend\n")
}

#[test]
fn filter_columns_keeps_or_discards_without_copying() {
    let out = with_makers(Test::new())
        .build(&build(
            r#"
            local src = urd:build('abc'):dataset()
            local prev = urd:build('plain'):dataset()
            show(src)
            show(urd:build('dataset_filter_columns', {source = src, keep_columns = {'b', 'c'}}):dataset())
            show(urd:build('dataset_filter_columns', {source = src, keep_columns = {'a'}, previous = prev}):dataset())
            show(urd:build('dataset_filter_columns', {source = src, discard_columns = {'c'}}):dataset())
            "#,
        ))
        .stdout(
            "
            test-0/default\ta:int64 b:unicode c:float64\thashlabel=a\tprevious=-\tparent=-\tlines=3+3
              0: 1,v1,0.5 4,v4,2.0 5,v5,2.5
              1: 2,v2,1.0 3,v3,None 6,v6,None
            test-2/default\tb:unicode c:float64\thashlabel=nil\tprevious=-\tparent=test-0/default\tlines=3+3
              0: v1,0.5 v4,2.0 v5,2.5
              1: v2,1.0 v3,None v6,None
            test-3/default\ta:int64\thashlabel=a\tprevious=test-1/default\tparent=test-0/default\tlines=3+3
              0: 1 4 5
              1: 2 3 6
            test-4/default\ta:int64 b:unicode\thashlabel=a\tprevious=-\tparent=test-0/default\tlines=3+3
              0: 1,v1 4,v4 5,v5
              1: 2,v2 3,v3 6,v6
            ",
        )
        .run();
    let ds = out.dir.path().join("workdirs/test/test-2/DS/default");
    let files: Vec<_> = std::fs::read_dir(ds).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(files, ["dataset.json"], "no column files are copied");
}

#[test]
fn filter_columns_errors() {
    for (opts, err) in [
        (
            "keep_columns = {'a'}, discard_columns = {'b'}",
            "dataset_filter_columns: give keep_columns or discard_columns, not both",
        ),
        (
            "",
            "dataset_filter_columns: give keep_columns (the columns to keep) or discard_columns (the columns to drop)",
        ),
        (
            "keep_columns = {'bb'}",
            "column `bb` is not a column of dataset test-0/default (did you mean `b`?) (columns: a, b, c)",
        ),
        (
            "discard_columns = {'d'}",
            "dataset test-0/default has no column `d` (columns: a, b, c)",
        ),
        ("discard_columns = {'a', 'b', 'c'}", "dataset test-0/default: no columns are left"),
    ] {
        with_makers(Test::new())
            .build(&format!(
                "function main(urd) urd:build('dataset_filter_columns', {{source = urd:build('abc'):dataset(), {opts}}}) end"
            ))
            .status(1)
            .stderr_contains(err)
            .run();
    }
}

#[test]
fn rename_columns_and_the_hashlabel() {
    with_makers(Test::new())
        .build(&build(
            r#"
            local src = urd:build('abc', {n = 2}):dataset()
            local function r(rename) show(urd:build('dataset_rename_columns', {source = src, rename = rename}):dataset()) end
            r({a = 'x', c = false})
            r({a = 'b', b = 'a'})
            r({b = 'a'})
            r({c = 'b'})
            "#,
        ))
        .stdout(
            "
            test-1/default\tb:unicode x:int64\thashlabel=x\tprevious=-\tparent=test-0/default\tlines=1+1
              0: v1,1
              1: v2,2
            test-2/default\ta:unicode b:int64 c:float64\thashlabel=b\tprevious=-\tparent=test-0/default\tlines=1+1
              0: v1,1,0.5
              1: v2,2,1.0
            test-3/default\ta:unicode c:float64\thashlabel=nil\tprevious=-\tparent=test-0/default\tlines=1+1
              0: v1,0.5
              1: v2,1.0
            test-4/default\ta:int64 b:float64\thashlabel=a\tprevious=-\tparent=test-0/default\tlines=1+1
              0: 1,0.5
              1: 2,1.0
            ",
        )
        .run();
}

#[test]
fn rename_columns_errors() {
    for (rename, err) in [
        (
            "{d = 'x'}",
            "renamed column `d` is not a column of dataset test-0/default (columns: a, b, c)",
        ),
        ("{a = 'x', b = 'x'}", "dataset test-0/default: both `"),
        (
            "{a = 3}",
            "dataset_rename_columns: option `rename` maps `a` to integer: give a new name, or false to discard the column",
        ),
        (
            "{a = false, b = false, c = false}",
            "dataset test-0/default: every column is discarded",
        ),
    ] {
        with_makers(Test::new())
            .build(&format!(
                "function main(urd) urd:build('dataset_rename_columns', {{source = urd:build('abc'):dataset(), rename = {rename}}}) end"
            ))
            .status(1)
            .stderr_contains(err)
            .run();
    }
}

#[test]
fn merge_side_by_side() {
    with_makers(Test::new())
        .method(
            "child",
            r#"
            datasets = {'parent'}
            options = {col = 'd'}
            function synthesis(job)
              local dw = job:datasetwriter{parent = datasets.parent}
              dw:add(options.col, 'int64')
              for s = 0, 1 do
                dw:set_slice(s)
                for k = 1, datasets.parent:lines(s) do dw:write(s * 100 + k) end
              end
            end
            "#,
        )
        .build(&build(
            r#"
            local base = urd:build('abc', {n = 4}):dataset()
            local d = urd:build('child', {parent = base}):dataset()
            local bc = urd:build('dataset_filter_columns', {source = base, keep_columns = {'b', 'c'}}):dataset()
            local e = urd:build('child', {parent = bc, col = 'e'}):dataset()
            show(urd:build('dataset_merge', {source = {d, e}}):dataset())
            show(urd:build('dataset_merge', {source = {e, d}, previous = base}):dataset())
            local p = urd:build('plain'):dataset()
            show(urd:build('dataset_merge', {source = {base, p}, allow_unrelated = true}):dataset())
            "#,
        ))
        .stdout(
            "
            test-4/default\ta:int64 b:unicode c:float64 d:int64 e:int64\thashlabel=a\tprevious=-\tparent=test-1/default\tlines=2+2
              0: 1,v1,0.5,1,1 4,v4,2.0,2,2
              1: 2,v2,1.0,101,101 3,v3,None,102,102
            test-5/default\ta:int64 b:unicode c:float64 d:int64 e:int64\thashlabel=a\tprevious=test-0/default\tparent=test-3/default\tlines=2+2
              0: 1,v1,0.5,1,1 4,v4,2.0,2,2
              1: 2,v2,1.0,101,101 3,v3,None,102,102
            test-7/default\ta:int64 b:unicode c:float64\thashlabel=nil\tprevious=-\tparent=test-0/default\tlines=2+2
              0: 2,v2,0.5 4,v4,2.0
              1: 1,v1,1.0 3,v3,None
            ",
        )
        .run();
}

#[test]
fn merge_errors() {
    for (sources, err) in [
        ("{base}", "dataset_merge: give at least two datasets to merge in source (got 1)"),
        (
            "{base, base}",
            "dataset_merge: dataset test-0/default is in source twice (items 1 and 2)",
        ),
        (
            "{base, urd:build('abc', {n = 5}):dataset()}",
            "dataset_merge: test-0/default and test-1/default do not have the same lines in every slice ([2, 2] and [3, 2])",
        ),
        (
            "{base, urd:build('plain'):dataset()}",
            "dataset_merge: test-1/default has no ancestor in common with test-0/default (set allow_unrelated = true to merge them anyway)",
        ),
    ] {
        with_makers(Test::new())
            .build(&format!(
                "function main(urd)\n  local base = urd:build('abc', {{n = 4}}):dataset()\n  urd:build('dataset_merge', {{source = {sources}}})\nend"
            ))
            .status(1)
            .stderr_contains(err)
            .run();
    }
}

#[test]
fn concat_a_chain_into_one_dataset() {
    with_makers(Test::new())
        .build(&build(
            r#"
            local p1 = urd:build('plain', {n = 3}):dataset()
            local p2 = urd:build('plain', {n = 2, offset = 10, previous = p1}):dataset()
            local p3 = urd:build('plain', {n = 1, offset = 20, previous = p2}):dataset()
            local c1 = urd:build('dataset_concat', {source = p2}):dataset()
            show(c1)
            local p4 = urd:build('plain', {n = 2, offset = 30, previous = p3}):dataset()
            show(urd:build('dataset_concat', {source = p4, previous = c1}):dataset())
            "#,
        ))
        .stdout(
            "
            test-3/default\ta:int64 b:unicode\thashlabel=nil\tprevious=-\tparent=-\tlines=2+3
              0: 2,v2 12,v12
              1: 1,v1 3,v3 11,v11
            test-5/default\ta:int64 b:unicode\thashlabel=nil\tprevious=test-3/default\tparent=-\tlines=1+2
              0: 32,v32
              1: 21,v21 31,v31
            ",
        )
        .run();
}

#[test]
fn concat_errors_name_the_datasets() {
    with_makers(Test::new())
        .build(
            r#"
            function main(urd)
              local p1 = urd:build('plain', {ty = 'int32'}):dataset()
              local p2 = urd:build('plain', {previous = p1}):dataset()
              urd:build('dataset_concat', {source = p2})
            end
            "#,
        )
        .status(1)
        .stderr_contains("dataset_concat: dataset test-0/default does not have the same columns as test-1/default (a int32, b unicode against a int64, b unicode)")
        .run();
    with_makers(Test::new())
        .build(
            r#"
            function main(urd)
              local p1 = urd:build('plain'):dataset()
              local p2 = urd:build('abc', {previous = p1}):dataset()
              urd:build('dataset_concat', {source = p2})
            end
            "#,
        )
        .status(1)
        .stderr_contains("dataset_concat: dataset test-0/default does not have the same columns as test-1/default (a int64, b unicode against a int64, b unicode, c float64)")
        .run();
}

#[test]
fn checksums_ignore_order_and_slicing_unless_asked() {
    with_makers(Test::new())
        .build(
            r#"
            function main(urd)
              local function sum(ds, opts)
                opts = opts or {}
                opts.source = ds
                return urd:build('dataset_checksum', opts):load()
              end
              local up = urd:build('plain', {n = 7}):dataset()
              local down = urd:build('plain', {n = 7, order = 'down'}):dataset()
              local narrow = urd:build('plain', {n = 7, ty = 'int32'}):dataset()
              local other = urd:build('plain', {n = 7, offset = 1}):dataset()
              local shifted = urd:build('plain', {n = 7, shift = 1}):dataset()
              local r = sum(up)
              print(r.sum, r.sort, table.concat(r.columns, ','), r.source == up)
              print(sum(down).sum == r.sum, sum(narrow).sum == r.sum, sum(other).sum == r.sum)
              print(sum(up, {sort = false}).sum == sum(down, {sort = false}).sum, sum(up, {sort = false}).sum == sum(up, {sort = false, columns = {'b', 'a'}}).sum)
              print(sum(shifted).sum == r.sum, sum(shifted, {sort = false}).sum == sum(up, {sort = false}).sum, sum(up, {columns = {'b'}}).sum == r.sum)
              local p2 = urd:build('plain', {n = 3, offset = 10, previous = up}):dataset()
              local chain = urd:build('dataset_checksum_chain', {source = p2}):load()
              local concat = urd:build('dataset_concat', {source = p2}):dataset()
              print(chain.sum == sum(concat).sum, #chain.sums, chain.sums[1] == r.sum, chain.sources[2] == p2)
              local one = urd:build('dataset_checksum_chain', {source = p2, chain_length = 1}):load()
              print(#one.sums, one.sum == sum(p2).sum)
            end
            "#,
        )
        .stdout(
            "
            test-0/default: 0b3d38393f19f9d2c8458c129fe233c8
            0b3d38393f19f9d2c8458c129fe233c8\ttrue\ta,b\ttrue
            test-1/default: 0b3d38393f19f9d2c8458c129fe233c8
            test-2/default: 0b3d38393f19f9d2c8458c129fe233c8
            test-3/default: 58a7329cdf074e8e8f78fc00c7e9b676
            true\ttrue\tfalse
            test-0/default: 495154ec8ae9131c9e4a3da4613e5efa
            test-1/default: 00f4f2f7258e160ab54f50db1b0acfbf
            test-0/default: 495154ec8ae9131c9e4a3da4613e5efa
            false\ttrue
            test-4/default: 0b3d38393f19f9d2c8458c129fe233c8
            test-4/default: aaa85fe56476ac08d4ea01d6e47b124f
            test-0/default: bb0f858eb493e931f7ffe21d363e4681
            true\tfalse\tfalse
            Total: a63e0c4efcbb0a1a984b0da8bad6769f
            test-17/default: a63e0c4efcbb0a1a984b0da8bad6769f
            true\t2\ttrue\ttrue
            Total: 64637fb2a55286406b12512e5e770074
            test-15/default: 64637fb2a55286406b12512e5e770074
            1\ttrue
            ",
        )
        .run();
}

#[test]
fn checksum_prints_and_names_bad_columns() {
    with_makers(Test::new())
        .build("function main(urd) print(urd:build('dataset_checksum', {source = urd:build('plain'):dataset()}):output()) end")
        .stdout("test-0/default: cb72cf766aad7ea49018d8d658e4e4e4\ntest-0/default: cb72cf766aad7ea49018d8d658e4e4e4\n\n")
        .run();
    with_makers(Test::new())
        .build("function main(urd) urd:build('dataset_checksum', {source = urd:build('plain'):dataset(), columns = {'x'}}) end")
        .status(1)
        .stderr_contains("dataset test-0/default has no column `x` (columns: a, b)")
        .run();
}
