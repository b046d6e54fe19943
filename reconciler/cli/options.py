"""Options the commands share, declared once (as pip-tools' ``scripts/options.py`` does).

``--catalog`` and ``--sandbox`` say which catalog and which shop. They are accepted before the
subcommand (``shoptet-catalog --sandbox plan``) and after it (``shoptet-catalog plan
--sandbox``): each stores into the run's ``AppContext`` only when given, so a value given
after the subcommand wins over one given before it, and an absent one changes nothing.
``format_option`` is the ``--format`` every command that prints has; ``use_color`` decides
whether text output is coloured.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from reconciler.cli.context import DEFAULT_CATALOG, AppContext

__all__ = [
    "catalog_option",
    "format_option",
    "read_option",
    "sandbox_option",
    "shop_options",
    "use_color",
]

F = TypeVar("F", bound=Callable[..., Any])


def _store(attribute: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        if value is None or value is False:  # not given here: keep what the group set
            return
        setattr(ctx.ensure_object(AppContext), attribute, value)

    return callback


catalog_option = click.option(
    "--catalog",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,  # not DEFAULT_CATALOG: an option not given must not override the group's
    expose_value=False,
    callback=_store("catalog_dir"),
    help=f"Catalog directory (shop.yaml and products/*.yaml).  [default: {DEFAULT_CATALOG}]",
)

sandbox_option = click.option(
    "--sandbox",
    is_flag=True,
    default=False,
    expose_value=False,
    callback=_store("sandbox"),
    help="Run against an in-process sandbox shop seeded with demo data (no token, no network).",
)


def shop_options(command: F) -> F:
    """``--catalog`` and ``--sandbox``, for the group and every command that reads them."""
    return catalog_option(sandbox_option(command))


def format_option(choices: tuple[str, ...], help: str) -> Callable[[F], F]:
    """``--format``, passed as ``fmt``; the first choice is the default."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help=help,
    )


def read_option(auto: str) -> Callable[[F], F]:
    """``--read details|snapshot|auto``, passed as ``read_mode``; ``auto`` says when the
    command takes the snapshot."""
    from reconciler.pipeline import READ_MODES

    return click.option(
        "--read",
        "read_mode",
        type=click.Choice(READ_MODES),
        default="details",
        show_default=True,
        help="How product details are read: details (one request per product), snapshot (one "
        "products-snapshot job; needs a job:finished webhook, see `webhooks ensure`; falls back "
        f"to details with a notice), auto ({auto}).",
    )


def use_color(stream: Any) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
