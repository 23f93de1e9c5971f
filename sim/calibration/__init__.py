"""Calibration to the observed record: priors, summary statistics, ABC-SMC, the posterior, sensitivity."""
