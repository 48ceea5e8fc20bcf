//! The typed API over [`__sys_bpf`]: what tests,
//! `bpftool` and library users call.
//!
//! Each method does what a C library would: it lays the `union bpf_attr`
//! (and the buffers it points to) out in the task's memory, makes the
//! system call, reads the results back and unmaps what it mapped. Errors
//! are the kernel's errnos.

use crate::kernel::Kernel;
use crate::syscall::__sys_bpf;
use crate::task::Task;
use bpf_core::errno::{Errno, EINVAL};
use bpf_core::trace::BpfTrace;
use bpf_core::uapi::*;

/// `BPF_PROG_LOAD` options.
#[derive(Clone, Debug, Default)]
pub struct ProgLoadOpts {
    /// `prog_type`.
    pub prog_type: BpfProgType,
    /// The instructions.
    pub insns: Vec<BpfInsn>,
    /// The license (`"GPL"`...).
    pub license: String,
    /// `prog_name` (at most 15 bytes are sent).
    pub name: String,
    /// `expected_attach_type`.
    pub expected_attach_type: u32,
    /// `prog_flags`.
    pub prog_flags: u32,
    /// `prog_ifindex`.
    pub prog_ifindex: u32,
    /// `log_level`.
    pub log_level: u32,
    /// Size of the log buffer to pass (0: no buffer).
    pub log_size: u32,
    /// `kern_version`.
    pub kern_version: u32,
    /// `attach_prog_fd`.
    pub attach_prog_fd: u32,
    /// `attach_btf_id`.
    pub attach_btf_id: u32,
    /// `fd_array` entries (passed when not empty).
    pub fd_array: Vec<i32>,
    /// Record the load sequence (see [`ProgLoadOutcome::trace`]).
    pub trace: bool,
}

impl ProgLoadOpts {
    /// A load of `insns` as `prog_type` under the GPL.
    pub fn new(prog_type: BpfProgType, insns: Vec<BpfInsn>) -> ProgLoadOpts {
        ProgLoadOpts { prog_type, insns, license: "GPL".into(), ..Default::default() }
    }
}

/// What `BPF_PROG_LOAD` gave back.
#[derive(Clone, Debug)]
pub struct ProgLoadOutcome {
    /// The program fd, or the errno.
    pub result: Result<i32, Errno>,
    /// The verifier log, up to its first NUL.
    pub log: String,
    /// `log_true_size` as the kernel wrote it back.
    pub log_true_size: u32,
    /// The load sequence, when [`ProgLoadOpts::trace`] asked for it.
    pub trace: Option<BpfTrace>,
}

/// `BPF_MAP_CREATE` options.
#[derive(Clone, Debug, Default)]
pub struct MapCreateOpts {
    /// The attributes, as sent.
    pub attr: BpfAttrMapCreate,
    /// The map's exclusive program hash (`excl_prog_hash`).
    pub excl_prog_hash: Option<[u8; 32]>,
}

impl MapCreateOpts {
    /// A map of `map_type` with the given sizes.
    pub fn new(map_type: BpfMapType, key_size: u32, value_size: u32, max_entries: u32) -> MapCreateOpts {
        MapCreateOpts {
            attr: BpfAttrMapCreate {
                map_type: map_type.0,
                key_size,
                value_size,
                max_entries,
                ..Default::default()
            },
            excl_prog_hash: None,
        }
    }

    /// With `map_flags`.
    pub fn flags(mut self, flags: BpfMapFlags) -> Self {
        self.attr.map_flags = flags.bits();
        self
    }

    /// With a name.
    pub fn name(mut self, name: &str) -> Self {
        self.attr.map_name = obj_name(name);
        self
    }
}

/// `BPF_PROG_TEST_RUN` options.
#[derive(Clone, Debug, Default)]
pub struct TestRunOpts {
    /// The packet (`data_in`).
    pub data_in: Option<Vec<u8>>,
    /// Room for the output packet (`data_size_out`; 0 passes no buffer).
    pub data_size_out: u32,
    /// The input context (`ctx_in`).
    pub ctx_in: Option<Vec<u8>>,
    /// Room for the output context (0 passes no buffer).
    pub ctx_size_out: u32,
    /// `repeat`.
    pub repeat: u32,
    /// `flags`.
    pub flags: u32,
    /// `cpu`.
    pub cpu: u32,
    /// `batch_size`.
    pub batch_size: u32,
}

impl TestRunOpts {
    /// One run on `data`, with room for the packet to come back.
    pub fn data(data: &[u8]) -> TestRunOpts {
        TestRunOpts {
            data_in: Some(data.to_vec()),
            data_size_out: data.len() as u32 + 256,
            ..Default::default()
        }
    }
}

/// What `BPF_PROG_TEST_RUN` gave back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TestRunOutput {
    /// `retval`: r0, truncated to 32 bits.
    pub retval: u32,
    /// `duration`: mean ns per run.
    pub duration: u32,
    /// The output packet (as much as fit).
    pub data_out: Vec<u8>,
    /// `data_size_out`: the output packet's full size.
    pub data_size_out: u32,
    /// The output context (as much as fit).
    pub ctx_out: Vec<u8>,
    /// `ctx_size_out`: its full size.
    pub ctx_size_out: u32,
}

/// A program's `bpf_prog_info` with the arrays it points to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProgInfo {
    /// The struct.
    pub info: BpfProgInfo,
    /// The rewritten program, as the kernel dumps it.
    pub xlated: Vec<BpfInsn>,
    /// The JIT image.
    pub jited: Vec<u8>,
    /// Ids of the maps the program uses.
    pub map_ids: Vec<u32>,
    /// Tags of the program (one per subprogram).
    pub prog_tags: Vec<[u8; 8]>,
    /// Lengths of the JIT images.
    pub jited_func_lens: Vec<u32>,
}

/// `BPF_PROG_ATTACH` / `BPF_PROG_DETACH` options.
#[derive(Clone, Copy, Debug, Default)]
pub struct AttachOpts {
    /// `attach_flags`.
    pub flags: u32,
    /// `replace_bpf_fd`.
    pub replace_fd: u32,
    /// `relative_fd` (or id, with `BPF_F_ID`).
    pub relative_fd: u32,
    /// `expected_revision`.
    pub expected_revision: u64,
}

/// The typed `bpf()` of one task on one kernel.
#[derive(Clone, Copy, Debug)]
pub struct Bpf<'a> {
    kernel: &'a Kernel,
    task: &'a Task,
}

impl<'a> Bpf<'a> {
    /// `bpf()` as `task` on `kernel`.
    pub fn new(kernel: &'a Kernel, task: &'a Task) -> Bpf<'a> {
        Bpf { kernel, task }
    }

    /// The kernel.
    pub fn kernel(&self) -> &'a Kernel {
        self.kernel
    }

    /// The task.
    pub fn task(&self) -> &'a Task {
        self.task
    }

    /// Calls `bpf(cmd, attr, attr.len())` with `attr` in the task's memory
    /// and returns the result and the attr as the kernel left it.
    pub fn sys_bpf(&self, cmd: BpfCmd, attr: &[u8]) -> (Result<i32, Errno>, Vec<u8>) {
        let mem = self.task.mem();
        let addr = mem.alloc(attr);
        let r = __sys_bpf(self.kernel, self.task, cmd, addr, attr.len() as u32);
        let after = mem.read(addr, attr.len()).unwrap_or_default();
        let _ = mem.free(addr);
        (r, after)
    }

    fn scratch(&self, bytes: &[u8]) -> Scratch<'a> {
        Scratch { task: self.task, addr: self.task.mem().alloc(bytes) }
    }

    /// `close(fd)`.
    pub fn close(&self, fd: i32) -> Result<(), Errno> {
        self.task.close(fd)
    }

    /// `BPF_PROG_LOAD`.
    pub fn prog_load(&self, opts: &ProgLoadOpts) -> ProgLoadOutcome {
        let insns: Vec<u8> = opts.insns.iter().flat_map(|i| i.to_bytes()).collect();
        let insns = self.scratch(&insns);
        let mut license = opts.license.as_bytes().to_vec();
        license.push(0);
        let license = self.scratch(&license);
        let log = (opts.log_size > 0).then(|| self.scratch(&vec![0u8; opts.log_size as usize]));
        let fd_array: Vec<u8> = opts.fd_array.iter().flat_map(|f| f.to_le_bytes()).collect();
        let fd_array = (!fd_array.is_empty()).then(|| self.scratch(&fd_array));
        let attr = BpfAttrProgLoad {
            prog_type: opts.prog_type.0,
            insn_cnt: opts.insns.len() as u32,
            insns: insns.addr,
            license: license.addr,
            log_level: opts.log_level,
            log_size: opts.log_size,
            log_buf: log.as_ref().map_or(0, |l| l.addr),
            kern_version: opts.kern_version,
            prog_flags: opts.prog_flags,
            prog_name: obj_name(&opts.name),
            prog_ifindex: opts.prog_ifindex,
            expected_attach_type: opts.expected_attach_type,
            attach_btf_id: opts.attach_btf_id,
            attach_prog_fd: opts.attach_prog_fd,
            fd_array: fd_array.as_ref().map_or(0, |f| f.addr),
            fd_array_cnt: opts.fd_array.len() as u32,
            ..Default::default()
        };
        let was_tracing = self.task.tracing();
        if opts.trace {
            self.task.set_tracing(true);
        }
        let (result, after) = self.sys_bpf(BPF_PROG_LOAD, &attr.to_bytes());
        self.task.set_tracing(was_tracing);
        let trace = if opts.trace { self.task.take_trace() } else { None };
        let log = log
            .and_then(|l| self.task.mem().read(l.addr, opts.log_size as usize).ok())
            .map(|b| {
                let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
                String::from_utf8_lossy(&b[..end]).into_owned()
            })
            .unwrap_or_default();
        ProgLoadOutcome {
            result,
            log,
            log_true_size: BpfAttrProgLoad::from_bytes(&after).log_true_size,
            trace,
        }
    }

    /// `BPF_PROG_LOAD`, just the fd.
    pub fn prog_load_fd(&self, opts: &ProgLoadOpts) -> Result<i32, Errno> {
        self.prog_load(opts).result
    }

    /// `BPF_MAP_CREATE`.
    pub fn map_create(&self, opts: &MapCreateOpts) -> Result<i32, Errno> {
        let mut attr = opts.attr;
        let hash = opts.excl_prog_hash.map(|h| self.scratch(&h));
        if let Some(h) = &hash {
            attr.excl_prog_hash = h.addr;
            attr.excl_prog_hash_size = 32;
        }
        self.sys_bpf(BPF_MAP_CREATE, &attr.to_bytes()).0
    }

    /// The value size the system call moves for the map behind `map_fd`
    /// (what a library knows from its map definitions). For an fd that is
    /// no map, any size: the system call refuses it first.
    fn value_size_of(&self, map_fd: i32) -> usize {
        match self.task.fdget(map_fd) {
            Ok(crate::task::File::Map(m)) => m.map().bpf_map_value_size(self.kernel.nr_cpus()) as usize,
            _ => 8,
        }
    }

    fn key_size_of(&self, map_fd: i32) -> usize {
        match self.task.fdget(map_fd) {
            Ok(crate::task::File::Map(m)) => m.map().key_size as usize,
            _ => 8,
        }
    }

    fn elem(
        &self,
        cmd: BpfCmd,
        map_fd: i32,
        key: Option<&[u8]>,
        value: u64,
        flags: u64,
    ) -> Result<i32, Errno> {
        let key = key.map(|k| self.scratch(k));
        let attr =
            BpfAttrMapElem { map_fd: map_fd as u32, key: key.as_ref().map_or(0, |k| k.addr), value, flags };
        self.sys_bpf(cmd, &attr.to_bytes()).0
    }

    /// `BPF_MAP_LOOKUP_ELEM` with `flags`: the value (every CPU's copy,
    /// 8-byte aligned, for per-CPU maps; the program id for a prog_array).
    pub fn map_lookup_elem_flags(&self, map_fd: i32, key: &[u8], flags: u64) -> Result<Vec<u8>, Errno> {
        let size = self.value_size_of(map_fd);
        let out = self.scratch(&vec![0u8; size]);
        self.elem(BPF_MAP_LOOKUP_ELEM, map_fd, Some(key), out.addr, flags)?;
        self.task.mem().read(out.addr, size)
    }

    /// `BPF_MAP_LOOKUP_ELEM`.
    pub fn map_lookup_elem(&self, map_fd: i32, key: &[u8]) -> Result<Vec<u8>, Errno> {
        self.map_lookup_elem_flags(map_fd, key, 0)
    }

    /// `BPF_MAP_UPDATE_ELEM` (`value`: the value, every CPU's for per-CPU
    /// maps, or a program fd for a prog_array).
    pub fn map_update_elem(&self, map_fd: i32, key: &[u8], value: &[u8], flags: u64) -> Result<(), Errno> {
        let v = self.scratch(value);
        self.elem(BPF_MAP_UPDATE_ELEM, map_fd, Some(key), v.addr, flags).map(|_| ())
    }

    /// `BPF_MAP_DELETE_ELEM`.
    pub fn map_delete_elem(&self, map_fd: i32, key: &[u8]) -> Result<(), Errno> {
        self.elem(BPF_MAP_DELETE_ELEM, map_fd, Some(key), 0, 0).map(|_| ())
    }

    /// `BPF_MAP_GET_NEXT_KEY`: the key after `key` (the first for `None`).
    pub fn map_get_next_key(&self, map_fd: i32, key: Option<&[u8]>) -> Result<Vec<u8>, Errno> {
        let ks = self.key_size_of(map_fd);
        let out = self.scratch(&vec![0u8; ks]);
        self.elem(BPF_MAP_GET_NEXT_KEY, map_fd, key, out.addr, 0)?;
        self.task.mem().read(out.addr, ks)
    }

    /// Every key of a map, in `BPF_MAP_GET_NEXT_KEY` order.
    pub fn map_keys(&self, map_fd: i32) -> Result<Vec<Vec<u8>>, Errno> {
        let mut keys: Vec<Vec<u8>> = Vec::new();
        loop {
            match self.map_get_next_key(map_fd, keys.last().map(|k| &k[..])) {
                Ok(k) => keys.push(k),
                Err(bpf_core::errno::ENOENT) => return Ok(keys),
                Err(e) => return Err(e),
            }
        }
    }

    /// `BPF_MAP_LOOKUP_AND_DELETE_ELEM`: the value of `key` (none for a
    /// queue or stack, which pop), removed from the map.
    pub fn map_lookup_and_delete_elem(&self, map_fd: i32, key: Option<&[u8]>) -> Result<Vec<u8>, Errno> {
        let size = self.value_size_of(map_fd);
        let out = self.scratch(&vec![0u8; size]);
        self.elem(BPF_MAP_LOOKUP_AND_DELETE_ELEM, map_fd, key, out.addr, 0)?;
        self.task.mem().read(out.addr, size)
    }

    /// `BPF_MAP_UPDATE_ELEM` with a NULL key: pushes `value` on a queue or
    /// stack (`BPF_EXIST` in `flags` makes room in a full one).
    pub fn map_push_elem(&self, map_fd: i32, value: &[u8], flags: u64) -> Result<(), Errno> {
        let v = self.scratch(value);
        self.elem(BPF_MAP_UPDATE_ELEM, map_fd, None, v.addr, flags).map(|_| ())
    }

    /// `BPF_MAP_LOOKUP_ELEM` with a NULL key: the next value of a queue or
    /// stack, left in place.
    pub fn map_peek_elem(&self, map_fd: i32) -> Result<Vec<u8>, Errno> {
        let size = self.value_size_of(map_fd);
        let out = self.scratch(&vec![0u8; size]);
        self.elem(BPF_MAP_LOOKUP_ELEM, map_fd, None, out.addr, 0)?;
        self.task.mem().read(out.addr, size)
    }

    /// `BPF_MAP_LOOKUP_AND_DELETE_ELEM` with a NULL key: pops a queue or
    /// stack.
    pub fn map_pop_elem(&self, map_fd: i32) -> Result<Vec<u8>, Errno> {
        self.map_lookup_and_delete_elem(map_fd, None)
    }

    /// `BPF_MAP_FREEZE`.
    pub fn map_freeze(&self, map_fd: i32) -> Result<(), Errno> {
        self.elem(BPF_MAP_FREEZE, map_fd, None, 0, 0).map(|_| ())
    }

    /// `BPF_PROG_TEST_RUN`.
    pub fn prog_test_run(&self, prog_fd: i32, opts: &TestRunOpts) -> Result<TestRunOutput, Errno> {
        let data_in = opts.data_in.as_ref().map(|d| self.scratch(d));
        let data_out =
            (opts.data_size_out > 0).then(|| self.scratch(&vec![0u8; opts.data_size_out as usize]));
        let ctx_in = opts.ctx_in.as_ref().map(|c| self.scratch(c));
        let ctx_out = (opts.ctx_size_out > 0).then(|| self.scratch(&vec![0u8; opts.ctx_size_out as usize]));
        let attr = BpfAttrTestRun {
            prog_fd: prog_fd as u32,
            data_size_in: opts.data_in.as_ref().map_or(0, |d| d.len() as u32),
            data_size_out: opts.data_size_out,
            data_in: data_in.as_ref().map_or(0, |d| d.addr),
            data_out: data_out.as_ref().map_or(0, |d| d.addr),
            repeat: opts.repeat,
            ctx_size_in: opts.ctx_in.as_ref().map_or(0, |c| c.len() as u32),
            ctx_size_out: opts.ctx_size_out,
            ctx_in: ctx_in.as_ref().map_or(0, |c| c.addr),
            ctx_out: ctx_out.as_ref().map_or(0, |c| c.addr),
            flags: opts.flags,
            cpu: opts.cpu,
            batch_size: opts.batch_size,
            ..Default::default()
        };
        let (r, after) = self.sys_bpf(BPF_PROG_TEST_RUN, &attr.to_bytes());
        r?;
        let a = BpfAttrTestRun::from_bytes(&after);
        let mem = self.task.mem();
        let data_out = match &data_out {
            Some(d) => mem.read(d.addr, a.data_size_out.min(opts.data_size_out) as usize)?,
            None => Vec::new(),
        };
        let ctx_out = match &ctx_out {
            Some(c) => mem.read(c.addr, a.ctx_size_out.min(opts.ctx_size_out) as usize)?,
            None => Vec::new(),
        };
        Ok(TestRunOutput {
            retval: a.retval,
            duration: a.duration,
            data_out,
            data_size_out: a.data_size_out,
            ctx_out,
            ctx_size_out: a.ctx_size_out,
        })
    }

    fn info_raw(&self, fd: i32, info: &[u8]) -> Result<(Vec<u8>, u32), Errno> {
        let buf = self.scratch(info);
        let attr = BpfAttrInfo { bpf_fd: fd as u32, info_len: info.len() as u32, info: buf.addr };
        let (r, after) = self.sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr.to_bytes());
        r?;
        Ok((self.task.mem().read(buf.addr, info.len())?, BpfAttrInfo::from_bytes(&after).info_len))
    }

    /// `BPF_OBJ_GET_INFO_BY_FD` for a map.
    pub fn map_get_info(&self, fd: i32) -> Result<BpfMapInfo, Errno> {
        let (b, _) = self.info_raw(fd, &BpfMapInfo::default().to_bytes())?;
        Ok(BpfMapInfo::from_bytes(&b))
    }

    /// `BPF_OBJ_GET_INFO_BY_FD` for a program, twice as bpftool does: once
    /// for the sizes, once with buffers for the dumps and arrays.
    pub fn prog_get_info(&self, fd: i32) -> Result<ProgInfo, Errno> {
        let (b, _) = self.info_raw(fd, &BpfProgInfo::default().to_bytes())?;
        let first = BpfProgInfo::from_bytes(&b);
        let mem = self.task.mem();
        let xl = self.scratch(&vec![0u8; first.xlated_prog_len as usize]);
        let ji = self.scratch(&vec![0u8; first.jited_prog_len as usize]);
        let maps = self.scratch(&vec![0u8; 4 * first.nr_map_ids as usize]);
        let tags = self.scratch(&vec![0u8; 8 * first.nr_prog_tags as usize]);
        let lens = self.scratch(&vec![0u8; 4 * first.nr_jited_func_lens as usize]);
        let req = BpfProgInfo {
            xlated_prog_len: first.xlated_prog_len,
            xlated_prog_insns: xl.addr,
            jited_prog_len: first.jited_prog_len,
            jited_prog_insns: ji.addr,
            nr_map_ids: first.nr_map_ids,
            map_ids: maps.addr,
            nr_prog_tags: first.nr_prog_tags,
            prog_tags: tags.addr,
            nr_jited_func_lens: first.nr_jited_func_lens,
            jited_func_lens: lens.addr,
            ..Default::default()
        };
        let (b, _) = self.info_raw(fd, &req.to_bytes())?;
        let info = BpfProgInfo::from_bytes(&b);
        let xlated = mem
            .read(xl.addr, first.xlated_prog_len as usize)?
            .chunks_exact(8)
            .map(|c| BpfInsn::from_bytes(c.try_into().expect("8 bytes")))
            .collect();
        let words = |addr: u64, n: u32| -> Result<Vec<u32>, Errno> {
            Ok(mem
                .read(addr, 4 * n as usize)?
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes(c.try_into().expect("4")))
                .collect())
        };
        Ok(ProgInfo {
            xlated,
            jited: if info.jited_prog_insns != 0 {
                mem.read(ji.addr, first.jited_prog_len as usize)?
            } else {
                Vec::new()
            },
            map_ids: words(maps.addr, first.nr_map_ids.min(info.nr_map_ids))?,
            prog_tags: mem
                .read(tags.addr, 8 * first.nr_prog_tags as usize)?
                .chunks_exact(8)
                .map(|c| c.try_into().expect("8 bytes"))
                .collect(),
            jited_func_lens: if info.jited_func_lens != 0 {
                words(lens.addr, first.nr_jited_func_lens)?
            } else {
                Vec::new()
            },
            info,
        })
    }

    fn get_id(&self, cmd: BpfCmd, start_id: u32, open_flags: u32) -> (Result<i32, Errno>, BpfAttrGetId) {
        let attr = BpfAttrGetId { start_id, open_flags, ..Default::default() };
        let (r, after) = self.sys_bpf(cmd, &attr.to_bytes());
        (r, BpfAttrGetId::from_bytes(&after))
    }

    /// `BPF_PROG_GET_NEXT_ID`: the first program id above `start_id`.
    pub fn prog_get_next_id(&self, start_id: u32) -> Result<u32, Errno> {
        let (r, a) = self.get_id(BPF_PROG_GET_NEXT_ID, start_id, 0);
        r.map(|_| a.next_id)
    }

    /// `BPF_MAP_GET_NEXT_ID`.
    pub fn map_get_next_id(&self, start_id: u32) -> Result<u32, Errno> {
        let (r, a) = self.get_id(BPF_MAP_GET_NEXT_ID, start_id, 0);
        r.map(|_| a.next_id)
    }

    /// `BPF_PROG_GET_FD_BY_ID`.
    pub fn prog_get_fd_by_id(&self, id: u32) -> Result<i32, Errno> {
        self.get_id(BPF_PROG_GET_FD_BY_ID, id, 0).0
    }

    /// `BPF_MAP_GET_FD_BY_ID` (`open_flags`: `BPF_F_RDONLY` / `BPF_F_WRONLY`).
    pub fn map_get_fd_by_id(&self, id: u32, open_flags: u32) -> Result<i32, Errno> {
        self.get_id(BPF_MAP_GET_FD_BY_ID, id, open_flags).0
    }

    /// `BPF_PROG_ATTACH` of `prog_fd` to `target` (a cgroup fd or an
    /// ifindex).
    pub fn prog_attach(
        &self,
        target: u32,
        prog_fd: i32,
        attach_type: BpfAttachType,
        opts: &AttachOpts,
    ) -> Result<(), Errno> {
        let attr = BpfAttrProgAttach {
            target_fd: target,
            attach_bpf_fd: prog_fd as u32,
            attach_type: attach_type.0,
            attach_flags: opts.flags,
            replace_bpf_fd: opts.replace_fd,
            relative_fd: opts.relative_fd,
            expected_revision: opts.expected_revision,
        };
        self.sys_bpf(BPF_PROG_ATTACH, &attr.to_bytes()).0.map(|_| ())
    }

    /// `BPF_PROG_DETACH` (`prog_fd` 0 names no program).
    pub fn prog_detach(
        &self,
        target: u32,
        prog_fd: i32,
        attach_type: BpfAttachType,
        opts: &AttachOpts,
    ) -> Result<(), Errno> {
        let attr = BpfAttrProgAttach {
            target_fd: target,
            attach_bpf_fd: prog_fd as u32,
            attach_type: attach_type.0,
            attach_flags: opts.flags,
            replace_bpf_fd: opts.replace_fd,
            relative_fd: opts.relative_fd,
            expected_revision: opts.expected_revision,
        };
        self.sys_bpf(BPF_PROG_DETACH, &attr.to_bytes()).0.map(|_| ())
    }

    /// Checks that `fd` is a program (`EINVAL` otherwise) and returns its
    /// id, through `BPF_OBJ_GET_INFO_BY_FD`.
    pub fn prog_id(&self, fd: i32) -> Result<u32, Errno> {
        let (b, len) = self.info_raw(fd, &[0u8; 8])?;
        if len < 8 {
            return Err(EINVAL);
        }
        Ok(u32::from_le_bytes(b[4..8].try_into().expect("4 bytes")))
    }
}

/// A mapping in the task's memory, unmapped when dropped.
struct Scratch<'a> {
    task: &'a Task,
    addr: u64,
}

impl Drop for Scratch<'_> {
    fn drop(&mut self) {
        let _ = self.task.mem().free(self.addr);
    }
}
