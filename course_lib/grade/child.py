"""Inside the sandbox: the fork server, and the child that runs one submission.

``python -I -S -B child.py FD`` is the fork server (started by ``sandbox.py``
inside bubblewrap): it imports NumPy, Matplotlib, IPython's input transformer
and the view of course_lib once, makes itself non-dumpable (a child cannot
read or write its memory through /proc), then waits for the grader's orders
on the socket FD. For each order it forks one child and, when that child has
ended, empties the child's folder before saying so: the next child finds
nothing of the last.

A child takes its pipes, its folder (/sandbox/home), a scrubbed environment and its
resource limits, loads the seccomp filter that refuses new processes,
programs and signals (see ``syscalls.py``), and only then reads its request:
the notebook's code cells, and the graded items with their cases' inputs.
Each cell is turned into Python by IPython's own transformer (``%%time``
runs its body; other magics and shell lines are skipped and noted) and run
one top-level statement at a time, each under a time limit; then each
graded function is called on every case. What each cell did and every
answer go back as wire messages on file descriptor 3. The child never sees a
reference answer, a hidden seed or a score: judging happens in the grader,
which trusts nothing this file sends.
"""

from __future__ import annotations

import ast
import json
import os
import resource
import signal
import sys
import types


def N_(message: str) -> str:
    """Marks a note for the library's catalogue (gettext's ``gettext_noop``): the child writes in
    English, and the feedback translates it (``course_lib.i18n.translated``)."""
    return message

RESULTS_FD = None          # 3 in a child, once its pipe is there
MAX_ITEM_BYTES = 8 << 20   # one item's answers; bigger ones become an error for that item alone
CONFIG: dict = {}          # the server's configuration (paths inside the sandbox, the child's filter)
# Line magics that change nothing a grader runs: skipped without a note.
QUIET_MAGICS = frozenset({"matplotlib", "config", "load_ext", "autoreload", "precision"})
# Cell magics whose body is ordinary Python: the body runs.
BODY_MAGICS = frozenset({"time", "timeit", "capture", "prun"})


def send(message: dict) -> None:
    data = WIRE.dumps(message)
    while data:
        written = os.write(RESULTS_FD, data)
        data = data[written:]


class StatementTimeout(BaseException):
    """A top-level statement ran too long (BaseException: `except Exception` in student code does not swallow it)."""


def on_alarm(signum, frame):
    raise StatementTimeout()


def set_limits(limits: dict) -> None:
    for name, key in (("RLIMIT_CPU", "cpu_seconds"), ("RLIMIT_AS", "memory_bytes"), ("RLIMIT_FSIZE", "file_bytes"),
                      ("RLIMIT_NOFILE", "open_files"), ("RLIMIT_CORE", "core_bytes")):
        value = int(limits[key])
        hard = value + 5 if name == "RLIMIT_CPU" else value   # SIGXCPU first, SIGKILL 5 s later
        resource.setrlimit(getattr(resource, name), (value, hard))
    # Writing past the file-size limit should fail the write (OSError), not kill the child.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


# --- the kernel's part: two calls the os module lacks ------------------------------------------------

PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 4, 38, 22, 2


def _prctl(*arguments) -> None:
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(*arguments) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"prctl{arguments[:2]}: {os.strerror(error)}")


def load_filter(bpf: bytes) -> None:
    """Load a seccomp filter compiled by libseccomp in the grader (syscalls.py). From here on the
    kernel refuses what it names, to this process and anything it could start, for good."""
    import ctypes

    class SockFprog(ctypes.Structure):     # struct sock_fprog, <linux/filter.h>
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    program = ctypes.create_string_buffer(bpf, len(bpf))
    fprog = SockFprog(len(bpf) // 8, ctypes.addressof(program))   # 8 bytes per BPF instruction
    _prctl(PR_SET_NO_NEW_PRIVS, 1, None, 0, 0)
    _prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0)


# --- cells ------------------------------------------------------------------------------------------


class Shell:
    """The few methods of IPython's shell that transformed cells call: ``get_ipython()`` in a cell."""

    def __init__(self, namespace: dict, seconds: float):
        self.namespace, self.seconds, self.notes = namespace, seconds, []
        self.user_ns = namespace

    def run_line_magic(self, name, line, _stack_depth=1):
        if name not in QUIET_MAGICS:
            self.notes.append(N_("{magic} skipped (the grader runs Python only)").format(magic=f"%{name}"))

    def run_cell_magic(self, name, line, body):
        if name not in BODY_MAGICS:
            self.notes.append(N_("{magic} cell skipped (the grader runs Python only)").format(magic=f"%%{name}"))
            return None
        error = execute(body, self.namespace, "<cell magic body>", None, self)
        if error:
            raise CellMagicError(error)

    def system(self, command):
        self.notes.append(N_("a shell command (!...) skipped"))

    def getoutput(self, command, split=True, depth=0):
        self.notes.append(N_("a shell command (!...) skipped"))
        return []

    def __getattr__(self, name):
        raise AttributeError(f"the grader's stand-in for IPython has no {name}")


class CellMagicError(Exception):
    """The body of a %%time (or similar) cell raised: the message is its first error."""


def to_python(source: str) -> str:
    """A cell's source as Python, exactly as IPython would run it (magics become get_ipython() calls)."""
    return TRANSFORMER.transform_cell(source)


def describe(error: BaseException, filename: str) -> str:
    if isinstance(error, StatementTimeout):
        return "StatementTimeout"
    if isinstance(error, CellMagicError):
        return str(error)
    line = None
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    where = f" (line {line})" if line else ""
    return f"{type(error).__name__}: {str(error)[:300]}{where}"


def execute(source: str, namespace: dict, filename: str, seconds: float | None, shell: Shell) -> str | None:
    """Run a cell one top-level statement at a time (each under `seconds`, when given); a statement that
    fails does not stop the next one. Returns the first error, in a sentence, or None."""
    try:
        tree = ast.parse(to_python(source), filename=filename)
    except Exception as error:   # SyntaxError mostly; the transformer's own errors too
        line = getattr(error, "lineno", None)
        raise CellSyntaxError(f"{type(error).__name__}: {getattr(error, 'msg', error)}"
                              + (f" (line {line})" if line else ""))
    first_error = None
    for statement in tree.body:
        try:
            code = compile(ast.Module([statement], type_ignores=[]), filename, "exec")
            if seconds is None:
                exec(code, namespace)
                continue
            signal.signal(signal.SIGALRM, on_alarm)
            signal.setitimer(signal.ITIMER_REAL, seconds)
            try:
                exec(code, namespace)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except StatementTimeout:
            if seconds is None:
                raise
            first_error = first_error or f"line {statement.lineno} ran longer than {seconds:g} s and was stopped"
        except BaseException as error:   # SystemExit, KeyboardInterrupt and MemoryError included
            first_error = first_error or describe(error, filename)
    return first_error


class CellSyntaxError(Exception):
    pass


def run_cells(cells, namespace, seconds: float) -> None:
    plt = sys.modules.get("matplotlib.pyplot")
    for cell in cells:
        number = cell["cell"]
        send({"event": "cell start", "cell": number})
        shell = namespace["get_ipython"]()
        shell.notes = []
        try:
            error = execute(cell["source"], namespace, f"<cell {number}>", seconds, shell)
        except CellSyntaxError as syntax:
            send({"event": "cell", "cell": number, "status": "syntax error", "message": str(syntax)})
            continue
        if plt is not None:
            try:
                plt.close("all")
            except BaseException:
                pass
        message = "; ".join([error] * bool(error) + list(dict.fromkeys(shell.notes)))
        send({"event": "cell", "cell": number, "status": "error" if error else "ran", "message": message})


# --- graded items -------------------------------------------------------------------------------------


def plain_run(kind: str, value):
    """The answers as plain numbers and arrays, or raise ValueError saying what is not."""
    np = sys.modules["numpy"]
    if kind == "value":
        return float(value)
    run = []
    for param, state in value:
        plain_state = {}
        for key, entry in state.items():
            if type(key) is not str:
                raise ValueError(f"new_state's keys must be strings, got {type(key).__name__}")
            array = np.array(entry, subok=False)
            if array.dtype.kind not in "biuf":
                raise ValueError(f"new_state[{key!r}] is not numbers (it is {type(entry).__name__})")
            plain_state[key] = array
        run.append([np.array(param, subok=False), plain_state])
    return run


def decode_case(kind: str, data: dict):
    if kind == "step":
        return RUNNER.StepCase("", data["param"], tuple(data["grads"]), data["state"], data["hyper"])
    return RUNNER.ValueCase("", data["kwargs"])


def grade_items(items, namespace) -> None:
    for item in items:
        name, kind = item["name"], item["kind"]
        send({"event": "item start", "name": name})
        fn = namespace.get(name)
        if fn is None:
            send({"event": "item", "name": name, "missing": f"the notebook does not define {name}"})
            continue
        if not callable(fn):
            send({"event": "item", "name": name, "missing": f"{name} is a {type(fn).__name__}, not a function"})
            continue
        cases = [decode_case(kind, case) for case in item["cases"]]
        outcomes = []
        for case in cases:
            if outcomes and outcomes[-1].kind == "error" and "did not return within" in outcomes[-1].value:
                outcomes.append(outcomes[-1])      # one endless loop is enough: do not wait on every case
                continue
            outcomes += RUNNER.run_student(kind, fn, [case], name)
            if outcomes[-1].kind == "not attempted":
                break
        encoded = []
        for outcome in outcomes:
            value = outcome.value
            if outcome.kind == "ran":
                try:
                    with RUNNER.time_limit(RUNNER.SECONDS_PER_CALL):
                        value = plain_run(kind, value)
                        WIRE.encode(value)
                except BaseException as error:
                    outcome = RUNNER.Outcome("error", f"{name} returned something that is not numbers: {error}")
                    value = outcome.value
            encoded.append({"kind": outcome.kind, "value": value})
        message = {"event": "item", "name": name, "outcomes": encoded}
        if len(WIRE.dumps(message)) > MAX_ITEM_BYTES:
            message["outcomes"] = [{"kind": "error", "value": f"{name}'s answers are larger than "
                                    f"{MAX_ITEM_BYTES >> 20} MB: is something huge kept in the state?"}] * len(cases)
        send(message)


# --- the fork server -----------------------------------------------------------------------------
# Starting Python and importing NumPy, Matplotlib and scikit-learn takes about 1.5 s; forking a
# process that has done so takes milliseconds. The server runs only this file's code and never
# student code, so every child starts from the same clean state, and no child is ever reused.


def prepare(config: dict) -> None:
    """Import what every child needs, once, in the fork server (before any student code exists)."""
    global GUARD, RUNNER, WIRE, TRANSFORMER
    CONFIG.update(config)
    sys.path[:0] = [config["view"]]
    sys.path.append(config["site_packages"])
    sys.dont_write_bytecode = True
    if config["child_filter"]:
        _prctl(PR_SET_DUMPABLE, 0, None, 0, 0)
    import numpy  # noqa: F401
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401
    from IPython.core.inputtransformer2 import TransformerManager
    from _grader import guard, wire
    from course_lib.checks import _runner
    GUARD, RUNNER, WIRE, TRANSFORMER = guard, _runner, wire, TransformerManager()
    for module in config["preload"]:
        __import__(module)
    import threading
    if threading.active_count() != 1:   # fork copies only the calling thread: locks held by others stay held
        raise RuntimeError(f"a preloaded module started {threading.active_count() - 1} thread(s); cannot fork safely")
    empty(config["work"])               # Matplotlib's font cache, built by the import: in memory from now on


def empty(folder: str) -> None:
    """Remove everything in folder, whatever its modes (a child may leave unreadable folders)."""
    import shutil
    import stat

    def writable_then_again(function, path, _):
        try:
            os.chmod(os.path.dirname(path), stat.S_IRWXU)
            os.chmod(path, stat.S_IRWXU) if os.path.isdir(path) and not os.path.islink(path) else None
            function(path)
        except OSError:
            pass

    for entry in os.listdir(folder):
        path = os.path.join(folder, entry)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, onerror=writable_then_again)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass


def run_submission() -> None:
    """In a forked child, confined already: read the request, run the cells, grade, report."""
    request = json.loads(sys.stdin.buffer.read())
    set_limits(request["limits"])
    RUNNER.SECONDS_PER_CALL = float(request["limits"]["call_seconds"])
    main_module = types.ModuleType("__main__")
    shell = Shell(main_module.__dict__, float(request["limits"]["statement_seconds"]))
    main_module.__dict__.update(display=lambda *objects, **options: None,   # notebooks have both built in
                                get_ipython=lambda: shell)
    sys.modules["__main__"] = main_module
    request_items = [{"name": item["name"], "kind": item["kind"],
                      "cases": [{k: WIRE.decode(v) for k, v in case.items()} for case in item["cases"]]}
                     for item in request["items"]]
    GUARD.install(CONFIG["work"], RESULTS_FD)
    send({"event": "ready"})
    run_cells(request["cells"], main_module.__dict__, float(request["limits"]["statement_seconds"]))
    grade_items(request_items, main_module.__dict__)
    send({"event": "done"})


def become_child(order: dict, fds: list) -> None:
    """In the forked process: take the pipes, the folder and the environment; load the filter; then grade."""
    global RESULTS_FD
    request_fd, results_fd = fds
    os.setsid()                                   # its own process group
    os.dup2(request_fd, 0)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.dup2(results_fd, 3)
    os.closerange(4, 1 << 16)                     # the control socket and the server's other descriptors
    RESULTS_FD = 3
    os.chdir(CONFIG["work"])
    os.umask(0o077)
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in order["env"].items()})
    import tempfile
    tempfile.tempdir = None                       # found again from TMPDIR, the child's own folder
    if CONFIG["child_filter"]:
        load_filter(bytes.fromhex(CONFIG["child_filter"]))
    run_submission()


def serve(control) -> None:
    """Orders from the grader, one packet each: {"env": ...} with two descriptors forks a child;
    {"kill": pid} ends it. Replies: {"pid": n}, then {"exit": n, "code": status} once its folder is empty."""
    import select
    import socket
    poller = select.poll()
    poller.register(control.fileno(), select.POLLIN)
    children = {}                                 # pidfd -> pid
    control.sendall(b'{"ready": true}\n')
    while True:
        for fd, _ in poller.poll():
            if fd == control.fileno():
                message, fds, _, _ = socket.recv_fds(control, 1 << 16, 2)
                if not message:
                    return                        # the grader has gone
                order = json.loads(message)
                if "kill" in order:
                    if order["kill"] in children.values():
                        try:
                            os.kill(order["kill"], signal.SIGKILL)
                        except ProcessLookupError:
                            pass
                    continue
                pid = os.fork()
                if pid == 0:
                    try:
                        become_child(order, fds)
                    except BaseException as error:
                        report_failure(error)
                    os._exit(0)
                for received in fds:
                    os.close(received)
                pidfd = os.pidfd_open(pid)
                children[pidfd] = pid
                poller.register(pidfd, select.POLLIN)
                control.sendall(json.dumps({"pid": pid}).encode() + b"\n")
            else:
                pid = children.pop(fd)
                poller.unregister(fd)
                os.close(fd)
                _, status = os.waitpid(pid, 0)
                empty(CONFIG["work"])
                control.sendall(json.dumps({"exit": pid, "code": os.waitstatus_to_exitcode(status)}).encode() + b"\n")


def report_failure(error: BaseException) -> None:
    if RESULTS_FD is None:           # before the child's pipe is in place, fd 3 is not the grader's
        os._exit(70)
    try:
        os.write(RESULTS_FD, (json.dumps({"event": "setup failed",
                                          "message": f"{type(error).__name__}: {str(error)[:500]}"}) + "\n").encode())
    except BaseException:
        pass
    os._exit(70)


if __name__ == "__main__":
    import socket
    prepare(json.loads(sys.stdin.buffer.read()))
    serve(socket.socket(fileno=int(sys.argv[1])))
