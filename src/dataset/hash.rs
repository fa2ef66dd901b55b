//! Which slice a value belongs in under a hashlabel. The hash is stable (it is part of the
//! on-disk format: a dataset written with a hashlabel promises this placement) and depends on
//! the value, not on the column type, so equal values meet in one slice whatever their width:
//!
//! | value | hashed bytes (xxh3-64, seed) |
//! |---|---|
//! | None | none: always slice 0 |
//! | integer, bool (as 0/1), float with an integral value in i64 range | the integer as 8 little-endian bytes, seed 0 |
//! | other float (float32 widened to f64; every NaN as one NaN) | the f64 bits, little-endian, seed 0 |
//! | ascii, unicode, bytes | the bytes, seed 0 |
//! | date / datetime / time | the stored i64 (days, or microseconds) as 8 LE bytes, seed 1 / 2 / 3 |
//! | json | the JSON text, seed 4 |
//!
//! The slice is `hash % slices`.

use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

use super::cell::Cell;

#[inline]
fn int(i: i64) -> u64 {
    xxh3_64(&i.to_le_bytes())
}

/// The hash of a normalized cell; None has no hash (it always goes to slice 0).
#[inline]
pub fn hash(cell: &Cell) -> Option<u64> {
    Some(match cell {
        Cell::None | Cell::Other(_) => return None,
        Cell::Int(i) => int(*i),
        Cell::Bool(b) => int(*b as i64),
        Cell::Float(x) => {
            if x.fract() == 0.0 && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(x) {
                int(*x as i64)
            } else if x.is_nan() {
                xxh3_64(&f64::NAN.to_bits().to_le_bytes())
            } else {
                xxh3_64(&x.to_bits().to_le_bytes())
            }
        }
        Cell::Bytes(b) => xxh3_64(b),
        Cell::Date(d) => xxh3_64_with_seed(&(*d as i64).to_le_bytes(), 1),
        Cell::DateTime(v) => xxh3_64_with_seed(&v.to_le_bytes(), 2),
        Cell::Time(v) => xxh3_64_with_seed(&v.to_le_bytes(), 3),
        Cell::Json(t) => xxh3_64_with_seed(t, 4),
    })
}

#[inline]
pub fn slice_of(cell: &Cell, slices: usize) -> usize {
    match hash(cell) {
        Some(h) => (h % slices as u64) as usize,
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_agree() {
        let five = slice_of(&Cell::Int(5), 7);
        assert_eq!(slice_of(&Cell::Float(5.0), 7), five);
        assert_eq!(slice_of(&Cell::Float(5.0f32 as f64), 7), five);
        assert_eq!(hash(&Cell::Float(-0.0)), hash(&Cell::Int(0)));
        assert_eq!(hash(&Cell::Bool(true)), hash(&Cell::Int(1)));
        assert_eq!(hash(&Cell::Float(f64::NAN)), hash(&Cell::Float(-f64::NAN)));
        assert_ne!(hash(&Cell::Float(0.5)), hash(&Cell::Int(0)));
        assert_eq!(slice_of(&Cell::None, 7), 0);
    }

    #[test]
    fn stable_values() {
        // Part of the on-disk format: these must never change.
        assert_eq!(hash(&Cell::Int(5)), Some(xxh3_64(&5i64.to_le_bytes())));
        assert_eq!(hash(&Cell::Bytes(b"k1")), Some(xxh3_64(b"k1")));
        assert_eq!(xxh3_64(b""), 0x2d06800538d394c2);
        let placed: Vec<usize> = (0..8).map(|i| slice_of(&Cell::Int(i), 3)).collect();
        assert_eq!(placed, [2, 2, 1, 1, 0, 2, 0, 2]);
    }
}
