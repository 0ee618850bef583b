"""Options that several commands take in the same form (one definition, one help text)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

#: ``vigil stats …``: the figures drawn to a file as well.
PlotFile = Annotated[
    Path | None,
    typer.Option("--plot", help="Also draw the figures to this PNG file (or SVG, by its name: FILE.svg)."),
]

#: ``vigil psi compare`` and ``vigil peers compare``: what is compared, where the common values go.
PsiSets = Annotated[
    list[str] | None, typer.Option("--set", help="A set to compare (repeat); default: every set.")
]
PsiOutput = Annotated[
    Path | None, typer.Option(help="Write the common values (JSON) here instead of printing them.")
]
PsiJson = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
