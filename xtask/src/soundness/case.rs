//! One program to check, with the inputs it comes with: [`SoundCase`],
//! read from the JSON-lines case format of `kernel_oracle.py` and
//! `bpftool batch` (what the verifier corpus and `xtask::gen` produce).

use bpf_core::uapi::{insns_from_bytes, BpfInsn, BpfProgType};
use bpftool::batch::{ATTACH_TYPES, MAP_TYPES, PROG_FLAGS, PROG_TYPES};
use serde_json::Value;

/// One map of a case: its attributes and the entries it starts with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SoundMap {
    /// `enum bpf_map_type`.
    pub map_type: u32,
    /// `key_size`.
    pub key_size: u32,
    /// `value_size`.
    pub value_size: u32,
    /// `max_entries`.
    pub max_entries: u32,
    /// `map_flags`.
    pub flags: u32,
    /// Index of an earlier map used as the inner map (map-in-map).
    pub inner_map: Option<usize>,
    /// Entries written after creation, as `(key, value)` bytes.
    pub init: Vec<(Vec<u8>, Vec<u8>)>,
}

/// A program with its maps and its own test-run inputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SoundCase {
    /// Where it comes from (`alu/add_imm`, `random/s1/7`, `gen/...`).
    pub name: String,
    /// `prog_type`.
    pub prog_type: BpfProgType,
    /// The program; an `ld_imm64` map reference (`BPF_PSEUDO_MAP_FD`,
    /// `BPF_PSEUDO_MAP_VALUE`) holds the index of a map in [`Self::maps`],
    /// as in the oracle's cases.
    pub insns: Vec<BpfInsn>,
    /// The maps.
    pub maps: Vec<SoundMap>,
    /// The test-run packet (`data_in`), if the case gives one.
    pub data: Option<Vec<u8>>,
    /// The test-run context (`ctx_in`), if the case gives one.
    pub ctx: Option<Vec<u8>>,
    /// `expected_attach_type`.
    pub expected_attach_type: u32,
    /// `prog_flags`.
    pub prog_flags: u32,
}

fn unhex(s: &str, what: &str) -> Result<Vec<u8>, String> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if s.len() % 2 != 0 {
        return Err(format!("{what}: odd number of hex digits"));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|_| format!("{what}: bad hex")))
        .collect()
}

fn hex_field(v: Option<&Value>, what: &str) -> Result<Option<Vec<u8>>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => unhex(s, what).map(Some),
        Some(_) => Err(format!("{what}: expected a hex string")),
    }
}

fn u32_field(v: Option<&Value>, default: u32, what: &str) -> Result<u32, String> {
    match v {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Number(n)) => {
            n.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| format!("{what}: {n} is not a u32"))
        }
        Some(Value::String(s)) => {
            let t = s.trim();
            let r = match t.strip_prefix("0x") {
                Some(h) => u32::from_str_radix(h, 16),
                None => t.parse(),
            };
            r.map_err(|_| format!("{what}: `{s}` is not a number"))
        }
        Some(v) => Err(format!("{what}: unexpected {v}")),
    }
}

/// A name from `table` (with the usual `bpf_prog_type_` style prefixes
/// allowed) or a number.
fn named(v: Option<&Value>, default: u32, table: &[(&str, u32)], what: &str) -> Result<u32, String> {
    if let Some(Value::String(s)) = v {
        let key = s.trim().to_ascii_lowercase();
        let key = ["bpf_prog_type_", "bpf_map_type_", "bpf_"]
            .iter()
            .find_map(|p| key.strip_prefix(p).filter(|k| table.iter().any(|(n, _)| n == k)))
            .unwrap_or(&key)
            .to_string();
        let key = match key.as_str() {
            "socket" => "socket_filter",
            "tc" | "classifier" => "sched_cls",
            "action" => "sched_act",
            "raw_tp" => "raw_tracepoint",
            k => k,
        };
        if let Some((_, n)) = table.iter().find(|(n, _)| *n == key) {
            return Ok(*n);
        }
        if key.chars().all(|c| c.is_ascii_hexdigit() || c == 'x') {
            return u32_field(v, default, what);
        }
        return Err(format!("{what}: unknown name `{s}`"));
    }
    u32_field(v, default, what)
}

/// A key or value: a little-endian integer of `size` bytes, or hex.
fn bytes_field(v: Option<&Value>, size: u32, what: &str) -> Result<Vec<u8>, String> {
    match v {
        Some(Value::Number(n)) => {
            let x = n.as_i64().map(|i| i as i128).or(n.as_u64().map(i128::from));
            let x = x.ok_or_else(|| format!("{what}: {n} is not an integer"))?;
            let le = x.to_le_bytes();
            let fill = if x < 0 { 0xff } else { 0 };
            Ok((0..size as usize).map(|i| if i < 16 { le[i] } else { fill }).collect())
        }
        other => hex_field(other, what)?.ok_or_else(|| format!("{what} missing")),
    }
}

impl SoundCase {
    /// Reads a case in the oracle's JSON-lines format (the fields a program
    /// load and a test run use: `name`, `prog_type`, `insns`, `maps` with
    /// `init`, `data`, `ctx`, `expected_attach_type`, `prog_flags`).
    pub fn from_json(v: &Value) -> Result<SoundCase, String> {
        let o = v.as_object().ok_or("a case is a JSON object")?;
        let name = o.get("name").and_then(Value::as_str).unwrap_or("?").to_string();
        let bytes = hex_field(o.get("insns"), "insns")?.ok_or("insns missing")?;
        let insns = insns_from_bytes(&bytes).ok_or("insns: not a whole number of instructions")?;
        let prog_type = BpfProgType(named(o.get("prog_type"), 1, PROG_TYPES, "prog_type")?);
        let attach: Vec<(&str, u32)> = ATTACH_TYPES.iter().enumerate().map(|(i, n)| (*n, i as u32)).collect();
        let expected_attach_type = named(o.get("expected_attach_type"), 0, &attach, "expected_attach_type")?;
        let prog_flags = match o.get("prog_flags") {
            Some(Value::Array(a)) => a
                .iter()
                .map(|f| named(Some(f), 0, PROG_FLAGS, "prog_flags"))
                .try_fold(0, |acc, f| f.map(|f| acc | f))?,
            other => named(other, 0, PROG_FLAGS, "prog_flags")?,
        };
        let mut maps = Vec::new();
        for (i, m) in o.get("maps").and_then(Value::as_array).into_iter().flatten().enumerate() {
            let w = |k: &str| format!("maps[{i}].{k}");
            let mut s = SoundMap {
                map_type: named(m.get("type"), 2, MAP_TYPES, &w("type"))?,
                key_size: u32_field(m.get("key_size"), 4, &w("key_size"))?,
                value_size: u32_field(m.get("value_size"), 8, &w("value_size"))?,
                max_entries: u32_field(m.get("max_entries"), 1, &w("max_entries"))?,
                flags: u32_field(m.get("flags").or(m.get("map_flags")), 0, &w("flags"))?,
                inner_map: match m.get("inner_map") {
                    None | Some(Value::Null) => None,
                    v => Some(u32_field(v, 0, &w("inner_map"))? as usize),
                },
                init: Vec::new(),
            };
            for (j, e) in m.get("init").and_then(Value::as_array).into_iter().flatten().enumerate() {
                let key = bytes_field(e.get("key"), s.key_size, &format!("{}[{j}].key", w("init")))?;
                let val = bytes_field(e.get("value"), s.value_size, &format!("{}[{j}].value", w("init")))?;
                s.init.push((key, val));
            }
            maps.push(s);
        }
        Ok(SoundCase {
            name,
            prog_type,
            insns,
            maps,
            data: hex_field(o.get("data"), "data")?,
            ctx: hex_field(o.get("ctx"), "ctx")?,
            expected_attach_type,
            prog_flags,
        })
    }
}

impl SoundCase {
    /// The case in the oracle's JSON-lines format (what `bpftool batch`
    /// and `kernel_oracle.py` read): program, maps with their entries,
    /// packet and context.
    pub fn to_json(&self) -> Value {
        let hex = crate::outcome::hex;
        let name_of = |table: &[(&str, u32)], n: u32| {
            table
                .iter()
                .find(|(_, v)| *v == n)
                .map_or_else(|| serde_json::json!(n), |(s, _)| serde_json::json!(s))
        };
        let maps: Vec<Value> = self
            .maps
            .iter()
            .map(|m| {
                let mut o = serde_json::json!({
                    "type": name_of(MAP_TYPES, m.map_type), "key_size": m.key_size,
                    "value_size": m.value_size, "max_entries": m.max_entries, "flags": m.flags,
                });
                if let Some(i) = m.inner_map {
                    o["inner_map"] = serde_json::json!(i);
                }
                if !m.init.is_empty() {
                    o["init"] = m
                        .init
                        .iter()
                        .map(|(k, v)| serde_json::json!({"key": hex(k), "value": hex(v)}))
                        .collect();
                }
                o
            })
            .collect();
        let mut o = serde_json::json!({
            "name": self.name,
            "prog_type": name_of(PROG_TYPES, self.prog_type.0),
            "insns": hex(&bpf_core::uapi::insns_to_bytes(&self.insns)),
        });
        if !maps.is_empty() {
            o["maps"] = Value::Array(maps);
        }
        if let Some(d) = &self.data {
            o["data"] = serde_json::json!(hex(d));
        }
        if let Some(c) = &self.ctx {
            o["ctx"] = serde_json::json!(hex(c));
        }
        if self.expected_attach_type != 0 {
            o["expected_attach_type"] = serde_json::json!(self.expected_attach_type);
        }
        if self.prog_flags != 0 {
            o["prog_flags"] = serde_json::json!(self.prog_flags);
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_oracle_format() {
        let c = SoundCase::from_json(&json!({
            "name": "x", "prog_type": "xdp", "insns": "b700000000000000" ,
            "maps": [{"type": "hash", "key_size": 4, "value_size": 8, "max_entries": 2,
                      "init": [{"key": 1, "value": "0102030405060708"}, {"key": -1, "value": 7}]}],
            "data": "00 11", "prog_flags": 1,
        }))
        .unwrap();
        assert_eq!(c.prog_type, BpfProgType(6));
        assert_eq!(c.insns.len(), 1);
        assert_eq!(c.maps[0].map_type, 1);
        assert_eq!(c.maps[0].init[0], (vec![1, 0, 0, 0], vec![1, 2, 3, 4, 5, 6, 7, 8]));
        assert_eq!(c.maps[0].init[1], (vec![0xff; 4], vec![7, 0, 0, 0, 0, 0, 0, 0]));
        assert_eq!(c.data, Some(vec![0, 0x11]));
        assert_eq!(c.prog_flags, 1);
        assert_eq!(SoundCase::from_json(&c.to_json()).unwrap(), c);
        assert!(SoundCase::from_json(&json!({"insns": "b7"})).is_err());
        assert!(SoundCase::from_json(&json!({"insns": "", "prog_type": "nope"})).is_err());
    }
}
