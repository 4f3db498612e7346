"""Steps for any rule set, a pack's included: the facts a visit's rules concluded, the rules that
fired.

A pack's conclusions that no instrument reads never reach the score report; these steps read
them from the evaluation itself. The visit is built with the visit steps
(sicca.testing.steps.activity) and evaluated at its last timepoint on every backend; the two
must conclude the same facts before any expectation is checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pytest_bdd import parsers, then, when

from sicca.running.evaluate import Evaluation, Sicca
from sicca.testing.steps.activity import Visits


@dataclass
class Evaluated:
    """The last timepoint's evaluation (identical on every backend)."""

    evaluation: Evaluation

    def values(self, name: str) -> list[str]:
        return sorted(_word(v) for v in self.evaluation.values(name))

    def show(self) -> str:
        got = {n: self.values(n) for n in sorted(self.evaluation.derived)}
        return f"concluded: {got}; fired: {sorted(self.evaluation.fired_rules())}"


def _word(v: Decimal | str) -> str:
    if isinstance(v, Decimal):
        return str(int(v)) if v == v.to_integral_value() else str(v.normalize())
    return v


def evaluate(siccas: dict[str, Sicca], visits: Visits) -> Evaluated:
    """Evaluate the visits' last timepoint on every backend; the conclusions must agree."""
    from sicca.base.yamlsrc import parse_text
    from sicca.records.models import parse_case

    got: dict[str, Evaluation] = {}
    for engine, sicca in siccas.items():
        case = parse_case(parse_text(visits.text(), "<scenario>.yaml"), sicca.catalogue)
        got[engine] = sicca.evaluate(case, case.timepoints[-1], visits.options)
    first, *others = [
        ({n: sorted(map(_word, ev.values(n))) for n in ev.derived}, ev.fired_rules())
        for ev in got.values()]
    for other in others:
        assert other == first, "the durable and native backends disagree"
    return Evaluated(next(iter(got.values())))


# --- evaluating ----------------------------------------------------------------------------

@when("the visit is evaluated", target_fixture="evaluated")
def _(visits: Visits, siccas: dict[str, Sicca]) -> Evaluated:
    """Run the rules (bundled and packs) on the visit's last timepoint, on every backend.

    Example: When the visit is evaluated
    """
    return evaluate(siccas, visits)


# --- expectations --------------------------------------------------------------------------

@then(parsers.parse("the concluded fact {name} is {value}"))
def _(evaluated: Evaluated, name: str, value: str) -> None:
    """The rules concluded the fact ``name`` with this one value (a word or a number).

    Example: Then the concluded fact mypack.igg_band is 2
    """
    assert evaluated.values(name) == [value], evaluated.show()


@then(parsers.parse("the fact {name} is not concluded"))
def _(evaluated: Evaluated, name: str) -> None:
    """No rule concluded the fact ``name`` (missing data is never read as a negative).

    Example: Then the fact mypack.igg_band is not concluded
    """
    assert evaluated.values(name) == [], evaluated.show()


@then(parsers.parse("the rule {rule} fired"))
def _(evaluated: Evaluated, rule: str) -> None:
    """The rule with this id fired on the visit.

    Example: Then the rule mypack.igg_band.high fired
    """
    assert rule in evaluated.evaluation.fired_rules(), evaluated.show()


@then(parsers.parse("the rule {rule} did not fire"))
def _(evaluated: Evaluated, rule: str) -> None:
    """The rule with this id did not fire on the visit.

    Example: Then the rule mypack.igg_band.high did not fire
    """
    assert rule not in evaluated.evaluation.fired_rules(), evaluated.show()
