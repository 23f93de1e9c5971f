"""The scenario explorer: a page in the browser where students pick a scenario, watch one replicate
day by day and compare an ensemble with the baseline (`sim explore`)."""
