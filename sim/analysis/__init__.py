"""Analysis of run results: tables, summaries, comparisons and plots (plots apart)."""
