"""The child's audit hook: what graded code may touch. Runs only inside a child.

CPython raises an audit event before every file open, directory listing,
process start, socket and ctypes call, and a hook added with
``sys.addaudithook`` cannot be removed. This hook lets graded code read the
Python installation, the site-packages the course installed (minus torch,
whose optimizers are a reference) and the student-facing copy of
``course_lib``; write only inside the child's own folder; and nothing else.
Every refusal is sent to the grader at once, from inside the hook, as a
"violation" message on the results pipe: code that runs later cannot take
it back. The grader turns it into a score of 0 for the item being graded
(or a flag on the submission).

The hook is built so that student code cannot switch it off: it is
reachable from no module, and it calls only functions it captured when it
was installed (a student who replaces ``os.lstat`` or ``builtins.len``
changes nothing here), never an object the student passed in.
"""

from __future__ import annotations

import os
import sys

_REPORT = [None]   # set by install(): sends one violation to the grader


def record(kind: str, what: str) -> None:
    """Called by the withheld-module placeholders (course_lib.optim, torch, ...): what = "use X (why)"."""
    if _REPORT[0] is not None:
        _REPORT[0](kind, what)


_PROCESS_EVENTS = frozenset({"os.fork", "os.forkpty", "os.exec", "os.posix_spawn", "os.spawn", "os.system",
                             "subprocess.Popen", "pty.spawn", "os.startfile", "os.kill", "os.killpg",
                             "webbrowser.open"})
_WRITE_EVENTS = frozenset({"os.mkdir", "os.remove", "os.rmdir", "os.rename", "os.truncate", "os.chmod", "os.chown",
                           "os.utime", "os.chflags", "os.setxattr", "os.removexattr", "os.lchflags", "os.lchmod",
                           "shutil.rmtree", "shutil.move"})
_INSPECT_EVENTS = frozenset({"gc.get_objects", "gc.get_referrers", "gc.get_referents"})
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
MAX_WRITE_OPENS = 64   # with RLIMIT_FSIZE, bounds the disk a child can fill


def install(read_roots, denied_roots, write_root: str, blocked_imports, results_fd: int) -> None:
    """Add the hook. Paths must be absolute and already resolved (os.path.realpath)."""
    report = _make_reporter(results_fd)
    _REPORT[0] = report
    sys.addaudithook(_make_hook(tuple(read_roots), tuple(denied_roots), write_root, frozenset(blocked_imports),
                                report))


def _make_reporter(results_fd: int):
    """Write one violation message, built with str and bytes methods only (no json module to tamper with)."""
    write, str_ = os.write, str

    def report(kind, what):
        line = ('{"event":"violation","kind":"' + str_(kind).encode().hex() + '","what":"'
                + str_(what)[:300].encode("utf-8", "replace").hex() + '"}\n').encode()
        try:
            write(results_fd, line)
        except OSError:
            pass
    return report


def _make_hook(read_roots, denied_roots, write_root, blocked_imports, report):
    # Everything the hook calls is bound here, once.
    lstat, readlink, getcwd, getpid = os.lstat, os.readlink, os.getcwd, os.getpid
    fsdecode, type_, str_, bytes_, int_ = os.fsdecode, type, str, bytes, int
    error, oserror, permission = OSError, OSError, PermissionError
    write_flags, s_ifmt, s_iflnk, s_ifdir = _WRITE_FLAGS, 0o170000, 0o120000, 0o040000
    process_events, write_events, inspect_events = _PROCESS_EVENTS, _WRITE_EVENTS, _INSPECT_EVENTS
    proc_self = "/proc/" + str(os.getpid())
    write_opens = [0]

    def resolve(path):
        """os.path.realpath, from captured pieces only."""
        if not path.startswith("/"):
            path = getcwd() + "/" + path
        done, todo, links = [], path.split("/")[::-1], 0
        while todo:
            part = todo.pop()
            if part in ("", "."):
                continue
            if part == "..":
                if done:
                    done.pop()
                continue
            candidate = "/" + "/".join(done + [part])
            try:
                mode = lstat(candidate).st_mode
            except oserror:
                done.append(part)
                continue
            if mode & s_ifmt == s_iflnk:
                links += 1
                if links > 40:
                    raise permission("too many symbolic links")
                target = readlink(candidate)
                if target.startswith("/"):
                    done = []
                todo.extend(target.split("/")[::-1])
            else:
                done.append(part)
        return "/" + "/".join(done)

    def inside(path, root):
        return path == root or path.startswith(root + "/")

    def deny(kind, what, message):
        report(kind, what)
        raise permission(f"the grader does not let graded code {message}")

    def as_text(path, what):
        kind = type_(path)
        if kind is str_:
            return path
        if kind is bytes_:
            return fsdecode(path)
        deny("files", "open a file by a " + kind.__name__ + " path", "open a file by anything but a str path (got a "
             + kind.__name__ + ")")

    def readable(path):
        if inside(path, proc_self) or inside(path, write_root):
            return True
        for root in denied_roots:
            if inside(path, root):
                return False
        for root in read_roots:
            if inside(path, root):
                return True
        return False

    def check_read(raw, what):
        path = resolve(as_text(raw, what))
        if not readable(path):
            deny("files", "read " + path, "read " + path + " (only its own folder and the Python installation)")

    def check_write(raw, what):
        if raw is None or type_(raw) is int_:
            deny("files", "write through a directory descriptor", "write through a directory descriptor")
        path = resolve(as_text(raw, what))
        if not inside(path, write_root):
            deny("files", "write " + path, "write " + path + " (only inside its own folder)")

    def hook(event, args):
        if event == "open":
            raw, mode, flags = args
            if type_(raw) is int_:
                return  # an already-open descriptor: its opening was checked
            text = as_text(raw, "open")
            if ".." in text.split("/") and not text.startswith("/"):
                deny("files", "open " + text, "use '..' in a relative path")
            writing = (flags is not None and flags & write_flags) or (mode is not None and type_(mode) is str_
                                                                      and ("w" in mode or "a" in mode or "x" in mode
                                                                           or "+" in mode))
            if writing:
                check_write(text, "open " + text)
                write_opens[0] += 1
                if write_opens[0] > MAX_WRITE_OPENS:
                    deny("files", "open many files for writing",
                         "open more than " + str_(MAX_WRITE_OPENS) + " files for writing")
                return
            path = resolve(text)
            try:
                is_dir = lstat(path).st_mode & s_ifmt == s_ifdir
            except oserror:
                is_dir = False
            if is_dir and not inside(path, write_root):
                deny("files", "open the directory " + path, "open a directory outside its own folder")
            check_read(text, "open " + text)
        elif event in ("os.listdir", "os.scandir"):
            if args and args[0] is not None and type_(args[0]) is not int_:
                check_read(args[0], "list " + str_(args[0]))
        elif event == "os.chdir":
            if type_(args[0]) is int_:
                deny("files", "change directory through a descriptor", "change directory through a descriptor")
            check_write(args[0], "chdir")
        elif event in write_events:
            if event == "os.rename":
                check_write(args[0], event)
                check_write(args[1], event)
                if args[2] is not None or args[3] is not None:
                    deny("files", "write through a directory descriptor", "write through a directory descriptor")
            elif not (event == "os.truncate" and type_(args[0]) is int_):   # ftruncate of an open file
                check_write(args[0], event)
                if len(args) > 2 and event != "os.truncate" and args[-1] is not None and type_(args[-1]) is int_:
                    deny("files", "write through a directory descriptor", "write through a directory descriptor")
        elif event in ("os.symlink", "os.link"):
            deny("files", "make a link (" + event + ")", "make links")
        elif event in process_events:
            deny("processes", "start or signal a process (" + event + ")", "start or signal processes (" + event + ")")
        elif event.startswith("socket.") or event in ("sqlite3.connect", "sqlite3.connect/handle"):
            deny("network", "open a network connection or database (" + event + ")",
                 "open network connections or databases (" + event + ")")
        elif event.startswith("ctypes."):
            deny("native code", "call C code through ctypes (" + event + ")", "call C code through ctypes (" + event + ")")
        elif event in inspect_events:
            deny("inspection", "inspect the grader's objects (" + event + ")",
                 "inspect the grader's own objects (" + event + ")")
        elif event == "import":
            name = args[0]
            if type_(name) is str_ and (name in blocked_imports or name.split(".")[0] in blocked_imports):
                deny("native code", "import " + name, "import " + name)

    return hook
