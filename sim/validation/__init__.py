"""Checks of the model against records it was never fitted to."""
