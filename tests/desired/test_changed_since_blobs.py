"""``--changed-since`` takes the product files whose git blob at the base is the bytes the
working tree loaded without unpacking them (issue 16). That must mean exactly what unpacking
the whole base and parsing it means: files changed, renamed, added or removed, a link at the
base, and files that checking out would convert (line ends, filters) are all seen; random
file-level edits give what the slow paths give."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.desired import load as load_mod
from reconciler.desired import scope as scope_mod
from reconciler.desired.load import git_blob_id, load_catalog
from reconciler.desired.scope import catalog_at, changed_since
from tests.support.git import git, repo_with

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "catalog"
SENCHA = "bb65820f-d7bd-53e0-bc82-f35caab096ba"  # tea.yaml


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


def make_repo(where: Path) -> Path:
    return repo_with(where, EXAMPLE)


def commit(repo: Path, message: str = "base") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def seen(result: tuple) -> tuple:
    commit_id, old, note = result
    products = (
        None
        if old is None
        else {g: p.model_dump(exclude_unset=True) for g, p in old.products.items()}
    )
    return commit_id, products, note


def three_ways(repo: Path, monkeypatch, ref: str = "main") -> tuple:
    """The base by blob ids (the fast path), with every file unpacked and compared by its
    bytes (the path before it), and parsed whole: all must agree; the first is returned."""
    catalog = repo / "catalog"
    loaded = load_catalog(catalog)
    fast = seen(catalog_at(catalog, ref, reuse=loaded))
    with monkeypatch.context() as m:
        m.setattr(scope_mod, "_same_blobs", lambda *a, **k: None)
        unpacked = seen(catalog_at(catalog, ref, reuse=loaded))
    whole = seen(catalog_at(catalog, ref))
    assert fast == unpacked == whole
    return fast


def spy(monkeypatch) -> tuple[list[str], list[list[str]]]:
    """(files the base's load parses, the paths of each git archive) from now on."""
    parsed: list[str] = []
    archived: list[list[str]] = []
    real_parse, real_unpack = load_mod.load_yaml, scope_mod._unpack
    monkeypatch.setattr(load_mod, "load_yaml", lambda f, d: parsed.append(f) or real_parse(f, d))

    def unpack(top, commit_id, paths, dest):
        archived.append(list(paths))
        return real_unpack(top, commit_id, paths, dest)

    monkeypatch.setattr(scope_mod, "_unpack", unpack)
    return parsed, archived


def names(files: list[str]) -> list[str]:
    return sorted(Path(f).name for f in files)


def test_the_loader_records_the_blob_id_git_gives_each_file(repo):
    loaded = load_catalog(repo / "catalog")
    for file in loaded.files:
        rel = Path(file).relative_to(repo).as_posix()
        assert loaded.git_blobs[Path(file).as_posix()] == git(repo, "rev-parse", f"HEAD:{rel}")
    assert git_blob_id(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"  # git's empty blob


def test_unchanged_files_are_neither_unpacked_nor_parsed(repo, monkeypatch):
    tea = repo / "catalog/products/tea.yaml"
    tea.write_text(tea.read_text("utf-8").replace("name: Čaj Sencha Premium", "name: S"), "utf-8")
    loaded = load_catalog(repo / "catalog")
    parsed, archived = spy(monkeypatch)
    scope = changed_since(repo / "catalog", "main", loaded.catalog, loaded)
    assert scope.guids == frozenset({SENCHA})
    assert names(parsed) == ["shop.yaml", "tea.yaml"]
    unpacked = {Path(p).name for paths in archived for p in paths}
    assert unpacked == {"shop.yaml", "tea.yaml"}  # not coffee, gifts, accessories


def test_a_renamed_an_added_and_a_removed_file_are_seen(repo, monkeypatch):
    products = repo / "catalog/products"
    before = load_catalog(repo / "catalog").locations
    accessories = {g for g, w in before.products() if w.file.endswith("accessories.yaml")}
    (products / "gifts.yaml").rename(products / "presents.yaml")  # same bytes, another path
    (products / "accessories.yaml").unlink()  # its products are gone
    (products / "new.yaml").write_text(
        "products:\n  11111111-2222-5333-8444-555555555555:\n    name: New\n", "utf-8"
    )
    catalog = repo / "catalog"
    loaded = load_catalog(catalog)
    parsed, _ = spy(monkeypatch)
    scope = changed_since(catalog, "main", loaded.catalog, loaded)
    assert "gifts.yaml" in names(parsed)  # not at its old path in the working tree: parsed
    assert "accessories.yaml" in names(parsed)
    assert "11111111-2222-5333-8444-555555555555" in (scope.guids or ())
    assert {e.guid for e in scope.removed if e.code is None} == accessories
    assert scope.guids == accessories | {"11111111-2222-5333-8444-555555555555"}
    three_ways(repo, monkeypatch)


def test_a_link_at_the_base_whose_target_text_is_a_working_tree_file_is_not_taken(
    repo, monkeypatch
):
    """A link's blob is its target's name: a working-tree file holding exactly that text
    has the same blob id, but the base holds a link, which the catalog refuses."""
    products = repo / "catalog/products"
    target = "tea.yaml"
    (products / "odd.yaml").symlink_to(target)
    commit(repo, "a link")
    (products / "odd.yaml").unlink()
    (products / "odd.yaml").write_bytes(target.encode())  # not YAML products: a bad file
    loaded_bytes = (products / "odd.yaml").read_bytes()
    assert git_blob_id(loaded_bytes) == git(repo, "rev-parse", "HEAD:catalog/products/odd.yaml")
    (products / "odd.yaml").write_text("products: {}\n", "utf-8")
    loaded = load_catalog(repo / "catalog")
    loaded.git_blobs[(products / "odd.yaml").as_posix()] = git_blob_id(loaded_bytes)
    _, old, note = catalog_at(repo / "catalog", "main", reuse=loaded)
    assert old is None
    assert "symbolic links" in note and "odd.yaml" in note


def test_a_file_checkout_converts_is_unpacked_and_parsed(repo, monkeypatch):
    """The working tree's bytes are the blob's, but the base's .gitattributes make checking
    out convert them (CRLF line ends): the file is unpacked and parsed as git archive gives
    it, as before."""
    (repo / ".gitattributes").write_text("*.yaml text eol=crlf\n", "utf-8")
    commit(repo, "crlf on checkout")  # the working tree keeps its LF files
    catalog = repo / "catalog"
    loaded = load_catalog(catalog)
    parsed, _ = spy(monkeypatch)
    scope = changed_since(catalog, "main", loaded.catalog, loaded)
    assert scope.guids == frozenset()
    assert names(parsed) == [
        "accessories.yaml",
        "coffee.yaml",
        "gifts.yaml",
        "shop.yaml",
        "tea.yaml",
    ]
    three_ways(repo, monkeypatch)


@pytest.mark.parametrize("key, value", [("core.autocrlf", "true"), ("core.eol", "crlf")])
def test_a_config_that_may_convert_on_checkout_unpacks_every_file(repo, monkeypatch, key, value):
    git(repo, "config", key, value)
    loaded = load_catalog(repo / "catalog")
    parsed, archived = spy(monkeypatch)
    changed_since(repo / "catalog", "main", loaded.catalog, loaded)
    assert archived == [["catalog"]]
    if key == "core.autocrlf":  # git archive gives CRLF: no file is the same by its bytes
        assert len(names(parsed)) == 5
    three_ways(repo, monkeypatch)


def test_a_filter_at_the_base_changes_what_the_base_holds(repo, monkeypatch):
    """A smudge filter rewrites the file on checkout (git archive applies it): the base's
    Sencha is then another name than the working tree's, though the blob is the same."""
    (repo / "catalog/.gitattributes").write_text("tea.yaml filter=rename\n", "utf-8")
    commit(repo, "a filter")
    git(repo, "config", "filter.rename.smudge", "sed 's/Sencha Premium/Sencha Lite/'")
    git(repo, "config", "filter.rename.clean", "cat")
    catalog = repo / "catalog"
    loaded = load_catalog(catalog)
    scope = changed_since(catalog, "main", loaded.catalog, loaded)
    assert scope.guids == frozenset({SENCHA})
    assert scope == changed_since(catalog, "main", loaded.catalog)


@pytest.mark.parametrize(
    "attributes",
    ["*.yaml export-ignore\n", "*.yaml ident\n", "*.yaml working-tree-encoding=UTF-16\n"],
)
def test_other_checkout_attributes_unpack_the_file(repo, monkeypatch, attributes):
    (repo / "catalog/products/.gitattributes").write_text(attributes, "utf-8")
    commit(repo, "attributes")
    loaded = load_catalog(repo / "catalog")
    _, archived = spy(monkeypatch)
    catalog_at(repo / "catalog", "main", reuse=loaded)
    assert archived == [["catalog"]]  # nothing taken by blob id: the whole tree unpacked
    three_ways(repo, monkeypatch)


def test_plain_text_attributes_keep_the_fast_path(repo, monkeypatch):
    (repo / ".gitattributes").write_text("* text=auto\n*.yaml text eol=lf\n", "utf-8")
    commit(repo, "plain text")
    loaded = load_catalog(repo / "catalog")
    parsed, _ = spy(monkeypatch)
    changed_since(repo / "catalog", "main", loaded.catalog, loaded)
    assert names(parsed) == ["shop.yaml"]


def test_the_catalog_at_the_repository_root_uses_the_fast_path(tmp_path, monkeypatch):
    repo = tmp_path / "root"
    shutil.copytree(EXAMPLE, repo)
    git(repo, "init", "-q", "-b", "main")
    commit(repo)
    (repo / ".gitattributes").write_text("*.yaml eol=crlf\n", "utf-8")  # not at the base
    loaded = load_catalog(repo)
    parsed, _ = spy(monkeypatch)
    scope = changed_since(repo, "main", loaded.catalog, loaded)
    assert scope.guids == frozenset()
    assert names(parsed) == ["shop.yaml"]


# -- random file-level edits: the fast path gives what unpacking and parsing whole give ------

FILES = ["accessories.yaml", "coffee.yaml", "gifts.yaml", "tea.yaml"]
EDITS = st.sampled_from(["keep", "rename", "remove", "crlf", "reword", "comment"])


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edits=st.lists(EDITS, min_size=4, max_size=4), attrs=st.booleans())
def test_random_file_edits_give_what_the_slow_paths_give(monkeypatch, edits, attrs):
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(Path(tmp))
        if attrs:  # the base converts tea.yaml on checkout
            (repo / "catalog/.gitattributes").write_text("tea.yaml eol=crlf\n", "utf-8")
            commit(repo, "attributes")
        products = repo / "catalog/products"
        for name, edit in zip(FILES, edits, strict=True):
            path = products / name
            data = path.read_bytes()
            if edit == "rename":
                path.rename(products / f"moved-{name}")
            elif edit == "remove":
                path.unlink()
            elif edit == "crlf":
                path.write_bytes(data.replace(b"\n", b"\r\n"))
            elif edit == "reword":
                path.write_bytes(data.replace(b"    name: ", b"    name: X ", 1))
            elif edit == "comment":  # other bytes, the same products
                path.write_bytes(b"# a comment\n" + data)
        three_ways(repo, monkeypatch)
