//! The DatasetWriter handle (`dw`): `job:datasetwriter{name=, hashlabel=, previous=, parent=,
//! caption=}`, `dw:add(name, type, {none_support=})`, `dw:write(...)` (a raw C function from
//! `ffi`), `dw:write_dict{...}`, `dw:set_slice(n)`, `dw:enable_hash_discard()`,
//! `dw:finish()`. The handle has methods only (no field getters), so `dw.write` is a plain table
//! lookup for Lua.
//!
//! A job's writers live in its Lua state (`Writers`, app data). A writer returned from prepare
//! reaches each analysis worker as `Value::Writer(id)` and is reopened there from `writer.json`,
//! fixed to the worker's slice; `finish_worker` records the slices a worker wrote, and
//! `finish_job` turns every writer into a dataset when the job succeeds.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use mlua::{AnyUserData, Lua, Table, UserData, UserDataFields, UserDataMethods};

use crate::dataset::format::{self, DatasetMeta};
use crate::dataset::types::ColType;
use crate::dataset::writer::{DatasetWriter, WriterDef};
use crate::error::{did_you_mean, Error};
use crate::job::id::JobId;
use crate::lua::api::handles::{dataset_dir, dataset_id_of, open_dataset, LuaDataset, LuaDatasetWriter};
use crate::lua::engine::errors::to_lua_err;
use crate::lua::engine::runtime::{JobScope, Runtime};
use crate::lua::ffi::{self, WriteFn};

/// The writers of the job running in a Lua state.
#[derive(Default)]
struct Writers {
    list: RefCell<Vec<Rc<RefCell<DatasetWriter>>>>,
    /// In an analysis worker: its slice.
    worker_slice: Cell<Option<usize>>,
}

fn writers(lua: &Lua) -> mlua::AppDataRef<'_, Writers> {
    match lua.app_data_ref::<Writers>() {
        Some(w) => w,
        None => unreachable!("register gives every state its Writers"),
    }
}

/// Every state gets an (empty) list of writers.
pub fn register(lua: &Lua) -> mlua::Result<()> {
    lua.set_app_data(Writers::default());
    Ok(())
}

fn handle(lua: &Lua, core: Rc<RefCell<DatasetWriter>>) -> mlua::Result<AnyUserData> {
    let ud = lua.create_userdata(LuaDatasetWriter { core: core.clone() })?;
    ffi::attach_writer(lua, &ud, &core)?;
    Ok(ud)
}

const OPTIONS: &[&str] = &["name", "hashlabel", "previous", "parent", "caption"];

/// `job:datasetwriter{...}` on the job `job` (which must be the running one).
pub fn create(lua: &Lua, job: &JobId, opts: Option<Table>) -> mlua::Result<AnyUserData> {
    {
        let Some(scope) = lua.app_data_ref::<JobScope>() else {
            return Err(mlua::Error::runtime(
                "job:datasetwriter is for the running job, in prepare or synthesis",
            ));
        };
        if scope.id != *job {
            return Err(mlua::Error::runtime(format!(
                "job:datasetwriter is for the running job ({}), not job {job}",
                scope.id
            )));
        }
        if *scope.phase.borrow() == "analysis" {
            return Err(mlua::Error::runtime(
                "make dataset writers in prepare (and return them, so analysis can write them) or in synthesis, not in analysis",
            ));
        }
    }
    let get = |k: &str| -> mlua::Result<mlua::Value> {
        match &opts {
            Some(t) => t.get(k),
            None => Ok(mlua::Value::Nil),
        }
    };
    if let Some(t) = &opts {
        for kv in t.pairs::<mlua::Value, mlua::Value>() {
            let (k, _) = kv?;
            let k = match k {
                mlua::Value::String(s) => s.to_string_lossy(),
                other => format!("{other:?}"),
            };
            if !OPTIONS.contains(&k.as_str()) {
                return Err(mlua::Error::runtime(format!(
                    "job:datasetwriter: unknown option `{k}`{} (options: {})",
                    did_you_mean(&k, OPTIONS.iter().copied()),
                    OPTIONS.join(", ")
                )));
            }
        }
    }
    let string = |k: &str| -> mlua::Result<Option<String>> {
        match get(k)? {
            mlua::Value::Nil => Ok(None),
            mlua::Value::String(s) => Ok(Some(s.to_string_lossy())),
            other => Err(mlua::Error::runtime(format!(
                "job:datasetwriter: `{k}` must be a string, got a {}",
                other.type_name()
            ))),
        }
    };
    let dataset = |k: &str| -> mlua::Result<Option<DatasetMeta>> {
        match get(k)? {
            mlua::Value::Nil => Ok(None),
            v => {
                let id = dataset_id_of(&v, &format!("job:datasetwriter: `{k}`"))?;
                Ok(Some(open_dataset(lua, &id).map_err(to_lua_err)?.meta.clone()))
            }
        }
    };
    let name = string("name")?.unwrap_or_else(|| "default".to_string());
    let previous = dataset("previous")?;
    let parent = dataset("parent")?;
    let rt = Runtime::get(lua);
    let def = WriterDef {
        job: job.to_string(),
        name,
        slices: rt.project.config.slices,
        columns: vec![],
        hashlabel: string("hashlabel")?,
        previous: previous.map(|m| m.id()),
        parent_columns: parent
            .as_ref()
            .map(|p| p.columns.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default(),
        parent: parent.map(|m| m.id()),
        caption: string("caption")?.unwrap_or_default(),
        hash_discard: false,
    };
    let path = rt.project.job_path(job).map_err(to_lua_err)?;
    let core = Rc::new(RefCell::new(DatasetWriter::create(&path, def).map_err(to_lua_err)?));
    writers(lua).list.borrow_mut().push(core.clone());
    handle(lua, core)
}

/// A writer handle for `Value::Writer(id)`: the one this state knows, or (in an analysis
/// worker) the writer prepare made, reopened for the worker's slice. A finished writer comes
/// back as its Dataset.
pub fn reopen(lua: &Lua, id: &str) -> mlua::Result<mlua::Value> {
    let found = writers(lua).list.borrow().iter().find(|w| w.borrow().id() == id).cloned();
    if let Some(core) = found {
        return Ok(mlua::Value::UserData(handle(lua, core)?));
    }
    let (jid, job_path, dir) = dataset_dir(lua, id).map_err(to_lua_err)?;
    if dir.join(format::META).is_file() {
        return Ok(mlua::Value::UserData(LuaDataset::handle(lua, id)?));
    }
    let (_, name) = format::split_id(id);
    let mut w = DatasetWriter::reopen(&job_path, &jid.to_string(), name).map_err(to_lua_err)?;
    let slice = writers(lua).worker_slice.get();
    if let Some(s) = slice {
        w.fix_slice(s);
    }
    let core = Rc::new(RefCell::new(w));
    writers(lua).list.borrow_mut().push(core.clone());
    Ok(mlua::Value::UserData(handle(lua, core)?))
}

/// An analysis worker: writers reopened in this state write slice `sliceno`.
pub fn set_worker_slice(lua: &Lua, sliceno: usize) {
    writers(lua).worker_slice.set(Some(sliceno));
}

/// The end of a successful analysis slice: record what this worker wrote.
pub fn finish_worker(lua: &Lua) -> Result<(), String> {
    for w in writers(lua).list.borrow().iter() {
        w.borrow_mut().finish_slices().map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn parent_meta(lua: &Lua) -> impl Fn(&str) -> crate::error::Result<DatasetMeta> + '_ {
    move |id: &str| Ok(open_dataset(lua, id)?.meta.clone())
}

/// The job succeeded: every writer not yet finished becomes a dataset.
pub fn finish_job(lua: &Lua) -> Result<(), String> {
    let list: Vec<_> = writers(lua).list.borrow().clone();
    for w in list {
        let mut w = w.borrow_mut();
        if !w.finished {
            w.finish(&parent_meta(lua)).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn core_mut(this: &LuaDatasetWriter) -> mlua::Result<std::cell::RefMut<'_, DatasetWriter>> {
    this.core
        .try_borrow_mut()
        .map_err(|_| mlua::Error::runtime("the dataset writer is busy (called from inside one of its own calls?)"))
}

impl UserData for LuaDatasetWriter {
    fn add_fields<F: UserDataFields<Self>>(f: &mut F) {
        f.add_meta_field("__name", "DatasetWriter");
        // A static field: `dw.write` is found in the metatable's __index table without calling
        // into Rust, and the function itself reads its arguments straight off the Lua stack.
        f.add_field("write", WriteFn);
    }

    fn add_methods<M: UserDataMethods<Self>>(m: &mut M) {
        m.add_meta_method(mlua::MetaMethod::ToString, |_, this, ()| {
            Ok(format!("DatasetWriter({})", this.core.borrow().id()))
        });
        m.add_meta_method(mlua::MetaMethod::Eq, |_, this, other: AnyUserData| {
            Ok(other
                .borrow::<LuaDatasetWriter>()
                .map(|o| Rc::ptr_eq(&o.core, &this.core))
                .unwrap_or(false))
        });
        m.add_method("add", |_, this, (name, ty, opts): (String, String, Option<Table>)| {
            let mut none_support = false;
            if let Some(t) = &opts {
                for kv in t.pairs::<String, mlua::Value>() {
                    let (k, v) = kv?;
                    match (k.as_str(), v) {
                        ("none_support", mlua::Value::Boolean(b)) => none_support = b,
                        ("none_support", other) => {
                            return Err(mlua::Error::runtime(format!(
                                "dw:add: none_support must be a boolean, got a {}",
                                other.type_name()
                            )))
                        }
                        (k, _) => {
                            return Err(mlua::Error::runtime(format!(
                                "dw:add: unknown option `{k}`{} (options: none_support)",
                                did_you_mean(k, ["none_support"])
                            )))
                        }
                    }
                }
            }
            let ty = ColType::parse(&ty).map_err(|e| mlua::Error::runtime(format!("dw:add('{name}', ...): {e}")))?;
            core_mut(this)?.add(&name, ty, none_support).map_err(to_lua_err)
        });
        m.add_method("set_slice", |_, this, n: i64| core_mut(this)?.set_slice(n).map_err(to_lua_err));
        m.add_method("enable_hash_discard", |_, this, ()| {
            core_mut(this)?.enable_hash_discard().map_err(to_lua_err)
        });
        m.add_function("write_dict", |lua, (ud, t): (AnyUserData, Table)| {
            let names: Vec<String> = {
                let this = ud.borrow::<LuaDatasetWriter>()?;
                let w = this.core.borrow();
                w.columns().iter().map(|c| c.name.clone()).collect()
            };
            for kv in t.pairs::<mlua::Value, mlua::Value>() {
                let (k, _) = kv?;
                let k = match k {
                    mlua::Value::String(s) => s.to_string_lossy(),
                    other => format!("{other:?}"),
                };
                if !names.contains(&k) {
                    let id = ud.borrow::<LuaDatasetWriter>()?.core.borrow().id();
                    return Err(mlua::Error::runtime(format!(
                        "dataset {id}: write_dict got `{k}`, which is not a column{} (columns: {})",
                        did_you_mean(&k, names.iter().map(String::as_str)),
                        names.join(", ")
                    )));
                }
            }
            let mut args = vec![mlua::Value::UserData(ud.clone())];
            for n in &names {
                args.push(t.raw_get(n.as_str())?);
            }
            let write: mlua::Function = WriteFn.into_lua_function(lua)?;
            write.call::<()>(mlua::MultiValue::from_vec(args))
        });
        m.add_method("finish", |lua, this, ()| {
            if lua.app_data_ref::<JobScope>().is_some_and(|s| *s.phase.borrow() == "analysis") {
                return Err(mlua::Error::runtime(
                    "dw:finish() is for prepare and synthesis; writers are finished when the job succeeds",
                ));
            }
            let meta = core_mut(this)?.finish(&parent_meta(lua)).map_err(to_lua_err)?;
            LuaDataset::handle(lua, &meta.id())
        });
    }
}

impl WriteFn {
    fn into_lua_function(self, lua: &Lua) -> mlua::Result<mlua::Function> {
        match mlua::IntoLua::into_lua(self, lua)? {
            mlua::Value::Function(f) => Ok(f),
            _ => Err(to_lua_err(Error::User("internal: write is not a function".into()))),
        }
    }
}
