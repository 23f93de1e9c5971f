"""docs/parameters.md, generated so that it cannot drift from the schema, the scenarios or the posterior.

Values are those the baseline scenario starts from on its first day (the schema's,
or the observed history's where it sets one); meanings come from the schema;
sources, bases and certainty from sim/data/parameter_sources.yaml; priors and
posterior intervals from the shipped posterior; the determinant levels and the
dated changes of the observed history that set a value from the scenario files.
"""

from __future__ import annotations

import dataclasses

from sim.config.calibrated import CALIBRATED
from sim.config.paths import all_fields
from sim.config.provenance import provenance
from sim.config.posterior import shipped_posterior
from sim.config.determinants import DETERMINANTS, NO_CHANGE
from sim.config.load import compose_run_config, scenario_dir
from sim.config.resolve import level_values
from sim.defaults import BASELINE_SCENARIO

HEADER = """# Parameters

Every model parameter: its value on the first day (2022-01-01) of the baseline scenario, unit, allowed range, meaning,
where the value comes from, and how sure we are of it. The calibrated parameters give their prior and
posterior instead of a single value. How each parameter acts is described in [model.md](model.md); how
scenario levels set them in [scenarios.md](scenarios.md); the calibration in [validation.md](validation.md).

Where the observed history (`scenarios/events/observed.yaml`) changes a value on a date, or a determinant
level sets it from the branch date, the basis says so; [scenarios.md](scenarios.md) lists the changes.

This page is generated (`sim validate parameters`) from `sim/config/schema.py`, the
scenario files, the shipped posterior (`sim/data/posterior.csv`) and `sim/data/parameter_sources.yaml`,
which holds the source or basis of every parameter; a test checks that it is current.

**Certainty**: *high*, a figure from a source; *medium*, a source gives a range, a bound or a close
analogue and the value is chosen within it; *low*, estimated from the general picture the sources give,
with no figure behind it; *calibrated*, fitted to the observed record by ABC-SMC (the posterior interval
says how sure).

**Range**: the values the model accepts, usually far wider than what is credible. Where it adds
"plausible ÷/× f", the value is believed to lie within a factor f of the one used: a stated judgement,
1.5 where the calibration to 2024 or a source constrains the value indirectly, 2 where nothing does.
Where no factor is declared, the sensitivity screen takes one from the certainty (low ÷/× 2, medium
÷/× 1.5, high ÷/× 1.25). Sensitivity analyses (`sim sensitivity`, [validation.md](validation.md)) take
their ranges from these, and from the priors for the calibrated parameters.

## Sources

"""

FOOTER = """
## Not in the schema

The geography (`sim/data/geography.yaml`: areas, populations, ruggedness, community stance, hideouts,
wilayas, neighbours, crossings, force units and bases) and the named constants listed in model.md,
section 6, are estimated from the general geography of each area and the sources' descriptions; model.md,
section 4.1, gives the reasoning. They are not calibrated.
"""


def levels_setting() -> dict[str, list[str]]:
    """Which determinant levels set each parameter (from the scenario files)."""
    out: dict[str, list[str]] = {}
    root = scenario_dir()
    for group in DETERMINANTS:
        for path in sorted((root / group).glob("*.yaml")):
            if path.stem == NO_CHANGE:
                continue
            for key in level_values(group, path.stem, root):
                out.setdefault(key, []).append(f"{group}/{path.stem}")
    return out


def history_setting() -> dict[str, list[str]]:
    """Which dated changes of the observed history set each parameter: path -> ['YYYY-MM-DD', ...]."""
    out: dict[str, list[str]] = {}
    for change in compose_run_config(BASELINE_SCENARIO).changes:
        if change.origin == "history":
            for key in change.params:
                out.setdefault(key, []).append(change.date)
    return out


def _value(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v:g}" for k, v in value.items()) or "none"
    if isinstance(value, list):
        return "set by the drawdown level" if value and dataclasses.is_dataclass(value[0]) else \
            ", ".join(f"{v:g}" for v in value)
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def _calibrated_cells() -> dict[str, str]:
    posterior = shipped_posterior()
    out = {}
    for p in CALIBRATED:
        lo, mid, hi = posterior.quantiles(p.name)
        if p.kind == "scale":
            out[p.path] = (f"prior log-normal, median {p.prior_median:g}, 90% ÷/× {p.spread:g}; "
                           f"posterior median {mid:.3g} (90% {lo:.3g}–{hi:.3g})")
        elif p.kind == "share":
            out[p.path] = (f"prior logit-normal, median {p.prior_median:g}, logit sd {p.spread:g}; "
                           f"posterior median {mid:.3g} (90% {lo:.3g}–{hi:.3g})")
        elif p.kind == "shift":
            out[p.path] = (f"prior: every entry shifted by N(0, {p.spread:g}); posterior shift median "
                           f"{mid:+.2f} (90% {lo:+.2f} to {hi:+.2f})")
    return out


def parameters_markdown() -> str:
    sources, entries = provenance()["sources"], provenance()["parameters"]
    baseline = compose_run_config(BASELINE_SCENARIO)
    model = baseline.model
    calibrated, levels, dated = _calibrated_cells(), levels_setting(), history_setting()
    parts = [HEADER]
    parts += [f"- `{key}`: {' '.join(text.split())}" for key, text in sources.items()]
    section = None
    for path, f in all_fields().items():
        name = path.split(".")[0]
        if name != section:
            section = name
            parts += ["", f"## `{name}`", "",
                      "| Parameter | Value | Unit | Range | Meaning | Source or basis | Certainty |",
                      "|---|---|---|---|---|---|---|"]
        entry = entries[path]
        value = _value(getattr(getattr(model, name), f.name))
        if path in calibrated:
            value = f"{value}; {calibrated[path]}"
        bounds = f.metadata["bounds"]
        rng = f"{bounds[0]:g}–{bounds[1]:g}" if bounds else ""
        if f.metadata.get("uncertainty"):
            rng += f"; plausible ÷/× {f.metadata['uncertainty']:g}"
        source = "estimated" if entry["source"] == "estimated" else f"`{entry['source']}`"
        basis = " ".join(entry["basis"].split())
        if path in dated:
            later = sorted({d for d in dated[path] if d != baseline.start})
            basis += " Set by the observed history" + (f", which changes it on {', '.join(later)}." if later else ".")
        if path in levels:
            basis += f" Set by levels: {', '.join(levels[path])}."
        parts.append(f"| `{f.name}` | {value} | {f.metadata['unit']} | {rng} | {f.metadata['help']} | "
                     f"{source}: {basis} | {entry['certainty']} |")
    parts.append(FOOTER)
    return "\n".join(parts).replace("\n\n\n", "\n\n")
