"""Sicca engine: machinery only (record model, rule language, backends, trace, CLI).

Clinical knowledge lives in rules/ (YAML) and scores/ (instruments); nothing here names a
domain, a criterion or a threshold.
"""

from pathlib import Path

__version__ = "0.1.0"

#: The repository's bundled rule directory (vocabulary + rule sets).
RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
