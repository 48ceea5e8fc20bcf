//! A record of the kernel functions a `bpf()` call passed through, for
//! study.
//!
//! `bpf_prog_load` and the functions it calls note their names here as
//! they run (when tracing is on), so a tool can print the path a program
//! took through the load sequence in the kernel's own names:
//!
//! ```text
//! bpf_prog_load -> CHECK_ATTR -> bpf_prog_load_fixup_attach_type -> ... -> bpf_prog_alloc -> ...
//! ```
//!
//! or as the indented chain of the study notes (`->` for a step of
//! `bpf_prog_load`, `-->` for a step inside that step). A failed step
//! carries its errno; the unwind labels the error path jumps to appear as
//! labels.

use crate::errno::Errno;
use std::fmt::Write as _;

/// What happened at one point of the trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BpfTraceKind {
    /// The function was called.
    Call(&'static str),
    /// The function (the last call at this depth) returned this errno.
    Failed(&'static str, Errno),
    /// The error path reached this label (`free_prog:`).
    Label(&'static str),
}

/// One event with its nesting depth (0 for the command itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BpfTraceEvent {
    /// 0 for the command (`bpf_prog_load`), 1 for its steps, 2 for theirs.
    pub depth: u8,
    /// What happened.
    pub kind: BpfTraceKind,
}

/// The event list of one `bpf()` call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BpfTrace {
    enabled: bool,
    depth: u8,
    events: Vec<BpfTraceEvent>,
}

impl BpfTrace {
    /// A trace that records (`enabled`) or ignores everything.
    pub fn new(enabled: bool) -> BpfTrace {
        BpfTrace { enabled, depth: 0, events: Vec::new() }
    }

    /// A trace that records nothing (the cost is one branch per step).
    pub fn off() -> BpfTrace {
        BpfTrace::new(false)
    }

    /// Is the trace recording?
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Records a call of `func` at the current depth.
    pub fn call(&mut self, func: &'static str) {
        if self.enabled {
            self.events.push(BpfTraceEvent { depth: self.depth, kind: BpfTraceKind::Call(func) });
        }
    }

    /// Records that `func` failed with `err`.
    pub fn failed(&mut self, func: &'static str, err: Errno) {
        if self.enabled {
            self.events.push(BpfTraceEvent { depth: self.depth, kind: BpfTraceKind::Failed(func, err) });
        }
    }

    /// Records an unwind label.
    pub fn label(&mut self, label: &'static str) {
        if self.enabled {
            self.events.push(BpfTraceEvent { depth: self.depth, kind: BpfTraceKind::Label(label) });
        }
    }

    /// Records a call of `func` and runs `body` one level deeper, noting
    /// its errno if it fails.
    pub fn step<T>(
        &mut self,
        func: &'static str,
        body: impl FnOnce(&mut BpfTrace) -> Result<T, Errno>,
    ) -> Result<T, Errno> {
        self.call(func);
        self.depth += 1;
        let r = body(self);
        self.depth -= 1;
        if let Err(e) = &r {
            self.failed(func, *e);
        }
        r
    }

    /// Runs `body` one level deeper (for calls of a step already recorded).
    pub fn nested<T>(&mut self, body: impl FnOnce(&mut BpfTrace) -> T) -> T {
        self.depth += 1;
        let r = body(self);
        self.depth -= 1;
        r
    }

    /// The recorded events.
    pub fn events(&self) -> &[BpfTraceEvent] {
        &self.events
    }

    /// The functions called, in order, at every depth.
    pub fn calls(&self) -> Vec<&'static str> {
        self.events
            .iter()
            .filter_map(|e| match e.kind {
                BpfTraceKind::Call(f) => Some(f),
                _ => None,
            })
            .collect()
    }

    /// The command and its direct steps as one arrow chain:
    /// `bpf_prog_load -> CHECK_ATTR -> ...`; a failed step reads
    /// `bpf_check = -EINVAL` and labels read `free_used_maps:`.
    pub fn arrow_chain(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        for e in self.events.iter().filter(|e| e.depth <= 1) {
            match e.kind {
                BpfTraceKind::Call(f) => parts.push(f.to_string()),
                BpfTraceKind::Failed(f, err) => {
                    if let Some(last) = parts.iter_mut().rev().find(|p| p.as_str() == f) {
                        *last = format!("{f} = -{}", err.name().unwrap_or("E?"));
                    }
                }
                BpfTraceKind::Label(l) => parts.push(format!("{l}:")),
            }
        }
        parts.join(" -> ")
    }

    /// Every event, one per line, indented with the study notes' arrows
    /// (`-> step`, `--> inner step`).
    pub fn tree(&self) -> String {
        let mut out = String::new();
        for e in &self.events {
            let arrows = "-".repeat(usize::from(e.depth.max(1))) + ">";
            let _ = match e.kind {
                BpfTraceKind::Call(f) if e.depth == 0 => writeln!(out, "{f}"),
                BpfTraceKind::Call(f) => writeln!(out, "{arrows} {f}"),
                BpfTraceKind::Failed(f, err) => {
                    writeln!(out, "{arrows} {f} failed: -{}", err.name().unwrap_or("E?"))
                }
                BpfTraceKind::Label(l) => writeln!(out, "{l}:"),
            };
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errno::EINVAL;

    #[test]
    fn chain_and_tree() {
        let mut t = BpfTrace::new(true);
        t.call("bpf_prog_load");
        t.nested(|t| {
            t.call("CHECK_ATTR");
            let _ = t.step("bpf_prog_alloc", |t| {
                t.call("bpf_prog_alloc_no_stats");
                Ok::<_, Errno>(())
            });
            let _ = t.step("bpf_check", |_| Err::<(), _>(EINVAL));
            t.label("free_used_maps");
        });
        assert_eq!(
            t.arrow_chain(),
            "bpf_prog_load -> CHECK_ATTR -> bpf_prog_alloc -> bpf_check = -EINVAL -> free_used_maps:"
        );
        assert!(t.tree().contains("--> bpf_prog_alloc_no_stats\n"));
        assert_eq!(t.calls().len(), 5);
        let mut off = BpfTrace::off();
        off.call("x");
        assert!(off.events().is_empty());
    }
}
