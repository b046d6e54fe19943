"""`import` against a sandbox server over HTTP: bootstrapping a catalog from the demo shop
(plan right after is empty), refreshing entries in comment-bearing files without touching
anything else, new variants placed inside their entry, tombstones left alone, read-only use
of the shop, and clear errors."""

from __future__ import annotations

import difflib
import shutil

import pytest

from reconciler.cli.context import AppContext
from reconciler.desired.load import load_catalog
from tests.apply.support import EXAMPLE_CATALOG, WRITES, run_cli, write_catalog
from tests.support.sandbox_client import sandbox_client

pytestmark = pytest.mark.http

COLOMBIA = "5c421358-5da0-5a2f-af0c-47b8e35ce00a"  # declared in coffee.yaml
GRINDER = "e519811b-2112-533a-afec-c5f5cd16d9ad"  # declared in accessories.yaml, code 00123
SYRUP = "2c7caef5-532d-50c3-816e-5a21edf2890e"  # unmanaged in the example catalog




def cli(shop, monkeypatch, capsys, root, *args):
    return run_cli(monkeypatch, capsys, root, list(args), url=shop[1])


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_import_all_bootstraps_a_catalog_that_plans_empty(shop, tmp_path, monkeypatch, capsys):
    sb, _ = shop
    code, out, err = cli(shop, monkeypatch, capsys, tmp_path, "import", "--all", "--out", "new")
    assert code == 0, err
    assert "Import: 32 added, 0 updated" in out
    loaded = load_catalog(tmp_path / "new")  # validates
    assert len(loaded.catalog.products) == 32
    assert [e for e in sb.request_log if e["method"] in WRITES] == []
    code, out, err = cli(
        shop, monkeypatch, capsys, tmp_path, "--catalog", "new", "plan", "--detailed-exitcode"
    )
    assert code == 0, out + err
    assert "No changes." in out
    # a second import changes nothing
    before = (tmp_path / "new" / "products" / "imported.yaml").read_text(encoding="utf-8")
    code, out, _ = cli(shop, monkeypatch, capsys, tmp_path, "--catalog", "new", "import", "--all")
    assert code == 0 and "0 added, 0 updated, 32 already up to date; 0 file(s)" in out
    assert (tmp_path / "new" / "products" / "imported.yaml").read_text(encoding="utf-8") == before


def test_import_guid_refreshes_only_that_entry_and_keeps_every_comment(
    shop, tmp_path, monkeypatch, capsys
):
    sb, url = shop
    shutil.copytree(EXAMPLE_CATALOG, tmp_path / "catalog")
    coffee = tmp_path / "catalog" / "products" / "coffee.yaml"
    original = coffee.read_text(encoding="utf-8")
    with sandbox_client(sb, url) as client:
        client.patch_product(COLOMBIA, {"name": "Káva Kolumbie Excelso"})
    code, out, err = cli(shop, monkeypatch, capsys, tmp_path, "import", "--guid", COLOMBIA)
    assert code == 0, err
    assert "0 added, 1 updated" in out
    after = coffee.read_text(encoding="utf-8")
    # the live name, and the live price of KAV-COL-250 (the example catalog raises it)
    assert sorted(changed_lines(original, after)) == sorted(
        [
            "-    name: Káva Kolumbie Supremo",
            "+    name: Káva Kolumbie Excelso",
            "-        price: 219.00",
            "+        price: 209.00",
        ]
    )
    comments = [line for line in original.splitlines() if line.lstrip().startswith("#")]
    assert comments and all(c in after.splitlines() for c in comments)
    # other files untouched
    for name in ("accessories.yaml", "gifts.yaml", "tea.yaml"):
        assert (tmp_path / "catalog" / "products" / name).read_bytes() == (
            EXAMPLE_CATALOG / "products" / name
        ).read_bytes()
    code, out, _ = cli(shop, monkeypatch, capsys, tmp_path, "plan", "--target", COLOMBIA)
    assert code == 0 and "No changes." in out


def test_a_new_live_variant_goes_inside_its_entry(shop, tmp_path, monkeypatch, capsys):
    sb, url = shop
    shutil.copytree(EXAMPLE_CATALOG, tmp_path / "catalog")
    acc = tmp_path / "catalog" / "products" / "accessories.yaml"
    original = acc.read_text(encoding="utf-8")
    with sandbox_client(sb, url) as client:
        # a second variant: Shoptet's rule wants both to have parameters (issue 14)
        size = [{"nameIndex": "velikost", "valueIndex": "s"}]
        xl = [{"nameIndex": "velikost", "valueIndex": "l"}]
        client.patch_product(
            GRINDER,
            {
                "variants": [
                    {"code": "00123", "parameters": size},
                    {"code": "00123-XL", "ean": "0012345678905", "parameters": xl},
                ]
            },
        )
    code, _, err = cli(shop, monkeypatch, capsys, tmp_path, "import", "--guid", GRINDER)
    assert code == 0, err
    after = acc.read_text(encoding="utf-8")
    added = changed_lines(original, after)
    assert all(line.startswith("+") for line in added)
    assert '+        ean: "0012345678905"' in added
    lines = after.splitlines()
    new = lines.index("      00123-XL:")
    next_product = lines.index("  # Elektrický mlýnek Burr 200")
    assert lines.index("      00123:") < new < next_product  # inside the entry
    assert lines[next_product - 1] == ""  # the blank line before the next product stays
    assert load_catalog(tmp_path / "catalog").catalog.products[GRINDER].variants["00123-XL"]


def test_an_undeclared_product_is_added_to_imported_yaml(shop, tmp_path, monkeypatch, capsys):
    shutil.copytree(EXAMPLE_CATALOG, tmp_path / "catalog")
    code, out, err = cli(shop, monkeypatch, capsys, tmp_path, "import", "--guid", SYRUP)
    assert code == 0, err
    assert f"+ {SYRUP}" in out
    imported = (tmp_path / "catalog" / "products" / "imported.yaml").read_text(encoding="utf-8")
    assert "# Sirup do kávy Karamel" in imported and f"{SYRUP}:" in imported
    code, out, _ = cli(shop, monkeypatch, capsys, tmp_path, "plan", "--target", SYRUP)
    assert code == 0 and "No changes." in out


def test_a_tombstone_is_left_alone(shop, tmp_path, monkeypatch, capsys):
    write_catalog(tmp_path, {SYRUP: {"absent": True}})
    before = (tmp_path / "catalog" / "products" / "products.yaml").read_text(encoding="utf-8")
    code, out, err = cli(shop, monkeypatch, capsys, tmp_path, "import", "--guid", SYRUP)
    assert code == 0, err
    assert f"! {SYRUP}: a tombstone" in out
    after = (tmp_path / "catalog" / "products" / "products.yaml").read_text(encoding="utf-8")
    assert after == before


def test_import_builds_only_read_only_clients(shop, tmp_path, monkeypatch, capsys):
    seen = []
    real = AppContext.make_client

    def spy(self, *, read_only=True):
        seen.append(read_only)
        return real(self, read_only=read_only)

    monkeypatch.setattr(AppContext, "make_client", spy)
    code, _, err = cli(shop, monkeypatch, capsys, tmp_path, "import", "--all", "--out", "c")
    assert code == 0, err
    code, _, err = cli(shop, monkeypatch, capsys, tmp_path, "--catalog", "c", "plan")
    assert code == 0, err
    assert seen == [True, True]


@pytest.mark.parametrize(
    "args,code,message",
    [
        (["import"], 1, "give --all, or one or more --guid GUID"),
        (["import", "--all", "--guid", SYRUP], 1, "give --all, or one or more --guid GUID"),
        (["import", "--guid", "not-a-guid"], 1, "not a product GUID: not-a-guid"),
        (
            ["import", "--guid", "00000000-0000-4000-8000-000000000000"],
            1,
            "no product with GUID 00000000-0000-4000-8000-000000000000 in the shop",
        ),
    ],
)
def test_bad_arguments_are_clear_errors(shop, tmp_path, monkeypatch, capsys, args, code, message):
    write_catalog(tmp_path, {})
    got, out, err = cli(shop, monkeypatch, capsys, tmp_path, *args)
    assert got == code
    assert message in out + err
    assert "Traceback" not in err


def test_an_invalid_catalog_is_reported_before_anything_is_written(
    shop, tmp_path, monkeypatch, capsys
):
    cat = write_catalog(tmp_path, {SYRUP: {"name": "x", "colour": "red"}})
    before = (cat / "products" / "products.yaml").read_text(encoding="utf-8")
    code, _, err = cli(shop, monkeypatch, capsys, tmp_path, "import", "--guid", SYRUP)
    assert code == 1
    assert "colour" in err and "products.yaml" in err
    assert (cat / "products" / "products.yaml").read_text(encoding="utf-8") == before


def test_a_pending_or_done_rename_is_left_to_the_plan(shop, tmp_path, monkeypatch, capsys):
    """`renamedFrom` is kept as written; the old live code is not added back as a variant."""
    bra = "693b24f4-fa81-5f3e-9d7f-6419a06506d5"  # Káva Brazílie Santos, 3 variants
    variants = {
        "KAV-BRA-0500": {"renamedFrom": "KAV-BRA-500"},  # pending: the shop has the old code
        "KAV-BRA-1000": {"renamedFrom": "KAV-BRA-1KG", "ean": "1"},  # done: refreshed
    }
    write_catalog(tmp_path, {bra: {"variants": variants}})
    code, _, err = cli(shop, monkeypatch, capsys, tmp_path, "import", "--guid", bra)
    assert code == 0, err
    stated = load_catalog(tmp_path / "catalog").catalog.products[bra].variants
    assert "KAV-BRA-500" not in stated
    assert stated["KAV-BRA-0500"].renamedFrom == "KAV-BRA-500"
    assert stated["KAV-BRA-1000"].renamedFrom == "KAV-BRA-1KG"
    assert stated["KAV-BRA-1000"].ean == "8590002020646"
    assert "KAV-BRA-250" in stated  # a live variant nobody renames is still added
