"""Images in the plan (``plan.images`` and the diff): resolving src through the lock, the
lost-lock guard, deleting a variant's image, and what a gallery change does and says."""

from __future__ import annotations

from reconciler.desired.image_lock import ImageLock, LockEntry
from reconciler.model import Catalog, Product, Variant
from reconciler.plan.diff import PlanContext, diff
from reconciler.plan.images import describe, ops, resolve

GUID = "5c421358-5da0-5a2f-af0c-47b8e35ce00a"
A, B, C = "https://x.example/a.jpg", "https://x.example/b.jpg", "https://x.example/c.jpg"


def live(*images, **variant_images):
    variants = {code: Variant.model_construct(image=name) for code, name in variant_images.items()}
    variants.setdefault("KAV-1", Variant.model_construct(image=None))
    return Product.model_construct(
        name="Káva", images=[{"name": n, "alt": a} for n, a in images], variants=variants
    )


def plan(desired: dict, have: Product, lock: ImageLock | None = None):
    wanted = Catalog(products={GUID: Product.model_validate(desired)})
    shop = Catalog.model_construct(products={GUID: have})
    return diff(wanted, shop, context=PlanContext("d", image_lock=lock or ImageLock()))


def no_lock(_src):
    return None


def test_a_src_the_lock_knows_is_that_image_and_alt_left_out_is_the_shops():
    found = resolve(
        GUID,
        [{"src": A}, {"src": B, "alt": "new"}],
        {"KAV-1": A},
        [{"name": "101.jpg", "alt": "old"}],
        {},
        {A: "101.jpg"}.get,
        frozenset({"101.jpg"}),
    )
    assert found.images == [{"name": "101.jpg", "alt": "old"}, {"src": B, "alt": "new"}]
    assert found.variant_images == {"KAV-1": "101.jpg"}
    assert found.problems == ()


def test_a_locked_name_the_gallery_lost_is_added_again():
    found = resolve(GUID, [{"src": A}], {}, [], {}, {A: "101.jpg"}.get, frozenset({"101.jpg"}))
    assert found.images == [{"src": A, "alt": None}]


def test_unexplained_images_stop_an_add_by_src_the_lost_lock_guard():
    found = resolve(
        GUID, [{"src": A}], {}, [{"name": "101.jpg", "alt": None}], {}, no_lock, frozenset()
    )
    [(key, message)] = found.problems
    assert key == (GUID, "images")
    assert "101.jpg, which neither images.lock.yaml nor images: explains" in message
    assert "restore images.lock.yaml" in message and "{name: 101.jpg}" in message


def test_unexplained_images_without_an_add_are_simply_deleted():
    found = resolve(
        GUID,
        [{"name": "102.jpg"}],
        {},
        [{"name": "101.jpg", "alt": None}, {"name": "102.jpg", "alt": None}],
        {},
        no_lock,
        frozenset(),
    )
    assert found.problems == ()
    assert found.images == [{"name": "102.jpg", "alt": None}]


def test_a_name_not_in_the_gallery_is_a_problem():
    found = resolve(GUID, [{"name": "9.jpg"}], {}, [], {}, no_lock, frozenset())
    assert "image 9.jpg is not in the shop's gallery" in found.problems[0][1]


def test_deleting_a_variants_image_needs_the_yaml_to_change_that_variant():
    have = [{"name": "101.jpg", "alt": None}, {"name": "102.jpg", "alt": None}]
    refused = resolve(
        GUID, [{"name": "101.jpg"}], {}, have, {"KAV-2": "102.jpg"}, no_lock, frozenset()
    )
    assert "deletes 102.jpg, the image of variant KAV-2" in refused.problems[0][1]
    allowed = resolve(
        GUID,
        [{"name": "101.jpg"}],
        {"KAV-2": None},
        have,
        {"KAV-2": "102.jpg"},
        no_lock,
        frozenset(),
    )
    assert allowed.problems == ()


def test_ops_delete_add_reorder_and_alt():
    before = [
        {"name": "1.jpg", "alt": "a"},
        {"name": "2.jpg", "alt": None},
        {"name": "3.jpg", "alt": None},
    ]
    after = [
        {"name": "3.jpg", "alt": None},
        {"src": A, "alt": "new"},
        {"name": "1.jpg", "alt": "A"},
    ]
    found = ops(before, after)
    assert found.deletes == ("2.jpg",)
    assert found.adds == ((2, A, "new"),)
    assert found.updates == (("3.jpg", 1, None), ("1.jpg", 3, "A"))
    assert found.reordered is True
    assert found.alt_changes == (("1.jpg", "a", "A"),)
    assert describe(before, after) == [
        f'+ image {A} (alt "new")',
        "- image 2.jpg",
        f"~ order: 3.jpg, {A}, 1.jpg",
        '~ alt of 1.jpg: "a" -> "A"',
    ]


def test_ops_of_a_converged_gallery_is_nothing():
    same = [{"name": "1.jpg", "alt": None}]
    found = ops(same, same)
    assert (found.deletes, found.adds, found.updates, found.reordered) == ((), (), (), False)
    assert describe(same, same) == []


def test_the_diff_plans_images_through_the_lock_and_converges():
    lock = ImageLock().added(GUID, [LockEntry(A, "101.jpg")])
    desired = {"images": [{"src": A, "alt": "A"}, {"src": B}], "variants": {"KAV-1": {"image": B}}}
    result = plan(desired, live(("101.jpg", "A")), lock)
    product, variant = result.changes
    [images] = product.fields
    assert images.after == [{"name": "101.jpg", "alt": "A"}, {"src": B, "alt": None}]
    assert images.before == [{"name": "101.jpg", "alt": "A"}]
    assert variant.fields[0].after == B
    converged = plan(
        {"images": [{"src": A, "alt": "A"}], "variants": {"KAV-1": {"image": A}}},
        live(("101.jpg", "A"), **{"KAV-1": "101.jpg"}),
        lock,
    )
    assert converged.changes == ()


def test_the_diff_refuses_with_a_located_problem():
    import pytest

    from reconciler.errors import CatalogError

    with pytest.raises(CatalogError, match=r"neither images\.lock\.yaml nor images: explains"):
        plan({"images": [{"src": C}]}, live(("101.jpg", None)))
