"""``python -m kharita``: the command line (:func:`kharita.cli.main`)."""

from kharita.cli import main

main()
