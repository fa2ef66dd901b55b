//! `urd:build_all` (issue 17, item 5): independent builds at once, each in a child process. The
//! results, reuse and joblist order are those of the same builds one after the other; a failed
//! build stops new ones, lets the running ones finish and names its call; `jobs at once` and the
//! run's worker slots bound what runs at once. Job numbers of builds that run at once depend on
//! which child allocates first, so tests compare ids across runs instead of spelling them.

use crate::test::{Test, CONF};

/// Two slices; the result depends on both analysis slices and on the options.
const M: &str = "
options = {x = 0, sleep_ms = 0}
function analysis(sliceno)
  return options.x * 10 + sliceno
end
function synthesis(analysis_res)
  if options.sleep_ms > 0 then os.execute('sleep ' .. options.sleep_ms / 1000) end
  return {x = options.x, sum = analysis_res[1] + analysis_res[2]}
end
";

/// Wall-clock seconds (Lua has only whole seconds of its own).
const NOW: &str =
    "local function now()\n  local p = io.popen('date +%s.%N')\n  local t = tonumber(p:read('*l'))\n  p:close()\n  return t\nend\n";

const PRINT_ALL: &str = "
  for i, j in ipairs(jobs) do
    local r = j:load()
    print(i, r.x, r.sum, j == urd.joblist[i])
  end
  print(table.concat(urd.joblist:names(), ' '))
  local ids = {}
  for _, j in ipairs(urd.joblist) do ids[#ids + 1] = j.id end
  io.stderr:write('ids ', table.concat(ids, ' '), '\\n')
";

const RESULTS: &str = "1\t1\t21\ttrue\n2\t2\t41\ttrue\n3\t3\t61\ttrue\nm two m\n";

fn ids(stderr: &str) -> String {
    stderr
        .lines()
        .find(|l| l.starts_with("ids "))
        .unwrap_or_else(|| panic!("no ids line in\n{stderr}"))
        .to_string()
}

#[test]
fn results_order_and_reuse_are_those_of_sequential_builds() {
    // The first call sleeps, so it ends last; the joblist is still in call order.
    let all = Test::new()
        .method("m", M)
        .build(&format!(
            "function main(urd)\n  local jobs = urd:build_all{{{{'m', {{x = 1, sleep_ms = 400}}}}, {{'m', {{x = 2, name = 'two'}}}}, {{'m', {{x = 3}}}}}}\n{PRINT_ALL}end\n"
        ))
        .stdout(RESULTS)
        .stderr_contains("build.lua: 3 jobs built, 0 reused in TIME\n")
        .run();
    let built = ids(&all.stderr);
    // The same builds one at a time: all reused, the same jobs, the same order.
    let seq = Test::again(all)
        .build(&format!(
            "function main(urd)\n  local jobs = {{urd:build('m', {{x = 1, sleep_ms = 400}}), urd:build('m', {{x = 2, name = 'two'}}), urd:build('m', {{x = 3}})}}\n{PRINT_ALL}end\n"
        ))
        .stdout(RESULTS)
        .stderr_contains("build.lua: 0 jobs built, 3 reused in TIME\n")
        .run();
    assert_eq!(ids(&seq.stderr), built);
    // build_all again: reused in the build script's process, reported in call order.
    let again = Test::again(seq)
        .build(&format!(
            "function main(urd)\n  local jobs = urd:build_all{{{{'m', {{x = 1, sleep_ms = 400}}}}, {{'m', {{x = 2, name = 'two'}}}}, {{'m', {{x = 3}}}}}}\n{PRINT_ALL}end\n"
        ))
        .stdout(RESULTS)
        .run();
    let reused: Vec<String> = again
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("reused ").map(|r| r.trim_end_matches(" m").to_string()))
        .collect();
    assert_eq!(format!("ids {}", reused.join(" ")), built, "{}", again.stderr);

    // A fresh project building one at a time gets the same results.
    Test::new()
        .method("m", M)
        .build(&format!(
            "function main(urd)\n  local jobs = {{urd:build('m', {{x = 1, sleep_ms = 400}}), urd:build('m', {{x = 2, name = 'two'}}), urd:build('m', {{x = 3}})}}\n{PRINT_ALL}end\n"
        ))
        .stdout(RESULTS)
        .stderr_contains("ids test-0 test-1 test-2\nbuild.lua: 3 jobs built, 0 reused in TIME\n")
        .run();
}

#[test]
fn one_key_twice_is_built_once_and_reused() {
    Test::new()
        .method("m", M)
        .build("function main(urd)\n  local a, b = table.unpack(urd:build_all{{'m', {x = 5}}, {'m', {options = {x = 5}}}})\n  print(a.id, b.id, #urd.joblist)\nend\n")
        .stdout("test-0\ttest-0\t2\n")
        .stderr("built  test-0 m (TIME)\nreused test-0 m\nbuild.lua: 1 job built, 1 reused in TIME\n")
        .run();
}

#[test]
fn two_sleeping_jobs_overlap() {
    let slow = format!(
        "{NOW}options = {{x = 0}}\nfunction synthesis()\n  local t0 = now()\n  os.execute('sleep 1')\n  return {{t0, now()}}\nend\n"
    );
    let started = std::time::Instant::now();
    Test::new()
        .method("slow", &slow)
        .build(
            "
            function main(urd)
              local a, b = table.unpack(urd:build_all{{'slow', {x = 1}}, {'slow', {x = 2}}})
              local ra, rb = a:load(), b:load()
              print(ra[1] < rb[2] and rb[1] < ra[2], ra[2] - ra[1] >= 1, rb[2] - rb[1] >= 1)
            end
            ",
        )
        .stdout("true\ttrue\ttrue\n")
        .run();
    eprintln!("two 1 s jobs with build_all: {:.2} s", started.elapsed().as_secs_f64());
}

#[test]
fn jobs_at_once_one_runs_them_one_after_the_other() {
    let slow = format!(
        "{NOW}options = {{x = 0}}\nfunction synthesis()\n  local t0 = now()\n  os.execute('sleep 0.3')\n  return {{t0, now()}}\nend\n"
    );
    Test::new()
        .file("accelerator.conf", &format!("{CONF}jobs at once: 1\n"))
        .method("slow", &slow)
        .build(
            "
            function main(urd)
              local a, b = table.unpack(urd:build_all{{'slow', {x = 1}}, {'slow', {x = 2}}})
              local ra, rb = a:load(), b:load()
              print(a.id, b.id, ra[2] <= rb[1])
            end
            ",
        )
        .stdout("test-0\ttest-1\ttrue\n")
        .stderr("built  test-0 slow (TIME)\nbuilt  test-1 slow (TIME; option x: 1 -> 2)\nbuild.lua: 2 jobs built, 0 reused in TIME\n")
        .run();
}

#[test]
fn never_more_analysis_workers_than_slices() {
    // Two jobs of two slices each, at once: the run's two worker slots keep it to two workers.
    let sl = format!(
        "{NOW}options = {{x = 0}}\nfunction analysis(sliceno)\n  local t0 = now()\n  os.execute('sleep 0.4')\n  return {{t0, now()}}\nend\nfunction synthesis(analysis_res)\n  return {{analysis_res[1], analysis_res[2]}}\nend\n"
    );
    Test::new()
        .method("sl", &sl)
        .build(
            "
            function main(urd)
              local events = {}
              for _, j in ipairs(urd:build_all{{'sl', {x = 1}}, {'sl', {x = 2}}}) do
                for _, t in ipairs(j:load()) do
                  events[#events + 1] = {t[1], 1}
                  events[#events + 1] = {t[2], -1}
                end
              end
              table.sort(events, function(a, b) if a[1] ~= b[1] then return a[1] < b[1] end return a[2] < b[2] end)
              local n, most = 0, 0
              for _, e in ipairs(events) do n = n + e[2] most = math.max(most, n) end
              print(#events, most)
            end
            ",
        )
        .stdout("8\t2\n")
        .run();
}

const F: &str = "
options = {x = 0}
function synthesis()
  if options.x == 2 then error('two is bad') end
  if options.x == 1 then os.execute('sleep 0.5') end
  return options.x
end
";

#[test]
fn a_failed_build_names_its_call_and_the_running_ones_finish() {
    let out = Test::new()
        .method("f", F)
        .build("function main(urd)\n  urd:build_all{{'f', {x = 1}}, {'f', {x = 2}}, {'f', {x = 3}}}\nend\n")
        .status(1)
        .stderr_contains("error: urd:build_all, build 2 of 3 (`f`): methods/f.lua:3: two is bad\n  job:    test-")
        .stderr_contains(" (method f)\n  phase:  synthesis\n  traceback:\n    methods/f.lua:3: in function 'synthesis'\n")
        .run();
    // Call 1 ran to the end (reused now), call 3 never started (built now); the failed job
    // left its failure record.
    assert_eq!(out.stderr.matches("built  test-").count(), 1, "{}", out.stderr);
    let failed: Vec<_> = std::fs::read_dir(out.path().join("workdirs/test"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("failure.json").exists())
        .collect();
    assert_eq!(failed.len(), 1);
    Test::again(out)
        .build(
            "
            function main(urd)
              print(pcall(urd.build_all, urd, {{'f', {x = 1}}, {'f', {x = 2}}, {'f', {x = 3}}}))
              print(#urd.joblist, urd.joblist[1]:load())
              print(urd:build('f', {x = 3}):load())
            end
            ",
        )
        .stdout("false\turd:build_all, build 2 of 3 (`f`): methods/f.lua:3: two is bad\n1\t1\n3\n")
        // Call 1 is reused at once, so calls 2 and 3 run together this time: 2 fails again, 3 is
        // built, and the last line reuses it.
        .stderr_contains("build.lua: 1 job built, 2 reused in TIME\n")
        .run();
}

#[test]
fn bad_calls_fail_before_anything_runs() {
    for (call, err) in [
        ("urd:build_all('m')", "build.lua:1: urd:build_all takes a list of calls, {{'method', params}, ...}, got a string"),
        ("urd:build_all{'m'}", "build.lua:1: urd:build_all, build 1 of 1: each call is {'method', params}, got a string"),
        ("urd:build_all{{'m'}, {'m', {x = 1}, 3}}", "build.lua:1: urd:build_all, build 2 of 2: each call is {'method', params}, got a table with more than the method and its params (`m`)"),
        ("urd:build_all{{'m'}, {'nosuch'}}", "build.lua:1: urd:build_all, build 2 of 2 (`nosuch`): unknown method `nosuch`; methods are the .lua files in methods"),
        ("urd:build_all{{'m', {y = 1}}}", "build.lua:1: urd:build_all, build 1 of 1 (`m`): "),
        ("urd.build_all{{'m'}}", "build.lua:1: call it as urd:build_all{...}, with a colon"),
    ] {
        let out = Test::new()
            .method("m", M)
            .build(&format!("function main(urd) {call} end\n"))
            .status(1)
            .stderr_contains(&format!("error: {err}"))
            .run();
        assert!(!out.stderr.contains("built"), "{}", out.stderr);
    }
}

#[test]
fn an_empty_list_builds_nothing() {
    Test::new()
        .method("m", M)
        .build("function main(urd) print(#urd:build_all{}, #urd.joblist) end\n")
        .stdout("0\t0\n")
        .run();
}

#[test]
fn subjobs_why_and_quiet_work_in_a_build_process() {
    let create = "options = {x = 0}\nfunction synthesis() print('creating ' .. options.x) return options.x * 10 end\n";
    let parent = "local subjobs = require('exax.subjobs')\noptions = {x = 0}\nfunction synthesis()\n  return subjobs.build('create', {x = options.x}):load()\nend\n";
    let out = Test::new()
        .method("create", create)
        .method("parent", parent)
        .build(
            "
            function main(urd)
              local p = table.unpack(urd:build_all{{'parent', {x = 4}}})
              print(p:load(), p.post.subjobs[1].id, #urd.joblist)
            end
            ",
        )
        .stdout("creating 4\n40\ttest-1\t1\n")
        .stderr("  built  test-1 create (TIME)\nbuilt  test-0 parent (TIME)\nbuild.lua: 2 jobs built, 0 reused in TIME\n")
        .run();
    let out = Test::again(out)
        .args(&["run", "--why"])
        .build(
            "
            function main(urd)
              local r = urd:build_all{{'parent', {x = 5}}, {'parent', {x = 4, why_build = true}}}
              print(type(r[2]), #urd.joblist)
            end
            ",
        )
        .stdout("creating 5\nstring\t1\n")
        .stderr_contains("  built  test-3 create (TIME; ")
        .stderr_contains("built  test-2 parent (TIME; ")
        .stderr_contains("build.lua: 2 jobs built, 0 reused in TIME\n")
        .run();
    Test::again(out)
        .args(&["run", "-q"])
        .build("function main(urd) urd:build_all{{'parent', {x = 6}}} end")
        .stdout("creating 6\n")
        .stderr("")
        .run();
}

#[test]
fn jobs_at_once_is_checked() {
    Test::new()
        .file("accelerator.conf", &format!("{CONF}jobs at once: lots\n"))
        .build("function main(urd) end")
        .status(1)
        .stderr_contains("accelerator.conf:6: jobs at once: expected a whole number from 1 to 1024, got `lots`\n")
        .run();
}

/// Synthesis that says it is ready (with its pid), then waits in a status message for `gate`.
const GATED: &str = r#"
options = {x = 0, gate = ''}
function synthesis()
  local f = io.open('/proc/self/stat')
  local pid = f and f:read('n') or 0
  if f then f:close() end
  local update <close> = status('waiting')
  update('build ' .. options.x .. ' waits for the gate')
  print('ready ' .. options.x .. ' ' .. pid)
  io.stdout:flush()
  while true do
    local g = io.open(options.gate)
    if g then g:close() break end
    os.execute('sleep 0.05')
  end
end
"#;

fn start_two_gated() -> (crate::test::Running, std::path::PathBuf) {
    let t = Test::new().method("gated", GATED).build(
        "
        function main(urd)
          local s <close> = status('two at once')
          local g = os.getenv('GATE')
          urd:build_all{{'gated', {x = 1, gate = g}}, {'gated', {x = 2, gate = g}}}
        end
        ",
    );
    let gate = t.path().join("gate");
    let run = t.env("GATE", gate.to_str().unwrap()).spawn();
    run.wait_stdout("both builds to start", |o| o.contains("ready 1 ") && o.contains("ready 2 "));
    (run, gate)
}

#[test]
fn exax_status_shows_each_running_build() {
    let (run, gate) = start_two_gated();
    let out = std::process::Command::new(crate::test::exax_bin())
        .arg("status")
        .current_dir(run.path())
        .output()
        .unwrap();
    let tree = crate::status::untime(&String::from_utf8_lossy(&out.stdout));
    std::fs::write(&gate, "").unwrap();
    let done = run.finish();
    assert_eq!(done.status, 0, "{}", done.stderr);
    // Job numbers depend on which build allocated first.
    let masked = tree.replace("test-0", "test-N").replace("test-1", "test-N");
    assert_eq!(
        masked,
        "two at once\n  test-N gated  synthesis (T seconds)\n    build 1 waits for the gate\n  test-N gated  synthesis (T seconds)\n    build 2 waits for the gate\n"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn builds_end_when_the_run_is_killed() {
    let (mut run, _gate) = start_two_gated();
    crate::status::ready_processes_end_with_the_run(&mut run, "builds");
}
