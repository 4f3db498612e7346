""""Did you mean …?": the closest known name to a misspelt one, worded the same everywhere."""

from __future__ import annotations

from collections.abc import Iterable

CUTOFF = 0.6  # difflib's default similarity: below it a guess misleads more than it helps


def closest(word: str, pool: Iterable[str], cutoff: float = CUTOFF) -> str | None:
    """The name in ``pool`` most like ``word`` (difflib ratio >= ``cutoff``), or None."""
    import difflib  # only when a name is misspelt: not on the way to a score

    hit = difflib.get_close_matches(word, list(pool), n=1, cutoff=cutoff)
    return hit[0] if hit else None


def did_you_mean(word: str, pool: Iterable[str], cutoff: float = CUTOFF) -> str | None:
    """``"did you mean 'x'?"`` for the closest name in ``pool``, or None."""
    return phrase(closest(word, pool, cutoff))


def phrase(hit: str | None) -> str | None:
    """The hint for a known guess: ``"did you mean 'x'?"`` (None stays None)."""
    return f"did you mean '{hit}'?" if hit is not None else None
