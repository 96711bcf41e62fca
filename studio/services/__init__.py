"""Use cases. Each function owns its transaction; handlers call these and nothing else."""
