//! A damaged job is not reused: before a reuse, every file the job recorded (its result, saved
//! files, dataset.json and every column part it holds) is `stat`-ed against its length and stamp,
//! a file whose stamp changed is hashed, and a damaged job is built anew, the `built` line and
//! `exax why` saying why. An intact file whose stamp changed (chmod) is still reused.

use std::os::unix::fs::PermissionsExt;

use crate::integrity::{first, overwrite, DS, READ};
use crate::test::{Output, Test};

const ID: &str = "function main(urd) print(urd:build('mk').id) end";

/// What a run that builds test-1 instead of reusing test-0 prints.
fn rebuilt(reason: &str) -> String {
    format!("built  test-1 mk (TIME; job test-0 not whole: {reason})\nbuild.lua: 1 job built, 0 reused in TIME\n")
}

fn len(out: &Output, rel: &str) -> u64 {
    std::fs::metadata(out.path().join(rel)).unwrap().len()
}

#[test]
fn a_column_file_overwritten_in_place_is_built_anew() {
    let out = first();
    let file = format!("{DS}/c1.0.data");
    let before = len(&out, &file);
    overwrite(&out, &file, 0, &[0xff; 4]);
    assert_eq!(len(&out, &file), before);
    let out = Test::again(out)
        .build(READ)
        .stdout("12505000.0\t58893\n")
        .stderr(&rebuilt("DS/default/c1.0.data damaged"))
        .run();
    // The new job is whole: it is the one reused from now on.
    Test::again(out)
        .build(ID)
        .stdout("test-1\n")
        .stderr("reused test-1 mk\nbuild.lua: 0 jobs built, 1 reused in TIME\n")
        .run();
}

#[test]
fn a_missing_column_file_is_built_anew() {
    let out = first();
    std::fs::remove_file(out.path().join(DS).join("c0.0.isfloat")).unwrap();
    Test::again(out)
        .build(READ)
        .stdout("12505000.0\t58893\n")
        .stderr(&rebuilt("DS/default/c0.0.isfloat missing"))
        .run();
}

#[test]
fn a_result_or_saved_file_overwritten_in_place_is_built_anew() {
    let out = first();
    // `done` as MessagePack is a4 'd' 'o' 'n' 'e': `xone` has the same length.
    overwrite(&out, "workdirs/test/test-0/result.msgpack", 1, b"x");
    let out = Test::again(out)
        .build(ID)
        .stdout("test-1\n")
        .stderr(&rebuilt("result.msgpack damaged"))
        .run();
    // [1, 2] as MessagePack is 92 01 02.
    overwrite(&out, "workdirs/test/test-1/saved", 2, b"\x03");
    Test::again(out)
        .build(ID)
        .stdout("test-2\n")
        .stderr("built  test-2 mk (TIME; job test-1 not whole: saved damaged)\nbuild.lua: 1 job built, 0 reused in TIME\n")
        .run();
}

/// chmod changes every file's ctime, so each is hashed as the job is reused: intact, it is.
#[test]
fn a_chmod_ed_intact_job_is_still_reused() {
    let out = first();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let job = out.path().join("workdirs/test/test-0");
    let mut files = vec![job.join("result.msgpack"), job.join("saved")];
    for e in std::fs::read_dir(out.path().join(DS)).unwrap() {
        files.push(e.unwrap().path());
    }
    for p in files {
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    Test::again(out)
        .build(&format!(
            "{}\nlocal m = main\nfunction main(urd) m(urd) print(urd:build('mk'):load()) end",
            READ
        ))
        .stdout("12505000.0\t58893\ndone\n")
        .stderr("reused test-0 mk\nreused test-0 mk\nbuild.lua: 0 jobs built, 2 reused in TIME\n")
        .run();
}

#[test]
fn why_says_what_is_damaged() {
    let out = first();
    overwrite(&out, &format!("{DS}/c1.0.data"), 100, &[0xff]);
    let out = Test::again(out)
        .args(&["why", "mk"])
        .stdout(
            "
            `mk` would be built: none of its 1 finished job matches
            nearest: test-0
              job test-0 not whole: DS/default/c1.0.data damaged (dataset default, column `u`, slice 0: bytes 0 to 48893 do not match their checksum)
            ",
        )
        .run();
    // A job with another key is not hashed: what a `stat` shows is told.
    let out = Test::again(out)
        .args(&["why", "mk", "k=1"])
        .stdout("`mk` would be built: none of its 1 finished job matches\nnearest: test-0\n  option k: 0 -> 1 (default 0)\n")
        .run();
    std::fs::remove_file(out.path().join(DS).join("c0.0.isfloat")).unwrap();
    let out = Test::again(out)
        .args(&["why", "mk", "k=1"])
        .stdout(
            "
            `mk` would be built: none of its 1 finished job matches
            nearest: test-0
              job test-0 not whole: DS/default/c0.0.isfloat missing (dataset default, column `n`, slice 0)
              option k: 0 -> 1 (default 0)
            ",
        )
        .run();
    std::fs::write(out.path().join(DS).join("c0.0.isfloat"), b"").unwrap();
    Test::again(out)
        .args(&["why", "mk"])
        .stdout(
            "
            `mk` would be built: none of its 1 finished job matches
            nearest: test-0
              job test-0 not whole: DS/default/c0.0.isfloat damaged (dataset default, column `n`, slice 0: it has 0 bytes, 625 were written)
            ",
        )
        .run();
}

/// 12 columns (int64, number, unicode) over 16 slices, slice 15 empty: 15 x 12 slices of columns
/// with files.
const WIDE: &str = "
function synthesis(job)
  local dw = job:datasetwriter()
  for c = 1, 12 do dw:add('c' .. c, ({'int64', 'number', 'unicode'})[c % 3 + 1]) end
  for s = 0, 14 do
    dw:set_slice(s)
    for i = 1, 3 do
      local row = {}
      for c = 1, 12 do row[c] = ({i + s, i + s + 0.5, 'v' .. (i * c + s)})[c % 3 + 1] end
      dw:write(table.unpack(row))
    end
  end
end
";

const WIDE_BUILD: &str = "function main(urd) local j = urd:build('wide') print(j.id, j:dataset():lines()) end";

#[test]
fn a_dataset_with_many_slices_is_reused_and_every_part_is_checked() {
    let out = Test::new()
        .file("accelerator.conf", &crate::test::CONF.replace("slices: 2", "slices: 16"))
        .method("wide", WIDE)
        .build(WIDE_BUILD)
        .stdout("test-0\t45\n")
        .run();
    let out = Test::again(out)
        .build(WIDE_BUILD)
        .stdout("test-0\t45\n")
        .stderr("reused test-0 wide\nbuild.lua: 0 jobs built, 1 reused in TIME\n")
        .run();
    // The last column of the last slice with lines: `c12` (index 11, int64).
    let file = format!("{DS}/c11.14.data");
    assert_eq!(len(&out, &file), 24);
    overwrite(&out, &file, 8, &[0xff]);
    Test::again(out)
        .build(WIDE_BUILD)
        .stdout("test-1\t45\n")
        .stderr(
            "built  test-1 wide (TIME; job test-0 not whole: DS/default/c11.14.data damaged)\nbuild.lua: 1 job built, 0 reused in TIME\n",
        )
        .run();
}

/// The stamps a build records are those of its files when the job is done, so a reuse (and a
/// read) hashes nothing of a job no one touched. A writer that renamed or changed a file after
/// taking its stamp would make every reuse hash every file.
#[test]
fn the_stamps_recorded_are_the_files_stamps() {
    use std::os::unix::fs::MetadataExt;
    let out = first();
    let stamp = |rel: &str| {
        let m = std::fs::metadata(out.path().join(rel)).unwrap();
        format!("{}:{}:{}.{:09}", m.dev(), m.ino(), m.ctime(), m.ctime_nsec())
    };
    let meta: serde_json::Value = serde_json::from_str(&out.read(&format!("{DS}/dataset.json"))).unwrap();
    let mut parts = 0;
    for c in meta["columns"].as_array().unwrap() {
        for (slice, sc) in c["slices"].as_array().unwrap().iter().enumerate() {
            for (part, sums) in sc["parts"].as_object().unwrap() {
                let file = format!("{DS}/{}.{slice}.{part}", c["file"].as_str().unwrap());
                assert_eq!(sums["stamp"].as_str(), Some(stamp(&file).as_str()), "{file}");
                parts += 1;
            }
        }
    }
    assert_eq!(parts, 6);
    let post: serde_json::Value = serde_json::from_str(&out.read("workdirs/test/test-0/post.json")).unwrap();
    let sums = post["checksums"].as_object().unwrap();
    assert_eq!(
        sums.keys().collect::<Vec<_>>(),
        ["DS/default/dataset.json", "result.msgpack", "saved"]
    );
    for (name, s) in sums {
        assert_eq!(
            s["stamp"].as_str(),
            Some(stamp(&format!("workdirs/test/test-0/{name}")).as_str()),
            "{name}"
        );
    }
}
