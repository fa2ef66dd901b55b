//! Descriptions (manual 8.12) and `exax method [NAME]`: the list of methods with the first line
//! of each description, and one method in full.

use crate::test::Test;

const RATINGS: &str = r#"
description = [[
Collect movie ratings.
Movie ratings are collected using a parallel interation
over all...

  indented detail
]]
options = {
  x = 37, f = 1.5, s = 'text', b = false, l = {1, 2},
  t = float, li = {int}, m = {[str] = float},
  e = enum('fast', 'slow'):default('slow'), r = required(int),
}
datasets = {'source', {'many'}}
jobs = {'previous', {'earlier'}}
depend_extra = {'ratings.csv'}
function analysis(sliceno) end
"#;

fn project() -> Test {
    Test::new()
        .file(
            "accelerator.conf",
            "slices: 2\nworkdirs:\n    test ./workdirs/test\nmethod directories:\n    ./methods\n    ./more\n",
        )
        .method("ratings", RATINGS)
        .file("methods/ratings.csv", "a,b\n")
        .method(
            "b_blank_first",
            "description = [[\n\n   Leading blank lines are skipped.  \nmore]]\nfunction synthesis() end",
        )
        .method("c_none", "function synthesis() end")
        .method("d_module", "return {answer = 42}")
        .method("e_broken", "description = 'never seen'\nfunction synthesis( end")
        .file(
            "more/a_other_dir.lua",
            "description = 'From the second method directory.'\nfunction prepare() end",
        )
        .file(
            "more/c_none.lua",
            "description = 'Hidden by methods/c_none.lua.'\nfunction prepare() end",
        )
}

#[test]
fn method_lists_every_method_with_its_first_line() {
    project()
        .args(&["method"])
        .stdout(
            "
            b_blank_first  Leading blank lines are skipped.
            c_none
            e_broken       (cannot load: methods/e_broken.lua:2: <name> or '...' expected near 'end')
            ratings        Collect movie ratings.
            a_other_dir    From the second method directory.

            shipped with exax:
            csvimport     Import a CSV file from the input directory into a dataset.
            dataset_type  Type text columns (bytes, ascii, unicode) of a dataset by the original's type names.
            ",
        )
        .run();
}

#[test]
fn method_name_shows_everything() {
    let out = project()
        .args(&["method", "ratings"])
        .stdout(
            "
            ratings  (methods/ratings.lua)

              Collect movie ratings.
              Movie ratings are collected using a parallel interation
              over all...

                indented detail

            options:
              b   bool                  default false
              e   enum('fast', 'slow')  default 'slow'
              f   float                 default 1.5
              l   table                 default {1, 2}
              li  {int}                 default nil
              m   {[str] = float}       default nil
              r   required(int)         (required)
              s   str                   default 'text'
              t   float                 default nil
              x   int                   default 37

            datasets:
              source
              many  (list)

            jobs:
              previous
              earlier  (list)

            depend_extra: ratings.csv

            phases: analysis
            ",
        )
        .run();
    let out = Test::again(out)
        .args(&["method", "a_other_dir"])
        .stdout("a_other_dir  (more/a_other_dir.lua)\n\n  From the second method directory.\n\nphases: prepare\n")
        .run();
    let out = Test::again(out)
        .args(&["method", "c_none"])
        .stdout("c_none  (methods/c_none.lua)\n\nphases: synthesis\n")
        .run();
    let out = Test::again(out)
        .args(&["method", "d_module"])
        .status(1)
        .stderr("error: methods/d_module.lua defines no phase (prepare, analysis or synthesis): it is a module, not a method\n")
        .run();
    let out = Test::again(out)
        .args(&["method", "e_broken"])
        .status(1)
        .stderr("error: methods/e_broken.lua:2: <name> or '...' expected near 'end'\n")
        .run();
    Test::again(out)
        .args(&["method", "ratigns"])
        .status(1)
        .stderr("error: unknown method `ratigns` (did you mean `ratings`?); methods are the .lua files in methods, more\n")
        .run();
}
