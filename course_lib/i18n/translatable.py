"""What in a notebook a translation covers, and how a translated string goes back into code.

Two kinds of text are translated:

- a Markdown cell, whole;
- a string a code cell shows: an argument of ``Markdown(...)``, ``print(...)``,
  ``set_title(...)`` and the like (``DISPLAY_CALLS``), or a ``title=``,
  ``label=``, ``xlabel=`` ... keyword (``DISPLAY_KEYWORDS``), or a string assigned
  or appended to a name that says it is shown (``SHOWN_NAME``: ``rows``,
  ``labels``, ``verdict`` ...) or returned by a function whose name says so
  (``listed_text``), with the pieces of a ``.join``, or an f-string held
  to be shown later (``_held_as_text``), when it holds at least one English word (``has_words``; "Adam", "$\\alpha$" or ".3g" need no
  translation).

A code string's key is its *template*: the text of the literal with each
placeholder of an f-string written as in the source, ``{expr!r:.3g}``, and
literal braces doubled, e.g. ``Largest difference over {2 * 1000} steps:
**{largest_gap:.1e}**``. A translation of it keeps every placeholder exactly and
may move them: ``literal_source`` writes the translated template back as a
Python literal, so the Chinese notebook computes the same numbers in the same
code and only the words around them change.
"""

from __future__ import annotations

import ast
import copy
import io
import re
import tokenize
from dataclasses import dataclass

DISPLAY_CALLS = frozenset({"Markdown", "HTML", "print", "display", "set_title", "set_xlabel", "set_ylabel",
                           "suptitle", "supxlabel", "supylabel", "text", "annotate", "set_text", "set_label",
                           "figtext"})
DISPLAY_KEYWORDS = frozenset({"title", "xlabel", "ylabel", "label", "description", "suptitle", "caption"})
# a string assigned to a name with one of these words in it is text to be shown later (rows of a table,
# a legend's labels, a verdict): other assigned strings may be keys or code, and stay as they are
SHOWN_NAME = re.compile(r"label|row|line|table|note|verdict|title|text|direction|said|caption|sentence|message")
WORD = re.compile(r"(?<![\\\w])(?:[a-z]{3,}|at|by|in|is|of|on|or|to|vs)(?!\w)")   # a lowercase English word (short ones
# only if they are words, not symbols such as lr), not a LaTeX command (\alpha)
MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*\$", re.S)


@dataclass(frozen=True)
class CodeString:
    """A translatable string literal of a code cell."""

    template: str       # the key: the literal's text, f-string placeholders as written
    placeholders: tuple  # the placeholders' texts, in order ("{x:.3g}", ...); () for a plain string
    is_fstring: bool
    start: tuple         # (line, column) of the literal in the cell's source, line from 1, column in characters
    end: tuple


def has_words(template: str, placeholders=()) -> bool:
    """True when the text, without its placeholders and LaTeX maths, has an English word."""
    for placeholder in placeholders:
        template = template.replace(placeholder, " ")
    return bool(WORD.search(MATH.sub(" ", template)))


def _parents(tree: ast.AST) -> dict:
    """id(node) -> the node it sits in, for every node of ``tree`` (ast keeps no link upwards)."""
    return {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _call_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _literals(node: ast.expr):
    """The string literals an expression shows: itself, or the parts of a + or a conditional.
    Not the format specs inside an f-string (``.3g``), nor strings passed to other calls."""
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        yield node
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        yield from _literals(node.left)
        yield from _literals(node.right)
    elif isinstance(node, ast.IfExp):
        yield from _literals(node.body)
        yield from _literals(node.orelse)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("join", "format"):
        yield from _literals(node.func.value)   # "\n".join(...), "...{}".format(...)
        if node.func.attr == "join" and node.args:
            yield from _literals(node.args[0])  # ", ".join(f"{x} for eps = {eps}" for ...): the pieces are shown too
    elif isinstance(node, (ast.List, ast.Tuple)):
        for element in node.elts:
            yield from _literals(element)
    elif isinstance(node, ast.Dict):
        for value in node.values:               # the values; keys are looked up, never shown as such
            yield from _literals(value)
    elif isinstance(node, (ast.ListComp, ast.GeneratorExp)):
        yield from _literals(node.elt)
    elif isinstance(node, ast.DictComp):
        yield from _literals(node.value)   # {label: " and ".join(...) for label in ...}: the values


def placeholder_text(value: ast.FormattedValue) -> str:
    conversion = "" if value.conversion == -1 else "!" + chr(value.conversion)
    spec = ""
    if value.format_spec is not None:
        spec = ":" + "".join(part.value.replace("{", "{{").replace("}", "}}") if isinstance(part, ast.Constant)
                             else placeholder_text(part) for part in value.format_spec.values)
    return "{" + ast.unparse(value.value) + conversion + spec + "}"


def template_of(node: ast.expr) -> tuple[str, tuple]:
    """A literal's template and its placeholders (see the module's docstring)."""
    if isinstance(node, ast.Constant):
        return node.value, ()
    parts, placeholders = [], []
    for part in node.values:
        if isinstance(part, ast.Constant):
            parts.append(part.value.replace("{", "{{").replace("}", "}}"))
        else:
            placeholders.append(placeholder_text(part))
            parts.append(placeholders[-1])
    return "".join(parts), tuple(placeholders)


def _column(line: str, byte_offset: int) -> int:
    """ast's columns count UTF-8 bytes; a cell's text counts characters."""
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8"))


def code_strings(source: str) -> list[CodeString]:
    """The translatable strings of a code cell, in the order they appear."""
    tree = ast.parse(source)
    lines = source.splitlines()
    found = {}
    parents = _parents(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and _held_as_text(node, parents.get(id(node))):
            shown = [node]
        elif isinstance(node, ast.Call):
            shown = list(node.args) if _call_name(node.func) in DISPLAY_CALLS else []
            if (isinstance(node.func, ast.Attribute) and node.func.attr in ("append", "extend", "insert")
                    and SHOWN_NAME.search(ast.unparse(node.func.value).lower())):
                shown += list(node.args)   # rows.append(f"| {name} | ... |"): built up, then shown
            shown += [keyword.value for keyword in node.keywords if keyword.arg in DISPLAY_KEYWORDS]
        elif isinstance(node, ast.FunctionDef) and SHOWN_NAME.search(node.name.lower()):
            # def listed_text(names): return ", ".join(names[:-1]) + " and " + names[-1]: its name says it
            # makes text, so what it returns is shown
            shown = [n.value for n in ast.walk(node) if isinstance(n, ast.Return) and n.value is not None]
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = " ".join(ast.unparse(target) for target in targets).lower()
            shown = [node.value] if SHOWN_NAME.search(names) else []
        else:
            continue
        for argument in shown:
            literals = [(literal, *template_of(literal)) for literal in _literals(argument)]
            # a short word is text when the words it alternates with are: "down" if ... else "up"
            worded = any(has_words(template, placeholders) for _, template, placeholders in literals)
            for literal, template, placeholders in literals:
                if not (has_words(template, placeholders) or (worded and re.fullmatch(r"[a-z]{1,2}", template))):
                    continue
                start = (literal.lineno, _column(lines[literal.lineno - 1], literal.col_offset))
                end = (literal.end_lineno, _column(lines[literal.end_lineno - 1], literal.end_col_offset))
                found[start] = CodeString(template, placeholders, isinstance(literal, ast.JoinedStr), start, end)
    # a literal inside another (a placeholder's expression) is left to the outer one's placeholder text
    spans = sorted(found.values(), key=lambda string: string.start)
    return [string for string in spans
            if not any(other is not string and other.start <= string.start and string.end <= other.end
                       for other in spans)]


# Where a string is a *name*: a dict key or value, an element of a list or tuple, compared, used as an
# index, assigned, or a branch of a conditional. Such a string may be shown later (runs = {"heavy ball":
# ...}, then label=name), and is translated, if its translator says so, everywhere in its notebook at once,
# so that every lookup still finds it, inside f-strings' placeholders too. A string also passed to another
# call (a file name, a keyword such as loc="lower right"), a piece of an f-string's own text, or known to
# the library (which may look it up: "Adam + warmup", "Narrow valley") is never a name; one shown where it
# is written (label="standardized") is a name whose translation is that label's.
NAME_PARENTS = (ast.Dict, ast.List, ast.Tuple, ast.Set, ast.Compare, ast.Subscript, ast.Assign, ast.IfExp)


def name_strings(sources, library_strings) -> list[str]:
    """The names (see NAME_PARENTS) of a notebook's code cells ``sources``, in order of first use."""
    allowed, banned = {}, set(library_strings)
    for source in sources:
        tree = ast.parse(source)
        parents = _parents(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and has_words(node.value)):
                continue
            parent = parents.get(id(node))
            if isinstance(parent, ast.Subscript) and parent.slice is not node:
                parent = None
            if _shown_argument(node, parent):
                continue        # label="heavy ball": shown, and translated where it is (replace_strings)
            # inside an f-string's placeholder, its parent decides as anywhere else (replace_names rewrites
            # that f-string); a piece of an f-string's own text (parent JoinedStr) is never a name
            if isinstance(parent, NAME_PARENTS):
                allowed.setdefault(node.value)
            else:
                banned.add(node.value)
    return [text for text in allowed if text not in banned]


def _shown_argument(node: ast.Constant, parent) -> bool:
    """The string is a title=, label=, ... keyword or an argument of set_title(...) and the like."""
    if isinstance(parent, ast.keyword):
        return parent.arg in DISPLAY_KEYWORDS
    return (isinstance(parent, ast.Call) and _call_name(parent.func) in DISPLAY_CALLS
            and any(argument is node for argument in parent.args))


def replace_names(source: str, names: dict[str, str]) -> str:
    """The cell's source with every string literal that is one of ``names`` (English -> translation)
    written in the other language, inside an f-string's placeholders too ({gaps['heavy ball'][-1]:.1e});
    never a piece of an f-string's own text."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    parents = _parents(tree)

    def inside_fstring(node) -> bool:
        ancestor = parents.get(id(node))
        while ancestor is not None:
            if isinstance(ancestor, ast.JoinedStr):
                return True
            ancestor = parents.get(id(ancestor))
        return False

    edits = []   # (line0, col0, line1, col1, new source), columns in UTF-8 bytes as ast gives them
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names
                and not inside_fstring(node)):
            edits.append((node.lineno, node.col_offset, node.end_lineno, node.end_col_offset,
                          '"' + _escape(names[node.value], '"') + '"'))
        elif isinstance(node, ast.JoinedStr) and not inside_fstring(node):
            renamed = _renamed_fstring(node, names)
            if renamed is not None:
                indent = _column(lines[node.lineno - 1], node.col_offset)
                # one line stays one line: it may not sit inside brackets, where a literal may continue
                width = 100 if node.end_lineno > node.lineno else 10**9
                edits.append((node.lineno, node.col_offset, node.end_lineno, node.end_col_offset,
                              literal_source(renamed, renamed.template, indent, width)))
    for line0, col0, line1, col1, new in sorted(edits, reverse=True):
        start = _column(lines[line0 - 1], col0)
        end = _column(lines[line1 - 1], col1)
        lines[line0 - 1:line1] = [lines[line0 - 1][:start] + new + lines[line1 - 1][end:]]
    result = "".join(lines)
    ast.parse(result)
    return result


def _renamed_fstring(fstring: ast.JoinedStr, names: dict[str, str]) -> CodeString | None:
    """The f-string with the names in its placeholders' expressions translated, as a CodeString whose
    template is its whole text; None when no placeholder holds a name."""
    class Rename(ast.NodeTransformer):
        def visit_Constant(self, node):
            return ast.Constant(names[node.value]) if isinstance(node.value, str) and node.value in names else node

    renamed = Rename().visit(copy.deepcopy(fstring))
    # the pieces of the f-string's own text (and of its format specs) are Constants too, but sit
    # directly in a JoinedStr: put them back as they were
    for old, new in zip(ast.walk(fstring), ast.walk(renamed)):
        if isinstance(old, ast.JoinedStr):
            new.values = [o if isinstance(o, ast.Constant) else n for o, n in zip(old.values, new.values)]
    template, placeholders = template_of(renamed)
    if template == template_of(fstring)[0]:
        return None
    return CodeString(template, placeholders, True, (fstring.lineno, 0), (fstring.end_lineno, 0))


def _held_as_text(fstring: ast.JoinedStr, parent) -> bool:
    """An f-string kept to be shown later: an element of a list or tuple, a dict's value, a branch
    of a conditional, or assigned (labels = (f"{epochs} epochs", ...)). Not one used to look
    something up (a dict's key, an index, compared), which must stay as the code builds it."""
    if isinstance(parent, ast.Dict):
        return any(value is fstring for value in parent.values)
    if isinstance(parent, ast.DictComp):
        return parent.value is fstring   # {(b, c): f"$\\beta_2$ = {b}, ..." for ...}: a label for each key
    return isinstance(parent, (ast.List, ast.Tuple, ast.IfExp, ast.Assign))


# A comment is translated, one line for one line, when it holds an English word; not a tool's
# (# noqa, # type: ignore, # pragma) nor a worksheet's marker (### BEGIN SOLUTION), which programs read
TOOL_COMMENT = re.compile(r"#+\s*(?:noqa|type:|pragma|fmt:)|###")


def code_comments(source: str) -> list[tuple[int, int, str]]:
    """(line from 1, column, text) of each translatable comment of a code cell; the text is what
    follows the # and its spaces."""
    try:
        found = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    comments = []
    for token in found:
        if token.type == tokenize.COMMENT and not TOOL_COMMENT.match(token.string):
            text = token.string.lstrip("#").strip()
            if has_words(text):
                comments.append((token.start[0], token.start[1], text))
    return comments


def replace_comments(source: str, translations: dict[str, str]) -> str:
    """The cell's source with each comment that ``translations`` has (English -> translation) in
    the other language; the code around it is untouched."""
    lines = source.splitlines(keepends=True)
    for line, column, text in reversed(code_comments(source)):
        if text not in translations:
            continue
        old = lines[line - 1]
        ending = old[len(old.rstrip("\r\n")):]
        hashes = old[column:len(old) - len(old[column:].lstrip("#"))]   # "#", or "##" where the English has it
        lines[line - 1] = old[:column] + hashes + " " + translations[text] + ending
    return "".join(lines)


class TranslationError(ValueError):
    pass


def tokens(template: str, placeholders) -> list[str]:
    """A template cut into literal text (with its braces still doubled) and placeholders, read
    left to right as Python reads an f-string: ``{{`` and ``}}`` are braces, a lone ``{`` opens one
    of ``placeholders`` (the English template's). Raises TranslationError on anything else."""
    known = sorted(set(placeholders), key=len, reverse=True)
    pieces, literal, i = [], [], 0
    while i < len(template):
        if template.startswith(("{{", "}}"), i):
            literal.append(template[i:i + 2])
            i += 2
        elif template[i] == "{":
            match = next((p for p in known if template.startswith(p, i)), None)
            if match is None:
                shown = template[i:i + 40]
                raise TranslationError(f"{shown!r} is not one of the English placeholders "
                                       f"({', '.join(known) or 'there are none'}); a brace that is text is written {{{{ or }}}}")
            pieces += ["".join(literal), match]
            literal = []
            i += len(match)
        elif template[i] == "}":
            raise TranslationError(f"a lone }} at {template[max(0, i - 30):i + 1]!r}: a brace that is text is written }}}}")
        else:
            literal.append(template[i])
            i += 1
    pieces.append("".join(literal))
    return pieces


def is_word_choice(placeholder: str) -> bool:
    """A placeholder that only picks between words, {'s' if n != 1 else ''}: a language without
    plurals, or with the words elsewhere, may leave it out."""
    inside = placeholder[1:-1]
    for candidate in (inside, inside.rsplit(":", 1)[0], re.sub(r"![rsa]$", "", inside.rsplit(":", 1)[0])):
        try:
            expression = ast.parse(candidate, mode="eval").body
            break
        except SyntaxError:
            continue
    else:
        return False
    return (isinstance(expression, ast.IfExp) and all(isinstance(branch, ast.Constant) and isinstance(branch.value, str)
                                                      for branch in (expression.body, expression.orelse)))


def check_placeholders(english: CodeString, translation: str) -> None:
    """A translated f-string template must keep every placeholder of the English one (a word
    choice may go, see is_word_choice), and add none."""
    found = set(tokens(translation, english.placeholders)[1::2])
    missing = sorted(p for p in set(english.placeholders) - found if not is_word_choice(p))
    if missing:
        raise TranslationError(f"the translation leaves out the placeholder{'s' * (len(missing) > 1)} "
                               f"{', '.join(missing)}: keep every {{...}} of the English exactly")


def literal_source(string: CodeString, translation: str, indent: int, width: int = 100) -> str:
    """Python source of a literal that shows ``translation`` (a template in the sense above):
    an f-string when the English was one, split into adjacent literals on lines of at most
    about ``width`` characters, continued at column ``indent``."""
    if string.is_fstring:
        check_placeholders(string, translation)
        # placeholders are written as they are: an expression inside may hold either quote
        inside = "".join(string.placeholders)
        quote = '"' if '"' not in inside else "'"
        if quote in inside:
            raise TranslationError(f"the placeholders use both kinds of quote: {inside}")
        pieces = tokens(translation, string.placeholders)   # literal, placeholder, literal, ...
        escaped = "".join(piece if k % 2 else _escape(piece, quote) for k, piece in enumerate(pieces))
        prefix = "f"
    else:
        quote = '"'
        escaped = _escape(translation, quote)
        prefix = ""
    chunks = _split(escaped, width, string.placeholders)
    separator = "\n" + " " * indent
    return separator.join(f"{prefix}{quote}{chunk}{quote}" for chunk in chunks)


def _escape(text: str, quote: str) -> str:
    return (text.replace("\\", "\\\\").replace(quote, "\\" + quote).replace("\n", "\\n")
            .replace("\t", "\\t").replace("\r", "\\r"))


def _split(escaped: str, width: int, placeholders) -> list[str]:
    """Cut an escaped literal into chunks of about ``width`` characters, never inside a
    placeholder or an escape, preferably after a newline escape or a space."""
    chunks, start = [], 0
    protected = [(m.start(), m.end()) for p in set(placeholders) for m in re.finditer(re.escape(p), escaped)]
    while len(escaped) - start > width:
        cut = None
        for candidate in range(start + width, start + width // 2, -1):
            if escaped[candidate - 2:candidate] == "\\n" or escaped[candidate - 1] in " ，。；：":
                cut = candidate
                break
        cut = cut or start + width
        while (any(a < cut < b for a, b in protected) or _inside_escape(escaped, cut)) and cut < len(escaped):
            cut += 1
        if cut >= len(escaped):
            break
        chunks.append(escaped[start:cut])
        start = cut
    chunks.append(escaped[start:])
    return chunks


def _inside_escape(text: str, cut: int) -> bool:
    """True if cutting at ``cut`` would separate a backslash from what it escapes."""
    backslashes = 0
    while cut - 1 - backslashes >= 0 and text[cut - 1 - backslashes] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def replace_strings(source: str, translations: dict[str, str]) -> str:
    """The cell's source with each translatable string that ``translations`` has
    (template -> translated template) written in the other language."""
    lines = source.splitlines(keepends=True)
    for string in reversed(code_strings(source)):   # from the end: earlier positions stay valid
        if string.template not in translations:
            continue
        (line0, col0), (line1, col1) = string.start, string.end
        indent = col0
        new = literal_source(string, translations[string.template], indent)
        before = lines[line0 - 1][:col0]
        after = lines[line1 - 1][col1:]
        lines[line0 - 1:line1] = [before + new + after]
    result = "".join(lines)
    ast.parse(result)   # a translation must never make the cell invalid
    return result


__all__ = ["DISPLAY_CALLS", "DISPLAY_KEYWORDS", "CodeString", "has_words", "template_of", "code_strings",
           "name_strings", "replace_names", "code_comments", "replace_comments",
           "TranslationError", "tokens", "check_placeholders", "literal_source", "replace_strings"]
