//! Credentials of a task (`struct cred`): its ids and the capabilities
//! `bpf()` checks.

use bitflags::bitflags;

bitflags! {
    /// The capabilities `bpf()` looks at, with their `CAP_*` bit numbers.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct Caps: u64 {
        /// `CAP_NET_ADMIN` (12): networking program types and attach points.
        const CAP_NET_ADMIN = 1 << 12;
        /// `CAP_SYS_ADMIN` (21): implies the others for `bpf()`; ids and
        /// fds by id.
        const CAP_SYS_ADMIN = 1 << 21;
        /// `CAP_SYSLOG` (34): raw addresses in dumps with `kptr_restrict`.
        const CAP_SYSLOG = 1 << 34;
        /// `CAP_PERFMON` (38): tracing program types, pointer leaks.
        const CAP_PERFMON = 1 << 38;
        /// `CAP_BPF` (39): loading beyond socket filters.
        const CAP_BPF = 1 << 39;
    }
}

/// A task's credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cred {
    /// `uid` (what `bpf_prog_info.created_by_uid` reports).
    pub uid: u32,
    /// `gid`.
    pub gid: u32,
    /// Effective capabilities.
    pub caps: Caps,
}

impl Cred {
    /// uid 0 with every capability.
    pub fn root() -> Cred {
        Cred { uid: 0, gid: 0, caps: Caps::all() }
    }

    /// An ordinary user with no capabilities.
    pub fn user(uid: u32) -> Cred {
        Cred { uid, gid: uid, caps: Caps::empty() }
    }

    /// The same credentials with `caps` instead.
    pub fn with_caps(self, caps: Caps) -> Cred {
        Cred { caps, ..self }
    }

    /// Mirrors `capable(cap)`.
    pub fn capable(&self, cap: Caps) -> bool {
        self.caps.contains(cap)
    }

    /// Mirrors `kernel/bpf/token.c:bpf_token_capable()` without a token:
    /// `CAP_SYS_ADMIN` stands in for any other capability.
    pub fn bpf_token_capable(&self, cap: Caps) -> bool {
        self.capable(cap) || (cap != Caps::CAP_SYS_ADMIN && self.capable(Caps::CAP_SYS_ADMIN))
    }

    /// Mirrors `bpf_capable()`: `CAP_BPF` or `CAP_SYS_ADMIN`.
    pub fn bpf_capable(&self) -> bool {
        self.bpf_token_capable(Caps::CAP_BPF)
    }

    /// Mirrors `perfmon_capable()`: `CAP_PERFMON` or `CAP_SYS_ADMIN`.
    pub fn perfmon_capable(&self) -> bool {
        self.bpf_token_capable(Caps::CAP_PERFMON)
    }

    /// Mirrors `bpf_net_capable()`: `CAP_NET_ADMIN` or `CAP_SYS_ADMIN`.
    pub fn net_capable(&self) -> bool {
        self.bpf_token_capable(Caps::CAP_NET_ADMIN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sys_admin_implies_the_rest() {
        let admin = Cred::user(1000).with_caps(Caps::CAP_SYS_ADMIN);
        assert!(admin.bpf_capable() && admin.perfmon_capable() && admin.net_capable());
        let bpf = Cred::user(1000).with_caps(Caps::CAP_BPF);
        assert!(bpf.bpf_capable() && !bpf.perfmon_capable() && !bpf.capable(Caps::CAP_SYS_ADMIN));
        assert!(!Cred::user(1).bpf_capable());
        assert!(Cred::root().capable(Caps::CAP_SYSLOG));
    }
}
