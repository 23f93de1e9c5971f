"""`sim validate spatial`: where the model's attacks fall, by governorate, against Joel Wing's weekly counts."""

from __future__ import annotations

from pathlib import Path

from sim.commands.calibration import OutputSettings, checked_settings
from sim.commands.grammar import Command
from sim.commands.outputs import output_folder, write_into_new
from sim.runs.executors import ExecutionSettings
from sim.validation.spatial import FILES, SpatialSettings, report_markdown, spatial_check, write

SPATIAL = Command(
    "validate spatial", "sim validate spatial [KEY=VALUE...]",
    "Run the history the calibration fits (from 1 January 2020) to the end of the last year of the record's "
    "weeks of IS incidents by governorate (Joel Wing's counts, never fitted), and check where the attacks fall "
    "as a posterior predictive check: each replicate's shares by governorate over the calendar year holding "
    "each week, predictive records drawn from those shares, the p-value, and each governorate's incidents "
    "against the model's 90% predictive interval. Writes spatial.csv, spatial.md and spatial.png, all or none.",
    (SpatialSettings, ExecutionSettings, OutputSettings))


def spatial_command(args: list[str]) -> None:
    """Check every setting and the folder, run, then write all the files or none."""
    settings, execution, output = checked_settings(SPATIAL, args, SpatialSettings)
    given = output_folder(output.out, "validate spatial", FILES, output.force)
    result = spatial_check(settings, execution, progress=not output.quiet)
    out = write_into_new(given, Path("outputs/validate_spatial"), FILES, lambda folder: write(result, folder))
    print(report_markdown(result))
    print(f"written to {out}")
