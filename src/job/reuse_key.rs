//! The reuse key: xxh3-128 over the method name, its source, every project module it requires, its
//! `depend_extra` files and its parameters after defaults. Each part is length-prefixed so no two
//! different inputs concatenate to the same bytes.

use std::fmt;

use xxhash_rust::xxh3::Xxh3Default;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReuseKey(pub u128);

impl ReuseKey {
    pub fn parse(s: &str) -> Option<ReuseKey> {
        (s.len() == 32).then(|| u128::from_str_radix(s, 16).ok()).flatten().map(ReuseKey)
    }
}

impl fmt::Display for ReuseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

/// Feeds named, length-prefixed parts into xxh3-128.
pub struct KeyHasher(Xxh3Default);

impl KeyHasher {
    pub fn new() -> Self {
        KeyHasher(Xxh3Default::new())
    }

    pub fn part(&mut self, tag: &str, bytes: &[u8]) -> &mut Self {
        for b in [tag.as_bytes(), bytes] {
            self.0.update(&(b.len() as u64).to_le_bytes());
            self.0.update(b);
        }
        self
    }

    pub fn finish(&self) -> ReuseKey {
        ReuseKey(self.0.digest128())
    }
}

impl Default for KeyHasher {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_do_not_run_together() {
        let a = KeyHasher::new().part("src", b"ab").part("p", b"c").finish();
        let b = KeyHasher::new().part("src", b"a").part("p", b"bc").finish();
        assert_ne!(a, b);
        assert_eq!(a, KeyHasher::new().part("src", b"ab").part("p", b"c").finish());
        assert_eq!(ReuseKey::parse(&a.to_string()), Some(a));
    }
}
