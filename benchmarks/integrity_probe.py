"""The integrity cases of docs/reliability.md, run against one version of the code; prints, asserts nothing.

    python benchmarks/integrity_probe.py SOURCE WORKDIR [CASE ...]
    python benchmarks/integrity_probe.py --before-after WORKDIR [CASE ...]

The second form runs the cases of "Nothing overwritten, nothing phoned home,
nothing unbounded" (the `n..` cases below) twice, first on the version before
those fixes (commit PINNED, checked out by the script into a temporary git
worktree that it removes afterwards), then on this checkout, and prints each
case's "before" and "after" lines.

SOURCE is a checkout (the `sim` package and `scenarios/`) of the version to
probe, such as `.` or an older commit unpacked with `git archive`; WORKDIR an
empty scratch folder. Prints one line per case: the exit status and what the
command said or left behind. tests/test_integrity.py checks the same cases;
this script gives the figures of the table (counts over repeated trials,
timings) for any version, including one without the fixes.

The full-disk and read-only cases need small file systems that only root can
mount; give their folders in PROBE_FULL_DISK (a 2 MB tmpfs) and
PROBE_READ_ONLY (a read-only one), or those cases are skipped:

    mkdir full ro; mount -t tmpfs -o size=2m tmpfs full; mount -t tmpfs -o ro,size=1m tmpfs ro
    PROBE_FULL_DISK=$PWD/full PROBE_READ_ONLY=$PWD/ro python benchmarks/integrity_probe.py . probe-after
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BEFORE_AFTER = sys.argv[1:2] == ["--before-after"]
HERE = Path(__file__).resolve().parents[1]
SRC = HERE if BEFORE_AFTER else Path(sys.argv[1]).resolve()
WORK = Path(sys.argv[2]).resolve()
WANT = sys.argv[3:]
# The version before the fixes of "Nothing overwritten, nothing phoned home, nothing unbounded".
PINNED = "4ad44ef"
PY = sys.executable
FULL_DISK = os.environ.get("PROBE_FULL_DISK")
READ_ONLY = os.environ.get("PROBE_READ_ONLY")
SMALL = ["end=2024-03-31", "replicates=2", "progress=false"]


def env_for(src=SRC, extra=None):
    env = dict(os.environ, PYTHONPATH=str(src), SIM_SCENARIO_DIR=str(src / "scenarios"))
    env.update(extra or {})
    return env


def sim(args, cwd, src=SRC, timeout=300, extra=None):
    t = time.time()
    try:
        p = subprocess.run([PY, "-m", "sim", *args], cwd=cwd, env=env_for(src, extra), capture_output=True,
                           text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr, time.time() - t
    except subprocess.TimeoutExpired as e:
        return "timeout", e.stdout or "", e.stderr or "", time.time() - t


def short(text, n=160):
    text = text if isinstance(text, str) else (text or b"").decode(errors="replace")
    lines = [line for line in text.strip().splitlines() if line.strip()]
    tb = any("Traceback" in line for line in lines)
    last = lines[-1] if lines else ""
    if lines and lines[0].startswith("error: "):
        last = " ".join(lines)
        return " ".join(last.split())[:n + 100]
    return ("TRACEBACK " if tb else "") + " ".join(last.split())[:n]


def interrupt_after(args, cwd, seconds, src=None):
    """Start `sim ARGS`, press Ctrl-C after `seconds`; its exit status, stdout and stderr."""
    p = subprocess.Popen([PY, "-m", "sim", *args], cwd=cwd, env=env_for(src or SRC), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(seconds)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    return p.returncode, out, err


def fresh(name):
    d = WORK / name
    if d.exists():
        subprocess.run(["chmod", "-R", "u+w", str(d)])
        shutil.rmtree(d)
    d.mkdir(parents=True)
    return d


def report(case, text):
    print(f"[{case}] {text}", flush=True)


def python(code, cwd, src=SRC, timeout=300):
    p = subprocess.run([PY, "-c", code], cwd=cwd, env=env_for(src), capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


UNFINISHED = """
from pathlib import Path
from sim.api import load_scenario
from sim.runs.record import start_run
from sim.runs.ensemble import run_ensemble
cfg = load_scenario('status_quo_2024', ['end=2024-06-30', 'replicates=8', 'seed=5'] + EXTRA)
cp = start_run(Path('d'), cfg)
run_ensemble(cfg, indices=range(4), checkpoints=cp, workers=1, progress=False)
"""


def modified_copy(name, edit, before=None):
    """A copy of the code under test; `before(copy)` runs with it unedited, then `edit(copy)` changes it."""
    dst = WORK / name
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(SRC / "sim", dst / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(SRC / "scenarios", dst / "scenarios")
    if before is not None:
        before(dst)
    edit(dst)
    return dst


def case_1a():
    """resume after the model's code changed"""
    d = fresh("c1a")

    def edit(root):
        f = root / "sim/model/insurgent_behaviour.py"
        f.write_text(f.read_text().replace("p.attack_rate_per_day * capability(net)",
                                           "2.5 * p.attack_rate_per_day * capability(net)"))
    mod = modified_copy("c1a_src", edit, lambda src: python(UNFINISHED.replace("EXTRA", "[]"), d, src=src))
    code, out, err, _ = sim(["run", "end=2024-06-30", "replicates=8", "seed=5", "progress=false", "hydra.run.dir=d"], d, src=mod)
    info = short(err) if code else [line for line in out.splitlines() if "resum" in line][:1]
    mixed = ""
    if (d / "d/replicates.csv").exists():
        import pandas as pd
        r = pd.read_csv(d / "d/replicates.csv")
        mixed = f"attacks 0-3 {list(r.attacks[:4])} 4-7 {list(r.attacks[4:])}"
        man = json.loads((d / "d/manifest.json").read_text())
        mixed += f"; manifest keys: {sorted(man)}"
    report("1a code change", f"exit {code}; {info}; {mixed}")


def case_1b():
    """resume after a data file (geography) changed"""
    d = fresh("c1b")

    def edit(root):
        f = root / "sim/data/geography.yaml"
        f.write_text(f.read_text() + "\n# edited\n")
    mod = modified_copy("c1b_src", edit, lambda src: python(UNFINISHED.replace("EXTRA", "[]"), d, src=src))
    code, out, err, _ = sim(["run", "end=2024-06-30", "replicates=8", "seed=5", "progress=false", "hydra.run.dir=d"], d, src=mod)
    report("1b data change", f"exit {code}; {short(err) if code else [line for line in out.splitlines() if "resum" in line][:1]}")


def case_1c():
    """resume after a library version changed (numpy reported as another version)"""
    d = fresh("c1c")

    def edit(root):
        (root / "sitecustomize.py").write_text(
            "import importlib.metadata as m\n_v = m.version\n"
            "m.version = lambda n: '1.0.0' if n == 'numpy' else _v(n)\n")
    mod = modified_copy("c1c_src", edit, lambda src: python(UNFINISHED.replace("EXTRA", "[]"), d, src=src))
    code, out, err, _ = sim(["run", "end=2024-06-30", "replicates=8", "seed=5", "progress=false", "hydra.run.dir=d"], d, src=mod)
    versions = ""
    if (d / "d/manifest.json").exists():
        versions = "manifest numpy " + json.loads((d / "d/manifest.json").read_text())["versions"]["numpy"]
    report("1c numpy version", f"exit {code}; {short(err) if code else [line for line in out.splitlines() if "resum" in line][:1]} {versions}")


def case_2():
    for i, dates in enumerate((["end=20240630"], ["end=2024-W26-7"], ["start=2024-W01-1"])):
        d = fresh(f"c2_{i}")
        code, out, err, _ = sim(["run", *dates, "replicates=2", "progress=false", "hydra.run.dir=r"], d)
        extra = ""
        if (d / "r/summary.json").exists():
            s = json.loads((d / "r/summary.json").read_text())
            extra = f"end stored {s['end']!r}; targets {[(t['quantity'], t['inside_90_interval']) for t in s['targets']][:1]}"
        report(f"2 {dates[0]}", f"exit {code}; {short(err) if code else ''} {extra}")


def case_3a():
    d = fresh("c3a")
    (d / "mine").mkdir()
    (d / "mine/events.csv").write_text("my own events\n")
    (d / "mine/summary.json").write_text('{"mine": true}\n')
    (d / "mine/sub").mkdir()
    (d / "mine/sub/.notes.tmp-1").write_text("my notes\n")
    code, out, err, _ = sim(["run", *SMALL, "hydra.run.dir=mine"], d)
    kept = [(d / "mine" / n).exists() and "my own" in (d / "mine" / n).read_text() or "mine" in (d / "mine" / n).read_text()
            for n in ("events.csv", "summary.json")]
    report("3a run over user folder", f"exit {code}; {short(err) if code else ''}; user files kept {kept}; "
           f"tmp note kept {(d / 'mine/sub/.notes.tmp-1').exists()}")


def case_3b():
    d = fresh("c3b")
    (d / "mine").mkdir()
    (d / "mine/events.csv").write_text("my own events\n")
    code, out, err = python("""
from sim.api import load_scenario, run
r = run(load_scenario('status_quo_2024', ['end=2024-03-31', 'replicates=2']))
r.save('mine')
print('saved')
""", d)
    report("3b save over user folder", f"exit {code}; {short(err) if code else short(out)}; user file kept "
           f"{(d / 'mine/events.csv').read_text().startswith('my own')}")


def case_4a():
    hits, refused, mixed = 0, 0, 0
    for trial in range(3):
        d = fresh(f"c4a_{trial}")
        procs = [subprocess.Popen([PY, "-m", "sim", "run", *SMALL, f"seed={s}"], cwd=d, env=env_for(),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for s in (11, 22)]
        outs = [p.communicate(timeout=300) for p in procs]
        codes = [p.returncode for p in procs]
        folders = list((d / "outputs/status_quo_2024").iterdir())
        hits += len(folders) == 1
        refused += any(c != 0 for c in codes)
        for f in folders:
            ov = (f / ".hydra/overrides.yaml").read_text() if (f / ".hydra/overrides.yaml").exists() else ""
            man = json.loads((f / "manifest.json").read_text()) if (f / "manifest.json").exists() else None
            if man and f"seed={man['seed']}" not in ov:
                mixed += 1
        last = [short(o[1]) for o, c in zip(outs, codes) if c]
    report("4a two runs default folder", f"same folder {hits}/3, one refused {refused}/3, overrides from the other "
           f"{mixed}/3; {last}")


def case_4b():
    d = fresh("c4b")
    args = [PY, "-m", "sim", "run", "end=2024-12-31", "replicates=40", "workers=1", "progress=false", "hydra.run.dir=same"]
    first = subprocess.Popen(args, cwd=d, env=env_for(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while not list((d / "same/.partial").glob("block-*")) if (d / "same/.partial").exists() else True:
        time.sleep(0.01)
    second = subprocess.Popen(args, cwd=d, env=env_for(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    o1, o2 = first.communicate(timeout=300), second.communicate(timeout=300)
    report("4b two processes one folder", f"first exit {first.returncode} {short(o1[1])}; second exit "
           f"{second.returncode} {short(o2[1]) or [line for line in o2[0].splitlines() if "resum" in line][:1]}")


def case_4c():
    d = fresh("c4c")
    args = [PY, "-m", "sim", "sweep", "--axis", "syria=contained,collapse", "--replicates", "2", "--set",
            "end=2024-12-31", "--window", "2024-01-01:2024-12-31", "--out", "sw"]
    procs = [subprocess.Popen(args, cwd=d, env=env_for(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    report("4c two sweeps one --out", "; ".join(f"exit {p.returncode} {short(o[1])}" for p, o in zip(procs, outs)))


SAVE = """
import sys
from sim.api import load_scenario, run
r = run(load_scenario('status_quo_2024', ['end=2024-03-31', 'replicates=2', 'seed=' + sys.argv[1]]))
import time; time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
r.save('same')
print('saved')
"""


def case_4d():
    outcomes = {"both ok": 0, "verify fails": 0, "verifies with foreign file": 0}
    for trial in range(5):
        d = fresh(f"c4d_{trial}")
        go = time.time() + 8
        procs = [subprocess.Popen([PY, "-c", SAVE, str(s), str(go)], cwd=d, env=env_for(), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for s in (1, 2)]
        outs = [p.communicate(timeout=300) for p in procs]
        ok = [p.returncode == 0 for p in procs]
        outcomes["both ok"] += all(ok)
        code, out, err = python("""
from sim.runs.record import load_run
from sim.runs.reproduce import check_record
rec = load_run('same')
print(len(check_record(rec)), rec.config.seed)
import pandas as pd
print(pd.read_csv('same/replicates.csv').seed.tolist())
""", d)
        if code or out.split()[0] != "0":
            outcomes["verify fails"] += 1
    report("4d two save() one path", f"{outcomes} of 5 trials; last stderr {[short(o[1]) for o in outs]}")


EXPLORER_SAVE = """
import datetime as dt, sys, time
from sim.api import load_scenario, run
from sim.explore import comparison
r = run(load_scenario('status_quo_2024', ['end=2024-03-31', 'replicates=2', 'seed=' + sys.argv[1]]))
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
print(comparison.save(comparison.Comparison(r, r), now=dt.datetime(2026, 1, 1, 12, 0, 0)))
"""


def case_4e():
    same, both = 0, 0
    for trial in range(5):
        d = fresh(f"c4e_{trial}")
        go = time.time() + 8
        procs = [subprocess.Popen([PY, "-c", EXPLORER_SAVE, str(s), str(go)], cwd=d, env=env_for(),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for s in (1, 2)]
        outs = [p.communicate(timeout=300) for p in procs]
        both += all(p.returncode == 0 for p in procs)
        same += len(list((d / "outputs/explorer/status_quo_2024").iterdir())) == 1
    report("4e explorer saves same second", f"both returned success {both}/5, one folder for both {same}/5; "
           f"{[short(o[1]) for o in outs]}")


def make_run(d, name="run", extra=()):
    code, out, err, _ = sim(["run", *SMALL, *extra, f"hydra.run.dir={name}"], d)
    assert code == 0, err
    return d / name


def edit_manifest(run, change):
    m = json.loads((run / "manifest.json").read_text())
    change(m)
    (run / "manifest.json").write_text(json.dumps(m))


def case_5():
    d = fresh("c5")
    base = make_run(d)
    for k, (label, entry) in enumerate((("/dev/zero", "/dev/zero"), ("folder", ".hydra"), ("../", "../outside.txt"))):
        run = d / f"r_{k}"
        shutil.copytree(base, run)
        (d / "outside.txt").write_text("secret\n")
        edit_manifest(run, lambda m: m["files"].__setitem__(entry, "0" * 64))
        code, out, err, t = sim(["reproduce", run.name], d, timeout=30)
        report(f"5 reproduce manifest {label}", f"exit {code} after {t:.1f}s; {short(err) or short(out)}")
    run = d / "r_edit"
    shutil.copytree(base, run)
    cfg = (run / "config.yaml").read_text().replace("replicates: 2", "replicates: 400")
    (run / "config.yaml").write_text(cfg)
    code, out, err, t = sim(["reproduce", run.name], d, timeout=300)
    report("5 reproduce hand-edited config", f"exit {code} after {t:.1f}s; {' | '.join(out.splitlines())[:300]}")


def case_5e():
    d = fresh("c5e")
    make_run(d, extra=["replicates=120", "end=2025-12-31", "plots=false"])
    code, _, err = interrupt_after(["reproduce", "run"], d, 5)
    report("5e Ctrl-C reproduce", f"exit {code}; {short(err)}")


def case_5f():
    d = fresh("c5f")
    make_run(d, extra=["parameters=posterior"])

    def edit(root):
        import pandas as pd, hashlib, yaml
        csv = root / "sim/data/posterior.csv"
        t = pd.read_csv(csv)
        t = t.iloc[::-1].reset_index(drop=True)
        text = t.to_csv(index=False, lineterminator="\n", float_format="%.10g")
        csv.write_text(text)
        meta = yaml.safe_load((root / "sim/data/posterior.yaml").read_text())
        meta["csv_sha256"] = hashlib.sha256(text.encode()).hexdigest()
        (root / "sim/data/posterior.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    mod = modified_copy("c5f_src", edit)
    man = json.loads((d / "run/manifest.json").read_text())
    code, out, err, t = sim(["reproduce", "run"], d, src=mod)
    report("5f posterior changed", f"manifest has posterior hash: {'posterior.csv' in json.dumps(man)}; exit {code}; "
           f"{' | '.join(line for line in out.splitlines())[:300]} {short(err)}")


def case_5g():
    d = fresh("c5g")
    code, out, err, _ = sim(["sweep", "--axis", "syria=contained,collapse", "--replicates", "2", "--set",
                             "end=2024-12-31", "--window", "2024-01-01:2024-12-31", "--out", "sw"], d)
    code, out, err, _ = sim(["reproduce", "sw"], d)
    report("5g reproduce a sweep", f"exit {code}; {short(err)}")


def case_6a():
    if not FULL_DISK:
        return report("6a full disk", "skipped: set PROBE_FULL_DISK to a 2 MB tmpfs")
    full = Path(FULL_DISK)
    for label, extra in (("checkpoint", ["plots=false"]), ("plot", [])):
        for p in full.iterdir():
            shutil.rmtree(p) if p.is_dir() else p.unlink()
        # fill the small disk so that only some of the run fits
        filler = full / "filler"
        size = 1_700_000 if label == "plot" else 2_050_000
        filler.write_bytes(b"0" * size)
        code, out, err, _ = sim(["run", "end=2024-12-31", "replicates=6", "progress=false", *extra,
                                 "hydra.run.dir=" + str(full / "r")], WORK)
        tmps = [str(p.relative_to(full)) for p in full.rglob(".*tmp*")]
        filler.unlink()
        code2, out2, err2, _ = sim(["run", "end=2024-12-31", "replicates=6", "progress=false", *extra,
                                    "hydra.run.dir=" + str(full / "r")], WORK)
        report(f"6a full disk at {label}", f"exit {code}; {short(err)}; temp files left {tmps}; rerun exit {code2} "
               f"{short(err2)}")


def case_6b():
    if not READ_ONLY:
        return report("6b read-only folder", "skipped: set PROBE_READ_ONLY to a read-only file system")
    ro = Path(READ_ONLY)
    d = fresh("c6b")
    code, out, err, _ = sim(["run", *SMALL, f"hydra.run.dir={ro}/r"], d)
    report("6b read-only sim run", f"exit {code}; {short(err)}")
    code, out, err, _ = sim(["sweep", "--axis", "syria=contained,collapse", "--replicates", "2", "--set",
                             "end=2024-12-31", "--window", "2024-01-01:2024-12-31", "--out", f"{ro}/sw"], d)
    report("6b read-only sim sweep", f"exit {code}; {short(err)}")
    make_run(d)
    code, out, err, _ = sim(["compare", "run", "--out", f"{ro}/cmp"], d)
    report("6b read-only sim compare --out", f"exit {code}; {short(err)}")


def case_6c():
    d = fresh("c6c")
    os.symlink(d / "nowhere", d / "link")
    code, out, err, _ = sim(["run", *SMALL, "hydra.run.dir=link"], d)
    report("6c dangling symlink run folder", f"exit {code}; {short(err)}")
    code, out, err, _ = sim(["run", *SMALL, "scenario.name=" + "n" * 300], d)
    report("6d 300-char scenario name", f"exit {code}; {short(err)}")
    code, out, err, _ = sim(["run", *SMALL, "hydra.run.dir=a b,c"], d)
    report("6e unquoted space in hydra.run.dir", f"exit {code}; {short(err)}")
    run = make_run(d, "done")
    before = (run / ".hydra/overrides.yaml").read_text()
    code, out, err, _ = sim(["run", *SMALL, "seed=99", "hydra.run.dir='done'"], d)
    after = (run / ".hydra/overrides.yaml").read_text()
    report("6f quoted hydra.run.dir of a complete run", f"exit {code}; {short(err)}; .hydra rewritten {before != after}")


def case_7a():
    d = fresh("c7a")
    p = subprocess.Popen([PY, "-m", "sim", "run", "replicates=100000", "progress=false", "hydra.run.dir=big"], cwd=d,
                         env=env_for(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        o = p.communicate(timeout=25)
        report("7a replicates=100000", f"exit {p.returncode}; {short(o[1]) or short(o[0])}")
    except subprocess.TimeoutExpired:
        p.kill()
        o = p.communicate()
        blocks = len(list((d / "big/.partial").glob("block-*"))) if (d / "big/.partial").exists() else 0
        report("7a replicates=100000", f"still running after 25 s ({blocks} blocks saved); "
               f"output so far {short(o[0])!r} {short(o[1])!r}")
    d = fresh("c7a2")
    code, out, err, t = sim(["run", "replicates=200000", "progress=false"], d, timeout=60)
    report("7a replicates=200000", f"exit {code} after {t:.1f} s; {short(err) or short(out)}; left "
           f"{sorted(str(p.relative_to(d)) for p in d.rglob('*'))[:3]}")


def case_7b():
    d = fresh("c7b")
    (d / "big.yaml").write_text("name: big\naxes:\n  model.insurgents.attack_rate_per_day: {range: [0.001, 0.01], steps: 100}\n"
                                "  model.syria.breakouts_per_year: {range: [0.0, 2.0], steps: 100}\nreplicates: 2\n")
    code, out, err = interrupt_after(["sweep", "big.yaml"], d, 20)
    report("7b 10,000-point sweep, Ctrl-C after 20 s", f"exit {code}; stdout {short(out)!r}; stderr {short(err)!r}")
    (d / "abs.yaml").write_text(f"name: {d}/elsewhere\naxes:\n  syria: [contained, collapse]\nreplicates: 2\n"
                                "overrides: [end=2024-12-31]\nwindow: {start: 2024-01-01, end: 2024-12-31}\n")
    code, out, err, _ = sim(["sweep", "abs.yaml"], d)
    report("7c sweep name /abs/path", f"exit {code}; {short(err) or short(out)}; wrote outside outputs "
           f"{(d / 'elsewhere').exists()}")


def case_7d():
    d = fresh("c7d")
    for label, call in (("replicates=2.5", "run(cfg, replicates=2.5)"), ("seed=1.5", "run(cfg, seed=1.5)"),
                        ("seed=np.int64(7)", "run(cfg, seed=numpy.int64(7))"),
                        ("EnsembleResult(cfg, []).save", "EnsembleResult(cfg, []).save('empty')")):
        code, out, err = python(f"""
import numpy
from sim.api import load_scenario, run, EnsembleResult
cfg = load_scenario('status_quo_2024', ['end=2024-03-31', 'replicates=2'])
r = {call}
print('accepted', getattr(getattr(r, 'config', None), 'replicates', None))
""", d)
        report(f"7d API {label}", f"exit {code}; {short(err) or short(out)}")
    report("7d API save empty", f"left {sorted(p.name for p in (d / 'empty').iterdir()) if (d / 'empty').exists() else 'nothing'}")


CASES = {k[5:]: v for k, v in globals().items() if k.startswith("case_")}


# ===== Nothing overwritten, nothing phoned home, nothing unbounded ========================
# Each `n..` case takes the checkout to probe and a fresh folder, and returns one line. Run with
# --before-after to see each on the pinned version and on this one.

W = "window=2022-01-01:2022-03-31"
HEADER = "# @package _global_\n"
def said(code, out, err) -> str:
    return f"exit {code}; {short(err) or short(out)}"


def small_runs(src: Path, d: Path, names=("a", "b")) -> None:
    """Finished small runs `names` in `d` (one made, the others copied)."""
    code, _, err, _ = sim(["run", "end=2022-03-31", "replicates=2", "seed=5", "progress=false", "plots=false",
                           f"hydra.run.dir={names[0]}"], d, src=src)
    assert code == 0, err
    for name in names[1:]:
        shutil.copytree(d / names[0], d / name)


def scenario_files(src: Path, d: Path, files: dict[str, str | bytes]) -> dict:
    """A copy of the scenario folder with `files` (name -> text) added under scenario/; its environment."""
    shutil.copytree(src / "scenarios", d / "scenarios")
    for name, text in files.items():
        path = d / "scenarios/scenario" / f"{name}.yaml"
        path.write_bytes(text.encode() if isinstance(text, str) else text)
    return {"SIM_SCENARIO_DIR": str(d / "scenarios")}


def scenario_text(name: str, extra: str = "") -> str:
    return f"{HEADER}scenario:\n  name: {name}\n  description: probe\n{extra}"


def impulse_scenario(name: str, kind: str, amount: str, target: str = "") -> str:
    where = f", target: {target}" if target else ""
    return scenario_text(name, f"timeline:\n  - date: '2022-02-01'\n    label: probe\n    impulses: "
                               f"[{{kind: {kind}, amount: {amount}{where}}}]\n")


def sha(path: Path) -> str:
    import hashlib
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else "absent"


def n01_attribute_end(src, d):
    code, out, err, t = sim(["attribute", "baseline", "syria_collapse", "replicates=2", "branch_date=2022-02-01",
                             "end=2022-06-30", "window=2023-01-01:2023-03-31", "out=att"], d, src=src)
    if code:
        return said(code, out, err)
    import yaml
    spec = yaml.safe_load((d / "att/sweep.yaml").read_text())
    return f"exit 0 after {t:.0f} s: {out.splitlines()[1][:70]}; sweep.yaml records {spec['overrides']}"


def n02_report_overwrites(src, d):
    small_runs(src, d, ("run", "other"))
    summary = sha(d / "other/summary.json")
    code1, _, err1, _ = sim(["report", "run", "out=other/summary.json", W], d, src=src)
    (d / "notes.html").write_text("my notes\n")
    code2, _, err2, _ = sim(["report", "run", "out=notes.html", W], d, src=src)
    (d / "run.html").write_text("an earlier report\n")
    code3, out3, _, _ = sim(["report", "run", W], d, src=src)
    return (f"out=OTHER_RUN/summary.json: exit {code1}, summary.json "
            f"{'unchanged' if sha(d / 'other/summary.json') == summary else 'replaced by HTML'}; "
            f"existing out=notes.html: exit {code2}, "
            f"{'kept' if (d / 'notes.html').read_text() == 'my notes' + chr(10) else 'overwritten'}; "
            f"existing default run.html: exit {code3}, "
            f"{'kept' if (d / 'run.html').read_text().startswith('an earlier') else 'overwritten'}, {short(out3)}")


def n03_compare_overwrites(src, d):
    small_runs(src, d, ("a", "b", "done"))
    (d / "mine").mkdir()
    (d / "mine/comparison.csv").write_text("my table\n")
    code1, _, err1, _ = sim(["compare", "a", "b", "out=mine", W], d, src=src)
    before = sorted(p.name for p in (d / "done").iterdir())
    code2, _, err2, _ = sim(["compare", "a", "b", "out=done", W], d, src=src)
    added = sorted({p.name for p in (d / "done").iterdir()} - set(before))
    return (f"out=DIR holding the user's comparison.csv: exit {code1}, "
            f"{'kept' if (d / 'mine/comparison.csv').read_text() == 'my table' + chr(10) else 'overwritten'}; "
            f"out=a finished run: exit {code2}, files added to it {added}; {short(err2)}")


def n04_compare_writes_then_refuses(src, d):
    small_runs(src, d)
    code, out, err, _ = sim(["compare", "a", "b", "out=X", "window=2030-01-01:2030-03-31"], d, src=src)
    left = sorted(p.name for p in (d / "X").iterdir()) if (d / "X").exists() else []
    return f"{said(code, out, err)}; left in X: {left or 'nothing'}"


def explorer_process(src: Path, d: Path, assets: Path | None, audited: bool):
    """`sim explore` of `src` on a free port (under the audit hook if `audited`); (process, url)."""
    import socket
    import urllib.request
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    from sim.explore.headless import audited_env
    extra = {"SOLARA_HOME": str(d / "solara_home")}
    if audited:
        extra.update(audited_env(d))
        extra["PYTHONPATH"] += f":{src}"
    if assets is not None:
        extra["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(assets)
    env = env_for(src, extra)
    with open(d / "server.log", "w") as log:
        process = subprocess.Popen([PY, "-m", "sim", "explore", f"port={port}", "workers=2"], cwd=d, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(240):
        try:
            urllib.request.urlopen(url, timeout=5)
            break
        except OSError:
            time.sleep(0.5)
    return process, url


_server_seen: dict[Path, dict] = {}


def audited_server(src: Path, d: Path) -> dict:
    """Start the server once per version under the audit hook, with scratch assets; what it did."""
    if src not in _server_seen:
        assets = d / "assets"
        (assets / "victim@1.0.0/dist").mkdir(parents=True)
        (assets / "victim@1.0.0/dist/app.js").write_text("installed\n")
        process, url = explorer_process(src, d, assets, audited=True)
        from sim.explore.headless import http_status
        codes = [http_status(url + p) for p in ("_solara/cdn/victim@1.0.0/dist",
                                               "_solara/cdn/victim@1.0.0/dist/app.js")]
        time.sleep(5)
        process.terminate()
        process.wait(timeout=30)
        log = d / "network.log"
        hosts = sorted(set(log.read_text().split())) if log.exists() else []
        _server_seen[src] = {"codes": codes, "folder": (assets / "victim@1.0.0/dist").is_dir(), "hosts": hosts,
                             "user_id": (d / "solara_home/server_user_id.txt").exists()}
    return _server_seen[src]


def n05_cdn_get_deletes(src, d):
    seen = audited_server(src, d)
    return (f"GET the folder: {seen['codes'][0]}, the folder {'kept' if seen['folder'] else 'DELETED'}; "
            f"GET a file in it afterwards: {seen['codes'][1]}")


REPLICATES_FROM_PAGE = """
import time, ipyvuetify as v, solara
from sim.explore import app, batch, ensemble_panel
asked = []
def record(configs, *args, **kwargs):
    asked.extend(sorted(c.replicates for c in configs.values()))
    raise RuntimeError("stopped by the probe")
batch.run_ensembles = record
_, page = solara.render(app.Page(), handle_error=False)
page.find(v.Select, class_="pick-replicates").widget.v_model = 5000
next(b for b in page.find(v.Btn).widgets if "Run the ensemble" in b.children).click()
time.sleep(1)
while ensemble_panel.run_ensemble_task.pending:
    time.sleep(0.05)
print("ensemble started with replicates", asked or "none;", "task error:", ensemble_panel.run_ensemble_task.exception)
"""


def n06_replicates_from_the_page(src, d):
    code, out, err = python(REPLICATES_FROM_PAGE, d, src=src)
    return said(code, out, err) if code else short(out, 200)


def n06b_ensemble_after_the_tab_closes(src, d):
    """A page in headless Chromium starts a 40-replicate ensemble and is closed; how long the server's pool
    workers go on."""
    import psutil
    from playwright.sync_api import sync_playwright
    from sim.explore.headless import CHROMIUM_ARGS, find_chromium
    process, url = explorer_process(src, d, None, audited=False)
    server = psutil.Process(process.pid)

    def workers():
        """The pool's workers: the children of the multiprocessing fork server."""
        forkservers = [p for p in server.children() if "forkserver" in " ".join(p.cmdline())]
        return [w for f in forkservers for w in f.children() if w.status() != psutil.STATUS_ZOMBIE]
    try:
        with sync_playwright() as play:
            browser = play.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(url)
            page.locator(".replicate-date").wait_for(timeout=120_000)
            page.get_by_role("tab", name="Many histories").click()
            page.locator(".pick-replicates").click()
            page.locator(".menuable__content__active").get_by_role("option", name="40", exact=True).click()
            started = time.monotonic()
            page.get_by_role("button", name="Run the ensemble").click()
            page.locator(".ensemble-progress").wait_for()
            time.sleep(3)
            busy = len(workers())
            page.close(run_before_unload=True)
            browser.close()
        closed = time.monotonic()
        while workers() and time.monotonic() - closed < 300:
            time.sleep(0.5)
        return (f"{busy} workers running when the tab closed {closed - started:.0f} s into the ensemble; they "
                f"ended {time.monotonic() - closed:.0f} s after the tab closed")
    finally:
        process.terminate()
        process.wait(timeout=30)


def n07_outside_hosts(src, d):
    seen = audited_server(src, d)
    return (f"outside hosts looked up: {', '.join(seen['hosts']) or 'none'}; ~/.solara/server_user_id.txt "
            f"{'written' if seen['user_id'] else 'not written'}")


def run_scenario(src, d, files, name, extra=(), timeout=300):
    env = scenario_files(src, d, files)
    code, out, err, t = sim(["run", f"scenario={name}", "replicates=1", "progress=false", "plots=false",
                             "hydra.run.dir=r", *extra], d, src=src, timeout=timeout, extra=env)
    attacks = next((line.split("median")[1].split()[0] for line in out.splitlines() if "attacks per month" in line),
                   "")
    left = sorted(p.name for p in (d / "r").iterdir()) if (d / "r").exists() else []
    shown = f"exit {code} after {t:.0f} s; " + (f"attacks a month (median) {attacks}" if code == 0 else
                                                  short(err) if code != "timeout" else "no answer (stopped)")
    return shown + (f"; left r/ holding {left}" if code not in (0,) and left else "")


SHORT_RUN = ("branch_date=2022-01-15", "end=2022-03-31")


def n08_arrivals_unbounded(src, d):
    return run_scenario(src, d, {"flood": impulse_scenario("flood", "arrivals", "1000000", "anbar_desert")}, "flood",
                        SHORT_RUN)


def n09_alias_bomb_and_size(src, d):
    bomb = HEADER + "".join(f"{n}: &{n} [{', '.join([f'*{p}'] * 9) if p else ', '.join(['x'] * 9)}]\n"
                            for p, n in zip(["", *"abcdefg"], "abcdefgh"))
    (d / "bomb").mkdir()
    (d / "big").mkdir()
    first = run_scenario(src, d / "bomb", {"bomb": bomb}, "bomb", timeout=60)
    big = scenario_text("big", "# " + "x" * 50_000_000 + "\n")
    return f"alias bomb: {first} | 50 MB file: {run_scenario(src, d / 'big', {'big': big}, 'big', timeout=60)}"


def n10_infinite_amount(src, d):
    return run_scenario(src, d, {"infi": impulse_scenario("infi", "arrivals", ".inf", "anbar_desert")}, "infi",
                        SHORT_RUN)


def n11_include_cycles(src, d):
    files = {"selfie": scenario_text("selfie").replace(HEADER, HEADER + "defaults:\n  - selfie\n"),
             "ping": scenario_text("ping").replace(HEADER, HEADER + "defaults:\n  - /scenario/pong\n"),
             "pong": scenario_text("pong").replace(HEADER, HEADER + "defaults:\n  - ping\n")}
    env = scenario_files(src, d, files)
    out = []
    for name in ("selfie", "ping"):
        code, o, e, _ = sim(["run", f"scenario={name}", "replicates=1"], d, src=src, extra=env)
        out.append(f"{name}: {said(code, o, e)}")
    return " | ".join(out)


def n12_deep_nesting(src, d):
    deep = scenario_text("deep").replace("probe", "[" * 5000 + "]" * 5000)
    return run_scenario(src, d, {"deep": deep}, "deep")


def n13_backtest_seeds(src, d):
    code1, o1, e1, _ = sim(["backtest", "seed=-1", "quiet=true", "out=bt1"], d, src=src, timeout=60)
    code2, o2, e2, t2 = sim(["backtest", f"seed={2 ** 64}", "quiet=true", "out=bt2"], d, src=src, timeout=20)
    second = "accepted (still running after 20 s)" if code2 == "timeout" else said(code2, o2, e2)
    return f"seed=-1: {said(code1, o1, e1)} | seed=2^64: {second}"


def n14_list_bad_files(src, d):
    files = {"latin": scenario_text("latin").encode().replace(b"probe", b"caf\xe9"), "listy": "- a\n- b\n",
             "deep": scenario_text("deep").replace("probe", "[" * 5000 + "]" * 5000)}
    env = scenario_files(src, d, files)
    (d / "scenarios/scenario/passwd.yaml").symlink_to("/etc/passwd")
    code, out, err, _ = sim(["list"], d, src=src, extra=env)
    listed = [line.strip() for line in out.splitlines() if line.startswith("  ") and not line.startswith("   ")
              and line.strip().isidentifier()]
    return f"exit {code}; {len(listed)} names listed; {short(err, 220)}"


def n15_ctrl_c_blames_a_run(src, d):
    """Ctrl-C at eight moments while `sim compare` reads 30 good runs: how often a run is blamed."""
    names = [f"c{k:02d}" for k in range(30)]
    small_runs(src, d, tuple(names))
    delays = [2.0 + 0.5 * k for k in range(8)]
    said_ = []
    for delay in delays:
        code, out, err = interrupt_after(["compare", *names, W], d, delay, src)
        said_.append(short(err, 100))
    blamed = [s for s in said_ if "cannot be read" in s or "differs from" in s or "TRACEBACK" in s]
    return (f"a good run blamed (or a traceback) in {len(blamed)} of {len(delays)} tries (Ctrl-C after "
            f"{delays[0]}-{delays[-1]} s); {blamed[0] if blamed else said_[-1]}")


def n16_unknown_keys(src, d):
    files = {"colour": scenario_text("colour", "colour: blue\n"), "listy": "- a\n",
             "mapped": scenario_text("mapped", "timeline:\n  date: '2027-01-01'\n")}
    env = scenario_files(src, d, files)
    return " | ".join(f"{n}: {said(*sim(['run', f'scenario={n}', 'replicates=1'], d, src=src, extra=env)[:3])}"
                      for n in files)


def n17_non_utf8(src, d):
    env = scenario_files(src, d, {"latin": scenario_text("latin").encode().replace(b"probe", b"caf\xe9")})
    return said(*sim(["run", "scenario=latin", "replicates=1"], d, src=src, extra=env)[:3])


def n18_ctrl_c_messages(src, d):
    small_runs(src, d)
    out = []
    for label, args, delay in (("compare", ["compare", "a", "b", W], 1.5), ("report", ["report", "a", W], 3.0),
                               ("backtest", ["backtest", "quiet=true", "out=bt"], 10.0)):
        code, o, e = interrupt_after(args, d, delay, src)
        out.append(f"{label}: exit {code}, {short(e, 120)}")
    left = sorted(p.name for p in (d / "bt").iterdir()) if (d / "bt").exists() else None
    return " | ".join(out) + f" | backtest folder: {'absent' if left is None else left or 'left empty'}"


def n19_reserves_nan_inf(src, d):
    (d / "nan").mkdir()
    (d / "inf").mkdir()
    nan = run_scenario(src, d / "nan", {"cashnan": impulse_scenario("cashnan", "reserves", ".nan")}, "cashnan",
                       SHORT_RUN)
    inf = run_scenario(src, d / "inf", {"cashinf": impulse_scenario("cashinf", "reserves", "+.inf")}, "cashinf",
                       SHORT_RUN)
    return f"reserves .nan: {nan} | reserves +.inf: {inf}"


def n20_validate_errors(src, d):
    code, out, err, _ = sim(["validate", "nosuch"], d, src=src)
    return f"exit {code}; first line: {err.strip().splitlines()[0][:90]!r} ({len(err.strip().splitlines())} lines)"


def n21_repeated_key_and_inf(src, d):
    code, out, err, _ = sim(["run", "replicates=2", "replicates=3", "end=2022-02-28", "progress=false",
                             "plots=false", "hydra.run.dir=r"], d, src=src)
    ran = next((line.split(":")[1].split(",")[0].strip() for line in out.splitlines() if "replicates," in line), "")
    small_runs(src, d, ("a", "copy_of_a"))
    _, cout, _, _ = sim(["compare", "a", "copy_of_a", W, "out=cmp"], d, src=src)
    lines = cout.splitlines()
    header = next((k for k, line in enumerate(lines) if "variance_reduction" in line), None)
    reduction = lines[header + 1].split()[-1] if header is not None and header + 1 < len(lines) else "?"
    first = f"ran {ran}" if code == 0 else said(code, out, err)
    return f"replicates=2 replicates=3: {first} | a run beside its copy: variance_reduction {reduction}"


NEW_CASES = {k: v for k, v in globals().items() if k.startswith("n") and k[1:3].isdigit()}


@contextlib.contextmanager
def pinned_checkout():
    """The pinned commit in a temporary git worktree, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="probe-pinned-")) / "src"
    subprocess.run(["git", "-C", str(HERE), "worktree", "add", "--detach", str(folder), PINNED], check=True,
                   capture_output=True)
    try:
        yield folder
    finally:
        subprocess.run(["git", "-C", str(HERE), "worktree", "remove", "--force", str(folder)], capture_output=True)
        shutil.rmtree(folder.parent, ignore_errors=True)


def before_and_after(cases: dict) -> None:
    with pinned_checkout() as old:
        for name, fn in cases.items():
            lines = []
            for label, src in (("before", old), ("after", SRC)):
                d = WORK / label / name
                if d.exists():
                    shutil.rmtree(d)
                d.mkdir(parents=True)
                t = time.time()
                try:
                    lines.append(f"  {label}: {fn(src, d)}  [{time.time() - t:.0f} s]")
                except Exception as e:               # the probe reports, it does not stop
                    lines.append(f"  {label}: PROBE ERROR {e!r}")
            print(f"[{name}] {' '.join((fn.__doc__ or '').split())}\n" + "\n".join(lines), flush=True)


if __name__ == "__main__":
    WORK.mkdir(parents=True, exist_ok=True)
    if BEFORE_AFTER:
        before_and_after({k: v for k, v in NEW_CASES.items() if not WANT or k in WANT})
        sys.exit(0)
    for name, fn in CASES.items():
        if WANT and name not in WANT:
            continue
        try:
            fn()
        except Exception as e:
            report(name, f"PROBE ERROR {e!r}")
