"""Build a static HTML site of the lessons, for learners who install nothing.

Every lesson in notebooks/ is run top to bottom in a fresh kernel, as a
student's Restart & Run All would, and exported to one HTML page; index.html
lists the lessons in order, as the README's notebook map does::

    python -m course_lib.site                 # every lesson -> site/
    python -m course_lib.site --only 05       # lesson 05 again; the rest of site/ is kept
    python -m course_lib.site --out public    # another folder

What a page holds, and what it needs:

- The cells and their outputs, exported by nbconvert's HTMLExporter with the
  lab template, which inlines its CSS. Plots are PNG data URIs in the page:
  the kernel keeps matplotlib's inline backend (MPLBACKEND is unset, unlike in
  ``make test``), so figures appear as they do in JupyterLab.
- The explorers' widget state: nbclient runs with ``store_widget_state=True``
  and saves every widget model (sliders, and the Image widget holding the
  picture drawn at build time, its PNG as a base64 buffer) in the notebook's
  metadata; the lab template writes it into the page as
  ``application/vnd.jupyter.widget-state+json``, and the widget manager draws
  the explorers from it. Their sliders move, but the figure does not redraw:
  there is no Python behind the page, and the page says so.
- Nothing from another host: MathJax, require.js, the widget manager and Font
  Awesome (the animation's buttons) are copied into ``site/assets/`` by
  ``site_assets`` and every page loads them from there, so the site works
  with no internet, served over HTTP or opened from disk. The build fails if a
  page would still load anything from elsewhere (links to read are fine).
- Links to the index and to the previous and next lesson, at the top and the
  bottom (plain links, added through a small template that extends lab's).
- Two languages: the English lessons (notebooks/) as ``05-adam.html`` and
  ``index.html``, the Chinese ones (notebooks/zh/, course_lib.i18n) as
  ``05-adam.zh.html`` and ``index.zh.html``, side by side so that both use the
  same assets; every page links to its twin in the other language.

The notebooks on disk are never written: each is read, run and exported in
memory. The pages are built in a temporary folder next to the output folder,
which replaces the old one only when every lesson has run without an error,
so a failed build leaves the last good site in place. An error in a lesson
stops the build with the lesson, the cell and the traceback: the lessons run
clean in ``make test``, so an error here is a real problem, not noise.
"""

from __future__ import annotations

import argparse
import datetime
import html
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jinja2 import DictLoader
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter

from . import i18n, pacing, site_assets
from .i18n import _

ROOT = Path(__file__).resolve().parent.parent
CELL_TIMEOUT = 120  # seconds, as make test's --nbval-cell-timeout: a hung cell fails instead of hanging the build
# As make test's TEST_ENV (small NumPy matrices run faster on one thread), but
# without MPLBACKEND=Agg: the inline backend is what puts the plots in the page.
KERNEL_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# Written into index.html, so that a rebuild only ever replaces a folder this tool made.
GENERATOR = "course_lib.site"
ANSI_CODES = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

PAGE_TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block extra_css %}<style>{{ resources.course.css }}</style>{% endblock extra_css %}
{% block body_header %}{{ super() }}{{ resources.course.top }}{% endblock body_header %}
{% block body_footer %}{{ resources.course.bottom }}{{ super() }}{% endblock body_footer %}
"""

NAV_CSS = """
.course-nav { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 0.5em 2em;
  margin: 0 0 1.5em; padding: 0.6em 0; border-bottom: 1px solid #ccc;
  font-family: var(--jp-ui-font-family); font-size: 14px; }
.course-nav.bottom { margin: 1.5em 0 0; border-bottom: none; border-top: 1px solid #ccc; }
.course-nav a { text-decoration: none; }
.course-note { margin: -0.8em 0 1.5em; color: #555; font-family: var(--jp-ui-font-family); font-size: 13px; }
"""


class LessonFailed(RuntimeError):
    pass


LANGUAGES = {"en": ("notebooks", "README.md", "en"), "zh": ("notebooks/zh", "README.zh.md", "zh-CN")}


def page_name(stem: str, language: str) -> str:
    """05-adam.html, or 05-adam.zh.html: the two languages' pages side by side."""
    return f"{stem}.html" if language == "en" else f"{stem}.{language}.html"


@dataclass
class Lesson:
    path: Path
    number: str  # "05", from the file name, as the README's map numbers them
    title: str
    summary: str
    time: str = ""   # "about 45 minutes, and 20 more for ..." from the notebook's **Time:** sentence
    language: str = "en"

    @property
    def page(self) -> str:
        return page_name(self.path.stem, self.language)

    @property
    def twin(self) -> str:
        """The same lesson's page in the other language."""
        return page_name(self.path.stem, "zh" if self.language == "en" else "en")


# --- what the index says about each lesson --------------------------------------------


def first_heading(nb: nbformat.NotebookNode) -> str:
    """The text of the notebook's first markdown heading, without its number
    ("# Lesson 01: Gradient descent and SGD" and "# 05 · Adam" both lose it):
    the index shows the number in a column of its own."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("#"):
                text = line.lstrip("#").strip()
                return re.sub(r"^(?:lesson\s+)?\d+\s*[·:.\-–—]\s*", "", text, flags=re.I) or text
    return ""


def readme_summaries(readme: str) -> dict[str, str]:
    """Number -> "what you will see", from the README's notebook map: the section whose table
    has a row for lesson 00 (its heading is translated in README.zh.md)."""
    for section in readme.split("\n## "):
        rows = re.findall(r"^\|\s*(\d\d)\s*\|[^|]*\|\s*(.*?)\s*\|\s*$", section, re.M)
        if any(number == "00" for number, _summary in rows):
            return dict(rows)
    return {}


def first_paragraph(nb: nbformat.NotebookNode) -> str:
    """The first line of prose in the notebook: the summary of a lesson the README's map lacks."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.strip() and not line.startswith("#"):
                    return line.strip()
    return ""


def course_title(readme: str) -> str:
    match = re.search(r"^# (.+)$", readme, re.M)
    return match[1].strip() if match else "The course"


def stated_time(path: Path) -> str:
    """'45 minutes + 20 optional', from the English notebook's **Time:** sentence (course_lib.pacing
    writes it), in the language of course_lib.i18n."""
    sentence = pacing.stated_sentence(path) or ""
    found = re.search(r"about (\d+) minutes(?:, and (\d+) more)?", sentence)
    if not found:
        return sentence.removeprefix("**Time:**").strip().rstrip(".")
    core = _("{minutes} minutes").format(minutes=found[1])
    return core + (_(" + {minutes} optional").format(minutes=found[2]) if found[2] else "")


def find_lessons(root: Path, language: str = "en") -> list[Lesson]:
    folder, readme_name, _html_lang = LANGUAGES[language]
    readme_path = root / readme_name
    summaries = readme_summaries(readme_path.read_text(encoding="utf-8")) if readme_path.exists() else {}
    lessons = []
    with i18n.using(language):
        for path in sorted((root / folder).glob("[0-9][0-9]-*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            number = path.name[:2]
            lessons.append(Lesson(path, number, first_heading(nb) or path.stem,
                                  summaries.get(number) or first_paragraph(nb),
                                  stated_time(root / "notebooks" / path.name), language))
    return lessons


# --- running a lesson -------------------------------------------------------------------


def kernel_environment() -> dict[str, str]:
    env = {**os.environ, **KERNEL_ENV}
    env.pop("MPLBACKEND", None)  # a caller's Agg would leave the pages without plots
    return env


def describe_cell(nb: nbformat.NotebookNode, index: int) -> str:
    """'cell 14 of 46 (code cell 7)': a cell as someone scrolling the notebook finds it."""
    code_number = sum(c.cell_type == "code" for c in nb.cells[:index + 1])
    return f"cell {index + 1} of {len(nb.cells)} (code cell {code_number})"


def execute(nb: nbformat.NotebookNode, lesson: Lesson) -> None:
    """Run every cell in place in a fresh kernel, with the notebooks' folder as the working directory."""
    current = {"index": 0}

    def remember_cell(cell, cell_index, **_):
        current["index"] = cell_index  # a timeout or a dead kernel does not say which cell it was

    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", store_widget_state=True,
                            resources={"metadata": {"path": str(lesson.path.parent)}},
                            # Quiets the kernel's own log, which would print between two lines of the
                            # report: a start-up warning about plain TCP on localhost, and "KeyboardInterrupt
                            # caught in kernel" when the interrupt jupyter_client sends before every
                            # shutdown lands mid-message. Cell errors come by message and still show.
                            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
                            on_cell_start=remember_cell)
    try:
        client.execute(env=kernel_environment())
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
        if isinstance(error, CellTimeoutError):
            what = f"the cell ran longer than {CELL_TIMEOUT} s"
        elif isinstance(error, DeadKernelError):
            what = "the kernel died (out of memory, or the process was killed)"
        else:
            what = f"{error.ename}: {error.evalue}\n\n{ANSI_CODES.sub('', str(error))}"
        where = describe_cell(nb, current["index"])
        raise LessonFailed(f"lesson {lesson.path.name} failed at {where}: {what}") from error


def widget_models(nb: nbformat.NotebookNode) -> int:
    return len(nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {}))


# --- the pages --------------------------------------------------------------------------


def exporter() -> HTMLExporter:
    return HTMLExporter(template_name="lab", template_file="course_page.html.j2",
                        extra_loaders=[DictLoader({"course_page.html.j2": PAGE_TEMPLATE})],
                        require_js_url=site_assets.REQUIRE_JS_URL, mathjax_url=site_assets.MATHJAX_URL,
                        widget_renderer_url=site_assets.WIDGET_RENDERER_URL)


# matplotlib's animation player links Font Awesome from a CDN for its buttons' icons.
FONT_AWESOME_LINK = re.compile(r"https?://[^\s\"']*/font-awesome/[\d.]+/css/font-awesome(?:\.min)?\.css")
# What a browser would fetch by itself: src=, a stylesheet's href=, CSS url() and @import, import().
LOADS_FROM_ELSEWHERE = re.compile(
    r"""(?:\bsrc\s*=\s*["']?|<link\b[^>]*\bhref\s*=\s*["']?|url\(\s*["']?|@import\s+["']|import\(\s*["'])"""
    r"""((?:https?:)?//[^\s"')>]+)""", re.I)


def served_locally(page: str, name: str) -> str:
    """The page with its CDN links pointed at site/assets/; LessonFailed if it would load anything else."""
    page = FONT_AWESOME_LINK.sub(site_assets.FONT_AWESOME_CSS, page)
    elsewhere = sorted(set(LOADS_FROM_ELSEWHERE.findall(page)))
    if elsewhere:
        raise LessonFailed(f"{name} would load {len(elsewhere)} file(s) from another host, which fails with no "
                           f"internet: {', '.join(elsewhere[:3])}; serve them from site/assets/ (course_lib/site_assets.py)")
    return page


def label(lesson: Lesson) -> str:
    return html.escape(f"{lesson.number} · {lesson.title}")


LANGUAGE_LINK = {"en": "中文", "zh": "English"}   # each language's name, in itself: the link to the other


def nav(lessons: list[Lesson], i: int, where: str) -> str:
    """Previous lesson, index (and the other language), next lesson: the same places at the top and the bottom."""
    previous = f'<a href="{lessons[i - 1].page}">← {label(lessons[i - 1])}</a>' if i > 0 else "<span></span>"
    following = (f'<a href="{lessons[i + 1].page}">{label(lessons[i + 1])} →</a>'
                 if i + 1 < len(lessons) else "<span></span>")
    lesson = lessons[i]
    index = page_name("index", lesson.language)
    other = "zh" if lesson.language == "en" else "en"
    switch = (f'<a class="course-language" href="{lesson.twin}" hreflang="{LANGUAGES[other][2]}" '
              f'lang="{LANGUAGES[other][2]}">{LANGUAGE_LINK[lesson.language]}</a>')
    return (f'<nav class="course-nav {where}">{previous}<span><a href="{index}">{html.escape(_("Course index"))}</a>'
            f' · {switch}</span>{following}</nav>')


def lesson_page(nb: nbformat.NotebookNode, lessons: list[Lesson], i: int, course: str) -> str:
    with i18n.using(lessons[i].language):
        return _lesson_page(nb, lessons, i, course)


def _lesson_page(nb: nbformat.NotebookNode, lessons: list[Lesson], i: int, course: str) -> str:
    top = nav(lessons, i, "top")
    command = "make lab" if lessons[i].language == "en" else f"make lab LANG={lessons[i].language}"
    if widget_models(nb):
        top += ('<p class="course-note">' + _("The explorers below show the figure drawn when this page was built. "
                                              "Moving their sliders redraws nothing here: that needs Python, in the "
                                              "lesson's notebook. To use them, open the notebook in JupyterLab "
                                              "({command}).").format(command=f"<code>{command}</code>") + "</p>")
    nb.metadata["title"] = f"{lessons[i].number} · {lessons[i].title} · {course}"  # the browser tab's title
    body, _resources = exporter().from_notebook_node(
        nb, resources={"course": {"css": NAV_CSS, "top": top, "bottom": nav(lessons, i, "bottom")}})
    if lessons[i].language != "en":   # nbconvert writes <html lang="en">; say the page's language
        body = body.replace('<html lang="en">', f'<html lang="{LANGUAGES[lessons[i].language][2]}">', 1)
    return served_locally(body, lessons[i].page)


def index_page(course: str, lessons: list[Lesson]) -> str:
    with i18n.using(lessons[0].language if lessons else "en"):
        return _index_page(course, lessons)


def _index_page(course: str, lessons: list[Lesson]) -> str:
    language = lessons[0].language if lessons else "en"
    other = "zh" if language == "en" else "en"
    command = "make lab" if language == "en" else f"make lab LANG={language}"
    rows = "\n".join(
        f'<tr><td>{lesson.number}</td><td><a href="{lesson.page}">{html.escape(lesson.title)}</a></td>'
        f"<td>{html.escape(lesson.summary)}</td><td>{html.escape(lesson.time)}</td></tr>" for lesson in lessons)
    return f"""<!DOCTYPE html>
<html lang="{LANGUAGES[language][2]}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="{GENERATOR}">
<title>{html.escape(course)}</title>
<style>
body {{ max-width: 60em; margin: 2em auto; padding: 0 1em; font-family: system-ui, sans-serif; line-height: 1.5; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ text-align: left; vertical-align: top; padding: 0.4em 0.8em; border-bottom: 1px solid #ddd; }}
a {{ text-decoration: none; }}
code {{ background: #f3f3f3; padding: 0 0.3em; }}
footer {{ margin-top: 2em; color: #666; font-size: 0.9em; }}
</style>
</head>
<body>
<p><a class="course-language" href="{page_name("index", other)}" hreflang="{LANGUAGES[other][2]}" lang="{LANGUAGES[other][2]}">{LANGUAGE_LINK[language]}</a></p>
<h1>{html.escape(course)}</h1>
<p>{_("Every lesson, run from top to bottom, with its outputs. These pages need no internet: they can be "
      "served or opened from disk. The explorers show the figure drawn when the pages were built; to run the "
      "code yourself and move their sliders, get the course and type {command} in its folder (the "
      "README says more).").format(command=f"<code>{command}</code>")}</p>
<table>
<thead><tr><th>#</th><th>{_("lesson")}</th><th>{_("what it teaches")}</th><th>{_("time")}</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
<footer>{_("Built {date} by {command}.").format(date=datetime.date.today().isoformat(),
                                              command=f"<code>python -m {GENERATOR}</code>")}
{_("Lesson text and figures: CC BY 4.0; code: MIT.")}</footer>
</body>
</html>
"""


# --- the build --------------------------------------------------------------------------


def missing_pages(folder: Path) -> list[str]:
    """The pages that the folder's pages link to but that are not in it."""
    linked = set()
    for page in folder.glob("*.html"):
        linked.update(re.findall(r'href="([^"#:/]+\.html)"', page.read_text(encoding="utf-8")))
    return sorted(name for name in linked if not (folder / name).is_file())


def made_by_us(folder: Path) -> bool:
    """True when the folder is empty or holds a site this tool built: only those may be replaced."""
    if not folder.exists():
        return True
    if not folder.is_dir():
        return False
    index = folder / "index.html"
    return not any(folder.iterdir()) or (index.is_file() and GENERATOR in index.read_text(encoding="utf-8")[:2000])


def replace_folder(new: Path, out: Path) -> None:
    """Put new where out is, keeping the old folder until the new one is in place."""
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
        old.rmdir()
        out.rename(old)
        new.rename(out)
        shutil.rmtree(old)
    else:
        new.rename(out)


def select(lessons: list[Lesson], only: str | None) -> list[Lesson]:
    if only is None:
        return lessons
    wanted = f"{int(only):02d}" if only.isdigit() else only
    chosen = [lesson for lesson in lessons if wanted in (lesson.number, lesson.path.name, lesson.path.stem)]
    if not chosen:
        raise LessonFailed(f"no lesson {only!r} in notebooks/ (give its number, e.g. 05)")
    return chosen


def write_edition(folder: Path, course: str, lessons: list[Lesson], chosen: list[Lesson]) -> tuple[float, int]:
    """Run and write the chosen lessons of one language, and its index; (seconds run, bytes written)."""
    total_run, total_bytes = 0.0, 0
    for lesson in chosen:
        i = lessons.index(lesson)
        nb = nbformat.read(lesson.path, as_version=4)
        start = time.perf_counter()
        execute(nb, lesson)
        seconds = time.perf_counter() - start
        page = lesson_page(nb, lessons, i, course)
        (folder / lesson.page).write_text(page, encoding="utf-8")
        size = len(page.encode())
        total_run, total_bytes = total_run + seconds, total_bytes + size
        print(f"{lesson.page:<38} {seconds:5.1f} s  {size / 1e6:5.2f} MB  {page.count('<img'):3d} images  "
              f"{widget_models(nb):3d} widget models", flush=True)
    (folder / page_name("index", lessons[0].language)).write_text(index_page(course, lessons), encoding="utf-8")
    return total_run, total_bytes


def build(root: Path, out: Path, only: str | None = None, languages=tuple(LANGUAGES)) -> None:
    """Run the lessons (all, or only one; in each of ``languages``) and write the site to out,
    printing a line per lesson."""
    if not made_by_us(out):
        raise LessonFailed(f"{out} exists and is not a site built by {GENERATOR}: choose another --out")
    editions = []
    for language in languages:
        readme = root / LANGUAGES[language][1]
        course = course_title(readme.read_text(encoding="utf-8")) if readme.exists() else "The course"
        lessons = find_lessons(root, language)
        editions.append((course, lessons, select(lessons, only)))
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-new-", dir=out.parent))
    try:
        if only is not None and out.is_dir():
            shutil.copytree(out, staging, dirs_exist_ok=True)  # --only keeps the other lessons' pages
        started, total_run, total_bytes, built = time.perf_counter(), 0.0, 0, 0
        for course, lessons, chosen in editions:
            seconds, size = write_edition(staging, course, lessons, chosen)
            total_run, total_bytes, built = total_run + seconds, total_bytes + size, built + len(chosen)
        shutil.rmtree(staging / site_assets.FOLDER, ignore_errors=True)
        assets = site_assets.install(staging)
        print(f"{site_assets.FOLDER + '/':<38} {assets / 1e6:5.1f} MB: MathJax, require.js, the widget manager, "
              f"Font Awesome (no CDN)", flush=True)
        missing = missing_pages(staging)
        replace_folder(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    print(f"{'total':<38} {total_run:5.1f} s  {total_bytes / 1e6:5.2f} MB  "
          f"({built} lesson page{'s' if built != 1 else ''}; {time.perf_counter() - started:.1f} s with the export)")
    print(f"site written to {out}/ (open {out / 'index.html'})")
    if missing:
        print(f"note: {len(missing)} linked pages are not built yet ({', '.join(missing[:3])}"
              f"{', ...' if len(missing) > 3 else ''}): build every lesson, without --only, to write them")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--out", type=Path, help="the site's folder (default: site/ in the course's folder)")
    parser.add_argument("--only", help="one lesson's number, e.g. 05: rebuild its page and keep the others")
    parser.add_argument("--language", choices=[*LANGUAGES, "both"], default="both",
                        help="the English pages, the Chinese ones (notebooks/zh), or both (the default)")
    args = parser.parse_args(argv)
    out = (args.out or args.root / "site").resolve()
    languages = tuple(LANGUAGES) if args.language == "both" else (args.language,)
    try:
        build(args.root.resolve(), out, only=args.only, languages=languages)
    except (LessonFailed, site_assets.AssetsUnavailable) as error:
        print(f"error: {error}", file=sys.stderr)
        print(f"{out} was left as it was.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
