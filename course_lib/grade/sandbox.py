"""Starting children: one fresh, locked-down process per submission.

The grader (trusted) never runs student code. For each submission it starts
``child.py`` with a new interpreter:

- in an empty folder of its own, with a scrubbed environment (no variable of
  the grader's passes, so no token or path leaks);
- with ``python -I -S``: no site-packages of the course's venv on the path
  except the ones the child adds itself, no user site, no PYTHON* variables;
- with the student-facing "view" of course_lib first on the path: the
  helpers (landscapes, plots, data, models, widgets) and placeholders that
  record any use of the references (optim, schedules, checks, torch);
- with limits on CPU time, address space, processes, file size and open
  files, and a wall-clock deadline enforced here;
- when the grader is root, as an unprivileged user id of its own (one per
  worker slot, owning no file and no other process): root ignores the
  process limit and can read everything; a user of its own also means a
  student's code cannot signal or trace another student's child, and the
  process limit of 1 stops fork bombs in the kernel.

Answers come back as wire messages (JSON and raw array bytes) on a pipe and
are judged by the caller.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pwd
import queue
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import wire

PACKAGE = Path(__file__).resolve().parent
COURSE_LIB = PACKAGE.parent

# The student-facing part of course_lib, copied into the view as is.
VIEW_FILES = ["__init__.py", "landscapes.py", "plots.py", "data.py", "models.py", "optim/_base.py",
              "checks/_runner.py", "widgets/*.py"]
# Placeholders: module -> why it is withheld.
WITHHELD = {
    "course_lib.optim": "course_lib.optim holds the course's reference optimizers",
    "course_lib.schedules": "course_lib.schedules holds the reference learning-rate schedules",
    "torch": "torch.optim holds reference optimizers; the worksheets are NumPy only",
}
# Site-packages entries the child may not read: references, and what would give native code.
DENIED_PACKAGES = ("torch", "torchgen", "functorch", "triton", "nvidia", "course_lib", "__editable__",
                   "cffi", "_cffi_backend")
BLOCKED_IMPORTS = ("cffi", "_cffi_backend", "zmq", "sqlite3", "_sqlite3", "_tkinter", "tkinter", "_posixsubprocess",
                   "dbm", "_dbm", "_gdbm", "readline", "pty")
# Outside Python and site-packages, what NumPy and Matplotlib read.
SYSTEM_READ_ROOTS = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random", "/proc/cpuinfo", "/proc/meminfo",
                     "/proc/stat", "/sys/fs/cgroup",
                     "/sys/devices/system/cpu", "/etc/localtime", "/usr/share/zoneinfo", "/usr/share/fonts",
                     "/etc/fonts", "/usr/share/matplotlib")
PRELOAD = ["course_lib", "course_lib.landscapes", "course_lib.plots", "course_lib.data", "course_lib.models",
           "course_lib.optim", "course_lib.schedules", "course_lib.checks", "course_lib.widgets", "sklearn.datasets"]


@dataclass(frozen=True)
class Limits:
    """Per-submission limits. Each is checked when the grader starts."""

    wall_seconds: float = 60.0       # the whole child, enforced by the grader
    cpu_seconds: int = 60            # RLIMIT_CPU
    memory_bytes: int = 3 << 30      # RLIMIT_AS: NumPy, Matplotlib and OpenBLAS map about 1 GiB before any work
    file_bytes: int = 16 << 20       # RLIMIT_FSIZE, per file written
    open_files: int = 256            # RLIMIT_NOFILE
    statement_seconds: float = 10.0  # one top-level statement of a cell
    call_seconds: float = 5.0        # one call of a graded function
    output_bytes: int = 64 << 20     # what the child may send back

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"limit {field.name} must be a positive number, got {value!r}")
        if self.memory_bytes < 1 << 30:
            raise ValueError(f"memory_bytes must be at least 1 GiB (NumPy and Matplotlib alone map about 1 GiB), "
                             f"got {self.memory_bytes}")


@dataclass
class ChildReport:
    """What came back from one child."""

    events: list
    stopped: str | None      # why the child ended before "done", in a sentence (None: it finished)
    grader_error: bool       # the child could not even start: the grader's fault, not the student's
    seconds: float


class Cancelled(Exception):
    """The batch was interrupted: this child's result must not be recorded."""


class SandboxError(RuntimeError):
    """The grader cannot isolate children on this machine; the message says what to do."""


def _reachable_by_others(path: Path) -> bool:
    """Can a user who owns nothing read path (every folder above it searchable, the file readable)?"""
    path = path.resolve()
    for folder in [*reversed(path.parents), path]:
        mode = folder.stat().st_mode
        if folder.is_dir() and not mode & 0o001:
            return False
    return bool(path.stat().st_mode & 0o004)


def _pids_of(uid: int) -> list[int]:
    """The processes running as uid (from /proc)."""
    pids = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def _tasks_of(uid: int) -> int:
    """Processes and threads of uid: what RLIMIT_NPROC counts."""
    count = 0
    for pid in _pids_of(uid):
        try:
            count += len(os.listdir(f"/proc/{pid}/task"))
        except OSError:
            pass
    return count


class Sandbox:
    """Everything children share: the view, the interpreter, the worker slots. Use as a context manager."""

    def __init__(self, workers: int, limits: Limits, protected: list[Path], uid_base: int = 61000):
        self.limits = limits
        self.root = Path(tempfile.mkdtemp(prefix="course-grade-")).resolve()
        try:
            self._set_up(workers, protected, uid_base)
        except BaseException:
            for lock in getattr(self, "_uid_locks", []):
                lock.close()
            shutil.rmtree(self.root, ignore_errors=True)
            raise

    def _set_up(self, workers: int, protected: list[Path], uid_base: int) -> None:
        os.chmod(self.root, 0o711)  # children may pass through, not list
        self.as_root = os.geteuid() == 0
        self.site_packages = Path(__import__("numpy").__file__).resolve().parent.parent
        self.view = self.root / "view"
        self._build_view()
        self.reference = self.root / "reference"   # the real optim and schedules, for items that may use them
        self._build_reference()
        self.python, self.env_extra, stdlib = self._interpreter()
        self.read_roots = sorted({os.path.realpath(p) for p in
                                  [*stdlib, self.site_packages, self.view, *SYSTEM_READ_ROOTS]})
        self.denied_roots = sorted({os.path.realpath(p) for p in
                                    [*(str(e) for e in self.site_packages.iterdir()
                                       if e.name.startswith(DENIED_PACKAGES)),
                                     *map(str, protected)]
                                    } - {os.path.realpath(self.site_packages)})
        self.slots: queue.Queue = queue.Queue()
        self._uid_locks: list = []
        for uid in (self._claim_users(uid_base, workers) if self.as_root else [None] * workers):
            self.slots.put(uid)
        self._fork_lock = threading.Lock()
        self._server_gone = False
        self._start_server()
        self.processes = _tasks_of(os.getuid()) + 4 * workers + 16 if not self.as_root else 1
        self._counter = 0
        self._live: dict = {}
        self.cancelled = False

    # --- set-up ----------------------------------------------------------------

    def _build_view(self) -> None:
        for pattern in VIEW_FILES:
            for source in COURSE_LIB.glob(pattern):
                target = self.view / "course_lib" / source.relative_to(COURSE_LIB)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
        template = (PACKAGE / "view" / "withheld.py").read_text()
        for module, why in WITHHELD.items():
            target = self.view.joinpath(*module.split("."), "__init__.py")
            if module == "course_lib.schedules":
                target = self.view / "course_lib" / "schedules.py"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(template.format(module=module, why=why))
        (self.view / "course_lib" / "checks").mkdir(exist_ok=True)
        shutil.copyfile(PACKAGE / "view" / "checks.py", self.view / "course_lib" / "checks" / "__init__.py")
        grader = self.view / "_grader"
        grader.mkdir()
        (grader / "__init__.py").write_text("")
        for name in ("child.py", "guard.py", "wire.py"):
            shutil.copyfile(PACKAGE / name, grader / name)
        for path in [self.view, *self.view.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)

    def _build_reference(self) -> None:
        for pattern in ("optim/*.py", "schedules.py"):
            for source in COURSE_LIB.glob(pattern):
                target = self.reference / "course_lib" / source.relative_to(COURSE_LIB)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
        for path in [self.reference, *self.reference.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)

    def _interpreter(self):
        """The Python the children run, its extra environment and its standard-library folders."""
        stdlib = [sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"],
                  os.path.join(sys.base_prefix, "lib", f"python{sys.version_info.major}{sys.version_info.minor}.zip")]
        if not self.as_root:
            return sys.executable, {}, stdlib
        if not _reachable_by_others(self.site_packages):
            raise SandboxError(
                f"As root, the grader runs each submission as an unprivileged user, who cannot read "
                f"{self.site_packages}. Put the course where other users can read it (every folder above it "
                f"with o+x), or run the grader as an ordinary user.")
        if _reachable_by_others(Path(sys.executable)) and _reachable_by_others(Path(stdlib[0]) / "os.py"):
            return sys.executable, {}, stdlib
        # The interpreter lives where unprivileged users cannot go (pyenv under /root, mode 0700 here):
        # give the children a copy made of hard links (a real copy across file systems).
        runtime = self.root / "python"
        base = Path(sys.base_prefix)
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        skip = shutil.ignore_patterns("site-packages", "test", "idlelib", "tkinter", "turtledemo", "ensurepip",
                                      "lib2to3")
        link = self._link_or_copy
        shutil.copytree(base / "lib" / version, runtime / "lib" / version, ignore=skip, copy_function=link)
        for library in base.joinpath("lib").glob("libpython*"):
            link(str(library), str(runtime / "lib" / library.name))
        (runtime / "bin").mkdir(parents=True)
        executable = runtime / "bin" / version
        link(os.path.realpath(sys.executable), str(executable))
        for folder in [runtime, *(p for p in runtime.rglob("*") if p.is_dir() and not p.is_symlink())]:
            os.chmod(folder, 0o755)
        child_stdlib = [str(runtime / "lib" / version), str(runtime / "lib" / Path(stdlib[2]).name)]
        return str(executable), {"LD_LIBRARY_PATH": str(runtime / "lib")}, child_stdlib

    @staticmethod
    def _link_or_copy(source, target):
        """A hard link where the file is world-readable already (instant), else a readable copy."""
        if os.stat(source).st_mode & 0o004:
            try:
                os.link(source, target)
                return target
            except OSError:
                pass
        shutil.copy2(source, target)
        os.chmod(target, os.stat(target).st_mode | 0o444)
        return target

    def _start_server(self) -> None:
        """The fork server (child.py): imports everything once; forks a child per submission."""
        mine, theirs = socket.socketpair()
        cache = self.root / "matplotlib"   # Matplotlib's font list, built once by the server's import
        cache.mkdir(exist_ok=True)
        env = {**self._base_env(self.root), "MPLCONFIGDIR": str(cache)}
        self._server = subprocess.Popen(
            [self.python, "-I", "-S", "-B", str(self.view / "_grader" / "child.py"), str(theirs.fileno())],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, pass_fds=(theirs.fileno(),),
            cwd=self.root, env=env, start_new_session=True)  # its own session: Ctrl-C reaches the grader only
        theirs.close()
        self._server.stdin.write(json.dumps({"view": str(self.view), "site_packages": str(self.site_packages),
                                             "preload": PRELOAD}).encode())
        self._server.stdin.close()
        self._control = mine
        self._replies: queue.Queue = queue.Queue()
        self._exits: dict[int, tuple] = {}
        self._exits_changed = threading.Condition()
        threading.Thread(target=self._listen, args=(mine,), daemon=True).start()

    def _listen(self, control) -> None:
        """Route the server's messages: fork replies to the one waiting, exit codes by pid."""
        buffer = b""
        while True:
            try:
                chunk = control.recv(1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                message = json.loads(line)
                if "pid" in message:
                    self._replies.put(message["pid"])
                else:
                    with self._exits_changed:
                        self._exits[message["exit"]] = message["code"]
                        self._exits_changed.notify_all()
        self._replies.put(None)
        with self._exits_changed:
            self._server_gone = True
            self._exits_changed.notify_all()

    def _fork(self, uid, folder: Path, env: dict, request_fd: int, results_fd: int) -> int:
        with self._fork_lock:
            if self._server_gone:
                raise SandboxError("the fork server stopped: " + self._server.stderr.read(2000).decode(errors="replace"))
            order = json.dumps({"uid": uid, "cwd": str(folder), "env": env}).encode()
            socket.send_fds(self._control, [order], [request_fd, results_fd])
            pid = self._replies.get()
        if pid is None:
            raise SandboxError("the fork server stopped: " + self._server.stderr.read(2000).decode(errors="replace"))
        return pid

    def _wait_exit(self, pid: int, timeout: float):
        deadline = time.monotonic() + timeout
        with self._exits_changed:
            while pid not in self._exits and not self._server_gone:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._exits_changed.wait(remaining)
            return self._exits.get(pid)

    def _claim_users(self, uid_base: int, count: int) -> list[int]:
        """The first `count` user ids from uid_base that own nothing, run nothing, and no other grader
        holds (a lock file per id, held while this grader runs): two graders never share an id."""
        import fcntl
        claimed = []
        for uid in range(uid_base, uid_base + 10_000):
            if len(claimed) == count:
                return claimed
            try:
                pwd.getpwuid(uid)
                continue                      # a real account
            except KeyError:
                pass
            lock = open(os.path.join(tempfile.gettempdir(), f"course-grade-uid-{uid}.lock"), "a")
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                lock.close()
                continue                      # another grader's
            if _tasks_of(uid):
                lock.close()
                continue
            self._uid_locks.append(lock)
            claimed.append(uid)
        raise SandboxError(f"no {count} free user ids from {uid_base} on: pass --uid-base with a free range")

    def _base_env(self, home: Path) -> dict:
        return {"PATH": "/usr/bin:/bin", "HOME": str(home), "TMPDIR": str(home), "LANG": "C.UTF-8",
                "LC_ALL": "C.UTF-8", "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                "MKL_NUM_THREADS": "1", **self.env_extra}

    # --- one child ---------------------------------------------------------------

    def run(self, cells: list[dict], items: list[dict], with_reference: bool = False) -> ChildReport:
        """Run one submission's cells and graded items in a fresh child; blocks until it ends.

        with_reference: give the child the real course_lib.optim and schedules (for items whose
        worksheet tells students to use them); never together with items that may not."""
        uid = self.slots.get()
        if self.cancelled:
            self.slots.put(uid)
            raise Cancelled()
        self._counter += 1
        folder = self.root / f"run-{self._counter}"
        folder.mkdir(mode=0o700)
        if uid is not None:
            os.chown(folder, uid, uid)
        try:
            return self._run_in(folder, uid, cells, items, with_reference)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            self.slots.put(uid)

    def _run_in(self, folder: Path, uid: int | None, cells, items, with_reference: bool) -> ChildReport:
        limits = self.limits
        request = {
            "reference": str(self.reference) if with_reference else None,
            "read_roots": self.read_roots + ([str(self.reference)] if with_reference else []), "denied_roots": self.denied_roots, "blocked_imports": list(BLOCKED_IMPORTS),
            "cells": cells, "items": items,
            "limits": {"cpu_seconds": limits.cpu_seconds, "memory_bytes": limits.memory_bytes,
                       "processes": self.processes, "file_bytes": limits.file_bytes,
                       "open_files": limits.open_files, "core_bytes": 0,
                       "statement_seconds": limits.statement_seconds, "call_seconds": limits.call_seconds},
        }
        env = {**self._base_env(folder), "MPLCONFIGDIR": str(folder)}
        request_read, request_write = os.pipe()
        results_read, results_write = os.pipe()
        start = time.monotonic()
        try:
            pid = self._fork(uid, folder, env, request_read, results_write)
        finally:
            os.close(request_read)
            os.close(results_write)
        self._live[pid] = uid
        events, stopped = [], None
        try:
            writer = threading.Thread(target=_write_all, args=(request_write, json.dumps(request).encode()),
                                      daemon=True)
            writer.start()
            stopped = self._collect(pid, results_read, start, events)
        finally:
            os.close(results_read)
            self._kill(pid, uid)
            code = self._wait_exit(pid, 10)
            with self._exits_changed:
                self._exits.pop(pid, None)
            self._live.pop(pid, None)
        if self.cancelled:
            raise Cancelled()
        seconds = time.monotonic() - start
        finished = bool(events) and events[-1].get("event") == "done"
        setup_failed = next((e for e in events if e.get("event") == "setup failed"), None)
        ready = any(e.get("event") == "ready" for e in events)
        if finished:
            return ChildReport(events, None, False, seconds)
        if setup_failed is not None and not ready:
            return ChildReport(events, f"the grader could not start the child: {setup_failed.get('message')}", True,
                               seconds)
        if stopped is None:
            stopped = self._exit_reason(code)
            if setup_failed is not None:
                stopped += f" ({str(setup_failed.get('message'))[:300]})"
        return ChildReport(events, stopped, not ready, seconds)

    def _collect(self, pid, read_end, start, events) -> str | None:
        """Read messages until the child closes the pipe; returns why it was stopped, or None."""
        deadline = start + self.limits.wall_seconds
        buffer, received = bytearray(), 0
        with selectors.DefaultSelector() as selector:
            selector.register(read_end, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if self.cancelled:
                    return "cancelled"
                if remaining <= 0:
                    return f"it ran longer than the wall-clock limit of {self.limits.wall_seconds:g} s and was stopped"
                if not selector.select(timeout=min(remaining, 1.0)):
                    continue
                chunk = os.read(read_end, 1 << 16)
                if not chunk:
                    break
                received += len(chunk)
                if received > self.limits.output_bytes:
                    return f"it sent more than {self.limits.output_bytes >> 20} MB of answers and was stopped"
                searched = len(buffer)
                buffer += chunk
                while (end := buffer.find(b"\n", searched)) >= 0:   # only the new bytes are searched
                    line, buffer, searched = bytes(buffer[:end]), buffer[end + 1:], 0
                    try:
                        events.append(wire.loads(line))
                    except wire.WireError as error:
                        events.append({"event": "garbled", "message": str(error)[:200]})
        if self._wait_exit(pid, max(0.1, deadline - time.monotonic())) is None:
            return f"it ran longer than the wall-clock limit of {self.limits.wall_seconds:g} s and was stopped"
        return None

    def _exit_reason(self, code: int | None) -> str:
        if code is None:
            return "it did not finish"
        if code >= 0:
            return f"the notebook's code ended the grading process early (exit status {code}: sys.exit or os._exit?)"
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        return {
            "SIGXCPU": f"it used more than the CPU-time limit of {self.limits.cpu_seconds} s",
            "SIGKILL": f"it was killed (the CPU-time limit of {self.limits.cpu_seconds} s, or out of memory)",
            "SIGSEGV": "it crashed (segmentation fault: a recursion far too deep?)",
            "SIGXFSZ": f"it wrote a file larger than the limit of {self.limits.file_bytes >> 20} MB",
            "SIGABRT": "it crashed (aborted)",
        }.get(name, f"it was ended by signal {name}")

    def _kill(self, pid: int, uid: int | None) -> None:
        """Stop the child and anything it started (its process group; as root, anything running as its user)."""
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if uid is not None:  # the slot's user owns nothing else: anything still running as it is this child's
            for _ in range(3):
                leftovers = _pids_of(uid)
                if not leftovers:
                    break
                for leftover in leftovers:
                    try:
                        os.kill(leftover, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                time.sleep(0.05)

    def cancel(self) -> None:
        """Stop every running child (the batch was interrupted); their results are not recorded."""
        self.cancelled = True
        for pid, uid in list(self._live.items()):
            self._kill(pid, uid)

    def close(self) -> None:
        for pid, uid in list(self._live.items()):
            self._kill(pid, uid)
        try:
            self._control.shutdown(socket.SHUT_RDWR)   # the server sees the end of its orders and exits
        except OSError:
            pass
        self._control.close()
        try:
            self._server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._server.kill()
        self._server.stderr.close()
        for lock in self._uid_locks:
            lock.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _write_all(fd: int, data: bytes) -> None:
    """Send the request; a child that dies first just closes the pipe."""
    try:
        with open(fd, "wb") as pipe:
            pipe.write(data)
    except OSError:
        pass
