"""Dependencies point one way: handlers -> bot services -> storage. Checked on the imports themselves."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imports_of(package: str) -> dict[str, set[str]]:
    """module path -> the top-level packages and `bot.*` modules it imports (anywhere in the file)."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        found[str(path.relative_to(ROOT))] = names
    return found


def test_only_the_app_factory_wires_the_slack_layer_in():
    offenders = {
        module: sorted(n for n in names if n.split(".")[0] == "handlers")
        for module, names in {**imports_of("bot"), **imports_of("storage")}.items()
        if module != "bot/app.py"
    }
    assert {m: n for m, n in offenders.items() if n} == {}


def test_the_slack_layer_reaches_storage_only_through_services():
    offenders = {
        m: sorted(n for n in names if n.split(".")[0] == "storage") for m, names in imports_of("handlers").items()
    }
    assert {m: n for m, n in offenders.items() if n} == {}


def test_storage_knows_only_the_domain_vocabulary_of_bot():
    offenders = {
        m: sorted(n for n in names if n.split(".")[0] == "bot" and n != "bot.domain")
        for m, names in imports_of("storage").items()
    }
    assert {m: n for m, n in offenders.items() if n} == {}
