"""Running the model: seeds, ensembles over worker processes, the tables and run records they write,
reproduction."""
