"""The one text renderer of the `sicca` commands: consoles, escaping, width policy, layouts.

Every command prints through an :class:`Out` (from :func:`out`) and :func:`err`; no other
module creates a rich Console.

- **Escaping.** User strings (labels, ids, paths, values, notes, citations) are never read as
  rich markup: a line is built from *parts*, each a plain ``str`` (printed as it is, ``[/]``
  included) or a ``(str, style)`` pair, into a :class:`rich.text.Text`. Emoji codes are off, so
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

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:  # rich's tables and trees load when a command prints one (cheap start-up)
    from rich.tree import Tree

#: A piece of a line: plain text (never markup), text with a rich style, or a ready Text.
Part = str | tuple[str, str] | Text

#: A table cell: one part, or several joined.
Cell = Part | Sequence[Part]

#: Space between columns in plain tables.
GAP = "  "

#: Stacked tables: indent of a row's `column: value` lines, and what separates the pairs.
INDENT, SEP = "   ", " · "

#: A width no table reaches (to measure a table's natural widths).
UNLIMITED = 1_000_000


def text(*parts: Part) -> Text:
    """One line from parts; a ``str`` is printed as written (``[b]`` is not markup)."""
    out = Text()
    for p in parts:
        if isinstance(p, Text):
            out.append_text(p)
        elif isinstance(p, tuple):
            out.append(p[0], style=p[1])
        else:
            out.append(p)
    return out


def join(items: Iterable[Part], sep: str = ", ") -> Text:
    """Parts joined by ``sep`` (a plain separator)."""
    out = Text()
    for i, p in enumerate(items):
        if i:
            out.append(sep)
        out.append_text(text(p))
    return out


def _cell(c: Cell) -> Text:
    if isinstance(c, str | tuple | Text):
        return text(c)
    return text(*c)


@dataclass
class Node:
    """A tree node: its label and its children, in order."""

    label: Text
    children: list[Node] = field(default_factory=list)

    def add(self, *parts: Part) -> Node:
        child = Node(text(*parts))
        self.children.append(child)
        return child


def _console(file: TextIO | None, stderr: bool = False) -> Console:
    # built per command, so COLUMNS and the stream in use at that moment count
    return Console(file=file, stderr=stderr, emoji=False, highlight=False, markup=False)


class Out:
    """Standard output of one command: terminal layout or plain text (see the module doc)."""

    def __init__(self, file: TextIO | None = None) -> None:
        self.console = _console(file)
        self.terminal = self.console.is_terminal

    def _write(self, s: str) -> None:
        self.console.file.write(s + "\n")

    # --- lines ---------------------------------------------------------------------------

    def line(self, *parts: Part) -> None:
        """A line of text; the terminal layout wraps it at words, the plain one never."""
        t = text(*parts)
        if self.terminal:
            self.console.print(t)
        else:
            self._write(t.plain)

    def block(self, s: str) -> None:
        """Preformatted text (an error excerpt with its caret): printed as it is, unwrapped."""
        if self.terminal:
            self.console.print(Text(s), soft_wrap=True)
        else:
            self._write(s)

    def header(self, *parts: Part) -> None:
        """A section header (one per timepoint, say)."""
        t = text(*parts)
        if self.terminal:
            self.console.rule(t)
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

        t = Table(title=head, title_justify="left", expand=False, box=box.SIMPLE_HEAD,
                  show_edge=False, pad_edge=False)
        for col in columns:
            t.add_column(col, overflow="fold", justify="right" if col in right else "left")
        for r in cells:
            t.add_row(*r)
        # measured without a width limit: its minimum is then the sum of the longest words
        unlimited = self.console.options.update_width(UNLIMITED)
        if Measurement.get(self.console, unlimited, t).minimum > self.console.width:
            self._stacked(head, columns, cells)
        else:
            self.console.print(t)

    def _stacked(self, title: Text | None, columns: Sequence[str],
                 cells: list[list[Text]]) -> None:
        # one block per row: its first cell, then `column: value` pairs packed into lines
        # (a pair is split only when it alone is wider than the line)
        if title is not None:
            self.console.print(text((title.plain, "bold")))
        from rich.padding import Padding

        room = self.console.width - len(INDENT)
        for r in cells:
            self.console.print(text(" ", (r[0].plain, "bold") if r else ""))
            lines: list[list[Text]] = []
            for col, c in zip(columns[1:], r[1:], strict=False):
                if not c.plain:
                    continue
                pair = text((f"{_one_line(col)}: ", "dim"), c)
                if lines and join([*lines[-1], pair], SEP).cell_len <= room:
                    lines[-1].append(pair)
                else:
                    lines.append([pair])
            for line in lines:
                self.console.print(Padding(join(line, SEP), (0, 0, 0, len(INDENT))))

    def _plain_table(self, title: Text | None, columns: Sequence[str],
                     cells: list[list[Text]], right: Sequence[str]) -> None:
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

    node = Tree(n.label) if into is None else into.add(n.label)
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
    err().print(text(*parts), soft_wrap=True)
