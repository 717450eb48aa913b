"""``python -m propwatch ...``: the command line, as the ``propwatch`` script runs it."""

from .cli import main

main()
