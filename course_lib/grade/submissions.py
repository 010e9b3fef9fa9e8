"""Step 1 of the grader's path: find the submissions in a folder and read them, trusting nothing.

Accepted layouts (any mix; folders and files starting with "." are skipped,
and so is .ipynb_checkpoints):

    SUBMISSIONS/<student>/<NN-topic>.ipynb     one folder per student
    SUBMISSIONS/<NN-topic>/<student>.ipynb     one folder per worksheet
    SUBMISSIONS/<student>_<NN-topic>.ipynb     flat, one file per student and worksheet

Deeper files belong to the student (or worksheet) of their top folder, as an
LMS export nests them. The worksheet is read from the notebook's metadata
(``course.generated_from``, written by ``make exercises``) and otherwise
from the file's name, then its folder's: "05", "05-adam" and "05-adam.ipynb"
all mean worksheet 05.

Reading is careful: symbolic links (to files or to folders) and anything but
a regular file are not followed but become rows saying so, files over
``MAX_BYTES`` are not parsed, and a file that is not a notebook becomes a row
saying so. A name may hold any bytes: bytes that are not UTF-8 are shown as
``\\xff`` escapes in the row, and the file is still read by its real name.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..i18n import N_

MAX_BYTES = 20 << 20
WORKSHEET = re.compile(r"(?<![0-9])([0-9]{2})(?:-[a-z0-9-]+)?(?![0-9])", re.IGNORECASE)


@dataclass
class Submission:
    path: Path                 # absolute
    relative: str              # to the submissions folder, with "/"
    student: str
    worksheet_hint: str | None  # from the file or folder name


@dataclass
class Notebook:
    """A submission as read: its code cells, or why it cannot be graded."""

    sha256: str
    worksheet: str | None = None
    cells: list = field(default_factory=list)     # [{"cell": n, "source": str}], code cells only, n from 1
    problem: str | None = None                    # why it is not a gradable notebook
    notes: list = field(default_factory=list)
    language: str = "en"                          # the edition it comes from (metadata course.language): its feedback's


def worksheet_in(name: str, known) -> str | None:
    for match in WORKSHEET.finditer(name):
        if match.group(1) in known:
            return match.group(1)
    return None


def shown(name: str) -> str:
    """A file name as text: undecodable bytes (os.walk keeps them as surrogates) become \\xNN."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def discover(root: Path, known) -> list[Submission]:
    """Every .ipynb under root, and every linked folder, with its student and worksheet hint, in a stable order."""
    root = root.resolve()
    found = []
    for folder, subfolders, files in os.walk(root, followlinks=False):
        subfolders.sort()
        links = [d for d in subfolders if os.path.islink(os.path.join(folder, d))]
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and d != "__pycache__" and d not in links]
        for name in sorted(files + links):
            path = Path(folder) / name
            if name.startswith(".") or not (name.lower().endswith(".ipynb") or name in links):
                continue
            relative = shown(path.relative_to(root).as_posix())
            top, *_ = relative.split("/")
            stem = shown(name)[: -len(".ipynb")] if name.lower().endswith(".ipynb") else shown(name)
            if "/" not in relative:                       # flat
                hint = worksheet_in(stem, known)
                student = WORKSHEET.sub("", stem).strip(" _-.") if hint else stem
            elif worksheet_in(top, known) and WORKSHEET.fullmatch(top):   # a folder per worksheet
                hint, student = worksheet_in(top, known), stem
            else:                                         # a folder per student
                hint, student = worksheet_in(stem, known) or worksheet_in(relative, known), top
            found.append(Submission(path, relative, student or stem, hint))
    return found


def fingerprint(submission: Submission) -> str:
    """The sha256 that read() would give the file ("" where it would not read it): cheap, for resuming."""
    try:
        fd = os.open(submission.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return ""
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            return ""
        return hashlib.sha256(file.read(MAX_BYTES + 1)).hexdigest()


def read(submission: Submission, known) -> Notebook:
    try:
        fd = os.open(submission.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        why = "a symbolic link" if error.errno == errno.ELOOP else error.strerror
        return Notebook("", problem=f"cannot be opened ({why})")
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            return Notebook("", problem="is not a regular file")
        if info.st_size > MAX_BYTES:
            return Notebook("", problem=f"is {info.st_size >> 20} MB, over the {MAX_BYTES >> 20} MB a worksheet can be")
        data = file.read(MAX_BYTES + 1)
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        return Notebook(digest, problem="is empty (0 bytes)" if not data else "is blank")
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        return Notebook(digest, problem=f"is not a notebook: not valid JSON ({str(error)[:120]})")
    if not (isinstance(document, dict) and isinstance(document.get("cells"), list)):
        return Notebook(digest, problem="is not a notebook: JSON without a list of cells")
    notebook = Notebook(digest)
    metadata = document.get("metadata")
    generated_from = (metadata.get("course") or {}).get("generated_from") if isinstance(metadata, dict) and \
        isinstance(metadata.get("course"), dict) else None
    from_metadata = worksheet_in(Path(generated_from).name, known) if isinstance(generated_from, str) else None
    notebook.worksheet = from_metadata or submission.worksheet_hint
    language = (metadata.get("course") or {}).get("language") if isinstance(metadata, dict) and \
        isinstance(metadata.get("course"), dict) else None
    notebook.language = language if language in ("en", "zh") else "en"   # anything else: English
    if from_metadata and submission.worksheet_hint and from_metadata != submission.worksheet_hint:
        notebook.notes.append(N_("the file's name says worksheet {hint}, its metadata says {worksheet}: graded as "
                                 "{worksheet}").format(hint=submission.worksheet_hint, worksheet=from_metadata))
    number = 0
    for cell in document["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        number += 1
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        if not isinstance(source, str):
            notebook.notes.append(N_("code cell {number} has no readable source and was skipped").format(number=number))
            continue
        notebook.cells.append({"cell": number, "source": source})
    return notebook
