"""Calibration to the observed record: summary statistics, ABC-SMC, the posterior, backtests and the validation
report."""
