"""What `shoptet-catalog init` writes, as text: pure (no file, no network), so every file of a
new catalog repository can be checked without writing one.

``render_files`` returns relative POSIX path -> content; ``github_steps`` the remaining manual
steps as exact ``gh`` commands. The calling workflows come from the templates in
``reconciler/templates/`` (read by the CLI); ``@@NAME@@`` markers are filled here, because the
workflows' own ``${{ }}`` rules out ``string.Template``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

PLACEHOLDER_REPO = "OWNER/REPO"
DEFAULT_SHOP = "main"
WORKFLOWS = ("shoptet-plan.yml", "shoptet-apply.yml", "shoptet-drift.yml")
LABELS = (
    ("shoptet:allow-delete", "B60205", "A maintainer allows this pull request to delete products"),
    ("shoptet:allow-bulk", "D93F0B", "A maintainer allows a change over policy.maxChangedShare"),
    ("shoptet:allow-price", "FBCA04", "A maintainer allows prices past policy.maxPriceChange or 0"),
    ("shoptet:allow-open-orders", "C5DEF5", "A maintainer allows deleting or hiding what open orders claim"),
    ("shoptet:allow-stock-below-claim", "BFD4F2", "A maintainer allows stock below what open orders claim"),
)
_SHOP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$")
_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
_SHA = re.compile(r"^[0-9a-f]{40}$")
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$")


class ScaffoldError(ValueError):
    """An option `init` cannot use; the message says which and what to give instead."""


@dataclass(frozen=True)
class Shop:
    name: str
    catalog: str  # the catalog directory, relative to the repository root


@dataclass(frozen=True)
class Tool:
    """Where the calling workflows and the pre-commit hooks take shoptet-catalog from.
    ``repo`` None means this repository itself (its own callers: ``./.github/workflows``)."""

    repo: str | None
    ref: str  # the version tag, e.g. v0.2.0
    sha: str | None = None  # the tag's commit; None leaves the tag (flagged by init)

    @property
    def pinned(self) -> str:
        return self.sha or self.ref

    @property
    def install(self) -> str:
        if self.repo is None:
            return "."
        return f"shoptet-catalog @ git+https://github.com/{self.repo}@{self.pinned}"


def shops_for(names: tuple[str, ...]) -> tuple[Shop, ...]:
    """No name: one shop ``main`` in ``catalog/``. Names: one catalog per shop under
    ``shops/<name>/catalog`` (the shop's own files, schemas shared at the root)."""
    if not names:
        return (Shop(DEFAULT_SHOP, "catalog"),)
    seen: set[str] = set()
    for name in names:
        if not _SHOP_NAME.match(name):
            raise ScaffoldError(
                f"--shop {name!r}: a shop name is 1-40 letters, digits and '-' (it becomes the "
                "GitHub environments shoptet-plan-<name> and shoptet-apply-<name>)"
            )
        if name.lower() in seen:
            raise ScaffoldError(f"--shop {name!r} is given twice")
        seen.add(name.lower())
    return tuple(Shop(name, f"shops/{name}/catalog") for name in names)


def tool_for(repo: str, ref: str, sha: str | None) -> Tool:
    if repo != PLACEHOLDER_REPO and not _REPO.match(repo):
        raise ScaffoldError(f"--tool-repo {repo!r}: give the GitHub repository as OWNER/REPO")
    if not _REF.match(ref) or ".." in ref:
        raise ScaffoldError(f"--tool-ref {ref!r}: give a tag such as v0.2.0")
    if sha is not None and not _SHA.match(sha):
        raise ScaffoldError(
            f"--tool-sha {sha!r}: give the tag's full 40-character commit id "
            f"({tag_commit_command(repo, ref)})"
        )
    return Tool(repo, ref, sha)


def tag_commit_command(repo: str, ref: str) -> str:
    """A shell command printing the commit of tag ``ref`` (the peeled line of an annotated tag
    sorts last, a lightweight tag has only one)."""
    return (
        f"git ls-remote https://github.com/{repo} 'refs/tags/{ref}^{{}}' 'refs/tags/{ref}' "
        "| tail -1 | cut -f1"
    )


def _yaml_str(text: str) -> str:
    """A YAML 1.2 double-quoted scalar (JSON is one) for a workflow value."""
    return json.dumps(text, ensure_ascii=False)


def shops_json(shops: tuple[Shop, ...]) -> str:
    return json.dumps(
        [{"name": s.name, "catalog": s.catalog} for s in shops], separators=(",", ":")
    )


def render_workflow(template: str, tool: Tool, shops_value: str, sandbox_value: str) -> str:
    if tool.repo is None:
        # `$/` (zizmor's self-repository advice) is still behind a runner feature flag.
        call, ref = "./.github/workflows/", " # zizmor: ignore[self-repository]"
    else:
        call = f"{tool.repo}/.github/workflows/"
        ref = (
            f"@{tool.pinned} # {tool.ref}"
            if tool.sha
            else f"@{tool.ref} # UNPINNED: use the commit"
        )
    text = (
        template.replace("@@CALL@@", call)
        .replace("@@REF@@", ref)
        .replace("@@SHOPS@@", shops_value)
        .replace("@@INSTALL@@", _yaml_str(tool.install))
        .replace("@@SANDBOX@@", sandbox_value)
    )
    if "@@" in text:  # a template edited without this function: a bug, not a user error
        raise RuntimeError(f"unfilled template marker in: {text[text.index('@@') :][:40]!r}")
    return text


def _depth(path: str) -> str:
    return "../" * path.count("/")


def shop_yaml(shop: Shop) -> str:
    schema = _depth(f"{shop.catalog}/shop.yaml") + "schemas/shop.schema.json"
    return f"""# yaml-language-server: $schema={schema}
#
# Settings of the shop "{shop.name}". Every key is optional (the shoptet-catalog README,
# "shop.yaml", lists them all). The API address and the token never go here: they come from the
# environment (locally) or from the GitHub environments shoptet-plan-{shop.name} and
# shoptet-apply-{shop.name} (in the workflows).

policy:
  maxDeletes: 10          # at most this many deletions per apply, and only with --allow-delete
  maxChangedShare: 0.25   # an apply touching more than 25 % of the managed products needs --allow-bulk
  prune: false            # false: shop products no file mentions are left alone
"""


def example_products(shop: Shop) -> str:
    schema = _depth(f"{shop.catalog}/products/example.yaml") + "schemas/products.schema.json"
    return f"""# yaml-language-server: $schema={schema}
#
# One file per category or brand (CODEOWNERS can then name who approves each), keyed by the
# product's GUID (`shoptet-catalog new-guid` makes one). `shoptet-catalog import --all` writes
# the live shop's products into products/. An example, commented out so it plans nothing:
#
# products:
#   3f2b6c1e-8d4a-4c1e-9a57-0b6c2d1e7f90:
#     name: Example product
#     visibility: hidden
#     variants:
#       EXAMPLE-1:
#         price: 199.00
#         stock: 5
"""


def vscode_settings(shops: tuple[Shop, ...]) -> str:
    settings = {
        "yaml.schemas": {
            "./schemas/shop.schema.json": [f"{s.catalog}/shop.yaml" for s in shops],
            "./schemas/products.schema.json": [f"{s.catalog}/products/*.yaml" for s in shops],
        },
        "yaml.validate": True,
        "files.insertFinalNewline": True,
    }
    return json.dumps(settings, indent=2) + "\n"


def precommit_config(shops: tuple[Shop, ...], tool: Tool) -> str:
    repo = f"https://github.com/{tool.repo or PLACEHOLDER_REPO}"
    rev = f"{tool.pinned}  # {tool.ref}" if tool.sha else tool.ref
    lines = [
        "# pre-commit (https://pre-commit.com): run `pre-commit install` once; then every commit",
        "# that touches a catalog is validated first. The hooks are shoptet-catalog's, at the same",
        "# commit as the workflows.",
        "repos:",
        f"  - repo: {repo}",
        f"    rev: {rev}",
        "    hooks:",
    ]
    for shop in shops:
        lines += [
            "      - id: shoptet-catalog-validate",
            f"        name: shoptet-catalog validate ({shop.name})",
            f"        args: [--catalog, {shop.catalog}]",
            f"        files: ^{re.escape(shop.catalog)}/",
        ]
    lines += [
        "      - id: shoptet-catalog-schema",
        "        args: [--out, schemas]",
    ]
    return "\n".join(lines) + "\n"


def codeowners(shops: tuple[Shop, ...]) -> str:
    lines = [
        "# Who must approve what (GitHub CODEOWNERS: the LAST matching line wins). Replace the",
        '# @ORG/... teams with yours and turn on "Require review from Code Owners" for main.',
        "#",
        "# Keep one file per category or brand under products/ (coffee.yaml, tea.yaml, ...): a",
        "# line per file then makes that category's owner approve every change to its products.",
        "",
        "*                           @ORG/catalog-maintainers",
        "/.github/                   @ORG/catalog-maintainers",
        "/.pre-commit-config.yaml    @ORG/catalog-maintainers",
        "/CODEOWNERS                 @ORG/catalog-maintainers",
    ]
    for shop in shops:
        lines += [
            f"/{shop.catalog}/shop.yaml   @ORG/catalog-maintainers",
            f"# /{shop.catalog}/products/coffee.yaml   @ORG/coffee-team",
        ]
    return "\n".join(lines) + "\n"


GITIGNORE = """\
# shoptet-catalog: plans, journals and caches are made per run, never committed
plan.json
*.plan.json
plan.md
comment.md
journal*.jsonl
out/
.shoptet-cache/
.venv/
__pycache__/
"""


def render_files(
    shops: tuple[Shop, ...],
    tool: Tool,
    templates: dict[str, str],
    schemas: dict[str, str],
    *,
    sandbox: bool = False,
    with_example: bool = True,
) -> dict[str, str]:
    """Every file of a new catalog repository, by relative path."""
    files: dict[str, str] = {}
    for name in WORKFLOWS:
        files[f".github/workflows/{name}"] = render_workflow(
            templates[name],
            tool,
            "'" + shops_json(shops) + "'",
            "true" if sandbox else "false",
        )
    for shop in shops:
        files[f"{shop.catalog}/shop.yaml"] = shop_yaml(shop)
        if with_example:
            files[f"{shop.catalog}/products/example.yaml"] = example_products(shop)
    for name, text in schemas.items():
        files[f"schemas/{name}"] = text
    files[".pre-commit-config.yaml"] = precommit_config(shops, tool)
    files[".vscode/settings.json"] = vscode_settings(shops)
    files["CODEOWNERS"] = codeowners(shops)
    files[".gitignore"] = GITIGNORE
    return files


def required_checks(shops: tuple[Shop, ...]) -> list[str]:
    """The check names branch protection requires: the calling job's id / the called job's name."""
    return [f"plan / {job} ({s.name})" for s in shops for job in ("validate", "plan")]


def github_steps(shops: tuple[Shop, ...], tool: Tool) -> list[str]:
    """The manual steps left, as shell lines to run in the new repository (gh fills
    {owner}/{repo} from its git remote). Comments say what needs a person."""
    out = [
        "# Run in the new repository after the first push (gh auth login first).",
        "# 1. Per shop, two Shoptet private API tokens (admin -> Connections -> Private API):",
        "#    read-only for plans, read+write for apply. Each `gh secret set` asks for one.",
        "#    REVIEWER_ID: the user or team that approves writes to the live shop:",
        "#    gh api users/LOGIN --jq .id   (or: gh api orgs/ORG/teams/TEAM --jq .id, type Team)",
    ]
    for s in shops:
        plan_env, apply_env = f"shoptet-plan-{s.name}", f"shoptet-apply-{s.name}"
        out += [
            f"gh api -X PUT repos/{{owner}}/{{repo}}/environments/{plan_env} --silent",
            f"gh secret set SHOPTET_READ_TOKEN --env {plan_env}",
            f"gh api -X PUT repos/{{owner}}/{{repo}}/environments/{apply_env} --silent --input - <<'JSON'",
            '{"reviewers": [{"type": "User", "id": REVIEWER_ID}], "prevent_self_review": false,'
            ' "deployment_branch_policy": {"protected_branches": false, "custom_branch_policies": true}}',
            "JSON",
            f"gh api -X POST repos/{{owner}}/{{repo}}/environments/{apply_env}/deployment-branch-policies -f name=main --silent",
            f"gh secret set SHOPTET_WRITE_TOKEN --env {apply_env}",
        ]
    out.append("# 2. The labels a maintainer sets to allow a guarded change.")
    for name, color, description in LABELS:
        out.append(
            f"gh label create {name} --color {color} --description {_sh(description)} --force"
        )
    out += [
        "# 3. The default workflow token reads only (each job asks for what it needs).",
        "gh api -X PUT repos/{owner}/{repo}/actions/permissions/workflow"
        " -f default_workflow_permissions=read -F can_approve_pull_request_reviews=false",
        "# 4. Protect main: a reviewed pull request (code owners too) and the plan checks.",
        "gh api -X PUT repos/{owner}/{repo}/branches/main/protection --input - <<'JSON'",
        json.dumps(
            {
                "required_status_checks": {"strict": True, "contexts": required_checks(shops)},
                "enforce_admins": True,
                "required_pull_request_reviews": {
                    "required_approving_review_count": 1,
                    "require_code_owner_reviews": True,
                },
                "restrictions": None,
            }
        ),
        "JSON",
    ]
    return out


def _sh(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"
