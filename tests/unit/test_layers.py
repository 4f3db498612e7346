"""The layers of docs/design.md §1, enforced: a lower layer never imports a higher one.

Every import in every module of the package (including imports inside functions, which is
where lazy imports hide) is read with ``ast`` and checked against the layer table below, the
same table docs/design.md shows. Layers of equal rank may import each other.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: sicca subpackage -> rank (lowest first). The same order as docs/design.md §1.
LAYERS: dict[str, int] = {
    "sicca.base": 0,
    "sicca.records": 1,
    "sicca.language": 2,
    "sicca.running": 3,
    "sicca.scores": 4,
    "sicca.report": 5,
    "sicca.api": 6,
    "sicca.cohort": 7,
    "sicca.cli": 8,
    "sicca.web": 8,
    "sicca.testing": 8,
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT)
    if rel.parts[0] == "scores":
        parts = ("sicca", "scores", *rel.parts[1:])
    else:  # engine/ is the package `sicca`
        parts = ("sicca", *rel.parts[1:])
    name = ".".join(parts)[: -len(".py")]
    return name.removesuffix(".__init__")


def _layer(module: str) -> str | None:
    for layer in sorted(LAYERS, key=len, reverse=True):
        if module == layer or module.startswith(layer + "."):
            return layer
    return None


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # `from sicca.x import y` where y is a subpackage counts as importing sicca.x.y
            found += [(node.lineno, f"{target}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append((node.lineno, arg.value))
            elif isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant):
                found.append((node.lineno, str(arg.values[0].value).rstrip(".")))
    return found


def _modules() -> list[Path]:
    return sorted([*(ROOT / "engine").rglob("*.py"), *(ROOT / "scores").rglob("*.py")])


def test_every_module_belongs_to_a_layer() -> None:
    # The package root (engine/__init__.py, __main__.py) is the facade above every layer.
    orphans = [str(p.relative_to(ROOT)) for p in _modules()
               if _module_name(p) not in ("sicca", "sicca.__main__")
               and _layer(_module_name(p)) is None]
    assert orphans == []


def _upward(path: Path, module: str) -> list[str]:
    own = _layer(module)
    if own is None:
        return []  # the facade (checked by the test above)
    upward = []
    for line, target in _imports(path, module):
        layer = _layer(target)
        if layer is not None and LAYERS[layer] > LAYERS[own]:
            upward.append(f"{path.name}:{line} ({own}) imports {target} ({layer})")
    return upward


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_imports_a_higher_layer(path: Path) -> None:
    assert _upward(path, _module_name(path)) == []


def test_durable_rules_is_imported_by_one_module_only() -> None:
    users = sorted(str(p.relative_to(ROOT)) for p in _modules()
                   if any(t.split(".")[0].startswith("durable")  # durable, durable_rules_engine
                          for _, t in _imports(p, _module_name(p))))
    assert users == ["engine/running/durable.py"]


def test_the_design_document_shows_the_same_order() -> None:
    # The table rows of §1: "| rank | `sicca.x`[, `sicca.y`] | folder | ... |"
    text = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    shown = {name: int(rank)
             for rank, names in re.findall(r"^\| (\d+) \| ([^|]+) \|", text, flags=re.M)
             for name in re.findall(r"`(sicca\.[a-z]+)`", names)}
    assert shown == LAYERS


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    # The checker itself must be able to fail: a records module importing the CLI inside a
    # function, and a relative import reaching the API, are both caught.
    fake = tmp_path / "units.py"
    fake.write_text("from ..api import session\n\ndef f():\n    import sicca.cli.app\n")
    assert _upward(fake, "sicca.records.units") == [
        "units.py:1 (sicca.records) imports sicca.api (sicca.api)",
        "units.py:1 (sicca.records) imports sicca.api.session (sicca.api)",
        "units.py:4 (sicca.records) imports sicca.cli.app (sicca.cli)",
    ]
