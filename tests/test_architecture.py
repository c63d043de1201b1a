"""The shape of the code, kept so by tests (DESIGN §2–3).

- Every row is reached through the one gate in `core`: no module outside
  `core/`, `regions/` and selectors filters by a region code by hand or
  touches the gate's private parts; every model that carries a region or a
  person has `restrict`.
- Apps depend on each other in one direction: `core` and `regions` at the
  bottom, domain apps above, `api`, `dashboard` and `demo` on top. No app
  imports another app's views; no domain app imports the demo.
- No module imports itself back through another (no file cycles); selectors
  only read; signal receivers live in an app's `receivers.py`.
"""

from __future__ import annotations

import ast
import collections
from functools import cache
from pathlib import Path

import pytest
from django.apps import apps as django_apps

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "nuanxin"

# Apps at the top: they may import every domain app; no domain app imports them.
TOP = {"api", "dashboard", "demo"}
# The foundation: every app may import it; it imports no app above it.
FOUNDATION = {"core", "regions"}


@cache
def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


@cache
def tree_of(name: str) -> ast.Module:
    return ast.parse(modules()[name].read_text(encoding="utf-8"))


def app_of(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 2 or modules()[name].name == "__init__.py" else "(project)"


def imported(name: str) -> set[str]:
    """The nuanxin modules `name` imports, at module level or inside functions."""
    path = modules()[name]
    found: set[str] = set()
    for node in ast.walk(tree_of(name)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                if path.name != "__init__.py":
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [module] + [f"{module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            continue
        found |= {t for t in targets if t in modules() and t != name}
    return found


def app_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = collections.defaultdict(set)
    for name in modules():
        for target in imported(name):
            if app_of(target) != app_of(name):
                graph[app_of(name)].add(app_of(target))
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if not state.get(nxt) and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if not state.get(node) and (found := visit(node)):
            return found
    return []


# --- the gate ------------------------------------------------------------------------------

# Region-code arithmetic, done by hand: only core, regions and selectors may.
HAND_FILTERS = {"prefix_q", "code_range"}
REGIONISH = ("region", "code", "prefix")


def _may_filter_by_hand(name: str) -> bool:
    parts = name.split(".")
    return len(parts) > 1 and parts[1] in FOUNDATION or "selectors" in parts


def _hand_filters(name: str) -> list[str]:
    problems = []
    for node in ast.walk(tree_of(name)):
        if isinstance(node, ast.Name) and node.id in HAND_FILTERS:
            problems.append(f"{name}:{node.lineno} uses {node.id}")
        if isinstance(node, ast.Attribute) and node.attr in HAND_FILTERS:
            problems.append(f"{name}:{node.lineno} uses {node.attr}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "startswith"
            and any(word in ast.unparse(node.func.value).lower() for word in REGIONISH)
        ):
            problems.append(f"{name}:{node.lineno} compares codes: {ast.unparse(node)}")
        arg = node.arg or "" if isinstance(node, ast.keyword) else ""
        if "region" in arg and arg.endswith("__startswith"):
            problems.append(f"{name}:{node.lineno} filters {arg}")
    return problems


def test_it_filters_by_region_only_through_the_gate():
    problems = [
        problem
        for name in modules()
        if not _may_filter_by_hand(name)
        for problem in _hand_filters(name)
    ]
    assert problems == []


def test_it_keeps_the_gates_private_parts_private():
    problems = []
    for name in modules():
        if name.startswith("nuanxin.core."):
            continue
        for node in ast.walk(tree_of(name)):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and ast.unparse(node.value) in ("access", "nuanxin.core.access")
            ):
                problems.append(f"{name}:{node.lineno} touches access.{node.attr}")
    assert problems == []


def _carries_a_region_or_a_person(model) -> bool:
    names = {field.name for field in model._meta.get_fields()}
    return bool(names & {"region", "region_id", "person"})


# Models with a region or a person that no page lists as rows of their own:
NOT_LISTED = {
    # derived figures read by the coverage SQL, scoped there (access.scope(...).sql);
    "visits.visittally",
    "visits.coveragemonth",
    # the gate's own input, and reference data that names no person: every signed-in
    # user reads the directory.
    "accounts.membership",
    "regions.areacodealias",
    "directory.organisation",
    "directory.hotline",
}


def test_it_gives_every_model_with_a_region_or_a_person_the_gate():
    missing = [
        model._meta.label_lower
        for model in django_apps.get_models()
        if model.__module__.startswith("nuanxin.")
        and _carries_a_region_or_a_person(model)
        and model._meta.label_lower not in NOT_LISTED
        and not hasattr(model._default_manager, "restrict")
    ]
    assert missing == []


# --- the apps and their modules ------------------------------------------------------------


def test_it_has_no_cycle_between_apps():
    assert _cycle(app_graph()) == []


def test_it_builds_domain_apps_on_the_foundation_only():
    graph = app_graph()
    for app in FOUNDATION:
        assert graph.get(app, set()) <= FOUNDATION, f"{app} imports {graph[app] - FOUNDATION}"
    for app, targets in graph.items():
        if app not in TOP and app != "(project)":
            assert not (targets & TOP), f"{app} imports {targets & TOP}"


def test_it_has_no_cycle_between_modules():
    graph = {name: imported(name) for name in modules()}
    assert _cycle(graph) == []


def test_it_imports_no_other_apps_views():
    problems = [
        f"{name} imports {target}"
        for name in modules()
        for target in imported(name)
        if target.split(".")[-1] == "views" or ".views." in target
        if app_of(target) != app_of(name)
    ]
    assert problems == []


WRITES = {"save", "create", "bulk_create", "update_or_create", "get_or_create", "delete"}


@pytest.mark.parametrize("name", sorted(n for n in modules() if "selectors" in n.split(".")))
def test_it_keeps_selectors_read_only(name):
    writes = [
        f"{node.lineno}: {ast.unparse(node)[:80]}"
        for node in ast.walk(tree_of(name))
        if isinstance(node, ast.Call)
        and (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in WRITES
            or isinstance(node.func, ast.Name)
            and node.func.id == "audit_record"
        )
    ]
    assert writes == []


def test_it_keeps_selectors_off_services():
    problems = [
        f"{name} imports {target}"
        for name in modules()
        if "selectors" in name.split(".")
        for target in imported(name)
        if "services" in target.split(".")
    ]
    assert problems == []


def test_it_connects_signal_receivers_in_receivers_modules():
    problems = []
    for name in modules():
        if name.endswith(".receivers"):
            continue
        for node in ast.walk(tree_of(name)):
            connects = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "connect"
                and ast.unparse(node.func.value) != "receivers"
                and "sqlite3" not in ast.unparse(node.func.value)
            )
            decorated = isinstance(node, ast.FunctionDef) and any(
                "receiver" in ast.unparse(d) for d in node.decorator_list
            )
            if connects or decorated:
                problems.append(f"{name}:{node.lineno}")
    assert problems == []


def test_it_keeps_the_sqlite_test_database_on_disk(db):
    """A `live_server` thread then opens its own connection instead of sharing the test's
    (tests/conftest.py says why sharing one can hang a browser test)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    assert not connection.is_in_memory_db()
