//! dataset_rename_columns: the source with columns renamed (`rename = {old = 'new'}`) or
//! discarded (`{old = false}`, the original's `None`), as a dataset of this job whose columns
//! are the source's own files. The hashlabel follows its column.

use super::{Ctx, Opts};
use crate::dataset::link;
use crate::error::Result;
use crate::value::Value;

pub fn run(ctx: &Ctx, o: &Opts) -> Result<Value> {
    let Some(id) = o.dataset("source")? else {
        return Err(o.error("source", "is required"));
    };
    let src = ctx.dataset(&id)?;
    let mut rename = Vec::new();
    for (old, v) in o.value_map("rename")? {
        let new = match v {
            Value::Bool(false) => None,
            v => match v.as_str() {
                Some(s) => Some(s.to_string()),
                None => {
                    return Err(o.error(
                        "rename",
                        &format!("maps `{old}` to {}: give a new name, or false to discard the column", v.kind()),
                    ))
                }
            },
        };
        rename.push((old, new));
    }
    let mut meta = link::derive(&src.meta, &ctx.job.to_string(), "default");
    link::rename_columns(&mut meta, &rename, &src.meta)?;
    link::save(&ctx.job_dir, &meta)?;
    Ok(Value::Nil)
}
