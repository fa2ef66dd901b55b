//! Reading every slice of a dataset at once while its output comes out in slice order: the engine
//! of `exax cat` and `exax grep`.
//!
//! Each slice runs on a thread of its own and writes whole rows into a `Rows` buffer, which goes
//! to the consumer in batches through a small bounded channel per slice. The consumer drains slice
//! 0 first, then slice 1, ..., so a slice that runs ahead waits once its channel is full, and
//! memory stays bounded however large the dataset. When the consumer stops (stdout closed, or
//! enough rows), the channels close and every slice stops at its next batch.
//!
//! Threads rather than a rayon pool: a slice blocked on its full channel holds its thread, so a
//! pool smaller than the slice count could wait forever for the slice the consumer needs next.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use crate::error::{Error, Result};

/// Bytes a slice collects before it hands them on.
const BATCH_BYTES: usize = 64 * 1024;
/// Batches a slice may have waiting.
const BATCHES_AHEAD: usize = 4;

/// Whole rows of output, and where each ends (so a consumer can stop after any row).
#[derive(Default)]
pub struct Batch {
    pub bytes: Vec<u8>,
    pub ends: Vec<usize>,
}

/// What a slice writes into: `buf()` for the bytes of the row being written, `end_row()` after it.
pub struct Rows<'a> {
    batch: Batch,
    tx: SyncSender<Result<Batch>>,
    lines_read: &'a AtomicU64,
    unreported: u64,
}

/// The consumer is gone; the slice should stop.
pub struct Closed;

impl Rows<'_> {
    pub fn buf(&mut self) -> &mut Vec<u8> {
        &mut self.batch.bytes
    }

    /// Ends the row written since the last call; hands the batch on when it is full.
    pub fn end_row(&mut self) -> Result<(), Closed> {
        self.batch.ends.push(self.batch.bytes.len());
        if self.batch.bytes.len() >= BATCH_BYTES {
            self.send()?;
        }
        Ok(())
    }

    /// Drops what was written since the last `end_row` (a row that did not match after all).
    pub fn discard_row(&mut self) {
        let end = self.batch.ends.last().copied().unwrap_or(0);
        self.batch.bytes.truncate(end);
    }

    /// Counts `n` more lines read (for the progress line); cheap enough to call per line.
    #[inline]
    pub fn read(&mut self, n: u64) {
        self.unreported += n;
        if self.unreported >= 4096 {
            self.lines_read.fetch_add(self.unreported, Ordering::Relaxed);
            self.unreported = 0;
        }
    }

    fn send(&mut self) -> Result<(), Closed> {
        self.lines_read.fetch_add(self.unreported, Ordering::Relaxed);
        self.unreported = 0;
        let full = std::mem::take(&mut self.batch);
        self.batch.bytes.reserve(BATCH_BYTES + BATCH_BYTES / 4);
        self.tx.send(Ok(full)).map_err(|_| Closed)
    }
}

/// What a slice's work ends with: done, stopped because the consumer went away, or an error.
pub enum SliceEnd {
    Done,
    Closed,
    Failed(Error),
}

impl From<Closed> for SliceEnd {
    fn from(_: Closed) -> Self {
        SliceEnd::Closed
    }
}

impl From<Error> for SliceEnd {
    fn from(e: Error) -> Self {
        SliceEnd::Failed(e)
    }
}

/// Runs `work(slice, rows)` for every slice in `slices` at once and gives `consume` their batches
/// in the order of `slices`. `consume` returns false to stop everything (the rest is dropped);
/// `lines_read` counts the lines the slices report with `Rows::read`. The first error, in slice
/// order, ends the scan (after the output of the slices before it).
pub fn ordered<W, C>(slices: &[usize], lines_read: &AtomicU64, work: W, mut consume: C) -> Result<()>
where
    W: Fn(usize, &mut Rows) -> SliceEnd + Sync,
    C: FnMut(Batch) -> Result<bool>,
{
    std::thread::scope(|scope| {
        let mut receivers: Vec<Receiver<Result<Batch>>> = Vec::with_capacity(slices.len());
        for &slice in slices {
            let (tx, rx) = sync_channel(BATCHES_AHEAD);
            receivers.push(rx);
            let work = &work;
            scope.spawn(move || {
                let mut rows = Rows {
                    batch: Batch::default(),
                    tx,
                    lines_read,
                    unreported: 0,
                };
                match work(slice, &mut rows) {
                    SliceEnd::Done => {
                        if !rows.batch.ends.is_empty() {
                            let _ = rows.send();
                        } else {
                            lines_read.fetch_add(rows.unreported, Ordering::Relaxed);
                        }
                    }
                    SliceEnd::Closed => {}
                    SliceEnd::Failed(e) => {
                        let _ = rows.tx.send(Err(e));
                    }
                }
            });
        }
        // Dropping the receivers that are left (on an early return) closes their channels, so
        // every slice still running stops at its next send and the scope can end.
        for rx in receivers {
            for batch in rx {
                if !consume(batch?)? {
                    return Ok(());
                }
            }
        }
        Ok(())
    })
}
