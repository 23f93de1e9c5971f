"""Running the model: seeds, ensembles over worker processes, run records, reproduction."""
