"""Windows of time that summaries, figures and comparisons are read over, and rates within them.

A run follows the observed record up to its branch date and forecasts after
it; a number averaged over both says neither what happened nor what is
forecast. So every summary names its window: by default the forecast (from
the first month that starts on or after the branch date to the run's end),
beside each calendar year of the forecast, with the observed years compared
with the record apart. Windows are read in whole calendar months, as the
monthly table counts them; rates are per mean month (365.25 / 12 days), as
the record's rates are. Pure functions of the monthly table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from sim.config.errors import ConfigError
from sim.config.schema import RunConfig
from sim.config.validate import parse_date

DAYS_PER_MONTH = 365.25 / 12
FORECAST = "forecast"
WHOLE_RUN = "whole run"


@dataclass(frozen=True)
class Window:
    """The days from `start` to `end`, both included (YYYY-MM-DD)."""

    start: str
    end: str

    @property
    def months(self) -> float:
        """Length in mean months, the unit of every rate 'per month'."""
        days = (dt.date.fromisoformat(self.end) - dt.date.fromisoformat(self.start)).days + 1
        return days / DAYS_PER_MONTH

    @property
    def text(self) -> str:
        """The window as every heading and title writes it."""
        return f"{self.start} to {self.end}"

    def as_dict(self) -> dict:
        """The window as summary.json writes it, with its length."""
        return {"start": self.start, "end": self.end, "months": self.months}


@dataclass(frozen=True)
class NamedWindow:
    """A window with what it is: 'forecast', a year of it ('2027'), or 'whole run'."""

    name: str
    window: Window

    @property
    def heading(self) -> str:
        """'forecast, 2026-08-01 to 2028-12-31': the name and the dates together, as titles show them (a
        window given by its dates alone has no name)."""
        return f"{self.name}, {self.window.text}" if self.name else self.window.text


def parse_window(text: str, name: str = "window") -> Window:
    """START:END as given on the command line, checked; a ConfigError names the setting."""
    start, sep, end = str(text).partition(":")
    if not sep:
        raise ConfigError(f"{name}={text} must look like START:END, for example {name}=2027-01-01:2027-12-31.")
    first, last = parse_date(start, f"{name} start"), parse_date(end, f"{name} end")
    if last < first:
        raise ConfigError(f"{name}={text} ends before it starts.")
    return Window(first.isoformat(), last.isoformat())


def whole_months(window: Window, run_start: str, run_end: str) -> Window:
    """`window` widened to the calendar months it touches (what the monthly table can count), then
    kept inside the run's horizon."""
    first = dt.date.fromisoformat(window.start).replace(day=1)
    last = _month_end(dt.date.fromisoformat(window.end))
    return Window(max(first.isoformat(), run_start), min(last.isoformat(), run_end))


def forecast_window(start: str, end: str, branch_date: str) -> Window | None:
    """From the first month that starts on or after the branch date to the run's end; None when the run
    ends before that (a run of the observed years only)."""
    if not branch_date:
        return None
    branch = dt.date.fromisoformat(branch_date)
    first = branch if branch.day == 1 else _month_end(branch) + dt.timedelta(days=1)
    first = max(first, dt.date.fromisoformat(start))
    if first > dt.date.fromisoformat(end):
        return None
    return Window(first.isoformat(), end)


def common_window(text: str, configs: dict[str, RunConfig]) -> NamedWindow:
    """The one window of a comparison of runs (their configs by label): `forecast` (from the latest branch date
    among the runs to the earliest end; the runs' common horizon, named 'whole run', when one of them ends
    before its branch), or START:END inside every run's horizon, widened to whole months."""
    if text == FORECAST:
        forecasts = [forecast_window(c.start, c.end, c.branch_date) for c in configs.values()]
        if None in forecasts:       # a run that ends before its branch: the runs' common horizon, named so
            first, last = max(c.start for c in configs.values()), min(c.end for c in configs.values())
            if first > last:
                raise ConfigError("The runs' horizons do not overlap; compare runs that share some months.")
            return NamedWindow(WHOLE_RUN, Window(first, last))
        start, end = max(w.start for w in forecasts), min(w.end for w in forecasts)
        if start > end:
            raise ConfigError("The runs' forecasts do not overlap; give window=START:END inside every run's horizon.")
        return NamedWindow(FORECAST, Window(start, end))
    window = parse_window(text)
    for label, cfg in configs.items():
        if window.start < cfg.start or window.end > cfg.end:
            raise ConfigError(f"window={window.start}:{window.end} lies outside the horizon of {label} "
                              f"({cfg.start} to {cfg.end}); give window=START:END inside every run's horizon, or "
                              "window=forecast.")
    start = max(c.start for c in configs.values())
    end = min(c.end for c in configs.values())
    return NamedWindow("", whole_months(window, start, end))


def headline_window(start: str, end: str, branch_date: str) -> NamedWindow:
    """The window every headline number is read over: the forecast, or the whole run when it has none."""
    forecast = forecast_window(start, end, branch_date)
    return NamedWindow(FORECAST, forecast) if forecast else NamedWindow(WHOLE_RUN, Window(start, end))


def calendar_years(window: Window) -> list[NamedWindow]:
    """The window cut at each new year, each part named by its year."""
    first, last = dt.date.fromisoformat(window.start), dt.date.fromisoformat(window.end)
    return [NamedWindow(str(year), Window(max(first, dt.date(year, 1, 1)).isoformat(),
                                          min(last, dt.date(year, 12, 31)).isoformat()))
            for year in range(first.year, last.year + 1)]


def months_inside(monthly: pd.DataFrame, window: Window) -> tuple[pd.DataFrame, Window]:
    """The rows of a monthly table (replicate x month x area) in the calendar months `window` touches, and
    the window cut to the months the table holds: the exposure its counts are divided by."""
    months = monthly["month"].astype(str)
    inside = monthly[(months >= window.start[:7]) & (months <= window.end[:7])]
    if inside.empty:
        raise ConfigError(f"The window {window.text} lies outside the run's months "
                          f"({months.min()} to {months.max()}).")
    held = inside["month"].astype(str)
    last_held = _month_end(dt.date.fromisoformat(f"{held.max()}-01")).isoformat()
    return inside, Window(max(window.start, f"{held.min()}-01"), min(window.end, last_held))


def window_totals(monthly: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Attacks and casualties per replicate (index) in `window`, read in the calendar months it touches."""
    inside, _ = months_inside(monthly, window)
    totals = inside.groupby("replicate")[["attacks", "killed", "wounded"]].sum()
    return pd.DataFrame({"attacks": totals["attacks"], "casualties": totals["killed"] + totals["wounded"]})


def window_rates(monthly: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Attacks and casualties per month in `window` for each replicate (index), over the part of the window
    the table holds."""
    _, held = months_inside(monthly, window)
    totals = window_totals(monthly, window)
    return pd.DataFrame({"attacks_per_month": totals["attacks"] / held.months,
                         "casualties_per_month": totals["casualties"] / held.months})


def attack_rates(monthly: pd.DataFrame, window: Window) -> pd.Series:
    """Attacks per month in `window` for each replicate, from a table that may count attacks alone."""
    inside, held = months_inside(monthly, window)
    return inside.groupby("replicate")["attacks"].sum() / held.months


def _month_end(day: dt.date) -> dt.date:
    following = day.replace(day=28) + dt.timedelta(days=4)
    return following - dt.timedelta(days=following.day)
