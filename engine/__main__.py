"""``python -m sicca``: the same as the ``sicca`` command."""

from sicca.cli.fast import main

main()
