"""``python -m sicca``: the same as the ``sicca`` command."""

from sicca.cli.app import main

main()
