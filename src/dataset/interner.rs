//! `Interner`: distinct byte strings numbered in order of first appearance, stored back to back
//! (the shape of a dictionary-encoded column's `dict`). An open-addressing table keyed by xxh3.

use xxhash_rust::xxh3::xxh3_64;

const EMPTY: u32 = u32::MAX;
/// Entries in the cache keyed by the address of the bytes (see `intern`).
const RECENT: usize = 1024;

#[derive(Default)]
pub struct Interner {
    /// (address of the bytes last interned from there, their number): callers that pass the same
    /// buffer again (Lua passes its interned strings) skip hashing. A hit is still checked by
    /// comparing the bytes, so a reused address cannot give a wrong number.
    recent: Vec<(usize, u32)>,
    slots: Vec<u32>,
    hashes: Vec<u64>,
    /// End offset of each value in `bytes`.
    ends: Vec<u64>,
    bytes: Vec<u8>,
}

impl Interner {
    pub fn new() -> Interner {
        Interner {
            recent: vec![(0, EMPTY); RECENT],
            slots: vec![EMPTY; 64],
            ..Default::default()
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    #[inline]
    pub fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[start..self.ends[i] as usize]
    }

    /// The number of `b`, adding it if new.
    #[inline]
    pub fn intern(&mut self, b: &[u8]) -> u32 {
        let addr = b.as_ptr() as usize;
        let ci = (addr >> 4 ^ addr >> 14) & (RECENT - 1);
        if let Some(&(a, code)) = self.recent.get(ci) {
            if a == addr && code != EMPTY && same(self.get(code as usize), b) {
                return code;
            }
        }
        let code = self.intern_hashed(b);
        if let Some(e) = self.recent.get_mut(ci) {
            *e = (addr, code);
        }
        code
    }

    fn intern_hashed(&mut self, b: &[u8]) -> u32 {
        let h = xxh3_64(b);
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot == EMPTY {
                break;
            }
            if self.hashes[slot as usize] == h && same(self.get(slot as usize), b) {
                return slot;
            }
            i = (i + 1) & mask;
        }
        let n = self.ends.len() as u32;
        self.slots[i] = n;
        self.hashes.push(h);
        self.bytes.extend_from_slice(b);
        self.ends.push(self.bytes.len() as u64);
        if self.ends.len() * 2 > self.slots.len() {
            self.grow();
        }
        n
    }

    #[cold]
    fn grow(&mut self) {
        let mut slots = vec![EMPTY; self.slots.len() * 2];
        let mask = slots.len() - 1;
        for (n, h) in self.hashes.iter().enumerate() {
            let mut i = *h as usize & mask;
            while slots[i] != EMPTY {
                i = (i + 1) & mask;
            }
            slots[i] = n as u32;
        }
        self.slots = slots;
    }

    /// The `dict` file: u64 count, count + 1 u64 offsets (from 0), then the bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.ends.len() * 8 + self.bytes.len());
        out.extend_from_slice(&(self.ends.len() as u64).to_le_bytes());
        out.extend_from_slice(&0u64.to_le_bytes());
        for e in &self.ends {
            out.extend_from_slice(&e.to_le_bytes());
        }
        out.extend_from_slice(&self.bytes);
        out
    }
}

/// Byte equality without a `memcmp` call for the short strings dictionaries usually hold.
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        false
    } else if a.len() > 16 {
        a == b
    } else {
        a.iter().zip(b).all(|(x, y)| x == y)
    }
}

/// A decoded `dict` file.
pub struct Dict {
    offsets: Vec<u64>,
    bytes: Vec<u8>,
}

impl Dict {
    pub fn decode(b: &[u8]) -> Option<Dict> {
        let count = u64::from_le_bytes(b.get(..8)?.try_into().ok()?) as usize;
        let offs_end = 8 + (count.checked_add(1)?).checked_mul(8)?;
        let offsets: Vec<u64> = b
            .get(8..offs_end)?
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect();
        let bytes = b.get(offs_end..)?.to_vec();
        if offsets.windows(2).any(|w| w[0] > w[1]) || *offsets.last()? as usize != bytes.len() {
            return None;
        }
        Some(Dict { offsets, bytes })
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    #[inline]
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let start = *self.offsets.get(i)? as usize;
        let end = *self.offsets.get(i + 1)? as usize;
        Some(&self.bytes[start..end])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intern_and_encode() {
        let mut t = Interner::new();
        for i in 0..1000 {
            assert_eq!(t.intern(format!("k{i}").as_bytes()), i);
        }
        assert_eq!(t.intern(b"k7"), 7);
        assert_eq!(t.intern(b""), 1000);
        assert_eq!(t.get(999), b"k999");
        let d = Dict::decode(&t.encode()).unwrap();
        assert_eq!(d.len(), 1001);
        assert_eq!(d.get(3), Some(&b"k3"[..]));
        assert_eq!(d.get(1000), Some(&b""[..]));
        assert_eq!(d.get(1001), None);
        assert!(Dict::decode(&[1, 0]).is_none());
    }
}
