"""`init`: scaffold a catalog repository (``reconciler.scaffold`` decides every file's text).

Writes only new files: when any would overwrite one, it lists them and writes nothing. With
``--import`` it fills the catalog from the live shop through the read-only client, so it never
needs a write token.
"""

from __future__ import annotations

from importlib.resources import files as package_files
from pathlib import Path

import click

from reconciler import __version__
from reconciler.cli.options import sandbox_option
from reconciler.desired.schema import render_schemas
from reconciler.importer.build import import_products
from reconciler.scaffold import (
    PLACEHOLDER_REPO,
    WORKFLOWS,
    ScaffoldError,
    github_steps,
    render_files,
    shops_for,
    tag_commit_command,
    tool_for,
)

INIT_EPILOG = """\b
Examples:
  shoptet-catalog init my-catalog --tool-repo acme/shoptet-catalog --tool-sha <commit of the tag>
  shoptet-catalog init . --shop cz --shop sk --shop hu      # one catalog per shop
  SHOPTET_PRIVATE_API_TOKEN=<read-only> shoptet-catalog init . --import
  shoptet-catalog --sandbox init /tmp/try --import         # the demo shop, no token
"""


def read_templates() -> dict[str, str]:
    root = package_files("reconciler") / "templates"
    return {name: (root / name).read_text(encoding="utf-8") for name in WORKFLOWS}


@click.command("init", epilog=INIT_EPILOG)
@sandbox_option
@click.argument(
    "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."), required=False
)
@click.option(
    "--shop",
    "shop_names",
    multiple=True,
    metavar="NAME",
    help="A shop (repeatable); each gets shops/NAME/catalog. Default: one shop 'main' in catalog/.",
)
@click.option(
    "--tool-repo",
    default=PLACEHOLDER_REPO,
    show_default=True,
    help="The GitHub repository of shoptet-catalog the workflows and hooks come from.",
)
@click.option(
    "--tool-ref",
    default=f"v{__version__}",
    show_default=True,
    help="The release tag to pin (this tool's version).",
)
@click.option(
    "--tool-sha",
    default=None,
    metavar="COMMIT",
    help="The tag's 40-character commit: the workflows are pinned to it (safer than a tag).",
)
@click.option(
    "--import",
    "import_",
    is_flag=True,
    help="Fill the catalog from the live shop (read-only token; with --sandbox the demo shop).",
)
@click.pass_context
def init(
    ctx: click.Context,
    directory: Path,
    shop_names: tuple[str, ...],
    tool_repo: str,
    tool_ref: str,
    tool_sha: str | None,
    import_: bool,
) -> None:
    """Scaffold a catalog repository: catalog, workflows, pre-commit, editor schemas, CODEOWNERS."""
    app = ctx.obj
    try:
        shops = shops_for(shop_names)
        tool = tool_for(tool_repo, tool_ref, tool_sha)
    except ScaffoldError as err:
        raise click.UsageError(str(err)) from None
    if import_ and len(shops) > 1 and not app.sandbox:
        raise click.UsageError(
            "--import reads one shop with the token in the environment; with several --shop, "
            "run init without --import, then per shop: SHOPTET_PRIVATE_API_TOKEN=<its read-only "
            "token> shoptet-catalog import --all --catalog shops/NAME/catalog"
        )
    planned = render_files(
        shops,
        tool,
        read_templates(),
        render_schemas(),
        sandbox=app.sandbox,
        with_example=not import_,
    )
    clashes = sorted(p for p in planned if (directory / p).exists())
    if clashes:
        click.echo(
            f"Nothing written: {len(clashes)} file(s) already exist in {directory}:", err=True
        )
        for path in clashes:
            click.echo(f"  {path}", err=True)
        click.echo("Move them away (or init another directory) and run init again.", err=True)
        ctx.exit(1)
    for rel, text in planned.items():
        target = directory / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        click.echo(f"  + {rel}")
    click.echo(f"Wrote {len(planned)} files in {directory}.")
    if import_:
        with app.make_client(read_only=True) as client:
            for shop in shops:
                report = import_products(client, directory / shop.catalog, None)
                click.echo(
                    f"Imported {len(report.added)} products into {shop.catalog} "
                    f"({len(report.skipped)} skipped)."
                )
    _print_next_steps(directory, shops, tool, imported=import_)


def _print_next_steps(directory: Path, shops, tool, *, imported: bool) -> None:
    echo = click.echo
    echo("\nNext steps:")
    if tool.repo is None or tool.repo == PLACEHOLDER_REPO:
        echo(
            f"  ! The workflows and .pre-commit-config.yaml name {PLACEHOLDER_REPO}: replace it "
            "with shoptet-catalog's repository (or run init again with --tool-repo)."
        )
    if tool.sha is None:
        echo(
            f"  ! The workflows call the tag {tool.ref}, which its owner can move: pin its commit, "
            f"which `{tag_commit_command(str(tool.repo), tool.ref)}` prints. Run init in a new "
            "directory with --tool-sha COMMIT, or replace the tag by the commit after each `@` "
            "in .github/workflows/shoptet-*.yml and in `rev:` of .pre-commit-config.yaml."
        )
    step = 1
    if not imported:
        for shop in shops:
            echo(
                f"  {step}. SHOPTET_PRIVATE_API_TOKEN=<read-only token of {shop.name}> "
                f"shoptet-catalog import --all --catalog {shop.catalog}"
            )
            step += 1
    for line in (
        f"cd {directory} && "
        + " && ".join(f"shoptet-catalog validate --catalog {s.catalog}" for s in shops),
        "pre-commit install   # validate before every commit",
        "edit CODEOWNERS (teams per category file), then git add -A && git commit && git push",
        "run the GitHub steps below",
    ):
        echo(f"  {step}. {line}")
        step += 1
    echo("")
    for line in github_steps(shops, tool):
        echo(line)
