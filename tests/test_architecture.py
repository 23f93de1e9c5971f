"""The package's imports only look down the layers that docs/architecture.md lists (read by tools/architecture.py),
and the doc's picture is the one the imports draw."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_tool():
    """tools/architecture.py, which is a script and not part of the package."""
    spec = importlib.util.spec_from_file_location("tools_architecture", ROOT / "tools" / "architecture.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module           # its dataclass looks its module up while it is built
    spec.loader.exec_module(module)
    return module


architecture = _load_tool()


@pytest.fixture(scope="module")
def graph():
    return architecture.import_graph()


@pytest.fixture(scope="module")
def layers():
    return architecture.read_layers()


def test_the_doc_lists_the_layers_top_first_from_the_entry_to_the_ground(layers):
    names = [layer.name for layer in layers]
    assert names[0] == "entry" and names[-1] == "ground"
    assert names.index("commands") < names.index("runs") < names.index("model") < names.index("config")


def test_every_module_belongs_to_a_layer_and_every_listed_path_holds_one(graph, layers):
    assert architecture.unplaced(graph, layers) == []


def test_no_import_runs_up_a_layer_or_across_to_another_folder_of_its_own_layer(graph, layers):
    assert architecture.upward_imports(graph, layers) == []


def test_no_files_of_different_folders_import_each_other_in_a_circle(graph):
    assert architecture.circles_across_folders(graph) == []


def test_the_picture_in_the_doc_is_the_one_the_imports_draw_now():
    assert architecture.drawn_picture() == architecture.picture(), \
        "the picture is out of date: python tools/architecture.py --write"


def _tree(root: Path, files: dict[str, str], table: str) -> Path:
    """A small package `sim` under root, and a doc with its layer table."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    doc = root / "architecture.md"
    doc.write_text(f"{architecture.LAYERS_START}\n| layer | holds | what |\n|---|---|---|\n{table}\n"
                   f"{architecture.LAYERS_END}\n", encoding="utf-8")
    return doc


TABLE = ("| top | `sim/app/` | |\n| middle | `sim/runs/`, `sim/sweeps/` | |\n"
         "| ground | `sim/__init__.py`, `sim/files.py` | |")


def test_an_import_up_or_sideways_is_found_inside_a_function_and_written_relatively_too(tmp_path):
    doc = _tree(tmp_path, {
        "sim/__init__.py": "",
        "sim/files.py": "def helper():\n    from sim.runs import ensemble\n",        # up, inside a function
        "sim/runs/__init__.py": "",
        "sim/runs/ensemble.py": "from ..sweeps import grid\nfrom sim.files import helper\n",   # sideways; down
        "sim/sweeps/__init__.py": "",
        "sim/sweeps/grid.py": "import sim.files\n",                                            # down
        "sim/app/__init__.py": "",
        "sim/app/page.py": "from sim.runs.ensemble import x\nfrom . import widgets\n",     # down; same folder
        "sim/app/widgets.py": "",
    }, TABLE)
    layers = architecture.read_layers(doc)
    found = architecture.upward_imports(architecture.import_graph(tmp_path), layers)
    assert [line.split(" (")[0] for line in found] == ["sim/files.py -> sim/runs/ensemble.py",
                                                       "sim/runs/ensemble.py -> sim/sweeps/grid.py"]


def test_a_module_outside_every_layer_and_a_circle_across_folders_are_found(tmp_path):
    doc = _tree(tmp_path, {
        "sim/__init__.py": "",
        "sim/files.py": "",
        "sim/stray.py": "",
        "sim/runs/__init__.py": "",
        "sim/runs/a.py": "from sim.sweeps import b\n",
        "sim/sweeps/__init__.py": "",
        "sim/sweeps/b.py": "from sim.runs import a\n",
        "sim/app/__init__.py": "",
    }, TABLE)
    graph = architecture.import_graph(tmp_path)
    assert architecture.unplaced(graph, architecture.read_layers(doc)) == ["sim/stray.py"]
    assert architecture.circles_across_folders(graph) == [["sim/runs/a.py", "sim/sweeps/b.py"]]


def test_the_picture_leaves_out_an_arrow_that_a_longer_path_implies():
    edges = {("app", "runs"), ("runs", "files"), ("app", "files"), ("app", "config")}
    assert architecture.without_implied(edges) == {("app", "runs"), ("runs", "files"), ("app", "config")}
