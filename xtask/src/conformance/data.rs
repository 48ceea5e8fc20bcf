//! The `.data` test file of the conformance suite: sections introduced by
//! `-- name` lines, `#` comments.
//!
//! ```text
//! -- asm            program in the uBPF assembler dialect
//! -- raw            instead of asm: one 64-bit integer per slot, or eight hex bytes per line
//! -- mem            input memory, hex bytes (r1 points to it, r2 holds its length)
//! -- result         expected r0 (hex with 0x, else decimal)
//! -- error          expected error text (the program must be refused)
//! -- c, -- no register offset   ignored
//! ```

/// One parsed test file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TestFile {
    /// The `-- asm` section, comments kept (the assembler strips them).
    pub asm: Option<String>,
    /// The `-- raw` section: one `u64` per instruction slot.
    pub raw: Option<Vec<u64>>,
    /// The `-- mem` section.
    pub mem: Vec<u8>,
    /// The `-- result` section.
    pub result: Option<u64>,
    /// The `-- error` section (its text, possibly empty).
    pub error: Option<String>,
}

impl TestFile {
    /// Does the file hold a program at all?
    pub fn has_program(&self) -> bool {
        self.asm.is_some() || self.raw.is_some()
    }
}

fn strip_comment(line: &str) -> &str {
    match line.find('#') {
        Some(i) => &line[..i],
        None => line,
    }
}

/// Parses a number as the suite writes them: `0x` hex or decimal, with an
/// optional sign (negative values wrap to their two's complement).
pub fn parse_u64(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let v = match body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16),
        None => body.parse::<u64>(),
    }
    .map_err(|e| format!("bad number `{s}`: {e}"))?;
    if neg {
        if v > 1 << 63 {
            return Err(format!("bad number `{s}`: out of range"));
        }
        Ok(v.wrapping_neg())
    } else {
        Ok(v)
    }
}

fn parse_raw(lines: &[&str]) -> Result<Vec<u64>, String> {
    let mut out = Vec::new();
    for line in lines {
        let toks: Vec<&str> = strip_comment(line).split_whitespace().collect();
        match toks.len() {
            0 => {}
            1 => out.push(parse_u64(toks[0])?),
            8 => {
                let mut b = [0u8; 8];
                for (k, t) in toks.iter().enumerate() {
                    b[k] = u8::from_str_radix(t, 16).map_err(|e| format!("bad raw byte `{t}`: {e}"))?;
                }
                out.push(u64::from_le_bytes(b));
            }
            n => return Err(format!("raw line with {n} fields: `{line}`")),
        }
    }
    Ok(out)
}

fn parse_mem(lines: &[&str]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for line in lines {
        for t in strip_comment(line).split_whitespace() {
            out.push(u8::from_str_radix(t, 16).map_err(|e| format!("bad mem byte `{t}`: {e}"))?);
        }
    }
    Ok(out)
}

/// Parses the text of a `.data` file.
pub fn parse_data(text: &str) -> Result<TestFile, String> {
    let mut file = TestFile::default();
    let mut sections: Vec<(String, Vec<&str>)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("-- ") {
            sections.push((name.trim().to_string(), Vec::new()));
        } else if let Some((_, body)) = sections.last_mut() {
            body.push(line);
        } else if !strip_comment(line).trim().is_empty() {
            return Err(format!("text before the first section: `{line}`"));
        }
    }
    for (name, body) in sections {
        match name.as_str() {
            "asm" => file.asm = Some(body.join("\n")),
            "raw" => file.raw = Some(parse_raw(&body)?),
            "mem" => file.mem = parse_mem(&body)?,
            "result" => {
                let vals: Vec<&str> =
                    body.iter().map(|l| strip_comment(l).trim()).filter(|l| !l.is_empty()).collect();
                match vals.as_slice() {
                    [v] => file.result = Some(parse_u64(v)?),
                    [] => return Err("empty -- result".into()),
                    _ => return Err("more than one value in -- result".into()),
                }
            }
            "error" => file.error = Some(body.join("\n").trim().to_string()),
            "c" | "no register offset" => {}
            other => return Err(format!("unknown section `-- {other}`")),
        }
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections() {
        let f =
            parse_data("# c\n-- asm\nmov %r0, 1 # x\nexit\n-- mem\n00 01\nff\n-- result\n0x10\n").unwrap();
        assert_eq!(f.asm.as_deref(), Some("mov %r0, 1 # x\nexit"));
        assert_eq!(f.mem, vec![0, 1, 0xff]);
        assert_eq!(f.result, Some(16));
        let f = parse_data("-- raw\n0x5566778800000018\n95 00 00 00 01 00 00 00\n-- error\n").unwrap();
        assert_eq!(f.raw, Some(vec![0x5566778800000018, 0x0000_0001_0000_0095]));
        assert_eq!(f.error.as_deref(), Some(""));
        assert!(parse_data("-- asm\n-- Unknown directive\n").is_err());
        assert_eq!(parse_u64("-1"), Ok(u64::MAX));
        assert_eq!(parse_u64("42"), Ok(42));
    }
}
