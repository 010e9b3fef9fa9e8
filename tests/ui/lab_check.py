"""A real-browser check of the course: JupyterLab + headless Chromium + Playwright.

      .venv/bin/python tests/ui/lab_check.py           (what `make test-ui` runs)

What it does, as a student would:

1. copies the notebooks under test into a temporary folder (the repository's
   files are never opened by Lab, so nothing can save into them) and starts
   JupyterLab from .venv on a free port with a random token and a private
   Jupyter config/data/runtime folder;
2. opens each notebook in Chromium (headless, /usr/bin/chromium, no browser
   download needed), runs Run > Run All Cells and waits until the kernel is idle
   and no cell is still queued;
3. asserts: every code cell has an execution count, no output is an error,
   no "Error displaying widget" (nor "This explorer failed", the text
   course_lib.widgets.explorer shows when its callback raises), every
   explorer(...) call of the notebook rendered its controls and a figure, and
   in a lesson, every control of every explorer, moved from the explorer's own
   setting (an arrow key on a slider's handle, twice, then its End key if the
   picture has not changed; the next option of a dropdown; a click on a
   checkbox; explorer_moves.py), brings a new picture and no error, and is put
   back before the next control is tried; in a worksheet, every check(...) cell says
   "not attempted yet" (the stubs raise only when called);
4. saves screenshots to tests/ui/screenshots/ (each lesson's first explorer
   before and after a move) and prints a summary, with the time from each move
   to its new picture on screen (information: no time is asserted;
   benchmarks/browser_latency.py makes the table).

Exit status 0 only if every assertion holds. The server (and its kernels) is
shut down and the temporary folder removed whatever happens, Ctrl-C included.

Options: --notebook PATH (repeatable; default every lesson and worksheet 05), --keep-temp
(leave the temporary folder and print where), --timeout SECONDS (the longest
wait for one step; default 180).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import explorer_moves  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "tests" / "ui" / "screenshots"
DEFAULT_NOTEBOOKS = [*sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")),
                     "exercises/05-adam.ipynb",
                     # the Chinese edition: a lesson with an explorer, and a worksheet's check report
                     "notebooks/zh/05-adam.ipynb", "exercises/zh/05-adam.ipynb"]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def use_course_fonts() -> None:
    """Let Chromium find the Chinese edition's font (Noto Sans CJK SC, from the pinned mplfonts
    package, which matplotlib uses too) besides the system's: a machine without a CJK font
    would draw the Chinese pages' text as boxes. A fontconfig file of our own that includes the
    system's and adds that folder; set before Chromium starts."""
    if "FONTCONFIG_FILE" in os.environ:
        return
    from course_lib import i18n
    folder = Path(tempfile.mkdtemp(prefix="course-fonts-"))
    (folder / "fonts.conf").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{i18n.cjk_font_path().parent}</dir>\n  <cachedir>{folder / 'cache'}</cachedir>\n</fontconfig>\n")
    os.environ["FONTCONFIG_FILE"] = str(folder / "fonts.conf")


use_course_fonts()
# As root Chromium needs --no-sandbox; the rest keep it off the (closed) network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
VIEWPORT = {"width": 1400, "height": 1000}
PART_HEIGHT = 8000   # px: the tallest screenshot of a notebook; a longer one is taken in parts
MOVES_PER_CONTROL = 3     # moves of a control until its picture changes: two steps, then its end
# Text that must appear nowhere in a notebook after Run All.
BANNED_TEXT = ["Error displaying widget", "This explorer failed", "Failed to load model class"]

# Lab's user settings for the run: no news toast over the screenshots, no
# autosave (the copies are thrown away anyway), every cell attached to the DOM
# so that what is counted is every cell, not only those in view, and no blank
# space after the last cell (the screenshots of the whole notebook end there).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none",
                                                                     "scrollPastEnd": False},
}


class CheckFailed(Exception):
    """A wait that timed out or a state the check cannot go on from."""


class Report:
    def __init__(self):
        self.rows: list[tuple[bool, str, str]] = []   # (ok, what, detail)
        self.notes: list[str] = []
        self.shots: list[Path] = []
        self.times: dict[str, float] = {}
        self.tmp = Path(tempfile.gettempdir())   # set to the run's temporary folder

    def check(self, ok: bool, what: str, expected, found) -> bool:
        detail = f"{found}" if ok else f"expected {expected}, found {found}"
        self.rows.append((bool(ok), what, detail))
        print(f"  [{'ok' if ok else 'FAIL'}] {what}: {detail}", flush=True)
        return bool(ok)

    def fail(self, what: str, detail: str):
        self.rows.append((False, what, detail))
        print(f"  [FAIL] {what}: {detail}", flush=True)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and all(ok for ok, _, _ in self.rows)


def log(message: str):
    print(message, flush=True)


def wait_until(probe, timeout: float, what: str, stable: float = 0.0, interval: float = 0.25):
    """Call probe() -> (done, info) until done has held for `stable` seconds; return info."""
    deadline = time.monotonic() + timeout
    since = None
    info = None
    while True:
        done, info = probe()
        now = time.monotonic()
        if done:
            since = now if since is None else since
            if now - since >= stable:
                return info
        else:
            since = None
        if now > deadline:
            raise CheckFailed(f"timed out after {timeout:.0f} s waiting for {what}; last seen: {info}")
        time.sleep(interval)


# ---------------------------------------------------------------- the server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def jupyter_command() -> list[str]:
    jupyter = ROOT / ".venv" / "bin" / "jupyter"
    if jupyter.exists():
        return [str(jupyter), "lab"]
    return [sys.executable, "-m", "jupyterlab"]   # run from another environment that has Lab


class LabServer:
    def __init__(self, workdir: Path, tmp: Path, timeout: float):
        self.workdir, self.tmp, self.timeout = workdir, tmp, timeout
        self.token = secrets.token_hex(24)
        self.proc: subprocess.Popen | None = None
        self.port = None
        self.log_path = tmp / "jupyter-server.log"
        self.kernel_pids: set[int] = set()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict:
        env = dict(os.environ)
        for name in ("config", "data", "runtime", "ipython"):
            (self.tmp / name).mkdir(exist_ok=True)
        env.update(JUPYTER_CONFIG_DIR=str(self.tmp / "config"), JUPYTER_DATA_DIR=str(self.tmp / "data"),
                   JUPYTER_RUNTIME_DIR=str(self.tmp / "runtime"), IPYTHONDIR=str(self.tmp / "ipython"),
                   OPENBLAS_NUM_THREADS="1")
        env.pop("MPLBACKEND", None)   # `make test` uses Agg; a student's Lab uses the inline backend
        env.pop("JUPYTER_TOKEN", None)
        settings = self.tmp / "config" / "lab" / "user-settings"
        for name, value in LAB_SETTINGS.items():
            (settings / name).parent.mkdir(parents=True, exist_ok=True)
            (settings / name).write_text(json.dumps(value))
        return env

    def start(self):
        env = self.env()
        for attempt in range(3):   # another program may take the free port before Lab binds it
            self.port = free_port()
            cmd = [*jupyter_command(), "--no-browser", f"--port={self.port}", "--ip=127.0.0.1",
                   "--ServerApp.port_retries=0",
                   f"--IdentityProvider.token={self.token}",   # (ServerApp.token: deprecated since server 2.0)
                   "--LabApp.extension_manager=readonly",      # no PyPI look-ups from the server
                   f"--notebook-dir={self.workdir}",   # (ServerApp.root_dir: giving both is an error)
                   "--LabApp.expose_app_in_browser=True",   # window.jupyterapp: the notebook model, for the checks
                   f"--LabApp.user_settings_dir={self.tmp / 'config' / 'lab' / 'user-settings'}",
                   f"--LabApp.workspaces_dir={self.tmp / 'config' / 'lab' / 'workspaces'}"]
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                cmd.append("--allow-root")
            with open(self.log_path, "ab") as out:
                self.proc = subprocess.Popen(cmd, cwd=self.workdir, env=env, stdin=subprocess.DEVNULL,
                                             stdout=out, stderr=subprocess.STDOUT,
                                             start_new_session=True)   # own process group: Ctrl-C is ours to handle
            try:
                wait_until(self._status, self.timeout, "JupyterLab to answer /api/status", interval=0.3)
                return
            except CheckFailed:
                if self.proc.poll() is None or attempt == 2 or "already in use" not in self.log_tail():
                    raise
                log(f"  JupyterLab exited ({self.proc.returncode}) on port {self.port}; trying another port")
        raise CheckFailed("JupyterLab did not start")

    def _status(self):
        if self.proc.poll() is not None:
            raise CheckFailed(f"JupyterLab exited with status {self.proc.returncode}:\n{self.log_tail()}")
        try:
            with urllib.request.urlopen(f"{self.base}/api/status?token={self.token}", timeout=5) as r:
                return r.status == 200, json.loads(r.read())
        except (urllib.error.URLError, OSError, ValueError) as error:
            return False, repr(error)

    def remember_kernels(self):
        """The kernels' pids: they run in sessions of their own, so killing the server's group misses them."""
        try:
            import psutil
            for child in psutil.Process(self.proc.pid).children(recursive=True):
                self.kernel_pids.add(child.pid)
        except Exception:
            pass

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.remember_kernels()
            try:   # the clean way: the server shuts its kernels down, then itself
                request = urllib.request.Request(f"{self.base}/api/shutdown", method="POST", data=b"",
                                                 headers={"Authorization": f"token {self.token}"})
                urllib.request.urlopen(request, timeout=10).close()
                self.proc.wait(timeout=20)
            except Exception:
                pass
        for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            if self.proc.poll() is not None:
                break
            try:
                os.killpg(self.proc.pid, sig)
                self.proc.wait(timeout=grace)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        for pid in self.kernel_pids:   # normally gone already with the server's shutdown
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


# ---------------------------------------------------------------- the notebook files

def code_cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text())
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"] if c["cell_type"] == "code"]


def explorer_calls(sources: list[str]) -> list[dict]:
    """Each explorer(callback, name=control, ...) call in the notebook: its callback and control names."""
    calls = []
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "explorer":
                callback = ast.unparse(node.args[0]) if node.args else "?"
                calls.append({"callback": callback, "controls": [k.arg for k in node.keywords if k.arg]})
    return calls


def registered_explorers(notebook: Path) -> list[str] | None:
    """The callbacks in course_lib.widgets.lessonNN.EXPLORERS (which the unit tests call), if any."""
    match = re.match(r"(\d\d)-", notebook.name)
    if not match:
        return None
    try:
        import importlib
        module = importlib.import_module(f"course_lib.widgets.lesson{match.group(1)}")
        return [callback.__name__ for callback, _ in module.EXPLORERS.values()]
    except Exception:
        return None


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:160] if lines else ""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- the browser side

JS_PANEL_ID = """(path) => {
  const app = window.jupyterapp;
  if (!app) return null;
  for (const w of app.shell.widgets('main')) {
    if (w.context && w.context.path === path && w.content && w.content.model) return w.node.id;
  }
  return null;
}"""

# The toolbar's execution indicator says "idle" before the notebook even has a kernel, and
# Run All in that moment runs nothing: readiness is read from the session itself.
JS_PROGRESS = """(id) => {
  const panel = document.getElementById(id);
  if (!panel) return null;
  let widget = null;
  for (const w of window.jupyterapp.shell.widgets('main')) if (w.node.id === id) widget = w;
  const session = widget.sessionContext, kernel = session.session && session.session.kernel;
  const ind = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  return {status: ind ? ind.dataset.status : 'none',
          kernel: kernel && session.isReady && !session.hasNoKernel ? kernel.status : 'none',
          connection: kernel ? kernel.connectionStatus : 'none',
          prompts: Array.from(panel.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt'))
                        .map(e => e.textContent.trim())};
}"""

JS_SNAPSHOT = """([id, path, banned]) => {
  const panel = document.getElementById(id);
  let widget = null;
  for (const w of window.jupyterapp.shell.widgets('main')) if (w.node.id === id) widget = w;
  const model = widget.content.model.toJSON();
  const text = o => {
    if (o.text !== undefined) return Array.isArray(o.text) ? o.text.join('') : o.text;
    const d = o.data || {};
    const t = d['text/plain'] || d['text/markdown'] || '';
    return Array.isArray(t) ? t.join('') : t;
  };
  const cells = model.cells.filter(c => c.cell_type === 'code').map(c => ({
    count: c.execution_count,
    source: (Array.isArray(c.source) ? c.source.join('') : c.source),
    outputs: (c.outputs || []).map(o => ({type: o.output_type, ename: o.ename || '', evalue: o.evalue || '',
                                          text: text(o).slice(0, 400)}))}));
  const stderr = Array.from(panel.querySelectorAll(
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')).map(e => e.textContent);
  const whole = panel.querySelector('.jp-Notebook').innerText;
  const explorers = Array.from(panel.querySelectorAll('.jp-OutputArea-output .widget-vbox'))
    .filter(v => (v.querySelector('.widget-output') || v.querySelector('.widget-image'))
                 && !v.parentElement.closest('.widget-vbox'))
    .map(v => ({
      controls: Array.from(v.querySelectorAll('.widget-hbox > .jupyter-widgets')).length,
      sliders: v.querySelectorAll('.widget-slider').length,
      dropdowns: v.querySelectorAll('.widget-dropdown').length,
      labels: Array.from(v.querySelectorAll('.widget-hbox .widget-label')).map(l => l.textContent.trim()),
      images: Array.from(v.querySelectorAll('img')).filter(i => i.complete && i.naturalWidth > 0).length,
      outputs: v.querySelectorAll('.widget-output .jp-OutputArea-output').length
               + Array.from(v.querySelectorAll('.widget-html')).filter(h => h.innerText.trim()).length,
      imgTags: v.querySelectorAll('img').length,
    }));
  return {
    domCodeCells: panel.querySelectorAll('.jp-Notebook .jp-CodeCell').length,
    prompts: Array.from(panel.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')).map(e => e.textContent.trim()),
    cells, stderr,
    banned: banned.filter(b => whole.includes(b)),
    loading: (whole.match(/Loading widget\\.\\.\\./g) || []).length,
    widgets: panel.querySelectorAll('.jupyter-widgets').length,
    sliders: panel.querySelectorAll('.widget-slider').length,
    explorers,
  };
}"""

def shot(page_or_locator, name: str, report: Report, **kwargs) -> Path:
    path = SHOTS / name
    page_or_locator.screenshot(path=str(path), **kwargs)
    report.shots.append(path)
    return path


def full_page_shot(page, panel_id: str, name: str, report: Report):
    """The whole notebook: Lab scrolls inside the page, so the page's own full_page screenshot
    is only the window. The window is made tall instead (at most PART_HEIGHT px), and a notebook
    taller than that is taken in parts, name-1.png, name-2.png, ... from the top."""
    js_scroller = "document.querySelector('#' + id + ' .jp-WindowedPanel-outer')"
    hidden = page.evaluate(f"(id) => {{ const s = {js_scroller}; return s ? s.scrollHeight - s.clientHeight : 0; }}",
                           panel_id)
    page.set_viewport_size({"width": VIEWPORT["width"], "height": min(VIEWPORT["height"] + hidden, PART_HEIGHT)})
    try:
        page.wait_for_timeout(300)   # relayout
        total, window = page.evaluate(f"(id) => {{ const s = {js_scroller}; return [s.scrollHeight, s.clientHeight]; }}",
                                      panel_id)
        window = max(window, 1)
        parts = 1 + max(0, -(-(total - window - 2) // window))   # (2 px of rounding)
        for part in range(parts):
            page.evaluate(f"([id, top]) => {{ {js_scroller}.scrollTop = top; }}", [panel_id, part * window])
            page.wait_for_timeout(300)   # paint (fonts, MathJax, images)
            shot(page, name if parts == 1 else name.replace(".png", f"-{part + 1}.png"), report)
    finally:
        page.set_viewport_size(VIEWPORT)


def idle(progress: dict) -> bool:
    """The kernel (connected) and the toolbar's indicator both say idle."""
    return progress["kernel"] == "idle" and progress["connection"] == "connected" and progress["status"] == "idle"


def check_notebook(page, server: LabServer, rel: str, sources: list[str], report: Report, timeout: float):
    name = rel.replace("/", "-").removesuffix(".ipynb")
    kind = "worksheet" if rel.startswith("exercises/") else "lesson"
    log(f"\n== {rel} ({kind}, {len(sources)} code cells)")
    t0 = time.monotonic()
    # ?reset: a fresh workspace, so only this notebook is open
    page.goto(f"{server.base}/lab/tree/{rel}?reset&token={server.token}", timeout=timeout * 1000)
    panel_id = wait_until(lambda: (lambda i: (bool(i), i))(page.evaluate(JS_PANEL_ID, rel)), timeout,
                          f"Lab to open {rel}")
    panel = page.locator(f"#{panel_id}")
    wait_until(lambda: (lambda p: (p and idle(p) and len(p["prompts"]) == len(sources), p))(
        page.evaluate(JS_PROGRESS, panel_id)), timeout, "the kernel to start (idle) and the cells to show",
        stable=0.5)
    report.times[f"{rel}: open"] = time.monotonic() - t0
    # more room for the notebook (the file browser is not under test)
    page.evaluate("""() => { const app = window.jupyterapp;
      if (!app.shell.leftCollapsed) return app.commands.execute('application:toggle-left-area'); }""")

    # Run > Run All Cells, through the menu as a student would
    t1 = time.monotonic()
    def started():
        p = page.evaluate(JS_PROGRESS, panel_id)
        return any(pr != "[ ]:" for pr in p["prompts"]), p   # "[*]:" as soon as a cell is queued
    for attempt in (1, 2):
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
        try:
            wait_until(started, 30, "Run All Cells to queue the cells")
            break
        except CheckFailed as error:
            if attempt == 2:
                raise
            report.notes.append(f"{rel}: Run > Run All Cells queued no cell the first time "
                                f"({error}); clicked it again")

    def progress():
        p = page.evaluate(JS_PROGRESS, panel_id)
        queued = sum("*" in pr for pr in p["prompts"])
        return queued == 0 and idle(p), p
    final = wait_until(progress, timeout, "Run All Cells to finish (kernel idle, no cell queued)", stable=1.0)
    report.times[f"{rel}: run all"] = time.monotonic() - t1
    log(f"  ran in {report.times[f'{rel}: run all']:.1f} s; prompts: {' '.join(final['prompts'])}")

    # let the widgets and images settle: no 'Loading widget...' left, every explorer has its figure
    calls = explorer_calls(sources)
    def settled():
        s = page.evaluate(JS_SNAPSHOT, [panel_id, rel, BANNED_TEXT])
        done = s["loading"] == 0 and len(s["explorers"]) >= len(calls) and \
            all(e["images"] or (e["outputs"] and not e["imgTags"]) for e in s["explorers"])   # a figure, or a text
        return done, s
    try:
        snap = wait_until(settled, min(timeout, 60), "the widgets to render", stable=0.5)
    except CheckFailed:
        snap = page.evaluate(JS_SNAPSHOT, [panel_id, rel, BANNED_TEXT])
    full_page_shot(page, panel_id, f"{name}-after-run-all.png", report)

    # -- the assertions
    cells = snap["cells"]
    report.check(len(cells) == len(sources) and snap["domCodeCells"] == len(sources),
                 f"{rel}: code cells in Lab", f"{len(sources)} (as in the file)",
                 f"{len(cells)} in the model, {snap['domCodeCells']} in the page")
    missing = [i + 1 for i, c in enumerate(cells) if not isinstance(c["count"], int)]
    bad_prompts = [p for p in snap["prompts"] if not re.fullmatch(r"\[\d+\]:", p)]
    report.check(not missing and not bad_prompts, f"{rel}: every code cell ran",
                 "an execution count on each", f"{len(cells) - len(missing)} of {len(cells)} have one"
                 + (f"; without: code cells {missing}, prompts {bad_prompts}" if missing or bad_prompts else ""))
    errors = [(i + 1, o["ename"], o["evalue"][:160]) for i, c in enumerate(cells) for o in c["outputs"]
              if o["type"] == "error"]
    report.check(not errors, f"{rel}: error outputs", "none", errors or "none")
    tracebacks = [last_line(t) for t in snap["stderr"] if "Traceback" in t]
    report.check(not tracebacks, f"{rel}: tracebacks shown in the page", "none",
                 tracebacks or f"none ({len(snap['stderr'])} stderr output(s) in all)")
    report.check(not snap["banned"] and snap["loading"] == 0, f"{rel}: widget error text",
                 f"none of {BANNED_TEXT} nor 'Loading widget...'",
                 (snap["banned"] + ["Loading widget..."] * snap["loading"]) or "none")

    explorers = snap["explorers"]
    report.check(len(explorers) == len(calls), f"{rel}: explorers rendered",
                 f"{len(calls)} (explorer(...) calls in the notebook)",
                 f"{len(explorers)}; {snap['widgets']} .jupyter-widgets, {snap['sliders']} .widget-slider in the page")
    registered = registered_explorers(Path(rel))
    if calls and registered is not None:
        report.notes.append(f"{rel}: explorer callbacks {[c['callback'] for c in calls]}; "
                            f"EXPLORERS of course_lib.widgets.lesson{Path(rel).name[:2]}: {registered}")
    for n, (call, rendered) in enumerate(zip(calls, explorers), 1):
        report.check(rendered["controls"] == len(call["controls"]) and rendered["images"] == 1,
                     f"{rel}: explorer {n} ({call['callback']})",
                     f"{len(call['controls'])} controls {call['controls']} and one figure",
                     f"{rendered['controls']} controls ({rendered['sliders']} sliders, "
                     f"{rendered['dropdowns']} dropdowns: {rendered['labels']}), {rendered['images']} figure(s)")

    if kind == "worksheet":
        checks = [(i + 1, c) for i, c in enumerate(cells) if c["source"].lstrip().startswith("check(")]
        from course_lib import i18n
        with i18n.using("zh" if "/zh/" in rel else "en"):   # a Chinese worksheet's report is in Chinese
            not_attempted = i18n._("not attempted yet")
        said = [i for i, c in checks if any(not_attempted in o["text"] for o in c["outputs"])]
        report.check(checks and len(said) == len(checks), f"{rel}: check(...) cells on the stubs",
                     f"each of {len(checks)} says {not_attempted!r}",
                     f"{len(said)} of {len(checks)} do")

    if kind == "lesson" and explorers:
        move_every_control(page, panel, panel_id, rel, name, report, timeout)


def move_every_control(page, panel, panel_id: str, rel: str, name: str, report: Report, timeout: float):
    """Every control of every explorer, moved until its picture changes (at most MOVES_PER_CONTROL
    times): each must bring a new picture and no error. The latencies are noted, not asserted."""
    t0 = time.monotonic()
    explorers = explorer_moves.find_explorers(page, panel_id)
    latencies = []
    for n, controls in enumerate(explorers):
        box = panel.locator(f"[data-explorer='{n}']")
        box.scroll_into_view_if_needed()
        if n == 0:
            before_shot = shot(box, f"{name}-explorer-before.png", report)
        for index, control in enumerate(controls):
            if control["kind"] == "other":
                continue
            # from the explorer's own setting: up to two small moves, then (a slider whose small
            # steps change nothing visible, e.g. eps at 1e-8) a jump to its end; then put it back
            tries = []
            for attempt in range(MOVES_PER_CONTROL):
                key = "End" if control["kind"] == "slider" and attempt == MOVES_PER_CONTROL - 1 else None
                result = explorer_moves.move(page, panel_id, n, index, control["kind"], timeout=min(timeout, 30),
                                             key=key)
                tries.append(result)
                if result["changed"] or result["error"]:
                    break
            last = tries[-1]
            latencies += [r["latency_ms"] for r in tries if r["latency_ms"] is not None]
            moved = (f"{last['before']['readouts'] + last['before']['selects']} -> "
                     f"{last['after']['readouts'] + last['after']['selects']}")
            report.check(last["changed"] and not last["error"],
                         f"{rel}: explorer {n + 1}, control '{control['label']}' changes the picture",
                         "a new picture and no error",
                         (f"a new picture after {len(tries)} move(s), {moved}" if last["changed"]
                          else f"no new picture after {len(tries)} move(s), {moved}")
                         + (f"; error: {last['error']}" if last["error"] else ""))
            if n == 0 and index == 0:
                page.wait_for_timeout(200)
                after_shot = shot(box, f"{name}-explorer-after.png", report)
                report.notes.append(f"{rel}: first move pictured in {before_shot.name} and {after_shot.name}")
            explorer_moves.undo(page, panel_id, n, index, control["kind"], tries, timeout=min(timeout, 30))
    report.times[f"{rel}: every control moved"] = time.monotonic() - t0
    if latencies:
        report.notes.append(f"{rel}: move to new picture on screen: {explorer_moves.summary(latencies)}")


# ---------------------------------------------------------------- main

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebook", action="append", help="a notebook to check, relative to the repository")
    parser.add_argument("--keep-temp", action="store_true", help="keep the temporary folder")
    parser.add_argument("--timeout", type=float, default=180.0, help="longest wait for one step, in seconds")
    args = parser.parse_args(argv)
    notebooks = args.notebook or DEFAULT_NOTEBOOKS
    for rel in notebooks:
        if not (ROOT / rel).is_file():
            parser.error(f"no such notebook: {rel}")
    if not Path(CHROMIUM).exists():
        print(f"lab_check: no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM=...)",
              file=sys.stderr)
        return 2
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("lab_check: the playwright package is missing (make test-ui installs it)", file=sys.stderr)
        return 2

    from playwright.sync_api import Error as PlaywrightError

    # Ctrl-C and SIGTERM (a CI timeout, `kill`) unwind through the finally below. Ctrl-C also
    # reaches Playwright's driver and Chromium, so the first sign of it can be a closed browser.
    caught = []
    def on_signal(signum, frame):
        caught.append(signum)
        raise KeyboardInterrupt
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    started = time.monotonic()
    report = Report()
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in [*SHOTS.glob("*.png"), SHOTS / "jupyter-server.log"]:   # this run's files only
        old.unlink(missing_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="lab_check-"))
    workdir = tmp / "course"
    before = {rel: digest(ROOT / rel) for rel in notebooks}
    report.tmp = tmp
    server = LabServer(workdir, tmp, args.timeout)
    try:
        for rel in notebooks:   # Lab sees only these copies: nothing it does can touch the repository
            (workdir / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, workdir / rel)
        log(f"Starting JupyterLab ({' '.join(jupyter_command())}) on a copy in {workdir}")
        t = time.monotonic()
        server.start()
        report.times["JupyterLab start"] = time.monotonic() - t
        log(f"  {server.base} answered after {report.times['JupyterLab start']:.1f} s")

        with sync_playwright() as pw:
            t = time.monotonic()
            context = pw.chromium.launch_persistent_context(
                str(tmp / "chromium-profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                viewport=VIEWPORT, timeout=args.timeout * 1000)
            report.times["Chromium start"] = time.monotonic() - t
            page_errors = []
            try:
                context.set_default_timeout(args.timeout * 1000)
                page = context.pages[0] if context.pages else context.new_page()
                page.on("pageerror", lambda error: page_errors.append(str(error)[:200]))
                log(f"Chromium {context.browser.version if context.browser else ''} started "
                    f"in {report.times['Chromium start']:.1f} s")
                for rel in notebooks:
                    try:
                        check_notebook(page, server, rel, code_cells(ROOT / rel), report, args.timeout)
                    except (CheckFailed, PlaywrightError) as error:
                        if caught:
                            raise KeyboardInterrupt from None
                        report.fail(f"{rel}", f"{type(error).__name__}: {error}")
                        try:
                            shot(page, rel.replace("/", "-").removesuffix(".ipynb") + "-FAILED.png", report)
                        except Exception:
                            pass
                if page_errors:
                    report.notes.append(f"uncaught errors in the page ({len(page_errors)}): {page_errors[:3]}")
            finally:
                try:
                    context.close()
                except Exception:
                    pass
    except KeyboardInterrupt:
        pass
    except CheckFailed as error:
        report.fail("set-up", str(error))
    except PlaywrightError as error:
        if not caught:
            report.fail("the browser", f"{type(error).__name__}: {error}")
    except Exception:
        if not caught:
            raise   # a bug here: its traceback, after the clean-up below
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):   # a second Ctrl-C must not stop the clean-up
            signal.signal(sig, lambda signum, frame: caught.append(signum))
        interrupted = bool(caught)
        if interrupted:
            logging.getLogger("asyncio").setLevel(logging.CRITICAL)   # the driver's "connection closed"
            print("\nlab_check: interrupted; shutting JupyterLab down", file=sys.stderr)
        server.stop()
        if not report.ok and not interrupted:
            try:
                shutil.copy(server.log_path, SHOTS / "jupyter-server.log")
            except OSError:
                pass
        if args.keep_temp:
            log(f"(kept {tmp})")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if interrupted:
        return 130

    for rel, sha in before.items():
        report.check(digest(ROOT / rel) == sha, f"{rel}: unchanged on disk", "the same bytes as before",
                     "the same bytes" if digest(ROOT / rel) == sha else "CHANGED")
    total = time.monotonic() - started
    passed = sum(ok for ok, _, _ in report.rows)
    print("\n== Summary")
    for note in report.notes:
        print(f"  note: {note}")
    print("  times: " + ", ".join(f"{k} {v:.1f} s" for k, v in report.times.items()) + f"; total {total:.1f} s")
    print("  screenshots:")
    for path in report.shots:
        print(f"    {path.relative_to(ROOT)}")
    for ok, what, detail in report.rows:
        if not ok:
            print(f"  FAILED {what}: {detail}")
    if not report.ok and (SHOTS / "jupyter-server.log").exists():
        print(f"  server log: {(SHOTS / 'jupyter-server.log').relative_to(ROOT)}")
    print(f"lab_check: {passed} passed, {len(report.rows) - passed} failed")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
