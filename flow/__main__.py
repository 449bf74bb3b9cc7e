"""`python -m flow` is the same as the `flow` console script."""

from flow.cli import main_entry

main_entry()
