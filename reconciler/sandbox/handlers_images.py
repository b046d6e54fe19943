"""``/api/products/{guid}/images/{gallery}``: list, add by URL (asynchronous job), reorder and
describe, delete one, delete all, replace files by URL (``.../source``, asynchronous job)
(OpenAPI L6263-6939). The gallery state and the per-URL outcomes of the jobs are
``reconciler.sandbox.gallery``'s.

Delete all (deleteAllProductImagesInGallery) answers 200 and lists each image a variant uses
in ``errors`` (``image-used-by-variant``), leaving it, unless ``removeReference=true``, as
Shoptet documents. A source update names images the gallery has (an unknown name is 404
before a job is queued, like the attribute update; a name twice is 422).

UNFINISHED: the batch delete (``/api/products/images/batch``, productImageBatchDelete) is not
served: the tool does not use it.
"""

from __future__ import annotations

from reconciler.sandbox import gallery
from reconciler.sandbox.context import Ctx
from reconciler.sandbox.envelope import Fail, Result, err, invalid_parameter
from reconciler.sandbox.handlers_jobs import require_webhook
from reconciler.sandbox.handlers_products import _by_guid
from reconciler.sandbox.validate import A, I, O, S, check_body

MAX_PER_CALL = 100
_PRIORITY = I(min=1, max=65535)
# createProductImages / getProductImagesUpdate request bodies (OpenAPI L6589-6755)
ADD_IMAGES = O(
    {
        "images": A(
            O(
                {"sourceUrl": S(min=1, max=2000), "priority": _PRIORITY, "description": S()},
                ("sourceUrl",),
            ),
            min=1,
            max=MAX_PER_CALL,
        )
    },
    ("images",),
)
UPDATE_IMAGES = O(
    {
        "images": A(
            O({"name": S(min=1), "priority": _PRIORITY, "description": S()}, ("name",)),
            min=1,
            max=MAX_PER_CALL,
        )
    },
    ("images",),
)
# updateProductImagesSource request body (OpenAPI L6756-6866): no item limit documented
REPLACE_SOURCES = O(
    {
        "images": A(
            O(
                {
                    "name": S(min=1),
                    "sourceUrl": S(min=1, max=2000),
                    "priority": I(min=1, max=99999),
                    "description": S(),
                },
                ("name", "sourceUrl"),
            ),
            min=1,
        )
    },
    ("images",),
)
IMAGES_ENDPOINT = (
    "/api/products/images"  # a job's ``endpoint`` (Shoptet's example names no product)
)


def _gallery(ctx: Ctx) -> str:
    name = ctx.params["gallery"]
    if name not in gallery.GALLERIES:
        raise Fail(
            404,
            err("gallery-not-found", f'Gallery "{name}" not found; use shop or shop360.', name),
        )
    return name


def _listing(product: dict, name: str) -> Result:
    rows = [gallery.render_image(product, i) for i in gallery.images_of(product, name)]
    return Result(data={"images": rows})


def list_images(ctx: Ctx) -> Result:
    product = _by_guid(ctx)
    return _listing(product, _gallery(ctx))


def _check_urls(items: list[dict]) -> None:
    for i, item in enumerate(items):
        if not item["sourceUrl"].lower().startswith(("https://", "http://")):
            raise Fail(
                422,
                err(
                    "invalid-request-data",
                    "sourceUrl must be an http or https URL.",
                    f"data.images[{i}].sourceUrl",
                ),
            )


def _submit(ctx: Ctx, schema: O, run, named: bool) -> Result:
    """Check the request (``named``: every image name must be the gallery's), then 202 and a
    job that runs ``run(state, product, gallery, rows)`` when it finishes, if it completes and
    the product still exists; ``run``'s log lines become the job's ``log``."""
    product = _by_guid(ctx)
    name = _gallery(ctx)
    jobs = require_webhook(ctx)
    data = check_body(ctx.body, schema)
    _check_urls(data["images"])
    if named:
        _check_names(product, name, data["images"])
    guid, rows = product["guid"], [dict(item) for item in data["images"]]

    def finish(status: str, state) -> str | None:
        target = state.products.get(guid)
        if status not in ("completed", "expired") or target is None:
            return None
        return "\n".join(run(state, target, name, rows)) or None

    job = jobs.submit(IMAGES_ENDPOINT, [], on_finish=finish)
    return Result(status=202, data={"jobId": job.job_id})


def add_images(ctx: Ctx) -> Result:
    """202 and a job; the images appear (or are refused, per URL) when the job finishes."""
    return _submit(ctx, ADD_IMAGES, gallery.add, named=False)


def replace_sources(ctx: Ctx) -> Result:
    """PATCH .../source: 202 and a job that gives named images new files (per URL)."""
    return _submit(ctx, REPLACE_SOURCES, gallery.replace, named=True)


def _check_names(product: dict, name: str, items: list[dict]) -> dict[str, dict]:
    """The gallery's images by name; Fail(404) for a name it lacks, Fail(422) for one twice."""
    own = {i["name"]: i for i in gallery.images_of(product, name)}
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = f"data.images[{i}].name"
        if item["name"] not in own:
            raise Fail(
                404,
                err(
                    "image-not-found",
                    f'Image "{item["name"]}" not found in gallery "{name}".',
                    where,
                ),
            )
        if item["name"] in seen:
            raise Fail(
                422, err("invalid-request-data", f'Image "{item["name"]}" is given twice.', where)
            )
        seen.add(item["name"])
    return own


def update_images(ctx: Ctx) -> Result:
    """Priority and description of named images; every name must be the gallery's."""
    product = _by_guid(ctx)
    name = _gallery(ctx)
    data = check_body(ctx.body, UPDATE_IMAGES)
    own = _check_names(product, name, data["images"])
    now = ctx.state.touch()
    for item in data["images"]:
        image = own[item["name"]]
        for key in ("priority", "description"):
            if key in item:
                image[key] = item[key]
        image["changeTime"] = now
    product["changeTime"] = now
    return _listing(product, name)


def _flag(ctx: Ctx, key: str) -> bool:
    raw = ctx.query.get(key, "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise invalid_parameter(key, f'Invalid "{key}" parameter. Expected a boolean.')
    return raw in ("true", "1")


def _used(image_name: str, users: list[str]) -> dict:
    return err(
        "image-used-by-variant",
        f'Image "{image_name}" is the image of variant(s) {", ".join(users)}; send '
        "removeReference=true to delete it with the reference.",
        image_name,
    )


def _remove(product: dict, image: dict) -> None:
    for variant in product["variants"]:
        if variant.get("image") == image["name"]:
            variant["image"] = None
    product["images"].remove(image)


def delete_image(ctx: Ctx) -> Result:
    """409 while a variant uses the image as its default, unless ``removeReference=true``."""
    product = _by_guid(ctx)
    name = _gallery(ctx)
    image_name = ctx.params["imageName"]
    remove_reference = _flag(ctx, "removeReference")
    image = next((i for i in gallery.images_of(product, name) if i["name"] == image_name), None)
    if image is None:
        raise Fail(
            404,
            err(
                "image-not-found",
                f'Image "{image_name}" not found in gallery "{name}".',
                image_name,
            ),
        )
    users = gallery.referencing_variants(product, image_name)
    if users and not remove_reference:
        raise Fail(409, _used(image_name, users))
    _remove(product, image)
    product["changeTime"] = ctx.state.touch()
    return Result(data=None)


def delete_all(ctx: Ctx) -> Result:
    """200 always; an image a variant uses stays, listed in ``errors``, unless
    ``removeReference=true``."""
    product = _by_guid(ctx)
    name = _gallery(ctx)
    remove_reference = _flag(ctx, "removeReference")
    skipped = []
    removed = False
    for image in gallery.images_of(product, name):
        users = gallery.referencing_variants(product, image["name"])
        if users and not remove_reference:
            skipped.append(_used(image["name"], users))
        else:
            _remove(product, image)
            removed = True
    if removed:
        product["changeTime"] = ctx.state.touch()
    return Result(data=None, errors=skipped or None)
