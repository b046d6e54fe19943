"""Pure renderers: a ``Plan`` in, text out (STYLE 7).

    render_text(plan, *, color=False) -> str          terminal, Terraform-style (render_text.py)
    render_markdown(plan, *, catalog_dir=None, max_chars=60_000, artifact=...) -> str
                                                      pull-request comment (render_markdown.py)
    render_json(plan) -> str                          the plan file (= plan.to_json())
    render(plan, fmt, **options) -> str               pick one by name ("text"|"markdown"|"json")

Every renderer is a function of the plan alone; the CLI decides colour (TTY, NO_COLOR) and
where the text goes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.plan.model import Plan
from reconciler.render.common import NO_CHANGES, summary_line
from reconciler.render.markdown import MARKER, render_markdown
from reconciler.render.text import render_text

__all__ = [
    "MARKER",
    "NO_CHANGES",
    "render",
    "render_json",
    "render_markdown",
    "render_text",
    "summary_line",
]


def render_json(plan: Plan) -> str:
    """The plan file; byte-identical for identical plans."""
    return plan.to_json()


def render(plan: Plan, fmt: str, **options: Any) -> str:
    """Render by format name; ``options`` go to the chosen renderer."""
    renderers: dict[str, Callable[..., str]] = {
        "text": render_text,
        "markdown": render_markdown,
        "json": render_json,
    }
    if fmt not in renderers:
        raise ValueError(f"unknown plan format {fmt!r}; choose text, markdown or json")
    return renderers[fmt](plan, **options)
