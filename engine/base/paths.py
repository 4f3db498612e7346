"""Where the bundled data live: rules, vocabulary, bibliography and the example case.

They are package data (``sicca.rules``, ``sicca.examples``), so a wheel installed anywhere finds
them; in a clone the package-dir mapping points those names at rules/ and examples/.
"""

from importlib.resources import files
from pathlib import Path


def _package_dir(name: str) -> Path:
    return Path(str(files(name)))


#: The bundled rule directory (vocabulary + rule sets + bibliography).
RULES_DIR = _package_dir("sicca.rules")

#: The bundled example cases (the seed case, as YAML and as a FHIR Bundle).
EXAMPLES_DIR = _package_dir("sicca.examples")
