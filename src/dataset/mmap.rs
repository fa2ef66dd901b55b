//! Reading dataset files through memory maps, a bounded window at a time. With `sys.rs` (the libc
//! calls), this is the only place in exax's core that uses `unsafe`.
//!
//! A `FileWindow` maps at most `WINDOW` bytes of a file (more only when one value is larger)
//! and moves the mapping forward as a reader advances, so reading a column never maps, and never
//! keeps resident, more than a window of it however long the column is. If a file cannot be
//! mapped the window is read into a buffer instead.
//!
//! A checked window (`check_with`: a dataset column file that may have changed since it was
//! written, see `dataset::reader`) knows the xxh3 of each
//! `checksum::BLOCK` of its file and hashes a block the first time a read reaches it: windows
//! then start at a block boundary and end at one, and the range readable without the cold path is
//! the checked blocks around the last read, so the hot path has no test of its own.
//!
//! `WholeFile` maps an input file whole (csvimport parses it from many threads at once), with the
//! same read fallback. `advise_huge` asks for huge pages under a large buffer (native kernels
//! gathering through a random permutation).

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

use camino::Utf8Path;

use crate::checksum::{hash_block, BLOCK};

/// Bytes mapped at a time.
pub const WINDOW: u64 = 8 << 20;
/// Windows start at multiples of this (a multiple of every page size Linux uses).
const ALIGN: u64 = 64 << 10;

enum Buf {
    Empty,
    Map(memmap2::Mmap),
    Read(Vec<u8>),
}

/// What a checked window knows of its file.
struct Check {
    /// The recorded hash of each block.
    sums: Vec<u64>,
    /// Which blocks this window has checked.
    seen: Vec<bool>,
    /// Names the file in an error (dataset, column, slice, path).
    what: String,
}

pub struct FileWindow {
    file: File,
    meta: std::fs::Metadata,
    len: u64,
    /// `[start, end)` is readable without `remap`: mapped and, when checked, checked.
    start: u64,
    end: u64,
    /// Where the buffer lies in the file.
    map_start: u64,
    map_end: u64,
    buf: Buf,
    check: Option<Box<Check>>,
}

impl FileWindow {
    pub fn open(path: &Utf8Path) -> io::Result<FileWindow> {
        let file = File::open(path)?;
        let meta = file.metadata()?;
        let len = meta.len();
        Ok(FileWindow {
            file,
            meta,
            len,
            start: 0,
            end: 0,
            map_start: 0,
            map_end: 0,
            buf: Buf::Empty,
            check: None,
        })
    }

    /// The file's length when it was opened.
    pub fn file_len(&self) -> u64 {
        self.len
    }

    /// The file's `checksum::stamp` when it was opened.
    pub fn stamp(&self) -> String {
        crate::checksum::stamp(&self.meta)
    }

    /// From here on every block is checked against `sums` (one xxh3-64 per `checksum::BLOCK`,
    /// as many as the file has blocks) the first time a read reaches it; a mismatch is an
    /// `InvalidData` error that starts with `what`.
    pub fn check_with(&mut self, sums: Vec<u64>, what: String) {
        let n = sums.len();
        self.check = Some(Box::new(Check {
            sums,
            seen: vec![false; n],
            what,
        }));
        self.buf = Buf::Empty;
        (self.start, self.end, self.map_start, self.map_end) = (0, 0, 0, 0);
    }

    /// `n` bytes at `off`; an error if the file is shorter.
    #[inline]
    pub fn bytes(&mut self, off: u64, n: usize) -> io::Result<&[u8]> {
        let stop = off + n as u64;
        if off < self.start || stop > self.end {
            self.remap(off, stop)?;
        }
        let at = (off - self.map_start) as usize;
        Ok(match &self.buf {
            Buf::Map(m) => &m[at..at + n],
            Buf::Read(v) => &v[at..at + n],
            Buf::Empty => &[],
        })
    }

    /// Calls `f` with consecutive pieces of the bytes `[off, stop)`, each a whole number of
    /// `unit`s, at most a window at a time.
    /// A checked window hands out a block at a time (each is hashed, then used, while in cache).
    pub fn for_each_block(&mut self, mut off: u64, stop: u64, unit: u64, mut f: impl FnMut(&[u8])) -> io::Result<()> {
        let piece = if self.check.is_some() { BLOCK } else { WINDOW };
        while off < stop {
            let mut n = (stop - off).min(piece);
            n -= n % unit;
            if n == 0 {
                n = unit;
            }
            f(self.bytes(off, n as usize)?);
            off += n;
        }
        Ok(())
    }

    #[cold]
    fn remap(&mut self, off: u64, stop: u64) -> io::Result<()> {
        if stop > self.len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the file has {} bytes, reading up to {stop}", self.len),
            ));
        }
        if off < self.map_start || stop > self.map_end || matches!(self.buf, Buf::Empty) {
            self.map(off, stop)?;
        }
        if self.check.is_some() {
            self.verify(off, stop)
        } else {
            (self.start, self.end) = (self.map_start, self.map_end);
            Ok(())
        }
    }

    /// Maps (or reads) a window holding `[off, stop)`.
    fn map(&mut self, off: u64, stop: u64) -> io::Result<()> {
        self.buf = Buf::Empty;
        (self.start, self.end) = (0, 0);
        let checked = self.check.is_some();
        let align = if checked { BLOCK } else { ALIGN };
        let start = off - off % align;
        let mut end = (start + WINDOW).max(stop);
        if checked {
            end = end.next_multiple_of(BLOCK);
        }
        let end = end.min(self.len);
        self.map_start = start;
        self.map_end = end;
        if end == start {
            return Ok(());
        }
        let len = (end - start) as usize;
        // SAFETY: dataset files are written completely before the dataset's metadata exists, and
        // nothing in exax modifies or truncates them afterwards, so the mapped bytes do not
        // change under us while this window lives. (Someone else truncating the file by hand
        // could still fault the process; that is the risk every mmap reader takes.)
        let mapped = unsafe { memmap2::MmapOptions::new().offset(start).len(len).map(&self.file) };
        self.buf = match mapped {
            Ok(m) => Buf::Map(m),
            Err(_) => {
                let mut v = vec![0u8; len];
                self.file.read_exact_at(&mut v, start)?;
                Buf::Read(v)
            }
        };
        Ok(())
    }

    /// Checks the blocks `[off, stop)` touches that are not checked yet; then `[start, end)` is
    /// the run of checked blocks around them inside the window.
    fn verify(&mut self, off: u64, stop: u64) -> io::Result<()> {
        let Some(c) = self.check.as_deref_mut() else {
            return Ok(());
        };
        if stop <= off {
            (self.start, self.end) = (off, off);
            return Ok(());
        }
        let bytes: &[u8] = match &self.buf {
            Buf::Map(m) => m,
            Buf::Read(v) => v,
            Buf::Empty => &[],
        };
        let (first, last) = (off / BLOCK, (stop - 1) / BLOCK);
        for i in first..=last {
            let i = i as usize;
            if c.seen.get(i) == Some(&true) {
                continue;
            }
            let (a, b) = (i as u64 * BLOCK, ((i as u64 + 1) * BLOCK).min(self.len));
            let data = bytes.get((a - self.map_start) as usize..(b - self.map_start) as usize);
            match (data, c.sums.get(i)) {
                (Some(data), Some(&sum)) if hash_block(data) == sum => c.seen[i] = true,
                _ => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("{} is damaged: bytes {a} to {b} do not match their checksum", c.what),
                    ))
                }
            }
        }
        let (lo_bound, hi_bound) = (self.map_start / BLOCK, self.map_end.div_ceil(BLOCK));
        let (mut lo, mut hi) = (first, last + 1);
        while lo > lo_bound && c.seen[lo as usize - 1] {
            lo -= 1;
        }
        while hi < hi_bound && c.seen[hi as usize] {
            hi += 1;
        }
        self.start = (lo * BLOCK).max(self.map_start);
        self.end = (hi * BLOCK).min(self.map_end);
        Ok(())
    }
}

/// A whole file's bytes: mapped, or read into memory when it cannot be mapped.
pub enum WholeFile {
    Map(memmap2::Mmap),
    Read(Vec<u8>),
}

impl WholeFile {
    /// Maps `file` whole (an empty file is an empty buffer).
    ///
    /// The map is of an input file that exax does not write; if someone truncates it while it is
    /// read, the process may fault, the risk every mmap reader takes (ripgrep takes it too).
    pub fn open(mut file: File) -> io::Result<WholeFile> {
        let len = file.metadata()?.len();
        if len == 0 {
            return Ok(WholeFile::Read(Vec::new()));
        }
        // SAFETY: the mapping is read-only and lives in this value; exax never writes the file,
        // and a concurrent truncation by someone else is the documented risk above.
        match unsafe { memmap2::MmapOptions::new().populate().map(&file) } {
            Ok(m) => {
                let _ = m.advise(memmap2::Advice::Sequential);
                Ok(WholeFile::Map(m))
            }
            Err(_) => {
                let mut v = Vec::with_capacity(len as usize);
                io::Read::read_to_end(&mut file, &mut v)?;
                Ok(WholeFile::Read(v))
            }
        }
    }
}

impl std::ops::Deref for WholeFile {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            WholeFile::Map(m) => m,
            WholeFile::Read(v) => v,
        }
    }
}

/// Asks the kernel to back the memory of `buf` (its whole capacity) with huge pages where it
/// can: a gather or scatter in random order over tens of megabytes then misses the TLB far less.
/// Call it before the memory is first written. Only advice: errors are ignored, and small
/// buffers are left alone.
pub fn advise_huge<T>(buf: &Vec<T>) {
    const HUGE: usize = 2 << 20;
    let bytes = buf.capacity() * std::mem::size_of::<T>();
    if bytes < 4 * HUGE {
        return;
    }
    let start = buf.as_ptr() as usize;
    let lo = start.next_multiple_of(HUGE);
    let hi = (start + bytes) / HUGE * HUGE;
    if hi > lo {
        // SAFETY: MADV_HUGEPAGE changes only how the kernel backs these pages (they stay mapped
        // with the same access and content); `lo..hi` is page-aligned and inside `buf`'s
        // allocation, which outlives the call.
        unsafe {
            libc::madvise(lo as *mut libc::c_void, hi - lo, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_move() {
        let dir = tempfile::tempdir().unwrap();
        let path = camino::Utf8PathBuf::from_path_buf(dir.path().join("f")).unwrap();
        let n = (WINDOW * 2 + 100) as usize;
        let data: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let mut w = FileWindow::open(&path).unwrap();
        assert_eq!(w.bytes(5, 3).unwrap(), &data[5..8]);
        let far = WINDOW as usize + 7;
        assert_eq!(w.bytes(far as u64 - 2, 10).unwrap(), &data[far - 2..far + 8]);
        assert_eq!(w.bytes(0, 1).unwrap(), &data[0..1]);
        let mut seen = Vec::new();
        w.for_each_block(3, n as u64 - 1, 2, |b| seen.extend_from_slice(b)).unwrap();
        assert_eq!(seen, &data[3..n - 1]);
        assert!(w.bytes(n as u64 - 1, 2).is_err());
    }

    #[test]
    fn checked_windows_check_each_block() {
        use crate::checksum::{Sums, BLOCK};
        let dir = tempfile::tempdir().unwrap();
        let path = camino::Utf8PathBuf::from_path_buf(dir.path().join("f")).unwrap();
        let n = (WINDOW + 3 * BLOCK + 100) as usize;
        let data: Vec<u8> = (0..n).map(|i| (i % 241) as u8).collect();
        let sums = Sums::of(&data).parse().unwrap();
        std::fs::write(&path, &data).unwrap();
        let mut w = FileWindow::open(&path).unwrap();
        w.check_with(sums.clone(), "f".into());
        assert_eq!(w.bytes(WINDOW + 5, 3).unwrap(), &data[WINDOW as usize + 5..WINDOW as usize + 8]);
        let mut seen = Vec::new();
        w.for_each_block(3, n as u64 - 1, 2, |b| seen.extend_from_slice(b)).unwrap();
        assert_eq!(seen, &data[3..n - 1]);
        // One damaged block: reads before it work, the first read reaching it fails.
        let mut bad = data.clone();
        bad[2 * BLOCK as usize + 9] ^= 0xff;
        std::fs::write(&path, &bad).unwrap();
        let mut w = FileWindow::open(&path).unwrap();
        w.check_with(sums, "f".into());
        assert_eq!(w.bytes(0, 10).unwrap(), &data[..10]);
        assert_eq!(
            w.bytes(BLOCK * 2 - 4, 4).unwrap(),
            &data[BLOCK as usize * 2 - 4..BLOCK as usize * 2]
        );
        let e = w.bytes(BLOCK * 2 - 4, 8).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("f is damaged: bytes {} to {} do not match their checksum", 2 * BLOCK, 3 * BLOCK)
        );
    }

    #[test]
    fn huge_advice_keeps_the_buffer() {
        for n in [10, 3 << 20] {
            let mut v: Vec<u64> = Vec::with_capacity(n);
            advise_huge(&v);
            v.extend(0..n as u64);
            assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64));
        }
    }
}
