"""The floor of `sicca score` on the seed case: what the mandated libraries alone cost, no
Sicca code. Run by ``python -m bench.cli`` as a child process with the file ``bench.cli``
recorded (``python bench/floor.py WORK.json``):

- ``import pydantic, yaml`` (the baseline's own line);
- one ``BaseModel`` made and validated: ``import pydantic`` is lazy (pydantic 2 loads its model
  machinery, pydantic-core's schema types and annotated_types on first use), and a command
  that reads a case into typed models cannot skip it. Plugin discovery is off and its loader
  module (which imports importlib.metadata) is not loaded, as in `sicca score`'s fast path
  (sicca.cli.fast), so the floor does not pay what Sicca skips;
- durable-rules' C core: the compiled program's rulesets created and the seed case's visits
  asserted exactly as Sicca's durable backend asserted them (same JSON batches, every action
  the core hands out completed, each session closed as the backend closes it). Actions do
  nothing here (Sicca's also record firings and assert conclusions), so this is a lower bound.

Only the standard library, pydantic, yaml and durable_rules_engine are imported. This is the
one file outside sicca.running.durable that drives durable-rules' core itself: it measures
the library without Sicca, so it cannot go through Sicca's backend.
"""

import json
import os
import sys
import types

os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")  # as sicca.cli.fast does
_loader = types.ModuleType("pydantic.plugin._loader")
_loader.get_plugins = lambda: ()  # type: ignore[attr-defined]
sys.modules["pydantic.plugin._loader"] = _loader

import pydantic  # noqa: F401, E402 - the baseline's imports, after the loader stand-in
import yaml  # noqa: F401, E402
from pydantic import BaseModel  # noqa: E402


class _Visit(BaseModel):
    id: str
    value: float | None = None


_Visit(id="v", value=1.0)

import durable_rules_engine as core  # noqa: E402 - after pydantic, as in Sicca

work = json.loads(open(sys.argv[1], encoding="utf-8").read())
handles = [core.create_ruleset(f"floor{k}", text) for k, text in enumerate(work["rulesets"])]


def _run(handle: int, result: list[int]) -> None:
    state = result[1]
    started = core.start_action_for_state(handle, state)
    message = started[1] if started else None
    while message:
        message = core.complete_and_start_action(handle, state)


for k, batch, sid in work["batches"]:
    h = handles[k]
    _run(h, core.assert_facts(h, batch))
    _run(h, core.assert_fact(h, json.dumps({"sid": sid, "id": "end", "name": "__end__"})))
    core.delete_state(h, sid)
