"""The static site as a reader with no internet meets it: headless Chromium, every other host blocked.

      .venv/bin/python tests/ui/site_check.py           (what `make test-site` runs)
      .venv/bin/python tests/ui/site_check.py --site site   (check a site already built)

What it does:

1. builds the site into a temporary folder (``python -m course_lib.site --out ...``), unless
   ``--site`` names one;
2. serves it on 127.0.0.1 and opens the index and every lesson page in Chromium, with every
   request to any other host aborted and counted; then opens every page again from disk
   (file://), as a learner who downloaded the site and double-clicked index.html would;
3. asserts on every page, both ways: zero requests blocked or failed (no 4xx, no missing
   file), no console error and no uncaught exception; MathJax done with every formula
   typeset (no TeX left in the text outside code, no TeX error); every image loaded; every
   explorer (a saved widget view) drawn with its picture; a page with explorers says that
   moving their sliders needs the notebook; the index lists every lesson with what it
   teaches and its time;
4. does all of it for both languages: the English pages and the Chinese ones (*.zh.html),
   each of which links to its twin in the other language.

Screenshots of the indexes and of lesson 05's explorer, in both languages, go to
tests/ui/screenshots/site-*.png.
Exit status 0 only if every assertion holds.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lab_check import CHROMIUM, CHROMIUM_ARGS, SHOTS, VIEWPORT  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
LOCAL_SCHEMES = ("data", "blob", "about")

# Runs in the page once it has loaded: MathJax's queue empty (or MathJax missing), then what a reader sees.
SETTLED = """() => document.readyState === 'complete' && (!window.MathJax   // not loaded: the checks say why
    || !!(MathJax.Hub && MathJax.Hub.queue && MathJax.Hub.queue.pending === 0 && !MathJax.Hub.queue.running))"""
WIDGETS_DRAWN = """() => [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')]
    .every(s => s.parentElement.querySelector('.jupyter-widgets'))"""
INSPECT = r"""() => {
  const skip = 'code, pre, script, style, .MathJax_CHTML, .MathJax, .MathJax_Preview, .MJX_Assistive_MathML, '
             + '.mjx-chtml, .jp-InputArea, .jp-OutputArea-output pre, .course-nav';
  const raw = [];
  const tex = /\$[^$\s][^$]*\$|\\(?:[A-Za-z]{2,}|\[|\(|\\)/;
  for (const root of document.querySelectorAll('.jp-RenderedMarkdown, .jp-RenderedHTMLCommon')) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest(skip)) continue;
      const found = node.textContent.match(tex);
      if (found) raw.push(node.textContent.trim().slice(0, 80));
    }
  }
  const images = [...document.images];
  const views = [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')];
  return {
    formulas: document.querySelectorAll('.MathJax_CHTML').length,
    texErrors: document.querySelectorAll('.mjx-merror, .MathJax_Error').length,
    raw: raw.slice(0, 5), rawCount: raw.length,
    images: images.length,
    broken: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80)),
    views: views.length,
    drawn: views.filter(s => [...s.parentElement.querySelectorAll('img.widget-image')]
                               .some(i => i.complete && i.naturalWidth > 0)).length,
    note: (document.querySelector('.course-note') || {}).textContent || '',
    rows: [...document.querySelectorAll('tbody tr')].map(r => [...r.cells].map(c => c.textContent.trim())),
  };
}"""


class Report:
    def __init__(self):
        self.failures: list[str] = []
        self.lines: list[str] = []

    def check(self, ok: bool, where: str, what: str) -> None:
        if not ok:
            self.failures.append(f"{where}: {what}")


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


# what each language's pages say: an index row's time, and the note on pages with explorers
TIME_IN_ROW = {"en": r"\d+ minutes", "zh": r"\d+ 分钟"}
NOTE_SAYS = {"en": ("notebook", "make lab"), "zh": ("make lab LANG=zh",)}


def check_page(context, url: str, name: str, report: Report, allowed_host: str | None, timeout: float,
               shot: str | None = None, language: str = "en") -> dict:
    """Open one page with only its own host allowed, and assert what a reader must see."""
    blocked, failed, errors = [], [], []

    def route(request_route):
        request = request_route.request
        parsed = urlparse(request.url)
        if parsed.scheme in LOCAL_SCHEMES or parsed.scheme == "file" or parsed.netloc == allowed_host:
            request_route.continue_()
        else:
            blocked.append(request.url[:120])
            request_route.abort("blockedbyclient")

    page = context.new_page()
    page.route("**/*", route)
    page.on("request", lambda r: urlparse(r.url).scheme not in (*LOCAL_SCHEMES, "file", "http", "https")
            and blocked.append(r.url[:120]))   # anything routing cannot see
    page.on("requestfailed", lambda r: failed.append(f"{r.url[:120]} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.url[:120]} (HTTP {r.status})"))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text[:200]))
    page.on("pageerror", lambda e: errors.append(str(e)[:200]))
    started = time.monotonic()
    try:
        page.goto(url, wait_until="load", timeout=timeout * 1000)
        page.wait_for_function(SETTLED, timeout=timeout * 1000, polling=250)
        page.wait_for_function(WIDGETS_DRAWN, timeout=timeout * 1000, polling=250)
        page.wait_for_timeout(300)   # a last font or image after the widgets
        seen = page.evaluate(INSPECT)
        if shot:
            if seen["drawn"]:   # the first explorer, its controls above its picture
                page.locator("img.widget-image").first.scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / shot))
    except Exception as error:   # a timeout says which wait never finished
        report.check(False, name, f"{type(error).__name__}: {str(error).splitlines()[0][:200]}")
        page.close()
        return {}
    finally:
        seconds = time.monotonic() - started
    page.close()
    blocked = [u for u in blocked if not u.startswith(tuple(f"{s}:" for s in LOCAL_SCHEMES))]
    report.check(not blocked, name, f"{len(blocked)} requests to other hosts: {blocked[:3]}")
    report.check(not failed, name, f"{len(failed)} requests failed: {failed[:3]}")
    report.check(not errors, name, f"console errors: {errors[:3]}")
    report.check(seen["rawCount"] == 0, name, f"{seen['rawCount']} pieces of text still hold TeX: {seen['raw']}")
    report.check(seen["texErrors"] == 0, name, f"{seen['texErrors']} formulas MathJax could not typeset")
    report.check(not seen["broken"], name, f"{len(seen['broken'])} images did not load: {seen['broken'][:3]}")
    report.check(seen["drawn"] == seen["views"], name,
                 f"{seen['views'] - seen['drawn']} of {seen['views']} explorers show no picture")
    if seen["views"]:
        report.check(all(word in seen["note"] for word in NOTE_SAYS[language]), name,
                     f"the page does not say that moving the sliders needs the notebook: {seen['note']!r}")
    report.lines.append(f"  {name:<40} {seconds:5.1f} s  {seen['formulas']:4d} formulas  {seen['images']:3d} images  "
                        f"{seen['drawn']:2d}/{seen['views']} explorers drawn  {len(blocked)} blocked")
    seen["blocked"] = len(blocked)
    return seen


def check_site(site: Path, timeout: float) -> Report:
    from playwright.sync_api import sync_playwright

    report = Report()
    pages = {"en": sorted(p for p in site.glob("[0-9][0-9]-*.html") if not p.name.endswith(".zh.html")),
             "zh": sorted(site.glob("[0-9][0-9]-*.zh.html"))}
    for language, lessons in pages.items():
        report.check(len(lessons) == len(list((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))), "site",
                     f"{len(lessons)} {language} lesson pages for the notebooks/ lessons")
    # every page links to its twin in the other language, and the twin is there
    for page in [*pages["en"], *pages["zh"], site / "index.html", site / "index.zh.html"]:
        twin = page.name.replace(".zh.html", ".html") if page.name.endswith(".zh.html") else \
            page.name.removesuffix(".html") + ".zh.html"
        text = page.read_text(encoding="utf-8") if page.exists() else ""
        report.check(f'class="course-language" href="{twin}"' in text and (site / twin).exists(), page.name,
                     f"no link to its other language, {twin}, or that page is missing")
    server, base = serve(site)
    totals = {"formulas": 0, "views": 0, "drawn": 0, "blocked": 0}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                for mode, start, host, language in [
                        (mode, start, host, language) for mode, start, host in
                        (("served", base, urlparse(base).netloc), ("from disk", site.as_uri() + "/", None))
                        for language in pages]:
                    lessons = pages[language]
                    suffix = "" if language == "en" else f".{language}"
                    report.lines.append(f"{mode}, {language} ({start}):")
                    context = browser.new_context(viewport=VIEWPORT)
                    index_name = f"index{suffix}.html"
                    index = check_page(context, start + index_name, f"{mode} {index_name}", report, host, timeout,
                                       shot=f"site-index{suffix}.png" if mode == "served" else None, language=language)
                    rows = index.get("rows", [])
                    report.check(len(rows) == len(lessons), f"{mode} {index_name}", f"{len(rows)} rows for {len(lessons)} lessons")
                    for row in rows:
                        report.check(len(row) == 4 and all(row) and re.search(TIME_IN_ROW[language], row[3]),
                                     f"{mode} {index_name}", f"a lesson's row lacks what it teaches or its time: {row}")
                    for page in lessons:
                        seen = check_page(context, start + page.name, f"{mode} {page.name}", report, host, timeout,
                                          shot=f"site-05-explorer{suffix}.png" if mode == "served"
                                          and page.name.startswith("05") else None, language=language)
                        if mode == "served":
                            for key in totals:
                                totals[key] += seen.get(key, 0)
                    context.close()
            finally:
                browser.close()
    finally:
        server.shutdown()
    report.lines.append(f"served: {totals['formulas']} formulas typeset, {totals['drawn']}/{totals['views']} explorers "
                        f"drawn, {totals['blocked']} requests blocked")
    report.check(totals["formulas"] > 1000, "site", f"only {totals['formulas']} formulas typeset in all")
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, help="check this built site instead of building one")
    parser.add_argument("--timeout", type=float, default=120.0, help="longest wait for one page, in seconds")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"site_check: no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM=...)", file=sys.stderr)
        return 2
    SHOTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="site_check-"))
    try:
        site = args.site
        if site is None:
            site = tmp / "site"
            print("Building the site (python -m course_lib.site)...", flush=True)
            built = subprocess.run([sys.executable, "-m", "course_lib.site", "--out", str(site)], cwd=ROOT)
            if built.returncode != 0:
                print("site_check: the site did not build (above: why)", file=sys.stderr)
                return 1
        build_seconds = time.monotonic() - started
        report = check_site(site.resolve(), args.timeout)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("\n".join(report.lines))
    print(f"site_check: {len(report.failures)} failures; {build_seconds:.0f} s to build, "
          f"{time.monotonic() - started - build_seconds:.0f} s to check")
    for failure in report.failures:
        print(f"FAILED {failure}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
