"""mkdocs hook: the generated pages of the documentation site.

The rule catalogue (``catalogue/``: one page per rule set, one per feature file whose
scenarios cover a rule) and the case-file items (``catalogue/vocabulary.md``) are made from
rules/ at every build by ``sicca.language.catalogue``, the code behind
``sicca rules catalogue``, so the site can never show a stale catalogue and nothing generated
is committed; so is the step catalogue (``steps.md``, as ``sicca steps --format markdown``
prints it). ``SICCA_COVERAGE_JSON`` names a rule-coverage file (``pytest
--sicca-coverage-json PATH``); without it the catalogue says that coverage was not given.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

PREFIX = "catalogue"
INDEX = f"{PREFIX}/index.md"
STEPS = "steps.md"
_pages: dict[str, str] = {}


@event_priority(100)  # before mkdocstrings' on_config, which reads sys.path
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    # The `mkdocs` script puts its own folder on sys.path, where the `sicca` console script
    # would be taken for the package by mkdocstrings (`python -m mkdocs` has no such entry).
    sys.path[:] = [p for p in sys.path if not (Path(p or ".") / "sicca").is_file()]
    from sicca.base.diskcache import SourceCache
    from sicca.base.errors import SiccaError
    from sicca.base.paths import RULES_DIR
    from sicca.language.catalogue import build_catalogue, load_coverage, ruleset_page
    from sicca.records.models import Catalogue

    root = Path(config.config_file_path).parent
    cov_name = os.environ.get("SICCA_COVERAGE_JSON") or None
    try:
        cov = load_coverage(Path(cov_name)) if cov_name else None
        cache = SourceCache([RULES_DIR])  # parsed rule files kept, as every command does
        cat = build_catalogue(None, cov, root, Catalogue.load(None, cache.read),
                              coverage_name=cov_name, read=cache.read)
        cache.save()
    except SiccaError as err:
        raise PluginError(f"the rule catalogue could not be built:\n{err}") from None
    from sicca.testing.catalogue import step_groups, steps_markdown

    _pages.clear()
    _pages.update({f"{PREFIX}/{rel}": text for rel, text in cat.pages.items()})
    # the Gherkin step catalogue, from the plugin's step functions (`sicca steps`)
    _pages[STEPS] = steps_markdown(step_groups())
    sets = [{name: f"{PREFIX}/{ruleset_page(name)}"} for name in cat.rulesets]
    if config.nav is not None and not _expand(config.nav, sets):
        raise PluginError(f"mkdocs.yml: the nav has no entry '{INDEX}' for the rule catalogue")
    return config


def _expand(nav: Any, sets: list[dict[str, str]]) -> bool:
    """Add the rule set pages after the nav's catalogue index entry (in place)."""
    if isinstance(nav, list):
        for i, entry in enumerate(nav):
            if entry == INDEX or (isinstance(entry, dict) and INDEX in entry.values()):
                nav[i + 1:i + 1] = sets
                return True
            if _expand(entry, sets):
                return True
    elif isinstance(nav, dict):
        return any(_expand(v, sets) for v in nav.values())
    return False


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for rel, text in _pages.items():
        files.append(File.generated(config, rel, content=text))
    return files
