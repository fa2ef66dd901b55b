//! `exax cat DATASET [COLUMN ...]`: every row of a dataset (or its chain), slices read at once,
//! printed in slice order.

use std::process::ExitCode;

use super::rows;
use crate::error::Result;

/// Print the rows of a dataset: every slice read at once, printed in slice order.
#[derive(clap::Args)]
pub struct Args {
    /// The dataset, as `demo-3/name`, or `demo-3` for its `default` dataset.
    dataset: String,
    /// The columns to print, in this order (default: all of them).
    columns: Vec<String>,
    #[command(flatten)]
    output: rows::Output,
}

pub fn run(a: Args) -> Result<ExitCode> {
    rows::run(&a.dataset, &a.columns, &a.output, None)
}
