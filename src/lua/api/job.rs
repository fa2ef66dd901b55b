//! The Job handle: `job.id`, `job.method`, `job.params`, `job.post`, `job:load()`, `job:output()`.
//! It holds an id and resolves the directory and records when asked, so a handle stays cheap.

use mlua::{AnyUserData, UserData, UserDataFields, UserDataMethods};

use crate::error::Error;
use crate::job::files::input_path;
use crate::job::id::JobId;
use crate::job::records::{self, Post, Setup};
use crate::json::from_json;
use crate::lua::api::handles::{record_input, LuaJob};
use crate::lua::engine::convert::readonly_value;
use crate::lua::engine::errors::to_lua_err;
use crate::lua::engine::runtime::{JobScope, Runtime};
use crate::value::Value;

/// Job ids stored as strings in setup.json come back as handles.
fn handles(v: &serde_json::Value, dataset: bool) -> Value {
    match v {
        serde_json::Value::String(s) if dataset => Value::Dataset(s.clone()),
        serde_json::Value::String(s) => JobId::parse(s).map(Value::Job).unwrap_or_else(|| Value::str(s)),
        serde_json::Value::Array(a) => Value::Array(a.iter().map(|x| handles(x, dataset)).collect()),
        other => from_json(other),
    }
}

pub fn params_value(setup: &Setup) -> Value {
    let section = |m: &serde_json::Map<String, serde_json::Value>, f: &dyn Fn(&serde_json::Value) -> Value| {
        Value::Map(m.iter().map(|(k, v)| (Value::str(k), f(v))).collect())
    };
    Value::Map(vec![
        (Value::str("method"), Value::str(&setup.method)),
        (Value::str("hash"), Value::str(&setup.hash)),
        (Value::str("caption"), Value::str(&setup.caption)),
        (Value::str("options"), section(&setup.options, &from_json)),
        (Value::str("datasets"), section(&setup.datasets, &|v| handles(v, true))),
        (Value::str("jobs"), section(&setup.jobs, &|v| handles(v, false))),
    ])
}

fn post_value(post: &Post) -> mlua::Result<Value> {
    let mut v = from_json(&serde_json::to_value(post).map_err(mlua::Error::external)?);
    if let Value::Map(m) = &mut v {
        for (k, x) in m.iter_mut() {
            if k.as_str() == Some("subjobs") {
                if let Value::Array(a) = x {
                    for item in a.iter_mut() {
                        if let Some(id) = item.as_str().and_then(JobId::parse) {
                            *item = Value::Job(id);
                        }
                    }
                }
            }
        }
    }
    Ok(v)
}

impl UserData for LuaJob {
    fn add_fields<F: UserDataFields<Self>>(f: &mut F) {
        f.add_meta_field("__name", "Job");
        f.add_field_method_get("id", |_, this| Ok(this.id.to_string()));
        f.add_field_method_get("workdir", |_, this| Ok(this.id.workdir.clone()));
        f.add_field_method_get("number", |_, this| Ok(this.id.number));
        f.add_field_method_get("path", |_, this| Ok(this.path.to_string()));
        f.add_field_method_get("method", |_, this| Ok(this.setup()?.method.clone()));
        f.add_field_method_get("params", |lua, this| {
            let setup = this.setup()?;
            readonly_value(lua, &params_value(&setup), "job.params")
        });
        f.add_field_method_get("post", |lua, this| {
            let path = this.path.join(records::POST);
            if !path.is_file() {
                return Ok(mlua::Value::Nil);
            }
            let post: Post = records::read_json(&path).map_err(to_lua_err)?;
            readonly_value(lua, &post_value(&post)?, "job.post")
        });
    }

    fn add_methods<M: UserDataMethods<Self>>(m: &mut M) {
        crate::lua::api::job_files::add_methods(m);
        m.add_meta_method(mlua::MetaMethod::ToString, |_, this, ()| Ok(this.id.to_string()));
        m.add_meta_method(mlua::MetaMethod::Eq, |_, this, other: AnyUserData| {
            Ok(other.borrow::<LuaJob>().map(|o| o.id == this.id).unwrap_or(false))
        });
        m.add_method("dataset", |lua, this, name: Option<String>| {
            crate::lua::api::dataset::job_dataset(lua, &this.id, name)
        });
        m.add_method("datasets", |lua, this, ()| {
            crate::lua::api::dataset::job_datasets(lua, &this.id, &this.path)
        });
        m.add_method("datasetwriter", |lua, this, opts: Option<mlua::Table>| {
            crate::lua::api::dataset_writer::create(lua, &this.id, opts)
        });
        m.add_method("input_directory", |lua, _, ()| {
            Ok(Runtime::get(lua).project.config.input_directory.to_string())
        });
        m.add_method("input_filename", |lua, _, parts: mlua::Variadic<String>| {
            let rt = Runtime::get(lua);
            let path = input_path(&rt.project.config.input_directory, &parts)
                .map_err(|e| to_lua_err(Error::User(format!("job:input_filename: {e}"))))?;
            record_input(lua, &path)?;
            Ok(path.to_string())
        });
        m.add_method("link_result", |lua, this, (name, linkname): (Option<String>, Option<String>)| {
            let rt = Runtime::get(lua);
            let name = name.unwrap_or_else(|| records::RESULT.to_string());
            let link = link_result(
                &rt.project.config.result_directory,
                &this.id,
                &this.path,
                &name,
                linkname.as_deref(),
            )
            .map_err(to_lua_err)?;
            // Who made the link: the build script, or the job running now.
            let build = match lua.app_data_ref::<JobScope>() {
                Some(scope) => scope.id.to_string(),
                None => rt.builder_name.borrow().clone(),
            };
            let method = this.setup().map(|s| s.method.clone()).unwrap_or_default();
            let rel = link
                .strip_prefix(&rt.project.config.result_directory)
                .map(|r| r.to_string())
                .unwrap_or_else(|_| link.to_string());
            let record = crate::board::results::ResultLink {
                link: rel,
                job: this.id.to_string(),
                file: name,
                method,
                build,
                timestamp: records::now(),
            };
            crate::board::results::record(&rt.project.root, &record).map_err(to_lua_err)?;
            Ok(link.to_string())
        });
        m.add_method("output", |_, this, part: Option<mlua::Value>| {
            let dir = this.path.join(records::OUTPUT_DIR);
            let read = |name: &str| -> mlua::Result<String> {
                match std::fs::read(dir.join(name)) {
                    Ok(b) => Ok(String::from_utf8_lossy(&b).into_owned()),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
                    Err(e) => Err(to_lua_err(Error::io(dir.join(name), e))),
                }
            };
            match part {
                None | Some(mlua::Value::Nil) => {
                    let setup = this.setup()?;
                    let mut all = read("prepare")?;
                    for s in 0..setup.slices {
                        all.push_str(&read(&s.to_string())?);
                    }
                    all.push_str(&read("synthesis")?);
                    Ok(all)
                }
                Some(mlua::Value::Integer(n)) => read(&this.output_slice(&n.to_string())?),
                Some(mlua::Value::String(s)) => {
                    let s = s.to_string_lossy();
                    if s == "prepare" || s == "synthesis" {
                        read(&s)
                    } else if s.parse::<usize>().is_ok() {
                        read(&this.output_slice(&s)?)
                    } else {
                        Err(mlua::Error::runtime(format!(
                            "job:output: no part `{s}`; parts are 'prepare', 'synthesis' and slice numbers"
                        )))
                    }
                }
                Some(other) => Err(mlua::Error::runtime(format!(
                    "job:output: expected a part name or slice number, got {}",
                    crate::lua::table::a_type(&other)
                ))),
            }
        });
    }
}

/// `job:link_result`: a symlink `<result directory>/<linkname>` to a file of the job, replaced
/// atomically (made under a temporary name, then renamed over the old link). As the original:
/// the link is named after the file's last part by default, and a linkname ending in `/` is a
/// directory the link goes into; no directory on the way may be a symlink.
fn link_result(
    results: &camino::Utf8Path,
    id: &JobId,
    job: &camino::Utf8Path,
    name: &str,
    linkname: Option<&str>,
) -> crate::error::Result<camino::Utf8PathBuf> {
    let normal = |p: &str| {
        !p.is_empty() && !p.starts_with('/') && !p.trim_end_matches('/').split('/').any(|c| c.is_empty() || c == "." || c == "..")
    };
    crate::job::files::clean_name(id, name.trim_end_matches('/')).map_err(|e| Error::User(format!("job:link_result: {e}")))?;
    if !normal(name) {
        return Err(Error::User(format!(
            "job:link_result: `{name}` must be a relative name inside job {id}"
        )));
    }
    if name.contains('\0') {
        return Err(Error::User(format!(
            "job:link_result: `{}` contains a NUL byte",
            name.escape_debug()
        )));
    }
    let target =
        crate::job::files::inside_path(id, job, name.trim_end_matches('/')).map_err(|e| Error::User(format!("job:link_result: {e}")))?;
    if !target.exists() {
        return Err(Error::User(format!("job:link_result: job {id} has no file `{name}`")));
    }
    let base = name.trim_end_matches('/').rsplit('/').next().unwrap_or(name);
    let linkname = match linkname {
        None => base.to_string(),
        Some(l) if l.ends_with('/') && !name.ends_with('/') => format!("{l}{base}"),
        Some(l) => l.trim_end_matches('/').to_string(),
    };
    if !normal(&linkname) {
        return Err(Error::User(format!(
            "job:link_result: `{linkname}` must be a relative name inside the result directory"
        )));
    }
    let link = results.join(&linkname);
    let dir = link.parent().unwrap_or(results);
    let mut at = results.to_path_buf();
    let parts: Vec<&str> = linkname.split('/').collect();
    for part in &parts[..parts.len() - 1] {
        at.push(part);
        if at.is_symlink() {
            return Err(Error::User(format!(
                "job:link_result: refusing to make `{linkname}`: {at} is a symlink"
            )));
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tmp = dir.join(format!(".{}.exax-link", link.file_name().unwrap_or("link")));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(&target, &tmp).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, &link).map_err(|e| Error::io(&link, e))?;
    Ok(link)
}
