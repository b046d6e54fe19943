"""The sandbox's product galleries (OpenAPI "Product images"): list, add by URL as a job with a
per-URL outcome, reorder and describe, delete with and without removeReference, and a
variant's default image on product PATCH. Every answer is checked against the OpenAPI file by
the suite-wide watch."""

from __future__ import annotations

import httpx
import pytest

from reconciler.sandbox import Sandbox
from tests.support.sandbox_client import FakeClock, raw_client

GUID = "5c421358-5da0-5a2f-af0c-47b8e35ce00a"  # Káva Kolumbie Supremo: KAV-COL-250, -500
SHOP = f"/api/products/{GUID}/images/shop"
# The demo's galleries use 101.jpg-106.png: Shoptet numbers images shop-wide, so a new
# image here is 107 on.


@pytest.fixture
def c() -> httpx.Client:
    return raw_client(Sandbox.from_seed("demo"))


def add(c: httpx.Client, *urls: str, path: str = SHOP) -> str:
    body = {
        "data": {
            "images": [
                {"sourceUrl": u, "priority": i, "description": f"alt {i}"}
                for i, u in enumerate(urls, start=1)
            ]
        }
    }
    r = c.post(path, json=body)
    assert r.status_code == 202, r.text
    return r.json()["data"]["jobId"]


def gallery(c: httpx.Client, path: str = SHOP) -> list[dict]:
    r = c.get(path)
    assert r.status_code == 200, r.text
    return r.json()["data"]["images"]


def test_a_product_without_images_lists_an_empty_gallery(c):
    assert gallery(c) == []
    assert gallery(c, f"/api/products/{GUID}/images/shop360") == []


def test_an_unknown_gallery_or_product_is_404(c):
    assert c.get(f"/api/products/{GUID}/images/other").json()["errors"][0]["errorCode"] == (
        "gallery-not-found"
    )
    missing = "00000000-0000-0000-0000-000000000000"
    assert c.get(f"/api/products/{missing}/images/shop").status_code == 404


def test_adding_is_a_job_and_shoptet_names_the_images(c):
    job = add(c, "https://cdn.example/a.png", "https://cdn.example/b.jpg?size=2")
    rows = gallery(c)
    assert [(r["name"], r["priority"], r["description"]) for r in rows] == [
        ("107.png", 1, "alt 1"),
        ("108.jpg", 2, "alt 2"),
    ]
    assert [r["isMainImage"] for r in rows] == [True, False]
    assert rows[0]["seoName"] == "107_alt-1.png"
    detail = c.get(f"/api/system/jobs/{job}").json()["data"]["job"]
    assert detail["status"] == "completed"
    assert detail["endpoint"] == "/api/products/images"
    assert detail["log"] is None


def test_the_url_decides_the_outcome_and_the_log_names_refused_images(c):
    bad, slow = "https://x.example/sandbox-bad-content.jpg", "https://x.example/sandbox-timeout.jpg"
    job = add(c, "https://x.example/ok.jpg", bad, slow)
    assert [r["name"] for r in gallery(c)] == ["107.jpg"]
    log = c.get(f"/api/system/jobs/{job}").json()["data"]["job"]["log"]
    assert log == f"Invalid image content: {bad}\nImage download timed out: {slow}"


def test_images_appear_only_when_the_job_finishes_and_never_when_it_fails():
    clock = FakeClock()
    sb = Sandbox.from_seed("demo", clock=clock, job_queue=5.0, job_duration=5.0)
    c = raw_client(sb)
    add(c, "https://x.example/a.jpg")
    assert gallery(c) == []
    clock.t = 10
    assert [r["name"] for r in gallery(c)] == ["107.jpg"]
    failing = raw_client(Sandbox.from_seed("demo", job_outcome="failed"))
    add(failing, "https://x.example/a.jpg")
    assert gallery(failing) == []


def test_adding_needs_the_job_finished_webhook():
    c = raw_client(Sandbox.from_seed("demo", webhooks=()))
    r = c.post(SHOP, json={"data": {"images": [{"sourceUrl": "https://x.example/a.jpg"}]}})
    assert r.status_code == 403
    assert r.json()["errors"][0]["errorCode"] == "job-webhook-not-registered"


@pytest.mark.parametrize(
    ("images", "where"),
    [
        ([], "data.images"),
        ([{"sourceUrl": "https://x.example/a.jpg"}] * 101, "data.images"),
        ([{"sourceUrl": "ftp://x.example/a.jpg"}], "data.images[0].sourceUrl"),
        ([{"sourceUrl": "https://x.example/a.jpg", "priority": 0}], "data.images[0].priority"),
        ([{"sourceUrl": "https://x.example/a.jpg", "name": "1.jpg"}], "data.images[0].name"),
    ],
)
def test_a_bad_add_request_is_422_and_queues_nothing(c, images, where):
    r = c.post(SHOP, json={"data": {"images": images}})
    assert r.status_code == 422
    assert r.json()["errors"][0]["instance"] == where
    assert c.get("/api/system/jobs").json()["data"]["jobs"] == []


def test_patch_reorders_and_describes_named_images(c):
    add(c, "https://x.example/a.jpg", "https://x.example/b.jpg")
    r = c.patch(
        SHOP,
        json={
            "data": {
                "images": [
                    {"name": "108.jpg", "priority": 1, "description": "front"},
                    {"name": "107.jpg", "priority": 2},
                ]
            }
        },
    )
    assert r.status_code == 200, r.text
    rows = r.json()["data"]["images"]
    assert [(x["name"], x["description"], x["isMainImage"]) for x in rows] == [
        ("108.jpg", "front", True),
        ("107.jpg", "alt 1", False),
    ]


def test_patch_of_an_unknown_image_changes_nothing(c):
    add(c, "https://x.example/a.jpg")
    r = c.patch(
        SHOP, json={"data": {"images": [{"name": "107.jpg", "priority": 9}, {"name": "9.jpg"}]}}
    )
    assert r.status_code == 404
    assert r.json()["errors"][0]["instance"] == "data.images[1].name"
    assert gallery(c)[0]["priority"] == 1


def test_a_variant_image_must_exist_within_the_product(c):
    add(c, "https://x.example/a.jpg", "https://x.example/b.jpg")
    body = {"data": {"variants": [{"code": "KAV-COL-500", "image": "999.jpg"}]}}
    r = c.patch(f"/api/products/{GUID}", json=body)
    assert r.status_code == 422
    assert r.json()["errors"][0]["instance"] == "data.variants[0].image"
    body["data"]["variants"][0]["image"] = "108.jpg"
    assert c.patch(f"/api/products/{GUID}", json=body).status_code == 200
    variants = c.get(f"/api/products/{GUID}?include=images").json()["data"]["variants"]
    assert [(v["code"], v["image"], v["isProductDefaultImage"]) for v in variants] == [
        ("KAV-COL-250", "107.jpg", True),
        ("KAV-COL-500", "108.jpg", False),
    ]


def test_detail_include_images_is_the_gallery_list(c):
    add(c, "https://x.example/a.jpg")
    add(c, "https://x.example/spin.jpg", path=f"/api/products/{GUID}/images/shop360")
    images = c.get(f"/api/products/{GUID}?include=images").json()["data"]["images"]
    assert [(i["name"], i["gallery"]) for i in images] == [
        ("107.jpg", "shop"),
        ("108.jpg", "shop360"),
    ]
    assert images[0] == gallery(c)[0]


def test_delete_of_a_referenced_image_is_409_unless_remove_reference(c):
    add(c, "https://x.example/a.jpg", "https://x.example/b.jpg")
    c.patch(
        f"/api/products/{GUID}",
        json={"data": {"variants": [{"code": "KAV-COL-500", "image": "108.jpg"}]}},
    )
    r = c.delete(f"{SHOP}/108.jpg")
    assert r.status_code == 409
    assert r.json()["errors"][0]["errorCode"] == "image-used-by-variant"
    assert len(gallery(c)) == 2
    assert c.delete(f"{SHOP}/108.jpg", params={"removeReference": "true"}).status_code == 200
    assert [r["name"] for r in gallery(c)] == ["107.jpg"]
    variant = c.get("/api/products/code/KAV-COL-500").json()["data"]["variants"][1]
    assert (variant["image"], variant["isProductDefaultImage"]) == ("107.jpg", True)


def test_delete_of_an_unreferenced_or_missing_image(c):
    add(c, "https://x.example/a.jpg")
    assert c.delete(f"{SHOP}/107.jpg").status_code == 200
    assert c.delete(f"{SHOP}/107.jpg").status_code == 404
    assert c.delete(f"{SHOP}/107.jpg", params={"removeReference": "maybe"}).status_code == 400


def test_names_are_never_reused_after_a_delete(c):
    add(c, "https://x.example/a.jpg")
    c.delete(f"{SHOP}/107.jpg")
    add(c, "https://x.example/a.jpg")
    assert [r["name"] for r in gallery(c)] == ["108.jpg"]


def test_a_state_file_carries_galleries_and_refuses_a_dangling_variant_image():
    sb = Sandbox.from_seed("demo")
    doc = sb.state()
    product = next(p for p in doc["products"] if p["guid"] == GUID)
    product["images"] = [{"name": "7.jpg", "priority": 1, "description": "x"}]
    product["variants"][0]["image"] = "7.jpg"
    sb.load_state(doc)
    c = raw_client(sb)
    assert [r["name"] for r in gallery(c)] == ["7.jpg"]
    add(c, "https://x.example/a.jpg")
    assert [r["name"] for r in gallery(c)] == ["107.jpg", "7.jpg"]  # both priority 1: by name
    product["variants"][0]["image"] = "107.jpg"
    from reconciler.sandbox.state import StateError

    with pytest.raises(StateError, match=r"image 107\.jpg"):
        sb.load_state(doc)


# -- delete a whole gallery (deleteAllProductImagesInGallery) ---------------------------------


def use_as_variant_image(c: httpx.Client, name: str) -> None:
    body = {"data": {"variants": [{"code": "KAV-COL-500", "image": name}]}}
    assert c.patch(f"/api/products/{GUID}", json=body).status_code == 200


def test_delete_all_empties_the_gallery_and_leaves_the_other(c):
    add(c, "https://x.example/a.jpg", "https://x.example/b.jpg")
    add(c, "https://x.example/spin.jpg", path=f"/api/products/{GUID}/images/shop360")
    r = c.delete(SHOP)
    assert r.status_code == 200, r.text
    assert (r.json()["data"], r.json()["errors"]) == (None, None)
    assert gallery(c) == []
    assert [i["name"] for i in gallery(c, f"/api/products/{GUID}/images/shop360")] == ["109.jpg"]
    assert c.delete(SHOP).status_code == 200  # an empty gallery: nothing to do


def test_delete_all_skips_a_variant_s_image_and_lists_it_in_errors(c):
    add(c, "https://x.example/a.jpg", "https://x.example/b.jpg")
    use_as_variant_image(c, "108.jpg")
    r = c.delete(SHOP)
    assert r.status_code == 200
    errors = r.json()["errors"]
    assert [(e["errorCode"], e["instance"]) for e in errors] == [
        ("image-used-by-variant", "108.jpg")
    ]
    assert "KAV-COL-500" in errors[0]["message"]
    assert [i["name"] for i in gallery(c)] == ["108.jpg"]
    r = c.delete(SHOP, params={"removeReference": "true"})
    assert (r.status_code, r.json()["errors"]) == (200, None)
    assert gallery(c) == []
    variant = c.get("/api/products/code/KAV-COL-500").json()["data"]["variants"][1]
    assert variant["image"] is None


def test_delete_all_refusals(c):
    missing = "00000000-0000-0000-0000-000000000000"
    assert c.delete(f"/api/products/{missing}/images/shop").status_code == 404
    r = c.delete(f"/api/products/{GUID}/images/other")
    assert (r.status_code, r.json()["errors"][0]["errorCode"]) == (404, "gallery-not-found")
    add(c, "https://x.example/a.jpg")
    r = c.delete(SHOP, params={"removeReference": "yes"})
    assert (r.status_code, r.json()["errors"][0]["instance"]) == (400, "removeReference")
    assert len(gallery(c)) == 1


# -- replace files (updateProductImagesSource) ------------------------------------------------


def replace(c: httpx.Client, *items: dict):
    return c.patch(f"{SHOP}/source", json={"data": {"images": list(items)}})


def test_a_source_update_is_a_job_that_gives_the_image_a_new_file_and_keeps_its_name():
    clock = FakeClock()
    sb = Sandbox.from_seed("demo", clock=clock, job_queue=5.0, job_duration=5.0)
    c = raw_client(sb)
    add(c, "https://x.example/a.jpg", "https://x.example/b.jpg")
    clock.t = 10
    before = gallery(c)
    use_as_variant_image(c, "108.jpg")
    r = replace(
        c, {"name": "108.jpg", "sourceUrl": "https://x.example/new.png", "description": "nové"}
    )
    assert r.status_code == 202, r.text
    job = r.json()["data"]["jobId"]
    assert gallery(c)[1]["cdnName"] == before[1]["cdnName"]  # nothing before the job ends
    clock.t = 20
    after = gallery(c)
    assert [i["name"] for i in after] == ["107.jpg", "108.jpg"]
    assert after[1]["description"] == "nové" and after[1]["priority"] == 2
    assert after[1]["changeTime"] > before[1]["changeTime"]
    assert after[1]["cdnName"] != before[1]["cdnName"]  # a new file: new signed names
    assert after[0] == before[0]
    detail = c.get(f"/api/system/jobs/{job}").json()["data"]["job"]
    assert (detail["status"], detail["log"]) == ("completed", None)
    variant = c.get("/api/products/code/KAV-COL-500").json()["data"]["variants"][1]
    assert variant["image"] == "108.jpg"  # the reference stays


def test_a_refused_source_leaves_the_image_and_is_logged(c):
    add(c, "https://x.example/a.jpg")
    before = gallery(c)
    bad = "https://x.example/sandbox-bad-content.jpg"
    job = replace(c, {"name": "107.jpg", "sourceUrl": bad}).json()["data"]["jobId"]
    assert gallery(c) == before
    assert c.get(f"/api/system/jobs/{job}").json()["data"]["job"]["log"] == (
        f"Invalid image content: {bad}"
    )


def test_an_image_deleted_before_the_job_runs_is_logged():
    clock = FakeClock()
    sb = Sandbox.from_seed("demo", clock=clock, job_queue=5.0, job_duration=5.0)
    c = raw_client(sb)
    add(c, "https://x.example/a.jpg")
    clock.t = 10
    job = replace(c, {"name": "107.jpg", "sourceUrl": "https://x.example/b.jpg"})
    assert c.delete(f"{SHOP}/107.jpg").status_code == 200
    clock.t = 20
    log = c.get(f"/api/system/jobs/{job.json()['data']['jobId']}").json()["data"]["job"]["log"]
    assert log == 'Image "107.jpg" not found in gallery "shop".'
    assert gallery(c) == []


@pytest.mark.parametrize(
    ("items", "status", "where"),
    [
        ([], 422, "data.images"),
        ([{"name": "107.jpg"}], 422, "data.images[0].sourceUrl"),
        ([{"sourceUrl": "https://x.example/b.jpg"}], 422, "data.images[0].name"),
        (
            [{"name": "107.jpg", "sourceUrl": "ftp://x.example/b.jpg"}],
            422,
            "data.images[0].sourceUrl",
        ),
        (
            [{"name": "107.jpg", "sourceUrl": "https://x.example/b.jpg", "priority": 100000}],
            422,
            "data.images[0].priority",
        ),
        ([{"name": "9.jpg", "sourceUrl": "https://x.example/b.jpg"}], 404, "data.images[0].name"),
        (
            [{"name": "107.jpg", "sourceUrl": "https://x.example/b.jpg"}] * 2,
            422,
            "data.images[1].name",
        ),
    ],
)
def test_a_bad_source_update_queues_nothing(c, items, status, where):
    add(c, "https://x.example/a.jpg")
    jobs = c.get("/api/system/jobs").json()["data"]["jobs"]
    r = replace(c, *items)
    assert r.status_code == status, r.text
    assert r.json()["errors"][0]["instance"] == where
    assert c.get("/api/system/jobs").json()["data"]["jobs"] == jobs


def test_a_source_update_needs_the_webhook_and_a_known_product_and_gallery():
    c = raw_client(Sandbox.from_seed("demo", webhooks=()))
    item = {"name": "101.jpg", "sourceUrl": "https://x.example/b.jpg"}
    r = replace(c, item)
    assert (r.status_code, r.json()["errors"][0]["errorCode"]) == (
        403,
        "job-webhook-not-registered",
    )
    c = raw_client(Sandbox.from_seed("demo"))
    missing = "00000000-0000-0000-0000-000000000000"
    body = {"data": {"images": [item]}}
    assert c.patch(f"/api/products/{missing}/images/shop/source", json=body).status_code == 404
    assert c.patch(f"/api/products/{GUID}/images/x/source", json=body).status_code == 404
