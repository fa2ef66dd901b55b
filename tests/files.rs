//! A job's files (spec section 4, manual 8.8–8.10): save/load, json_save/json_load, open, sliced
//! and temp files, registration (automatic, manual, in analysis workers), files() and filename().

use crate::test::Test;

const JOB: &str = "workdirs/test/test-0";

fn post_files(out: &crate::test::Output, job: &str) -> serde_json::Value {
    let post: serde_json::Value = serde_json::from_str(&out.read(&format!("workdirs/test/{job}/post.json"))).unwrap();
    post["files"].clone()
}

fn listing(out: &crate::test::Output, job: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(out.path().join("workdirs/test").join(job))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Manual 8.10: files saved by a job, listed and loaded back in the build script.
#[test]
fn saved_files_are_listed_and_loaded_in_the_build_script() {
    let out = Test::new()
        .method(
            "methodthatsavefiles",
            "
            function synthesis(job)
              job:save({1, 2.5, 'three', {nested = true}}, 'afilename')
              job:save('data2', 'anotherfilename')
            end
            ",
        )
        .build(
            "
            function main(urd)
              local job = urd:build('methodthatsavefiles')
              local data = {}
              for _, filename in ipairs(job:files()) do data[filename] = job:load(filename) end
              local a = data.afilename
              print(#job:files(), a[1], math.type(a[1]), a[2], a[3], a[4].nested, data.anotherfilename)
              print(job:filename('afilename') == job.path .. '/afilename')
            end
            ",
        )
        .stdout("2\t1\tinteger\t2.5\tthree\ttrue\tdata2\ntrue\n")
        .run();
    assert_eq!(post_files(&out, "test-0"), serde_json::json!(["afilename", "anotherfilename"]));
    assert_eq!(
        listing(&out, "test-0"),
        ["afilename", "anotherfilename", "method.lua", "post.json", "setup.json"].map(String::from),
        "no temporary names are left behind, and a silent job has no OUTPUT files"
    );
}

/// Manual 8.8: sliced files are one file per slice on disk and one name to the user.
#[test]
fn sliced_files_from_analysis() {
    let out = Test::new()
        .method(
            "sliced",
            "
            function analysis(sliceno, job)
              job:save({slice = sliceno}, 'filename', {sliceno = sliceno})          -- save per slice
              local data = job:load('filename', {sliceno = sliceno})               -- load per slice
              job:json_save({slice = sliceno}, 'j', {sliceno = sliceno})
              local fh = job:open('t', 'w', {sliceno = sliceno})
              fh:write('text ', sliceno, '\\n')
              fh:close()
              return data.slice
            end
            function synthesis(job, analysis_res)
              local parts = {}
              for s = 0, 1 do
                parts[#parts + 1] = job:load('filename', {sliceno = s}).slice .. job:json_load('j', {sliceno = s}).slice
                  .. job:open('t', 'r', {sliceno = s}):read('l')
              end
              return table.concat(parts, ' ') .. ' ' .. table.concat(job:files(), ',')
            end
            ",
        )
        .build(
            "
            function main(urd)
              local job = urd:build('sliced')
              print(job:load())
              print(job:load('filename', {sliceno = 1}).slice, table.concat(job:files(), ','))
              print(job:filename('filename', {sliceno = 1}) == job.path .. '/filename.1')
              print(pcall(job.load, job, 'filename'))
              print(pcall(job.load, job, 'filename', {sliceno = 2}))
              print(pcall(job.json_load, job, 'j', {slicen = 0}))
            end
            ",
        )
        .stdout(
            "
            00text 0 11text 1 filename,j,t
            1\tfilename,j,t
            true
            false\tbuild.lua:6: job:load: job test-0 has no file `filename` (it is a sliced file: pass {sliceno = ...})
            false\tbuild.lua:7: job:load: sliceno 2 is out of range; this project has 2 slices (0 to 1)
            false\tbuild.lua:8: job:json_load: unknown option `slicen` (did you mean `sliceno`?); options are sliceno
            ",
        )
        .run();
    assert_eq!(post_files(&out, "test-0"), serde_json::json!(["filename", "j", "t"]));
    assert_eq!(out.read(&format!("{JOB}/t.1")), "text 1\n");
    assert_eq!(out.read(&format!("{JOB}/j.0")), "{\n  \"slice\": 0\n}\n");
    assert!(!out.exists(&format!("{JOB}/filename")));
}

#[test]
fn json_files_are_sorted_pretty_utf8_json() {
    let out = Test::new()
        .method(
            "j",
            "
            function synthesis(job)
              job:json_save({b = {}, a = {3, 3.0, 'x'}, c = {z = 1, y = {false}}, [7] = 'seven'}, 'out.json')
              job:json_save('just a string', 'string.json')
            end
            ",
        )
        .build(
            "
            function main(urd)
              local job = urd:build('j')
              local v = job:json_load('out.json')
              print(#v.b, v.a[1], math.type(v.a[1]), v.a[2], math.type(v.a[2]), v.c.z, v.c.y[1], v['7'])
              print(job:json_load('string.json'))
            end
            ",
        )
        .stdout("0\t3\tinteger\t3.0\tfloat\t1\tfalse\tseven\njust a string\n")
        .run();
    assert_eq!(
        out.read(&format!("{JOB}/out.json")),
        "{\n  \"7\": \"seven\",\n  \"a\": [\n    3,\n    3.0,\n    \"x\"\n  ],\n  \"b\": [],\n  \"c\": {\n    \"y\": [\n      false\n    ],\n    \"z\": 1\n  }\n}\n"
    );
}

#[test]
fn values_that_cannot_be_saved_name_where_they_are() {
    Test::new()
        .method(
            "bad",
            "
            function synthesis(job)
              print(pcall(job.save, job, {items = {1, 2, print}}, 'x'))
              print(pcall(job.json_save, job, {s = '\\xff'}, 'x.json'))
              print(pcall(job.json_save, job, {[true] = 1}, 'y.json'))
              print(pcall(job.save, job, coroutine.create(print), 'z'))
              print(#job:files())
            end
            ",
        )
        .build("function main(urd) urd:build('bad') end")
        .stdout(
            "
            false\tmethods/bad.lua:2: job:save('x').items[3]: cannot save a function
            false\tmethods/bad.lua:3: job:json_save('x.json').s: JSON strings must be UTF-8 (use job:save for bytes)
            false\tmethods/bad.lua:4: job:json_save('y.json'): JSON object keys must be strings, got boolean
            false\tmethods/bad.lua:5: job:save('z'): cannot save a coroutine
            0
            ",
        )
        .run();
}

/// Manual 8.8: job:open is io.open in the job directory; it registers what it writes.
#[test]
fn open_reads_and_writes_like_io_open() {
    let out = Test::new()
        .method(
            "o",
            "
            function synthesis(job)
              local fh = job:open('thefilename', 'w')
              print(io.type(fh))
              fh:write('line one\\n', 42, '\\n')
              fh:close()
              local a = job:open('thefilename', 'a')
              a:write('appended\\n')
              a:close()
              for l in job:open('thefilename'):lines() do io.write('[', l, ']') end
              print()
              local b <close> = job:open('bin', 'wb')
              b:write('\\0\\1')
            end
            ",
        )
        .build(
            "
            function main(urd)
              local job = urd:build('o')
              print(job:open('thefilename', 'r'):read('a'))
              print(#job:open('bin', 'rb'):read('a'), table.concat(job:files(), ','))
              print(pcall(job.open, job, 'thefilename', 'w'))
              print(pcall(job.open, job, 'nope'))
              print(pcall(job.open, job, 'thefilename', 'r', {temp = true}))
              print(pcall(job.open, job, 'thefilename', 'nonsense'))
            end
            ",
        )
        .stdout(
            "
            file
            [line one][42][appended]
            line one
            42
            appended

            2\tbin,thefilename
            false\tbuild.lua:5: job:open: job test-0 is not running here; a job's files are written by its own phases
            false\tbuild.lua:6: job:open: job test-0 has no file `nope`
            false\tbuild.lua:7: job:open: temp is for writing; mode 'r' reads
            false\tbuild.lua:8: job:open: invalid mode 'nonsense' (use 'r', 'w' or 'a', maybe with '+', and 'b' for binary)
            ",
        )
        .run();
    assert_eq!(out.read(&format!("{JOB}/thefilename")), "line one\n42\nappended\n");
}

#[test]
fn writing_is_for_the_running_job_only() {
    Test::new()
        .method("first", "function synthesis() end")
        .method(
            "second",
            "
            jobs = {'previous'}
            function synthesis(job)
              print(pcall(jobs.previous.save, jobs.previous, 1, 'x'))
              print(pcall(jobs.previous.register_files, jobs.previous, '*'))
              print(jobs.previous:load())
            end
            ",
        )
        .build(
            "
            function main(urd)
              local first = urd:build('first')
              urd:build('second', {previous = first})
              print(pcall(first.save, first, 1, 'x'))
              print(pcall(first.json_save, first, 1, 'x'))
              print(pcall(first.register_file, first, 'post.json'))
            end
            ",
        )
        .stdout(
            "
            false\tmethods/second.lua:3: job:save: job test-1 cannot write files of job test-0; a job writes only its own files
            false\tmethods/second.lua:4: job:register_files: job test-1 cannot write files of job test-0; a job writes only its own files
            nil
            false\tbuild.lua:4: job:save: job test-0 is not running here; a job's files are written by its own phases
            false\tbuild.lua:5: job:json_save: job test-0 is not running here; a job's files are written by its own phases
            false\tbuild.lua:6: job:register_file: job test-0 is not running here; a job's files are written by its own phases
            ",
        )
        .run();
}

#[test]
fn bad_names_and_slice_numbers() {
    Test::new()
        .method(
            "names",
            "
            function analysis(sliceno, job)
              if sliceno == 1 then return end
              print(select(2, pcall(job.save, job, 1, 'setup.json')))
              print(select(2, pcall(job.save, job, 1, './OUTPUT/x')))
              print(select(2, pcall(job.open, job, 'hashed/x', 'w')))
              print(select(2, pcall(job.save, job, 1, '../test-9/x')))
              print(select(2, pcall(job.save, job, 1, '/tmp/x')))
              print(select(2, pcall(job.save, job, 1, '')))
              print(select(2, pcall(job.load, job, '../../x')))
              print(select(2, pcall(job.save, job, 1, 'x', {sliceno = 2})))
              print(select(2, pcall(job.save, job, 1, 'x', {sliceno = -1})))
              print(select(2, pcall(job.save, job, 1, 'x', {sliceno = 0.5})))
              print(select(2, pcall(job.save, job, 1, 'x', {temp = 'yes'})))
              print(select(2, pcall(job.save, job, 1, 'x', {tmp = true})))
              print(select(2, pcall(job.filename, job, 'x', {temp = true})))
              print(select(2, pcall(job.save, job, 1, 'nodir/x')))
              print(select(2, pcall(job.open, job, 'nodir/x', 'w')))
            end
            ",
        )
        .build("function main(urd) urd:build('names') end")
        .stdout(
            "
            methods/names.lua:3: job:save: job test-0: `setup.json` belongs to exax (its own files are setup.json, post.json, result.msgpack, method.lua, failure.json and the directories OUTPUT/, .exax-tmp/, hashed/, DS/); choose another name
            methods/names.lua:4: job:save: job test-0: `OUTPUT/x` belongs to exax (its own files are setup.json, post.json, result.msgpack, method.lua, failure.json and the directories OUTPUT/, .exax-tmp/, hashed/, DS/); choose another name
            methods/names.lua:5: job:open: job test-0: `hashed/x` belongs to exax (its own files are setup.json, post.json, result.msgpack, method.lua, failure.json and the directories OUTPUT/, .exax-tmp/, hashed/, DS/); choose another name
            methods/names.lua:6: job:save: job test-0: `../test-9/x` is not a file name inside the job directory (use a relative name without `..`)
            methods/names.lua:7: job:save: job test-0: `/tmp/x` is not a file name inside the job directory (use a relative name without `..`)
            methods/names.lua:8: job:save: job test-0: `` is not a file name inside the job directory (use a relative name without `..`)
            methods/names.lua:9: job:load: job test-0: `../../x` is not a file name inside the job directory (use a relative name without `..`)
            methods/names.lua:10: job:save: sliceno 2 is out of range; this project has 2 slices (0 to 1)
            methods/names.lua:11: job:save: sliceno must be a slice number (0 or more), got -1
            methods/names.lua:12: job:save: sliceno must be a slice number (0 or more), got 0.5
            methods/names.lua:13: job:save: temp must be a boolean, got string 'yes'
            methods/names.lua:14: job:save: unknown option `tmp` (did you mean `temp`?); options are sliceno, temp
            methods/names.lua:15: job:filename: unknown option `temp`; options are sliceno
            methods/names.lua:16: job:save: job test-0 cannot write `nodir/x`: No such file or directory
            methods/names.lua:17: job:open: cannot open `nodir/x` of job test-0 for writing: No such file or directory
            ",
        )
        .run();
}

/// Manual 8.9: automatic registration lists every top-level file that is not exax's own.
#[test]
fn automatic_registration() {
    let out = Test::new()
        .method(
            "auto",
            "
            depend_extra = {'extra.txt'}
            function prepare() print('prepare talks') end
            function analysis(sliceno)
              local f = io.open('from_slice_' .. sliceno, 'w') f:write('x') f:close()
            end
            function synthesis(job)
              os.execute('mkdir sub && echo deep > sub/deep.txt && echo top > top.txt && echo h > .hidden')
              return {done = true}
            end
            ",
        )
        .file("methods/extra.txt", "extra")
        .build("function main(urd) print(table.concat(urd:build('auto'):files(), ' ')) end")
        .stdout("prepare talks\nfrom_slice_0 from_slice_1 top.txt\n")
        .run();
    assert_eq!(
        post_files(&out, "test-0"),
        serde_json::json!(["from_slice_0", "from_slice_1", "top.txt"])
    );
    assert_eq!(
        listing(&out, "test-0"),
        [
            ".hidden",
            "OUTPUT",
            "from_slice_0",
            "from_slice_1",
            "hashed",
            "method.lua",
            "post.json",
            "result.msgpack",
            "setup.json",
            "sub",
            "top.txt"
        ]
        .map(String::from),
        "the temporary directory is gone"
    );
}

/// Manual 8.9: save, json_save and open for writing register their file and turn automatic
/// registration off; register_file registers a file made some other way.
#[test]
fn helpers_and_register_file_switch_to_manual_registration() {
    let method = |writer: &str| {
        format!(
            "
            function synthesis(job)
              local f = io.open('unregistered.txt', 'w') f:write('x') f:close()
              {writer}
            end
            "
        )
    };
    for (writer, want) in [
        ("job:save(1, 'mine')", "mine"),
        ("job:json_save(1, 'mine')", "mine"),
        ("job:open('mine', 'w'):close()", "mine"),
        ("job:open('mine', 'a+'):close()", "mine"),
        ("os.execute('echo movie > out.mp4') job:register_file('out.mp4')", "out.mp4"),
        ("job:register_file('unregistered.txt')", "unregistered.txt"),
        ("job:open('unregistered.txt'):close()", "unregistered.txt"),
    ] {
        let out = Test::new()
            .method("m", &method(writer))
            .build("function main(urd) print(table.concat(urd:build('m'):files(), ' ')) end")
            .stdout(&format!("{want}\n"))
            .run();
        assert_eq!(post_files(&out, "test-0"), serde_json::json!([want]), "{writer}");
    }
}

/// Manual 8.9: register_files takes a glob and returns the sorted names it registered.
#[test]
fn register_files_with_a_glob() {
    Test::new()
        .method(
            "g",
            "
            function synthesis(job)
              for i = 1, 10 do local f = io.open('myfile' .. i .. '.txt', 'w') f:close() end
              os.execute('mkdir sub OUTPUT2 && touch other sub/a.txt sub/b.csv .myfile.txt')
              print(table.concat(job:register_files('myfile*.txt'), ' '))
              print(table.concat(job:register_files('sub/*.txt'), ' '))
              print(#job:register_files('nothing*'), #job:register_files('OUTPUT/*'), #job:register_files('*.json'))
              print(table.concat(job:register_files('.my*'), ' '))
              print(select(2, pcall(job.register_files, job, '../*')))
              print(select(2, pcall(job.register_files, job, '/etc/*')))
              print(select(2, pcall(job.register_files, job, '[')))
              print(table.concat(job:files(), ' '))
            end
            ",
        )
        .build("function main(urd) print(table.concat(urd:build('g'):files(), ' ')) end")
        .stdout(
            "
            myfile1.txt myfile10.txt myfile2.txt myfile3.txt myfile4.txt myfile5.txt myfile6.txt myfile7.txt myfile8.txt myfile9.txt
            sub/a.txt
            0\t0\t0
            .myfile.txt
            methods/g.lua:8: job test-0: register_files('../*'): the pattern must be relative to the job directory, without `..`
            methods/g.lua:9: job test-0: register_files('/etc/*'): the pattern must be relative to the job directory, without `..`
            methods/g.lua:10: job test-0: register_files('['): bad pattern: Pattern syntax error near position 0: invalid range pattern
            .myfile.txt myfile1.txt myfile10.txt myfile2.txt myfile3.txt myfile4.txt myfile5.txt myfile6.txt myfile7.txt myfile8.txt myfile9.txt sub/a.txt
            .myfile.txt myfile1.txt myfile10.txt myfile2.txt myfile3.txt myfile4.txt myfile5.txt myfile6.txt myfile7.txt myfile8.txt myfile9.txt sub/a.txt
            ",
        )
        .run();
}

#[test]
fn register_file_errors() {
    Test::new()
        .method(
            "r",
            "
            function synthesis(job)
              os.execute('mkdir adir')
              print(select(2, pcall(job.register_file, job, 'nope')))
              print(select(2, pcall(job.register_file, job, 'adir')))
              print(select(2, pcall(job.register_file, job, 'setup.json')))
              print(select(2, pcall(job.register_file, job, 'x', {sliceno = 1})))
              print(#job:files())
            end
            ",
        )
        .build("function main(urd) urd:build('r') end")
        .stdout(
            "
            methods/r.lua:3: job:register_file: job test-0 has no file `nope`
            methods/r.lua:4: job:register_file: `adir` in job test-0 is a directory; register the files in it
            methods/r.lua:5: job:register_file: job test-0: `setup.json` belongs to exax (its own files are setup.json, post.json, result.msgpack, method.lua, failure.json and the directories OUTPUT/, .exax-tmp/, hashed/, DS/); choose another name
            methods/r.lua:6: job:register_file: job test-0 has no file `x` for slice 1
            0
            ",
        )
        .run();
}

/// Manual 8.8/8.9: temp files exist while the job runs, are deleted when it ends and are never
/// registered (registration stays automatic), unless registered, which makes them permanent.
#[test]
fn temp_files() {
    let out = Test::new()
        .method(
            "t",
            "
            function analysis(sliceno, job)
              job:save({sliceno}, 'scratch', {sliceno = sliceno, temp = true})
              job:save({sliceno}, 'kept', {sliceno = sliceno, temp = true})
              job:json_save(sliceno, 'kept_one', {sliceno = sliceno, temp = true})
            end
            function synthesis(job)
              job:save('big', 'huge', {temp = true})
              local fh = job:open('tmp.txt', 'w', {temp = true}) fh:write('t') fh:close()
              local f = io.open('plain.txt', 'w') f:write('p') f:close()
              print(job:load('huge'), job:load('scratch', {sliceno = 1})[1], job:open('tmp.txt'):read('a'))
              print('while running: ' .. table.concat(job:files(), ' '))
              job:register_file('kept')
              job:register_file('kept_one', {sliceno = 1})
            end
            ",
        )
        .build(
            "
            function main(urd)
              local job = urd:build('t')
              print(table.concat(job:files(), ' '))
              print(job:load('kept', {sliceno = 0})[1], job:json_load('kept_one', {sliceno = 1}))
              print(select(2, pcall(job.load, job, 'huge')))
            end
            ",
        )
        .stdout(
            "
            big\t1\tt
            while running: plain.txt
            kept kept_one
            0\t1
            build.lua:5: job:load: job test-0 has no file `huge`
            ",
        )
        .run();
    assert_eq!(
        listing(&out, "test-0"),
        [
            "OUTPUT",
            "kept.0",
            "kept.1",
            "kept_one.1",
            "method.lua",
            "plain.txt",
            "post.json",
            "setup.json"
        ]
        .map(String::from)
    );

    // With only temp files written, registration stays automatic.
    let out = Test::new()
        .method(
            "t",
            "function synthesis(job) job:save(1, 'tmp', {temp = true}) local f = io.open('plain.txt', 'w') f:close() end",
        )
        .build("function main(urd) print(table.concat(urd:build('t'):files(), ' ')) end")
        .stdout("plain.txt\n")
        .run();
    assert!(!out.exists(&format!("{JOB}/tmp")));
}

#[test]
fn temp_files_are_deleted_when_a_job_fails() {
    let out = Test::new()
        .method(
            "fails",
            "
            function analysis(sliceno, job)
              job:save(sliceno, 'slice_tmp', {sliceno = sliceno, temp = true})
              job:save(sliceno, 'slice_kept', {sliceno = sliceno})
            end
            function synthesis(job)
              job:save(1, 'tmp', {temp = true})
              error('broken')
            end
            ",
        )
        .build("function main(urd) urd:build('fails') end")
        .status(1)
        .stderr_contains("error: methods/fails.lua:7: broken\n")
        .run();
    assert_eq!(
        listing(&out, "test-0"),
        ["failure.json", "method.lua", "setup.json", "slice_kept.0", "slice_kept.1"].map(String::from)
    );

    // A crashing worker still leaves what it logged: its temp file is deleted.
    let out = Test::new()
        .method(
            "crash",
            "
            function analysis(sliceno, job)
              job:save(sliceno, 'tmp', {sliceno = sliceno, temp = true})
              if sliceno == 1 then os.execute('kill -9 $PPID') end
            end
            ",
        )
        .build("function main(urd) urd:build('crash') end")
        .status(1)
        .stderr_contains("error: the analysis worker was killed by signal 9\n")
        .run();
    assert_eq!(
        listing(&out, "test-0"),
        ["failure.json", "method.lua", "setup.json"].map(String::from)
    );
}

/// Registrations made in analysis workers (separate processes) reach post.json.
#[test]
fn registrations_from_analysis_reach_post_json() {
    let out = Test::new()
        .method(
            "a",
            "
            function analysis(sliceno, job)
              job:save(sliceno, 'part', {sliceno = sliceno})
              if sliceno == 1 then
                os.execute('echo external > ext.txt')
                job:register_file('ext.txt')
              end
            end
            function synthesis(job)
              print(table.concat(job:files(), ' '))
              job:json_save({}, 'summary.json')
            end
            ",
        )
        .build(
            "
            function main(urd)
              local job = urd:build('a')
              print(table.concat(job:files(), ' '))
              print(table.concat(job.post.files, ' '))
            end
            ",
        )
        .stdout("ext.txt part\next.txt part summary.json\next.txt part summary.json\n")
        .run();
    assert_eq!(post_files(&out, "test-0"), serde_json::json!(["ext.txt", "part", "summary.json"]));
}
