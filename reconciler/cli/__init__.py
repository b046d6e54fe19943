"""The command line: the only place that prints, prompts and chooses exit codes.

Each command lives in its own module here and calls one core function; this module holds the
group (its options, ``--catalog`` and ``--sandbox``, are shared from ``cli.options`` so the
commands accept them after their name too) and the mapping from the exception tree
(``reconciler.errors``) to exit codes: 0 done, 1 error (usage errors too), 2 changes (``plan
--detailed-exitcode`` only), 3 refused by a guard, 4 stale plan, 130 Ctrl-C, 143 SIGTERM
(handled like Ctrl-C). README's *Exit codes* table lists the same.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

import click

from reconciler import __version__
from reconciler.cli import fast_exit
from reconciler.cli.context import AppContext
from reconciler.cli.options import shop_options
from reconciler.desired.yamlload import problem_excerpt
from reconciler.errors import CatalogError, ReconcilerError, terminal_safe

EPILOG = """\b
Examples:
  shoptet-catalog --sandbox plan          # try it on the built-in demo shop, no token needed
  shoptet-catalog init my-catalog         # scaffold a catalog repository (README: Adopting it)
  shoptet-catalog plan --sandbox          # the same: shared options go before or after
  shoptet-catalog validate                # check catalog/ offline
  shoptet-catalog plan --out plan.json    # read the live shop and show what would change
  shoptet-catalog apply plan.json         # write exactly that plan, after you type yes
"""


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="shoptet-catalog")
@shop_options
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Catalog-as-code for Shoptet: YAML in git, planned and applied through the REST API."""
    ctx.ensure_object(AppContext)  # the options given before the subcommand filled it


def _register() -> None:
    # Imported here so each command module can import from this package without a cycle.
    from reconciler.cli import (
        apply_cmd,
        catalog_cmds,
        comment_cmd,
        doctor_cmd,
        export_cmd,
        import_cmd,
        init_cmd,
        lookup_cmd,
        plan_cmd,
        revert_cmd,
        sandbox_cmd,
        sheet_cmd,
        webhooks_cmd,
    )

    for command in (
        init_cmd.init,
        catalog_cmds.validate,
        plan_cmd.plan,
        apply_cmd.apply,
        import_cmd.import_,
        catalog_cmds.schema,
        sandbox_cmd.sandbox,
        catalog_cmds.new_guid,
        lookup_cmd.lookup,
        doctor_cmd.doctor,
        comment_cmd.comment,
        webhooks_cmd.webhooks,
        revert_cmd.revert,
        sheet_cmd.sheet,
        export_cmd.export,
    ):
        cli.add_command(command)


_register()


def report_error(err: ReconcilerError) -> None:
    """Print an error for a person: located catalog problems one per line, else the message.
    Control characters (from a file or product name) are printed as escapes, never sent raw
    to the terminal."""
    if isinstance(err, CatalogError):
        for problem in err.problems:
            click.echo(terminal_safe(str(problem), keep_newlines=False), err=True)
            for line in problem_excerpt(problem):  # the wrong line with a caret
                click.echo(terminal_safe(line, keep_newlines=False), err=True)
        n = len(err.problems)
        click.echo(f"{n} problem{'s' if n != 1 else ''} found.", err=True)
    else:
        click.echo(f"Error: {terminal_safe(str(err))}", err=True)


EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT): 128 + 2, as shells report it
EXIT_TERMINATED = 143  # SIGTERM (CI cancelling a job, `kill`): 128 + 15


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread and handled exactly like Ctrl-C: an apply cancels
    the writes not started, waits for the ones on the wire and records them in the journal."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


def _interrupt_code(exc: BaseException | None) -> int | None:
    """The exit code for Ctrl-C / SIGTERM (click wraps both in ``Abort``), else None."""
    while exc is not None:
        if isinstance(exc, Terminated):
            return EXIT_TERMINATED
        if isinstance(exc, KeyboardInterrupt):
            return EXIT_INTERRUPTED
        exc = exc.__cause__ or exc.__context__
    return None


def _interrupted(code: int) -> None:
    what = "Terminated (SIGTERM)" if code == EXIT_TERMINATED else "Interrupted"
    click.echo(
        f"{what}. Writes not yet started were cancelled; an apply can be run again with the "
        "same plan (what is already applied is skipped).",
        err=True,
    )
    sys.exit(code)


def run() -> None:
    """The ``shoptet-catalog`` program: ``main``, then, when a command parked a large
    catalog, the end of the process without freeing it (``fast_exit``)."""
    fast_exit.enable()
    try:
        main()
    except SystemExit as exc:
        if not fast_exit.parked():
            raise
        fast_exit.hard_exit(fast_exit.exit_code(exc))


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the group and map errors to exit codes, no traceback."""
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        _main(argv)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(argv: list[str] | None) -> None:
    try:
        # With standalone_mode=False click returns ctx.exit(n)'s code instead of exiting.
        rc = cli.main(args=argv, prog_name="shoptet-catalog", standalone_mode=False)
    except click.exceptions.Abort as exc:
        code = _interrupt_code(exc)
        if code is not None:
            _interrupted(code)
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        # Usage errors exit 1, not click's 2: exit 2 means "changes" for plan --detailed-exitcode.
        sys.exit(1)
    except ReconcilerError as err:
        report_error(err)
        sys.exit(err.exit_code)
    except KeyboardInterrupt as exc:
        _interrupted(_interrupt_code(exc) or EXIT_INTERRUPTED)
    except Exception as exc:  # a bug: keep the output short unless asked for the traceback
        if os.environ.get("SHOPTET_CATALOG_DEBUG"):
            raise
        click.echo(
            f"Internal error ({type(exc).__name__}): {terminal_safe(str(exc))}\n"
            "This is a bug in shoptet-catalog. Re-run with SHOPTET_CATALOG_DEBUG=1 for the "
            "traceback and report it.",
            err=True,
        )
        sys.exit(1)
    sys.exit(rc if isinstance(rc, int) and not isinstance(rc, bool) else 0)
