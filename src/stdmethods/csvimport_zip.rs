//! The csvimport_zip kernel: csvimport of members of a zip file from the input directory, one
//! dataset each, named and chained as the original names and chains them. Each member is read
//! into memory (gunzipped if it is gzip) and goes through csvimport's own `import`, so parsing,
//! options and errors are csvimport's, with `zipname:member` as the file name in messages.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::Read;

use regex::Regex;

use crate::dataset::link;
use crate::error::{Error, Result};
use crate::status::Progress;
use crate::value::Value;

use super::csvimport::{import, maybe_gunzip, settings, Target};
use super::{Ctx, Opts};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Chaining {
    Off,
    On,
    ByFilename,
    ByDsname,
    ByDict,
    ByZiporder,
}

/// One member to import.
struct Member {
    /// Its index in the zip.
    index: usize,
    /// Its full name in the zip.
    full: String,
    /// Its name for sorting (without directories under strip_dirs).
    name: String,
    /// The dataset's name.
    dsn: String,
}

/// The original's clean-up of a member's name into a dataset name: characters other than
/// letters, digits, `.`, `_` and `-` become `_` (and so does a leading `.`, which exax's dataset
/// names may not have); `default` becomes `default_` when chaining; `_` is added until the name
/// is unused.
fn namefix(used: &HashSet<String>, name: &str, chaining: bool) -> String {
    let mut n: String = name
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' || (c == '.' && i > 0) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if n == "default" && chaining {
        n.push('_');
    }
    while used.contains(&n) {
        n.push('_');
    }
    n
}

/// `inside_filenames`: a map {member = dataset name} (its order is the member names sorted), or
/// a list of {member, dataset name} pairs (its order is the list's).
fn inside_filenames(o: &Opts) -> Result<Vec<(String, String)>> {
    let bad = || {
        o.error(
            "inside_filenames",
            "must be {member = 'dataset name'} or a list of {member, 'dataset name'} pairs",
        )
    };
    match o.get("inside_filenames") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|p| match p {
                Value::Array(kv) if kv.len() == 2 => match (&kv[0], &kv[1]) {
                    (Value::Str(k), Value::Str(v)) => {
                        Ok((String::from_utf8_lossy(k).into_owned(), String::from_utf8_lossy(v).into_owned()))
                    }
                    _ => Err(bad()),
                },
                _ => Err(bad()),
            })
            .collect(),
        Some(Value::Map(_)) => Ok(o.string_map("inside_filenames")?.into_iter().collect()),
        None => Ok(vec![]),
        Some(_) => Err(bad()),
    }
}

fn regex_option(o: &Opts, key: &str) -> Result<Option<Regex>> {
    match o.string(key)?.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(r) => Regex::new(&r)
            .map(Some)
            .map_err(|e| o.error(key, &format!("is not a valid regex: {e}"))),
    }
}

pub fn run(ctx: &Ctx, o: &Opts) -> Result<Value> {
    let zipname = o.string("filename")?.ok_or_else(|| o.error("filename", "is required"))?;
    let chaining = match o.string("chaining")?.as_deref().unwrap_or("on") {
        "off" => Chaining::Off,
        "on" => Chaining::On,
        "by_filename" => Chaining::ByFilename,
        "by_dsname" => Chaining::ByDsname,
        "by_dict" => Chaining::ByDict,
        "by_ziporder" => Chaining::ByZiporder,
        other => {
            return Err(o.error(
                "chaining",
                &format!("must be off, on, by_filename, by_dsname, by_dict or by_ziporder, got {other:?}"),
            ))
        }
    };
    let wanted = inside_filenames(o)?;
    let include = regex_option(o, "include_re")?;
    let exclude = regex_option(o, "exclude_re")?;
    if !wanted.is_empty() && (include.is_some() || exclude.is_some()) {
        return Err(o.error("inside_filenames", "and include_re/exclude_re cannot both be given"));
    }
    if chaining == Chaining::ByDict && wanted.is_empty() {
        return Err(o.error("chaining", "by_dict needs inside_filenames"));
    }
    let strip_dirs = o.bool("strip_dirs")?.unwrap_or(false);

    let path = ctx.input_file(&zipname)?;
    let cannot = |e: &dyn std::fmt::Display| Error::User(format!("csvimport_zip: {zipname}: {e}"));
    let file = File::open(&path).map_err(|e| cannot(&e))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| cannot(&e))?;

    // Which members, under which names.
    let mut namemap: BTreeMap<String, String> = wanted.iter().cloned().collect();
    let mut used = HashSet::new();
    let mut members = Vec::new();
    for index in 0..zip.len() {
        if !wanted.is_empty() && namemap.is_empty() {
            break;
        }
        let f = zip.by_index_raw(index).map_err(|e| cannot(&e))?;
        let full = f.name().to_string();
        if full.ends_with('/') || f.unix_mode().is_some_and(|m| m & 0o170000 == 0o040000) {
            continue; // a directory
        }
        let name = if strip_dirs {
            full.rsplit('/').next().unwrap_or(&full).to_string()
        } else {
            full.clone()
        };
        if !wanted.is_empty() {
            if let Some(dsn) = namemap.remove(&name) {
                members.push(Member { index, full, name, dsn });
            }
        } else if include.as_ref().is_none_or(|r| r.is_match(&full)) && !exclude.as_ref().is_some_and(|r| r.is_match(&full)) {
            let dsn = namefix(&used, &name, chaining != Chaining::Off);
            used.insert(dsn.clone());
            members.push(Member { index, full, name, dsn });
        }
    }
    if !namemap.is_empty() {
        let missing: Vec<&str> = namemap.keys().map(String::as_str).collect();
        return Err(Error::User(format!(
            "csvimport_zip: not found in {zipname}: {}",
            missing.join(", ")
        )));
    }
    if members.is_empty() {
        return Err(Error::User(format!("csvimport_zip: {zipname}: no members to import")));
    }
    match chaining {
        Chaining::ByFilename => members.sort_by(|a, b| a.name.cmp(&b.name)),
        Chaining::ByDsname => members.sort_by(|a, b| a.dsn.cmp(&b.dsn)),
        Chaining::ByDict | Chaining::On if !wanted.is_empty() => {
            let order: BTreeMap<&str, usize> = wanted.iter().enumerate().map(|(i, (_, d))| (d.as_str(), i)).collect();
            members.sort_by_key(|m| order.get(m.dsn.as_str()).copied().unwrap_or(usize::MAX));
        }
        _ => {}
    }
    if chaining != Chaining::Off && members[..members.len() - 1].iter().any(|m| m.dsn == "default") {
        return Err(Error::User(
            "csvimport_zip: when chaining, the dataset named `default` must be the last one".into(),
        ));
    }

    let given_previous = o.dataset("previous")?;
    let mut previous = given_previous.clone();
    let progress = Progress::new(format!("importing members of {zipname}"), Some(members.len() as u64), "files");
    let mut last = None;
    for (i, m) in members.iter().enumerate() {
        progress.set(i as u64);
        let show = format!("{zipname}:{}", m.full);
        let mut bytes = Vec::new();
        zip.by_index(m.index)
            .and_then(|mut f| f.read_to_end(&mut bytes).map_err(Into::into))
            .map_err(|e| Error::User(format!("csvimport_zip: {show}: cannot read: {e}")))?;
        let bytes = maybe_gunzip(&show, bytes)?;
        let mut s = settings(o)?;
        s.filename = show;
        s.previous = previous.clone();
        let previous_sides = previous.as_deref().map(|p| match p.strip_suffix("/default") {
            // csvimport's `bad` and `skipped`, or csvimport_zip's `default.bad` ...
            Some(job) if ctx.dataset(&format!("{p}.bad")).is_err() && ctx.dataset(&format!("{p}.skipped")).is_err() => {
                format!("{job}/")
            }
            _ => format!("{p}."),
        });
        let target = Target {
            main: m.dsn.clone(),
            side_prefix: format!("{}.", m.dsn),
            previous_sides,
        };
        import(ctx, &s, &bytes, &target)?;
        let id = format!("{}/{}", ctx.job, m.dsn);
        previous = if chaining == Chaining::Off {
            given_previous.clone()
        } else {
            Some(id.clone())
        };
        last = Some((id, m));
    }
    drop(progress);
    if let Some((id, m)) = last {
        if (members.len() == 1 || chaining != Chaining::Off) && m.dsn != "default" {
            let meta = ctx.dataset(&id)?.meta;
            link::save(&ctx.job_dir, &link::derive(&meta, &ctx.job.to_string(), "default"))?;
        }
    }
    Ok(Value::Nil)
}
