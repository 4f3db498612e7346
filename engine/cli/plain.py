"""What commands share that needs neither typer nor rich: option pairs, JSON text, the API
session, and the body of `sicca score` (run by the typer command and by sicca.cli.fast)."""

from __future__ import annotations

import sys
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sicca.base import jsonenc
from sicca.base.errors import InputError, Problem

if TYPE_CHECKING:
    from sicca.api import Session
    from sicca.running.evaluate import Sicca


def parse_pairs(pairs: list[str] | None, flag: str) -> dict[str, str]:
    """``NAME=VALUE`` arguments of ``flag`` as a dict; anything else is a located E123."""
    out: dict[str, str] = {}
    for p in pairs or []:
        if "=" not in p:
            raise InputError(Problem(f"'{p}' is not NAME=VALUE", field=flag, code="E123",
                                     expected="NAME=VALUE", found=p))
        k, v = p.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def dumps(data: Any) -> str:
    """JSON as the commands print it (two-space indent, exact Decimals)."""
    return jsonenc.dumps(data, indent=2)


#: the last few sessions of this process, by what they were made from: a process that runs
#: many commands (a test suite, a notebook calling ``main``) loads unchanged rules once. The
#: key holds the content fingerprint of every rule file and the cache directory, so an edited
#: rule file, or another cache, is a new session; a one-shot command never sees it.
_SESSIONS: OrderedDict[tuple[str, tuple[str, ...], str, str], Session] = OrderedDict()
_KEEP = 4


def get_session(engine: str, rules: list[Path] | None) -> Session:
    """The API session of a command: ``--engine`` checked, rule files read through the cache."""
    from sicca.api import load
    from sicca.base.diskcache import cache_dir, fingerprint
    from sicca.base.paths import RULES_DIR

    packs: list[str | Path] = list(rules or [])
    where = (engine, tuple(str(Path(p).resolve()) for p in packs))
    if not _SESSIONS:  # the first command of the process: nothing to find, no fingerprint twice
        session = load(packs, engine)
        _SESSIONS[where + (session.fingerprint, str(cache_dir()))] = session
        return session
    key = where + (fingerprint([RULES_DIR] + [Path(p) for p in packs]), str(cache_dir()))
    found = _SESSIONS.get(key)
    if found is not None:
        _SESSIONS.move_to_end(key)
        return found
    session = load(packs, engine)
    _SESSIONS[key] = session
    while len(_SESSIONS) > _KEEP:
        _SESSIONS.popitem(last=False)
    return session


def get_sicca(engine: str, rules: list[Path] | None) -> Sicca:
    """The compiled rules of a command's ``--engine`` and ``--rules``."""
    return get_session(engine, rules).sicca


def echo(message: str) -> None:
    """One line on stdout (as ``typer.echo`` writes it)."""
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def score(case: Path, as_json: bool, engine: str, rules: list[Path] | None,
          option: list[str] | None, timepoint: list[str] | None, detail: bool) -> None:
    """`sicca score`: the report as JSON, or the text views (sicca.cli.views)."""
    session = get_session(engine, rules)
    typed = session.score(case, parse_pairs(option, "--option"), timepoints=timepoint or None)
    if as_json:
        echo(dumps(typed.dump_json()))
        return
    from sicca.cli import render
    from sicca.cli.views import Names, score_report

    score_report(render.out(), typed.dump(), detail, Names.of(session.sicca))
