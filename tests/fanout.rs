//! dataset_fanout: one dataset per value, chained to the previous fanout's, errors.

use crate::test::Test;

const MK: &str = r#"options = {rows = {{str}}}
function synthesis(job)
  local dw = job:datasetwriter()
  dw:add('k', 'unicode', {none_support = true})
  dw:add('v', 'int64')
  for i, r in ipairs(options.rows) do dw:set_slice(i % 2) dw:write(r[1] ~= 'nil' and r[1] or nil, tonumber(r[2])) end
end
"#;

const BUILD: &str = r#"function main(urd)
  local a = urd:build('mk', {rows = {{'x', '1'}, {'y', '2'}, {'x', '3'}, {'nil', '4'}, {'x', '5'}}})
  local f = urd:build('dataset_fanout', {source = a:dataset(), column = 'k'})
  print(table.concat(f:load(), ','))
  for _, ds in ipairs(f:datasets()) do
    local vs = {}
    for v in ds:iterate(nil, 'v') do vs[#vs + 1] = v end
    print(ds.name, table.concat(vs, ' '), ds:lines(0), ds:lines(1))
  end
  local b = urd:build('mk', {rows = {{'y', '7'}, {'z', '8'}}})
  local g = urd:build('dataset_fanout', {source = b:dataset(), column = 'k', previous = f})
  print(table.concat(g:load(), ','))
  for _, ds in ipairs(g:datasets()) do
    local vs = {}
    for v in ds:iterate_chain(nil, 'v') do vs[#vs + 1] = v end
    print(ds.name, table.concat(vs, ' '))
  end
  print(pcall(urd.build, urd, 'dataset_fanout', {source = a:dataset(), column = 'kk'}))
end
"#;

#[test]
fn one_dataset_per_value_chained_to_the_previous_fanout() {
    Test::new()
        .method("mk", MK)
        .build(BUILD)
        .stdout(
            "
            None,x,y
            None\t4\t1\t0
            x\t1 3 5\t0\t3
            y\t2\t1\t0
            None,x,y,z
            None\t4
            x\t1 3 5
            y\t2 7
            z\t8
            false\tdataset_fanout: column: dataset test-0/default has no column `kk` (did you mean `k`?) (columns: k, v)
            ",
        )
        .run();
}

#[test]
fn a_value_that_cannot_name_a_dataset_is_an_error() {
    Test::new()
        .method("mk", MK)
        .build("function main(urd)\n  local a = urd:build('mk', {rows = {{'a/b', '1'}}})\n  urd:build('dataset_fanout', {source = a, column = 'k'})\nend")
        .status(1)
        .stderr_contains("error: dataset_fanout: column `k` has the value \"a/b\", which cannot name a dataset")
        .run();
}
