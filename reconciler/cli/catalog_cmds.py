"""Offline catalog commands: `validate`, `schema`, `new-guid`."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import click

from reconciler.cli import fast_exit
from reconciler.cli.options import catalog_option, format_option, shop_options
from reconciler.desired.load import load_catalog
from reconciler.desired.schema import render_schemas
from reconciler.desired.yamlload import problem_excerpt
from reconciler.errors import CatalogError, Problem, terminal_safe
from reconciler.gcpause import gc_paused

VALIDATE_EPILOG = """\b
Examples:
  shoptet-catalog validate                          # check catalog/ offline
  shoptet-catalog --catalog shop2/catalog validate  # another catalog directory
  shoptet-catalog validate --format github          # annotations on a pull request's diff
  shoptet-catalog validate --format json            # {"valid": ..., "problems": [...]}
"""

SCHEMA_EPILOG = """\b
Examples:
  shoptet-catalog schema            # (re)write schemas/*.schema.json next to catalog/
  shoptet-catalog schema --check    # exit 1 if the committed schemas are stale (CI)
"""


def _gh_escape(text: str, *, prop: bool = False) -> str:
    """GitHub workflow-command escaping (values; properties also escape ':' and ',')."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def github_annotation(problem: Problem) -> str:
    return (
        f"::error file={_gh_escape(problem.file, prop=True)},line={problem.line},"
        f"col={problem.column}::{_gh_escape(problem.message)}"
    )


GITHUB_ANNOTATION_LIMIT = 10  # GitHub shows at most 10 error annotations per step


def github_summary_markdown(problems: list[Problem]) -> str:
    """The problems as a Markdown list for the job summary (every one, not just 10)."""

    def cell(text: str) -> str:
        return text.replace("\r", " ").replace("\n", " ").replace("`", "'")

    n = len(problems)
    lines = [f"### shoptet-catalog validate: {n} problem{'s' if n != 1 else ''}", ""]
    lines += [
        f"- `{cell(p.file)}:{p.line}:{p.column}`: {cell(p.message)}" for p in problems
    ]
    return "\n".join(lines) + "\n"


def write_github_summary(problems: list[Problem]) -> None:
    """GitHub shows only the first 10 annotations of a step: with more problems, also list
    all of them in the job summary ($GITHUB_STEP_SUMMARY, when set)."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if len(problems) <= GITHUB_ANNOTATION_LIMIT or not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(github_summary_markdown(problems))
    except OSError as exc:
        click.echo(
            f"Note: cannot append to GITHUB_STEP_SUMMARY ({target}): {exc.strerror or exc}",
            err=True,
        )
        return
    click.echo(
        f"Note: GitHub shows only {GITHUB_ANNOTATION_LIMIT} annotations; all "
        f"{len(problems)} problems are listed in the job summary.",
        err=True,
    )


def problems_json(problems: list[Problem], summary: dict | None = None) -> str:
    return json.dumps(
        {
            "valid": not problems,
            "problems": [
                {"file": p.file, "line": p.line, "column": p.column, "message": p.message}
                for p in problems
            ],
            **({"summary": summary} if summary is not None else {}),
        },
        indent=2,
        ensure_ascii=False,
    )


@click.command("validate", epilog=VALIDATE_EPILOG)
@shop_options
@format_option(
    ("text", "github", "json"),
    "text: file:line:column: message; github: ::error annotations; json: an object.",
)
@click.pass_context
def validate(ctx: click.Context, fmt: str) -> None:
    """Check the catalog offline: YAML, field names and values, duplicates. Exit 1 if invalid."""
    catalog_dir: Path = ctx.obj.catalog_dir
    try:
        with gc_paused():  # parked (and frozen) before the collector sees the new objects
            loaded = load_catalog(catalog_dir)
            fast_exit.park(loaded)
    except CatalogError as err:
        if fmt == "text":
            for problem in err.problems:
                click.echo(terminal_safe(str(problem), keep_newlines=False), err=True)
                for line in problem_excerpt(problem):
                    click.echo(line, err=True)
        elif fmt == "github":
            for problem in err.problems:
                click.echo(github_annotation(problem))
            write_github_summary(err.problems)
        else:
            click.echo(problems_json(err.problems))
        n = len(err.problems)
        click.echo(f"{n} problem{'s' if n != 1 else ''} found.", err=True)
        ctx.exit(1)
    products = loaded.catalog.products
    summary = {
        "files": len(loaded.files),
        "products": len(products),
        "variants": sum(len(p.variants) for p in products.values()),
        "digest": loaded.digest,
    }
    if fmt == "json":
        click.echo(problems_json([], summary))
        return
    click.echo(
        f"{catalog_dir.as_posix()} is valid: {summary['products']} products, "
        f"{summary['variants']} variants in {summary['files']} files."
    )


@click.command("schema", epilog=SCHEMA_EPILOG)
@catalog_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory for the schema files [default: schemas/ next to the catalog directory].",
)
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 if any file is missing or stale."
)
@click.pass_context
def schema(ctx: click.Context, out_dir: Path | None, check: bool) -> None:
    """Write the JSON Schema files editors use for completion and checks (schemas/*.json)."""
    if out_dir is None:
        out_dir = ctx.obj.catalog_dir.parent / "schemas"
    stale = []
    for name, text in render_schemas().items():
        path = out_dir / name
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        stale.append(path)
        if not check:
            out_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            click.echo(f"wrote {path.as_posix()}")
    if check and stale:
        for path in stale:
            click.echo(f"{path.as_posix()} is stale; run `shoptet-catalog schema`", err=True)
        ctx.exit(1)
    if not stale:
        click.echo(f"{out_dir.as_posix()}: schemas are up to date.")


@click.command("new-guid", epilog="\b\nExample:\n  shoptet-catalog new-guid   # 3f2b6c1e-...")
def new_guid() -> None:
    """Print a fresh lowercase GUID for a new product key."""
    click.echo(str(uuid.uuid4()))
