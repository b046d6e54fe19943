"""Issue 12, inputs, for `import`: it never writes through a symbolic link, writes each file
through a temporary file renamed into place, refuses to edit files that use YAML anchors,
aliases or merge keys, and validates the catalog it would write before writing any of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reconciler.desired.load import load_catalog
from tests.apply.support import EXAMPLE_CATALOG
from tests.importer.test_import import COLOMBIA, SYRUP, cli
from tests.support.sandbox_client import sandbox_client

pytestmark = pytest.mark.http




def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def no_traceback(out: str, err: str) -> None:
    assert "Traceback" not in out + err


def test_a_symlinked_products_folder_is_refused_and_nothing_is_written(
    shop, tmp_path, monkeypatch, capsys
):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "products").symlink_to(elsewhere, target_is_directory=True)
    code, out, err = cli(shop, monkeypatch, capsys, tmp_path, "import", "--all", "--out", "new")
    no_traceback(out, err)
    assert code == 1
    assert "new/products:1:1: this is a symbolic link" in err
    assert "replace the link with the file or folder itself" in err
    assert list(elsewhere.iterdir()) == []


def test_a_symlinked_target_file_is_never_written_through(shop, tmp_path, monkeypatch, capsys):
    """The catalog check is bypassed here (a link made after it ran): the write itself
    refuses, names the link and writes nothing."""
    from reconciler.importer import build as importer

    shutil.copytree(EXAMPLE_CATALOG, tmp_path / "catalog")
    victim = tmp_path / "victim.yaml"
    victim.write_text("products: {}\n", encoding="utf-8")
    link = tmp_path / "catalog" / "products" / "imported.yaml"
    real = importer._declared

    def then_link(products_dir):
        found = real(products_dir)
        link.symlink_to(victim)
        return found

    monkeypatch.setattr(importer, "_declared", then_link)
    before = snapshot(tmp_path / "catalog")
    code, out, err = cli(shop, monkeypatch, capsys, tmp_path, "import", "--guid", SYRUP)
    no_traceback(out, err)
    assert code == 1
    assert "import does not read through symbolic links" in err
    assert "catalog/products/imported.yaml is one" in err and "nothing was written" in err
    assert victim.read_text(encoding="utf-8") == "products: {}\n"
    assert snapshot(tmp_path / "catalog") == before


def test_a_refreshed_file_that_became_a_link_is_not_written(shop, tmp_path, monkeypatch, capsys):
    from reconciler.importer import build as importer

    sb, url = shop
    shutil.copytree(EXAMPLE_CATALOG, tmp_path / "catalog")
    coffee = tmp_path / "catalog" / "products" / "coffee.yaml"
    victim = tmp_path / "victim.yaml"
    shutil.copy(coffee, victim)
    original = victim.read_bytes()
    real = importer._declared

    def then_link(products_dir):
        found = real(products_dir)
        coffee.unlink()
        coffee.symlink_to(victim)
        return found

    monkeypatch.setattr(importer, "_declared", then_link)
    with sandbox_client(sb, url) as client:
        client.patch_product(COLOMBIA, {"name": "Káva Kolumbie Excelso"})
    code, out, err = cli(shop, monkeypatch, capsys, tmp_path, "import", "--guid", COLOMBIA)
    no_traceback(out, err)
    assert code == 1
    assert "import does not write through symbolic links: catalog/products/coffee.yaml" in err
    assert victim.read_bytes() == original and coffee.is_symlink()


def test_a_planted_temporary_file_link_is_not_followed(shop, tmp_path, monkeypatch, capsys):
    """The old fixed temporary name (.imported.yaml.tmp) could be a link to anywhere; the
    temporary file is now created exclusively under a fresh name."""
    shutil.copytree(EXAMPLE_CATALOG, tmp_path / "catalog")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    products = tmp_path / "catalog" / "products"
    (products / ".imported.yaml.tmp").symlink_to(victim)
    code, _, err = cli(shop, monkeypatch, capsys, tmp_path, "import", "--guid", SYRUP)
    assert code == 0, err
    assert victim.read_text(encoding="utf-8") == "keep me\n"
    imported = products / "imported.yaml"
    assert imported.is_file() and not imported.is_symlink()
    assert SYRUP in load_catalog(tmp_path / "catalog").catalog.products
    leftovers = [p.name for p in products.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == [".imported.yaml.tmp"]  # only the planted link, untouched


def test_a_file_with_anchors_is_not_edited(shop, tmp_path, monkeypatch, capsys):
    sb, url = shop
    shutil.copytree(EXAMPLE_CATALOG, tmp_path / "catalog")
    coffee = tmp_path / "catalog" / "products" / "coffee.yaml"
    text = coffee.read_text(encoding="utf-8")
    text = text.replace("products:\n", "x-shown: &shown\n  visibility: visible\nproducts:\n", 1)
    entry = text.index(f"  {COLOMBIA}:")
    at = text.index("    visibility: visible\n", entry)
    text = text[:at] + "    <<: *shown\n" + text[at + len("    visibility: visible\n") :]
    coffee.write_text(text, encoding="utf-8")
    assert load_catalog(tmp_path / "catalog")  # the file itself is a valid catalog file
    with sandbox_client(sb, url) as client:
        client.patch_product(COLOMBIA, {"name": "Káva Kolumbie Excelso"})
    before = snapshot(tmp_path / "catalog")
    code, out, err = cli(shop, monkeypatch, capsys, tmp_path, "import", "--guid", COLOMBIA)
    no_traceback(out, err)
    assert code == 1
    line = text[: text.index("&shown")].count("\n") + 1
    assert f"catalog/products/coffee.yaml:{line}:" in err
    assert "does not edit files that use YAML anchors, aliases or merge keys" in err
    assert "nothing was written" in err
    assert snapshot(tmp_path / "catalog") == before


def test_what_does_not_validate_is_never_written(shop, tmp_path, monkeypatch, capsys):
    """A live name the catalog refuses (a control character): the produced text is loaded
    with the project's loader first, so no file is created or changed."""
    sb, url = shop
    shutil.copytree(EXAMPLE_CATALOG, tmp_path / "catalog")
    with sandbox_client(sb, url) as client:
        client.patch_product(SYRUP, {"name": "Sirup \x1b[2J"})
    before = snapshot(tmp_path / "catalog")
    code, out, err = cli(shop, monkeypatch, capsys, tmp_path, "import", "--guid", SYRUP)
    no_traceback(out, err)
    assert code == 1
    assert "import wrote nothing: the catalog it would write does not validate" in err
    # ruamel writes the ESC raw, which YAML itself refuses: caught in memory, located
    assert "catalog/products/imported.yaml:7:11: YAML syntax error" in err
    assert "\x1b" not in err
    assert snapshot(tmp_path / "catalog") == before
    assert not (tmp_path / "catalog" / "products" / "imported.yaml").exists()
