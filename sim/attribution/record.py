"""A finished attribution read back: its summary, shares, interactions and figure, each checked against its
manifest, and the command that makes it again (for `sim report`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from sim.config.errors import ConfigError
from sim.files import sha256_file
from sim.runs import record

RESULT_FILE = "attribution.json"


@dataclass
class AttributionRecord:
    """A finished attribution folder read back, every file it reads checked against the manifest."""

    path: Path
    manifest: dict
    summary: dict
    shares: pd.DataFrame
    interactions: pd.DataFrame
    figure_png: bytes
    spec: dict


def is_attribution(path: Path) -> bool:
    """Whether `path` is a folder written by `sim attribute`."""
    return (Path(path) / RESULT_FILE).is_file()


def load_attribution(path: str | Path) -> AttributionRecord:
    """Read a finished attribution, or raise a ConfigError saying what is missing or changed."""
    path = Path(path)
    manifest_path = path / record.MANIFEST
    if not manifest_path.is_file():
        raise ConfigError(f"'{path}' has no {record.MANIFEST}: the attribution is unfinished or damaged; the same "
                          "`sim attribute` command finishes it.")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files = manifest["files"]
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as err:
        raise ConfigError(f"'{manifest_path}' is not a readable sweep manifest ({err}).") from None
    texts = {}
    for name in (RESULT_FILE, "attribution.csv", "interactions.csv", "attribution.png", "sweep.yaml"):
        if name not in files or not (path / name).is_file() or sha256_file(path / name) != files[name]:
            raise ConfigError(f"'{path / name}' is missing or differs from the attribution's manifest; run the "
                              "attribution again into a new folder.")
        texts[name] = (path / name).read_bytes()
    return AttributionRecord(path, manifest, json.loads(texts[RESULT_FILE]), pd.read_csv(path / "attribution.csv"),
                             pd.read_csv(path / "interactions.csv"), texts["attribution.png"],
                             yaml.safe_load(texts["sweep.yaml"]))


def reproducing_command(rec: AttributionRecord) -> str:
    """The `sim attribute` command that makes the same attribution."""
    s, spec = rec.summary, rec.spec
    overrides = " ".join(spec.get("overrides") or [])
    return (f"sim attribute {s['scenario_a']} {s['scenario_b']} outcome={s['outcome']} "
            f"window={s['window'][0]}:{s['window'][1]} replicates={s['replicates']} seed={s['seed']} "
            f"{overrides}").strip()
