"""The write program (DESIGN §6, *Order*): compare-before-write verdicts -> the ordered, batched
requests apply sends, each naming the changes it carries and which of their fields. Pure: no
client, no I/O, no clock; ``executor.py`` sends what this returns.

Stages, in order (each a list of independent requests):

0. ``flag``: the flag definitions shop.yaml declares (``POST /api/products/flags`` per new
   flag, ``PATCH /api/products/flags/{code}`` per changed one), before any product write
   that names them (the executor binds a new flag's placeholder to the code it answered);
0. ``parameter`` then ``parameter-values``: the variant-parameter registry additions the plan
   lists (``POST /api/products/variant-parameters`` per new parameter, then
   ``POST /api/products/variant-parameters/{nameIndex}`` per parameter with its new values),
   before any product write that uses them; then ``filtering-parameter`` (a new filtering
   parameter with its new values in one ``POST /api/products/filtering-parameters``: Shoptet
   creates none without a value) and ``filtering-values`` (``POST .../{code}``);
1. ``create``: one ``POST /api/products`` per new product. The plan lists a new product as a
   product create followed by a variant create per code, a price create and a stock create per
   stock (one shape per fact); Shoptet's create takes them together, so this step groups them
   into one body: the product fields, each variant with its fields, its initial stock
   (``stocksLocations``) and its ``price`` (which Shoptet puts in the e-shop's *default*
   pricelist, so only when that is the plan's pricelist);
2. ``product``: one ``PATCH /api/products/{guid}`` per existing product: product fields and
   variant items (updates, and new codes, which Shoptet creates for an unknown code; a rename
   is the live ``code`` with ``newCode``, so the variant keeps its stock, prices and history);
2b. ``links``: ``PUT /api/products/{guid}/relatedProducts`` (or ``alternativeProducts``),
   the whole list, one per product and list; after the creates, so a product this plan
   creates can be linked;
2c. ``images``: per product, the gallery (``images``) and the variants' ``image``, after the
   product exists: several requests and an async job, sent by ``apply.images``;
3. ``prices``: ``PATCH /api/pricelists/{id}``, at most 300 rows each, per pricelist (the
   plan's first, then the others a catalog states under ``prices:``, by id): price creates
   and updates, including what a create cannot carry (``commonPrice``, ``vatRate``,
   ``includingVat``; every price field for a non-default pricelist);
4. ``stock``: ``PATCH /api/stocks/{id}/movements`` per stock (by id), at most 300 items each,
   absolute ``realStock`` only;
5. ``delete-variant``: ``DELETE /api/products/code/{code}``, one per variant;
6. ``delete-product``: ``DELETE /api/products/{guid}``, one per product.

A change may travel in two requests (a new variant's price create: ``price`` in the POST,
``vatRate`` in the pricelist); each ``Part`` says which fields of which change a request
writes. ``narrowed`` rebuilds a request with fewer parts (a dependency failed, or only some
were lost with a response), so the executor never builds a body itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reconciler import fields as F
from reconciler.apply import bodies as W
from reconciler.apply.check import Check, Verdict
from reconciler.plan.images import IMAGE, IMAGES
from reconciler.plan.model import RENAME_FIELD, Action, Change, Resource

# price fields the product create carries (``price``); the rest go to the pricelist after it
_PRICES_ON_CREATE = tuple(
    f.name for f in F.FIELDS if f.resource is F.Resource.PRICE and f.on_create is F.OnCreate.SENT
)

__all__ = ["Part", "Request", "Stage", "Step", "narrowed", "price_unread", "program", "request"]


class Step(StrEnum):
    """The kinds of request, in the order apply sends them."""

    FLAG = "flag"
    PARAMETER = "parameter"
    PARAMETER_VALUES = "parameter-values"
    FILTERING_PARAMETER = "filtering-parameter"
    FILTERING_VALUES = "filtering-values"
    CREATE = "create"
    PRODUCT = "product"
    LINKS = "links"
    IMAGES = "images"
    PRICES = "prices"
    STOCK = "stock"
    DELETE_VARIANT = "delete-variant"
    DELETE_PRODUCT = "delete-product"

    @property
    def per_product(self) -> bool:
        """Requests of this step touch one product each, so they may go out concurrently."""
        return self not in (Step.PRICES, Step.STOCK)


@dataclass(frozen=True)
class Part:
    """What one request writes of one change: ``fields`` with their ``after`` values (empty for
    a delete, or a variant create that states no field)."""

    change: Change
    fields: Mapping[str, Any]
    live_price: Any = W.UNREAD  # a price change's ``Check.live_price`` (not written by it)


@dataclass(frozen=True)
class Request:
    """One HTTP write. ``target``: the GUID (create, product, delete-product), pricelist id,
    stock id or variant code (delete-variant) the path names. ``items``: the GUIDs or codes
    the body carries (the journal's summary; per-item errors name them)."""

    step: Step
    target: Any
    parts: tuple[Part, ...]
    method: str
    path: str
    body: Any
    items: tuple[str, ...]

    @property
    def change_ids(self) -> list[str]:
        return list(dict.fromkeys(p.change.id for p in self.parts))


@dataclass(frozen=True)
class Stage:
    step: Step
    requests: tuple[Request, ...]


def program(
    checks: Iterable[Check], *, pricelist_id: int | None, price_on_create: bool = True
) -> tuple[Stage, ...]:
    """The requests for the checks whose verdict is *write*, in stages (module docstring).
    ``price_on_create``: the POST's ``price`` lands in the plan's pricelist (it is the
    e-shop's default). ``pricelist_id`` is needed when a price is written."""
    todo = [k for k in checks if k.verdict is Verdict.WRITE]
    creates = {  # a create left with only link lists to write exists already (``check``)
        k.change.guid: k
        for k in todo
        if k.change.resource is Resource.PRODUCT
        and k.change.action is Action.CREATE
        and not set(k.pending) <= set(W.LINK_FIELDS)
    }
    gallery: dict[str, list[Part]] = {}  # the images step: a product's images, variant image

    def split(k: Check) -> dict[str, Any]:
        """``k.pending`` without what the images step writes (that goes to ``gallery``)."""
        pending = dict(k.pending)
        moved = {f: pending.pop(f) for f in (IMAGES, IMAGE) if f in pending}
        if moved:
            gallery.setdefault(k.change.guid, []).append(Part(k.change, moved))
        return pending

    posts: dict[str, list[Part]] = {g: [Part(k.change, split(k))] for g, k in creates.items()}
    patches: dict[str, list[Part]] = {}
    prices: dict[int | None, list[Part]] = {}  # by pricelist (None: the plan's)
    stock: dict[int, list[Part]] = {}
    variant_deletes: list[Part] = []
    product_deletes: list[Part] = []
    params: list[Part] = []
    values: dict[str, list[Part]] = {}
    flags: list[Part] = []
    links: list[Part] = []
    filters: dict[str, list[Part]] = {}  # new filtering parameter -> its part, its new values
    filter_values: dict[str, list[Part]] = {}
    for k in todo:
        c = k.change
        if c.resource is Resource.FLAG:
            flags.append(Part(c, dict(k.pending)))
            continue
        if c.resource is Resource.FILTERING_PARAMETER:
            filters.setdefault(c.code or "", []).insert(0, Part(c, dict(k.pending)))
            continue
        if c.resource is Resource.FILTERING_VALUE:
            code = (c.code or "").partition(":")[0]
            filter_values.setdefault(code, []).append(Part(c, dict(k.pending)))
            continue
        if c.resource is Resource.PRODUCT and c.action is Action.CREATE:
            # its part is in ``posts`` already (without images); each link list: its own PUT
            pending = dict(posts[c.guid][0].fields if c.guid in posts else k.pending)
            links += [Part(c, {f: pending.pop(f)}) for f in W.LINK_FIELDS if f in pending]
            if c.guid in posts:
                posts[c.guid][0] = Part(c, pending)
            continue
        had_fields = bool(k.pending)
        pending = split(k)
        if c.resource is Resource.PRODUCT:  # each link list: its own PUT, after creates
            links += [Part(c, {f: pending.pop(f)}) for f in W.LINK_FIELDS if f in pending]
        if had_fields and not pending and c.action is Action.UPDATE:
            continue  # only images or link lists: their own steps carry them
        if c.resource is Resource.PARAMETER:
            params.append(Part(c, pending))
            continue
        if c.resource is Resource.PARAMETER_VALUE:
            values.setdefault((c.code or "").partition(":")[0], []).append(Part(c, pending))
            continue
        post = posts.get(c.guid) if c.resource is not Resource.PRODUCT else None
        if c.action is Action.DELETE:
            target = product_deletes if c.resource is Resource.PRODUCT else variant_deletes
            target.append(Part(c, pending))
        elif c.resource is Resource.PRODUCT:
            if c.action is Action.UPDATE:
                patches.setdefault(c.guid, []).append(Part(c, pending))
        elif c.resource is Resource.VARIANT:
            if post is not None and c.action is Action.CREATE:
                post.append(Part(c, pending))
            else:
                patches.setdefault(c.guid, []).append(Part(c, pending))
        elif c.resource is Resource.PRICE:
            carried = [k for k in _PRICES_ON_CREATE if k in pending]
            on_create = price_on_create and c.pricelist_id is None  # the POST's is the default's
            if post is not None and c.action is Action.CREATE and on_create and carried:
                post.append(Part(c, {k: pending.pop(k) for k in carried}))
            if pending:
                prices.setdefault(c.pricelist_id, []).append(Part(c, pending, k.live_price))
        elif post is not None and c.action is Action.CREATE:  # stock of a new product
            post.append(Part(c, pending))
        else:
            stock.setdefault(int(c.stock_id or 0), []).append(Part(c, pending))

    for code, parts in filters.items():  # Shoptet creates a parameter with its first values
        parts += filter_values.pop(code, [])
    stages: list[tuple[Step, list[tuple[Any, list[Part]]]]] = [
        (Step.FLAG, [(p.change.code, [p]) for p in flags]),
        (Step.PARAMETER, [(p.change.code, [p]) for p in params]),
        (Step.PARAMETER_VALUES, [(n, parts) for n, parts in sorted(values.items())]),
        (Step.FILTERING_PARAMETER, sorted(filters.items())),
        (Step.FILTERING_VALUES, sorted(filter_values.items())),
        (Step.CREATE, [(g, parts) for g, parts in sorted(posts.items())]),
        (Step.PRODUCT, [(g, parts) for g, parts in sorted(patches.items())]),
        (Step.LINKS, [(p.change.guid, [p]) for p in links]),
        (Step.IMAGES, [(g, parts) for g, parts in sorted(gallery.items())]),
        (
            Step.PRICES,
            [
                (pricelist_id if other is None else other, batch)
                for other in sorted(prices, key=lambda p: -1 if p is None else p)
                for batch in W.batches(prices[other])
            ],
        ),
        (
            Step.STOCK,
            [(sid, batch) for sid in sorted(stock) for batch in W.batches(stock[sid])],
        ),
        (Step.DELETE_VARIANT, [(p.change.code, [p]) for p in variant_deletes]),
        (Step.DELETE_PRODUCT, [(p.change.guid, [p]) for p in product_deletes]),
    ]
    out = []
    for step, groups in stages:
        built = [request(step, target, parts) for target, parts in groups]
        requests = tuple(r for r in built if r is not None)
        if requests:
            out.append(Stage(step, requests))
    return tuple(out)


def narrowed(req: Request, parts: Sequence[Part]) -> Request | None:
    """``req`` carrying only ``parts`` (a subset of its own, possibly with fewer fields), or
    None when that leaves nothing a request can send: no part, or a create whose product part
    is gone (the POST is the product's; its variants cannot travel without it)."""
    return request(req.step, req.target, parts)


def request(step: Step, target: Any, parts: Sequence[Part]) -> Request | None:
    """The request of ``step`` to ``target`` carrying ``parts``; None if there is nothing to
    send."""
    parts = tuple(parts)
    if not parts:
        return None
    if step is Step.FLAG:
        c, body = parts[0].change, W.flag_body(parts[0].fields)
        if c.action is Action.CREATE:
            return Request(step, target, parts, "POST", "/api/products/flags", body, (target,))
        path = f"/api/products/flags/{target}"
        return Request(step, target, parts, "PATCH", path, body, (target,))
    if step is Step.PARAMETER:
        name = parts[0].fields.get("paramName") or parts[0].change.name or target
        body = W.parameter_body(target, name)
        path = "/api/products/variant-parameters"
        return Request(step, target, parts, "POST", path, body, (target,))
    if step is Step.PARAMETER_VALUES:
        items = [
            W.parameter_value_item(
                (p.change.code or "").partition(":")[2], p.fields.get("paramValue") or ""
            )
            for p in parts
        ]
        path = f"/api/products/variant-parameters/{target}"
        raws = tuple(i["rawValue"] for i in items)
        return Request(step, target, parts, "POST", path, items, raws)
    if step in (Step.FILTERING_PARAMETER, Step.FILTERING_VALUES):
        return _filtering(step, target, parts)
    if step is Step.CREATE:
        return _create(target, parts)
    if step is Step.PRODUCT:
        fields: dict[str, Any] = {}
        variants = []
        for p in parts:
            if p.change.resource is Resource.PRODUCT:
                fields.update(p.fields)
            else:
                variants.append(_variant_fields(p))
        body = W.patch_body(fields, variants)
        named = (target, *(code for code, _ in variants))
        return Request(step, target, parts, "PATCH", f"/api/products/{target}", body, named)
    if step is Step.LINKS:
        name = next(iter(parts[0].fields))
        path = f"/api/products/{target}/{name}"
        body = W.links_body(name, parts[0].fields[name])
        return Request(step, target, parts, "PUT", path, body, (target,))
    if step is Step.IMAGES:  # several requests, sent by ``apply.images.GalleryWriter``
        path = f"/api/products/{target}/images/shop"
        return Request(step, target, parts, "IMAGES", path, None, (target,))
    if step is Step.PRICES:
        if target is None:
            raise ValueError("prices need a pricelist id")
        rows = [W.price_row(_code(p.change), dict(p.fields), _current_price(p)) for p in parts]
        path = f"/api/pricelists/{target}"
        return Request(step, target, parts, "PATCH", path, rows, tuple(r["code"] for r in rows))
    if step is Step.STOCK:
        moves = [W.movement_item(_code(p.change), p.fields["stock"]) for p in parts]
        path = f"/api/stocks/{target}/movements"
        codes = tuple(m["productCode"] for m in moves)
        return Request(step, target, parts, "PATCH", path, moves, codes)
    if step is Step.DELETE_VARIANT:
        path = f"/api/products/code/{target}"
        return Request(step, target, parts, "DELETE", path, None, (target,))
    return Request(step, target, parts, "DELETE", f"/api/products/{target}", None, (target,))


def _filtering(step: Step, code: str, parts: tuple[Part, ...]) -> Request | None:
    """A new filtering parameter with its new values (``POST .../filtering-parameters``), or
    new values of an existing one (``POST .../filtering-parameters/{code}``)."""
    items = [
        W.filtering_value_item(
            (p.change.code or "").partition(":")[2], p.fields.get("paramValue") or ""
        )
        for p in parts
        if p.change.resource is Resource.FILTERING_VALUE
    ]
    if not items:  # Shoptet creates no parameter without a value
        return None
    indexes = tuple(i["valueIndex"] for i in items)
    if step is Step.FILTERING_VALUES:
        path = f"/api/products/filtering-parameters/{code}"
        return Request(step, code, parts, "POST", path, items, indexes)
    head = next((p for p in parts if p.change.resource is Resource.FILTERING_PARAMETER), None)
    if head is None:
        return None
    name = head.fields.get("paramName") or head.change.name or code
    body = W.filtering_parameter_body(code, name, items)
    path = "/api/products/filtering-parameters"
    return Request(step, code, parts, "POST", path, body, (code, *indexes))


def _create(guid: str, parts: tuple[Part, ...]) -> Request | None:
    product = next((p for p in parts if p.change.resource is Resource.PRODUCT), None)
    if product is None:
        return None
    variants: dict[str, dict[str, Any]] = {}
    for p in parts:
        c = p.change
        if c.resource is Resource.PRODUCT:
            continue
        variant = variants.setdefault(c.code or "", {})
        if c.resource is Resource.STOCK:
            variant.setdefault("stock", {})[c.stock_id] = p.fields["stock"]
        else:
            variant.update(p.fields)
    body = W.create_body(guid, dict(product.fields), variants)
    return Request(Step.CREATE, guid, parts, "POST", "/api/products", body, (guid,))


def _variant_fields(part: Part) -> tuple[str, dict[str, Any]]:
    """(the code the shop has now, fields) of a variant item. A rename still to write names
    the live code and carries the new one as ``newCode`` (Shoptet's ``updateProduct``)."""
    fields = dict(part.fields)
    new = fields.pop(RENAME_FIELD, None)
    old = part.change.renamed_from
    if new is None or old is None:
        return _code(part.change), fields
    return old, {**fields, W.NEW_CODE: new}


def price_unread(part: Part) -> bool:
    """A pricelist part whose row may need the variant's current price (``bodies.price_row``)
    that nobody has read or set yet: a variant this apply creates without a price."""
    return _current_price(part) is W.UNREAD


def _current_price(part: Part) -> Any:
    """The variant's price once this row is written, for a row that must name one (Shoptet
    requires one of its price objects): the price the compare-before-write read live, else the
    one this apply sets in the product create (a new variant had no live row to read)."""
    if part.live_price is not W.UNREAD:
        return part.live_price
    return (part.change.after or {}).get("price", W.UNREAD)


def _code(change: Change) -> str:
    """The variant code of a variant-level change (``Change`` requires one)."""
    if change.code is None:
        raise ValueError(f"{change.id} has no variant code")
    return change.code
