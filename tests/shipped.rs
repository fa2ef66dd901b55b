//! The methods shipped with exax (embedded from `methods/`): csvimport (dataset_sort,
//! dataset_hashpart and dataset_unroundrobin are in sort.rs).

use crate::test::Test;

const PEOPLE: &str = "name,city,note\nada,london,\"says \"\"hi\"\", then\"\nbob,paris,plain\n\"multi\nline\",oslo,x\n\neve,rome,last\n";

#[test]
fn csvimport_reads_quotes_multiline_fields_and_round_robins() {
    Test::new()
        .file("input/people.csv", PEOPLE)
        .build(
            "
            function main(urd)
              local job = urd:build('csvimport', {filename = 'people.csv'})
              local r = job:load()
              print(r.lines, table.concat(r.columns, ','))
              local ds = job:dataset()
              print(ds.columns.note.type, ds:lines(0), ds:lines(1), ds.caption)
              for name, city, note in ds:iterate(nil, {'name', 'city', 'note'}) do print(name, city, note) end
            end
            ",
        )
        .stdout("4\tname,city,note\nunicode\t2\t2\tpeople.csv\nada\tlondon\tsays \"hi\", then\nmulti\nline\toslo\tx\nbob\tparis\tplain\neve\trome\tlast\n")
        .run();
}

#[test]
fn csvimport_labels_separator_and_chains() {
    Test::new()
        .file("input/a.tsv", "1\tx\n2\ty\n")
        .file("input/b.tsv", "3\tz\n")
        .build(
            "
            function main(urd)
              local a = urd:build('csvimport', {filename = 'a.tsv', separator = '\\t', labels = {'n', 's'}})
              local b = urd:build('csvimport', {filename = 'b.tsv', separator = '\\t', labels = {'n', 's'}, previous = a:dataset()})
              local all = {}
              for n, s in b:dataset():iterate_chain(nil, {'n', 's'}) do all[#all + 1] = n .. s end
              table.sort(all)
              print(table.concat(all, ' '))
            end
            ",
        )
        .stdout("1x 2y 3z\n")
        .run();
}

#[test]
fn csvimport_errors_name_the_file_and_line() {
    Test::new()
        .file("input/bad.csv", "a,b\n1,2\n3\n")
        .build("function main(urd) urd:build('csvimport', {filename = 'bad.csv'}) end")
        .status(1)
        .stderr_contains("error: csvimport: bad.csv:3: 1 field, expected 2\n  job:    test-0 (method csvimport)\n")
        .run();
    Test::new()
        .build("function main(urd) urd:build('csvimport', {filename = 'nope.csv'}) end")
        .status(1)
        .stderr_contains("error: csvimport: cannot open nope.csv in the input directory: ")
        .run();
    Test::new()
        .build("function main(urd) urd:build('csvimport') end")
        .status(1)
        .stderr_contains("method `csvimport`: required option `filename` (required(str)) is not given")
        .run();
}

#[test]
fn shipped_methods_are_listed_after_the_projects() {
    Test::new()
        .method("mine", "description = 'My own.'\nfunction synthesis() end")
        .args(&["method"])
        .stdout(
            "mine  My own.\n\nshipped with exax:\n\
             csvimport             Import a CSV file from the input directory into a dataset.\n\
             dataset_hashpart      Rewrite a dataset (or a chain) with a new hashlabel.\n\
             dataset_sort          Stable sort of a dataset (or a chain) on one or more columns.\n\
             dataset_unroundrobin  Put a round-robin sliced dataset back in file order.\n",
        )
        .run();
}

#[test]
fn the_readme_example_works_as_written() {
    let readme = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme.find("-- methods/revenue.lua\n").unwrap() + "-- methods/revenue.lua\n".len();
    let middle = readme[start..].find("\n-- build.lua\n").unwrap() + start;
    let end = readme[middle..].find("```").unwrap() + middle;
    Test::new()
        .file("input/sales.csv", "region,amount\nnorth,10\nsouth,5\nnorth,2.5\n")
        .method("revenue", &readme[start..middle + 1])
        .build(&readme[middle + "\n-- build.lua\n".len()..end])
        .args(&["run", "-q"])
        .stdout("north\t12.5\nsouth\t5\n")
        .run();
}
