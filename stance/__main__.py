"""``python -m stance``: the same as the ``stance`` command."""

from .cli import run

if __name__ == "__main__":
    run()
