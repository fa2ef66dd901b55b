//! Output capture (spec section 4, manual 8.13): everything a phase writes to stdout and stderr,
//! from Lua and from child processes, is echoed live and stored in OUTPUT/<part>; no empty files;
//! job:output() and `exax job ID -O [PART]`.

use crate::test::{Output, Test};

const CONF3: &str = "slices: 3\nworkdirs:\n    test ./workdirs/test\nmethod directories:\n    ./methods\n";

/// Every phase and slice but slice 1 talks in every way a method can.
const TALK: &str = r#"
local function talk(tag)
  io.write(tag, '-write\n')
  io.stderr:write(tag, '-stderr\n')
  io.write(tag, '-partial ')
  os.execute('echo ' .. tag .. '-shell; echo ' .. tag .. '-shell-stderr >&2')
  local p = io.popen('echo ' .. tag .. '-popen; echo ' .. tag .. '-popen-stderr >&2')
  io.write('read ', p:read('a'))
  p:close()
  print(tag .. '-print', 42)
end
function prepare() talk('prepare') end
function analysis(sliceno) if sliceno ~= 1 then talk('slice' .. sliceno) end end
function synthesis() talk('synthesis') io.write('no newline at the end') end
"#;

fn talked(tag: &str) -> String {
    format!(
        "{tag}-write\n{tag}-stderr\n{tag}-partial {tag}-shell\n{tag}-shell-stderr\n{tag}-popen-stderr\nread {tag}-popen\n{tag}-print\t42\n"
    )
}

fn part(out: &Output, name: &str) -> String {
    out.read(&format!("workdirs/test/test-0/OUTPUT/{name}"))
}

#[test]
fn every_phase_and_slice_is_captured_in_order() {
    let out = Test::new()
        .file("accelerator.conf", CONF3)
        .method("talk", TALK)
        .build("function main(urd) urd:build('talk') end")
        .any_stdout()
        .run();
    assert_eq!(part(&out, "prepare"), talked("prepare"));
    assert_eq!(part(&out, "0"), talked("slice0"));
    assert_eq!(part(&out, "2"), talked("slice2"));
    assert_eq!(part(&out, "synthesis"), talked("synthesis") + "no newline at the end");
    let mut files: Vec<String> = std::fs::read_dir(out.path().join("workdirs/test/test-0/OUTPUT"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["0", "2", "prepare", "synthesis"], "no file for the silent slice 1");

    // The live echo carries the same lines (slices interleave, lines stay whole).
    let mut echoed: Vec<&str> = out.stdout.lines().collect();
    let all = talked("prepare") + &talked("slice0") + &talked("slice2") + &talked("synthesis") + "no newline at the end\n";
    let mut want: Vec<&str> = all.lines().collect();
    echoed.sort();
    want.sort();
    assert_eq!(echoed, want);
    let prepare_lines = talked("prepare");
    assert!(out.stdout.starts_with(&prepare_lines), "prepare is echoed before the slices start");

    // job:output() from a build script that reuses the job (no echo this time).
    let everything = talked("prepare") + &talked("slice0") + &talked("slice2") + &talked("synthesis") + "no newline at the end";
    let out = Test::again(out)
        .build(
            r#"
            function main(urd)
              local j = urd:build('talk')
              io.write(j:output(), '|\n')
              io.write(j:output('prepare'), j:output(0), j:output('2'), j:output('synthesis'), '|\n')
              print(j:output(1) == '', j:output('1') == '')
              for _, bad in ipairs({3, '3', -1, 'analysis', 'result'}) do print(select(2, pcall(j.output, j, bad))) end
              print(select(2, pcall(j.output, j, true)))
            end
            "#,
        )
        .stdout(&format!(
            "{everything}|\n{everything}|\ntrue\ttrue\n{}",
            crate::test::unindent(
                "
                build.lua:6: job:output: job test-0 has slices 0 to 2, no slice 3
                build.lua:6: job:output: job test-0 has slices 0 to 2, no slice 3
                build.lua:6: job:output: job test-0 has slices 0 to 2, no slice -1
                build.lua:6: job:output: no part `analysis`; parts are 'prepare', 'synthesis' and slice numbers
                build.lua:6: job:output: no part `result`; parts are 'prepare', 'synthesis' and slice numbers
                build.lua:7: job:output: expected a part name or slice number, got a boolean
                "
            )
        ))
        .run();

    // exax job ID -O [PART]
    let out = Test::again(out).args(&["job", "test-0", "-O"]).stdout(&everything).run();
    let out = Test::again(out)
        .args(&["job", "test-0", "-O", "prepare"])
        .stdout(&talked("prepare"))
        .run();
    let out = Test::again(out).args(&["job", "test-0", "-O", "2"]).stdout(&talked("slice2")).run();
    let out = Test::again(out).args(&["job", "test-0", "--output", "1"]).stdout("").run();
    let out = Test::again(out)
        .args(&["job", "test-0", "-O", "synthesis"])
        .stdout(&(talked("synthesis") + "no newline at the end"))
        .run();
    let out = Test::again(out)
        .args(&["job", "test-0", "-O", "3"])
        .status(1)
        .stderr("error: no output part `3`; parts are prepare, synthesis and slices 0 to 2\n")
        .run();
    Test::again(out)
        .args(&["job", "test-0", "-O", "analysis"])
        .status(1)
        .stderr("error: no output part `analysis`; parts are prepare, synthesis and slices 0 to 2\n")
        .run();
}

#[test]
fn a_silent_job_has_no_output_files() {
    let out = Test::new()
        .method(
            "quiet",
            "function prepare() end\nfunction analysis(sliceno) end\nfunction synthesis() io.write('') end",
        )
        .build("function main(urd) local j = urd:build('quiet') print(j:output() == '', j:output('prepare') == '') end")
        .stdout("true\ttrue\n")
        .run();
    assert!(!out.exists("workdirs/test/test-0/OUTPUT"));
    Test::again(out).args(&["job", "test-0", "-O"]).stdout("").run();
}

#[test]
fn output_reaches_the_running_job_and_survives_a_failure() {
    let out = Test::new()
        .method(
            "m",
            "
            function prepare() print('from prepare') end
            function analysis(sliceno) print('from slice ' .. sliceno) end
            function synthesis(job)
              print('so far: ' .. job:output():gsub('\\n', ' '))
              error('stop')
            end
            ",
        )
        .build("function main(urd) urd:build('m') end")
        .status(1)
        .any_stdout()
        .run();
    assert_eq!(part(&out, "synthesis"), "so far: from prepare from slice 0 from slice 1 \n");
    Test::again(out)
        .args(&["job", "test-0", "-O"])
        .stdout("from prepare\nfrom slice 0\nfrom slice 1\nso far: from prepare from slice 0 from slice 1 \n")
        .run();
}

#[test]
fn much_output_does_not_block() {
    let out = Test::new()
        .method(
            "loud",
            "
            function analysis(sliceno) for i = 1, 20000 do io.write(sliceno, ' line ', i, '\\n') end end
            function synthesis() local s = string.rep('x', 300000) io.stderr:write(s, '\\n') print(#s) end
            ",
        )
        .build("function main(urd) local j = urd:build('loud') io.stderr:write(tostring(#j:output() == #j:output(0) + #j:output(1) + #j:output('synthesis')), '\\n') end")
        .any_stdout()
        .run();
    assert_eq!(part(&out, "1").lines().count(), 20000);
    assert_eq!(part(&out, "synthesis").len(), 300001 + 7);
    assert!(out.stderr.starts_with("built  test-0 loud (TIME)\ntrue\n"), "{}", out.stderr);
}
