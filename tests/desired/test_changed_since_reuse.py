"""``--changed-since`` block reuse (issue 16) means the same as parsing the base whole: the
same products, the same refusal (and problem count) on random edits of random catalogs, and
the per-file node limit counts the whole file at the base, not the file shortened by the split.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.desired import yamlload
from reconciler.desired.load import load_catalog
from reconciler.desired.scope import catalog_at
from reconciler.errors import CatalogError
from tests.support.git import git

SHOP = "shop:\n  defaultStock: 1\n"


def guid(i: int) -> str:
    return str(uuid.UUID(int=(0xB10C << 96) + i))


def block(i: int, name: str, variants: int, price: int) -> str:
    lines = [f"  {guid(i)}:", f"    name: {name}"] + ["    variants:"] * (variants > 0)
    for j in range(variants):
        lines += [f"      P{i}-{j}:", f"        price: {price + j}.00", "        vatRate: 21.00"]
    return "\n".join(lines) + "\n"


def file_text(blocks: list[str], comment: str = "") -> str:
    return f"# products{comment}\nproducts:\n" + "".join(blocks)


def whole_file_nodes(text: str) -> int:
    doc, problems = yamlload.load_yaml("f.yaml", text.encode())
    assert not problems and doc["products"].sizes is not None
    return 3 + sum(doc["products"].sizes.values())


def commit_base(repo: Path, files: dict[str, str]) -> None:
    """Commit ``files`` (name -> text under catalog/products/) as the base; the caller then
    writes the working tree."""
    products = repo / "catalog" / "products"
    products.mkdir(parents=True, exist_ok=True)
    (repo / "catalog" / "shop.yaml").write_text(SHOP)
    for old in products.iterdir():
        old.unlink()
    for name, text in files.items():
        (products / name).write_text(text, "utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")


def write_tree(repo: Path, files: dict[str, str]) -> None:
    products = repo / "catalog" / "products"
    for old in products.iterdir():
        old.unlink()
    for name, text in files.items():
        (products / name).write_text(text, "utf-8")


def base_with_and_without_reuse(repo: Path) -> tuple[tuple, tuple]:
    """(commit, products as their stated fields, note) at ``main`` with the working tree's
    load reused, and parsed whole."""
    catalog = repo / "catalog"
    loaded = load_catalog(catalog)

    def seen(result: tuple) -> tuple:
        commit, old, note = result
        products = None if old is None else {
            g: p.model_dump(exclude_unset=True) for g, p in old.products.items()
        }
        return commit, products, note

    reused = seen(catalog_at(catalog, "main", reuse=loaded))
    whole = seen(catalog_at(catalog, "main"))
    return reused, whole


def test_the_node_limit_counts_the_whole_base_file_not_the_shortened_one(tmp_path, monkeypatch):
    """At the base, one product has 6 variants; the pull request cuts it to 1. The base file
    holds more nodes than the limit, the working tree's fewer: the base must not load, as
    parsing it whole says, although the split would parse only the small changed block."""
    blocks = [block(i, f"Product {i}", 2, 100) for i in range(6)]
    base = file_text([block(0, "Product 0", 6, 100), *blocks[1:]])
    tree = file_text([block(0, "Product 0", 1, 100), *blocks[1:]])
    commit_base(tmp_path, {"a.yaml": base})
    write_tree(tmp_path, {"a.yaml": tree})
    limit, base_nodes = whole_file_nodes(tree), whole_file_nodes(base)
    assert base_nodes > limit
    monkeypatch.setattr(yamlload, "MAX_NODES", limit)
    reused, whole = base_with_and_without_reuse(tmp_path)
    assert whole[1] is None and "does not load (1 problem(s))" in whole[2]
    assert reused == whole
    # at the limit exactly, both load the base
    monkeypatch.setattr(yamlload, "MAX_NODES", base_nodes)
    reused, whole = base_with_and_without_reuse(tmp_path)
    assert whole[1] is not None and len(whole[1]) == 6
    assert reused == whole


def test_reuse_still_cuts_the_blocks_that_are_the_same(tmp_path, monkeypatch):
    """The limit check does not turn the split off: within the limit, only the changed block
    is parsed at the base."""
    blocks = [block(i, f"Product {i}", 2, 100) for i in range(5)]
    commit_base(tmp_path, {"a.yaml": file_text(blocks)})
    write_tree(tmp_path, {"a.yaml": file_text([block(0, "Renamed", 2, 100), *blocks[1:]])})
    parsed: list[str] = []
    real = yamlload.load_yaml
    from reconciler.desired import load as load_mod

    loaded = load_catalog(tmp_path / "catalog")
    monkeypatch.setattr(
        load_mod, "load_yaml", lambda f, d: parsed.append(d.decode()) or real(f, d)
    )
    _, old, _ = catalog_at(tmp_path / "catalog", "main", reuse=loaded)
    assert old is not None and old.products[guid(0)].name == "Product 0"
    [products] = [t for t in parsed if "products:" in t]
    assert guid(0) in products and guid(1) not in products


# --- the property: random catalogs, random edits at the base ---------------------------------

_names = st.sampled_from(["Káva", "Čaj", "Mug", "Tea pot", "Filtr"])
_product = st.tuples(st.integers(0, 11), _names, st.integers(0, 4), st.integers(1, 999))
_catalog = st.lists(
    st.lists(_product, min_size=1, max_size=5, unique_by=lambda p: p[0]),
    min_size=1,
    max_size=3,
)
# what the base has instead of the working tree's block (the working tree is always valid)
_EDITS = (
    "same",  # the block as in the working tree
    "renamed",  # another name
    "more-variants",  # more nodes
    "dropped",  # the base lacks the product
    "twice",  # declared twice in the base file
    "bad-value",  # a value the model refuses
    "unclosed",  # a quote left open: swallows the next block
    "moved-comment",  # a comment line inside the block
)


def _base_block(edit: str, i: int, name: str, variants: int, price: int) -> str:
    same = block(i, name, variants, price)
    if edit == "renamed":
        return block(i, name + " old", variants, price)
    if edit == "more-variants":
        return block(i, name, variants + 3, price)
    if edit == "dropped":
        return ""
    if edit == "twice":
        return same + same
    if edit == "bad-value":
        return same.replace(f"    name: {name}\n", f"    name: {name}\n    visible: maybe\n")
    if edit == "unclosed":
        return same.replace(f"    name: {name}\n", f'    name: "{name}\n')
    if edit == "moved-comment":
        return same.replace("    name:", "    # sold out soon\n    name:")
    return same


def _unique_products(files: list[list[tuple[int, str, int, int]]]) -> list[list[tuple]]:
    seen: set[int] = set()
    out = []
    for products in files:
        kept = [p for p in products if p[0] not in seen]
        seen.update(p[0] for p in kept)
        if kept:
            out.append(kept)
    return out


@settings(max_examples=25)  # each example runs git a dozen times
@given(
    files=_catalog,
    edits=st.lists(st.sampled_from(("same",) * 4 + _EDITS), min_size=20, max_size=20),
    limit_slack=st.one_of(st.none(), st.integers(0, 20)),
)
def test_block_reuse_gives_what_a_whole_parse_gives(files, edits, limit_slack):
    files = _unique_products(files)
    tree = {
        f"f{n}.yaml": file_text([block(*p) for p in products]) for n, products in enumerate(files)
    }
    k = iter(edits)
    base = {
        f"f{n}.yaml": file_text([_base_block(next(k), *p) for p in products])
        for n, products in enumerate(files)
    }
    base = {name: text for name, text in base.items() if text.count("\n") > 2} or base
    limit = yamlload.MAX_NODES
    if limit_slack is not None:  # a limit the working tree keeps and the base may not
        limit = max(whole_file_nodes(t) for t in tree.values()) + limit_slack
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        commit_base(repo, base)
        write_tree(repo, tree)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(yamlload, "MAX_NODES", limit)
            try:
                load_catalog(repo / "catalog")
            except CatalogError:
                return  # a working tree that does not load never reaches --changed-since
            reused, whole = base_with_and_without_reuse(repo)
    assert reused == whole
