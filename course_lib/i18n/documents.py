"""The course's Markdown documents in another language: README.md -> README.zh.md, and the
READMEs of notebooks/, exercises/ and solutions/ -> the same name in their zh/ folder.

A document is translated paragraph by paragraph (blocks between blank lines), each keyed by
its English text in ``course_lib/locale/zh/documents/<name>.po``; fenced code blocks (shell
commands, YAML) are kept as they are and are not entries. Drift is checked, and the
translated file written, exactly as for a notebook (``catalogue.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

from . import catalogue

DOCUMENTS = {"README.md": "README.zh.md", "notebooks/README.md": "notebooks/zh/README.md",
             "exercises/README.md": "exercises/zh/README.md", "solutions/README.md": "solutions/zh/README.md"}
FENCE = re.compile(r"^```")


def blocks(text: str) -> list[tuple[str, bool]]:
    """The document as (block, translatable) pairs: paragraphs, lists and tables between blank
    lines are translatable; a fenced code block (blank lines and all) is not."""
    result, current, in_fence = [], [], False
    for line in text.split("\n"):
        if FENCE.match(line.strip()) and not in_fence:
            if current:
                result.append(("\n".join(current), True))
            current, in_fence = [line], True
            continue
        if in_fence:
            current.append(line)
            if FENCE.match(line.strip()):
                result.append(("\n".join(current), False))
                current, in_fence = [], False
            continue
        if line.strip() == "":
            if current:
                result.append(("\n".join(current), True))
                current = []
            continue
        current.append(line)
    if current:
        result.append(("\n".join(current), not in_fence))
    return result


def catalogue_path(name: str, language: str = "zh") -> Path:
    return catalogue.LOCALE_ROOT / language / "documents" / (name.replace("/", "-").removesuffix(".md") + ".po")


def expected(text: str, name: str) -> dict:
    entries = {}
    for number, (block, translatable) in enumerate(blocks(text), start=1):
        if translatable and (None, block) not in entries:
            entries[(None, block)] = catalogue.Entry(None, block, ((name, number),), note=f"{name}, paragraph {number}",
                                                     markdown=True)
    return entries


def translated(text: str, cat) -> str:
    done = catalogue.translations(cat) if cat is not None else {}
    return "\n\n".join(done.get((None, block), block) if translatable else block
                       for block, translatable in blocks(text)) + "\n"


def build(root: Path, language: str = "zh", check_only: bool = False) -> list[str]:
    stale = []
    for name, target_name in DOCUMENTS.items():
        po = catalogue_path(name, language)
        text = translated((root / name).read_text(encoding="utf-8"), catalogue.read(po) if po.exists() else None)
        target = root / target_name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            stale.append(target_name)
            if not check_only:
                target.parent.mkdir(exist_ok=True)
                target.write_text(text, encoding="utf-8")
    return stale


def update_catalogues(root: Path, language: str = "zh") -> list[Path]:
    changed = []
    for name in DOCUMENTS:
        po = catalogue_path(name, language)
        old = catalogue.read(po) if po.exists() else None
        before = po.read_bytes() if po.exists() else None
        catalogue.write(catalogue.merge(old, expected((root / name).read_text(encoding="utf-8"), name), name,
                                        language), po)
        if po.read_bytes() != before:
            changed.append(po)
    return changed


def drift(root: Path, language: str = "zh") -> list[str]:
    problems = []
    for name in DOCUMENTS:
        po = catalogue_path(name, language)
        shown = str(po.relative_to(root)) if po.is_relative_to(root) else str(po)
        problems += catalogue.drift(catalogue.read(po) if po.exists() else None,
                                    expected((root / name).read_text(encoding="utf-8"), name), name, shown)
    return problems


__all__ = ["DOCUMENTS", "blocks", "catalogue_path", "expected", "translated", "build", "update_catalogues", "drift"]
