//! dataset_sort, dataset_hashpart and dataset_unroundrobin (the shipped methods), with the
//! original's test cases (a_test_sorting, a_test_sort_stability, a_test_sort_chaining,
//! a_test_sort_trigger, a_test_hashpart, a_test_dataset_unroundrobin(_trigger)) and errors.

use crate::test::Test;

const THREE: &str = "slices: 3\nworkdirs:\n    test ./workdirs/test\nmethod directories:\n    ./methods\n";

/// `show(ds, cols, sliceno)`: the rows as `a:b` words (None as `None`, NaN as `NaN`).
const SHOW: &str = r#"
local function fmt(v)
  if v == nil then return 'None' end
  if type(v) == 'number' and v ~= v then return 'NaN' end
  return tostring(v)
end
function show(ds, cols, sliceno)
  local out = {}
  for n, c1, c2, c3, c4, c5, c6, c7, c8 in ds:iterate_chunks(sliceno, cols) do
    local cs = {c1, c2, c3, c4, c5, c6, c7, c8}
    for i = 1, n do
      local row = {}
      for k = 1, #cols do row[k] = fmt(cs[k][i]) end
      out[#out + 1] = table.concat(row, ':')
    end
  end
  return table.concat(out, ' ')
end
function slices(ds, cols)
  local out = {}
  for s = 0, ds.slices - 1 do out[#out + 1] = s .. '[' .. show(ds, cols, s) .. ']' end
  return table.concat(out, ' ')
end
"#;

fn build(src: &str) -> String {
    format!("{SHOW}\n{src}")
}

/// Rows (slice, n, x) with ties; slice 2 stays empty.
const TIES: &str = r#"
function synthesis(job)
  local dw = job:datasetwriter()
  dw:add('n', 'int64')
  dw:add('x', 'ascii')
  for _, r in ipairs{{0, 3, 'a'}, {0, 1, 'b'}, {0, 3, 'c'}, {0, 2, 'd'}, {0, 1, 'e'}, {1, 5, 'f'}, {1, 5, 'g'}, {1, 4, 'h'}} do
    dw:set_slice(r[1])
    dw:write(r[2], r[3])
  end
end
"#;

#[test]
fn sorts_each_slice_stably_both_ways() {
    Test::new()
        .file("accelerator.conf", THREE)
        .method("ties", TIES)
        .build(&build(
            "
            function main(urd)
              local src = urd:build('ties'):dataset()
              for _, order in ipairs{'ascending', 'descending'} do
                local ds = urd:build('dataset_sort', {source = src, sort_columns = 'n', sort_order = order}):dataset()
                print(order, slices(ds, {'n', 'x'}))
              end
              -- Two columns (a list), the second breaking the first's ties.
              local ds = urd:build('dataset_sort', {source = src, sort_columns = {'n', 'x'}, sort_order = 'descending'}):dataset()
              print('n,x', slices(ds, {'n', 'x'}))
              local ds = urd:build('dataset_sort', {source = src, sort_columns = {'x'}, sort_across_slices = true}):dataset()
              print('across', slices(ds, {'x', 'n'}), ds.columns.n.type, ds.columns.x.type)
            end
            ",
        ))
        .stdout(
            "ascending\t0[1:b 1:e 2:d 3:a 3:c] 1[4:h 5:f 5:g] 2[]\n\
             descending\t0[3:a 3:c 2:d 1:b 1:e] 1[5:f 5:g 4:h] 2[]\n\
             n,x\t0[3:c 3:a 2:d 1:e 1:b] 1[5:g 5:f 4:h] 2[]\n\
             across\t0[a:3 b:1 c:3] 1[d:2 e:1 f:5] 2[g:5 h:4]\tint64\tascii\n",
        )
        .run();
}

#[test]
fn none_and_nan_sort_where_the_original_puts_them() {
    // The original's stand-ins: None is -inf for int, bool, float and number (so it ties with
    // -inf), '' for strings (ties with ''), the largest date; NaN is +inf (ties with inf).
    // Ties keep line order, also descending.
    Test::new()
        .method(
            "odd",
            r#"
            function synthesis(job)
              local dw = job:datasetwriter()
              dw:add('id', 'int64')
              for _, c in ipairs{{'f', 'float64'}, {'i', 'int64'}, {'s', 'unicode'}, {'d', 'date'}, {'b', 'bool'}, {'n', 'number'}, {'m', 'number'}, {'t', 'time'}} do
                dw:add(c[1], c[2], {none_support = true})
              end
              local inf, nan = math.huge, 0/0
              local D = exax.date
              dw:set_slice(0)
              dw:write(1, 2.5, 5, 'b', D(2020, 1, 1), true, 3, 1, exax.time(1, 0, 0, 0))
              dw:write(2, nil, nil, nil, nil, nil, nil, nil, nil)
              dw:write(3, nan, -7, '', D(1970, 1, 1), false, 2.5, 0.5, exax.time(23, 59, 59, 999999))
              dw:write(4, -inf, 0, 'a', D(9999, 12, 31), true, nan, nan, exax.time(0, 0, 0, 0))
              dw:write(5, inf, math.maxinteger, 'B', D(1900, 5, 5), false, 9007199254740993, -3, exax.time(12, 0, 0, 0))
              dw:write(6, -0.0, math.mininteger, 'é', D(2000, 1, 1), nil, 9007199254740992.0, 1.0, nil)
            end
            "#,
        )
        .build(&build(
            "
            function main(urd)
              local src = urd:build('odd'):dataset()
              for _, c in ipairs{'f', 'i', 's', 'd', 'b', 'n', 'm', 't'} do
                local asc = urd:build('dataset_sort', {source = src, sort_columns = c}):dataset()
                local desc = urd:build('dataset_sort', {source = src, sort_columns = c, sort_order = 'descending'}):dataset()
                print(c, show(asc, {'id'}, 0), show(desc, {'id'}, 0))
              end
              local ds = urd:build('dataset_sort', {source = src, sort_columns = {'b', 'f'}}):dataset()
              print('b,f', show(ds, {'id'}, 0))
              print(show(urd:build('dataset_sort', {source = src, sort_columns = 'f'}):dataset(), {'f', 'i', 's', 'd', 'b'}, 0))
            end
            ",
        ))
        .stdout(
            "f\t2 4 6 1 3 5\t3 5 1 6 2 4\n\
             i\t2 6 3 4 1 5\t5 1 4 3 6 2\n\
             s\t2 3 5 4 1 6\t6 1 4 5 2 3\n\
             d\t5 3 6 1 2 4\t2 4 1 6 3 5\n\
             b\t2 6 3 5 1 4\t1 4 3 5 2 6\n\
             n\t2 3 1 6 5 4\t4 5 6 1 3 2\n\
             m\t2 5 3 1 6 4\t4 1 6 3 5 2\n\
             t\t4 1 5 2 3 6\t2 3 6 5 1 4\n\
             b,f\t2 6 3 5 4 1\n\
             None:None:None:None:None -inf:0:a:9999-12-31:true -0.0:-9223372036854775808:é:2000-01-01:None 2.5:5:b:2020-01-01:true NaN:-7::1970-01-01:false inf:9223372036854775807:B:1900-05-05:false\n",
        )
        .run();
}

#[test]
fn sort_across_slices_is_stable() {
    // a_test_sort_stability: every slice writes 64 lines (its number, 0..63), slices 0 and 1 a
    // few negative ones.
    Test::new()
        .method(
            "stab",
            r#"
            function prepare(job)
              local dw = job:datasetwriter()
              dw:add('str', 'ascii')
              dw:add('num', 'number')
              return dw
            end
            function analysis(sliceno, prepare_res)
              local dw = prepare_res
              for ix = 0, 63 do dw:write(tostring(sliceno), ix) end
              if sliceno == 0 then
                for _, r in ipairs{{'a', -1}, {'b', -1}, {'c', -2}, {'d', -1}, {'e', -1}, {'f', -1}, {'g', -2}} do dw:write(r[1], r[2]) end
              elseif sliceno == 1 then
                for _, r in ipairs{{'h', -2}, {'i', -1}, {'j', -2}} do dw:write(r[1], r[2]) end
              end
            end
            "#,
        )
        .build(&build(
            "
            function main(urd)
              local src = urd:build('stab'):dataset()
              local ds = urd:build('dataset_sort', {source = src, sort_columns = 'num', sort_across_slices = true}):dataset()
              local got = {}
              for s in ds:iterate(nil, 'str') do got[#got + 1] = s end
              assert(table.concat(got) == 'cghjabdefi' .. string.rep('01', 64), table.concat(got))
              print(ds:lines(0), ds:lines(1), ds.hashlabel)
            end
            ",
        ))
        .stdout("69\t69\tnil\n")
        .run();
}

#[test]
fn sort_follows_chains() {
    // a_test_sort_chaining: a (3, 2) <- b (2, 1) <- c (0), lines round robin over the slices.
    Test::new()
        .method(
            "abc",
            r#"
            function synthesis(job)
              local prev
              for _, d in ipairs{{'a', {3, 2}}, {'b', {2, 1}}, {'c', {0}}} do
                local dw = job:datasetwriter{name = d[1], previous = prev}
                dw:add('num', 'int32')
                for i, v in ipairs(d[2]) do dw:set_slice((i - 1) % 2) dw:write(v) end
                prev = dw:finish()
              end
            end
            "#,
        )
        .build(&build(
            "
            local function all(ds, chain)
              local t = {}
              local it = chain and ds:iterate_chain(nil, 'num') or ds:iterate(nil, 'num')
              for v in it do t[#t + 1] = v end
              return table.concat(t, ',')
            end
            function main(urd)
              local j = urd:build('abc')
              local a, b, c = j:dataset('a'), j:dataset('b'), j:dataset('c')
              local o = {sort_columns = 'num', sort_across_slices = true}
              local function sort(src, prev)
                return urd:build('dataset_sort', {source = src, previous = prev, sort_columns = 'num', sort_across_slices = true}):dataset()
              end
              local sa = sort(a)
              print(all(sa))
              local sb = sort(b, sa)
              print(all(sb, true))
              print(all(sort(c, sb), true))
              print(all(sort(c), true))
              local m = sort(c, sa)
              print(all(m), all(m, true))
            end
            ",
        ))
        .stdout("2,3\n2,3,1,2\n2,3,1,2,0\n0,1,2,2,3\n0,1,2\t2,3,0,1,2\n")
        .run();
}

#[test]
fn trigger_column_moves_slice_switches() {
    // a_test_sort_trigger, with three slices.
    Test::new()
        .file("accelerator.conf", THREE)
        .method(
            "trig",
            r#"
            function synthesis(job)
              local dw = job:datasetwriter()
              dw:add('a', 'int32') dw:add('b', 'int32') dw:add('c', 'int32')
              local n = 0
              local function w(...) dw:set_slice(n % 3) dw:write(...) n = n + 1 end
              for ix = 1, 10 do
                w(1, 2, ix * 10 + 5) w(1, 2, ix * 10 + 3) w(1, 2, ix * 10 + 4)
                w(1, 3, ix * 1000 + 1) w(1, 3, ix * 1000 + 2) w(1, 3, ix * 1000 + 0)
              end
            end
            "#,
        )
        .build(&build(
            "
            function main(urd)
              local src = urd:build('trig'):dataset()
              local function sort(cols, trigger)
                local ds = urd:build('dataset_sort', {source = src, sort_columns = cols, trigger_column = trigger, sort_across_slices = true}):dataset()
                local prev, n = nil, 0
                for a, b, c in ds:iterate(nil, {'a', 'b', 'c'}) do
                  local key = ({a = a, b = b, c = c})[type(cols) == 'table' and cols[1] or cols]
                  assert(not prev or key >= prev) prev = key n = n + 1
                end
                assert(n == 60)
                return ds:lines(0) .. ' ' .. ds:lines(1) .. ' ' .. ds:lines(2)
              end
              print(sort('a', 'a'), sort('b', 'b'), sort('c'), sort('c', 'c'), sort({'c', 'b'}, 'b'))
              local ds = urd:build('dataset_sort', {source = src, sort_columns = 'b', trigger_column = 'b', sort_across_slices = true}):dataset()
              print(show(ds, {'b'}, 0) == string.rep('2 ', 29) .. '2', show(ds, {'b'}, 1) == string.rep('3 ', 29) .. '3')
            end
            ",
        ))
        .stdout("60 0 0\t30 30 0\t20 20 20\t20 20 20\t30 30 0\ntrue\ttrue\n")
        .run();
}

/// Rows of several types (the original's a_test_hashpart data, shortened), round robin.
const HASHDATA: &str = r#"
function synthesis(job)
  local dw = job:datasetwriter()
  dw:add('a', 'ascii', {none_support = true})
  dw:add('b', 'bytes', {none_support = true})
  dw:add('n', 'int32', {none_support = true})
  dw:add('d', 'date', {none_support = true})
  local D = exax.date
  local rows = {
    {'text', 'octets', 10, D(1978, 1, 1)}, {'a', '0', -900, D(2009, 1, 1)}, {'b', '1', -901, D(2009, 1, 2)},
    {'c', '2', -902, D(2009, 1, 3)}, {'d', '3', -903, D(2009, 1, 4)}, {'e', '4', -904, D(2009, 1, 5)},
    {'f', '5', -905, D(2009, 1, 6)}, {'g', '6', -906, D(2009, 1, 7)}, {'r', 'C', -929, nil},
    {'s', 'D', nil, D(1970, 1, 1)}, {'B', nil, -242, D(1970, 2, 3)}, {nil, 'F', -123, D(1970, 4, 1)},
  }
  for i, r in ipairs(rows) do dw:set_slice((i - 1) % 3) dw:write(r[1], r[2], r[3], r[4]) end
end
"#;

#[test]
fn hashpart_puts_every_line_in_its_hash_slice() {
    Test::new()
        .file("accelerator.conf", THREE)
        .method("hd", HASHDATA)
        .method(
            "rehash",
            r#"
            -- The reference: the same lines, in the order hashpart reads them, through a writer
            -- with a hashlabel (which places each line by the core's hash).
            datasets = {'source'}
            options = {hashlabel = str}
            function synthesis(job)
              local dw = job:datasetwriter{hashlabel = options.hashlabel}
              for _, c in ipairs{'a', 'b', 'n', 'd'} do dw:add(c, datasets.source.columns[c].type, {none_support = true}) end
              for s = 0, 2 do
                for n, a, b, nn, d in datasets.source:iterate_chunks(s, {'a', 'b', 'n', 'd'}) do
                  for i = 1, n do dw:write(a[i], b[i], nn[i], d[i]) end
                end
              end
            end
            "#,
        )
        .build(&build(
            "
            function main(urd)
              local src = urd:build('hd'):dataset()
              for _, h in ipairs{'a', 'b', 'n', 'd'} do
                local ds = urd:build('dataset_hashpart', {source = src, hashlabel = h}):dataset()
                local want = urd:build('rehash', {source = src, hashlabel = h}):dataset()
                local cols = {'a', 'b', 'n', 'd'}
                assert(slices(ds, cols) == slices(want, cols), h .. ': ' .. slices(ds, cols) .. ' ~= ' .. slices(want, cols))
                assert(ds.hashlabel == h and ds:lines() == 12)
                -- A sort within slices keeps the hashlabel (and every line in its slice).
                local within = urd:build('dataset_sort', {source = ds, sort_columns = {'n', 'a'}}):dataset()
                assert(within.hashlabel == h, 'sorted within slices: hashlabel ' .. tostring(within.hashlabel))
                for s = 0, 2 do
                  assert(within:lines(s) == ds:lines(s))
                  local prev = -math.huge
                  for cnt, n in within:iterate_chunks(s, {'n'}) do
                    for i = 1, cnt do
                      local v = n[i] or -math.huge
                      assert(v >= prev, 'slice ' .. s .. ' out of order') prev = v
                    end
                  end
                end
                local across = urd:build('dataset_sort', {source = ds, sort_columns = 'n', sort_across_slices = true}):dataset()
                assert(across.hashlabel == nil)
                print(h, ds:lines(0), ds:lines(1), ds:lines(2), ds.caption)
              end
            end
            ",
        ))
        .stdout("a\t5\t4\t3\t\"\" hashed on a\nb\t6\t2\t4\t\"\" hashed on b\nn\t7\t1\t4\t\"\" hashed on n\nd\t4\t2\t6\t\"\" hashed on d\n")
        .run();
}

#[test]
fn hashpart_chains() {
    Test::new()
        .file("accelerator.conf", THREE)
        .method(
            "varying",
            r#"
            function synthesis(job)
              local v1 = job:datasetwriter{name = 'v1'}
              v1:add('a', 'ascii') v1:add('b', 'int32')
              v1:set_slice(0) v1:write('101', 201) v1:write('x', 1)
              v1:finish()
              local v2 = job:datasetwriter{name = 'v2', previous = tostring(job) .. '/v1'}
              v2:add('a', 'number') v2:add('c', 'ascii')
              v2:set_slice(1) v2:write(102, '202')
              v2:finish()
              local v3 = job:datasetwriter{name = 'v3', previous = tostring(job) .. '/v2'}
              v3:add('a', 'int32')
              v3:set_slice(2) v3:write(103) v3:write(104)
            end
            "#,
        )
        .build(&build(
            "
            local function types(ds)
              local t = {}
              for name, c in pairs(ds.columns) do t[#t + 1] = name .. '=' .. c.type end
              table.sort(t)
              return table.concat(t, ',')
            end
            function main(urd)
              local j = urd:build('varying')
              local h = urd:build('dataset_hashpart', {source = j:dataset('v3'), hashlabel = 'a'})
              local chain = h:dataset():chain()
              for _, ds in ipairs(chain) do print(ds.name, types(ds), ds.hashlabel, ds:lines()) end
              local a = {}
              for v in h:dataset():iterate_chain(nil, 'a') do a[#a + 1] = tostring(v) end
              table.sort(a)
              print(table.concat(a, ' '))
              -- length = 1: only the source; previous: chained after it.
              local one = urd:build('dataset_hashpart', {source = j:dataset('v3'), hashlabel = 'a', length = 1})
              print(#one:dataset():chain(), one:dataset():lines())
              local v2 = urd:build('dataset_hashpart', {source = j:dataset('v2'), hashlabel = 'a'})
              local after = urd:build('dataset_hashpart', {source = j:dataset('v3'), previous = v2:dataset(), hashlabel = 'a'})
              print(#after:dataset():chain(), after:dataset():lines(), after:dataset().previous == v2:dataset())
              -- Nothing between previous's source and source: the original's error.
              print(pcall(urd.build, urd, 'dataset_hashpart', {source = j:dataset('v3'), previous = one:dataset(), hashlabel = 'a'}))
              -- chain_slices: one dataset per source slice.
              local cs = urd:build('dataset_hashpart', {source = j:dataset('v1'), hashlabel = 'b', chain_slices = true})
              local names = {}
              for _, ds in ipairs(cs:dataset():chain()) do names[#names + 1] = ds.name .. '=' .. ds:lines() end
              print(table.concat(names, ' '))
            end
            ",
        ))
        .stdout(
            "0\ta=ascii,b=int32\ta\t2\n1\ta=number,c=ascii\ta\t1\ndefault\ta=int32\ta\t2\n\
             101 102 103 104 x\n1\t2\n3\t2\ttrue\nfalse\tdataset_hashpart: previous had the same source, so there is nothing to hash (this job makes no sense)\n0.0=2 0.1=0 default=0\n",
        )
        .run();
}

#[test]
fn unroundrobin_restores_file_order() {
    // a_test_dataset_unroundrobin, three slices.
    Test::new()
        .file("accelerator.conf", THREE)
        .method(
            "rr",
            r#"
            function synthesis(job)
              local dw = job:datasetwriter{name = 'rr'}
              dw:add('a', 'int32') dw:add('b', 'unicode')
              for s = 0, 2 do
                dw:set_slice(s)
                dw:write(s, 'u ' .. s) dw:write(s, 'line 2') dw:write(s, 'line 3')
                if s == 0 then dw:write(-1, 'line 4 just in slice 0') end
              end
              local e = job:datasetwriter{name = 'empty'}
              e:add('a', 'number')
              e:set_slice(1) e:write(1) e:write(3) e:write(4)
              e:set_slice(2) e:write(2)
            end
            "#,
        )
        .build(&build(
            "
            function main(urd)
              local j = urd:build('rr')
              local u = urd:build('dataset_unroundrobin', {source = j:dataset('rr')}):dataset()
              print(slices(u, {'a', 'b'}))
              local e = urd:build('dataset_unroundrobin', {source = j:dataset('empty')}):dataset()
              print(slices(e, {'a'}), e.hashlabel)
            end
            ",
        ))
        .stdout(
            "0[0:u 0 1:u 1 2:u 2 0:line 2] 1[1:line 2 2:line 2 0:line 3] 2[1:line 3 2:line 3 -1:line 4 just in slice 0]\n\
             0[] 1[1 2 3] 2[4]\tnil\n",
        )
        .run();
}

#[test]
fn unroundrobin_trigger_column() {
    // a_test_dataset_unroundrobin_trigger: slices 0 and 2 hold 4 and 5 lines; the split
    // point moves to where the trigger column changes.
    Test::new()
        .file("accelerator.conf", THREE)
        .method(
            "src",
            r#"
            function synthesis(job)
              local v = {{0, 'a', 'A', 42}, {0, 'a', 'A', 42}, {0, 'a', 'A', 42}, {1, 'a', 'A', 42}, {1, 'b', 'A', 42},
                         {1, 'b', 'B', 42}, {1, 'b', 'C', 42}, {2, 'b', 'D', 42}, {2, 'c', 'E', 42}}
              local dw = job:datasetwriter()
              dw:add('a', 'int32') dw:add('b', 'ascii') dw:add('c', 'ascii') dw:add('d', 'int32')
              dw:set_slice(0)
              for _, i in ipairs{1, 3, 5, 7} do dw:write(table.unpack(v[i])) end
              dw:set_slice(2)
              for _, i in ipairs{2, 4, 6, 8, 9} do dw:write(table.unpack(v[i])) end
            end
            "#,
        )
        .build(&build(
            "
            function main(urd)
              local src = urd:build('src'):dataset()
              for _, col in ipairs{'a', 'b', 'c', 'd'} do
                local ds = urd:build('dataset_unroundrobin', {source = src, trigger_column = col}):dataset()
                print(col, ds:lines(0), ds:lines(1), ds:lines(2), show(ds, {'a', 'b', 'c'}))
              end
            end
            ",
        ))
        .stdout(
            "a\t7\t0\t2\t0:a:A 0:a:A 0:a:A 1:a:A 1:b:A 1:b:B 1:b:C 2:b:D 2:c:E\n\
             b\t4\t0\t5\t0:a:A 0:a:A 0:a:A 1:a:A 1:b:A 1:b:B 1:b:C 2:b:D 2:c:E\n\
             c\t5\t0\t4\t0:a:A 0:a:A 0:a:A 1:a:A 1:b:A 1:b:B 1:b:C 2:b:D 2:c:E\n\
             d\t9\t0\t0\t0:a:A 0:a:A 0:a:A 1:a:A 1:b:A 1:b:B 1:b:C 2:b:D 2:c:E\n",
        )
        .run();
}

#[test]
fn errors_name_the_column() {
    let t = |opts: &str, err: &str| {
        Test::new()
            .method("ties", TIES)
            .build(&format!(
                "function main(urd) urd:build('dataset_sort', {{source = urd:build('ties'):dataset(), {opts}}}) end"
            ))
            .any_stdout()
            .status(1)
            .stderr_contains(err)
            .run();
    };
    t(
        "sort_columns = {'n', 'xx'}",
        "error: dataset_sort: sort_columns: dataset test-0/default has no column `xx` (did you mean `x`?) (columns: n, x)\n",
    );
    t(
        "sort_columns = 'n', trigger_column = 'n'",
        "error: dataset_sort: option `trigger_column` is meaningless without sort_across_slices\n",
    );
    t(
        "sort_columns = 'n', trigger_column = 'x', sort_across_slices = true",
        "error: dataset_sort: option `trigger_column` `x` is not one of sort_columns (it can only trigger on a column that is sorted on)\n",
    );
    t("sort_columns = 'n', sort_order = 'up'", "sort_order");
    Test::new()
        .method("ties", TIES)
        .build("function main(urd) urd:build('dataset_sort', {sort_columns = 'n'}) end")
        .status(1)
        .stderr_contains("error: dataset_sort: datasets.source is required\n")
        .run();
    Test::new()
        .method("ties", TIES)
        .build("function main(urd) urd:build('dataset_hashpart', {source = urd:build('ties'):dataset(), hashlabel = 'm'}) end")
        .any_stdout()
        .status(1)
        .stderr_contains("error: dataset_hashpart: hashlabel: dataset test-0/default has no column `m` (columns: n, x)\n")
        .run();
    Test::new()
        .method("ties", TIES)
        .build("function main(urd) urd:build('dataset_unroundrobin', {source = urd:build('ties'):dataset(), trigger_column = 'nn'}) end")
        .any_stdout()
        .status(1)
        .stderr_contains("error: dataset_unroundrobin: trigger_column: dataset test-0/default has no column `nn` (did you mean `n`?)")
        .run();
}

#[test]
fn sorts_plain_strings_and_carries_json_and_empty_slices() {
    // 70,000 distinct strings in one slice: stored plain (not as a dictionary), so they sort
    // by comparison; a json column rides along; the other slice is empty.
    Test::new()
        .method(
            "many",
            r#"
            function synthesis(job)
              local dw = job:datasetwriter()
              dw:add('s', 'ascii', {none_support = true})
              dw:add('j', 'json')
              dw:set_slice(0)
              for i = 1, 70000 do dw:write(('%06d'):format(i * 7919 % 70001), {i = i}) end
              dw:write(nil, {i = 0})
              dw:write('', {i = -1})
            end
            "#,
        )
        .method(
            "empty",
            "function synthesis(job) local dw = job:datasetwriter() dw:add('n', 'int64') end",
        )
        .build(
            "
            function main(urd)
              local src = urd:build('many'):dataset()
              for _, across in ipairs{false, true} do
                local ds = urd:build('dataset_sort', {source = src, sort_columns = 's', sort_across_slices = across}):dataset()
                local prev, n, first = nil, 0, {}
                for cnt, s, j in ds:iterate_chunks(nil, {'s', 'j'}) do
                  for i = 1, cnt do
                    local v = s[i] or ''
                    assert(not prev or v >= prev, 'out of order at ' .. n)
                    if s[i] and s[i] ~= '' then assert(('%06d'):format(j[i].i * 7919 % 70001) == s[i]) end
                    if n < 3 then first[#first + 1] = tostring(s[i]) .. '=' .. j[i].i end
                    prev, n = v, n + 1
                  end
                end
                print(across, n, ds:lines(0), ds:lines(1), table.concat(first, ' '))
              end
              local e = urd:build('empty'):dataset()
              for _, m in ipairs{{'dataset_sort', {sort_columns = 'n', sort_across_slices = true}}, {'dataset_hashpart', {hashlabel = 'n'}}, {'dataset_unroundrobin', {}}} do
                m[2].source = e
                local ds = urd:build(m[1], m[2]):dataset()
                print(m[1], ds:lines(), ds.columns.n.type)
              end
            end
            ",
        )
        .stdout(
            "false\t70002\t70002\t0\tnil=0 =-1 000001=46355\n\
             true\t70002\t35001\t35001\tnil=0 =-1 000001=46355\n\
             dataset_sort\t0\tint64\n\
             dataset_hashpart\t0\tint64\n\
             dataset_unroundrobin\t0\tint64\n",
        )
        .run();
}
