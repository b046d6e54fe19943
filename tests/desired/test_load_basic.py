"""load_catalog: a valid catalog loads with exact values, managed fields and locations."""

from decimal import Decimal
from pathlib import Path

import pytest

from reconciler.desired import load as desired
from reconciler.desired.load import Location, load_catalog
from reconciler.errors import CatalogError, ConfigError

GUID = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
TOMB = "7c9e6679-7425-40de-944b-e07fc1f90ae7"

PRODUCTS = f"""\
products:
  {GUID}:
    name: Velká čokoláda
    description: null
    variants:
      00123:
        ean: 0012345678905
        price: 123.40
        stock: {{1: 20, 3: 5}}
        visible: true
      0X1F: {{stock: "7"}}
  {TOMB}:
    absent: true
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_values_are_exact_and_only_stated_fields_are_managed(tmp_path):
    cat = write(tmp_path / "catalog", {"products/a.yaml": PRODUCTS})
    loaded = load_catalog(cat)
    product = loaded.catalog.products[GUID]
    assert product.model_fields_set == {"name", "description", "variants"}
    assert product.description is None
    v = product.variants["00123"]
    assert v.ean == "0012345678905"
    assert str(v.price) == "123.40"
    assert v.stock == {1: Decimal("20"), 3: Decimal("5")}
    assert v.visible is True
    assert product.variants["0X1F"].stock == Decimal("7")
    assert loaded.catalog.products[TOMB].absent is True


def test_locations_point_at_keys_with_the_path_as_typed(tmp_path, monkeypatch):
    write(tmp_path / "catalog", {"products/a.yaml": PRODUCTS})
    monkeypatch.chdir(tmp_path)
    loaded = load_catalog(Path("catalog"))
    assert loaded.locations[(GUID,)] == Location("catalog/products/a.yaml", 2, 3)
    assert loaded.locations[(GUID, "name")] == Location("catalog/products/a.yaml", 3, 5)
    assert loaded.locations[(GUID, "variants", "00123", "price")] == Location(
        "catalog/products/a.yaml", 8, 9
    )
    assert loaded.files == [Path("catalog/products/a.yaml")]


def test_digest_depends_on_content_not_on_how_the_path_was_typed(tmp_path, monkeypatch):
    write(tmp_path / "catalog", {"products/a.yaml": PRODUCTS})
    monkeypatch.chdir(tmp_path)
    a = load_catalog(Path("catalog")).digest
    assert a == load_catalog(tmp_path / "catalog").digest
    (tmp_path / "catalog/products/a.yaml").write_text(PRODUCTS + "\n# comment\n")
    assert load_catalog(Path("catalog")).digest != a


def test_empty_catalog_has_defaults(tmp_path):
    (tmp_path / "catalog").mkdir()
    loaded = load_catalog(tmp_path / "catalog")
    assert loaded.catalog.products == {}
    assert loaded.catalog.policy.maxDeletes == 10
    assert loaded.catalog.policy.prune is False


def test_missing_directory_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_catalog(tmp_path / "nope")


def test_every_problem_is_reported_at_once_sorted(tmp_path):
    cat = write(
        tmp_path / "c",
        {
            "products/b.yaml": f"products:\n  {GUID}:\n    nmae: x\n",
            "products/a.yaml": f"products:\n  {TOMB}:\n    visibility: nope\n",
        },
    )
    with pytest.raises(CatalogError) as info:
        load_catalog(cat)
    lines = [str(p) for p in info.value.problems]
    assert len(lines) == 2
    assert lines[0].startswith(f"{cat.as_posix()}/products/a.yaml:3:17: visibility: unknown")
    assert (
        lines[1]
        == f"{cat.as_posix()}/products/b.yaml:3:5: unknown key 'nmae' (did you mean 'name'?)"
    )


def test_bom_crlf_yml_subfolders_and_empty_files_are_fine(tmp_path):
    cat = tmp_path / "catalog"
    (cat / "products" / "coffee").mkdir(parents=True)
    (cat / "products" / "coffee" / "a.yml").write_bytes(
        b"\xef\xbb\xbfproducts:\r\n  " + GUID.encode() + b":\r\n    name: x\r\n"
    )
    (cat / "products" / "empty.yaml").write_text("", encoding="utf-8")
    (cat / "products" / "none.yaml").write_text("products:\n", encoding="utf-8")
    (cat / "products" / ".#a.yaml").write_text("garbage: [", encoding="utf-8")  # editor lock
    loaded = load_catalog(cat)
    assert loaded.catalog.products[GUID].name == "x"
    assert loaded.locations[(GUID, "name")].line == 3
    assert len(loaded.files) == 3


def test_shop_yaml_settings_are_loaded(tmp_path):
    cat = write(
        tmp_path / "catalog",
        {
            "shop.yaml": (
                "shop: {defaultStock: 2, pricelist: 3}\n"
                f"policy: {{maxDeletes: 0, maxChangedShare: 0.5, protect: [{GUID}], prune: true}}\n"
                "ignore: [description, variants.*.stock, variants.A-1.price]\n"
            )
        },
    )
    catalog = load_catalog(cat).catalog
    assert (catalog.shop.defaultStock, catalog.shop.pricelist) == (2, 3)
    assert catalog.policy.maxDeletes == 0 and catalog.policy.prune is True
    assert catalog.policy.maxChangedShare == Decimal("0.5")
    assert catalog.policy.protect == [GUID]
    assert catalog.ignore == ["description", "variants.*.stock", "variants.A-1.price"]


def test_an_unreadable_file_is_a_located_problem(tmp_path, monkeypatch):
    cat = write(tmp_path / "catalog", {"products/a.yaml": PRODUCTS})
    real = desired.read_nofollow

    def deny(path):
        if path.name == "a.yaml":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(desired, "read_nofollow", deny)
    with pytest.raises(CatalogError) as info:
        load_catalog(cat)
    assert [str(p) for p in info.value.problems] == [
        f"{cat.as_posix()}/products/a.yaml:1:1: cannot read the file: Permission denied"
    ]


def test_yaml_in_a_mistyped_folder_is_reported_but_deep_trees_are_not_scanned(tmp_path):
    cat = write(
        tmp_path / "catalog",
        {"prodcuts/a.yaml": PRODUCTS, "docs/deep/more/x.yaml": "a: 1\n", "notes.txt": "hi"},
    )
    with pytest.raises(CatalogError) as info:
        load_catalog(cat)
    assert [str(p) for p in info.value.problems] == [
        f"{cat.as_posix()}/prodcuts/a.yaml:1:1: this file is never read: product files go in "
        "products/, settings in shop.yaml"
    ]


TRICKY = ["00123", "1E5", "NO", "YES", "TRUE", "0X1F", "1_000", "0O17", ".5", "-0", "2001-12-14"]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_plain_scalars_stay_text_as_keys_and_values(tmp_path, text):
    cat = write(
        tmp_path / "catalog",
        {
            "products/a.yaml": f"products:\n  {GUID}:\n    variants:\n      {text}: {{ean: {text}}}\n"
        },
    )
    variants = load_catalog(cat).catalog.products[GUID].variants
    assert list(variants) == [text]
    assert variants[text].ean == text


def test_time_like_values_stay_text(tmp_path):
    cat = write(
        tmp_path / "catalog",
        {"products/a.yaml": f"products:\n  {GUID}:\n    variants:\n      A: {{ean: 12:30}}\n"},
    )
    assert load_catalog(cat).catalog.products[GUID].variants["A"].ean == "12:30"


MERGE = f"""\
x-coffee: &coffee
  vatRate: 12.00
  weight: 0.300
x-visible: &visible
  visible: true
  weight: 0.999
products:
  {GUID}:
    name: x
    variants:
      A:
        <<: [*coffee, *visible]
        price: 10.00
        weight: 0.250
      B:
        <<: *coffee
        price: 12.00
"""


def test_merge_keys_fill_in_unset_fields_and_keep_positions(tmp_path):
    cat = write(tmp_path / "catalog", {"products/a.yaml": MERGE})
    loaded = load_catalog(cat)
    variants = loaded.catalog.products[GUID].variants
    a, b = variants["A"], variants["B"]
    assert a.model_fields_set == {"vatRate", "weight", "visible", "price"}
    assert (a.vatRate, a.weight, a.visible) == (Decimal("12.00"), Decimal("0.250"), True)
    assert b.weight == Decimal("0.300") and b.price == Decimal("12.00")
    # a merged field points at the line it was written on (in the anchor)
    assert loaded.locations[(GUID, "variants", "B", "vatRate")].line == 2
    assert loaded.locations[(GUID, "variants", "B", "price")].line == 17
