"""The package's layers as its imports draw them: read, checked, and drawn for docs/architecture.md.

docs/architecture.md lists the layers once, top first, in a table between the
markers `<!-- layers -->` and `<!-- /layers -->`: each row a layer, its
folders (ending in /) and files under sim/. Every module of the package
belongs to the longest path that holds it. This script reads that table and
every `import` of the package (inside functions too), and

    python tools/architecture.py            prints the picture (a Mermaid chart) and any import that runs up
    python tools/architecture.py --write    writes the picture into docs/architecture.md

tests/test_architecture.py fails when an import runs up a layer, when files of
different folders import each other in a circle, or when the picture in the
doc is not the one this script draws from the code.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
PACKAGE = "sim"
LAYERS_START, LAYERS_END = "<!-- layers -->", "<!-- /layers -->"
PICTURE_START, PICTURE_END = "<!-- picture: python tools/architecture.py --write -->", "<!-- /picture -->"


@dataclass(frozen=True)
class Layer:
    """A row of the doc's table: the layer's name and the folders and files it holds (paths under the root)."""

    name: str
    paths: tuple[str, ...]


def read_layers(doc: Path = DOC) -> list[Layer]:
    """The layers of the doc's table, top first. A row is `| name | `path`, `path` | what it holds |`."""
    text = doc.read_text(encoding="utf-8")
    if LAYERS_START not in text or LAYERS_END not in text:
        raise ValueError(f"{doc} has no layer table between {LAYERS_START} and {LAYERS_END}.")
    table = text.split(LAYERS_START, 1)[1].split(LAYERS_END, 1)[0]
    layers = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0] or set(cells[0]) <= set("-: ") or cells[0] == "layer":
            continue
        layers.append(Layer(cells[0], tuple(re.findall(r"`([^`]+)`", cells[1]))))
    return layers


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the package by its dotted name ('sim.runs.record'), packages by their __init__.py."""
    out = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imported_modules(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """The package's modules that the file `path` (module `name`) imports anywhere in it: `import a.b`,
    `from a import b` (b a module, else a itself), and relative imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(_nearest(alias.name, modules) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in modules else _nearest(base, modules))
    return {m for m in found if m and m != name}


def _nearest(dotted: str, modules: dict[str, Path]) -> str:
    """The module of the package that `dotted` names, or its nearest enclosing one ('' outside the package)."""
    parts = dotted.split(".")
    while parts:
        if ".".join(parts) in modules:
            return ".".join(parts)
        parts.pop()
    return ""


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Every module's imports of other modules of the package, by file path relative to the root."""
    modules = module_files(root)
    relative = {name: path.relative_to(root).as_posix() for name, path in modules.items()}
    return {relative[name]: {relative[m] for m in imported_modules(path, name, modules)}
            for name, path in modules.items()}


def unit_of(path: str, layers: list[Layer]) -> str:
    """The folder or file of the layer table that holds `path` (the longest one), or '' where none does."""
    held = [p for layer in layers for p in layer.paths if path == p or (p.endswith("/") and path.startswith(p))]
    return max(held, key=len, default="")


def layer_index(layers: list[Layer]) -> dict[str, int]:
    """Each folder or file of the table by its layer's height: 0 for the ground, growing upwards."""
    return {p: len(layers) - 1 - k for k, layer in enumerate(layers) for p in layer.paths}


def upward_imports(graph: dict[str, set[str]], layers: list[Layer]) -> list[str]:
    """Every import that runs up a layer, or between two folders (or files) of one layer, as 'a -> b'."""
    height = layer_index(layers)
    out = []
    for source, targets in sorted(graph.items()):
        a = unit_of(source, layers)
        for target in sorted(targets):
            b = unit_of(target, layers)
            if a and b and a != b and height[b] >= height[a]:
                out.append(f"{source} -> {target} ({a} is on layer {_name(a, layers)}, {b} on "
                           f"{_name(b, layers)})")
    return out


def _name(unit: str, layers: list[Layer]) -> str:
    return next(layer.name for layer in layers if unit in layer.paths)


def unplaced(graph: dict[str, set[str]], layers: list[Layer]) -> list[str]:
    """Modules that no row of the table holds, and paths of the table that hold no module."""
    missing = [path for path in sorted(graph) if not unit_of(path, layers)]
    empty = [p for layer in layers for p in layer.paths if not any(unit_of(f, layers) == p for f in graph)]
    return missing + [f"{p} (in the table, but no module is there)" for p in empty]


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of two files or more (files that import each other in a loop)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(node: str) -> None:        # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph)))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def circles_across_folders(graph: dict[str, set[str]]) -> list[list[str]]:
    """The circles whose files lie in more than one folder."""
    return [group for group in circles(graph) if len({str(Path(f).parent) for f in group}) > 1]


def unit_edges(graph: dict[str, set[str]], layers: list[Layer]) -> set[tuple[str, str]]:
    """Which folder or file of the table imports which other one."""
    return {(unit_of(a, layers), unit_of(b, layers)) for a, targets in graph.items() for b in targets
            if unit_of(a, layers) and unit_of(b, layers) and unit_of(a, layers) != unit_of(b, layers)}


def without_implied(edges: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The edges that no longer path implies (the transitive reduction of an acyclic graph): the picture
    draws only these, so that each arrow says something the others do not."""
    targets = defaultdict(set)
    for a, b in edges:
        targets[a].add(b)

    def reachable(start: str, skip: tuple[str, str]) -> set[str]:
        seen, todo = set(), [n for n in targets[start] if (start, n) != skip]
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(targets[node])
        return seen

    return {(a, b) for a, b in edges if b not in reachable(a, (a, b))}


def picture(root: Path = ROOT, doc: Path = DOC) -> str:
    """The layers as a Mermaid chart: a box per layer, top first, holding its folders and files; an arrow
    from each to what it imports, unless a longer way through other imports implies it."""
    layers = read_layers(doc)
    edges = without_implied(unit_edges(import_graph(root), layers))
    ids = {p: re.sub(r"\W", "_", p.removeprefix(f"{PACKAGE}/").rstrip("/").removesuffix(".py")) or "root"
           for layer in layers for p in layer.paths}
    lines = ["```mermaid", "flowchart TB"]
    for k, layer in enumerate(layers):
        lines.append(f'  subgraph L{k}["{layer.name}"]')
        lines.extend(f'    {ids[p]}["{p.removeprefix(f"{PACKAGE}/")}"]' for p in layer.paths)
        lines.append("  end")
    lines.extend(f"  {ids[a]} --> {ids[b]}" for a, b in sorted(edges))
    lines.append("```")
    return "\n".join(lines)


def write_picture(root: Path = ROOT, doc: Path = DOC) -> None:
    """Replace the picture between the doc's markers with the one drawn from the code now."""
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split(PICTURE_START, 1)
    tail = rest.split(PICTURE_END, 1)[1]
    doc.write_text(f"{head}{PICTURE_START}\n{picture(root, doc)}\n{PICTURE_END}{tail}", encoding="utf-8")


def drawn_picture(doc: Path = DOC) -> str:
    """The picture the doc holds now, between its markers."""
    return doc.read_text(encoding="utf-8").split(PICTURE_START, 1)[1].split(PICTURE_END, 1)[0].strip()


def main(argv: list[str]) -> int:
    """Print (or, with --write, write) the picture; list every import that runs up and every circle across
    folders; exit 1 when there is one."""
    if argv == ["--write"]:
        write_picture()
        print(f"written the picture into {DOC.relative_to(ROOT)}")
    elif argv:
        print(__doc__.split("\n\n")[2], file=sys.stderr)
        return 2
    else:
        print(picture())
    graph, layers = import_graph(), read_layers()
    problems = [*unplaced(graph, layers), *upward_imports(graph, layers),
                *(" <-> ".join(group) for group in circles_across_folders(graph))]
    for problem in problems:
        print(f"not in order: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
