"""``import`` of galleries (issue 18): images by name (or by src where the lock knows it), the
variants' images, the lock pruned to what the shop has; then plan shows no changes."""

from __future__ import annotations

from reconciler.desired.image_lock import LOCK_FILE, ImageLock, LockEntry, render
from reconciler.desired.load import load_catalog
from reconciler.importer.build import import_products
from reconciler.pipeline import make_plan
from reconciler.sandbox import Sandbox
from tests.apply.support import demo_state
from tests.support.sandbox_client import sandbox_client

GUID = "5c421358-5da0-5a2f-af0c-47b8e35ce00a"
A = "https://cdn.example.cz/a.jpg"


def shop() -> Sandbox:
    state = demo_state()
    product = next(p for p in state["products"] if p["guid"] == GUID)
    product["images"] = [
        {"name": "8.png", "priority": 2},
        {"name": "7.jpg", "priority": 1, "description": "Staré"},
    ]
    product["variants"][1]["image"] = "8.png"
    return Sandbox(state)


def run_import(sb: Sandbox, root):
    with sandbox_client(sb, read_only=True) as client:
        return import_products(client, root, [GUID])


def plan_is_empty(sb: Sandbox, root) -> bool:
    with sandbox_client(sb, read_only=True) as client:
        return make_plan(client, load_catalog(root)).is_empty


def test_import_writes_the_gallery_by_name_in_order_and_plan_is_empty(tmp_path):
    sb = shop()
    run_import(sb, tmp_path)
    text = (tmp_path / "products" / "imported.yaml").read_text()
    assert '    images:\n      - {name: "7.jpg", alt: "Staré"}\n      - {name: "8.png"}\n' in text
    assert '        image: "8.png"\n' in text
    assert not (tmp_path / LOCK_FILE).exists()  # nothing was added by URL
    assert plan_is_empty(sb, tmp_path)


def test_import_writes_src_for_images_the_lock_knows_and_prunes_the_lock(tmp_path):
    sb = shop()
    (tmp_path / "products").mkdir()
    lock = ImageLock().added(
        GUID, [LockEntry(A, "8.png"), LockEntry("https://gone/x.jpg", "5.jpg")]
    )
    (tmp_path / LOCK_FILE).write_text(render(lock))
    report = run_import(sb, tmp_path)
    text = (tmp_path / "products" / "imported.yaml").read_text()
    assert f'      - {{src: "{A}"}}\n' in text
    assert f'        image: "{A}"\n' in text
    assert load_catalog(tmp_path).image_lock == ImageLock().added(GUID, [LockEntry(A, "8.png")])
    assert tmp_path / LOCK_FILE in report.files
    assert plan_is_empty(sb, tmp_path)


def test_refreshing_an_entry_with_the_same_gallery_changes_nothing(tmp_path):
    sb = shop()
    run_import(sb, tmp_path)
    before = (tmp_path / "products" / "imported.yaml").read_text()
    report = run_import(sb, tmp_path)
    assert report.unchanged == [GUID] and report.updated == []
    assert (tmp_path / "products" / "imported.yaml").read_text() == before
