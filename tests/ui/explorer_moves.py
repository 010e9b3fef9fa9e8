"""Moving an explorer's controls in JupyterLab in Chromium, and timing the pictures that answer.

Used by lab_check.py (every control of every explorer must change the picture, with no
error) and by benchmarks/browser_latency.py (the latency table). Times are taken inside the
page, on its own clock (``performance.now()``): from the input event a student's key press,
selection or mouse move fires, to the moment the new picture has been decoded and the
browser has painted it (the task after the next animation frame). Polling from Python only
decides when to look, never what is measured.

A picture is any ``<img>`` under an explorer's box whose ``src`` is set or that is inserted:
an ``ipywidgets.Image`` changes its ``src`` (a blob URL per new value), an ``Output`` widget
inserts a new ``<img>``; both count, so the two ways of delivering a picture can be compared.
"""

from __future__ import annotations

import statistics
import time

# Installed once per page. Each explorer box gets data-explorer = its index in the page.
JS_PROBE = """() => {
  if (window.__probe) return;
  const probe = window.__probe = {inputs: [], frames: []};
  for (const type of ['keydown', 'change', 'pointerdown', 'pointermove', 'pointerup'])
    document.addEventListener(type, e => probe.inputs.push({t: performance.now(), type}), true);
  const painted = (img) => {
    const src = img.getAttribute('src');
    const box = img.closest('[data-explorer]');
    if (!src || !box) return;
    const key = src.length + ':' + src.slice(-32);
    img.decode().then(() => requestAnimationFrame(() => setTimeout(() => probe.frames.push(
        {t: performance.now(), key, explorer: Number(box.dataset.explorer)}), 0))).catch(() => {});
  };
  new MutationObserver(records => {
    for (const r of records) {
      if (r.type === 'attributes' && r.target.tagName === 'IMG') painted(r.target);
      for (const n of r.addedNodes || []) {
        if (n.nodeType !== 1) continue;
        if (n.tagName === 'IMG') painted(n); else n.querySelectorAll('img').forEach(painted);
      }
    }
  }).observe(document.body, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
}"""

# The explorers of a notebook panel: top-level widget boxes with controls and a picture.
JS_EXPLORERS = """(id) => {
  const panel = document.getElementById(id);
  const boxes = Array.from(panel.querySelectorAll('.jp-OutputArea-output .widget-vbox'))
    .filter(v => (v.querySelector('.widget-slider') || v.querySelector('.widget-dropdown'))
                 && (v.querySelector('.widget-output') || v.querySelector('.widget-image'))
                 && !v.parentElement.closest('.widget-vbox'));
  return boxes.map((v, i) => {
    v.dataset.explorer = String(i);
    return Array.from(v.querySelectorAll('.widget-hbox > .jupyter-widgets')).map(c => ({
      kind: c.classList.contains('widget-dropdown') ? 'dropdown'
            : c.classList.contains('widget-slider') ? 'slider'
            : c.classList.contains('widget-checkbox') ? 'checkbox' : 'other',
      label: (c.querySelector('.widget-label') || {textContent: ''}).textContent.trim(),
    }));
  });
}"""

JS_STATE = """([id, n]) => {
  const box = document.getElementById(id).querySelector(`[data-explorer="${n}"]`);
  const ind = document.getElementById(id).querySelector('.jp-Notebook-ExecutionIndicator');
  const imgs = Array.from(box.querySelectorAll('img')).filter(i => i.complete && i.naturalWidth > 0);
  const img = imgs[imgs.length - 1];
  const text = box.innerText;
  return {status: ind ? ind.dataset.status : 'none', src: img ? img.getAttribute('src') : null,
          error: text.includes('This explorer failed') ? text.slice(text.indexOf('This explorer failed'), 300) : null,
          readouts: Array.from(box.querySelectorAll('.widget-readout')).map(r => r.textContent.trim()),
          selects: Array.from(box.querySelectorAll('select')).map(s => s.value)
                   .concat(Array.from(box.querySelectorAll('input[type=checkbox]')).map(c => String(c.checked))),
          inputs: window.__probe.inputs.length, frames: window.__probe.frames.length};
}"""

JS_SINCE = """([inputsFrom, framesFrom]) => ({inputs: window.__probe.inputs.slice(inputsFrom),
                                             frames: window.__probe.frames.slice(framesFrom)})"""


def find_explorers(page, panel_id: str) -> list[list[dict]]:
    page.evaluate(JS_PROBE)
    return page.evaluate(JS_EXPLORERS, panel_id)


def state(page, panel_id: str, n: int) -> dict:
    return page.evaluate(JS_STATE, [panel_id, n])


def _control(page, panel_id: str, n: int, index: int):
    return page.locator(f"#{panel_id} [data-explorer='{n}'] .widget-hbox > .jupyter-widgets").nth(index)


def _settle(page, panel_id: str, n: int, quiet: float, timeout: float) -> dict:
    """Wait until the kernel is idle and no new picture has come for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    last_frames, since = None, time.monotonic()
    while True:
        s = state(page, panel_id, n)
        if s["frames"] != last_frames:
            last_frames, since = s["frames"], time.monotonic()
        if s["status"] == "idle" and time.monotonic() - since >= quiet:
            return s
        if time.monotonic() > deadline:
            return s
        time.sleep(0.03)


def move(page, panel_id: str, n: int, index: int, kind: str, timeout: float = 20.0, key: str | None = None,
         option: int | None = None) -> dict:
    """One move of control `index` of explorer `n`: a key on a slider's handle (``key``; by default an
    arrow, the other way at the slider's end), an option of a dropdown (``option``; by default the
    next one), or a click on a checkbox. Returns the input's time, the pictures that came for this
    explorer, the latency to the first of them (None if none came), the key or option used, and the
    states before and after."""
    control = _control(page, panel_id, n, index)
    before = _settle(page, panel_id, n, 0.15, timeout)
    if kind == "slider":
        handle = control.locator(".noUi-handle").first
        if key is None:
            at_end = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
            key = "ArrowLeft" if at_end else "ArrowRight"
        handle.focus()
        handle.press(key)
        wanted = "keydown"
    elif kind == "checkbox":
        control.locator("input[type=checkbox]").click()
        wanted = "change"
    else:
        select = control.locator("select")
        count = select.locator("option").count()
        current = select.evaluate("s => s.selectedIndex")
        option = (current + 1) % count if option is None else option
        key = current   # where it was: the option that undoes this move
        select.select_option(index=option)
        wanted = "change"
    after = _settle(page, panel_id, n, 0.3, timeout)
    events = page.evaluate(JS_SINCE, [before["inputs"], before["frames"]])
    starts = [e["t"] for e in events["inputs"] if e["type"] == wanted]
    frames = [f for f in events["frames"] if f["explorer"] == n]
    t0 = starts[0] if starts else None
    latency = frames[0]["t"] - t0 if frames and t0 is not None else None
    return {"latency_ms": latency, "pictures": len(frames), "changed": after["src"] != before["src"],
            "error": after["error"], "before": before, "after": after, "key": key}


UNDO_KEY = {"ArrowRight": "ArrowLeft", "ArrowLeft": "ArrowRight"}


def undo(page, panel_id: str, n: int, index: int, kind: str, moves: list[dict], timeout: float = 20.0) -> None:
    """Put a control back where it was before ``moves`` (arrow keys pressed back, the first option
    selected again, a checkbox clicked again), so that the next control is tried from the explorer's
    own setting. A jump to the slider's end ("End") is not undone."""
    if kind == "dropdown" and moves:
        move(page, panel_id, n, index, kind, timeout, option=moves[0]["key"])
    elif kind == "checkbox" and len(moves) % 2:
        move(page, panel_id, n, index, kind, timeout)
    elif kind == "slider":
        for done in reversed(moves):
            if done["key"] in UNDO_KEY:
                move(page, panel_id, n, index, kind, timeout, key=UNDO_KEY[done["key"]])


def drag(page, panel_id: str, n: int, index: int, seconds: float = 2.0, steps: int = 60,
         timeout: float = 20.0) -> dict:
    """Drag slider `index` of explorer `n` across most of its track in `seconds`, as a hand does
    (a mouse move every seconds/steps), then release. Returns the pictures shown during the drag
    per second, and how long after the release the last picture came (a queue of stale redraws
    would show as many pictures, and seconds, after the release)."""
    control = _control(page, panel_id, n, index)
    before = _settle(page, panel_id, n, 0.15, timeout)
    track = control.locator(".noUi-base").first.bounding_box()
    handle = control.locator(".noUi-handle").first.bounding_box()
    y = handle["y"] + handle["height"] / 2
    x_from = track["x"] + 0.1 * track["width"]
    x_to = track["x"] + 0.9 * track["width"]
    page.mouse.move(handle["x"] + handle["width"] / 2, y)
    page.mouse.down()
    t_start = time.monotonic()
    for k in range(steps + 1):
        page.mouse.move(x_from + (x_to - x_from) * k / steps, y)
        wait = t_start + seconds * (k + 1) / (steps + 1) - time.monotonic()
        if wait > 0:
            time.sleep(wait)
    page.mouse.up()
    after = _settle(page, panel_id, n, 0.5, timeout)
    events = page.evaluate(JS_SINCE, [before["inputs"], before["frames"]])
    downs = [e["t"] for e in events["inputs"] if e["type"] == "pointerdown"]
    ups = [e["t"] for e in events["inputs"] if e["type"] == "pointerup"]
    frames = [f["t"] for f in events["frames"] if f["explorer"] == n]
    if not downs or not ups:
        return {"error": "the page saw no pointerdown/pointerup", "per_second": 0.0}
    during = [t for t in frames if downs[0] <= t <= ups[-1]]
    duration = (ups[-1] - downs[0]) / 1000
    after_release = [t for t in frames if t > ups[-1]]
    return {"per_second": len(during) / duration if duration > 0 else 0.0, "during": len(during),
            "seconds": duration, "after_release": len(after_release),
            "last_after_release_ms": (after_release[-1] - ups[-1]) if after_release else 0.0,
            "changed": after["src"] != before["src"], "error": after["error"]}


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100) by linear interpolation, as numpy's default."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary(latencies: list[float]) -> str:
    if not latencies:
        return "no pictures"
    return (f"median {statistics.median(latencies):.0f} ms, p90 {percentile(latencies, 90):.0f} ms "
            f"over {len(latencies)} moves")
