//! Hostile input (issue 14, items 3-5): references and job-file names that try to leave their
//! directory (`..`, symlinks, NUL), slice numbers out of range, running out of memory, and bad
//! accelerator.conf values.

use crate::test::Test;

const MAKE_DS: &str = "
function synthesis(job)
  local dw = job:datasetwriter()
  dw:add('a', 'int64')
  dw:set_slice(0)
  dw:write(1)
end
";

/// A job method that plants a symlink to a file outside (`link`) and one to the directory outside
/// (`dirlink`), then makes the file call named by its option.
const FILES: &str = "
options = {what = 'x', outside = 'x'}
function synthesis(job)
  os.execute('ln -s ' .. options.outside .. '/secret ' .. job.path .. '/link')
  os.execute('ln -s ' .. options.outside .. ' ' .. job.path .. '/dirlink')
  local w = options.what
  if w == 'nul' then job:open('nul\\0name', 'w') end
  if w == 'open' then job:open('link', 'w'):write('overwritten') end
  if w == 'append' then job:open('dirlink/secret', 'a'):write('appended') end
  if w == 'save' then job:save(1, 'dirlink/x') end
  if w == 'glob' then job:register_files('*') end
  if w == 'regfile' then job:register_file('link') end
  if w == 'load' then job:load('link') end
  if w == 'read' then job:open('dirlink/secret') end
  if w == 'filename' then job:filename('x', {sliceno = 99}) end
  if w == 'loadslice' then job:load('x', {sliceno = 2}) end
  if w == 'nulsave' then job:save(1, 'a\\0b') end
  if w == 'link_result' then job:link_result('../test-0/setup.json') end
end
";

/// Every escape is an error naming the call and the value; nothing outside is written or read.
#[test]
fn job_files_never_leave_the_job_directory() {
    let t = Test::new()
        .method("mk", MAKE_DS)
        .method("files", FILES)
        .method(
            "use",
            "datasets = {'source'}\nfunction synthesis(job) return datasets.source.lines end\n",
        )
        .file("outside/secret", "secret\n");
    let outside = t.path().join("outside").to_string_lossy().into_owned();
    let out = t
        .build(&format!(
            "
            function main(urd)
              local j = urd:build('mk')
              print(pcall(function() return j:dataset('../../../outside/ds').lines end))
              print(pcall(urd.build, urd, 'use', {{datasets = {{source = 'test-0/../../../outside/ds'}}}}))
              for _, w in ipairs{{'nul', 'open', 'append', 'save', 'glob', 'regfile', 'load', 'read',
                                  'filename', 'loadslice', 'nulsave', 'link_result'}} do
                print(w, select(2, pcall(urd.build, urd, 'files', {{what = w, outside = '{outside}'}})))
              end
            end
            "
        ))
        .stdout(
            "
            false\tbuild.lua:3: dataset `test-0/../../../outside/ds`: `../../../outside/ds` is not a valid dataset name (use letters, digits, `_`, `-` and `.`, not first)
            false\tbuild.lua:4: method `use`, dataset `source`: dataset `test-0/../../../outside/ds`: `../../../outside/ds` is not a valid dataset name (use letters, digits, `_`, `-` and `.`, not first)
            nul\tmethods/files.lua:6: job:open: job test-1: `nul\\0name` is not a file name (it holds a NUL byte)
            open\tmethods/files.lua:7: job:open: job test-2: `link` leads out of the job directory (through a symlink)
            append\tmethods/files.lua:8: job:open: job test-3: `dirlink/secret` leads out of the job directory (through a symlink)
            save\tmethods/files.lua:9: job:save: job test-4: `dirlink/x` leads out of the job directory (through a symlink)
            glob\tmethods/files.lua:10: job test-5: register_files('*'): `link` leads out of the job directory (through a symlink)
            regfile\tmethods/files.lua:11: job:register_file: job test-6: `link` leads out of the job directory (through a symlink)
            load\tmethods/files.lua:12: job:load: job test-7: `link` leads out of the job directory (through a symlink)
            read\tmethods/files.lua:13: job:open: job test-8: `dirlink/secret` leads out of the job directory (through a symlink)
            filename\tmethods/files.lua:14: job:filename: sliceno 99 is out of range; this project has 2 slices (0 to 1)
            loadslice\tmethods/files.lua:15: job:load: sliceno 2 is out of range; this project has 2 slices (0 to 1)
            nulsave\tmethods/files.lua:16: job:save: job test-11: `a\\0b` is not a file name (it holds a NUL byte)
            link_result\tmethods/files.lua:17: job:link_result: job test-12: `../test-0/setup.json` is not a file name inside the job directory (use a relative name without `..`)
            ",
        )
        .stderr_contains("built  test-0 mk")
        .run();
    assert_eq!(out.read("outside/secret"), "secret\n", "nothing outside was written");
    let mut listing: Vec<String> = std::fs::read_dir(out.path().join("outside"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    listing.sort();
    assert_eq!(listing, ["secret"]);
    assert!(!out.exists("workdirs/test/test-1/nul"), "no file cut short at the NUL");
    assert!(!out.exists("workdirs/test/test-1/post.json"), "the job failed");
}

/// `exax ds`, `exax cat` and `exax job -f` refuse the same escapes.
#[test]
fn commands_refuse_escapes() {
    let t = Test::new().method("mk", MAKE_DS).file("outside/secret", "secret\n");
    let outside = t.path().join("outside").to_string_lossy().into_owned();
    let out = t
        .build(&format!(
            "function main(urd)\n  local j = urd:build('mk')\n  os.execute('ln -s {outside}/secret ' .. j.path .. '/link; ln -s {outside} ' .. j.path .. '/dirlink')\nend\n"
        ))
        .any_stdout()
        .run();
    let name = "`../../../../outside/ds` is not a valid dataset name (use letters, digits, `_`, `-` and `.`, not first)";
    for cmd in ["ds", "cat"] {
        Test::again(out_clone(&out))
            .args(&[cmd, "test-0/../../../../outside/ds"])
            .stderr(&format!("error: dataset `test-0/../../../../outside/ds`: {name}\n"))
            .status(1)
            .run();
    }
    for (file, err) in [
        ("link", "`link` leads out of the job directory (through a symlink)"),
        (
            "dirlink/secret",
            "`dirlink/secret` leads out of the job directory (through a symlink)",
        ),
        (
            "../test-0/setup.json",
            "`../test-0/setup.json` is not a file name inside the job directory (use a relative name without `..`)",
        ),
    ] {
        Test::again(out_clone(&out))
            .args(&["job", "test-0", "-f", file])
            .stderr(&format!("error: job test-0: {err}\n"))
            .status(1)
            .run();
    }
}

/// `Test::again` takes the directory; this keeps one project for several commands.
fn out_clone(out: &crate::test::Output) -> crate::test::Output {
    let dir = tempfile::Builder::new().prefix("exax-test").tempdir().unwrap();
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", out.path().display()))
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    // The symlinks point at the first copy's `outside`, which still exists: the escape is the same.
    crate::test::Output {
        stdout: String::new(),
        stderr: String::new(),
        status: 0,
        dir,
    }
}

/// A dataset directory that is a symlink out of the workdir is refused.
#[test]
fn dataset_symlinked_out_of_the_workdir() {
    let out = Test::new()
        .method("mk", MAKE_DS)
        .build("function main(urd) urd:build('mk') end\n")
        .any_stdout()
        .run();
    let wd = out.path().join("workdirs/test");
    std::fs::rename(wd.join("test-0/DS/default"), out.path().join("elsewhere")).unwrap();
    std::os::unix::fs::symlink(out.path().join("elsewhere"), wd.join("test-0/DS/default")).unwrap();
    let wd_conf = out.path().join("workdirs/test");
    Test::again(out)
        .args(&["ds", "test-0"])
        .stderr(&format!(
            "error: dataset test-0/default leads out of workdir `test` ({})\n",
            wd_conf.display()
        ))
        .status(1)
        .run();
}

const UNDER_1GB: &str = "ulimit -v 1000000";

/// A Lua state that runs out fails its job with "not enough memory" and a failure record, in
/// every phase; a build script that runs out says so in one line.
#[test]
fn running_out_of_memory_in_lua_is_an_error() {
    let grow = "local s = 'x'\n  while true do s = s .. s end";
    for (phase, sig) in [("prepare", "job"), ("analysis", "sliceno"), ("synthesis", "job")] {
        // Either analysis slice may run out first.
        let place = if phase == "analysis" {
            "analysis (slice ".to_string()
        } else {
            format!("{phase}\n")
        };
        let out = Test::new()
            .under_shell(UNDER_1GB)
            .method("big", &format!("function {phase}({sig})\n  {grow}\nend\n"))
            .build("function main(urd) urd:build('big') end\n")
            .stderr_contains(&format!(
                "error: not enough memory\n  job:    test-0 (method big)\n  phase:  {place}"
            ))
            .status(1)
            .run();
        assert!(out.stderr.starts_with("error: not enough memory\n"), "{}", out.stderr);
        assert_eq!(out.stderr.matches("error:").count(), 1, "{}", out.stderr);
        let failure = out.read("workdirs/test/test-0/failure.json");
        assert!(failure.contains("\"message\": \"not enough memory\""), "{failure}");
    }
    Test::new()
        .under_shell(UNDER_1GB)
        .build(&format!("function main(urd)\n  {grow}\nend\n"))
        .stderr("error: not enough memory\n")
        .status(1)
        .run();
}

/// Rust's own allocation failing is one `error:` line and exit 1, never Rust's backtrace.
#[test]
fn running_out_of_memory_in_rust_is_one_line() {
    Test::new()
        .under_shell(UNDER_1GB)
        .env("RUST_BACKTRACE", "1")
        .method(
            "big",
            "function prepare(job)\n  local s = string.rep('x', 100000000)\n  job:save({s, s, s, s, s, s, s, s}, 'big')\nend\n",
        )
        .build("function main(urd) urd:build('big') end\n")
        .stderr("error: not enough memory: exax could not allocate 100000000 bytes (see `ulimit -v` and the memory of this machine)\n")
        .status(1)
        .run();
}

/// Bad accelerator.conf values are errors with file and line.
#[test]
fn config_values_are_checked() {
    for (conf, line, message) in [
        (
            "slices: \"2\"\nworkdirs: test ./wd\n",
            1,
            "slices: expected a whole number from 1 to 1024, got the quoted text `\"2\"` (write it without quotes)",
        ),
        (
            "slices: 2\nworkdirs: test ./wd\nboard listen: not-an-address\n",
            3,
            "board listen: `not-an-address` is not an address (expected `host:port`, like `127.0.0.1:8520` or `localhost:8520`)",
        ),
        (
            "slices: 2\nworkdirs: test ./wd\nurd: ::::\n",
            3,
            "urd: `::::` is not an http:// URL (expected `http://host:port`, where `exax urd-server` listens)",
        ),
        (
            "slices: 2\nworkdirs:\n  a ./wd\n  test ./wd/\n",
            4,
            "workdirs `a` and `test` are one directory (DIR/wd); each workdir needs its own",
        ),
        (
            "slices: 2\nworkdirs: test ./wd\nresult directory: ./afile\n",
            3,
            "result directory: DIR/afile is a file, not a directory",
        ),
    ] {
        let t = Test::empty()
            .file("accelerator.conf", conf)
            .file("afile", "x\n")
            .build("function main(urd) end\n");
        let dir = t.path().to_string_lossy().into_owned();
        let out = t.status(1).any_stdout().run();
        assert_eq!(
            out.stderr.replace(&dir, "DIR"),
            format!("error: DIR/accelerator.conf:{line}: {message}\n")
        );
    }
    let t = Test::empty().build("function main(urd) end\n");
    std::fs::write(t.path().join("accelerator.conf"), b"slices: 2\nworkdirs: test ./wd\n# caf\xe9\n").unwrap();
    let dir = t.path().to_string_lossy().into_owned();
    let out = t.status(1).run();
    assert_eq!(
        out.stderr.replace(&dir, "DIR"),
        "error: DIR/accelerator.conf:3: the file is not UTF-8 text\n"
    );
}
