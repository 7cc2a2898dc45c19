"""Every ``bot.*`` module sits in one of the import-linter layers (pyproject.toml), so that ``lint-imports``
checks its imports; a package that is no layer itself only groups layers and imports nothing."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (layered,) = [c for c in contracts if c["type"] == "layers"]
    return [name.strip() for layer in layered["layers"] for name in layer.replace(":", "|").split("|")]


def _modules(package: str) -> dict[str, Path]:
    out = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports_anything(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(node, ast.Import | ast.ImportFrom) for node in ast.walk(tree))


def _unlayered(layers: list[str], modules: dict[str, Path]) -> list[str]:
    def layered(name: str) -> bool:
        return any(name == layer or name.startswith(layer + ".") for layer in layers)

    def groups_layers(name: str, path: Path) -> bool:
        return path.name == "__init__.py" and any(layer.startswith(name + ".") for layer in layers)

    return [
        name
        for name, path in modules.items()
        if not layered(name) and not (groups_layers(name, path) and not _imports_anything(path))
    ]


def test_every_bot_module_belongs_to_a_layer() -> None:
    layers = _layers()
    assert "bot" not in layers  # import-linter refuses a layer that contains another
    assert _unlayered(layers, _modules("bot")) == []


def test_the_check_catches_a_module_outside_every_layer(tmp_path: Path) -> None:
    stray = tmp_path / "stray.py"
    stray.write_text("x = 1\n", encoding="utf-8")
    modules = {**_modules("bot"), "bot.stray": stray}
    assert _unlayered(_layers(), modules) == ["bot.stray"]


def test_the_top_level_packages_are_layers() -> None:
    layers = _layers()
    for package in ("handlers", "storage", "scheduler", "bot.core"):
        assert package in layers
    assert (
        layers.index("scheduler")
        < layers.index("handlers")
        < layers.index("storage")
        < layers.index("bot.core")
    )
