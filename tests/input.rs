//! Input files (manual 8.11): job:input_directory(), job:input_filename(...), job:open_input();
//! no path may lead out of the input directory, by `..`, an absolute path or a symlink.

use crate::test::Test;

fn input_project() -> Test {
    let t = Test::new()
        .file("input/thefile", "line 1\nline 2\n")
        .file("input/or/a/path/to/thefile", "deep\n")
        .file("outside/secret", "secret\n")
        .file("outside/dir/file", "also secret\n");
    let root = t.path().to_path_buf();
    std::os::unix::fs::symlink(root.join("outside/secret"), root.join("input/link_out")).unwrap();
    std::os::unix::fs::symlink(root.join("outside/dir"), root.join("input/dir_out")).unwrap();
    std::os::unix::fs::symlink(root.join("input/or"), root.join("input/link_in")).unwrap();
    std::os::unix::fs::symlink(root.join("nowhere"), root.join("input/dangling")).unwrap();
    t
}

#[test]
fn helpers_from_the_manual() {
    let t = input_project();
    let root = t.path().canonicalize().unwrap().display().to_string();
    t.method(
        "reader",
        "
        function synthesis(job)
          print(job:input_directory())
          print(job:input_filename('thefile'))
          print(job:input_filename('or', 'a', 'path', 'to', 'thefile'))
          print(job:input_filename('or/a', 'path/to/thefile'))
          local fh = job:open_input('thefile', 'rb')
          print(fh:read('l'), io.type(fh))
          fh:close()
          print(job:open_input('or/a/path/to/thefile'):read('a'))
          print(job:open_input('link_in/a/path/to/thefile'):read('l'))
        end
        ",
    )
    .build("function main(urd) urd:build('reader') end")
    .stdout(&format!(
        "{root}/input\n{root}/input/thefile\n{root}/input/or/a/path/to/thefile\n{root}/input/or/a/path/to/thefile\nline 1\tfile\ndeep\n\ndeep\n"
    ))
    .run();
}

#[test]
fn paths_may_not_escape_the_input_directory() {
    let t = input_project();
    let root = t.path().canonicalize().unwrap().display().to_string();
    t.method(
        "escape",
        "
        function synthesis(job)
          local function say(...) print((select(2, pcall(...)))) end
          say(job.input_filename, job, '../outside/secret')
          say(job.input_filename, job, 'or', '../../outside/secret')
          say(job.input_filename, job, '/etc/passwd')
          say(job.input_filename, job, 'link_out')
          say(job.input_filename, job, 'dir_out', 'file')
          say(job.input_filename, job, 'dir_out', 'not', 'there')
          say(job.input_filename, job, 'dangling')
          say(job.open_input, job, '../outside/secret')
          say(job.open_input, job, '/etc/passwd')
          say(job.open_input, job, 'link_out')
          say(job.open_input, job, 'dir_out/file')
          say(job.open_input, job, 'thefile', 'w')
          say(job.open_input, job, 'thefile', 'r+')
          say(job.open_input, job, 'thefile', 'a')
          say(job.open_input, job, 'missing')
        end
        ",
    )
    .build("function main(urd) urd:build('escape') end")
    .stdout(&format!(
        "
        methods/escape.lua:2: job:input_filename: input file `../outside/secret` must stay inside the input directory ({root}/input)
        methods/escape.lua:2: job:input_filename: input file `or/../../outside/secret` must stay inside the input directory ({root}/input)
        methods/escape.lua:2: job:input_filename: input file `/etc/passwd` must stay inside the input directory ({root}/input)
        methods/escape.lua:2: job:input_filename: input file `link_out` leads out of the input directory ({root}/input)
        methods/escape.lua:2: job:input_filename: input file `dir_out/file` leads out of the input directory ({root}/input)
        methods/escape.lua:2: job:input_filename: input file `dir_out/not/there` leads out of the input directory ({root}/input)
        methods/escape.lua:2: job:input_filename: input file `dangling` leads out of the input directory ({root}/input)
        methods/escape.lua:2: job:open_input: input file `../outside/secret` must stay inside the input directory ({root}/input)
        methods/escape.lua:2: job:open_input: input file `/etc/passwd` must stay inside the input directory ({root}/input)
        methods/escape.lua:2: job:open_input: input file `link_out` leads out of the input directory ({root}/input)
        methods/escape.lua:2: job:open_input: input file `dir_out/file` leads out of the input directory ({root}/input)
        methods/escape.lua:2: job:open_input: input files are read-only; mode 'w' is not allowed (use 'r' or 'rb')
        methods/escape.lua:2: job:open_input: input files are read-only; mode 'r+' is not allowed (use 'r' or 'rb')
        methods/escape.lua:2: job:open_input: input files are read-only; mode 'a' is not allowed (use 'r' or 'rb')
        methods/escape.lua:2: job:open_input: no file `missing` in the input directory ({root}/input)
        "
    ))
    .run();
}

#[test]
fn a_missing_input_directory_is_an_error_only_when_read() {
    let out = Test::new()
        .method(
            "m",
            "function synthesis(job) print(job:input_filename('x') == job:input_directory() .. '/x') job:open_input('x') end",
        )
        .build("function main(urd) urd:build('m') end")
        .stdout("true\n")
        .status(1)
        .run();
    let root = out.path().canonicalize().unwrap().display().to_string();
    assert!(
        out.stderr.starts_with(&format!(
            "error: methods/m.lua:1: job:open_input: the input directory {root}/input does not exist\n"
        )),
        "{}",
        out.stderr
    );
}
