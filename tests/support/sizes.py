"""How big the slow suite's heavy tests are: one env knob per test family (issue 10).

The full suite must fit ten minutes on a 2-core machine, so each heavy property or stress test
runs a default size that fits that budget, and an environment variable runs the size its issue
asks for (README "Running the tests" lists them). The defaults are written beside each knob with
the CPU time they cost, measured on the 2-core machine, so that a reader sees what was traded.
"""

from __future__ import annotations

import os


def size(knob: str, default: int) -> int:
    """The number of inputs a heavy test runs: ``$knob`` if set (a positive whole number),
    otherwise ``default``."""
    text = os.environ.get(knob, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) <= 0:
        raise ValueError(f"{knob}={text!r}: expected a positive whole number of inputs")
    return int(text)
