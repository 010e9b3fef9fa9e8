"""Step 2 of the grader's path: run one submission in the sandbox and read back what it said.

A submission runs in as many children as it takes: a child that a cell or an
item stops (a loop that swallows the timer, ``os._exit``, a crash) is
followed by a fresh one without that cell, for the items not answered yet,
so one endless loop in ``adam_step`` costs ``adam_step``, not the worksheet.
Items the worksheet tells students to solve with ``course_lib.optim`` run in
a child of their own whose view has it; every other item runs where it does
not exist.

Everything a child sends is read as a hostile party's: ``Transcript``
checks the type and range of every field of every message, and a message
that fails counts as garbled (a flag), never as a crash. What the child
reports of its own attempts (guard.py) becomes flags and notes, labelled as
such; it never decides a score. Answers are checked again, against each
case, when they are judged (judge.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..i18n import N_
from .sandbox import Sandbox

MAX_RUNS = 3
CELL_STATUSES = ("ran", "error", "syntax error")
MAX_CELL = 1_000_000


def _text(value, limit=400) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _hex_text(value) -> str | None:
    if not isinstance(value, str) or len(value) > 4000:
        return None
    try:
        return bytes.fromhex(value).decode("utf-8", "replace")
    except ValueError:
        return None


class Transcript:
    """One child's messages, read in order, trusting nothing. Attempts belong to the cell or item that
    was running when they came (as the child says: a child can lie about that too, only to its cost)."""

    def __init__(self, events, item_names):
        self.cells, self.items, self.attempts = {}, {}, []     # attempts: (where, kind, what)
        self.garbled, self.finished, self.at = 0, False, None   # at: ("cell", n) or ("item", name)
        for event in events:
            if not self._read(event, item_names):
                self.garbled += 1

    def _read(self, event: dict, item_names) -> bool:
        kind, name = event.get("event"), event.get("name")
        name = name if isinstance(name, str) and name in item_names else None
        cell = event.get("cell")
        cell = cell if type(cell) is int and 1 <= cell <= MAX_CELL else None
        if kind == "cell start" and cell:
            self.at = ("cell", cell)
        elif kind == "item start" and name:
            self.at = ("item", name)
        elif kind == "attempt":
            category, what = _hex_text(event.get("kind")), _hex_text(event.get("what"))
            if category is None or what is None:
                return False
            self.attempts.append((self.at, category[:40], what[:300]))
        elif kind == "cell" and cell and event.get("status") in CELL_STATUSES:
            self.cells.setdefault(cell, {"cell": cell, "status": event["status"],
                                         "message": _text(event.get("message"))})
        elif kind == "item" and name and name not in self.items:
            self.items[name] = event
        elif kind == "done":
            self.finished = True
        elif kind in ("ready", "setup failed"):
            pass
        else:
            return False
        return True


@dataclass
class Run:
    """What a submission's children said, all runs together."""

    answers: dict = field(default_factory=dict)       # item name -> its "item" message, or {"stopped": why}
    cells: dict = field(default_factory=dict)         # cell number -> {"cell", "status", "message"}
    flags: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    stops: list = field(default_factory=list)         # why each stopped child stopped
    seconds: float = 0.0
    grader_error: str | None = None


def run_submission(notebook, plan, sandbox: Sandbox) -> Run:
    run = Run()
    item_names = set(plan.expected)
    groups = [([i.name for i in plan.items if not i.may_use], False), ([i.name for i in plan.items if i.may_use], True)]
    for pending, with_reference in groups:
        cells = list(notebook.cells)
        for _ in range(MAX_RUNS if pending else 0):
            report = sandbox.run(cells, [r for r in plan.request if r["name"] in pending], with_reference)
            run.seconds = round(run.seconds + report.seconds, 2)
            if report.grader_error:
                run.grader_error = report.stopped
                return run
            transcript = Transcript(report.events, item_names)
            withheld = {}   # cell -> what it used: the worksheet's own comparison cells use optim, torch, ...
            for where, kind, what in transcript.attempts:
                if kind == "reference" and where and where[0] == "cell":
                    withheld.setdefault(where[1], what)
                    continue
                place = (f"{where[1]}" if where and where[0] == "item"
                         else f"code cell {where[1] if where else '?'}")
                entry = f"{place} tried to {what} (as the notebook's own process reports it)"
                (run.notes if kind == "reference" else run.flags).append(entry)
            for number, cell in transcript.cells.items():
                if cell["status"] == "error" and number in withheld:
                    cell = {"cell": number, "status": "not run in grading",
                            "message": N_("it uses {module}; graded code cannot, so this cell stops there in "
                                          "grading (in your notebook it runs)").format(
                                module=withheld[number].removeprefix('use '))}
                run.cells.setdefault(number, cell)
            if transcript.garbled:
                run.flags.append(f"{transcript.garbled} message(s) to the grader were not the grader's: "
                                 f"the notebook wrote to the grader's pipe")
            run.answers.update((name, event) for name, event in transcript.items.items() if name in pending)
            pending = [name for name in pending if name not in run.answers]
            if report.stopped is None or not pending:
                break
            run.stops.append(report.stopped)
            if transcript.at and transcript.at[0] == "item":
                stuck = transcript.at[1]
                run.answers[stuck] = {"stopped": report.stopped}
                pending = [name for name in pending if name != stuck]
                run.notes.append(N_("{item} stopped the grading run ({why}); the items after it were graded "
                                    "in a fresh process").format(item=stuck, why=report.stopped))
            elif transcript.at and transcript.at[0] == "cell":
                stuck = transcript.at[1]
                cells = [cell for cell in cells if cell["cell"] != stuck]
                run.cells[stuck] = {"cell": stuck, "status": "stopped",
                                    "message": N_("{why}; graded again without this cell").format(
                                        why=report.stopped)}
            else:
                break
    return run
