"""The shape of the code: a pure core (no Qt), a Qt-free model, no import cycles between modules, and
no switching on layer type names outside the layer types' own files."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "convviz"


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(path: Path, top_level_only: bool) -> set[str]:
    """The modules ``path`` imports (all of them, or only those imported when it loads)."""
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.If) and top_level_only:  # `if TYPE_CHECKING:` imports never run
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_the_core_and_the_model_never_import_qt_or_the_ui():
    for name, path in modules().items():
        if name.startswith(("convviz.core", "convviz.model", "convviz.pipeline", "convviz.sources")):
            used = imports(path, top_level_only=False)
            bad = {m for m in used if m.startswith(("PySide6", "pyqtgraph", "superqt", "convviz.ui", "convviz.export"))}
            assert not bad, f"{name} imports {sorted(bad)}"


def test_no_import_cycles_between_modules():
    known = modules()
    graph = {name: {m for m in imports(path, top_level_only=True) if m in known and m != name}
             for name, path in known.items()}
    # a package's __init__ importing its own submodules (to register them) is not a cycle
    for name in graph:
        graph[name] = {m for m in graph[name] if not m.startswith(name + ".")}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                cycle = trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name, [name])


def test_no_switching_on_layer_type_names_outside_the_layer_types():
    """`if layer.type == "conv2d"` chains are how a type ended up in a dozen places; types are asked."""
    names = "|".join(re.escape(n) for n in ("conv2d", "relu", "maxpool2d", "avgpool2d", "linear", "flatten",
                                             "softmax", "maxout", "prelu", "elu", "sigmoid", "tanh", "leaky_relu",
                                             "batchnorm2d", "dropout", "adaptive_avg_pool2d"))
    pattern = re.compile(rf"""\.type\s*(==|!=|in)\s*[\(\[{{]?\s*["']({names})["']""")
    for name, path in modules().items():
        if name.startswith("convviz.core.layers"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not pattern.search(line), f"{path.name}:{number} switches on a layer type: {line.strip()}"
