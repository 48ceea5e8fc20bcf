//! Kernel errnos, as the `bpf()` system call returns them.
//!
//! Every fallible path in the workspace returns an [`Errno`] with the number
//! the kernel would return on the same path, so a caller (or `bpftool batch`)
//! can compare it with the real kernel's answer.

use std::fmt;

/// A positive kernel errno (`EINVAL` is 22). `bpf()` returns its negation.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Errno(pub i32);

macro_rules! errnos {
    ($($name:ident = $num:expr, $text:expr;)*) => {
        $(
            #[doc = $text]
            pub const $name: Errno = Errno($num);
        )*

        impl Errno {
            /// The symbolic name (`"EINVAL"`), or `None` for a number we do not list.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($num => Some(stringify!($name)),)*
                    _ => None,
                }
            }

            /// The C library's description (`"Invalid argument"`).
            pub fn description(self) -> &'static str {
                match self.0 {
                    $($num => $text,)*
                    _ => "Unknown error",
                }
            }

            /// Looks an errno up by its symbolic name.
            pub fn from_name(name: &str) -> Option<Errno> {
                match name {
                    $(stringify!($name) => Some($name),)*
                    _ => None,
                }
            }
        }
    };
}

errnos! {
    EPERM = 1, "Operation not permitted";
    ENOENT = 2, "No such file or directory";
    ESRCH = 3, "No such process";
    EINTR = 4, "Interrupted system call";
    EIO = 5, "Input/output error";
    ENXIO = 6, "No such device or address";
    E2BIG = 7, "Argument list too long";
    EBADF = 9, "Bad file descriptor";
    EAGAIN = 11, "Resource temporarily unavailable";
    ENOMEM = 12, "Cannot allocate memory";
    EACCES = 13, "Permission denied";
    EFAULT = 14, "Bad address";
    EBUSY = 16, "Device or resource busy";
    EEXIST = 17, "File exists";
    EXDEV = 18, "Invalid cross-device link";
    ENODEV = 19, "No such device";
    ENOTDIR = 20, "Not a directory";
    EINVAL = 22, "Invalid argument";
    ENFILE = 23, "Too many open files in system";
    EMFILE = 24, "Too many open files";
    ENOSPC = 28, "No space left on device";
    ERANGE = 34, "Numerical result out of range";
    EDEADLK = 35, "Resource deadlock avoided";
    ENOSYS = 38, "Function not implemented";
    ELOOP = 40, "Too many levels of symbolic links";
    ENOMSG = 42, "No message of desired type";
    ENODATA = 61, "No data available";
    EPROTO = 71, "Protocol error";
    EBADMSG = 74, "Bad message";
    EBADFD = 77, "File descriptor in bad state";
    EOVERFLOW = 75, "Value too large for defined data type";
    EOPNOTSUPP = 95, "Operation not supported";
    EAFNOSUPPORT = 97, "Address family not supported by protocol";
    EADDRINUSE = 98, "Address already in use";
    ENOBUFS = 105, "No buffer space available";
    ETIMEDOUT = 110, "Connection timed out";
    EALREADY = 114, "Operation already in progress";
    ESTALE = 116, "Stale file handle";
    ENOTSUPP = 524, "Unknown error 524";
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n} ({})", self.description()),
            None => write!(f, "errno {}", self.0),
        }
    }
}

impl std::error::Error for Errno {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for e in [EPERM, E2BIG, EACCES, EFAULT, EINVAL, ENOSPC, ENOTSUPP] {
            assert_eq!(Errno::from_name(e.name().unwrap()), Some(e));
        }
        assert_eq!(EINVAL.0, 22);
        assert_eq!(format!("{:?}", Errno(9999)), "Errno(9999)");
    }
}
