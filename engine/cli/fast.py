"""The console entry point, and a fast path for the everyday `sicca score CASE [options]`.

Building the typer command tree costs more than scoring a case (typer makes a pydantic
TypeAdapter per parameter and imports every command module), so a plain ``score`` command
line is read here, without typer, and run by the same body as the typer command
(``sicca.cli.plain.score``) with the same error mapping (a Sicca error is its message and exit
code 2, Ctrl-C is "Interrupted." and 130). Only the simple forms are read here: anything else
(help, a repeated or unknown option, a missing value, a value starting with ``-``, ``--``, a bad
``--format``) goes to typer, which reports it as it always has.
"""

from __future__ import annotations

import gc
import os
import sys
import types
from pathlib import Path
from typing import Any

#: options of `sicca score` that take a value: (destination, repeatable)
_VALUED = {"--format": ("format", False), "-f": ("format", False),
           "--engine": ("engine", False), "--rules": ("rules", True),
           "--option": ("option", True), "-O": ("option", True),
           "--timepoint": ("timepoint", True), "-t": ("timepoint", True)}
_FORMATS = ("table", "json")


def parse_score(argv: list[str]) -> dict[str, Any] | None:
    """The options of a plain ``score CASE ...`` command line, or None (typer reads it)."""
    if not argv or argv[0] != "score":
        return None
    got: dict[str, Any] = {"case": None, "format": "table", "engine": "durable", "rules": [],
                           "option": [], "timepoint": [], "detail": False}
    seen: set[str] = set()
    args = argv[1:]
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--detail":
            if "detail" in seen:
                return None
            seen.add("detail")
            got["detail"] = True
            i += 1
            continue
        name, eq, value = a.partition("=") if a.startswith("--") else (a, "", "")
        if name in _VALUED:
            if not eq:
                if i + 1 >= len(args):
                    return None
                value = args[i + 1]
                i += 1
            dest, many = _VALUED[name]
            if value.startswith("-") or (not many and dest in seen) or \
                    "\x00" in value or (dest == "rules" and not value):
                return None
            seen.add(dest)
            if many:
                got[dest].append(Path(value) if dest == "rules" else value)
            else:
                got[dest] = value
            i += 1
            continue
        if a.startswith("-") or got["case"] is not None or not a or "\x00" in a:
            return None  # an unknown option, `--`, a second argument: typer's to report
        got["case"] = a
        i += 1
    if got["case"] is None or got["format"] not in _FORMATS:
        return None
    return got


def run_fast(argv: list[str]) -> bool:
    """Run ``argv`` here if it is a plain `sicca score` (then True; an error exits)."""
    got = parse_score(argv)
    if got is None:
        return False
    # no pydantic plugins in a command (typer, which runs the others, disables them too): their
    # discovery reads every installed distribution's entry points on the first model (~20 ms)
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    _no_plugin_loader()
    # one case, scored once: the cyclic garbage collector would only walk the ~300 modules'
    # objects again and again while they load (~3 % of the command); reference counting still
    # frees everything that is not a cycle, and the collector is back on when the command ends
    enabled = gc.isenabled()
    gc.disable()
    from sicca.base.errors import SiccaError
    from sicca.cli.plain import score

    try:
        score(Path(got["case"]), got["format"] == "json", got["engine"], got["rules"],
              got["option"], got["timepoint"], got["detail"])
    except SiccaError as err:
        sys.stderr.write(f"{err}\n")
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        sys.exit(130)
    finally:
        if enabled:
            gc.enable()
    return True


def _no_plugin_loader() -> None:
    """With plugins disabled, pydantic's plugin loader returns no plugins; the module itself,
    though, imports importlib.metadata (email, zipfile, csv…: ~3 % of `sicca score`). So a
    stand-in that returns the same nothing is put in its place, before pydantic loads it; it
    is not put there when plugins are enabled or the real loader is already imported, and it
    hands over to the real loader should plugins be enabled again later in the process."""
    if _LOADER in sys.modules or not _plugins_disabled():
        return
    stub = types.ModuleType(_LOADER, "sicca.cli.fast: pydantic plugins are disabled")
    stub.get_plugins = _get_plugins  # type: ignore[attr-defined]
    sys.modules[_LOADER] = stub


_LOADER = "pydantic.plugin._loader"


def _plugins_disabled() -> bool:
    # the values for which pydantic's own get_plugins returns no plugins
    return os.environ.get("PYDANTIC_DISABLE_PLUGINS") in ("__all__", "1", "true")


def _get_plugins() -> Any:
    if _plugins_disabled():
        return ()
    import importlib

    sys.modules.pop(_LOADER, None)
    return importlib.import_module(_LOADER).get_plugins()


def main(argv: list[str] | None = None) -> None:
    """Console entry point (`sicca`, `python -m sicca`): the fast path, else the typer app."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if run_fast(args):
            if argv is None:
                _exit_now()
            return
        from sicca.cli.app import main as typer_main

        typer_main(args, fast=False)
    except BrokenPipeError:
        # the reader went away (`sicca score x | head`): stop quietly, as a Unix tool does;
        # stdout goes to devnull so that the interpreter's last flush does not raise again
        # (the recipe of Python's signal module documentation)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)


def _exit_now() -> None:
    """End the process of a finished command at once (exit code 0): the interpreter's own
    shutdown would collect and free every object of the ~300 loaded modules one by one (~3 %
    of a `sicca score`), which the operating system does at once. Output is flushed first; when
    that fails (a closed pipe), or a coverage tracer must write its data at exit, the normal
    shutdown runs instead, with its usual reporting."""
    if "coverage" in sys.modules:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(0)
