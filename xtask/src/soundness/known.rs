//! Verifier soundness bugs this checker found and that are not fixed yet:
//! each with a minimal program that shows it, a one-line reason, and a
//! signature that attributes a fault found elsewhere (the corpus, random
//! programs, the generator) to it.
//!
//! The list only shrinks: `xtask/tests/soundness.rs` prints every entry
//! and fails when one stops reproducing (the bug was fixed: remove the
//! entry), and any fault no entry explains fails the suites.

use super::case::{SoundCase, SoundMap};
use super::run::{check_case, CheckOpts, Fault, Verdict};
use bpf_core::asm::asm;
use bpf_core::uapi::*;

/// One known verifier bug.
#[derive(Clone, Copy, Debug)]
pub struct KnownBug {
    /// A short name.
    pub id: &'static str,
    /// What is wrong, in one line.
    pub reason: &'static str,
    /// The program type of the regression program.
    pub prog_type: BpfProgType,
    /// Its maps: `(type, key_size, value_size, max_entries)`.
    pub maps: &'static [(BpfMapType, u32, u32, u32)],
    /// The regression program, in the assembler's text.
    pub program: &'static str,
    /// Does a fault of another program come from this bug?
    pub signature: fn(&SoundCase, &Fault) -> bool,
}

impl KnownBug {
    /// The regression program as a case.
    pub fn case(&self) -> SoundCase {
        SoundCase {
            name: format!("known/{}", self.id),
            prog_type: self.prog_type,
            insns: asm(self.program).unwrap_or_else(|e| panic!("known bug {}: {e}", self.id)),
            maps: self
                .maps
                .iter()
                .map(|&(t, k, v, n)| SoundMap {
                    map_type: t.0,
                    key_size: k,
                    value_size: v,
                    max_entries: n,
                    flags: 0,
                    inner_map: None,
                    init: Vec::new(),
                })
                .collect(),
            data: None,
            ctx: None,
            expected_attach_type: 0,
            prog_flags: 0,
        }
    }

    /// Checks the regression program: `Ok(fault)` while the bug is there,
    /// `Err(what changed)` once the verifier rejects it or it runs clean.
    pub fn reproduce(&self) -> Result<Fault, String> {
        let r = check_case(&self.case(), &CheckOpts::default());
        match (&r.verdict, r.first_fault) {
            (Verdict::Accepted, Some(f)) => Ok(*f),
            (Verdict::Accepted, None) => Err(format!("accepted and ran clean in {} runs", r.runs)),
            (v, _) => Err(format!("no longer accepted: {v:?}")),
        }
    }
}

/// `ld_imm64` of a map value (`BPF_PSEUDO_MAP_VALUE`) with an offset.
fn has_direct_value_offset(case: &SoundCase, _: &Fault) -> bool {
    case.insns
        .windows(2)
        .any(|w| w[0].is_ld_imm64() && w[0].src_reg() == BPF_PSEUDO_MAP_VALUE && w[1].imm != 0)
}

/// The known bugs.
pub static KNOWN_BUGS: &[KnownBug] = &[];

/// Bugs this checker found and that were fixed: their programs must now be
/// accepted and run clean (`xtask/tests/soundness.rs`), so a fix cannot
/// silently come undone.
pub static FIXED_BUGS: &[KnownBug] = &[KnownBug {
    id: "direct_value_offset_added_twice",
    reason:
        "resolve_pseudo_ldimm64 added the offset of `map[fd:N][0]+off` to what map_direct_value_addr(off) \
             returned, which already included it (the kernel's returns the value's base): the pointer the \
             verifier checked as value+off was value+2*off at run time; fixed in bpf-core's array map",
    prog_type: BPF_PROG_TYPE_SOCKET_FILTER,
    maps: &[(BPF_MAP_TYPE_ARRAY, 4, 16, 1)],
    program: "r1 = map[fd:0][0]+8\nr0 = *(u64 *)(r1 +0)\nexit\n",
    signature: has_direct_value_offset,
}];

/// The known bug a fault is attributed to, if any.
pub fn known_bug_of(case: &SoundCase, fault: &Fault) -> Option<&'static KnownBug> {
    KNOWN_BUGS.iter().find(|b| (b.signature)(case, fault))
}
