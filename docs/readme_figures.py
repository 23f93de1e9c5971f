"""Make the README's figures from a baseline run (`make readme-figures` runs it and this).

    python docs/readme_figures.py outputs/readme_baseline

copies the run's monthly fan chart unchanged to docs/figures/baseline_fan_chart.png
and its map of attacks by area to docs/figures/baseline_attacks_map.png with the
colours reduced to 256 (the same picture in a quarter of the bytes).
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from PIL import Image

FIGURES = Path(__file__).resolve().parent / "figures"
COLOURS = 256


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="a finished run of the baseline scenario")
    run_dir = parser.parse_args().run_dir
    shutil.copyfile(run_dir / "monthly_attacks_fan_chart.png", FIGURES / "baseline_fan_chart.png")
    with Image.open(run_dir / "attacks_by_area_map.png") as image:
        small = image.convert("RGB").quantize(colors=COLOURS, method=Image.Quantize.FASTOCTREE,
                                              dither=Image.Dither.NONE)
        small.save(FIGURES / "baseline_attacks_map.png", optimize=True)


if __name__ == "__main__":
    main()
