"""The child: runs one submission's code and calls its graded functions.

``python -I -S -B child.py FD`` is the fork server: it imports NumPy,
Matplotlib and the view once, then forks one child per submission on the
grader's order (arriving on the socket FD). Each child moves into its own
empty folder, takes a scrubbed environment, becomes an unprivileged user when
the server is root, reads its request (code cells, graded items and their
cases, limits) on stdin, and sends back, as wire messages on file
descriptor 3, what each cell did and each function's answers on each case. It never sees a reference answer, a hidden seed or a score:
judging happens in the grader. Only the standard library, NumPy and the
student-facing copy of course_lib (the "view") are available here.
"""

from __future__ import annotations

import ast
import json
import os
import resource
import signal
import sys
import types

RESULTS_FD = 3
MAX_ITEM_BYTES = 8 << 20   # one item's answers; bigger ones become an error for that item alone


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
    for name, key in (("RLIMIT_CPU", "cpu_seconds"), ("RLIMIT_AS", "memory_bytes"), ("RLIMIT_NPROC", "processes"),
                      ("RLIMIT_FSIZE", "file_bytes"), ("RLIMIT_NOFILE", "open_files"), ("RLIMIT_CORE", "core_bytes")):
        value = int(limits[key])
        hard = value + 5 if name == "RLIMIT_CPU" else value   # SIGXCPU first, SIGKILL 5 s later
        resource.setrlimit(getattr(resource, name), (value, hard))
    # Writing past the file-size limit should fail the write (OSError), not kill the child.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def strip_magics(source: str) -> tuple[str, list[int]]:
    """IPython-only lines (%magic, !shell) become `pass` at the same indentation; returns their line numbers."""
    lines, skipped = source.split("\n"), []
    for number, line in enumerate(lines, start=1):
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            lines[number - 1] = line[: len(line) - len(stripped)] + "pass"
            skipped.append(number)
    return "\n".join(lines), skipped


def describe(error: BaseException, filename: str) -> str:
    if isinstance(error, StatementTimeout):
        return "StatementTimeout"
    line = None
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    where = f" (line {line})" if line else ""
    return f"{type(error).__name__}: {str(error)[:300]}{where}"


def run_cells(cells, namespace, seconds: float) -> None:
    plt = sys.modules.get("matplotlib.pyplot")
    for cell in cells:
        number, raw = cell["cell"], cell["source"]
        filename = f"<cell {number}>"
        send({"event": "cell start", "cell": number})
        if raw.lstrip().startswith("%%"):
            send({"event": "cell", "cell": number, "status": "skipped",
                  "message": f"a cell magic ({raw.split()[0]}): the grader runs Python only"})
            continue
        source, magics = strip_magics(raw)
        try:
            tree = ast.parse(source, filename=filename)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
            line = getattr(error, "lineno", None)
            send({"event": "cell", "cell": number, "status": "syntax error",
                  "message": f"{type(error).__name__}: {getattr(error, 'msg', error)}" + (f" (line {line})" if line else "")})
            continue
        first_error = None
        for statement in tree.body:
            try:
                code = compile(ast.Module([statement], type_ignores=[]), filename, "exec")
                signal.signal(signal.SIGALRM, on_alarm)
                signal.setitimer(signal.ITIMER_REAL, seconds)
                try:
                    exec(code, namespace)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            except StatementTimeout:
                first_error = first_error or f"line {statement.lineno} ran longer than {seconds:g} s and was stopped"
            except BaseException as error:   # SystemExit, KeyboardInterrupt and MemoryError included
                first_error = first_error or describe(error, filename)
        if plt is not None:
            try:
                plt.close("all")
            except BaseException:
                pass
        message = first_error or ""
        if magics:
            message += ("; " if message else "") + f"IPython magic or shell line(s) {magics} skipped"
        send({"event": "cell", "cell": number, "status": "error" if first_error else "ran", "message": message})


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


def prepare(view: str, site_packages: str, preload) -> None:
    """Import what every child needs, once, in the fork server (before any student code exists)."""
    global GUARD, RUNNER, WIRE
    sys.path[:0] = [view]
    sys.path.append(site_packages)
    sys.dont_write_bytecode = True
    import numpy  # noqa: F401
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401
    import ctypes  # noqa: F401  (NumPy may want it later; calling through it stays blocked)
    from _grader import guard, wire
    from course_lib.checks import _runner
    GUARD, RUNNER, WIRE = guard, _runner, wire
    for module in preload:
        __import__(module)
    import threading
    if threading.active_count() != 1:   # fork copies only the calling thread: locks held by others stay held
        raise RuntimeError(f"a preloaded module started {threading.active_count() - 1} thread(s); cannot fork safely")


def use_reference(folder: str) -> None:
    """Swap the placeholders of course_lib.optim and course_lib.schedules for the real modules."""
    import course_lib
    for name in [n for n in sys.modules if n in ("course_lib.optim", "course_lib.schedules")
                 or n.startswith("course_lib.optim.")]:
        del sys.modules[name]
    course_lib.__path__.insert(0, os.path.join(folder, "course_lib"))
    import course_lib.optim
    import course_lib.schedules
    course_lib.optim, course_lib.schedules = sys.modules["course_lib.optim"], sys.modules["course_lib.schedules"]


def run_submission() -> None:
    """In a forked child, already in its folder and as its user: read the request, grade, report."""
    request = json.loads(sys.stdin.buffer.read())
    set_limits(request["limits"])
    if request.get("reference"):          # items the worksheet tells students to solve with course_lib.optim
        use_reference(request["reference"])
    RUNNER.SECONDS_PER_CALL = float(request["limits"]["call_seconds"])
    main_module = types.ModuleType("__main__")
    main_module.__dict__["display"] = lambda *objects, **options: None   # notebooks have it built in
    sys.modules["__main__"] = main_module
    request_items = [{"name": item["name"], "kind": item["kind"],
                      "cases": [{k: WIRE.decode(v) for k, v in case.items()} for case in item["cases"]]}
                     for item in request["items"]]
    GUARD.install(request["read_roots"], request["denied_roots"], os.path.realpath(os.getcwd()),
                  request["blocked_imports"], RESULTS_FD)
    send({"event": "ready"})
    run_cells(request["cells"], main_module.__dict__, float(request["limits"]["statement_seconds"]))
    grade_items(request_items, main_module.__dict__)
    send({"event": "done"})


# --- the fork server -----------------------------------------------------------------------
# Starting Python and importing NumPy, Matplotlib and scikit-learn takes about 1.5 s; forking a
# process that has done so takes milliseconds. The server runs only this file's code and never
# student code, so every child starts from the same clean state, and no child is ever reused.


def become_child(order: dict, fds: list) -> None:
    """In the forked process: take the pipes, the folder, the environment and the user; then grade."""
    global RESULTS_FD
    request_fd, results_fd = fds
    os.setsid()                                   # its own process group: the grader kills it whole
    os.dup2(request_fd, 0)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.dup2(results_fd, 3)
    os.closerange(4, 1 << 16)                     # the control socket and other children's pipes
    RESULTS_FD = 3
    os.chdir(order["cwd"])
    os.umask(0o077)
    os.environ.clear()
    os.environ.update(order["env"])
    import tempfile
    tempfile.tempdir = None                       # found again from TMPDIR, the child's own folder
    if order.get("uid") is not None:              # root: become a user who owns nothing
        os.setgroups([])
        os.setgid(order["uid"])
        os.setuid(order["uid"])
    run_submission()


def serve(control) -> None:
    import select
    import socket
    poller = select.poll()
    poller.register(control.fileno(), select.POLLIN)
    children = {}                                 # pidfd -> pid
    while True:
        for fd, _ in poller.poll():
            if fd == control.fileno():
                message, fds, _, _ = socket.recv_fds(control, 1 << 16, 2)
                if not message:
                    return                        # the grader has gone
                order = json.loads(message)
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
                control.sendall(json.dumps({"exit": pid, "code": os.waitstatus_to_exitcode(status)}).encode() + b"\n")


def report_failure(error: BaseException) -> None:
    try:
        os.write(RESULTS_FD, (json.dumps({"event": "setup failed",
                                          "message": f"{type(error).__name__}: {str(error)[:500]}"}) + "\n").encode())
    except BaseException:
        pass
    os._exit(70)


if __name__ == "__main__":
    import socket
    config = json.loads(sys.stdin.buffer.read())
    prepare(config["view"], config["site_packages"], config["preload"])
    serve(socket.socket(fileno=int(sys.argv[1])))
