"""Friendly notes, not a wall: what a child's code reached for, as the child itself reports it.

The kernel confines a child (see ``sandbox.py``); this audit hook only
explains. When a cell or a graded function opens a file outside the child's
folder and the Python installation, writes outside its folder, starts or
signals a process, or opens a socket, the hook sends a note to the grader,
which shows it to the instructor under "flags". The hook never refuses
anything (the kernel does: the file is not there, the call fails with a
PermissionError) and never decides a score: student code can forge or
silence these notes, and the grader labels them as the notebook's own report.
The withheld-module placeholders (``course_lib.optim``, ``torch``, ...) call
``record`` the same way.
"""

from __future__ import annotations

import os
import sys

_REPORT = [None]   # set by install(): sends one note to the grader

# What a child may read without a note: the sandbox's read-only parts (see sandbox.py).
READABLE = ("/sandbox/course/", "/sandbox/site-packages/", "/usr/lib/", "/usr/share/", "/etc/fonts/", "/dev/",
            "/proc/self/", "/sys/", os.path.realpath(sys.prefix) + "/", os.path.realpath(sys.base_prefix) + "/")
PROCESS_EVENTS = frozenset({"os.fork", "os.forkpty", "os.exec", "os.posix_spawn", "os.spawn", "os.system",
                            "subprocess.Popen", "pty.spawn", "os.kill", "os.killpg"})
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def record(kind: str, what: str) -> None:
    """Called by the withheld-module placeholders: what = "use X (why)"."""
    if _REPORT[0] is not None:
        _REPORT[0](kind, what)


def install(folder: str, results_fd: int) -> None:
    """Add the hook; folder is the child's own (absolute)."""
    write = os.write

    def report(kind, what):
        line = ('{"event":"attempt","kind":"' + str(kind).encode().hex() + '","what":"'
                + str(what)[:300].encode("utf-8", "replace").hex() + '"}\n').encode()
        try:
            write(results_fd, line)
        except OSError:
            pass

    _REPORT[0] = report
    sys.addaudithook(_make_hook(folder.rstrip("/") + "/", report))


def _make_hook(folder: str, report):
    def where(path):
        path = os.fsdecode(path) if isinstance(path, bytes) else path
        return os.path.normpath(os.path.join(os.getcwd(), path)) + ("/" if os.path.isdir(path) else "")

    def hook(event, args):
        try:
            if event == "open" and isinstance(args[0], (str, bytes)):
                path, mode, flags = where(args[0]), args[1], args[2] or 0
                writing = flags & WRITE_FLAGS or (isinstance(mode, str) and any(c in mode for c in "wax+"))
                if path.startswith(folder) or path + "/" == folder:
                    return
                if writing:
                    report("files", "write " + path)
                elif not path.startswith(READABLE):
                    report("files", "read " + path)
            elif event in PROCESS_EVENTS:
                report("processes", "start or signal a process (" + event + ")")
            elif event.startswith("socket.") and event != "socket.getaddrinfo":
                report("network", "open a network connection (" + event + ")")
        except Exception:   # a note is never worth breaking the student's code
            pass

    return hook
