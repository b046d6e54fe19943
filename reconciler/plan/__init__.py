"""The plan: its types and file (model, parts), normalisation of both sides (normalize), the diff, and the guards. Pure: no I/O."""
