"""What a backend returns for one visit: firings and the concluded fact ids."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Firing:
    """Rule ``rule`` (index in the program), branch ``branch``, matched fact ids in order."""

    rule: int
    branch: int
    matched: tuple[str, ...]


@dataclass
class RawResult:
    """``firings``/``derived``: what definitely fired and is definitely concluded (every literal
    true). ``possible_firings``/``possible``: what fired with some literal unknown (a censored
    value its interval does not decide), and the conclusions only those firings give; empty
    when the visit has no censored value."""

    firings: list[Firing]
    derived: set[str] = field(default_factory=set)
    possible: set[str] = field(default_factory=set)
    possible_firings: list[Firing] = field(default_factory=list)

    def canonical(self) -> tuple[tuple[Firing, ...], tuple[str, ...], tuple[Firing, ...],
                                 tuple[str, ...]]:
        """Order-free form used to compare backends."""
        return (tuple(sorted(self.firings)), tuple(sorted(self.derived)),
                tuple(sorted(self.possible_firings)), tuple(sorted(self.possible)))
