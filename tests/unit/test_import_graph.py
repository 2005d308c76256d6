"""The import graph of the project's own modules (AST, in-function imports included): no circle, the apps
pointing one way, no domain module importing a tasks module, no in-function import outside the tasks
modules and AppConfig.ready (issue 15)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Each app may import only those below it (core is below all; controlpanel, the project, above all).
LAYERS = ["core", "payments", "accounts", "catalog", "orders", "api", "privacy", "controlpanel"]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    found = {}
    for app in LAYERS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


MODULES = _modules()


def _targets(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
            package = package[: len(package) - node.level + 1]
            base = ".".join([*package, *([node.module] if node.module else [])])
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
    resolved = []
    for name in names:
        while name not in MODULES and "." in name:
            name = name.rsplit(".", 1)[0]
        if name in MODULES and name != module:
            resolved.append(name)
    return resolved


def _imports() -> list[tuple[str, str, bool]]:
    """(importer, imported, at the top of the module) for every import between the project's modules."""
    edges = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text())
        top = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                edges += [(module, target, id(node) in top) for target in _targets(module, path, node)]
    return edges


IMPORTS = _imports()


def _app(module: str) -> str:
    return module.split(".", 1)[0]


def test_the_graph_is_read():
    assert {"orders.lifecycle", "core.outbox", "orders.tasks"} <= MODULES.keys()
    assert ("orders.tasks", "orders.services.delivery", False) in IMPORTS


def test_no_import_circle():
    graph: dict[str, set[str]] = {}
    for importer, imported, _top in IMPORTS:
        graph.setdefault(importer, set()).add(imported)
    circles, index, low, stack, on_stack = [], {}, {}, [], set()

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while not component or component[-1] != node:
                component.append(stack.pop())
                on_stack.discard(component[-1])
            if len(component) > 1:
                circles.append(sorted(component))

    for module in MODULES:
        if module not in index:
            visit(module)
    assert circles == []


def test_apps_import_only_the_apps_below_them():
    upward = sorted(
        (importer, imported)
        for importer, imported, _top in IMPORTS
        if LAYERS.index(_app(imported)) > LAYERS.index(_app(importer))
    )
    assert upward == []


def test_no_domain_module_imports_a_tasks_module():
    assert sorted({importer for importer, imported, _top in IMPORTS if imported.endswith(".tasks")}) == []


def test_imports_inside_functions_only_in_tasks_and_app_configs():
    inside = sorted(
        (importer, imported)
        for importer, imported, top in IMPORTS
        if not top and not importer.endswith((".tasks", ".apps"))
    )
    assert inside == []


@pytest.mark.parametrize("module", ["orders.lifecycle"])
def test_the_lifecycle_writes_statuses_and_events_only(module):
    """No email, no task: the services compose those around a transition."""
    imported = {target for importer, target, _top in IMPORTS if importer == module}
    assert not {name for name in imported if name.endswith(("notifications", "outbox", "publish", "tasks"))}
