//! The data behind the three handles Lua holds (Job, Dataset, DatasetWriter) and what every
//! tier needs of them: making a handle, the id a handle or string names, opening a dataset.
//! Their methods live in `job.rs`, `dataset.rs` and `dataset_writer.rs`; this file imports
//! none of those, so conversion (`engine::convert`) can make handles without a cycle.

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

use camino::Utf8PathBuf;
use mlua::{AnyUserData, Lua};

use crate::dataset::format;
use crate::dataset::locate;
use crate::dataset::reader::Dataset;
use crate::dataset::writer::DatasetWriter;
use crate::error::{Error, Result};
use crate::job::id::JobId;
use crate::job::records::{self, Setup};
use crate::lua::engine::errors::to_lua_err;
use crate::lua::engine::runtime::{JobScope, Runtime};
use crate::lua::ffi;

pub struct LuaJob {
    pub id: JobId,
    pub path: Utf8PathBuf,
    pub setup: OnceCell<Rc<Setup>>,
}

impl LuaJob {
    pub fn handle(lua: &Lua, id: JobId) -> mlua::Result<AnyUserData> {
        let rt = Runtime::get(lua);
        let path = rt.project.job_path(&id).map_err(to_lua_err)?;
        lua.create_userdata(LuaJob {
            id,
            path,
            setup: OnceCell::new(),
        })
    }

    /// A slice number as an output part, checked against the job's slices.
    pub fn output_slice(&self, part: &str) -> mlua::Result<String> {
        let slices = self.setup()?.slices;
        match part.parse::<usize>() {
            Ok(n) if n < slices => Ok(n.to_string()),
            _ => Err(to_lua_err(Error::User(format!(
                "job:output: job {} has slices 0 to {}, no slice {part}",
                self.id,
                slices.saturating_sub(1)
            )))),
        }
    }

    pub fn setup(&self) -> mlua::Result<Rc<Setup>> {
        if let Some(s) = self.setup.get() {
            return Ok(s.clone());
        }
        let s = Rc::new(records::read_json::<Setup>(&self.path.join(records::SETUP)).map_err(to_lua_err)?);
        let _ = self.setup.set(s.clone());
        Ok(s)
    }
}

/// Logs an input file that the running job reads (nothing outside a job: a build script's reads
/// are no job's inputs).
pub fn record_input(lua: &Lua, path: &camino::Utf8Path) -> mlua::Result<()> {
    let Some(id) = lua.app_data_ref::<JobScope>().map(|s| s.id.clone()) else {
        return Ok(());
    };
    let rt = Runtime::get(lua);
    let dir = rt.project.job_path(&id).map_err(to_lua_err)?;
    crate::job::inputs::record(&dir, &rt.project.config.input_directory, path).map_err(to_lua_err)
}

pub struct LuaDataset {
    pub id: String,
    pub ds: OnceCell<Rc<Dataset>>,
}

impl LuaDataset {
    pub fn handle(lua: &Lua, id: &str) -> mlua::Result<AnyUserData> {
        lua.create_userdata(LuaDataset {
            id: id.to_string(),
            ds: OnceCell::new(),
        })
    }

    pub fn open(&self, lua: &Lua) -> mlua::Result<Rc<Dataset>> {
        if let Some(ds) = self.ds.get() {
            return Ok(ds.clone());
        }
        let ds = open_dataset(lua, &self.id).map_err(to_lua_err)?;
        let _ = self.ds.set(ds.clone());
        Ok(ds)
    }
}

/// The job, its directory, and the dataset's directory of dataset `job/name`.
pub fn dataset_dir(lua: &Lua, id: &str) -> Result<(JobId, Utf8PathBuf, Utf8PathBuf)> {
    let loc = locate::locate(&Runtime::get(lua).project, id)?;
    Ok((loc.job, loc.job_path, loc.dir))
}

/// Opens a finished dataset: its job finished, or it is the job running in this state.
pub fn open_dataset(lua: &Lua, id: &str) -> Result<Rc<Dataset>> {
    let running = lua.app_data_ref::<JobScope>().map(|s| s.id.clone());
    locate::open(&Runtime::get(lua).project, id, running.as_ref())
}

/// A dataset id from a Dataset handle, a `job/name` string or a Job handle (its `default`).
pub fn dataset_id_of(v: &mlua::Value, what: &str) -> mlua::Result<String> {
    match v {
        mlua::Value::UserData(ud) => {
            if let Ok(d) = ud.borrow::<LuaDataset>() {
                return Ok(d.id.clone());
            }
            if let Ok(j) = ud.borrow::<LuaJob>() {
                return Ok(format!("{}/default", j.id));
            }
        }
        mlua::Value::String(s) => {
            let s = s.to_string_lossy();
            let (job, name) = format::split_id(&s);
            if JobId::parse(job).is_some() && !name.is_empty() {
                return Ok(format!("{job}/{name}"));
            }
        }
        _ => {}
    }
    Err(mlua::Error::runtime(format!(
        "{what} must be a Dataset (or a dataset id like 'demo-3/default'), got {}",
        describe(v)
    )))
}

pub struct LuaDatasetWriter {
    pub core: Rc<RefCell<DatasetWriter>>,
}

impl Drop for LuaDatasetWriter {
    fn drop(&mut self) {
        ffi::forget_writer(&self.core);
    }
}

impl LuaDatasetWriter {
    pub fn id(&self) -> String {
        self.core.borrow().id()
    }
}

/// A Lua value as messages show it: `'x'`, `3`, `a table`.
pub fn describe(v: &mlua::Value) -> String {
    match v {
        mlua::Value::String(s) => format!("'{}'", s.to_string_lossy()),
        mlua::Value::Integer(i) => i.to_string(),
        mlua::Value::Number(x) => x.to_string(),
        other => format!("a {}", other.type_name()),
    }
}
