"""The agent-based model: geography, insurgent cells, Iraqi forces, coalition, border."""

from sim.model.model import InsurgencyModel, ReplicateOutcome

__all__ = ["InsurgencyModel", "ReplicateOutcome"]
