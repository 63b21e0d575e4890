"""Dependencies between the apps run one way: disputes ← evidence, messaging ← appeals.

Claims, orders and deadlines are the ground floor; evidence and messaging stand on it without
knowing each other; appeals needs all three; config (settings, URLs, Celery) wires them together
and no app imports it. Every module of every app is read as a syntax tree, migrations and
imports inside functions included (a migration may name another app's migration as a dependency,
but not import its code). Run it alone with `python -m tests.test_layers`.
"""

import ast
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The project's apps and what each may import from the others.
MAY_IMPORT: dict[str, set[str]] = {
    "disputes": set(),
    "evidence": {"disputes"},
    "messaging": {"disputes"},
    "appeals": {"disputes", "evidence", "messaging"},
    "connectors": {"disputes", "messaging"},
    "config": {"disputes", "evidence", "messaging", "appeals", "connectors", "accounts", "api"},
    # Two-factor sign-in, single sign-on and the record of sign-ins.
    "accounts": {"disputes"},
    # The REST API and outgoing webhooks: on top of the desk's apps.
    "api": {"disputes", "evidence", "messaging", "appeals"},
    # ./desk backup and restore: the database and every app's files.
    "backups": {"disputes", "evidence", "messaging"},
}


@dataclass(frozen=True)
class Import:
    path: str  # relative to the project root
    line: int
    statement: str  # as written, e.g. "from evidence.models import EvidenceItem"
    importer: str  # the app the module belongs to
    imported: str  # the app it imports from

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.statement} ({self.importer} may not import {self.imported})"


def _imported_names(node: ast.AST) -> Iterator[str]:
    """The absolute module names an import statement (or an import_module("...") call) names;
    relative imports stay inside their own app."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        yield node.module
    elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        called = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if called in {"import_module", "__import__"} and isinstance(node.args[0].value, str):
            yield node.args[0].value


def cross_app_imports(app: str, source: str, path: str) -> Iterator[Import]:
    """Every import in one module of `app` that reaches into another of the project's apps."""
    tree = ast.parse(source, filename=path)
    nodes = [node for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom | ast.Call)]
    nodes.sort(key=lambda node: node.lineno)
    for node in nodes:
        for name in _imported_names(node):
            target = name.split(".")[0]
            if target in MAY_IMPORT and target != app:
                yield Import(path, node.lineno, ast.unparse(node), app, target)


def project_imports(root: Path = ROOT) -> list[Import]:
    found: list[Import] = []
    for app in MAY_IMPORT:
        for file in sorted((root / app).rglob("*.py")):
            path = file.relative_to(root).as_posix()
            found.extend(cross_app_imports(app, file.read_text(encoding="utf-8"), path))
    return found


def against_the_direction(imports: list[Import]) -> list[Import]:
    return [found for found in imports if found.imported not in MAY_IMPORT[found.importer]]


def find_cycle(graph: Mapping[str, set[str]]) -> list[str]:
    """A cycle in `graph` as the list of its nodes (first one repeated at the end), or []."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str]:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return []
        for following in sorted(graph.get(node, ())):
            if cycle := visit(following, [*path, node]):
                return cycle
        done.add(node)
        return []

    for start in sorted(graph):
        if cycle := visit(start, []):
            return cycle
    return []


def app_graph(imports: list[Import]) -> dict[str, set[str]]:
    """Which app imports which."""
    graph: dict[str, set[str]] = {app: set() for app in MAY_IMPORT}
    for found in imports:
        graph[found.importer].add(found.imported)
    return graph


# --- The project ---------------------------------------------------------------------------


def test_no_module_imports_against_the_direction():
    wrong = against_the_direction(project_imports())
    assert not wrong, "Imports against the direction disputes ← evidence, messaging ← appeals:\n" + "\n".join(
        map(str, wrong)
    )


def test_no_import_cycle_between_apps():
    assert find_cycle(MAY_IMPORT) == [], "the allowed directions themselves form a cycle"
    cycle = find_cycle(app_graph(project_imports()))
    assert cycle == [], "Apps import each other in a circle: " + " → ".join(cycle)


def test_every_app_is_checked():
    apps = {file.parent.name for file in ROOT.glob("*/apps.py")}
    assert apps <= set(MAY_IMPORT), f"add {sorted(apps - set(MAY_IMPORT))} to MAY_IMPORT"


# --- The checker finds what it should ------------------------------------------------------

SNIPPET = """\
from django.db import transaction
from disputes.models import Claim
from . import selectors


def close(claim):
    from messaging import policy
    from evidence.services import evidence_lock
    import evidence.models
    mod = importlib.import_module("evidence.tasks")
"""


def test_an_import_inside_a_function_is_found_with_its_file_and_line():
    wrong = against_the_direction(list(cross_app_imports("disputes", SNIPPET, "disputes/example.py")))
    assert [str(found) for found in wrong] == [
        "disputes/example.py:7: from messaging import policy (disputes may not import messaging)",
        "disputes/example.py:8: from evidence.services import evidence_lock (disputes may not import evidence)",
        "disputes/example.py:9: import evidence.models (disputes may not import evidence)",
        "disputes/example.py:10: importlib.import_module('evidence.tasks') (disputes may not import evidence)",
    ]


def test_evidence_and_messaging_do_not_import_each_other():
    wrong = against_the_direction(list(cross_app_imports("evidence", SNIPPET, "evidence/example.py")))
    assert [found.imported for found in wrong] == ["messaging"]
    on_top = list(cross_app_imports("appeals", "from evidence import x\nfrom messaging import y\n", "a.py"))
    assert [found.imported for found in on_top] == ["evidence", "messaging"]
    assert against_the_direction(on_top) == []


def test_a_cycle_is_found():
    assert find_cycle({"disputes": {"evidence"}, "evidence": {"disputes"}}) == [
        "disputes",
        "evidence",
        "disputes",
    ]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"b"}}) == ["b", "c", "b"]
    assert find_cycle(MAY_IMPORT) == []


if __name__ == "__main__":
    problems = [str(found) for found in against_the_direction(project_imports())]
    if cycle := find_cycle(app_graph(project_imports())):
        problems.append("cycle: " + " → ".join(cycle))
    print("\n".join(problems) or "imports run one way")
    sys.exit(1 if problems else 0)
