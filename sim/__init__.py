"""Scenario simulator of the Islamic State insurgency in Iraq after the coalition drawdown."""

__version__ = "0.1.0"
