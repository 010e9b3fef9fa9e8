"""python -m course_lib.i18n COMMAND: the translated edition's tools.

    translations            bring every catalogue up to date with its English notebook (make translations)
    build [--check]         write notebooks/zh, solutions/zh, exercises/zh (make zh); --check: exit 1 if stale
    drift [NAME]            list what is untranslated or translated for English that changed; exit 1 if any
    export KIND/NAME FILE   the entries still to translate of one catalogue, as JSON for a translator
    import KIND/NAME FILE   put the "translation" fields of such a JSON file into the catalogue

KIND/NAME is e.g. notebooks/05-adam or solutions/05-adam; library for the library's own text;
documents/README (or documents/notebooks-README, ...) for a README.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import catalogue, editions, library

ROOT = Path(__file__).resolve().parents[2]


def _catalogue_of(kind_name: str, language: str):
    if kind_name == "library":
        return None, library.catalogue_path(language)
    if kind_name.startswith("documents/"):
        from . import documents
        for name in documents.DOCUMENTS:
            if documents.catalogue_path(name, language).stem == kind_name.split("/", 1)[1]:
                return ROOT / name, documents.catalogue_path(name, language)
        raise SystemExit(f"no document {kind_name}: " + ", ".join(
            "documents/" + documents.catalogue_path(n).stem for n in documents.DOCUMENTS))
    kind, _, name = kind_name.partition("/")
    if kind not in editions.KINDS or not name:
        raise SystemExit(f"expected notebooks/NAME or solutions/NAME, got {kind_name!r}")
    english = next((p for p in editions.sources(ROOT, kind) if p.stem == Path(name).stem), None)
    if english is None:
        raise SystemExit(f"no {kind}/{name}.ipynb")
    return english, catalogue.catalogue_path(kind, english.name, language)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_lib.i18n", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["translations", "build", "drift", "export", "import"])
    parser.add_argument("args", nargs="*")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--language", default="zh")
    options = parser.parse_args(argv)
    language = options.language

    if options.command == "translations":
        changed = editions.update_catalogues(ROOT, language)
        print(f"{len(changed)} catalogue(s) updated" + "".join(f"\n  {p.relative_to(ROOT)}" for p in changed))
        return 0
    if options.command == "build":
        stale = editions.build(ROOT, language, check_only=options.check)
        if options.check and stale:
            print("out of date (run make zh):\n  " + "\n  ".join(stale))
            return 1
        print(("rewrote:\n  " + "\n  ".join(stale)) if stale else "the translated edition is up to date")
        return 0
    if options.command == "drift":
        problems = editions.drift(ROOT, language, only=options.args or None)
        print("\n\n".join(problems) if problems else "every catalogue translates its notebook as it is")
        print(f"\n{len(problems)} problem(s)")
        return 1 if problems else 0
    if len(options.args) != 2:
        parser.error(f"{options.command} needs KIND/NAME and a JSON file")
    english_path, po = _catalogue_of(options.args[0], language)
    path = Path(options.args[1])
    cat = catalogue.read(po)
    if options.command == "export":
        todo = [{"context": m.context, "english": m.id, "translation": m.string if m.fuzzy else "",
                 "note": " ".join(m.auto_comments), "fuzzy_previous_english": "\n".join(m.previous_id) or None}
                for m in cat if m.id and (not m.string or m.fuzzy)]
        path.write_text(json.dumps(todo, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"{len(todo)} entries to translate written to {path}")
        return 0
    entries = json.loads(path.read_text(encoding="utf-8"))
    by_key = {(m.context, m.id): m for m in cat if m.id}
    if english_path is None:
        english = {}
    elif english_path.suffix == ".md":
        from . import documents
        english = documents.expected(english_path.read_text(encoding="utf-8"), english_path.name)
    else:
        english = catalogue.expected(__import__("nbformat").read(english_path, as_version=4))
    done, problems = 0, []
    for item in entries:
        key = (item.get("context"), item["english"])
        message = by_key.get(key)
        if message is None:
            problems.append(f"not in the catalogue (has the English changed?): {item['english'][:80]!r}")
            continue
        text = item.get("translation") or ""
        if not text:
            continue
        wrong = catalogue.check_translation(english[key], text) if key in english else library.check_fields(item["english"], text)
        if wrong:
            problems.append(f"{item['english'][:60]!r}: " + "; ".join(wrong))
            continue
        message.string = text
        message.flags.discard("fuzzy")
        message.previous_id = []
        done += 1
    catalogue.write(cat, po)
    print(f"{done} translations written to {po.relative_to(ROOT)}")
    if problems:
        print(f"{len(problems)} not written:\n  " + "\n  ".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
