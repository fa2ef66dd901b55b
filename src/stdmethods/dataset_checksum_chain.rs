//! dataset_checksum_chain: dataset_checksum over a chain (the method's Lua walks it, oldest
//! first, and passes `sources`). The result has each dataset's sum and one for the chain, which
//! equals dataset_checksum of the chain concatenated (with `sort`, also of dataset_concat's).

use super::dataset_checksum::{checksum, columns, result, Sum};
use super::{Ctx, Opts};
use crate::dataset::reader::Dataset;
use crate::error::Result;
use crate::value::Value;

pub fn run(ctx: &Ctx, o: &Opts) -> Result<Value> {
    let ids = o.datasets("sources")?;
    let sources = ids.iter().map(|id| ctx.dataset(id)).collect::<Result<Vec<Dataset>>>()?;
    let sort = o.bool("sort")?.unwrap_or(true);
    let cols = columns(o, sources.last())?;
    let mut total = Sum::default();
    let mut sums = Vec::new();
    for ds in &sources {
        let s = checksum(ds, &cols, sort)?;
        total = total.then(s, sort);
        sums.push(Value::str(&s.hex(sort)));
    }
    Ok(result(
        &total.hex(sort),
        sort,
        &cols,
        vec![
            (Value::str("sums"), Value::Array(sums)),
            (Value::str("sources"), Value::Array(ids.into_iter().map(Value::Dataset).collect())),
        ],
    ))
}
