//! The assembler and the disassembler against each other, over every
//! instruction form: `asm(disasm(insn)) == insn` for every valid encoding
//! and `disasm(asm(text)) == text` for every printed line.

mod common;

use bpf_core::asm::{asm, AsmErrorKind};
use bpf_core::disasm::{disasm, dump_xlated, print_bpf_insn, AsmCbs, NoCbs, XlatedDumpCbs};
use bpf_core::uapi::*;
use common::{all_forms, build, Fields, Form, KERNEL_OPCODES};
use proptest::prelude::*;
use std::collections::BTreeSet;

const OFFS: [i16; 6] = [0, 1, -1, -8, i16::MIN, i16::MAX];
const IMMS: [i32; 8] = [0, 1, -1, 42, 0x1234_5678, i32::MIN, i32::MAX, 211];

/// Field values that reach every register and the extremes of `off`,
/// `imm` and the second `imm`.
fn samples() -> Vec<Fields> {
    let base = Fields { dst: 1, src: 2, off: -8, imm: 7, imm2: 0 };
    let mut v = Vec::new();
    for r in 0..16u8 {
        v.push(Fields { dst: r, src: (r * 7 + 3) % 16, ..base });
        v.push(Fields { dst: (r * 5 + 1) % 16, src: r, ..base });
    }
    for off in OFFS {
        v.push(Fields { off, ..base });
    }
    for imm in IMMS {
        v.push(Fields { imm, ..base });
        v.push(Fields { imm2: imm, ..base });
        v.push(Fields { imm, imm2: imm.wrapping_mul(3), ..base });
    }
    v
}

/// Checks one encoding both ways, and returns its text.
fn check_round_trip(insns: &[BpfInsn]) -> String {
    let text = disasm(&AsmCbs, insns);
    let back = asm(&text).unwrap_or_else(|e| panic!("asm of {text:?} ({insns:?}): {e}"));
    assert_eq!(back, insns, "asm(disasm) differs for {text:?}");
    assert_eq!(disasm(&AsmCbs, &back), text);
    // The dump form, with index and opcode prefix, reads back too.
    let dump = dump_xlated(&AsmCbs, insns);
    assert_eq!(asm(&dump).unwrap_or_else(|e| panic!("asm of {dump:?}: {e}")), insns);
    text
}

#[test]
fn every_form_round_trips() {
    let forms = all_forms();
    let mut codes = BTreeSet::new();
    let mut texts = 0usize;
    for form in &forms {
        for f in samples() {
            let insns = build(*form, f);
            codes.insert(insns[0].code);
            check_round_trip(&insns);
            texts += 1;
        }
    }
    // Every opcode the kernel knows is among the forms; the one extra is
    // the kernel-internal `nospec` (0xc2) that xlated programs contain.
    let kernel: BTreeSet<u8> = KERNEL_OPCODES.into_iter().collect();
    let missing: Vec<_> = kernel.difference(&codes).map(|c| format!("{c:02x}")).collect();
    assert!(missing.is_empty(), "opcodes without a form: {missing:?}");
    let extra: Vec<_> = codes.difference(&kernel).copied().collect();
    assert_eq!(extra, vec![BPF_ST | BPF_NOSPEC]);
    println!("{} forms, {} encodings round-tripped, {} opcodes", forms.len(), texts, codes.len());
}

#[test]
fn texts_round_trip_as_written() {
    // Lines exactly as the kernel prints them (without the prefix).
    let lines = "\
r0 = 42
w1 = -7
r1 = r2
w3 = w4
r1 = (s8)r2
w1 = (s16)w2
r1 = (s32)r2
r1 += 1
r1 s/= r2
w1 s%= 3
r1 s>>= 63
r1 <<= r2
r1 = -r1
w2 = -w2
r1 = be16 r1
r1 = le64 r1
r1 = bswap32 r1
r1 = le-5 r1
r2 = bswap7 r2
r1 = addr_space_cast(r2, 1, 0)
r3 = &(void __percpu *)(r4)
r0 = *(u32 *)(r1 +0)
r0 = *(s16 *)(r10 -2)
*(u64 *)(r10 -8) = r1
*(u8 *)(r10 -1) = -1
lock *(u64 *)(r10 -8) += r1
lock *(u32 *)(r2 +4) ^= r3
r1 = atomic64_fetch_add((u64 *)(r10 -8), r1)
r2 = atomic_fetch_or((u32 *)(r3 +0), r2)
r0 = atomic64_cmpxchg((u64 *)(r1 +16), r0, r2)
r5 = atomic_xchg((u32 *)(r6 -4), r5)
r0 = load_acquire((u64 *)(r1 +0))
store_release((u16 *)(r1 +2), r3)
nospec
r0 = *(u8 *)skb[14]
r0 = *(u32 *)skb[r7 + -4]
r1 = 0x1122334455667788
r1 = 0x0
r1 = map[fd:0]
r2 = map[fd:3][0]+16
r3 = map[idx:1]
r4 = map[idx:2]+8
r5 = btf_id[1234]
r5 = btf_id[1234][fd:7]
r6 = subprog[+3]
call bpf_map_lookup_elem#1
call bpf_unspec#0
call unknown#212
call pc+5
call pc-2
call kernel-function#4242
goto pc+2
goto pc-1
gotol pc+70000
may_goto pc+0
if r1 > 0x5 goto pc+2
if w1 s< w2 goto pc-3
if r1 & 0xffffffff goto pc+0
if r0 == 0x0 goto pc+1
exit
";
    let insns = asm(lines).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(disasm(&AsmCbs, &insns), lines);
}

#[test]
fn accepted_spellings() {
    let cases: &[(&str, &str)] = &[
        ("call bpf_map_lookup_elem", "call bpf_map_lookup_elem#1"),
        ("call 1", "call bpf_map_lookup_elem#1"),
        ("call 9999", "call unknown#9999"),
        ("(b7) r0 = 42", "r0 = 42"),
        ("   0: (b7) r0 = 42", "r0 = 42"),
        ("r0 = 42 # a comment", "r0 = 42"),
        ("r0 = 42 // a comment", "r0 = 42"),
        ("0: (b7) r0 = 42                        ; R0=42", "r0 = 42"),
        ("r1 = *(u32 *)(r2)", "r1 = *(u32 *)(r2 +0)"),
        ("*(u32 *)(r10-4) = 0x10", "*(u32 *)(r10 -4) = 16"),
        ("if r1 > 5 goto pc+1", "if r1 > 0x5 goto pc+1"),
        ("if r1 != -1 goto pc+1", "if r1 != 0xffffffff goto pc+1"),
        ("w1 = 0x10", "w1 = 16"),
        ("r1 += 0xffffffff", "r1 += -1"),
        ("r0 = *(u32 *)skb[r1 - 4]", "r0 = *(u32 *)skb[r1 + -4]"),
        ("r1 = map[id:5]", "r1 = map[fd:5]"),
        ("r1 = map[id:5][0]+4", "r1 = map[fd:5][0]+4"),
    ];
    for (input, printed) in cases {
        let insns = asm(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(disasm(&AsmCbs, &insns), format!("{printed}\n"), "input {input:?}");
    }
}

#[test]
fn labels_resolve_to_relative_targets() {
    let text = "\
# sum 1..3 with a callback address and a bpf-to-bpf call
        r6 = subprog[callee]
        r0 = 0
        r1 = 3
loop:   r0 += r1
        r1 -= 1
        if r1 != 0x0 goto loop
        may_goto done
        gotol done
        call callee
done:
        exit
callee: r0 = 1
        exit
";
    let insns = asm(text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        disasm(&AsmCbs, &insns),
        "\
r6 = subprog[+10]
r0 = 0
r1 = 3
r0 += r1
r1 -= 1
if r1 != 0x0 goto pc-3
may_goto pc+2
gotol pc+1
call pc+1
exit
r0 = 1
exit
"
    );
    // A label shadows a helper of the same name.
    let shadow = asm("call bpf_ktime_get_ns\nexit\nbpf_ktime_get_ns: exit").unwrap();
    assert_eq!(shadow[0], BpfInsn::call_rel(1));
}

#[test]
fn xlated_dump_notation_is_bpftools() {
    let insns = asm(
        "r1 = map[fd:7]\nr2 = map[fd:7][0]+8\nr3 = map[idx:1]+4\nr4 = subprog[-2]\nr5 = map[idx:2]\nexit",
    )
    .unwrap();
    assert_eq!(
        dump_xlated(&XlatedDumpCbs, &insns),
        "   0: (18) r1 = map[id:7]
   2: (18) r2 = map[id:7][0]+8
   4: (18) r3 = map[idx:1]+4
   6: (18) r4 = subprog[-2]
   8: (18) r5 = 0x2
  10: (95) exit
"
    );
    // Without callbacks a map reference hides its value unless pointers
    // may leak, as the verifier log does for unprivileged users.
    assert_eq!(print_bpf_insn(&NoCbs, &insns, 0, false), "(18) r1 = 0x0");
    assert_eq!(print_bpf_insn(&NoCbs, &insns, 0, true), "(18) r1 = 0x7");
    assert_eq!(print_bpf_insn(&NoCbs, &insns, 2, true), "(18) r2 = 0x800000007");
    assert_eq!(print_bpf_insn(&NoCbs, &insns, 4, false), "(18) r3 = 0x400000001");
}

/// `line:col: message` of an assembler error.
fn err(text: &str) -> String {
    asm(text).map(|i| format!("assembled to {i:?}")).unwrap_or_else(|e| e.to_string())
}

#[test]
fn errors_name_line_and_column() {
    let cases: &[(&str, &str)] = &[
        ("r0 = 0\nr1 = foo\nexit", "2:6: expected a register, a number, a load or an operation, found `foo`"),
        ("r0 = 0\n  r11 +=\n", "2:9: expected a number, found end of line"),
        ("goto nowhere", "1:6: no label `nowhere`"),
        ("a: exit\na: exit", "2:1: label `a` is already defined on line 1"),
        ("r1: exit", "1:1: `r1` cannot be a label: it reads as a register or pc"),
        ("(bf) r0 = 42", "1:1: prefix (bf) does not match the instruction's opcode (b7)"),
        ("r0 = 0\n   5: exit", "2:4: index 5: does not match the instruction's slot 1"),
        ("r0 = 99999999999", "1:6: 99999999999 does not fit in a 32-bit imm"),
        ("r0 = *(u32 *)(r1 +40000)", "1:18: 40000 does not fit in a 16-bit off"),
        ("goto pc+32768", "1:6: 32768 does not fit in a 16-bit off"),
        ("call bpf_map_lookup_elem#2", "1:6: helper #2 is bpf_map_update_elem, not bpf_map_lookup_elem"),
        ("call unknown#1", "1:6: helper #1 is bpf_map_lookup_elem, not unknown"),
        ("call nothing_here", "1:6: `nothing_here` is neither a label nor a helper"),
        (
            "BUG_ld_00",
            "1:1: `BUG_ld_00` is what the disassembler prints for an invalid instruction; it has no encoding",
        ),
        ("r1 = -r2", "1:7: neg negates its own register: expected r1, found r2"),
        ("r1 = w2", "1:6: r and w registers are mixed"),
        ("w1 = *(u32 *)(r2 +0)", "1:1: expected r1, not w1"),
        (
            "r1 = atomic_fetch_add((u64 *)(r2 +0), r1)",
            "1:24: expected atomic64_ with u64 and atomic_ with other sizes, found atomic_fetch_add",
        ),
        ("r0 = 1 r1", "1:8: expected end of line, found `r1`"),
        ("r0 = 1 $", "1:8: unexpected character `$`"),
        ("r1 = map[fd:0][1]+0", "1:16: expected `0` (the one value of an array map), found 1"),
    ];
    for (text, want) in cases {
        assert_eq!(err(text), *want, "input {text:?}");
    }
    let e = asm("r0 = 0\nr1 = foo").unwrap_err();
    assert_eq!((e.line, e.col), (2, 6));
    assert!(matches!(e.kind, AsmErrorKind::Expected { .. }));
    // A label too far for a 16-bit jump.
    let far = format!("goto end\n{}end: exit\n", "r0 = 0\n".repeat(40_000));
    assert_eq!(err(&far), "1:6: label `end` is 40000 instructions away, too far for this jump");
}

/// Words and symbols of the notation, for [`asm_never_panics_on_token_soup`].
const VOCAB: &[&str] = &[
    "r0",
    "w1",
    "r10",
    "r15",
    "r16",
    "=",
    "+=",
    "s>>=",
    "s/=",
    "-",
    "+",
    "*",
    "(",
    ")",
    "[",
    "]",
    "u64",
    "s8",
    "u8",
    "skb",
    "map",
    "fd",
    ":",
    "idx",
    "id",
    "0",
    "1",
    "0x10",
    "4294967296",
    "99999999999999999999",
    "call",
    "goto",
    "gotol",
    "may_goto",
    "pc",
    "pc+1",
    "pc-70000",
    "if",
    ">",
    "s<=",
    "&",
    "lock",
    "atomic64_fetch_add",
    "atomic_cmpxchg",
    "atomic_xchg",
    "load_acquire",
    "store_release",
    "exit",
    "nospec",
    "#",
    "//",
    "loop:",
    "loop",
    "be16",
    "le",
    "bswap32",
    "subprog",
    "btf_id",
    "addr_space_cast",
    ",",
    "void",
    "__percpu",
    "kernel-function#1",
    "bpf_map_lookup_elem#1",
    "unknown#5",
    "(b7)",
    "(18)",
    "1:",
    "BUG_ld_00",
    "(null)",
    "0x",
    "1_0",
    "\u{e9}",
];

/// Arbitrary fields for a random form.
fn any_fields() -> impl Strategy<Value = Fields> {
    (0u8..16, 0u8..16, any::<i16>(), any::<i32>(), any::<i32>())
        .prop_map(|(dst, src, off, imm, imm2)| Fields { dst, src, off, imm, imm2 })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Any eight bytes, any slot: printing never panics, and with a
    /// missing second half an `ld_imm64` prints as if it were zero.
    #[test]
    fn print_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64), idx in 0usize..10, leaks: bool) {
        let insns: Vec<BpfInsn> = bytes.chunks_exact(8).map(|c| BpfInsn::from_bytes(c.try_into().unwrap())).collect();
        for cbs in [&NoCbs as &dyn bpf_core::disasm::BpfInsnCbs, &AsmCbs, &XlatedDumpCbs] {
            let line = print_bpf_insn(cbs, &insns, idx, leaks);
            prop_assert_eq!(line.is_empty(), idx >= insns.len());
            let _ = dump_xlated(cbs, &insns);
            // Whatever the disassembler prints, the assembler answers
            // without panicking.
            let _ = asm(&disasm(cbs, &insns));
        }
    }

    /// Any text: the assembler answers with instructions or an error.
    #[test]
    fn asm_never_panics_on_text(text in "\\PC{0,80}(\n\\PC{0,40}){0,3}") {
        if let Err(e) = asm(&text) {
            prop_assert!(e.line >= 1 && e.col >= 1);
        }
    }

    /// Words of the assembler's own vocabulary in random order, which
    /// reach far deeper into the parser than random characters.
    #[test]
    fn asm_never_panics_on_token_soup(words in proptest::collection::vec(proptest::sample::select(VOCAB), 0..16), glue in proptest::sample::select(vec![" ", "", "\n"])) {
        let text = words.join(glue);
        if let Err(e) = asm(&text) {
            prop_assert!(e.line >= 1 && e.col >= 1, "{}", text);
        }
    }

    /// Random valid encodings of random forms round-trip.
    #[test]
    fn valid_encodings_round_trip(form in proptest::sample::select(all_forms()), f in any_fields()) {
        let insns = build(form, f);
        let text = disasm(&AsmCbs, &insns);
        let back = asm(&text);
        prop_assert_eq!(back, Ok(insns), "{}", text);
    }

    /// A whole random program (forms in sequence) round-trips, slots and all.
    #[test]
    fn programs_round_trip(parts in proptest::collection::vec((proptest::sample::select(all_forms()), any_fields()), 1..40)) {
        let insns: Vec<BpfInsn> = parts.into_iter().flat_map(|(form, f)| build(form, f)).collect();
        prop_assert_eq!(asm(&dump_xlated(&AsmCbs, &insns)), Ok(insns));
    }
}

#[test]
fn forms_cover_isa_v4_and_pseudo_sources() {
    // A guard that the enumeration did not lose a family.
    let forms = all_forms();
    let has = |p: &dyn Fn(&Form) -> bool| forms.iter().any(p);
    assert!(has(&|f| matches!(f, Form::AluX { off: 16, .. })), "movsx");
    assert!(has(&|f| matches!(f, Form::AluK { off: 1, .. })), "sdiv/smod");
    assert!(has(&|f| matches!(f, Form::Ldx { code } if bpf_mode(*code) == BPF_MEMSX)), "ldsx");
    assert!(has(&|f| matches!(f, Form::End { code, .. } if bpf_class(*code) == BPF_ALU64)), "bswap");
    assert!(has(&|f| matches!(f, Form::Gotol)), "gotol");
    for op in [BPF_LOAD_ACQ, BPF_STORE_REL, BPF_CMPXCHG, BPF_XCHG] {
        assert!(has(&|f| matches!(f, Form::Atomic { op: o, .. } if *o == op)), "atomic {op:#x}");
    }
    for src in 0..=6 {
        assert!(has(&|f| matches!(f, Form::LdImm64 { src: s } if *s == src)), "ld_imm64 src {src}");
    }
}
