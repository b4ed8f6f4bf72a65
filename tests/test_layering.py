"""The house by layers, checked on the imports themselves. From the bottom up:

    base         bot.domain, bot.errors, bot.clock, bot.outbox_payloads, bot.logs: the words every layer
                 shares (enums with their labels, errors with their sentences, payloads), the clock, logging
    rules        bot.rules: pure functions over plain values (policy, ranking, reading an ask, program math)
    storage      storage: the models, the repositories, the migrations
    services     bot.services: the use cases, one transaction each
    slack edge   handlers (listeners, and the pure Block Kit builders in handlers.views)
    delivery     bot.delivery: the outbox's registry of kinds and the worker that sends them
    entry        bot.entry: the app factory, the CLI, the server, the scheduler

A module may import its own layer and the ones below it, never one above.
"""

from __future__ import annotations

import ast
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

from radon.complexity import cc_visit

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["base", "rules", "storage", "services", "slack edge", "delivery", "entry"]
BASE = {"bot.domain", "bot.errors", "bot.clock", "bot.outbox_payloads", "bot.logs"}


def layer_of(module: str) -> str | None:
    """The layer of a dotted module name of ours; None for anything else (bot's own package, libraries)."""
    if module in BASE:
        return "base"
    for prefix, layer in (
        ("bot.rules", "rules"),
        ("storage", "storage"),
        ("bot.services", "services"),
        ("handlers", "slack edge"),
        ("bot.delivery", "delivery"),
        ("bot.entry", "entry"),
    ):
        if module == prefix or module.startswith(prefix + "."):
            return layer
    return None


def ours() -> list[Path]:
    return [p for package in ("bot", "handlers", "storage") for p in (ROOT / package).rglob("*.py")]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """The dotted names a module imports (anywhere in the file), `from a import b` as both a and a.b."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_every_module_of_ours_belongs_to_a_layer():
    assert [module_name(p) for p in ours() if layer_of(module_name(p)) is None] == ["bot"]  # the package itself


def test_no_import_points_up_a_layer():
    upward = {}
    for path in ours():
        here = layer_of(module_name(path))
        if here is None:
            continue
        above = sorted(
            name
            for name in imported(path)
            if (there := layer_of(name)) is not None and LAYERS.index(there) > LAYERS.index(here)
        )
        if above:
            upward[module_name(path)] = above
    assert upward == {}


def test_no_two_modules_share_a_name_and_none_shadows_a_library():
    names: dict[str, list[str]] = {}
    for package in ("bot", "handlers", "storage", "bench"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name != "__init__.py" and "migrations" not in path.parts:
                names.setdefault(path.stem, []).append(str(path.relative_to(ROOT)))
    assert {name: paths for name, paths in names.items() if len(paths) > 1} == {}
    libraries = set(sys.stdlib_module_names) | set(packages_distributions())
    assert sorted(set(names) & libraries) == []


def test_no_function_of_ours_is_more_complex_than_twenty():
    """Cyclomatic complexity as radon measures it: past 20, a function wants its steps named."""
    tangled = {
        f"{module_name(path)}.{block.fullname}": block.complexity
        for path in ours()
        for block in cc_visit(path.read_text(encoding="utf-8"))
        if block.complexity > 20
    }
    assert tangled == {}
