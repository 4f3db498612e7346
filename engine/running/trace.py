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
    firings: list[Firing]
    derived: set[str] = field(default_factory=set)

    def canonical(self) -> tuple[tuple[Firing, ...], tuple[str, ...]]:
        """Order-free form used to compare backends."""
        return tuple(sorted(self.firings)), tuple(sorted(self.derived))
