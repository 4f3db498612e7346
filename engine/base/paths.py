"""Where the bundled data live: rules, vocabulary, bibliography and the example case.

They are package data (``sicca.rules``, ``sicca.examples``), so a wheel installed anywhere finds
them; in a clone the package-dir mapping points those names at rules/ and examples/.
"""

import importlib.util
from pathlib import Path


def _package_dir(name: str) -> Path:
    # the package's one folder from its import spec (importlib.resources, which gives the same
    # answer, imports tempfile, shutil, zipfile and bz2 with it: ~15 ms of every start)
    spec = importlib.util.find_spec(name)
    where = list(spec.submodule_search_locations or []) if spec is not None else []
    if len(where) == 1:
        return Path(where[0])
    from importlib.resources import files  # a zip or a package split over several folders

    return Path(str(files(name)))


#: The bundled rule directory (vocabulary + rule sets + bibliography).
RULES_DIR = _package_dir("sicca.rules")

#: The bundled example cases (the seed case, as YAML and as a FHIR Bundle).
EXAMPLES_DIR = _package_dir("sicca.examples")
