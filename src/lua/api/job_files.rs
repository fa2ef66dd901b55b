//! The Job handle's file methods (spec section 4, manual 8.8–8.11): `save`, `load`, `json_save`,
//! `json_load`, `open`, `register_file`, `register_files`, `files`, `filename`, `open_input`.
//! Writing needs the running job (the job whose Lua state this is); reading works on any job and
//! in build scripts. Names, registration and atomic writes are `crate::job::files`.

use mlua::{Function, Lua, MultiValue, Table, UserDataMethods};

use crate::error::{did_you_mean, Error};
use crate::job::files::input_path;
use crate::job::files::{self, disk_name, Event, Registrations};
use crate::job::records::{self, Post};
use crate::json::{from_json, to_json};
use crate::lua::api::handles::LuaJob;
use crate::lua::engine::convert::{to_lua, to_value};
use crate::lua::engine::errors::to_lua_err;
use crate::lua::engine::runtime::{JobScope, Runtime};
use crate::msgpack;

const IO_OPEN: &str = "exax.io_open";

/// Keeps Lua's own `io.open` for `job:open` and `job:open_input`, whatever a script does to `io`.
pub fn register(lua: &Lua) -> mlua::Result<()> {
    let io: Table = lua.globals().get("io")?;
    lua.set_named_registry_value(IO_OPEN, io.get::<Function>("open")?)
}

fn user(message: String) -> mlua::Error {
    to_lua_err(Error::User(message))
}

/// The `{sliceno=, temp=}` table of the file methods.
#[derive(Default)]
struct FileOpts {
    sliceno: Option<usize>,
    temp: bool,
}

/// The options, with the slice number checked against the project's slices.
fn file_opts(lua: &Lua, what: &str, opts: Option<Table>, temp_allowed: bool) -> mlua::Result<FileOpts> {
    let o = parse_file_opts(what, opts, temp_allowed)?;
    if let Some(s) = o.sliceno {
        let slices = Runtime::get(lua).project.config.slices;
        if s >= slices {
            return Err(user(format!(
                "{what}: sliceno {s} is out of range; this project has {slices} slices (0 to {})",
                slices.saturating_sub(1)
            )));
        }
    }
    Ok(o)
}

fn parse_file_opts(what: &str, opts: Option<Table>, temp_allowed: bool) -> mlua::Result<FileOpts> {
    let mut o = FileOpts::default();
    let Some(t) = opts else { return Ok(o) };
    let known: &[&str] = if temp_allowed { &["sliceno", "temp"] } else { &["sliceno"] };
    for kv in t.pairs::<mlua::Value, mlua::Value>() {
        let (k, v) = kv?;
        let key = match &k {
            mlua::Value::String(s) => s.to_string_lossy(),
            other => return Err(user(format!("{what}: option names are strings, got a {}", other.type_name()))),
        };
        match (key.as_str(), v) {
            ("sliceno", mlua::Value::Integer(n)) if n >= 0 => o.sliceno = Some(n as usize),
            ("sliceno", mlua::Value::Number(x)) if x >= 0.0 && x.fract() == 0.0 && x < 1e15 => o.sliceno = Some(x as usize),
            ("sliceno", mlua::Value::Nil) => {}
            ("sliceno", v) => {
                return Err(user(format!(
                    "{what}: sliceno must be a slice number (0 or more), got {}",
                    describe(&v)
                )))
            }
            ("temp", mlua::Value::Boolean(b)) if temp_allowed => o.temp = b,
            ("temp", mlua::Value::Nil) if temp_allowed => {}
            ("temp", v) if temp_allowed => return Err(user(format!("{what}: temp must be a boolean, got {}", describe(&v)))),
            (other, _) => {
                return Err(user(format!(
                    "{what}: unknown option `{other}`{}; options are {}",
                    did_you_mean(other, known.iter().copied()),
                    known.join(", ")
                )))
            }
        }
    }
    Ok(o)
}

fn describe(v: &mlua::Value) -> String {
    match v {
        mlua::Value::String(s) => format!("string '{}'", s.to_string_lossy()),
        mlua::Value::Integer(i) => format!("{i}"),
        mlua::Value::Number(x) => format!("{x}"),
        other => format!("a {}", other.type_name()),
    }
}

/// Writing is for the job's own phases: the running job's handle, in its own Lua state.
fn require_running(lua: &Lua, this: &LuaJob, what: &str) -> mlua::Result<()> {
    match lua.app_data_ref::<JobScope>() {
        Some(scope) if scope.id == this.id => Ok(()),
        Some(scope) => Err(user(format!(
            "{what}: job {} cannot write files of job {}; a job writes only its own files",
            scope.id, this.id
        ))),
        None => Err(user(format!(
            "{what}: job {} is not running here; a job's files are written by its own phases",
            this.id
        ))),
    }
}

/// The clean name and its file on disk for writing, after checking the slice number.
fn write_target(lua: &Lua, this: &LuaJob, what: &str, name: &str, o: &FileOpts) -> mlua::Result<(String, String)> {
    require_running(lua, this, what)?;
    let clean = files::writable_name(&this.id, name).map_err(|e| user(format!("{what}: {e}")))?;
    let disk = disk_name(&clean, o.sliceno);
    confined(this, what, &disk)?;
    Ok((clean, disk))
}

/// The file `disk` of the job, refused when a symlink on the way leads out of its directory.
fn confined(this: &LuaJob, what: &str, disk: &str) -> mlua::Result<camino::Utf8PathBuf> {
    files::inside_path(&this.id, &this.path, disk).map_err(|e| user(format!("{what}: {e}")))
}

fn write(this: &LuaJob, what: &str, disk: &str, bytes: &[u8]) -> mlua::Result<()> {
    files::write_atomic(&this.path.join(disk), bytes)
        .map_err(|e| user(format!("{what}: job {} cannot write `{disk}`: {}", this.id, io_reason(&e))))
}

/// An io error's reason without Rust's " (os error 2)".
fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn log_write(this: &LuaJob, name: String, disk: String, temp: bool) -> mlua::Result<()> {
    files::record(&this.path, &Event::Wrote { name, disk, temp }).map_err(to_lua_err)
}

/// Reads a file of any job; a missing file names the job, the file and the slice.
fn read_file(this: &LuaJob, what: &str, name: &str, sliceno: Option<usize>) -> mlua::Result<(String, Vec<u8>)> {
    let clean = files::clean_name(&this.id, name).map_err(|e| user(format!("{what}: {e}")))?;
    let disk = disk_name(&clean, sliceno);
    let path = confined(this, what, &disk)?;
    match std::fs::read(&path) {
        Ok(b) => {
            crate::job::verify::check_read(&this.path, &this.id.to_string(), &disk, &b).map_err(|e| user(format!("{what}: {e}")))?;
            Ok((disk, b))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(user(missing(this, what, &clean, sliceno))),
        Err(e) => Err(to_lua_err(Error::io(path, e))),
    }
}

fn missing(this: &LuaJob, what: &str, name: &str, sliceno: Option<usize>) -> String {
    match sliceno {
        Some(s) => format!("{what}: job {} has no file `{name}` for slice {s}", this.id),
        None if this.path.join(disk_name(name, Some(0))).is_file() => format!(
            "{what}: job {} has no file `{name}` (it is a sliced file: pass {{sliceno = ...}})",
            this.id
        ),
        None => format!("{what}: job {} has no file `{name}`", this.id),
    }
}

/// JSON objects with their keys sorted, so a saved file does not depend on Lua's table order.
fn sorted(j: serde_json::Value) -> serde_json::Value {
    match j {
        serde_json::Value::Object(o) => {
            let mut items: Vec<_> = o.into_iter().collect();
            items.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(items.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        serde_json::Value::Array(a) => serde_json::Value::Array(a.into_iter().map(sorted).collect()),
        other => other,
    }
}

fn is_write_mode(mode: &str) -> bool {
    mode.contains(['w', 'a', '+'])
}

fn io_open(lua: &Lua, path: &str, mode: &str) -> mlua::Result<MultiValue> {
    let open: Function = lua.named_registry_value(IO_OPEN)?;
    open.call((path, mode))
}

/// `io.open`'s `(nil, "path: reason")` as an error of `what` about `file`.
fn opened(rets: MultiValue, what: &str, path: &str, file: &str) -> mlua::Result<mlua::Value> {
    let mut it = rets.into_iter();
    match it.next() {
        Some(f @ mlua::Value::UserData(_)) => Ok(f),
        _ => {
            let msg = it
                .next()
                .and_then(|m| m.as_string().map(|s| s.to_string_lossy()))
                .unwrap_or_else(|| "cannot open".to_string());
            let reason = msg.strip_prefix(&format!("{path}: ")).unwrap_or(&msg);
            Err(user(format!("{what}: cannot open {file}: {reason}")))
        }
    }
}

/// Lua's own check of an `io.open` mode: `r`, `w` or `a`, maybe `+`, then only `b`s.
fn check_mode(what: &str, mode: &str) -> mlua::Result<()> {
    let rest = mode.strip_prefix(['r', 'w', 'a']);
    let rest = rest.map(|r| r.strip_prefix('+').unwrap_or(r));
    match rest {
        Some(r) if r.bytes().all(|b| b == b'b') => Ok(()),
        _ => Err(user(format!(
            "{what}: invalid mode '{mode}' (use 'r', 'w' or 'a', maybe with '+', and 'b' for binary)"
        ))),
    }
}

/// The job's registered files: post.json's for a finished job, the registrations so far for the
/// running job.
fn files(lua: &Lua, this: &LuaJob) -> mlua::Result<Vec<String>> {
    let post = this.path.join(records::POST);
    if post.is_file() {
        let p: Post = records::read_json(&post).map_err(to_lua_err)?;
        return Ok(p.files);
    }
    let running = lua.app_data_ref::<JobScope>().is_some_and(|s| s.id == this.id);
    if !running {
        return Err(user(format!("job:files: job {} did not finish, so it has no files", this.id)));
    }
    Registrations::read(&this.path)
        .and_then(|r| r.files(&this.path))
        .map_err(to_lua_err)
}

pub fn add_methods<M: UserDataMethods<LuaJob>>(m: &mut M) {
    m.add_method("save", |lua, this, (value, name, opts): (mlua::Value, String, Option<Table>)| {
        let what = "job:save";
        let o = file_opts(lua, what, opts, true)?;
        let (clean, disk) = write_target(lua, this, what, &name, &o)?;
        let v = to_value(&value, &format!("job:save('{clean}')")).map_err(|m| to_lua_err(Error::Value(m)))?;
        write(this, what, &disk, &msgpack::encode(&v))?;
        log_write(this, clean, disk, o.temp)
    });
    m.add_method(
        "json_save",
        |lua, this, (value, name, opts): (mlua::Value, String, Option<Table>)| {
            let what = "job:json_save";
            let o = file_opts(lua, what, opts, true)?;
            let (clean, disk) = write_target(lua, this, what, &name, &o)?;
            let label = format!("job:json_save('{clean}')");
            let v = to_value(&value, &label).map_err(|m| to_lua_err(Error::Value(m)))?;
            let j = sorted(to_json(&v, &label).map_err(to_lua_err)?);
            let mut bytes = serde_json::to_vec_pretty(&j).map_err(|e| user(format!("{label}: {e}")))?;
            bytes.push(b'\n');
            write(this, what, &disk, &bytes)?;
            log_write(this, clean, disk, o.temp)
        },
    );
    m.add_method("load", |lua, this, (name, opts): (Option<String>, Option<Table>)| {
        let o = file_opts(lua, "job:load", opts, false)?;
        let Some(name) = name else {
            // The result: nil when synthesis returned nil (or there was no synthesis).
            return match std::fs::read(this.path.join(records::RESULT)) {
                Ok(b) => {
                    let id = this.id.to_string();
                    crate::job::verify::check_read(&this.path, &id, records::RESULT, &b).map_err(|e| user(format!("job:load: {e}")))?;
                    to_lua(lua, &msgpack::decode(&b, &format!("{id}/{}", records::RESULT)).map_err(to_lua_err)?)
                }
                // A job that returned nothing has no result file; one whose post.json says it
                // left one has lost it.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => match records::read_post(&this.path).and_then(|p| p.result) {
                    Some(true) => Err(user(format!(
                        "job:load: job {} is damaged: its result file {} is missing",
                        this.id,
                        records::RESULT
                    ))),
                    _ => Ok(mlua::Value::Nil),
                },
                Err(e) => Err(to_lua_err(Error::io(this.path.join(records::RESULT), e))),
            };
        };
        let (disk, bytes) = read_file(this, "job:load", &name, o.sliceno)?;
        let v = msgpack::decode(&bytes, &format!("job:load: {}/{disk}", this.id)).map_err(to_lua_err)?;
        to_lua(lua, &v)
    });
    m.add_method("json_load", |lua, this, (name, opts): (String, Option<Table>)| {
        let o = file_opts(lua, "job:json_load", opts, false)?;
        let (disk, bytes) = read_file(this, "job:json_load", &name, o.sliceno)?;
        let j: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| user(format!("job:json_load: {}/{disk} is not valid JSON: {e}", this.id)))?;
        to_lua(lua, &from_json(&j))
    });
    m.add_method("open", |lua, this, (name, mode, opts): (String, Option<String>, Option<Table>)| {
        let what = "job:open";
        let mode = mode.unwrap_or_else(|| "r".to_string());
        check_mode(what, &mode)?;
        let o = file_opts(lua, what, opts, true)?;
        if !is_write_mode(&mode) {
            if o.temp {
                return Err(user(format!("{what}: temp is for writing; mode '{mode}' reads")));
            }
            let clean = files::clean_name(&this.id, &name).map_err(|e| user(format!("{what}: {e}")))?;
            let path = confined(this, what, &disk_name(&clean, o.sliceno))?;
            if !path.exists() {
                return Err(user(missing(this, what, &clean, o.sliceno)));
            }
            let file = format!("`{}` of job {}", disk_name(&clean, o.sliceno), this.id);
            return opened(io_open(lua, path.as_str(), &mode)?, what, path.as_str(), &file);
        }
        let (clean, disk) = write_target(lua, this, what, &name, &o)?;
        let path = this.path.join(&disk);
        let file = format!("`{disk}` of job {} for writing", this.id);
        let f = opened(io_open(lua, path.as_str(), &mode)?, what, path.as_str(), &file)?;
        log_write(this, clean, disk, o.temp)?;
        Ok(f)
    });
    m.add_method("register_file", |lua, this, (name, opts): (String, Option<Table>)| {
        let what = "job:register_file";
        let o = file_opts(lua, what, opts, false)?;
        let (clean, disk) = write_target(lua, this, what, &name, &o)?;
        let disks = if this.path.join(&disk).is_file() {
            vec![disk]
        } else if o.sliceno.is_none() {
            // A sliced file: register every slice of it that exists.
            let slices = Runtime::get(lua).project.config.slices;
            (0..slices)
                .map(|s| disk_name(&clean, Some(s)))
                .filter(|d| this.path.join(d).is_file())
                .collect()
        } else {
            vec![]
        };
        for d in &disks {
            confined(this, what, d)?;
        }
        if disks.is_empty() {
            if this.path.join(disk_name(&clean, o.sliceno)).is_dir() {
                return Err(user(format!(
                    "{what}: `{clean}` in job {} is a directory; register the files in it",
                    this.id
                )));
            }
            let slice = o.sliceno.map(|s| format!(" for slice {s}")).unwrap_or_default();
            return Err(user(format!("{what}: job {} has no file `{clean}`{slice}", this.id)));
        }
        files::record(&this.path, &Event::Registered { name: clean, disks }).map_err(to_lua_err)
    });
    m.add_method("register_files", |lua, this, pattern: String| {
        let what = "job:register_files";
        require_running(lua, this, what)?;
        let names = files::glob_files(&this.id, &this.path, &pattern).map_err(to_lua_err)?;
        for n in &names {
            files::record(
                &this.path,
                &Event::Registered {
                    name: n.clone(),
                    disks: vec![n.clone()],
                },
            )
            .map_err(to_lua_err)?;
        }
        lua.create_sequence_from(names)
    });
    m.add_method("files", |lua, this, ()| lua.create_sequence_from(files(lua, this)?));
    m.add_method("filename", |lua, this, (name, opts): (String, Option<Table>)| {
        let o = file_opts(lua, "job:filename", opts, false)?;
        let clean = files::clean_name(&this.id, &name).map_err(|e| user(format!("job:filename: {e}")))?;
        Ok(confined(this, "job:filename", &disk_name(&clean, o.sliceno))?.to_string())
    });
    m.add_method("open_input", |lua, _this, (name, mode): (String, Option<String>)| {
        let what = "job:open_input";
        let mode = mode.unwrap_or_else(|| "r".to_string());
        if mode != "r" && mode != "rb" {
            return Err(user(format!(
                "{what}: input files are read-only; mode '{mode}' is not allowed (use 'r' or 'rb')"
            )));
        }
        let input = Runtime::get(lua).project.config.input_directory.clone();
        let path = input_path(&input, std::slice::from_ref(&name)).map_err(|e| user(format!("{what}: {e}")))?;
        if !input.is_dir() {
            return Err(user(format!("{what}: the input directory {input} does not exist")));
        }
        if !path.exists() {
            return Err(user(format!("{what}: no file `{name}` in the input directory ({input})")));
        }
        crate::lua::api::handles::record_input(lua, &path)?;
        opened(
            io_open(lua, path.as_str(), &mode)?,
            what,
            path.as_str(),
            &format!("input file `{name}`"),
        )
    });
}
