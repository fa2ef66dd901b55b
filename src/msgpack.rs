//! MessagePack for `Value`: results, `prepare_res`/`analysis_res` between processes, `job:save`.
//! Strings that are valid UTF-8 are `str`, other bytes `bin`; Job, Dataset and DatasetWriter
//! handles are ext types 1, 2 and 3 holding their id.

use crate::error::{Error, Result};
use crate::job::id::JobId;
use crate::value::Value;

const EXT_JOB: i8 = 1;
const EXT_DATASET: i8 = 2;
const EXT_WRITER: i8 = 3;
const MAX_DEPTH: usize = 200;

pub fn encode(v: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    write(&mut out, v);
    out
}

// Writing into a Vec cannot fail, so the rmp results are ignored.
fn write(out: &mut Vec<u8>, v: &Value) {
    use rmp::encode as e;
    match v {
        Value::Nil => e::write_nil(out).unwrap_or(()),
        Value::Bool(b) => e::write_bool(out, *b).unwrap_or(()),
        Value::Int(i) => {
            let _ = e::write_sint(out, *i);
        }
        Value::Float(x) => {
            let _ = e::write_f64(out, *x);
        }
        Value::Str(b) => match std::str::from_utf8(b) {
            Ok(s) => {
                let _ = e::write_str(out, s);
            }
            Err(_) => {
                let _ = e::write_bin(out, b);
            }
        },
        Value::Array(a) => {
            let _ = e::write_array_len(out, a.len() as u32);
            for x in a {
                write(out, x);
            }
        }
        Value::Map(m) => {
            let _ = e::write_map_len(out, m.len() as u32);
            for (k, x) in m {
                write(out, k);
                write(out, x);
            }
        }
        Value::Job(id) => write_ext(out, EXT_JOB, id.to_string().as_bytes()),
        Value::Dataset(id) => write_ext(out, EXT_DATASET, id.as_bytes()),
        Value::Writer(id) => write_ext(out, EXT_WRITER, id.as_bytes()),
    }
}

fn write_ext(out: &mut Vec<u8>, ty: i8, data: &[u8]) {
    let _ = rmp::encode::write_ext_meta(out, data.len() as u32, ty);
    out.extend_from_slice(data);
}

/// Decodes one value; `what` names the source in errors (a file name, "prepare_res", ...).
pub fn decode(bytes: &[u8], what: &str) -> Result<Value> {
    let mut r = Reader { b: bytes, pos: 0 };
    let v = r.value(0).map_err(|m| Error::Value(format!("{what}: corrupt MessagePack: {m}")))?;
    if r.pos != bytes.len() {
        return Err(Error::Value(format!(
            "{what}: corrupt MessagePack: {} bytes after the value",
            bytes.len() - r.pos
        )));
    }
    Ok(v)
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.b.len()).ok_or("truncated")?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn be<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn len(&mut self, bytes: usize) -> Result<usize, String> {
        Ok(match bytes {
            1 => self.u8()? as usize,
            2 => u16::from_be_bytes(self.be()?) as usize,
            _ => u32::from_be_bytes(self.be()?) as usize,
        })
    }

    fn bytes(&mut self, n: usize) -> Result<Value, String> {
        Ok(Value::Str(self.take(n)?.to_vec()))
    }

    fn array(&mut self, n: usize, depth: usize) -> Result<Value, String> {
        let mut a = Vec::with_capacity(n.min(4096));
        for _ in 0..n {
            a.push(self.value(depth + 1)?);
        }
        Ok(Value::Array(a))
    }

    fn map(&mut self, n: usize, depth: usize) -> Result<Value, String> {
        let mut m = Vec::with_capacity(n.min(4096));
        for _ in 0..n {
            let k = self.value(depth + 1)?;
            let v = self.value(depth + 1)?;
            m.push((k, v));
        }
        Ok(Value::Map(m))
    }

    fn ext(&mut self, n: usize) -> Result<Value, String> {
        let ty = self.u8()? as i8;
        let data = self.take(n)?;
        let s = std::str::from_utf8(data).map_err(|_| "ext id is not UTF-8")?.to_string();
        match ty {
            EXT_JOB => Ok(Value::Job(JobId::parse(&s).ok_or_else(|| format!("bad job id `{s}`"))?)),
            EXT_DATASET => Ok(Value::Dataset(s)),
            EXT_WRITER => Ok(Value::Writer(s)),
            t => Err(format!("unknown ext type {t}")),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err("nested too deeply".into());
        }
        let m = self.u8()?;
        Ok(match m {
            0x00..=0x7f => Value::Int(m as i64),
            0x80..=0x8f => return self.map((m & 0x0f) as usize, depth),
            0x90..=0x9f => return self.array((m & 0x0f) as usize, depth),
            0xa0..=0xbf => return self.bytes((m & 0x1f) as usize),
            0xc0 => Value::Nil,
            0xc2 => Value::Bool(false),
            0xc3 => Value::Bool(true),
            0xc4 | 0xd9 => {
                let n = self.len(1)?;
                return self.bytes(n);
            }
            0xc5 | 0xda => {
                let n = self.len(2)?;
                return self.bytes(n);
            }
            0xc6 | 0xdb => {
                let n = self.len(4)?;
                return self.bytes(n);
            }
            0xc7 => {
                let n = self.len(1)?;
                return self.ext(n);
            }
            0xc8 => {
                let n = self.len(2)?;
                return self.ext(n);
            }
            0xc9 => {
                let n = self.len(4)?;
                return self.ext(n);
            }
            0xca => Value::Float(f32::from_be_bytes(self.be()?) as f64),
            0xcb => Value::Float(f64::from_be_bytes(self.be()?)),
            0xcc => Value::Int(self.u8()? as i64),
            0xcd => Value::Int(u16::from_be_bytes(self.be()?) as i64),
            0xce => Value::Int(u32::from_be_bytes(self.be()?) as i64),
            0xcf => {
                let u = u64::from_be_bytes(self.be()?);
                Value::Int(i64::try_from(u).map_err(|_| "integer above 2^63")?)
            }
            0xd0 => Value::Int(self.u8()? as i8 as i64),
            0xd1 => Value::Int(i16::from_be_bytes(self.be()?) as i64),
            0xd2 => Value::Int(i32::from_be_bytes(self.be()?) as i64),
            0xd3 => Value::Int(i64::from_be_bytes(self.be()?)),
            0xd4 => return self.ext(1),
            0xd5 => return self.ext(2),
            0xd6 => return self.ext(4),
            0xd7 => return self.ext(8),
            0xd8 => return self.ext(16),
            0xdc => {
                let n = self.len(2)?;
                return self.array(n, depth);
            }
            0xdd => {
                let n = self.len(4)?;
                return self.array(n, depth);
            }
            0xde => {
                let n = self.len(2)?;
                return self.map(n, depth);
            }
            0xdf => {
                let n = self.len(4)?;
                return self.map(n, depth);
            }
            0xe0..=0xff => Value::Int(m as i8 as i64),
            0xc1 => return Err("reserved byte 0xc1".into()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let v = Value::Map(vec![
            (Value::str("i"), Value::Int(-5)),
            (Value::str("big"), Value::Int(i64::MIN)),
            (Value::str("f"), Value::Float(3.0)),
            (Value::str("bin"), Value::Str(vec![0xff, 0x00])),
            (Value::Int(1), Value::Array(vec![Value::Nil, Value::Bool(true), Value::Int(70000)])),
            (Value::str("j"), Value::Job(JobId::new("demo", 3))),
            (Value::str("d"), Value::Dataset("demo-3/default".into())),
        ]);
        assert_eq!(decode(&encode(&v), "t").unwrap(), v);
    }

    #[test]
    fn corrupt_input_is_an_error() {
        let bytes = encode(&Value::Array(vec![Value::Int(1), Value::str("abc")]));
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n], "t").is_err());
        }
        assert!(decode(&[0xc1], "t").is_err());
        let deep = vec![0x91u8; 1000];
        assert!(decode(&deep, "t").is_err());
    }
}
