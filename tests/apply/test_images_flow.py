"""Images end to end in the sandbox (issue 18): a product gains three images by URL (the
sandbox refuses one: reported with its URL, and the next plan still shows it), then its gallery
is reordered, alt texts change and an image a variant shows is deleted (with removeReference,
because the YAML gives that variant another image); a second apply writes nothing. Every
request apply sends conforms to Shoptet's OpenAPI file; the lock learns the names."""

from __future__ import annotations

import pytest

from reconciler.apply.result import ApplyOptions, Status
from reconciler.desired.image_lock import LOCK_FILE, render
from reconciler.desired.load import load_catalog
from reconciler.pipeline import apply_plan
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_text
from reconciler.sandbox import Sandbox
from reconciler.shoptet.jobs import JobWait
from tests.apply.support import demo_state, plan_of, run_cli, write_catalog, write_requests
from tests.apply.test_conformance import Recording
from tests.support.openapi_requests import validate_request
from tests.support.openapi_spec import require_spec
from tests.support.sandbox_client import sandbox_client, served

GUID = "5c421358-5da0-5a2f-af0c-47b8e35ce00a"  # Káva Kolumbie Supremo: KAV-COL-250, -500
A = "https://cdn.example.cz/kolumbie-a.jpg"
B = "https://cdn.example.cz/kolumbie-b.png"
BAD = "https://cdn.example.cz/sandbox-bad-content.jpg"
NO_WAIT = ApplyOptions(image_wait=JobWait(waits=(0,)))
# The demo's galleries use 101.jpg-106.png: new images are numbered shop-wide from 107.


@pytest.fixture
def sb() -> Sandbox:
    """The demo shop; the product already has one image, 7.jpg, shown by KAV-COL-250."""
    state = demo_state()
    product = next(p for p in state["products"] if p["guid"] == GUID)
    product["images"] = [{"name": "7.jpg", "priority": 1, "description": "Staré"}]
    product["variants"][0]["image"] = "7.jpg"
    return Sandbox(state)


def catalog(tmp_path, images, variants):
    return write_catalog(tmp_path, {GUID: {"images": images, "variants": variants}})


def apply(sb, root):
    cat = load_catalog(root)
    plan = plan_of(sb, cat)
    seen: list = []
    with sandbox_client(sb, wrap=lambda inner: Recording(inner, seen)) as client:
        result = apply_plan(plan, client, cat, options=NO_WAIT)
    if result.image_lock is not None:
        (root / LOCK_FILE).write_text(render(result.image_lock), encoding="utf-8")
    spec = require_spec()
    problems = [
        p for m, path, q, h, body in seen for p in validate_request(spec, m, path, q, h, body)
    ]
    assert problems == []
    return plan, result


def gallery(sb) -> list[tuple]:
    product = next(p for p in sb.state()["products"] if p["guid"] == GUID)
    images = sorted(product["images"], key=lambda i: i["priority"])
    return [(i["name"], i["priority"], i["description"]) for i in images]


def variant_images(sb) -> dict:
    product = next(p for p in sb.state()["products"] if p["guid"] == GUID)
    return {v["code"]: v["image"] for v in product["variants"]}


def test_three_images_by_url_one_refused_then_reorder_alt_and_delete_converge(sb, tmp_path):
    root = catalog(
        tmp_path,
        [{"name": "7.jpg"}, {"src": A, "alt": "Zrno"}, {"src": BAD}, {"src": B, "alt": "Balení"}],
        {"KAV-COL-500": {"image": B}},
    )
    plan, result = apply(sb, root)
    text = render_text(plan)
    assert f'+ image {A} (alt "Zrno")' in text and f"+ image {BAD}" in text
    assert f'~ image: (none) -> "{B}"' in text
    assert f"+     image {A}" in render_markdown(plan)
    product = result.outcomes[f"product:{GUID}"]
    assert product.status is Status.FAILED
    assert product.message == f"{BAD}: not added (Invalid image content: {BAD})"
    assert result.outcomes[f"variant:{GUID}:KAV-COL-500"].status is Status.WRITTEN
    assert gallery(sb) == [("7.jpg", 1, "Staré"), ("107.jpg", 2, "Zrno"), ("108.png", 4, "Balení")]
    assert variant_images(sb) == {"KAV-COL-250": "7.jpg", "KAV-COL-500": "108.png"}
    lock = load_catalog(root).image_lock
    assert lock.name_of(GUID, A) == "107.jpg" and lock.name_of(GUID, B) == "108.png"
    assert lock.name_of(GUID, BAD) is None

    again = plan_of(sb, load_catalog(root))  # unconverged, never pretending
    assert [line.strip() for line in render_text(again).splitlines() if " image" in line[:16]] == [
        f"~ images: 3 images -> 4 images  # {root}/products/products.yaml:4",
        f"+ image {BAD}",
    ]

    catalog(
        tmp_path,
        [{"src": B, "alt": "Balení 1 kg"}, {"src": A, "alt": "Zrno"}],
        {"KAV-COL-250": {"image": None}, "KAV-COL-500": {"image": B}},
    )
    plan, result = apply(sb, root)
    lines = [line.strip() for line in render_text(plan).splitlines()]
    assert "- image 7.jpg" in lines
    assert "~ order: 108.png, 107.jpg" in lines
    assert '~ alt of 108.png: "Balení" -> "Balení 1 kg"' in lines
    assert result.ok, result.outcomes
    assert gallery(sb) == [("108.png", 1, "Balení 1 kg"), ("107.jpg", 2, "Zrno")]
    assert variant_images(sb) == {"KAV-COL-250": None, "KAV-COL-500": "108.png"}
    deletes = [e["path"] for e in sb.request_log if e["method"] == "DELETE"]
    assert deletes == [f"/api/products/{GUID}/images/shop/7.jpg"]

    final = load_catalog(root)
    assert plan_of(sb, final).is_empty
    before = len(sb.request_log)
    with sandbox_client(sb) as client:
        assert apply_plan(plan_of(sb, final), client, final).write_requests == 0
    assert write_requests(sb, before) == []


def test_the_lock_lost_after_an_apply_never_adds_twice(sb, tmp_path):
    root = catalog(tmp_path, [{"name": "7.jpg"}, {"src": A}], {})
    apply(sb, root)
    assert [name for name, *_ in gallery(sb)] == ["7.jpg", "107.jpg"]
    (root / LOCK_FILE).unlink()  # the CI run did not commit it back
    from reconciler.errors import CatalogError

    with pytest.raises(CatalogError) as err:
        plan_of(sb, load_catalog(root))
    assert "107.jpg, which neither images.lock.yaml nor images: explains" in str(err.value)
    assert [name for name, *_ in gallery(sb)] == ["7.jpg", "107.jpg"]


def test_deleting_a_variants_image_without_changing_the_variant_is_refused(sb, tmp_path):
    from reconciler.errors import CatalogError

    root = catalog(tmp_path, [{"src": A}], {})
    with pytest.raises(CatalogError) as err:
        plan_of(sb, load_catalog(root))
    assert "deletes 7.jpg, the image of variant KAV-COL-250" in str(err.value)


def test_cli_apply_writes_the_lock_and_says_to_commit_it(sb, tmp_path, monkeypatch, capsys):
    root = catalog(tmp_path, [{"name": "7.jpg"}, {"src": A, "alt": "Zrno"}], {})
    with served(sb) as srv:
        code, out, err = run_cli(
            monkeypatch, capsys, tmp_path, ["apply", "--auto-approve"], url=srv.url
        )
    assert code == 0, out + err
    assert f"Updated catalog/{LOCK_FILE}" in err and "Commit it with the catalog" in err
    assert load_catalog(root).image_lock.name_of(GUID, A) == "107.jpg"
    assert (root / LOCK_FILE).read_text().startswith("# Which Shoptet image")


def test_a_new_product_gets_its_images_and_variant_image_after_the_create(tmp_path):
    sb = Sandbox(demo_state())
    guid = "a0000000-0000-4000-8000-0000000000aa"
    category = sb.state()["categories"][0]["guid"]
    root = write_catalog(
        tmp_path,
        {
            guid: {
                "name": "Káva Nová",
                "defaultCategory": category,
                "images": [{"src": A, "alt": "Nová"}, {"src": B}],
                "variants": {"KAV-NEW-250": {"price": "199.00", "image": B}},
            }
        },
    )
    _plan, result = apply(sb, root)
    assert result.ok, result.outcomes
    product = next(p for p in sb.state()["products"] if p["guid"] == guid)
    assert [(i["name"], i["description"]) for i in product["images"]] == [
        ("107.jpg", "Nová"),
        ("108.png", None),
    ]
    assert product["variants"][0]["image"] == "108.png"
    assert plan_of(sb, load_catalog(root)).is_empty


def test_revert_says_per_product_that_image_changes_are_not_undone(
    sb, tmp_path, monkeypatch, capsys
):
    images = [{"name": "7.jpg", "alt": "Nové"}, {"src": A}]
    write_catalog(tmp_path, {GUID: {"name": "Káva Kolumbie", "images": images}})
    with served(sb) as srv:
        args = ["apply", "--auto-approve", "--journal", "j.jsonl"]
        code, out, err = run_cli(monkeypatch, capsys, tmp_path, args, url=srv.url)
        assert code == 0, out + err
        code, out, err = run_cli(monkeypatch, capsys, tmp_path, ["revert", "j.jsonl"], url=srv.url)
    assert code == 0, out + err
    assert '~ name: "Káva Kolumbie" -> "Káva Kolumbie Supremo"' in out  # the name is undone
    assert (
        f'Not undone: images of "Káva Kolumbie" ({GUID}), which that apply added, reordered '
        "or re-described. Revert does not undo image changes"
    ) in err
