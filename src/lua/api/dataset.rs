//! The Dataset handle (`ds`), as Lua sees it: `ds.id`, `ds.job`, `ds.name`, `ds.columns`,
//! `ds.hashlabel`, `ds.previous`, `ds.parent`, `ds.caption`, `ds:lines(sliceno?)`,
//! `ds:min(col, sliceno?)`, `ds:max(col, sliceno?)`, `ds:iterate(sliceno, cols)`,
//! `ds:iterate_chain(sliceno, cols, {stop_ds=, length=})`, `ds:iterate_chunks(sliceno, cols,
//! {size=, chain=, stop_ds=})`, `ds:sum(col, sliceno?)`, `ds:counts(col, sliceno?)`,
//! `ds:distinct(col, sliceno?)`,
//! `ds:chain{stop_ds=, length=}`, `ds:link_to_here{name=, override_previous=}`; and
//! `job:dataset(name?)`, `job:datasets()`. A handle holds the id and opens the metadata when
//! first asked; the rows themselves come through `ffi`.

use std::rc::Rc;

use camino::Utf8Path;
use mlua::{AnyUserData, Lua, Table, UserData, UserDataFields, UserDataMethods};

use crate::dataset::cell::Scalar;
use crate::dataset::datetime::Kind;
use crate::dataset::format::{self, DatasetMeta};
use crate::dataset::link;
use crate::dataset::reader::Dataset;
use crate::dataset::reduce::{self, Key, Sum};
use crate::error::did_you_mean;
use crate::job::id::JobId;
use crate::lua::api::handles::{dataset_id_of, describe, open_dataset, LuaDataset, LuaJob};
use crate::lua::engine::errors::to_lua_err;
use crate::lua::engine::runtime::{JobScope, Runtime};
use crate::lua::ffi::{self, RowSource};

/// Rows per chunk of `iterate_chunks` unless `size` says otherwise.
pub const DEFAULT_CHUNK: usize = 4096;

pub fn scalar_to_lua(lua: &Lua, s: Scalar) -> mlua::Result<mlua::Value> {
    Ok(match s {
        Scalar::Int(i) => mlua::Value::Integer(i),
        Scalar::Float(x) => mlua::Value::Number(x),
        Scalar::Bool(b) => mlua::Value::Boolean(b),
        Scalar::Date(d) => ffi::new_date(lua, Kind::Date, d as i64)?,
        Scalar::DateTime(v) => ffi::new_date(lua, Kind::Datetime, v)?,
        Scalar::Time(v) => ffi::new_date(lua, Kind::Time, v)?,
    })
}

/// `sliceno`: nil (every slice) or a slice number.
fn slices_arg(ds: &Dataset, sliceno: &mlua::Value) -> mlua::Result<Vec<usize>> {
    match sliceno {
        mlua::Value::Nil => Ok((0..ds.slices()).collect()),
        mlua::Value::Integer(i) => Ok(vec![ds.check_slice(*i).map_err(to_lua_err)?]),
        mlua::Value::Number(x) if x.fract() == 0.0 => Ok(vec![ds.check_slice(*x as i64).map_err(to_lua_err)?]),
        other => Err(mlua::Error::runtime(format!(
            "dataset {}: sliceno must be a slice number or nil (every slice), got {}",
            ds.id(),
            describe(other)
        ))),
    }
}

/// `cols`: nil (every column, sorted by name), a name, or an array of names. Also says whether
/// a single name was given (then rows are single values).
fn columns_arg(ds: &Dataset, cols: &mlua::Value) -> mlua::Result<Vec<String>> {
    let names = match cols {
        mlua::Value::Nil => {
            let mut all: Vec<String> = ds.meta.columns.iter().map(|c| c.name.clone()).collect();
            all.sort();
            all
        }
        mlua::Value::String(s) => vec![s.to_string_lossy()],
        mlua::Value::Table(t) => {
            // Through `len` and `get` (not raw access), so a read-only table such as
            // `options.cols` gives its names.
            let mut v = Vec::new();
            for i in 1..=t.len()? {
                match t.get::<mlua::Value>(i)? {
                    mlua::Value::String(s) => v.push(s.to_string_lossy()),
                    other => {
                        return Err(mlua::Error::runtime(format!(
                            "dataset {}: column names must be strings, got {}",
                            ds.id(),
                            describe(&other)
                        )))
                    }
                }
            }
            if v.is_empty() {
                return Err(mlua::Error::runtime(format!(
                    "dataset {}: the list of columns is empty (give names, or nil for every column)",
                    ds.id()
                )));
            }
            v
        }
        other => {
            return Err(mlua::Error::runtime(format!(
                "dataset {}: columns must be a name, an array of names, or nil, got {}",
                ds.id(),
                describe(other)
            )))
        }
    };
    for n in &names {
        ds.column_index(n).map_err(to_lua_err)?;
    }
    Ok(names)
}

fn opt<T: mlua::FromLua>(opts: &Option<Table>, key: &str) -> mlua::Result<Option<T>> {
    match opts {
        Some(t) => t.get::<Option<T>>(key),
        None => Ok(None),
    }
}

fn check_keys(opts: &Option<Table>, what: &str, known: &[&str]) -> mlua::Result<()> {
    if let Some(t) = opts {
        for kv in t.pairs::<mlua::Value, mlua::Value>() {
            let (k, _) = kv?;
            let k = match &k {
                mlua::Value::String(s) => s.to_string_lossy(),
                other => describe(other),
            };
            if !known.contains(&k.as_str()) {
                return Err(mlua::Error::runtime(format!(
                    "{what}: unknown option `{k}`{} (options: {})",
                    did_you_mean(&k, known.iter().copied()),
                    known.join(", ")
                )));
            }
        }
    }
    Ok(())
}

impl LuaDataset {
    /// This dataset and its `previous` datasets, oldest first, stopping before `stop` and after
    /// `length` datasets.
    fn chain(&self, lua: &Lua, stop: Option<String>, length: Option<i64>) -> mlua::Result<Vec<Rc<Dataset>>> {
        let mut out = vec![self.open(lua)?];
        let mut seen = vec![self.id.clone()];
        loop {
            if length.is_some_and(|n| out.len() as i64 >= n) {
                break;
            }
            let Some(prev) = out.last().and_then(|d| d.meta.previous.clone()) else {
                break;
            };
            if stop.as_deref() == Some(prev.as_str()) {
                break;
            }
            if seen.contains(&prev) {
                return Err(mlua::Error::runtime(format!(
                    "dataset {}: the previous chain loops at {prev}",
                    self.id
                )));
            }
            seen.push(prev.clone());
            out.push(open_dataset(lua, &prev).map_err(to_lua_err)?);
        }
        if stop.as_deref() == Some(self.id.as_str()) {
            out.clear();
        }
        out.reverse();
        Ok(out)
    }

    fn iterator(
        &self,
        lua: &Lua,
        sliceno: mlua::Value,
        cols: mlua::Value,
        chain: Vec<Rc<Dataset>>,
        (chunk, what, opts): (usize, &'static str, &Option<Table>),
    ) -> mlua::Result<mlua::Function> {
        let me = self.open(lua)?;
        let columns = columns_arg(&me, &cols)?;
        let mut segments = Vec::new();
        for ds in chain {
            for n in &columns {
                ds.column_index(n).map_err(to_lua_err)?;
            }
            for s in slices_arg(&ds, &sliceno)? {
                segments.push((ds.clone(), s));
            }
        }
        let none = opt::<mlua::Value>(opts, "none")?;
        ffi::row_iterator(
            lua,
            RowSource {
                segments,
                columns,
                none,
                what,
            },
            chunk,
        )
    }
}

fn minmax(lua: &Lua, this: &LuaDataset, col: String, sliceno: mlua::Value, max: bool) -> mlua::Result<mlua::Value> {
    let ds = this.open(lua)?;
    let i = ds.column_index(&col).map_err(to_lua_err)?;
    let c = &ds.meta.columns[i];
    let v = match sliceno {
        mlua::Value::Nil => {
            if max {
                c.max()
            } else {
                c.min()
            }
        }
        other => {
            let s = slices_arg(&ds, &other)?[0];
            c.slice_minmax(s).0.map(|(lo, hi)| if max { hi } else { lo })
        }
    };
    match v {
        Some(s) => scalar_to_lua(lua, s),
        None => Ok(mlua::Value::Nil),
    }
}

impl UserData for LuaDataset {
    fn add_fields<F: UserDataFields<Self>>(f: &mut F) {
        f.add_meta_field("__name", "Dataset");
        f.add_field_method_get("id", |_, this| Ok(this.id.clone()));
        f.add_field_method_get("name", |_, this| Ok(format::split_id(&this.id).1.to_string()));
        f.add_field_method_get("job", |lua, this| {
            let (job, _) = format::split_id(&this.id);
            let id = JobId::parse(job).ok_or_else(|| mlua::Error::runtime(format!("bad dataset id `{}`", this.id)))?;
            LuaJob::handle(lua, id)
        });
        f.add_field_method_get("columns", |lua, this| {
            let ds = this.open(lua)?;
            let t = lua.create_table()?;
            for c in &ds.meta.columns {
                let ct = lua.create_table()?;
                ct.set("type", c.ty.name())?;
                ct.set("none_support", c.none_support)?;
                t.set(c.name.as_str(), ct)?;
            }
            Ok(t)
        });
        f.add_field_method_get("hashlabel", |lua, this| Ok(this.open(lua)?.meta.hashlabel.clone()));
        f.add_field_method_get("caption", |lua, this| Ok(this.open(lua)?.meta.caption.clone()));
        f.add_field_method_get("slices", |lua, this| Ok(this.open(lua)?.slices()));
        f.add_field_method_get("previous", |lua, this| match &this.open(lua)?.meta.previous {
            Some(p) => Ok(Some(LuaDataset::handle(lua, p)?)),
            None => Ok(None),
        });
        f.add_field_method_get("parent", |lua, this| match &this.open(lua)?.meta.parent {
            Some(p) => Ok(Some(LuaDataset::handle(lua, p)?)),
            None => Ok(None),
        });
    }

    fn add_methods<M: UserDataMethods<Self>>(m: &mut M) {
        m.add_meta_method(mlua::MetaMethod::ToString, |_, this, ()| Ok(this.id.clone()));
        m.add_meta_method(mlua::MetaMethod::Eq, |_, this, other: AnyUserData| {
            Ok(other.borrow::<LuaDataset>().map(|o| o.id == this.id).unwrap_or(false))
        });
        m.add_method("lines", |lua, this, sliceno: mlua::Value| {
            let ds = this.open(lua)?;
            Ok(slices_arg(&ds, &sliceno)?.into_iter().map(|s| ds.lines(Some(s))).sum::<u64>())
        });
        m.add_method("min", |lua, this, (col, sliceno): (String, mlua::Value)| {
            minmax(lua, this, col, sliceno, false)
        });
        m.add_method("max", |lua, this, (col, sliceno): (String, mlua::Value)| {
            minmax(lua, this, col, sliceno, true)
        });
        m.add_method(
            "iterate",
            |lua, this, (sliceno, cols, opts): (mlua::Value, mlua::Value, Option<Table>)| {
                check_keys(&opts, "ds:iterate", &["none"])?;
                let me = this.open(lua)?;
                this.iterator(lua, sliceno, cols, vec![me], (0, "ds:iterate", &opts))
            },
        );
        m.add_method(
            "iterate_chain",
            |lua, this, (sliceno, cols, opts): (mlua::Value, mlua::Value, Option<Table>)| {
                check_keys(&opts, "ds:iterate_chain", &["stop_ds", "length", "none"])?;
                let stop = match opt::<mlua::Value>(&opts, "stop_ds")? {
                    Some(v) => Some(dataset_id_of(&v, "stop_ds")?),
                    None => None,
                };
                let chain = this.chain(lua, stop, opt(&opts, "length")?)?;
                this.iterator(lua, sliceno, cols, chain, (0, "ds:iterate_chain", &opts))
            },
        );
        m.add_method(
            "iterate_chunks",
            |lua, this, (sliceno, cols, opts): (mlua::Value, mlua::Value, Option<Table>)| {
                check_keys(&opts, "ds:iterate_chunks", &["size", "chain", "stop_ds", "length", "none"])?;
                let size: i64 = opt(&opts, "size")?.unwrap_or(DEFAULT_CHUNK as i64);
                if !(1..=1 << 24).contains(&size) {
                    return Err(mlua::Error::runtime(format!(
                        "ds:iterate_chunks: size must be 1 to {}, got {size}",
                        1 << 24
                    )));
                }
                let chain = if opt::<bool>(&opts, "chain")?.unwrap_or(false) {
                    let stop = match opt::<mlua::Value>(&opts, "stop_ds")? {
                        Some(v) => Some(dataset_id_of(&v, "stop_ds")?),
                        None => None,
                    };
                    this.chain(lua, stop, opt(&opts, "length")?)?
                } else {
                    vec![this.open(lua)?]
                };
                this.iterator(lua, sliceno, cols, chain, (size as usize, "ds:iterate_chunks", &opts))
            },
        );
        m.add_method("chain", |lua, this, opts: Option<Table>| {
            check_keys(&opts, "ds:chain", &["stop_ds", "length"])?;
            let stop = match opt::<mlua::Value>(&opts, "stop_ds")? {
                Some(v) => Some(dataset_id_of(&v, "stop_ds")?),
                None => None,
            };
            let chain = this.chain(lua, stop, opt(&opts, "length")?)?;
            let t = lua.create_table()?;
            for (i, d) in chain.iter().enumerate() {
                t.raw_set(i + 1, LuaDataset::handle(lua, &d.id())?)?;
            }
            Ok(t)
        });
        m.add_method("sum", |lua, this, (col, sliceno): (String, mlua::Value)| {
            let ds = this.open(lua)?;
            let i = ds.column_index(&col).map_err(to_lua_err)?;
            let slices = slices_arg(&ds, &sliceno)?;
            Ok(match reduce::sum(&ds, i, &slices).map_err(to_lua_err)? {
                Sum::Int(v) => match i64::try_from(v) {
                    Ok(i) => mlua::Value::Integer(i),
                    Err(_) => mlua::Value::Number(v as f64),
                },
                Sum::Float(x) => mlua::Value::Number(x),
            })
        });
        m.add_method("counts", |lua, this, (col, sliceno): (String, mlua::Value)| {
            let ds = this.open(lua)?;
            let i = ds.column_index(&col).map_err(to_lua_err)?;
            let slices = slices_arg(&ds, &sliceno)?;
            let c = reduce::counts(&ds, i, &slices).map_err(to_lua_err)?;
            let t = lua.create_table_with_capacity(0, c.keys.len())?;
            for (k, n) in c.keys.into_iter().zip(c.counts) {
                let key = match k {
                    Key::Bytes(b) => mlua::Value::String(lua.create_string(&b)?),
                    Key::Scalar(s) => scalar_to_lua(lua, s)?,
                };
                t.raw_set(key, n)?;
            }
            Ok((t, c.nones))
        });
        m.add_method("distinct", |lua, this, (col, sliceno): (String, mlua::Value)| {
            let ds = this.open(lua)?;
            let i = ds.column_index(&col).map_err(to_lua_err)?;
            let slices = slices_arg(&ds, &sliceno)?;
            Ok(reduce::counts(&ds, i, &slices).map_err(to_lua_err)?.keys.len())
        });
        m.add_method("link_to_here", |lua, this, opts: Option<Table>| link_to_here(lua, this, opts));
    }
}

/// `ds:link_to_here{name=, override_previous=}`: this dataset, under a name in the running job.
fn link_to_here(lua: &Lua, this: &LuaDataset, opts: Option<Table>) -> mlua::Result<AnyUserData> {
    check_keys(&opts, "ds:link_to_here", &["name", "override_previous"])?;
    let (job, job_path) = {
        let Some(scope) = lua.app_data_ref::<JobScope>() else {
            return Err(mlua::Error::runtime(
                "ds:link_to_here is for a running job (in prepare or synthesis)",
            ));
        };
        if *scope.phase.borrow() == "analysis" {
            return Err(mlua::Error::runtime(
                "ds:link_to_here works in prepare and synthesis, not in analysis",
            ));
        }
        let path = Runtime::get(lua).project.job_path(&scope.id).map_err(to_lua_err)?;
        (scope.id.clone(), path)
    };
    let name: String = opt(&opts, "name")?.unwrap_or_else(|| "default".to_string());
    format::check_name(&name).map_err(mlua::Error::runtime)?;
    let src = this.open(lua)?;
    let mut meta: DatasetMeta = link::derive(&src.meta, &job.to_string(), &name);
    if let Some(v) = opt::<mlua::Value>(&opts, "override_previous")? {
        meta.previous = match v {
            mlua::Value::Boolean(false) => None,
            v => {
                let id = dataset_id_of(&v, "override_previous")?;
                open_dataset(lua, &id).map_err(to_lua_err)?;
                Some(id)
            }
        };
    }
    link::save(&job_path, &meta).map_err(to_lua_err)?;
    LuaDataset::handle(lua, &meta.id())
}

/// `job:dataset(name?)`.
pub fn job_dataset(lua: &Lua, job: &JobId, name: Option<String>) -> mlua::Result<AnyUserData> {
    let id = format!("{job}/{}", name.as_deref().unwrap_or("default"));
    let ds = open_dataset(lua, &id).map_err(to_lua_err)?;
    let ud = LuaDataset::handle(lua, &id)?;
    let _ = ud.borrow::<LuaDataset>()?.ds.set(ds);
    Ok(ud)
}

/// `job:datasets()`: the job's finished datasets, sorted by name.
pub fn job_datasets(lua: &Lua, job: &JobId, path: &Utf8Path) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    for (i, n) in format::dataset_names(path).iter().enumerate() {
        t.raw_set(i + 1, LuaDataset::handle(lua, &format!("{job}/{n}"))?)?;
    }
    Ok(t)
}

/// `exax.null`: read as None by `{none = exax.null}`, written as None. `tostring` says its name.
pub fn register(lua: &Lua) -> mlua::Result<()> {
    let exax = crate::lua::api::datetime::exax_table(lua)?;
    exax.set("null", ffi::null_value())?;
    let mt = lua.create_table()?;
    mt.set(
        "__tostring",
        lua.create_function(|_, v: mlua::Value| {
            Ok(if ffi::is_null(&v) {
                "exax.null".to_string()
            } else {
                format!("userdata: {:?}", v.to_pointer())
            })
        })?,
    )?;
    lua.set_type_metatable::<mlua::LightUserData>(Some(mt));
    Ok(())
}
