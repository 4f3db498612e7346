"""Run the `sicca` command in-process and collect exit code, stdout and stderr."""

from __future__ import annotations

import pytest

from sicca.cli.app import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit code (0 when main returns), stdout, stderr."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
        raise SystemExit(0)
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err
