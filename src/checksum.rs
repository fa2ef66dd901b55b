//! Block checksums: the xxh3-64 of every `BLOCK` bytes of a file (`Sums`), recorded when the file
//! is written and checked when it is read, so a damaged file is an error, never a wrong value.
//! Dataset column files carry theirs in `dataset.json` (checked a block at a time as the mapped
//! reader first reaches it); a job's result and its files carry theirs in `post.json`.

use std::io::{self, Read};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{xxh3_64, Xxh3Default};

/// Bytes per checksum block (the last block of a file may be shorter).
pub const BLOCK: u64 = 1 << 20;

/// The hash of one block's bytes.
#[inline]
pub fn hash_block(bytes: &[u8]) -> u64 {
    xxh3_64(bytes)
}

/// A file's length and the xxh3-64 of each block, 16 hex digits per block, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sums {
    pub len: u64,
    pub xxh3: String,
    /// The file's `stamp` right after it was written and hashed, when recorded: a reader that
    /// finds the same stamp knows nothing has written the file since (any write, truncation or
    /// replacement changes the inode's ctime, which no one can set) and need not hash it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stamp: Option<String>,
}

/// Device, inode and change time (ctime, to the nanosecond) of a file: what changes whenever
/// anything writes, truncates or replaces it.
pub fn stamp(meta: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    format!("{}:{}:{}.{:09}", meta.dev(), meta.ino(), meta.ctime(), meta.ctime_nsec())
}

/// How a file differs from its `Sums`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mismatch {
    /// The file has `found` bytes, the record says `recorded`.
    Length { found: u64, recorded: u64 },
    /// Bytes `start..end` do not match their checksum.
    Block { start: u64, end: u64 },
    /// The record itself is malformed (not 16 hex digits per block).
    Record,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mismatch::Length { found, recorded } => write!(f, "it has {found} bytes, {recorded} were written"),
            Mismatch::Block { start, end } => write!(f, "bytes {start} to {end} do not match their checksum"),
            Mismatch::Record => write!(f, "its recorded checksum is malformed"),
        }
    }
}

impl Sums {
    /// The sums of `bytes`.
    #[cfg(test)]
    pub fn of(bytes: &[u8]) -> Sums {
        let mut h = Hasher::new();
        h.update(bytes);
        h.finish()
    }

    pub fn blocks(&self) -> u64 {
        self.len.div_ceil(BLOCK)
    }

    /// The recorded hash of block `i`; None when the record is malformed there.
    pub fn block(&self, i: u64) -> Option<u64> {
        let at = usize::try_from(i).ok()?.checked_mul(16)?;
        let hex = self.xxh3.get(at..at + 16)?;
        u64::from_str_radix(hex, 16).ok()
    }

    /// Every block's hash, or None when the record does not have exactly one per block.
    pub fn parse(&self) -> Option<Vec<u64>> {
        if self.xxh3.len() as u64 != self.blocks() * 16 {
            return None;
        }
        (0..self.blocks()).map(|i| self.block(i)).collect()
    }

    /// Block `i` (its bytes `data`) against the record.
    pub fn check_block(&self, i: u64, data: &[u8]) -> Result<(), Mismatch> {
        let start = i * BLOCK;
        match self.block(i) {
            Some(h) if h == xxh3_64(data) => Ok(()),
            Some(_) => Err(Mismatch::Block {
                start,
                end: start + data.len() as u64,
            }),
            None => Err(Mismatch::Record),
        }
    }

    /// A whole file's bytes against the record.
    pub fn check(&self, bytes: &[u8]) -> Result<(), Mismatch> {
        if bytes.len() as u64 != self.len {
            return Err(Mismatch::Length {
                found: bytes.len() as u64,
                recorded: self.len,
            });
        }
        if self.parse().is_none() {
            return Err(Mismatch::Record);
        }
        for (i, b) in bytes.chunks(BLOCK as usize).enumerate() {
            self.check_block(i as u64, b)?;
        }
        Ok(())
    }

    /// The file at `path` against the record, read a block at a time: Ok(Err(..)) when it
    /// differs, Err when it cannot be read.
    pub fn check_file(&self, path: &std::path::Path) -> io::Result<Result<(), Mismatch>> {
        let mut f = std::fs::File::open(path)?;
        let found = f.metadata()?.len();
        if found != self.len {
            return Ok(Err(Mismatch::Length { found, recorded: self.len }));
        }
        if self.parse().is_none() {
            return Ok(Err(Mismatch::Record));
        }
        let mut buf = vec![0u8; BLOCK as usize];
        for i in 0..self.blocks() {
            let n = (self.len - i * BLOCK).min(BLOCK) as usize;
            f.read_exact(&mut buf[..n])?;
            if let Err(m) = self.check_block(i, &buf[..n]) {
                return Ok(Err(m));
            }
        }
        Ok(Ok(()))
    }
}

/// The sums of a file written in appended pieces of any size.
pub struct Hasher {
    state: Xxh3Default,
    in_block: u64,
    len: u64,
    out: String,
}

impl Default for Hasher {
    fn default() -> Self {
        Hasher::new()
    }
}

impl Hasher {
    pub fn new() -> Hasher {
        Hasher {
            state: Xxh3Default::new(),
            in_block: 0,
            len: 0,
            out: String::new(),
        }
    }

    pub fn update(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let take = ((BLOCK - self.in_block) as usize).min(bytes.len());
            self.state.update(&bytes[..take]);
            self.in_block += take as u64;
            self.len += take as u64;
            bytes = &bytes[take..];
            if self.in_block == BLOCK {
                self.end_block();
            }
        }
    }

    fn end_block(&mut self) {
        use std::fmt::Write;
        let _ = write!(self.out, "{:016x}", self.state.digest());
        self.state.reset();
        self.in_block = 0;
    }

    pub fn finish(mut self) -> Sums {
        if self.in_block > 0 {
            self.end_block();
        }
        Sums {
            len: self.len,
            xxh3: self.out,
            stamp: None,
        }
    }
}

/// The sums of the file at `path`, read a block at a time, with its `stamp` taken as it was
/// opened: a write while or after it is read changes the ctime, so the stamp never vouches for
/// bytes that were not hashed.
pub fn of_file(path: &std::path::Path) -> io::Result<Sums> {
    let mut f = std::fs::File::open(path)?;
    let meta = f.metadata()?;
    let mut h = Hasher::new();
    // A small file (a job's result is often a few bytes) gets a buffer its size: zeroing a whole
    // block per file cost more than the rest of recording a trivial job's checksums. One byte
    // more than the length, so the read that finds the end needs no second buffer.
    let mut buf = vec![0u8; meta.len().saturating_add(1).min(BLOCK) as usize];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    let mut sums = h.finish();
    sums.stamp = Some(stamp(&meta));
    Ok(sums)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_and_whole_agree() {
        let data: Vec<u8> = (0..(BLOCK as usize * 2 + 77)).map(|i| (i * 7 % 253) as u8).collect();
        let whole = Sums::of(&data);
        assert_eq!(whole.len, data.len() as u64);
        assert_eq!(whole.xxh3.len(), 3 * 16);
        let mut h = Hasher::new();
        for piece in data.chunks(100_003) {
            h.update(piece);
        }
        assert_eq!(h.finish(), whole);
        assert_eq!(whole.check(&data), Ok(()));
        let mut bad = data.clone();
        bad[BLOCK as usize + 5] ^= 1;
        assert_eq!(
            whole.check(&bad),
            Err(Mismatch::Block {
                start: BLOCK,
                end: 2 * BLOCK
            })
        );
        assert!(matches!(whole.check(&data[1..]), Err(Mismatch::Length { .. })));
        assert_eq!(Sums::of(b""), Sums::default());
        let broken = Sums {
            len: 3,
            xxh3: "zz".into(),
            stamp: None,
        };
        assert_eq!(broken.check(b"abc"), Err(Mismatch::Record));
    }
}
