"""Which system calls the sandbox refuses: two seccomp filters, compiled by libseccomp.

The grader builds both here, in the trusted process, with libseccomp (through
its ctypes binding ``pyseccomp``), and hands them over as BPF bytes:

- ``sandbox_filter()``: what nothing in the sandbox needs, neither the fork
  server nor a child. bubblewrap loads it (``--add-seccomp-fd``) before the
  server starts, so every child inherits it and cannot drop it.
- ``child_filter()``: what the fork server needs and a child must never do:
  start a process or a program, or signal another process. The child loads it
  itself, after the fork and before any student code (filters only ever add
  up: the child cannot remove either).

Refused calls fail with EPERM, so student code sees a ``PermissionError``
(clone3 fails with ENOSYS, which makes the C library fall back to clone for
threads). Names unknown to this kernel's architecture are skipped.
"""

from __future__ import annotations

import errno
import tempfile

# Nothing in the sandbox needs these: tracing and reading other processes, device nodes and
# FIFOs, mounting and namespaces, kernel modules and keys, io_uring and BPF (both bypass or
# widen what seccomp sees), the network, the clock.
SANDBOX_DENIED = (
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
    "mknod", "mknodat",
    "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsmount", "fsconfig",
    "fspick", "mount_setattr", "unshare", "setns", "name_to_handle_at", "open_by_handle_at",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "bpf", "perf_event_open", "userfaultfd",
    "fanotify_init", "keyctl", "add_key", "request_key",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot", "swapon",
    "swapoff", "syslog", "acct", "quotactl", "quotactl_fd", "ioperm", "iopl", "vhangup", "uselib",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
    "socket", "socketpair",
)
# The fork server forks, watches and kills its children; a child may do none of it.
CHILD_DENIED = (
    "fork", "vfork", "execve", "execveat",
    "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_open", "pidfd_send_signal",
)
CLONE_THREAD = 0x00010000


def _compile(rules) -> bytes:
    import pyseccomp as seccomp
    bpf = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for action, name, conditions in rules(seccomp):
        try:
            bpf.add_rule(action, name, *conditions)
        except (OSError, ValueError, RuntimeError):
            if seccomp.resolve_syscall(seccomp.system_arch(), name) >= 0:
                raise        # a call this architecture has: the rule must not be dropped silently
    with tempfile.TemporaryFile() as file:   # export_bpf writes to a file descriptor
        bpf.export_bpf(file)
        file.seek(0)
        return file.read()


def sandbox_filter() -> bytes:
    def rules(seccomp):
        for name in SANDBOX_DENIED:
            yield seccomp.ERRNO(errno.EPERM), name, ()
    return _compile(rules)


def child_filter() -> bytes:
    def rules(seccomp):
        for name in CHILD_DENIED:
            yield seccomp.ERRNO(errno.EPERM), name, ()
        # clone makes threads and processes alike: only a thread (CLONE_THREAD set) is allowed.
        yield seccomp.ERRNO(errno.EPERM), "clone", (seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_THREAD, 0),)
        # clone3 passes its flags in memory, where seccomp cannot look: refuse it as if the kernel
        # lacked it, and the C library makes threads with clone instead.
        yield seccomp.ERRNO(errno.ENOSYS), "clone3", ()
    return _compile(rules)
