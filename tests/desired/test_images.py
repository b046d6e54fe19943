"""``images:`` on a product, ``image:`` on a variant and the image lock file: what loads, and
every refusal located at its file and line with what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.desired.image_lock import LOCK_FILE, ImageLock, LockEntry, parse, render
from reconciler.desired.load import load_catalog
from reconciler.errors import CatalogError

GUID = "5c421358-5da0-5a2f-af0c-47b8e35ce00a"


def write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "products").mkdir(exist_ok=True)
    (tmp_path / "products" / "p.yaml").write_text(f"products:\n  {GUID}:\n{body}")
    return tmp_path


def problems(tmp_path: Path) -> list[str]:
    with pytest.raises(CatalogError) as err:
        load_catalog(tmp_path)
    return [str(p) for p in err.value.problems]


def test_images_load_in_order_with_src_or_name_and_a_variant_image(tmp_path):
    write(
        tmp_path,
        "    images:\n"
        "      - {src: 'https://cdn.example/a.jpg', alt: Přední}\n"
        "      - {name: 106.jpg}\n"
        "      - {src: 'http://cdn.example/c.png', alt: null}\n"
        "    variants:\n"
        "      KAV-COL-250: {image: 106.jpg}\n"
        "      KAV-COL-500: {image: 'https://cdn.example/a.jpg'}\n",
    )
    product = load_catalog(tmp_path).catalog.products[GUID]
    assert product.images == [
        {"src": "https://cdn.example/a.jpg", "alt": "Přední"},
        {"name": "106.jpg"},
        {"src": "http://cdn.example/c.png", "alt": ""},
    ]
    assert product.variants["KAV-COL-500"].image == "https://cdn.example/a.jpg"


@pytest.mark.parametrize(
    ("items", "line", "message"),
    [
        ("      - {src: 'ftp://x.example/a.jpg'}\n", 5, "is not an http or https URL"),
        (
            "      - {src: 'https://x.example/a.jpg'}\n      - {src: 'https://x.example/a.jpg'}\n",
            6,
            "listed twice",
        ),
        ("      - {name: 'a/b.jpg'}\n", 5, "is not a Shoptet image name"),
        ("      - {src: 'https://x.example/a.jpg', name: 1.jpg}\n", 5, "exactly one of src"),
        ("      - {src: 'https://x.example/a.jpg', title: x}\n", 5, "unknown key 'title'"),
        ("      - https://x.example/a.jpg\n", 5, "is a mapping {src: URL, alt: text}"),
        (f"      - {{src: 'https://x.example/{'a' * 2000}.jpg'}}\n", 5, "at most 2000"),
    ],
)
def test_a_bad_image_is_a_located_error(tmp_path, items, line, message):
    write(tmp_path, f"    name: Káva\n    images:\n{items}")
    found = problems(tmp_path)
    assert len(found) == 1
    assert found[0].startswith(f"{tmp_path}/products/p.yaml:{line}:")
    assert message in found[0]


def test_more_than_100_images_is_refused(tmp_path):
    items = "".join(f"      - {{src: 'https://x.example/{i}.jpg'}}\n" for i in range(101))
    write(tmp_path, f"    images:\n{items}")
    assert "at most 100 images, this one has 101" in problems(tmp_path)[0]


def test_images_null_is_refused_and_an_empty_list_is_allowed(tmp_path):
    write(tmp_path, "    images: null\n")
    assert "null is not allowed here" in problems(tmp_path)[0]
    write(tmp_path, "    images: []\n")
    assert load_catalog(tmp_path).catalog.products[GUID].images == []


@pytest.mark.parametrize(
    ("images", "message"),
    [
        ("", "the product states no images"),
        ("    images: [{name: 1.jpg}]\n", "it is not one of the product's images"),
    ],
)
def test_a_variant_image_must_be_one_of_the_products_images(tmp_path, images, message):
    write(tmp_path, f"{images}    variants:\n      KAV-COL-250:\n        image: 2.jpg\n")
    found = problems(tmp_path)
    assert len(found) == 1
    line = 6 if images else 5
    assert found[0].startswith(
        f"{tmp_path}/products/p.yaml:{line}:16: variant KAV-COL-250: image '2.jpg'"
    )
    assert message in found[0]


# --- the lock file ----------------------------------------------------------------------------

LOCK = ImageLock().added(GUID, [LockEntry("https://x.example/a.jpg", "101.jpg")])


def test_the_lock_round_trips_and_is_in_the_digest(tmp_path):
    write(tmp_path, "    name: Káva\n")
    without = load_catalog(tmp_path)
    (tmp_path / LOCK_FILE).write_text(render(LOCK))
    loaded = load_catalog(tmp_path)
    assert loaded.image_lock == LOCK
    assert loaded.image_lock.name_of(GUID, "https://x.example/a.jpg") == "101.jpg"
    assert loaded.image_lock.src_of(GUID, "101.jpg") == "https://x.example/a.jpg"
    assert loaded.digest != without.digest
    assert without.image_lock == ImageLock()


def test_render_is_deterministic_and_says_not_to_edit_it():
    text = render(LOCK.added(GUID, [LockEntry("https://x.example/b.jpg", "100.jpg")]))
    assert text.startswith("# Which Shoptet image each source URL became")
    assert "do not edit it by hand" in text
    assert text.index("100.jpg") < text.index("101.jpg")
    assert parse("l", text.encode()) == (
        LOCK.added(GUID, [LockEntry("https://x.example/b.jpg", "100.jpg")]),
        [],
    )


def test_a_hand_edited_lock_is_a_located_error(tmp_path):
    write(tmp_path, "    name: Káva\n")
    (tmp_path / LOCK_FILE).write_text(render(LOCK).replace("101.jpg", "102.jpg"))
    found = problems(tmp_path)
    assert found == [
        f"{tmp_path}/{LOCK_FILE}:5:1: image lock: the checksum does not match the mapping: the "
        "file was edited by hand (or merged by git). restore the file from git (`git checkout "
        f"-- {tmp_path}/{LOCK_FILE}`) or from the last apply's artifact; if it is lost, delete "
        "it and run `shoptet-catalog import` for the products it held"
    ]


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("<<<<<<< HEAD\nversion: 1\n", "1:1", "YAML syntax error"),
        ("[]\n", "1:1", "not an image lock file"),
        ("version: 2\nchecksum: x\nproducts: {}\n", "1:10", "version 2 is not 1"),
        ("version: 1\nchecksum: x\nproducts: []\n", "3:11", "products must be a mapping"),
        (
            f"version: 1\nchecksum: x\nproducts:\n  {GUID}:\n    - {{src: 'ftp://a/b.jpg', name: 1.jpg}}\n",
            "4:3",
            "is not an http or https URL",
        ),
        (
            f"version: 1\nchecksum: x\nproducts:\n  {GUID}:\n    - {{src: 'https://a/b.jpg', name: 1.jpg}}\n"
            "    - {src: 'https://a/b.jpg', name: 2.jpg}\n",
            "4:3",
            "listed twice",
        ),
        ("version: 1\nchecksum: x\nproducts:\n  NOT-A-GUID: []\n", "4:3", "is not a Shoptet GUID"),
    ],
)
def test_an_unusable_lock_is_a_located_error_saying_what_to_do(text, where, message):
    lock, found = parse("catalog/images.lock.yaml", text.encode())
    assert lock == ImageLock()
    assert len(found) == 1
    assert str(found[0]).startswith(f"catalog/images.lock.yaml:{where}: image lock:")
    assert message in found[0].message
    assert "restore" in found[0].message or "newer tool" in found[0].message


def test_the_lock_is_not_a_stray_yaml_file(tmp_path):
    write(tmp_path, "    name: Káva\n")
    (tmp_path / LOCK_FILE).write_text(render(ImageLock()))
    assert load_catalog(tmp_path).image_lock == ImageLock()
