//! Reading columns for the kernels: `Col`, one column of one slice with dictionary codes looked
//! up, whose errors name the dataset, column and slice; `to_cell` turns a stored value back into
//! a value to write (dataset_concat).

use std::rc::Rc;

use crate::dataset::cell::Cell;
use crate::dataset::interner::Dict;
use crate::dataset::reader::{ColumnReader, Dataset, Stored};
use crate::dataset::types::ColType;
use crate::error::{Error, Result};

pub struct Col {
    reader: ColumnReader,
    dict: Option<Rc<Dict>>,
    pub ty: ColType,
    /// `dataset D, column `c`, slice S`, for errors.
    pub place: String,
}

impl Col {
    /// Column `name` of `ds`, slice `slice`.
    pub fn open(ds: &Dataset, name: &str, slice: usize) -> Result<Col> {
        let i = ds.column_index(name)?;
        let reader = ds.open_column(i, slice)?;
        Ok(Col {
            dict: reader.dict.clone(),
            ty: reader.ty,
            reader,
            place: format!("dataset {}, column `{name}`, slice {slice}", ds.id()),
        })
    }

    /// The value in line `row`; strings are `Bytes` however they are stored.
    #[inline]
    pub fn get(&mut self, row: u64) -> Result<Stored<'_>> {
        let dict = &self.dict;
        match self.reader.get(row) {
            Ok(Stored::Code(c)) => match dict.as_ref().and_then(|d| d.get(c as usize)) {
                Some(b) => Ok(Stored::Bytes(b)),
                None => Err(Error::User(format!(
                    "{}, line {row}: dictionary code {c} is out of range (a damaged dataset)",
                    self.place
                ))),
            },
            Ok(v) => Ok(v),
            Err(e) => Err(Error::User(format!("{}, line {row}: {e}", self.place))),
        }
    }
}

/// A stored value as a value to write into a column of the same type.
#[inline]
pub fn to_cell(v: Stored<'_>) -> Cell<'_> {
    match v {
        Stored::None | Stored::Code(_) => Cell::None,
        Stored::Int(i) => Cell::Int(i),
        Stored::Float(x) => Cell::Float(x),
        Stored::Bool(b) => Cell::Bool(b),
        Stored::Bytes(b) => Cell::Bytes(b),
        Stored::Date(d) => Cell::Date(d),
        Stored::DateTime(v) => Cell::DateTime(v),
        Stored::Time(v) => Cell::Time(v),
        Stored::Json(t) => Cell::Json(t),
    }
}
