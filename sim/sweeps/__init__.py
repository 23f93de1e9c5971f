"""Sweeps: grids of scenario variants run as one resumable, partitioned dataset."""
