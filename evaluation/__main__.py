"""``python -m evaluation``: the command line, as the ``evaluation`` command."""

from evaluation.cli import app

app(prog_name="evaluation")
