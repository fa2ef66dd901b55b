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
            false\tbuild.lua:7: job:load: job test-0 has no file `filename` for slice 2
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
            methods/names.lua:3: job:save: job test-0: `setup.json` belongs to exax (its own files are setup.json, post.json, result.msgpack, method.lua and the directories OUTPUT/, .exax-tmp/, hashed/); choose another name
            methods/names.lua:4: job:save: job test-0: `OUTPUT/x` belongs to exax (its own files are setup.json, post.json, result.msgpack, method.lua and the directories OUTPUT/, .exax-tmp/, hashed/); choose another name
            methods/names.lua:5: job:open: job test-0: `hashed/x` belongs to exax (its own files are setup.json, post.json, result.msgpack, method.lua and the directories OUTPUT/, .exax-tmp/, hashed/); choose another name
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
