"""No import cycles inside ``thermo_rl``, counting imports inside functions.

A lazy (function-level) import hides a cycle from Python's import machinery but not from a
reader: the two modules still depend on each other. The graph is read from the source with
``ast`` (every ``import`` and ``from ... import`` anywhere in a module, ``TYPE_CHECKING``
blocks included); an edge goes to the deepest module of the package that the import names
(``from . import x`` is an edge to the submodule ``x`` when there is one, else to the
package). A package's ``__init__`` re-exporting its submodules is an edge from the package to
the submodule; a submodule importing from its own package is an edge back, so it counts
(Python runs the package's ``__init__`` first).
"""

import ast
from pathlib import Path

import thermo_rl

ROOT = Path(thermo_rl.__file__).resolve().parent


def _modules():
    out = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        parts = list(rel.parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        out[".".join(parts)] = (path, is_pkg)
    return out


def _resolve(name, modules):
    """The deepest module of the package named by ``name`` (a.b.c -> a.b.c, else a.b)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph():
    """``{module: {imported module, ...}}`` over the package, from the source."""
    modules = _modules()
    graph = {}
    for mod, (path, is_pkg) in modules.items():
        package = mod if is_pkg else mod.rpartition(".")[0]
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[:len(base) - node.level + 1]
                    base = ".".join(base + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                # "from pkg import sub" imports the submodule pkg.sub when there is one
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                           for a in node.names]
            for t in targets:
                r = _resolve(t, modules) if t.startswith("thermo_rl") else None
                if r is not None and r != mod:
                    edges.add(r)
        graph[mod] = edges
    return graph


def find_cycles(graph):
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_graph_sees_function_level_and_relative_imports():
    g = import_graph()
    # function-level: cli.sweep imports thermo_rl.sweep only inside run()
    assert "thermo_rl.sweep" in g["thermo_rl.cli.sweep"]
    assert "thermo_rl.errors" in g["thermo_rl.bandits.runner"]      # "from ..errors import"
    # the detector finds a planted cycle
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles():
    cycles = find_cycles(import_graph())
    assert cycles == [], "import cycles (function-level imports count): " + "; ".join(
        " <-> ".join(c) for c in cycles)
