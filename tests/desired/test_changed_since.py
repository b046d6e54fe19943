"""`plan --changed-since REF`: which products are in scope (parsed entries compared, shop.yaml
rules), git errors, and the scoped plan end to end (plan file, renderers, request count, apply
touching only its scope)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reconciler.cli import main
from reconciler.desired import load as load_mod
from reconciler.desired.load import load_catalog
from reconciler.desired.scope import changed_since
from reconciler.errors import ConfigError
from reconciler.pipeline import PlanRequest, make_plan
from reconciler.plan.model import Plan
from reconciler.render.formats import render_markdown, render_text
from reconciler.sandbox import Sandbox
from tests.support.git import git, repo_with
from tests.support.sandbox_client import sandbox_client

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "catalog"
SENCHA = "bb65820f-d7bd-53e0-bc82-f35caab096ba"  # tea.yaml, live in the demo shop
GUNPOWDER = "7583ce6b-f097-568c-8819-b112c1b65e5c"  # tea.yaml, renamed vs the demo shop


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository holding a copy of the example catalog in catalog/, committed."""
    return repo_with(tmp_path, EXAMPLE)


def scope_of(repo: Path, ref: str = "main"):
    """The scope, computed with the working tree's load reused for unchanged files (as plan
    does) and without: every scope test checks the two agree."""
    catalog = repo / "catalog"
    loaded = load_catalog(catalog)
    reused = changed_since(catalog, ref, loaded.catalog, loaded)
    assert reused == changed_since(catalog, ref, loaded.catalog)
    return reused


def test_files_unchanged_since_the_base_are_not_parsed_again(repo, monkeypatch):
    edit(repo / "catalog/products/tea.yaml", "name: Čaj Sencha Premium", "name: Sencha")
    catalog = repo / "catalog"
    loaded = load_catalog(catalog)
    parsed: list[str] = []
    real = load_mod.load_yaml
    monkeypatch.setattr(load_mod, "load_yaml", lambda f, d: parsed.append(f) or real(f, d))
    scope = changed_since(catalog, "main", loaded.catalog, loaded)
    assert scope.guids == frozenset({SENCHA})
    assert sorted(Path(f).name for f in parsed) == ["shop.yaml", "tea.yaml"]


def test_a_guid_in_an_unchanged_file_and_a_changed_one_at_the_base_is_a_base_that_does_not_load(
    repo,
):
    tea = repo / "catalog/products/tea.yaml"
    text = tea.read_text(encoding="utf-8")
    sencha = text[text.index(f"  {SENCHA}:") : text.index(f"  {GUNPOWDER}:")]
    extra = repo / "catalog/products/extra.yaml"
    extra.write_text("products:\n" + sencha.replace("Čaj Sencha Premium", "Copy"), "utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "broken base: Sencha twice")
    extra.unlink()  # the working tree is valid again; tea.yaml is unchanged since the base
    catalog = repo / "catalog"
    loaded = load_catalog(catalog)
    scope = changed_since(catalog, "main", loaded.catalog, loaded)
    assert scope == changed_since(catalog, "main", loaded.catalog)
    assert scope.guids == frozenset(g.lower() for g in loaded.catalog.products)
    assert "does not load" in scope.reason


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- what is in scope ------------------------------------------------------------------------


def test_nothing_changed_is_an_empty_scope(repo):
    scope = scope_of(repo)
    assert scope.guids == frozenset()
    assert scope.commit == git(repo, "rev-parse", "HEAD")
    assert "0 products changed since main" in scope.reason


def test_comments_formatting_and_moving_a_product_are_no_change(repo):
    tea = repo / "catalog" / "products" / "tea.yaml"
    edit(
        tea,
        "    name: Čaj Sencha Premium\n",
        "    # a new comment\n    name: 'Čaj Sencha Premium'\n",
    )
    edit(tea, "        price: 89.00\n", "        price: 89.0     # same number\n")
    edit(tea, "        stock: {1: 16, 2: 2}", "        stock:\n          1: 16\n          2: 2")
    # move Gunpowder to a file of its own
    text = tea.read_text(encoding="utf-8")
    start = text.index(f"  {GUNPOWDER}:")
    end = text.index("\n  # ", start)
    (repo / "catalog" / "products" / "moved.yaml").write_text(
        "products:\n" + text[start:end] + "\n", encoding="utf-8"
    )
    tea.write_text(text[:start] + text[end + 1 :], encoding="utf-8")
    assert load_catalog(repo / "catalog").catalog.products[GUNPOWDER]
    assert scope_of(repo).guids == frozenset()


def test_a_changed_value_an_added_tombstone_and_a_removed_entry_are_in_scope(repo):
    tea = repo / "catalog" / "products" / "tea.yaml"
    edit(tea, "        price: 89.00\n", "        price: 91.00\n")
    text = tea.read_text(encoding="utf-8")
    start = text.index(f"  {GUNPOWDER}:")
    end = text.index("\n  # ", start)
    tea.write_text(text[:start] + f"  {GUNPOWDER}:\n    absent: true\n" + text[end:], "utf-8")
    coffee = repo / "catalog" / "products" / "coffee.yaml"
    text = coffee.read_text(encoding="utf-8")
    removed = load_catalog(repo / "catalog").catalog.products
    coffee.unlink()
    gone = set(removed) - set(load_catalog(repo / "catalog").catalog.products)
    assert gone and text
    assert scope_of(repo).guids == frozenset({SENCHA, GUNPOWDER} | gone)


def test_working_tree_changes_count_and_the_ref_may_be_any_revision(repo):
    tea = repo / "catalog" / "products" / "tea.yaml"
    edit(tea, "        price: 89.00\n", "        price: 91.00\n")
    git(repo, "commit", "-q", "-am", "price")
    assert scope_of(repo, "HEAD").guids == frozenset()
    assert scope_of(repo, "HEAD~1").guids == frozenset({SENCHA})
    git(repo, "tag", "v1", "HEAD~1")
    assert scope_of(repo, "v1").guids == frozenset({SENCHA})


@pytest.mark.parametrize(
    ("old", "new", "expect"),
    [
        ("ignore: []", "ignore: [description]", "all"),
        ("  pricelist: 1 ", "  pricelist: 2 ", "all"),
        ("  prune: false", "  prune: true", "full"),
        ("  maxDeletes: 10", "  maxDeletes: 3", "none"),
        ("  maxChangedShare: 0.25", "  maxChangedShare: 0.5", "none"),
    ],
)
def test_shop_yaml_changes(repo, old, new, expect):
    edit(repo / "catalog" / "shop.yaml", old, new)
    scope = scope_of(repo)
    everything = frozenset(load_catalog(repo / "catalog").catalog.products)
    assert {"all": everything, "full": None, "none": frozenset()}[expect] == scope.guids
    assert scope.is_full == (expect == "full")


def test_prune_turned_off_puts_nothing_in_scope(repo):
    edit(repo / "catalog" / "shop.yaml", "  prune: false", "  prune: true")
    git(repo, "commit", "-q", "-am", "prune on")
    edit(repo / "catalog" / "shop.yaml", "  prune: true", "  prune: false")
    assert scope_of(repo).guids == frozenset()


def test_a_ref_without_the_catalog_puts_every_product_in_scope(repo):
    (repo / "README").write_text("x")
    git(repo, "checkout", "-q", "--orphan", "empty")
    git(repo, "rm", "-rq", "--cached", "catalog")
    git(repo, "add", "README")
    git(repo, "commit", "-q", "-m", "no catalog")
    git(repo, "checkout", "-q", "-f", "main")
    scope = scope_of(repo, "empty")
    assert scope.guids == frozenset(load_catalog(repo / "catalog").catalog.products)
    assert "did not exist" in scope.reason


def test_a_ref_whose_catalog_does_not_load_puts_every_product_in_scope(repo):
    edit(
        repo / "catalog" / "products" / "tea.yaml", "    name: Čaj Sencha Premium\n", "    nme: x\n"
    )
    git(repo, "commit", "-q", "-am", "broken")
    git(repo, "revert", "--no-edit", "HEAD")
    scope = scope_of(repo, "HEAD~1")
    assert scope.guids == frozenset(load_catalog(repo / "catalog").catalog.products)
    assert "does not load" in scope.reason


def test_the_catalog_may_be_the_repository_root(tmp_path):
    shutil.copytree(EXAMPLE, tmp_path / "c")
    git(tmp_path / "c", "init", "-q")
    git(tmp_path / "c", "add", ".")
    git(tmp_path / "c", "commit", "-q", "-m", "x")
    edit(tmp_path / "c" / "products" / "tea.yaml", "        price: 89.00\n", "        price: 1\n")
    scope = changed_since(tmp_path / "c", "HEAD", load_catalog(tmp_path / "c").catalog)
    assert scope.guids == frozenset({SENCHA})


@pytest.mark.parametrize("ref", ["no-such-branch", "--output=/tmp/x", "", "HEAD~99"])
def test_a_bad_ref_is_a_clear_error(repo, ref):
    with pytest.raises(ConfigError, match="--changed-since"):
        scope_of(repo, ref)


def test_not_a_git_work_tree_is_a_clear_error(tmp_path):
    shutil.copytree(EXAMPLE, tmp_path / "c")
    with pytest.raises(ConfigError, match="git work tree"):
        changed_since(tmp_path / "c", "HEAD", load_catalog(tmp_path / "c").catalog)


def test_the_cli_exits_1_on_a_bad_ref(repo, capsys):
    with pytest.raises(SystemExit) as info:
        main(["--catalog", str(repo / "catalog"), "--sandbox", "plan", "--changed-since", "nope"])
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "git knows no commit" in err and "Traceback" not in err


# --- the scoped plan -------------------------------------------------------------------------


def test_the_plan_file_records_the_scope_and_every_renderer_says_it(repo, tmp_path, capsys):
    edit(
        repo / "catalog" / "products" / "tea.yaml",
        "        price: 89.00\n",
        "        price: 91.00\n",
    )
    out = tmp_path / "p.json"
    args = ["--catalog", str(repo / "catalog"), "--sandbox", "plan", "--changed-since", "main"]
    with pytest.raises(SystemExit) as info:
        main([*args, "--out", str(out)])
    assert info.value.code == 0
    captured = capsys.readouterr()
    assert "1 product changed since main" in captured.err
    plan = Plan.from_json(out.read_text(encoding="utf-8"))
    doc = json.loads(out.read_text(encoding="utf-8"))["scope"]
    assert doc["kind"] == "targeted" and doc["ref"] == "main"
    assert doc["commit"] == git(repo, "rev-parse", "main")
    assert doc["targets"] == [SENCHA]
    assert {c.guid for c in plan.changes} == {SENCHA}
    for text in (captured.out, render_text(plan), render_markdown(plan)):
        assert "changed since main" in text
        assert "drift check" in text


def test_a_scoped_plan_reads_one_detail_per_product_and_no_list(repo):
    tea = repo / "catalog" / "products" / "tea.yaml"
    edit(tea, "        price: 89.00\n", "        price: 91.00\n")
    loaded = load_catalog(repo / "catalog")
    scope = changed_since(repo / "catalog", "main", loaded.catalog)
    sb = Sandbox.from_seed("demo")
    with sandbox_client(sb, read_only=True) as client:
        plan = make_plan(
            client, loaded, PlanRequest(scope=scope.guids, ref="main", ref_commit=scope.commit)
        )
        # eshop + stocks + one detail, plus categories, brands and availabilities (one page
        # each: the catalog states them, and plan checks its references whatever the scope),
        # plus the variant-parameter registry (the product states parameters by name; issue 14)
        assert client.request_count == 2 + 3 + 1 + 1
    paths = [entry["path"] for entry in sb.request_log]
    assert not any(p.rstrip("/") == "/api/products" for p in paths)
    assert plan.unmanaged.count is None


def test_with_prune_a_scoped_plan_deletes_a_product_the_pull_request_removed(repo):
    edit(repo / "catalog" / "shop.yaml", "  prune: false", "  prune: true")
    git(repo, "commit", "-q", "-am", "prune on")
    tea = repo / "catalog" / "products" / "tea.yaml"
    text = tea.read_text(encoding="utf-8")
    start = text.index(f"  {GUNPOWDER}:")
    end = text.index("\n  # ", start)
    tea.write_text(text[:start] + text[end + 1 :], encoding="utf-8")
    loaded = load_catalog(repo / "catalog")
    scope = changed_since(repo / "catalog", "main", loaded.catalog)
    assert scope.guids == frozenset({GUNPOWDER})
    with sandbox_client(Sandbox.from_seed("demo"), read_only=True) as client:
        plan = make_plan(
            client, loaded, PlanRequest(scope=scope.guids, ref="main", ref_commit=scope.commit)
        )
    assert [(c.action.value, c.guid) for c in plan.changes] == [("delete", GUNPOWDER)]


def test_apply_of_a_scoped_plan_touches_only_its_scope(repo, tmp_path, monkeypatch, capsys):
    """The example catalog differs from the demo shop in many products; the pull request
    changes one. Applying its scoped plan writes that product only."""
    edit(
        repo / "catalog" / "products" / "tea.yaml",
        "        price: 89.00\n",
        "        price: 91.00\n",
    )
    sb = Sandbox.from_seed("demo")
    server = sb.serve(port=0)
    for name in ("SHOPTET_OAUTH_ACCESS_TOKEN", "SHOPTET_ESHOP_URL", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHOPTET_API_URL", server.url)
    monkeypatch.setenv("SHOPTET_PRIVATE_API_TOKEN", "sandbox-token")
    plan_file = tmp_path / "p.json"
    catalog = str(repo / "catalog")
    try:
        for args in (
            ["--catalog", catalog, "plan", "--changed-since", "main", "--out", str(plan_file)],
            ["--catalog", catalog, "apply", str(plan_file), "--auto-approve"],
        ):
            with pytest.raises(SystemExit) as info:
                main(args)
            assert info.value.code == 0, capsys.readouterr().err
    finally:
        server.close()
    writes = [e for e in sb.request_log if e["method"] != "GET"]
    assert writes, "the scoped change was applied"
    rows = {
        v["code"]: v for p in sb.state()["products"] for v in p["variants"] if p["guid"] == SENCHA
    }
    assert rows["CAJ-SEN-50"]["prices"]["1"]["price"] == "91.00"
    names = {p["guid"]: p["name"] for p in sb.state()["products"]}
    assert names[GUNPOWDER] == "Čaj Gunpowder"  # out of scope: its rename is not applied


def test_prune_turned_on_makes_a_full_plan_which_may_use_the_cache(repo, tmp_path, capsys):
    edit(repo / "catalog" / "shop.yaml", "  prune: false", "  prune: true")
    out = tmp_path / "p.json"
    args = ["--catalog", str(repo / "catalog"), "--sandbox", "plan", "--changed-since", "main"]
    with pytest.raises(SystemExit) as info:
        main([*args, "--cache", str(tmp_path / "cache"), "--out", str(out)])
    assert info.value.code == 0
    err = capsys.readouterr().err
    assert "policy.prune was turned on" in err and "(a full plan)" in err
    assert "Live cache" in err  # a full plan: the cache serves it
    plan = Plan.from_json(out.read_text(encoding="utf-8"))
    assert plan.scope.is_full
    assert any(c.action.value == "delete" for c in plan.changes)  # the unmanaged are pruned


# --- symbolic links at the base (issue 12) ---------------------------------------------------


def test_symlinks_in_the_base_commit_put_everything_in_scope_without_following_them(
    repo, tmp_path, capsys
):
    """git archive of the base holds a link to a file outside the repository and one inside:
    neither is created or read; the base counts as not loading, so every product is in scope."""
    secret = tmp_path / "secret.yaml"
    secret.write_text("products: {}\n", encoding="utf-8")
    products = repo / "catalog" / "products"
    (products / "outside.yaml").symlink_to(secret)
    (products / "inside.yaml").symlink_to("tea.yaml")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "links")
    git(repo, "branch", "base")
    (products / "outside.yaml").unlink()
    (products / "inside.yaml").unlink()
    args = ["--catalog", str(repo / "catalog"), "--sandbox", "plan", "--changed-since", "base"]
    with pytest.raises(SystemExit) as info:
        main(args)
    captured = capsys.readouterr()
    assert info.value.code == 0, captured.err
    assert "Traceback" not in captured.out + captured.err
    assert (
        "the catalog at base holds symbolic links, which the catalog refuses "
        "(catalog/products/inside.yaml, catalog/products/outside.yaml): every product is in scope"
    ) in captured.err
    scope = scope_of(repo, "base")
    assert scope.guids == frozenset(
        g.lower() for g in load_catalog(repo / "catalog").catalog.products
    )


# --- what the pull request removed from the YAML (issue 15) -----------------------------------


def remove_block(path: Path, start_marker: str, end_marker: str) -> None:
    text = path.read_text(encoding="utf-8")
    start = text.index(start_marker)
    end = text.index(end_marker, start + len(start_marker))
    path.write_text(text[:start] + text[end:], encoding="utf-8")


def test_a_scoped_plan_lists_the_products_and_variants_the_pull_request_removed(
    repo, tmp_path, capsys
):
    tea = repo / "catalog" / "products" / "tea.yaml"
    remove_block(tea, "      CAJ-SEN-100:\n", "\n\n  # ")  # a variant of Sencha, no tombstone
    remove_block(tea, f"  {GUNPOWDER}:\n", "\n  # ")  # the whole product
    scope = scope_of(repo)
    assert scope.guids == frozenset({SENCHA, GUNPOWDER})
    assert [(e.guid, e.code) for e in scope.removed] == [
        (GUNPOWDER, None),
        (SENCHA, "CAJ-SEN-100"),
    ]
    out = tmp_path / "p.json"
    args = ["--catalog", str(repo / "catalog"), "--sandbox", "plan", "--changed-since", "main"]
    with pytest.raises(SystemExit) as info:
        main([*args, "--out", str(out)])
    assert info.value.code == 0
    text = capsys.readouterr().out
    plan = Plan.from_json(out.read_text(encoding="utf-8"))
    assert all(c.guid != GUNPOWDER for c in plan.changes)  # no prune: nothing deleted
    assert all(c.code != "CAJ-SEN-100" for c in plan.changes)
    head = "Removed from the catalog; stays in the shop, now unmanaged; to delete it write"
    for shown in (text, render_markdown(plan)):
        assert shown.index("Scope:") < shown.index(head) < shown.index("Unmanaged products:")
        assert GUNPOWDER in shown and "Čaj Gunpowder Temple of Heaven" in shown
        assert "CAJ-SEN-100" in shown and "Čaj Sencha Premium" in shown
    assert text.count("CAJ-SEN-100") == 1  # said once: removed, not also "not in the catalog"


def test_an_added_tombstone_is_no_removal_and_prune_makes_a_removed_product_a_deletion(repo):
    tea = repo / "catalog" / "products" / "tea.yaml"
    edit(tea, "      CAJ-SEN-100:\n", "      CAJ-SEN-100: {absent: true}\n      CAJ-SEN-X:\n")
    assert scope_of(repo).removed == ()
    git(repo, "checkout", "-q", "--", ".")
    edit(repo / "catalog" / "shop.yaml", "  prune: false", "  prune: true")
    git(repo, "commit", "-q", "-am", "prune on")
    remove_block(tea, f"  {GUNPOWDER}:\n", "\n  # ")
    loaded = load_catalog(repo / "catalog")
    scope = changed_since(repo / "catalog", "main", loaded.catalog)
    assert [e.guid for e in scope.removed] == [GUNPOWDER]
    with sandbox_client(Sandbox.from_seed("demo"), read_only=True) as client:
        request = PlanRequest(
            scope=scope.guids, ref="main", ref_commit=scope.commit, removed=scope.removed
        )
        plan = make_plan(client, loaded, request)
    assert [(c.action.value, c.guid) for c in plan.changes] == [("delete", GUNPOWDER)]
    assert plan.notes.removed == ()  # a planned deletion, not "stays in the shop"
    assert "Removed from the catalog" not in render_text(plan)


def test_a_plan_with_only_removals_says_no_changes_to_write(repo, capsys):
    remove_block(repo / "catalog" / "products" / "tea.yaml", f"  {GUNPOWDER}:\n", "\n  # ")
    args = ["--catalog", str(repo / "catalog"), "--sandbox", "plan", "--changed-since", "main"]
    with pytest.raises(SystemExit) as info:
        main([*args, "--format", "markdown"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    assert "No changes to write." in text and "The live shop matches" not in text
    assert f"`{GUNPOWDER}`" in text and "product Čaj Gunpowder" in text


# --- in a file that differs, only the blocks that differ are parsed at the base --------------


def parsed_at_base(repo: Path, monkeypatch) -> tuple[object, dict[str, list[str]]]:
    """The scope (checked against the one computed without reuse) and the texts the base's
    load parsed, by file name, in order."""
    catalog = repo / "catalog"
    loaded = load_catalog(catalog)
    parsed: dict[str, list[str]] = {}
    real = load_mod.load_yaml

    def spy(file, data):
        parsed.setdefault(Path(file).name, []).append(data.decode())
        return real(file, data)

    monkeypatch.setattr(load_mod, "load_yaml", spy)
    scope = changed_since(catalog, "main", loaded.catalog, loaded)
    monkeypatch.setattr(load_mod, "load_yaml", real)
    assert scope == changed_since(catalog, "main", loaded.catalog)
    return scope, parsed


def plain_tea(repo: Path) -> Path:
    """tea.yaml without the one ``&`` in its text (which turns the block split off), committed."""
    tea = repo / "catalog/products/tea.yaml"
    tea.write_text(tea.read_text(encoding="utf-8").replace("Zrnko & ", "Zrnko a "), "utf-8")
    git(repo, "commit", "-q", "-am", "plain tea")
    return tea


def test_in_a_changed_file_only_the_blocks_that_differ_are_parsed_at_the_base(repo, monkeypatch):
    tea = plain_tea(repo)
    edit(tea, "name: Čaj Sencha Premium", "name: Sencha")
    scope, parsed = parsed_at_base(repo, monkeypatch)
    assert scope.guids == frozenset({SENCHA})
    assert sorted(parsed) == ["shop.yaml", "tea.yaml"]
    [shortened] = parsed["tea.yaml"]
    assert f"  {SENCHA}:" in shortened and GUNPOWDER not in shortened


def test_a_moved_added_or_removed_block_in_a_changed_file_is_seen(repo, monkeypatch):
    tea = plain_tea(repo)
    text = tea.read_text(encoding="utf-8")
    sencha = text[text.index(f"  {SENCHA}:") : text.index(f"  {GUNPOWDER}:")]
    new = "00000000-0000-4000-8000-000000000001"
    added = sencha.replace(SENCHA, new).replace("CAJ-SEN-", "CAJ-NEW-")
    tea.write_text(text.replace(sencha, "") + added, "utf-8")  # Sencha gone, a new one at the end
    scope, parsed = parsed_at_base(repo, monkeypatch)
    assert scope.guids == frozenset({SENCHA, new})
    assert [e.guid for e in scope.removed] == [SENCHA]
    [shortened] = parsed["tea.yaml"]  # Sencha, which the working tree lacks, and no other
    assert f"  {SENCHA}:" in shortened and GUNPOWDER not in shortened and new not in shortened


def test_a_product_twice_in_one_base_file_is_a_base_that_does_not_load(repo, monkeypatch):
    tea = plain_tea(repo)
    text = tea.read_text(encoding="utf-8")
    sencha = text[text.index(f"  {SENCHA}:") : text.index(f"  {GUNPOWDER}:")]
    tea.write_text(text + sencha, "utf-8")
    git(repo, "commit", "-q", "-am", "broken base: Sencha twice in tea.yaml")
    tea.write_text(text.replace("name: Čaj Sencha Premium", "name: Sencha"), "utf-8")
    scope, parsed = parsed_at_base(repo, monkeypatch)
    assert "does not load" in scope.reason
    assert [len(t) for t in parsed["tea.yaml"]] == [len(text + sencha)]  # whole: no split


def test_a_base_block_running_into_the_next_one_is_parsed_whole(repo, monkeypatch):
    """At the base, a quoted text left open swallows the next product's header: that block's
    text is the same as in the working tree, yet the base does not hold that product. The
    split is not confirmed by the parser, so the base is parsed whole."""
    tea = plain_tea(repo)
    text = tea.read_text(encoding="utf-8")
    gunpowder_at = text.index(f"  {GUNPOWDER}:")
    opened = text[:gunpowder_at].rstrip("\n").rsplit("\n", 1)
    assert "# " in opened[1]  # the comment line above Gunpowder's header
    broken = text[:gunpowder_at].replace(
        "description: <p>Čaj Sencha Premium.</p><p>Skladujte v suchu a temnu.</p>",
        'description: "<p>Čaj Sencha Premium.</p>',
    )
    rest = text[gunpowder_at:]
    closing = rest.index("\n", rest.index("name:"))
    tea.write_text(broken + rest[:closing] + '"' + rest[closing:], "utf-8")
    git(repo, "commit", "-q", "-am", "base: Sencha's description swallows Gunpowder's header")
    tea.write_text(text, "utf-8")  # the working tree: two proper products again
    scope, parsed = parsed_at_base(repo, monkeypatch)  # equal to the scope without reuse
    base = git(repo, "show", "main:catalog/products/tea.yaml")
    shortened, whole = parsed["tea.yaml"]
    assert len(shortened) < len(base) and whole.strip() == base.strip()
    assert scope.guids is not None and GUNPOWDER in scope.guids
