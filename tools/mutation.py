"""Mutation testing: apply each mutant to a copy of the project, run the tests that guard it, report.

    .venv/bin/python tools/mutation.py [--workers 2] [--slow] [--only TEXT ...] [--list]

The mutants are the curated set of tools/mutants.py plus generated rate mutants: every read, in
sim/model/, of a parameter whose unit is per day or per year or in days (a rate or a time constant),
doubled. Each mutant is applied to a private copy of sim/, tests/ and scenarios/ (the working tree is
never touched), and the fast tier of the tests that guard its file runs with -x; with --slow, the
mutants that survive it run the slow statistical tier too. A mutant is killed when a test fails or
the run times out. The unmutated copy must pass the same tests first. Results go to
outputs/mutation/results.json and a table is printed; `make mutation` runs it (outside CI: it takes
an hour or more on two cores).
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import importlib.util
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "outputs" / "mutation"
TIMEOUT_S = 900

RULE_TESTS = {
    "sim/model/forces.py": "tests/test_rules_forces.py", "sim/model/coalition.py": "tests/test_rules_forces.py",
    "sim/model/community.py": "tests/test_rules_forces.py", "sim/model/leadership.py": "tests/test_rules_forces.py",
    "sim/model/syria.py": "tests/test_rules_syria.py", "sim/model/border.py": "tests/test_rules_syria.py",
    "sim/model/detention.py": "tests/test_rules_syria.py",
}
MODEL_TESTS = ["tests/test_rules_cells.py", "tests/test_rules_forces.py", "tests/test_rules_syria.py",
               "tests/test_integrated_rates.py", "tests/test_mechanisms.py", "tests/test_timeline.py",
               "tests/test_seeds.py"]
FAST_TESTS = {
    "sim/model/": MODEL_TESTS,
    "sim/runs/": ["tests/test_seeds.py", *MODEL_TESTS],
    "sim/config/validate.py": ["tests/test_validation.py", "tests/test_config.py", "tests/test_timeline.py"],
    "sim/config/resolve.py": ["tests/test_validation.py", "tests/test_timeline.py", "tests/test_config.py"],
    "sim/config/load.py": ["tests/test_config_fuzz.py::test_known_crashes",
                           "tests/test_reliability.py::test_bad_run_overrides_are_refused_in_one_paragraph"
                           "[level-given-a-number]"],
    "sim/analysis/summary.py": ["tests/test_analysis.py"],
}
SLOW_TESTS = ["tests/test_mechanisms.py", "tests/test_orderings.py", "tests/test_saturation.py",
              "tests/test_statistical.py"]
RATE_UNIT = re.compile(r"(/day|/year|^days$)")


@dataclasses.dataclass
class Mutant:
    name: str
    kind: str
    file: str
    edits: list[tuple[str, str]]

    def apply(self, text: str) -> str:
        for old, new in self.edits:
            if text.count(old) != 1:
                raise ValueError(f"{self.name}: {old!r} occurs {text.count(old)} times in {self.file}")
            text = text.replace(old, new)
        return text


def curated() -> list[Mutant]:
    spec = importlib.util.spec_from_file_location("mutants", ROOT / "tools" / "mutants.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [Mutant(name, kind, file, list(edits)) for name, kind, file, edits in module.MUTANTS]


def rate_parameters() -> set[str]:
    sys.path.insert(0, str(ROOT))
    from sim.config.schema import ModelParams

    names = set()
    for section in dataclasses.fields(ModelParams):
        for f in dataclasses.fields(type(getattr(ModelParams(), section.name))):
            if f.type in ("float", "int") and RATE_UNIT.search(f.metadata.get("unit", "")):
                names.add(f.name)
    return names


def generated() -> list[Mutant]:
    """Every read of a rate or time-constant parameter in the model, doubled, one at a time."""
    names, out = rate_parameters(), []
    for path in sorted((ROOT / "sim" / "model").glob("*.py")):
        if path.name == "snapshot.py":
            continue
        lines = path.read_text().splitlines(keepends=True)
        for node in ast.walk(ast.parse("".join(lines))):
            if not (isinstance(node, ast.Attribute) and node.attr in names and isinstance(node.ctx, ast.Load)
                    and node.lineno == node.end_lineno):
                continue
            line = lines[node.lineno - 1]
            segment = line[node.col_offset: node.end_col_offset]
            mutated = line[: node.col_offset] + f"({segment} * 2)" + line[node.end_col_offset:]
            rel = str(path.relative_to(ROOT))
            out.append(Mutant(f"{node.attr} doubled ({path.name}:{node.lineno}:{node.col_offset})", "rate", rel,
                              [(_unique_context(lines, node.lineno - 1, line), _unique_context(lines, node.lineno - 1,
                                                                                               mutated))]))
    return [m for m in out if _applies(m)]


def _unique_context(lines: list[str], index: int, replacement: str) -> str:
    """The line with its neighbours, enough to make it unique in the file."""
    return "".join(lines[max(0, index - 2): index]) + replacement + "".join(lines[index + 1: index + 3])


def _applies(mutant: Mutant) -> bool:
    try:
        mutant.apply((ROOT / mutant.file).read_text())
        return True
    except ValueError:
        return False


def tests_for(mutant: Mutant, slow: bool) -> list[str]:
    if slow:
        return SLOW_TESTS
    for prefix, tests in FAST_TESTS.items():
        if mutant.file.startswith(prefix):
            first = RULE_TESTS.get(mutant.file)
            return [first, *[t for t in tests if t != first]] if first else list(tests)
    raise ValueError(f"no tests are mapped to {mutant.file}")


def make_copy(parent: Path, name: str) -> Path:
    copy = parent / name
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("sim", "tests", "scenarios"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def run_tests(copy: Path, tests: list[str], slow: bool) -> tuple[bool, str, float]:
    """(passed, first failing test or reason, seconds)."""
    command = ["nice", "-n", "15", sys.executable, "-m", "pytest", "-x", "-q", "-rf", "-p", "no:cacheprovider",
               "-m", "slow" if slow else "not slow", *tests]
    env = {**os.environ, "PYTHONPATH": str(copy)}
    started = time.monotonic()
    try:
        result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return False, f"timed out after {TIMEOUT_S} s", time.monotonic() - started
    seconds = time.monotonic() - started
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", result.stdout, flags=re.M)
    if result.returncode in (0, 5):
        return True, "", seconds
    return False, failed[0] if failed else result.stdout.strip().splitlines()[-1:], seconds


def check_copy_imports_itself(copy: Path) -> None:
    out = subprocess.run([sys.executable, "-c", "import sim; print(sim.__file__)"], cwd=copy,
                         env={**os.environ, "PYTHONPATH": str(copy)}, capture_output=True, text=True, check=True)
    assert out.stdout.strip().startswith(str(copy)), f"the copy imports {out.stdout.strip()}, not its own sim"


def worker(copy: Path, jobs: queue.Queue, results: list, slow: bool, lock: threading.Lock) -> None:
    while True:
        try:
            mutant = jobs.get_nowait()
        except queue.Empty:
            return
        target = copy / mutant.file
        original = (ROOT / mutant.file).read_text()
        target.write_text(mutant.apply(original))
        try:
            survived, killer, seconds = run_tests(copy, tests_for(mutant, False), False)
            record = {"name": mutant.name, "kind": mutant.kind, "file": mutant.file, "fast_seconds": round(seconds),
                      "killed_by": None if survived else {"tier": "fast", "test": killer}}
            if survived and slow and mutant.file.startswith(("sim/model/", "sim/runs/")):
                survived, killer, seconds = run_tests(copy, tests_for(mutant, True), True)
                record["slow_seconds"] = round(seconds)
                if not survived:
                    record["killed_by"] = {"tier": "slow", "test": killer}
        finally:
            target.write_text(original)
        with lock:
            results.append(record)
            state = "survived" if record["killed_by"] is None else f"killed ({record['killed_by']['tier']})"
            print(f"[{len(results)}] {state:14s} {mutant.name}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--slow", action="store_true", help="run the slow tier on the fast tier's survivors")
    parser.add_argument("--only", action="append", default=[],
                        help="only mutants whose name contains this text (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    args = parser.parse_args(argv)
    mutants = [m for m in curated() + generated() if not args.only or any(text in m.name for text in args.only)]
    for m in mutants:
        m.apply((ROOT / m.file).read_text())          # every curated edit still matches the code
    if args.list:
        for m in mutants:
            print(f"{m.kind:8s} {m.file:34s} {m.name}")
        print(f"{len(mutants)} mutants")
        return 0
    with tempfile.TemporaryDirectory(prefix="mutation-") as scratch:
        copies = [make_copy(Path(scratch), f"w{k}") for k in range(args.workers)]
        check_copy_imports_itself(copies[0])
        files = sorted({m.file for m in mutants})
        baseline = sorted({t for f in files for t in tests_for(Mutant("", "", f, []), False)})
        passed, failure, seconds = run_tests(copies[0], baseline, False)
        if not passed:
            print(f"The unmutated tests fail ({failure}); fix them first.")
            return 1
        print(f"Unmutated: {len(baseline)} test selections pass in {seconds:.0f} s; {len(mutants)} mutants.")
        jobs: queue.Queue = queue.Queue()
        for m in mutants:
            jobs.put(m)
        results: list = []
        lock = threading.Lock()
        threads = [threading.Thread(target=worker, args=(c, jobs, results, args.slow, lock)) for c in copies]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    report(results, args.slow)
    return 0


def report(results: list, slow: bool) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    results.sort(key=lambda r: (r["kind"], r["file"], r["name"]))
    (OUT / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    fast = sum(1 for r in results if r["killed_by"] and r["killed_by"]["tier"] == "fast")
    killed = sum(1 for r in results if r["killed_by"])
    print(f"\n{len(results)} mutants: {fast} killed by the fast tier"
          f"{f', {killed - fast} more by the slow tier' if slow else ''}; score {killed / len(results):.1%}")
    for kind in sorted({r["kind"] for r in results}):
        group = [r for r in results if r["kind"] == kind]
        fast_kind = sum(1 for r in group if r["killed_by"] and r["killed_by"]["tier"] == "fast")
        print(f"  {kind:8s} {len(group):4d} mutants, fast tier kills {fast_kind}, "
              f"both tiers {sum(1 for r in group if r['killed_by'])}")
    for r in results:
        if not r["killed_by"]:
            print(f"  survived: {r['name']} ({r['file']})")


if __name__ == "__main__":
    sys.exit(main())
