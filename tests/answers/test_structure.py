"""The answer checker's modules form no import cycle, and none imports a sibling inside a
function to dodge one (the few lazy imports that keep SymPy out of the web process are listed)."""

from __future__ import annotations

import ast
from pathlib import Path

import curriculum.answers

PACKAGE = Path(curriculum.answers.__file__).parent

# (module, sibling it imports inside a function): why
LAZY_ALLOWED = {
    ("__init__", "checker"): "importing the package must not load SymPy",
    ("validate", "checker"): "the web process validates specs without loading SymPy",
    ("parsing", "convert"): "parse() is used in the web process; .sympy() loads SymPy",
    ("_worker", "checker"): "the worker limits its memory before it loads SymPy",
    ("_worker", "verdict"): "the worker limits its memory before it loads SymPy",
    ("_worker", "steps"): "the worker limits its memory before it loads SymPy",
    ("__init__", "steps"): "importing the package must not load SymPy",
    ("bench_steps", "pool"): "benchmark helpers",
    ("bench", "nodes"): "benchmark helpers",
    ("bench", "parsing"): "benchmark helpers",
    ("bench", "checker"): "benchmark helpers",
    ("bench", "pool"): "benchmark helpers",
}


def _siblings(node: ast.AST, module: str, package: Path) -> set[str]:
    """Sibling modules named by one import statement (relative, or curriculum.answers.x)."""
    out: set[str] = set()
    if isinstance(node, ast.ImportFrom):
        if node.level == 1:
            if node.module:
                out.add(node.module.split(".")[0])
            else:  # from . import forms
                out.update(a.name for a in node.names)
        elif node.level == 0 and (node.module or "").startswith("curriculum.answers."):
            out.add(node.module.split(".")[2])
    elif isinstance(node, ast.Import):
        for a in node.names:
            if a.name.startswith("curriculum.answers."):
                out.add(a.name.split(".")[2])
    return {m for m in out if (package / f"{m}.py").exists() and m != module}


def import_graph(package: Path = PACKAGE) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(top-level imports, function-local imports) between the package's modules."""
    top: dict[str, set[str]] = {}
    local: dict[str, set[str]] = {}
    for path in sorted(package.glob("*.py")):
        name = path.stem
        tree = ast.parse(path.read_text(), str(path))
        top[name] = set()
        local[name] = set()
        for stmt in tree.body:  # module level, including if/try blocks at the top
            for node in (
                ast.walk(stmt) if not isinstance(stmt, ast.FunctionDef | ast.ClassDef) else ()
            ):
                top[name] |= _siblings(node, name, package)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    local[name] |= _siblings(inner, name, package)
    return top, local


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph.get(m, ())):
            if state.get(n) == 1:
                return stack[stack.index(n) :] + [n]
            if n not in state:
                found = visit(n)
                if found:
                    return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state:
            found = visit(m)
            if found:
                return found
    return None


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_sees_the_package():
    top, _ = import_graph()
    assert {"checker", "context", "equations", "sets", "collections_"} <= set(top)
    assert "context" in top["sets"] and "context" in top["collections_"]
    assert "equations" in top["checker"]


def all_imports(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Every import between the modules, at the top or inside a function: an import
    moved into a function still makes a cycle, it only hides it until call time."""
    top, local = import_graph(package)
    return {m: top[m] | local[m] for m in top}


def test_no_import_cycle_between_answer_modules():
    graph = all_imports()
    cycle = find_cycle(graph)
    assert cycle is None, f"import cycle: {' -> '.join(cycle or [])}"


def test_no_function_local_imports_of_siblings_except_listed():
    _, local = import_graph()
    found = {(m, n) for m, ns in local.items() for n in ns}
    unexpected = sorted(found - set(LAZY_ALLOWED))
    assert not unexpected, f"function-local imports (move them to the top): {unexpected}"


def test_no_checker_module_imports_privates_of_another():
    offenders = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                offenders += [
                    f"{path.stem}: {a.name}"
                    for a in node.names
                    if a.name.startswith("_") and a.name != "__version__"
                ]
    assert not offenders, offenders
