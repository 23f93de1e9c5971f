"""The subcommands of `sim`, one module per family; sim/cli.py dispatches to them."""
