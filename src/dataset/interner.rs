//! `Interner`: distinct byte strings numbered in order of first appearance, stored back to back
//! (the shape of a dictionary-encoded column's `dict`). An open-addressing table keyed by xxh3.

use xxhash_rust::xxh3::xxh3_64;

const EMPTY: u32 = u32::MAX;
/// Entries in the cache keyed by the address of the bytes (see `intern`).
const RECENT: usize = 1024;
/// Entries (a power of two) in the cache of short strings keyed by their content, at first; it
/// doubles while it holds more than a quarter as many entries as the dictionary has values (up
/// to `SHORT_MAX_BITS`), so values that hash alike seldom share a pair of entries.
const SHORT_BITS: u32 = 8;
const SHORT_MAX_BITS: u32 = 14;

/// A string of at most 16 bytes, as two words that (with its length) determine it exactly.
#[derive(Clone, Copy, Default)]
struct ShortEntry {
    k0: u64,
    k1: u64,
    len: u32,
    code: u32,
}

#[derive(Default)]
pub struct Interner {
    /// (address of the bytes last interned from there, their number): callers that pass the same
    /// buffer again (Lua passes its interned strings) skip hashing. A hit is still checked by
    /// comparing the bytes, so a reused address cannot give a wrong number.
    recent: Vec<(usize, u32)>,
    /// Short strings (the usual dictionary value) by content: a hit costs two loads and three
    /// compares, with no hashing, whether or not the caller's buffer moved (Lua re-creates a
    /// string that was collected at a new address).
    short: Vec<ShortEntry>,
    /// log2 of `short.len()`.
    short_bits: u32,
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
            short: vec![
                ShortEntry {
                    code: EMPTY,
                    ..Default::default()
                };
                1 << SHORT_BITS
            ],
            short_bits: SHORT_BITS,
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
        if b.len() <= 16 {
            let (k0, k1) = short_key(b);
            let len = b.len() as u32;
            // Two ways: a string is looked for in the pair of entries its hash picks, so two
            // values that hash alike do not take turns evicting each other.
            let i = short_index(k0, k1, len, self.short_bits);
            let pair = i & !1;
            for j in [pair, pair | 1] {
                if let Some(e) = self.short.get(j) {
                    if e.code != EMPTY && e.k0 == k0 && e.k1 == k1 && e.len == len {
                        return e.code;
                    }
                }
            }
            let code = self.intern_hashed(b);
            if self.ends.len() * 4 > self.short.len() && self.short_bits < SHORT_MAX_BITS {
                self.grow_short();
            } else {
                self.remember_short(ShortEntry { k0, k1, len, code });
            }
            return code;
        }
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

    /// Puts `e` in its pair of short entries: an empty one, else the one its hash picks.
    #[inline]
    fn remember_short(&mut self, e: ShortEntry) {
        let i = short_index(e.k0, e.k1, e.len, self.short_bits);
        let pair = i & !1;
        let at = if self.short.get(pair).is_some_and(|x| x.code == EMPTY) {
            pair
        } else if self.short.get(pair | 1).is_some_and(|x| x.code == EMPTY) {
            pair | 1
        } else {
            i
        };
        if let Some(slot) = self.short.get_mut(at) {
            *slot = e;
        }
    }

    /// Doubles the short cache and fills it with every short value.
    #[cold]
    fn grow_short(&mut self) {
        self.short_bits += 1;
        self.short = vec![
            ShortEntry {
                code: EMPTY,
                ..Default::default()
            };
            1 << self.short_bits
        ];
        for code in 0..self.ends.len() {
            let b = self.get(code);
            if b.len() <= 16 {
                let (k0, k1) = short_key(b);
                let len = b.len() as u32;
                self.remember_short(ShortEntry {
                    k0,
                    k1,
                    len,
                    code: code as u32,
                });
            }
        }
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

/// The entry of the short cache (of `1 << bits` entries) for a short string's key.
#[inline(always)]
fn short_index(k0: u64, k1: u64, len: u32, bits: u32) -> usize {
    let mixed = (k0 ^ k1.rotate_left(29))
        .wrapping_add(len as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (mixed >> (64 - bits)) as usize
}

/// Two words that, with the length, determine a string of at most 16 bytes: its first and last
/// 8 bytes (overlapping when shorter than 16), or first and last 4, or its first, middle and
/// last byte.
#[inline(always)]
fn short_key(b: &[u8]) -> (u64, u64) {
    let n = b.len();
    let word8 = |s: &[u8]| u64::from_le_bytes(<[u8; 8]>::try_from(s).unwrap_or([0; 8]));
    let word4 = |s: &[u8]| u32::from_le_bytes(<[u8; 4]>::try_from(s).unwrap_or([0; 4])) as u64;
    if n >= 8 {
        (word8(&b[..8]), word8(&b[n - 8..]))
    } else if n >= 4 {
        (word4(&b[..4]), word4(&b[n - 4..]))
    } else if n > 0 {
        (b[0] as u64 | (b[n / 2] as u64) << 8 | (b[n - 1] as u64) << 16, 0)
    } else {
        (0, 0)
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

    #[test]
    fn short_strings_of_every_length_are_told_apart() {
        let mut t = Interner::new();
        let mut all = Vec::new();
        for len in 0..=20usize {
            for v in 0..40u8 {
                let s: Vec<u8> = (0..len).map(|i| if i == len / 2 { v } else { b'a' + (i % 7) as u8 }).collect();
                all.push(s);
            }
        }
        all.sort();
        all.dedup();
        let codes: Vec<u32> = all.iter().map(|s| t.intern(s)).collect();
        for (s, c) in all.iter().zip(&codes) {
            assert_eq!(t.intern(s), *c);
            assert_eq!(t.get(*c as usize), s.as_slice());
        }
        assert_eq!(t.len(), all.len());
    }
}
