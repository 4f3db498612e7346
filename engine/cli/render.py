"""The one text renderer of the `sicca` commands: consoles, escaping, width policy, layouts.

Every command prints through an :class:`Out` (from :func:`out`) and :func:`err`; no other
module creates a rich Console.

- **Escaping.** User strings (labels, ids, paths, values, notes, citations) are never read as
  rich markup: a line is built from *parts*, each a plain ``str`` (printed as it is, ``[/]``
  included) or a ``(str, style)`` pair, into a :class:`Line` (a :class:`rich.text.Text` on a
  terminal; rich is not imported for plain output). Emoji codes are off, so
  ``rules.yaml:100:5`` stays as written.
- **Terminal** (stdout is a tty, or ``TTY_COMPATIBLE=1`` / ``FORCE_COLOR`` say so): tables and
  trees fit the terminal's width (``COLUMNS`` if set). Cells wrap, never crop: every column
  folds, and a table that cannot fit without breaking its longest words is stacked (one block
  per row: the first cell, then ``column: value`` lines), so numbers and ids stay whole.
- **Pipe or file** (anything else): plain text, no ANSI codes, no box drawing, nothing wrapped
  or cropped. A table is a title line, a header line and one line per row (columns aligned with
  two spaces); a tree is indented by two spaces per level; a header is ``== title ==``. The
  layout is stable, so it can be grepped.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # rich loads when a terminal is written to: plain output never needs it
    from rich.console import Console
    from rich.text import Text
    from rich.tree import Tree


class Line:
    """A line being built: its parts in order, each ``(text, style or None)`` or a rich Text.
    Plain output reads :attr:`plain`; a terminal gets the same rich Text the parts make
    (:meth:`rich`). Control codes are dropped from text parts as rich drops them."""

    __slots__ = ("parts",)

    def __init__(self) -> None:
        self.parts: list[tuple[str, str | None] | Text] = []

    def append(self, s: str, style: str | None = None) -> None:
        if not isinstance(s, str):
            raise TypeError("Only str or Text can be appended to Text")  # as rich says it
        if s:
            self.parts.append((s.translate(_CONTROL_STRIP), style))

    def append_line(self, other: Line) -> None:
        self.parts.extend(other.parts)

    @property
    def plain(self) -> str:
        return "".join(p[0] if isinstance(p, tuple) else p.plain for p in self.parts)

    @property
    def cell_len(self) -> int:
        from rich.cells import cell_len

        return cell_len(self.plain)

    def rich(self) -> Text:
        from rich.text import Text

        out = Text()
        for p in self.parts:
            if isinstance(p, tuple):
                out.append(p[0], style=p[1])
            else:
                out.append_text(p)
        return out


#: what rich.text.Text.append strips from text (rich.control.STRIP_CONTROL_CODES)
_CONTROL_STRIP: dict[int, None] = {7: None, 8: None, 11: None, 12: None, 13: None}

#: A piece of a line: plain text (never markup), text with a rich style, or a ready line.
Part = str | tuple[str, str] | Line

#: A table cell: one part, or several joined.
Cell = Part | Sequence[Part]

#: Space between columns in plain tables.
GAP = "  "

#: Stacked tables: indent of a row's `column: value` lines, and what separates the pairs.
INDENT, SEP = "   ", " · "

#: A width no table reaches (to measure a table's natural widths).
UNLIMITED = 1_000_000


def text(*parts: Part | Text) -> Line:
    """One line from parts; a ``str`` is printed as written (``[b]`` is not markup)."""
    out = Line()
    for p in parts:
        if isinstance(p, Line):
            out.append_line(p)
        elif isinstance(p, tuple):
            out.append(p[0], style=p[1])
        elif isinstance(p, str):
            out.append(p)
        else:  # a rich Text made by the caller
            out.parts.append(p)
    return out


def join(items: Iterable[Part], sep: str = ", ") -> Line:
    """Parts joined by ``sep`` (a plain separator)."""
    out = Line()
    for i, p in enumerate(items):
        if i:
            out.append(sep)
        out.append_line(text(p))
    return out


def _cell(c: Cell) -> Line:
    if isinstance(c, str | tuple | Line):
        return text(c)
    return text(*c)


@dataclass
class Node:
    """A tree node: its label and its children, in order."""

    label: Line
    children: list[Node] = field(default_factory=list)

    def add(self, *parts: Part) -> Node:
        child = Node(text(*parts))
        self.children.append(child)
        return child


def _console(file: TextIO | None, stderr: bool = False) -> Console:
    # built per command, so COLUMNS and the stream in use at that moment count
    from rich.console import Console

    return Console(file=file, stderr=stderr, emoji=False, highlight=False, markup=False)


def _stream(file: TextIO | None) -> Any:
    """The stream a Console on ``file`` writes to (as rich's ``Console.file`` finds it)."""
    f = file or sys.stdout
    return getattr(f, "rich_proxied_file", f)


def _surely_plain(file: TextIO | None) -> bool:
    """True when rich would find no terminal behind ``file`` whatever else it checks: not a
    tty, and neither TTY_COMPATIBLE nor FORCE_COLOR set (then rich is not even imported)."""
    if "TTY_COMPATIBLE" in os.environ or "FORCE_COLOR" in os.environ:
        return False
    isatty = getattr(_stream(file), "isatty", None)
    try:
        return isatty is None or not isatty()
    except ValueError:
        return True


class Out:
    """Standard output of one command: terminal layout or plain text (see the module doc)."""

    def __init__(self, file: TextIO | None = None) -> None:
        self._file = file
        self._console: Console | None = None
        self.terminal = False if _surely_plain(file) else self.console.is_terminal

    @property
    def console(self) -> Console:
        """The rich console of the terminal layout (made on first use)."""
        if self._console is None:
            self._console = _console(self._file)
        return self._console

    @console.setter
    def console(self, value: Console) -> None:
        self._console = value

    def _write(self, s: str) -> None:
        stream = self._console.file if self._console is not None else _stream(self._file)
        stream.write(s + "\n")

    # --- lines ---------------------------------------------------------------------------

    def line(self, *parts: Part) -> None:
        """A line of text; the terminal layout wraps it at words, the plain one never."""
        t = text(*parts)
        if self.terminal:
            self.console.print(t.rich())
        else:
            self._write(t.plain)

    def block(self, s: str) -> None:
        """Preformatted text (an error excerpt with its caret): printed as it is, unwrapped."""
        if self.terminal:
            from rich.text import Text

            self.console.print(Text(s), soft_wrap=True)
        else:
            self._write(s)

    def header(self, *parts: Part) -> None:
        """A section header (one per timepoint, say)."""
        t = text(*parts)
        if self.terminal:
            self.console.rule(t.rich())
        else:
            self._write(f"== {t.plain} ==")

    # --- tables --------------------------------------------------------------------------

    def table(self, title: Part | None, columns: Sequence[str], rows: Sequence[Sequence[Cell]],
              right: Sequence[str] = ()) -> None:
        """A table; ``right`` names columns aligned right (numbers)."""
        cells = [[_cell(c) for c in r] for r in rows]
        head = None if title is None else text(title)
        if not self.terminal:
            self._plain_table(head, columns, cells, right)
            return
        from rich import box
        from rich.measure import Measurement
        from rich.table import Table

        t = Table(title=None if head is None else head.rich(), title_justify="left",
                  expand=False, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for col in columns:
            t.add_column(col, overflow="fold", justify="right" if col in right else "left")
        for r in cells:
            t.add_row(*(c.rich() for c in r))
        # measured without a width limit: its minimum is then the sum of the longest words
        unlimited = self.console.options.update_width(UNLIMITED)
        if Measurement.get(self.console, unlimited, t).minimum > self.console.width:
            self._stacked(head, columns, cells)
        else:
            self.console.print(t)

    def _stacked(self, title: Line | None, columns: Sequence[str],
                 cells: list[list[Line]]) -> None:
        # one block per row: its first cell, then `column: value` pairs packed into lines
        # (a pair is split only when it alone is wider than the line)
        if title is not None:
            self.console.print(text((title.plain, "bold")).rich())
        from rich.padding import Padding

        room = self.console.width - len(INDENT)
        for r in cells:
            self.console.print(text(" ", (r[0].plain, "bold") if r else "").rich())
            lines: list[list[Line]] = []
            for col, c in zip(columns[1:], r[1:], strict=False):
                if not c.plain:
                    continue
                pair = text((f"{_one_line(col)}: ", "dim"), c)
                if lines and join([*lines[-1], pair], SEP).cell_len <= room:
                    lines[-1].append(pair)
                else:
                    lines.append([pair])
            for line in lines:
                self.console.print(Padding(join(line, SEP).rich(), (0, 0, 0, len(INDENT))))

    def _plain_table(self, title: Line | None, columns: Sequence[str],
                     cells: list[list[Line]], right: Sequence[str]) -> None:
        if title is not None:
            self._write(title.plain)
        grid = [[_one_line(c) for c in columns]] + [[_one_line(c.plain) for c in r]
                                                    for r in cells]
        widths = [max(len(r[i]) for r in grid if i < len(r)) for i in range(len(columns))]
        for r in grid:
            out = [c.rjust(w) if col in right else c.ljust(w)
                   for c, w, col in zip(r, widths, columns, strict=False)]
            self._write(GAP.join(out).rstrip())

    # --- trees ---------------------------------------------------------------------------

    def tree(self, root: Node) -> None:
        """A tree: rich guides on a terminal, two spaces per level in plain text."""
        if self.terminal:
            self.console.print(_rich_tree(root))
            return

        def walk(n: Node, depth: int) -> None:
            self._write("  " * depth + _one_line(n.label.plain))
            for c in n.children:
                walk(c, depth + 1)

        walk(root, 0)


def _one_line(s: str) -> str:
    return " ".join(s.split("\n"))


def _rich_tree(n: Node, into: Tree | None = None) -> Tree:
    from rich.tree import Tree

    label = n.label.rich()
    node = Tree(label) if into is None else into.add(label)
    for c in n.children:
        _rich_tree(c, node)
    return node


def out() -> Out:
    """Standard output for the command being run."""
    return Out(sys.stdout)


def err() -> Console:
    """Standard error (messages, progress bars): markup and emoji codes off, like stdout."""
    return _console(sys.stderr)


def err_line(*parts: Part) -> None:
    """One message on standard error; never cropped or wrapped by rich."""
    err().print(text(*parts).rich(), soft_wrap=True)
