"""Running student code inside a wall the kernel enforces: bubblewrap, namespaces and seccomp.

Step 2 of the grader's path (discover -> run in the sandbox -> judge -> write).
For each worker the grader starts one sandbox, and in it a fork server
(``child.py``) that imports NumPy, Matplotlib and the student-facing view of
course_lib once, then forks a fresh child for each submission, one at a time.
What confines a child is the kernel, set up before any student code exists:

- **bubblewrap** (Debian's ``bubblewrap``; no setuid needed) puts the server
  in new user, mount, PID, network, IPC, UTS and cgroup namespaces, with
  ``--disable-userns`` (no namespaces of its own inside) and no capabilities.
  Its file system is built from nothing: read-only binds of the Python
  interpreter and standard library, the few installed packages a worksheet
  needs (NumPy, Matplotlib, scikit-learn and what they require; IPython's
  input transformer), the system's shared libraries and fonts, and the view
  of course_lib at /sandbox/course; a fresh /proc that shows only this sandbox's
  processes; a minimal /dev. The root is read-only. Nothing else exists in
  there: not the submissions, not the repository, not ``solutions/``, not
  the grader's output or reference, not another worker's sandbox.
- The one writable place is /sandbox/home, a tmpfs capped in bytes and in files
  (mounted with ``size`` and ``nr_inodes`` by ``unshare`` from util-linux, in
  a user namespace of its own, since bubblewrap cannot cap inodes). The
  server empties it after every child (it is the child's folder, HOME and TMPDIR).
- **seccomp** (filters compiled by libseccomp, see ``syscalls.py``): bubblewrap
  loads one that refuses tracing, mounting, device nodes, io_uring, BPF,
  sockets and the like to everything in the sandbox; each child then loads
  one that refuses new processes, new programs and signals to any process.
- Resource limits per child (CPU, memory, file size, open files) and a
  wall-clock deadline kept here; the server is not dumpable, so a child
  cannot read or write its memory through /proc.

As root or as an ordinary user the sandbox is the same: in both cases the
server runs as an unprivileged user of its own namespace. Where the kernel
cannot build it (not Linux, no bubblewrap, user namespaces turned off, a
container's default seccomp profile), ``Sandbox`` refuses to start and says
why, unless the instructor passes ``unconfined=True`` (the command line's
flag names the risk): children then run with the limits only.

Answers come back as wire messages on a pipe straight from the child; the
caller validates and judges them.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import importlib.metadata
import json
import os
import queue
import re
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

from . import syscalls, wire

PACKAGE = Path(__file__).resolve().parent
COURSE_LIB = PACKAGE.parent

# The student-facing part of course_lib. Not widgets/ nor theory/: they compute the lessons'
# quantities, which some graded functions ask for (tests/test_grade_view.py keeps it so).
VIEW_FILES = ["__init__.py", "validation.py", "landscapes.py", "plots.py", "data.py", "models.py",
              "checks/_runner.py"]
# Placeholders: module -> why it is withheld.
WITHHELD = {
    "course_lib.optim": "course_lib.optim holds the course's reference optimizers",
    "course_lib.schedules": "course_lib.schedules holds the reference learning-rate schedules",
    "course_lib.theory": "course_lib.theory computes the lessons' quantities, which graded functions ask for",
    "course_lib.widgets": "the lessons' explorers are not part of a worksheet",
    "torch": "torch.optim holds reference optimizers; the worksheets are NumPy only",
}
# Installed packages a child sees: these with everything they require...
CHILD_DISTRIBUTIONS = ("numpy", "matplotlib", "scikit-learn")
# ...and these alone: IPython's input transformer turns cells into Python (it needs only these three).
CHILD_DISTRIBUTIONS_ALONE = ("ipython", "traitlets", "pygments")
# The system's shared libraries and fonts (read-only; most machines have only some of them).
SYSTEM_PATHS = ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/share/fonts", "/etc/fonts",
                "/usr/share/zoneinfo")
PRELOAD = ["course_lib", "course_lib.landscapes", "course_lib.plots", "course_lib.data", "course_lib.models",
           "course_lib.optim", "course_lib.schedules", "course_lib.theory", "course_lib.widgets",
           "course_lib.checks", "IPython.core.inputtransformer2"]
# Where things are inside the sandbox.
# Under one folder of their own, which no host path is likely to share (the guard tells them apart by name).
VIEW_AT, PACKAGES_AT, WORK_AT = "/sandbox/course", "/sandbox/site-packages", "/sandbox/home"
SANDBOX_UID = 1000
START_SECONDS = 120   # a server's imports take 1-3 s; a loaded machine, more


@dataclass(frozen=True)
class Limits:
    """Per-submission limits. Each is checked when the grader starts."""

    wall_seconds: float = 60.0       # the whole child, enforced by the grader
    cpu_seconds: int = 60            # RLIMIT_CPU
    memory_bytes: int = 3 << 30      # RLIMIT_AS: NumPy, Matplotlib and OpenBLAS map about 1 GiB before any work
    file_bytes: int = 16 << 20       # RLIMIT_FSIZE, per file written
    open_files: int = 256            # RLIMIT_NOFILE
    folder_bytes: int = 128 << 20    # the child's folder (a tmpfs): all its files together
    folder_files: int = 4096         # ... and how many files and folders it may hold
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


HOW_TO_GET_A_SANDBOX = (
    "Grade on Linux with bubblewrap installed (Debian and Ubuntu: apt-get install bubblewrap util-linux) and "
    "user namespaces enabled (they are by default; in Docker, run the container with "
    "--security-opt seccomp=unconfined --security-opt apparmor=unconfined, or grade in a Linux VM). "
    "To grade anyway, without the wall, pass --unconfined-i-trust-every-submission: then a submission can "
    "read and change whatever your user can.")


# --- what the sandbox is made of ---------------------------------------------------------------


def _distribution_key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def child_packages(site_packages: Path) -> list[str]:
    """The top-level entries of site-packages a child sees (folders, modules, their metadata)."""
    from packaging.requirements import Requirement   # Matplotlib requires packaging
    chosen, todo = {}, list(CHILD_DISTRIBUTIONS)
    while todo:
        name = todo.pop()
        key = _distribution_key(name)
        if key in chosen:
            continue
        chosen[key] = importlib.metadata.distribution(name)
        for text in chosen[key].requires or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    for name in CHILD_DISTRIBUTIONS_ALONE:
        chosen.setdefault(_distribution_key(name), importlib.metadata.distribution(name))
    entries = set()
    for distribution in chosen.values():
        for file in distribution.files or []:
            top = file.parts[0]
            if top not in ("..", "__pycache__") and (site_packages / top).exists():
                entries.add(top)
    return sorted(entries)


def _python_paths() -> tuple[str, list[str], list[str]]:
    """The interpreter, the folders and files a child must read to run it, and what to hide among them."""
    executable = os.path.realpath(sys.executable)
    base = Path(sys.base_prefix).resolve()
    stdlib = os.path.realpath(sysconfig.get_paths()["stdlib"])
    paths = [executable, stdlib, *(str(p) for p in base.joinpath("lib").glob("libpython*"))]
    hidden = [str(Path(stdlib) / "site-packages")]    # the base interpreter's own packages (pip, ...)
    return executable, paths, [path for path in hidden if os.path.isdir(path)]


def _which(name: str) -> str | None:
    return shutil.which(name, path="/usr/bin:/bin:/usr/sbin:/sbin")


def kernel_sandbox_problem() -> str | None:
    """None when this machine can build the sandbox; else what is missing, in a sentence."""
    if not sys.platform.startswith("linux"):
        return f"this is {sys.platform}, not Linux: the grader's sandbox is made of Linux namespaces and seccomp"
    missing = [name for name in ("bwrap", "unshare", "mount") if _which(name) is None]
    if missing:
        return f"{' and '.join(missing)} not found (bubblewrap, util-linux)"
    try:
        import pyseccomp  # noqa: F401  (loads libseccomp)
    except (ImportError, RuntimeError, OSError) as error:
        return f"libseccomp cannot be loaded ({error})"
    with tempfile.TemporaryDirectory() as folder:
        trial = _outer_command(folder, "size=1m,nr_inodes=16") + [
            _which("bwrap"), "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
            "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--", "/bin/true"]
        try:
            result = subprocess.run(trial, capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"a trial sandbox could not start ({error})"
    if result.returncode != 0:
        said = result.stderr.decode(errors="replace").strip().splitlines()
        return f"a trial sandbox failed ({said[-1] if said else f'exit status {result.returncode}'})"
    return None


def _outer_command(work: str, tmpfs_options: str) -> list[str]:
    """unshare makes a user and mount namespace of its own, where it may mount the capped tmpfs on
    work; then it becomes the command that follows (bubblewrap). The host never sees the mount."""
    script = 'mount -t tmpfs -o "$1" course-grade "$2" && shift 2 && exec "$@"'
    return [_which("unshare"), "--user", "--map-root-user", "--mount", "--propagation", "private", "--",
            "/bin/sh", "-c", script, "sh", tmpfs_options, work]


# --- one sandbox with its fork server ------------------------------------------------------------


class Server:
    """One fork server, in a sandbox of its own (or unconfined); forks one child at a time."""

    def __init__(self, sandbox: "Sandbox", name: str, view: Path):
        self.sandbox, self.name, self.view = sandbox, name, view
        self.folder = sandbox.root / name
        self.folder.mkdir(mode=0o700)
        self.work = self.folder / "work"
        self.work.mkdir(mode=0o700)
        self.log = self.folder / "server.log"
        self.process = None
        self.start()

    def start(self) -> None:
        sandbox = self.sandbox
        mine, theirs = socket.socketpair()
        passed = [theirs.fileno()]
        confined = not sandbox.unconfined
        if confined:
            filter_read, filter_write = os.pipe()
            os.write(filter_write, sandbox.sandbox_filter)   # a few hundred bytes: fits in the pipe
            os.close(filter_write)
            passed.append(filter_read)
            command = _outer_command(str(self.work), f"size={sandbox.limits.folder_bytes},"
                                                     f"nr_inodes={sandbox.limits.folder_files},mode=0700")
            # The options go through a descriptor (--args), not the command line: /proc/1/cmdline, which
            # children can read, then shows no path of the grader's.
            options = [*sandbox.bwrap_arguments(self.view, self.work), "--add-seccomp-fd", str(filter_read)]
            options_read, options_write = os.pipe()
            threading.Thread(target=_write_all, args=(options_write, b"\0".join(o.encode() for o in options) + b"\0"),
                             daemon=True).start()
            passed.append(options_read)
            command += [_which("bwrap"), "--args", str(options_read), "--",
                        sandbox.python, "-I", "-S", "-B", f"{VIEW_AT}/_grader/child.py", str(theirs.fileno())]
            config = {"view": VIEW_AT, "site_packages": PACKAGES_AT, "work": WORK_AT}
            env = {}
        else:
            command = [sandbox.python, "-I", "-S", "-B", str(self.view / "_grader" / "child.py"), str(theirs.fileno())]
            config = {"view": str(self.view), "site_packages": str(sandbox.site_packages), "work": str(self.work)}
            env = sandbox.base_env(str(self.work))
        config.update(preload=PRELOAD, child_filter=sandbox.child_filter.hex() if confined else "")
        with open(self.log, "ab") as log:
            self.process = sandbox.launch(lambda: subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=log, stderr=log, pass_fds=passed, env=env, cwd="/",
                start_new_session=True))
        theirs.close()
        if confined:
            os.close(filter_read)
            os.close(options_read)
        self.process.stdin.write(json.dumps(config).encode())
        self.process.stdin.close()
        self.control = mine
        self.replies: queue.Queue = queue.Queue()
        self.exits: dict[int, int] = {}
        self.gone = False
        self.changed = threading.Condition()
        threading.Thread(target=self._listen, args=(mine, self.replies, self.exits, self.changed), daemon=True).start()
        ready = self._reply(START_SECONDS)
        if ready != "ready":
            self.stop()
            raise SandboxError(f"the grader's sandbox did not start: {self.log_tail()}")

    def log_tail(self) -> str:
        try:
            lines = self.log.read_text(errors="replace").strip().splitlines()
        except OSError:
            lines = []
        return " / ".join(lines[-3:])[-600:] or "no message"

    def _listen(self, control, replies, exits, changed) -> None:
        """Route the server's messages: fork replies to the one waiting, exit codes by pid. The server
        shares a sandbox with student code, so nothing it sends is trusted: anything odd ends it.
        Each start has its own listener and queues: one that ends after a restart touches only its own."""
        buffer = b""
        try:
            while True:
                chunk = control.recv(1 << 16)
                if not chunk:
                    break
                buffer += chunk
                if len(buffer) > 1 << 16:
                    break
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    message = json.loads(line)
                    if message == {"ready": True}:
                        replies.put("ready")
                    elif set(message) == {"pid"} and type(message["pid"]) is int:
                        replies.put(message["pid"])
                    elif set(message) == {"exit", "code"} and type(message["exit"]) is int \
                            and type(message["code"]) is int:
                        with changed:
                            exits[message["exit"]] = message["code"]
                            changed.notify_all()
                    else:
                        raise ValueError("unexpected message")
        except (OSError, ValueError):
            pass
        replies.put(None)
        with changed:
            if control is self.control:
                self.gone = True
            changed.notify_all()

    def _reply(self, timeout: float):
        try:
            return self.replies.get(timeout=timeout)
        except queue.Empty:
            return None

    def fork(self, env: dict, request_fd: int, results_fd: int) -> int | None:
        """A new child reading its request on request_fd and answering on results_fd; None: the server is gone."""
        if self.gone:
            return None
        try:
            socket.send_fds(self.control, [json.dumps({"env": env}).encode()], [request_fd, results_fd])
        except OSError:
            return None
        pid = self._reply(30)
        return pid if type(pid) is int else None

    def kill(self, pid: int) -> None:
        try:
            self.control.sendall(json.dumps({"kill": pid}).encode() + b"\n")
        except OSError:
            pass

    def wait_exit(self, pid: int, timeout: float) -> int | None:
        """The child's exit status (as subprocess gives it) once the server has emptied its folder."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while pid not in self.exits and not self.gone:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self.changed.wait(remaining)
            return self.exits.pop(pid, None)

    def stop(self) -> None:
        try:
            self.control.close()
        except OSError:
            pass
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)   # unshare, then bubblewrap: the sandbox dies with it
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def restart(self) -> None:
        self.stop()
        self.start()


class Sandbox:
    """Everything the children share: the views, the interpreter, one server per worker. Use as a context manager."""

    def __init__(self, workers: int, limits: Limits, unconfined: bool = False):
        self.limits, self.unconfined = limits, unconfined
        if not unconfined:
            problem = kernel_sandbox_problem()
            if problem:
                raise SandboxError(f"this machine cannot confine submissions: {problem}. {HOW_TO_GET_A_SANDBOX}")
            self.sandbox_filter, self.child_filter = syscalls.sandbox_filter(), syscalls.child_filter()
        self.root = Path(tempfile.mkdtemp(prefix="course-grade-")).resolve()
        self.cancelled = False
        # bubblewrap's --die-with-parent ends a sandbox when the thread that started it ends (it is
        # PR_SET_PDEATHSIG, which follows the thread): every sandbox starts from this one thread, which
        # lives as long as the Sandbox, so a sandbox dies with the grader and never before.
        self._launcher = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="sandbox-launcher")
        self._servers: dict[tuple[int, bool], Server] = {}
        try:
            self.site_packages = Path(__import__("numpy").__file__).resolve().parent.parent
            self.python, self.python_paths, self.python_hidden = _python_paths()
            self.packages = child_packages(self.site_packages)
            (self.root / "empty").mkdir(mode=0o755)
            self.views = {False: self.root / "view", True: self.root / "view-with-reference"}
            for with_reference, view in self.views.items():
                _build_view(view, with_reference)
            self.slots: queue.Queue = queue.Queue()
            with concurrent.futures.ThreadPoolExecutor(workers) as pool:   # each imports for a second or two
                starting = [pool.submit(Server, self, f"worker-{index}", self.views[False]) for index in range(workers)]
            failure = None
            for index, future in enumerate(starting):
                try:
                    self._servers[index, False] = future.result()   # kept even if another failed: close() stops it
                    self.slots.put(index)
                except Exception as error:
                    failure = failure or error
            if failure is not None:
                raise failure
            self._live: dict[int, tuple[Server, int]] = {}
            self._lock = threading.Lock()
        except BaseException:
            self.close()
            raise

    # --- set-up ----------------------------------------------------------------

    def launch(self, start):
        """start() (a Popen) on the launcher thread; returns what it returns."""
        return self._launcher.submit(start).result()

    def bwrap_arguments(self, view: Path, work: Path) -> list[str]:
        """The sandbox, as bubblewrap options: see the module's docstring."""
        arguments = ["--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
                     "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--hostname", "sandbox", "--clearenv"]
        for key, value in self.base_env(WORK_AT).items():
            arguments += ["--setenv", key, value]
        for path in SYSTEM_PATHS:
            if os.path.islink(path):
                arguments += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                arguments += ["--ro-bind", path, path]
        for path in self.python_paths:
            arguments += ["--ro-bind", path, path]
        for path in self.python_hidden:
            arguments += ["--ro-bind", str(self.root / "empty"), path]
        for entry in self.packages:
            arguments += ["--ro-bind", str(self.site_packages / entry), f"{PACKAGES_AT}/{entry}"]
        arguments += ["--ro-bind", str(view), VIEW_AT, "--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev",
                      "--bind", str(work), WORK_AT, "--remount-ro", "/", "--chdir", "/"]
        return arguments

    @staticmethod
    def base_env(home: str) -> dict:
        return {"PATH": "/usr/bin:/bin", "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
                "MPLBACKEND": "Agg", "MPLCONFIGDIR": f"{home}/.matplotlib", "OPENBLAS_NUM_THREADS": "1",
                "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

    def _server(self, index: int, with_reference: bool) -> Server:
        key = (index, with_reference)
        if key not in self._servers:   # the reference's server starts only when an item needs it
            self._servers[key] = Server(self, f"worker-{index}" + ("-reference" if with_reference else ""),
                                        self.views[with_reference])
        return self._servers[key]

    # --- one child ---------------------------------------------------------------

    def run(self, cells: list[dict], items: list[dict], with_reference: bool = False) -> ChildReport:
        """Run one submission's cells and graded items in a fresh child; blocks until it ends.

        with_reference: a child whose view has the real course_lib.optim and schedules (for items
        whose worksheet tells students to use them); never together with items that may not."""
        index = self.slots.get()
        try:
            if self.cancelled:
                raise Cancelled()
            return self._run_in(self._server(index, with_reference), cells, items)
        finally:
            self.slots.put(index)

    def _run_in(self, server: Server, cells, items) -> ChildReport:
        limits = self.limits
        request = {
            "cells": cells, "items": items,
            "limits": {"cpu_seconds": limits.cpu_seconds, "memory_bytes": limits.memory_bytes,
                       "file_bytes": limits.file_bytes, "open_files": limits.open_files, "core_bytes": 0,
                       "statement_seconds": limits.statement_seconds, "call_seconds": limits.call_seconds},
        }
        work = WORK_AT if not self.unconfined else str(server.work)
        request_read, request_write = os.pipe()
        results_read, results_write = os.pipe()
        start = time.monotonic()
        try:
            pid = server.fork(self.base_env(work), request_read, results_write)
            if pid is None:                       # the server died: a new one for this submission
                server.restart()
                pid = server.fork(self.base_env(work), request_read, results_write)
        finally:
            os.close(request_read)
            os.close(results_write)
        if pid is None:
            os.close(request_write)
            os.close(results_read)
            return ChildReport([], f"the grader's sandbox did not answer: {server.log_tail()}", True,
                               time.monotonic() - start)
        with self._lock:
            self._live[id(server)] = (server, pid)
        events, stopped = [], None
        try:
            threading.Thread(target=_write_all, args=(request_write, json.dumps(request).encode()),
                             daemon=True).start()
            stopped = self._collect(server, pid, results_read, start, events)
        finally:
            os.close(results_read)
            server.kill(pid)
            code = server.wait_exit(pid, 15)
            with self._lock:
                self._live.pop(id(server), None)
            if code is None and not self.cancelled:   # a server that cannot say its child ended is replaced
                server.restart()
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
        return ChildReport(events, stopped, not ready, seconds)

    def _collect(self, server: Server, pid: int, read_end: int, start: float, events: list) -> str | None:
        """Read messages until the child closes the pipe; returns why it was stopped, or None."""
        deadline = start + self.limits.wall_seconds
        too_long = f"it ran longer than the wall-clock limit of {self.limits.wall_seconds:g} s and was stopped"
        buffer, received = bytearray(), 0
        with selectors.DefaultSelector() as selector:
            selector.register(read_end, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if self.cancelled:
                    return "cancelled"
                if remaining <= 0:
                    return too_long
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
        # The pipe closed: the child ended (or closed it); give it until the deadline to exit.
        with server.changed:
            while pid not in server.exits and not server.gone:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return too_long
                server.changed.wait(min(remaining, 1.0))
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
            "SIGSYS": "it made a system call the sandbox does not allow",
        }.get(name, f"it was ended by signal {name}")

    def cancel(self) -> None:
        """Stop every running child (the batch was interrupted); their results are not recorded."""
        self.cancelled = True
        for server in list(self._servers.values()):
            server.stop()

    def close(self) -> None:
        for server in list(self._servers.values()):
            server.stop()
        self._launcher.shutdown(wait=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _build_view(view: Path, with_reference: bool) -> None:
    """The student-facing copy of course_lib (placeholders for what is withheld) and the child's code."""
    for pattern in VIEW_FILES + (["optim/*.py", "schedules.py"] if with_reference else []):
        for source in COURSE_LIB.glob(pattern):
            target = view / "course_lib" / source.relative_to(COURSE_LIB)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    template = (PACKAGE / "view" / "withheld.py").read_text()
    for module, why in WITHHELD.items():
        if with_reference and module in ("course_lib.optim", "course_lib.schedules"):
            continue
        target = view.joinpath(*module.split("."), "__init__.py")
        if module == "course_lib.schedules":
            target = view / "course_lib" / "schedules.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(template.format(module=module, why=why))
    (view / "course_lib" / "checks").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PACKAGE / "view" / "checks.py", view / "course_lib" / "checks" / "__init__.py")
    (view / "course_lib" / "i18n").mkdir(parents=True, exist_ok=True)   # a Chinese worksheet's first cell
    shutil.copyfile(PACKAGE / "view" / "i18n.py", view / "course_lib" / "i18n" / "__init__.py")
    grader = view / "_grader"
    grader.mkdir()
    (grader / "__init__.py").write_text("")
    for name in ("child.py", "guard.py", "wire.py"):
        shutil.copyfile(PACKAGE / name, grader / name)
    for path in [view, *view.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


def _write_all(fd: int, data: bytes) -> None:
    """Send the request; a child that dies first just closes the pipe."""
    try:
        with open(fd, "wb") as pipe:
            pipe.write(data)
    except OSError:
        pass
