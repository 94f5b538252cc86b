"""Layer 6, the command line: a thin typer layer over the library (see ``app``)."""

from .app import app, run

__all__ = ["app", "run"]
