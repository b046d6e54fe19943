"""``ShoptetClient``: the typed calls the tool makes, over one :class:`Session`.

Layers (each its own module): ``config`` (environment, allowlist) -> ``auth`` (private token or
OAuth-minted access token) -> ``policy`` (pure retry/pacing decisions) -> ``session`` (httpx,
semaphore, retries, read-only) -> ``envelope`` (parse, typed errors) -> this module (endpoints,
paging, models).

Parallel reads use a thread pool over the one synchronous session: the session's semaphore
keeps at most ``max_in_flight`` requests on the wire however many threads ask, the rest of the
tool stays synchronous (no event loop to thread through click, the sandbox's in-process
transport is a plain ``httpx.BaseTransport``), and product detail reads are I/O-bound so threads
give the full concurrency Shoptet allows (3 per token).

Paging: list endpoints are read at their maximum page size, following ``paginator.pageCount``.
A full read is collected before any item is yielded; if ``paginator.totalCount`` differs between
pages, the item count does not match it, a later page has vanished (``page-not-found``) or an
item arrives twice (the list changed while being read, so offset paging may have skipped or
repeated items) the read starts over, up to ``paging_rereads`` times, then raises
``PagingInconsistent``. Buffering costs memory proportional to one list (list items are small)
and means a caller never sees an item twice. A caller that wants progress during a long read
passes ``on_page``: it is told of every page as it arrives (:class:`PageRead`), before the
whole list is proven consistent.

Writes take the ``data`` payload, wrap it as ``{"data": ...}`` and return :class:`WriteResult`;
per-item ``errors`` on a 200 are in ``WriteResult.item_errors`` (partial success), never
dropped. A write whose response was lost raises ``WriteOutcomeUnknown`` naming what to re-read.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from reconciler import errors as E
from reconciler.shoptet import models as M
from reconciler.shoptet.config import ClientConfig
from reconciler.shoptet.dates import shoptet_time
from reconciler.shoptet.envelope import Envelope
from reconciler.shoptet.redact import redact
from reconciler.shoptet.session import Session

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class PageRead:
    """One page of a paged read has arrived: ``page`` of ``pages``, ``items`` read so far in
    this attempt (``attempt`` > 1: the list changed and is being read again from page 1)."""

    path: str
    page: int
    pages: int
    items: int
    attempt: int


OnPage = Callable[[PageRead], None]

# What the reconciler needs of a product detail (shoptet-api-notes §5a).
DETAIL_INCLUDE = (
    "allCategories",
    "perStockAmounts",
    "perPricelistPrices",
    "variantParameters",
    "flags",
    "warranty",
    "measureUnit",
    "images",
    "descriptiveParameters",
    "filteringParameters",
    "relatedProducts",
    "alternativeProducts",
)
MAX_BATCH = 300  # stock movements and pricelist PATCH accept at most 300 items
MAX_LOOKUP = 50  # productGuids / productCodes filter values per list request


@dataclass(frozen=True)
class WriteResult:
    """The outcome of a write. ``item_errors`` lists rows Shoptet skipped on a 200."""

    data: Any
    item_errors: list[dict] = field(default_factory=list)
    request_id: str | None = None
    status: int = 200

    @property
    def partial(self) -> bool:
        return bool(self.item_errors)


class UnsafePathValue(E.ApiError):
    """A code or GUID that cannot be put into a URL path without changing it; nothing was sent."""


def _seg(value: object, what: str, method: str) -> str:
    """``value`` as exactly one URL path segment, or ``UnsafePathValue`` before anything is sent.

    Every character outside ``A-Z a-z 0-9 - . _ ~`` is percent-encoded, ``/`` included (``%2F``)
    and ``%`` included (``%2e%2e`` goes out as ``%252e%252e``, a literal segment). Why ``%2F``
    and not the list filter for a code with ``/``: the OpenAPI path parameter ``code`` of
    ``/api/products/code/{code}`` is a plain ``string`` (default ``style: simple``, no pattern),
    which the OpenAPI rules expand percent-encoded, reserved ``/`` included; Shoptet's own example
    codes contain ``/`` (``15/ZLU`` in the ``productCodes`` example), and ``DELETE`` of one
    variant has no other address. The list filter is no substitute: ``productCodes`` is
    comma-separated and returns summaries, not the detail or the variant.

    Dots are unreserved, so percent-encoding leaves ``.``/``..`` as they are and httpx (like any
    RFC 3986 client) resolves them: ``/api/products/code/..`` would go out as ``/api/products``.
    Such values, a ``.``/``..`` part between slashes and empty parts (leading, trailing or double
    ``/``) are refused here, as validate refuses them in the catalog: a server or proxy that
    decodes ``%2F`` before routing would otherwise resolve or merge them (the docs are silent on
    how Shoptet routes ``%2F``, so the strict choice). Control characters are refused too.
    """
    text = str(value)
    bad_char = any(ord(c) < 0x20 or ord(c) == 0x7F for c in text)
    if bad_char or any(part in ("", ".", "..") for part in text.split("/")):
        raise UnsafePathValue(
            redact(
                f"Refused to send {method} for {what} {text!r}: it would change the request's URL "
                "path (it is empty, '.' or '..', has a '.'/'..' part between slashes, a leading, "
                "trailing or double '/', or a control character). Nothing was sent; rename it in "
                "the Shoptet admin."
            ),
            method=method,
        )
    return quote(text, safe="")


def _iso(value: datetime | str) -> str:
    """A date filter's value in the form Shoptet documents (``2026-01-05T10:00:00+0100``)."""
    if isinstance(value, str):
        return value
    return shoptet_time(value)


class ShoptetClient:
    """Every call the tool makes to Shoptet. Thread-safe; use as a context manager or ``close()``.

    ``transport`` replaces the network (respx, ``httpx.MockTransport``, the sandbox);
    ``sleep``/``clock``/``wallclock``/``rng`` replace time and jitter in tests.
    """

    def __init__(
        self,
        config: ClientConfig,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        *,
        wallclock: Callable[[], float] = time.time,
        rng: Callable[[], float] = random.random,
    ):
        self.config = config
        self.transport = transport  # also carries a job result download (``shoptet.jobs``)
        self.session = Session(
            config, transport, sleep=sleep, clock=clock, wallclock=wallclock, rng=rng
        )

    @classmethod
    def from_env(cls, read_only: bool = True, *, transport=None, env=None, **overrides):
        """A client configured from DESIGN §7's environment variables (read-only by default)."""
        config = ClientConfig.from_env(env, read_only=read_only, **overrides)
        return cls(config, transport)

    @property
    def request_count(self) -> int:
        """How many HTTP requests were sent (retries and token requests included)."""
        return self.session.request_count

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> ShoptetClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "read-only" if self.config.read_only else "read-write"
        return f"ShoptetClient({self.config.base_url!r}, {mode}, auth={self.session.auth!r})"

    # -- plumbing -----------------------------------------------------------------------

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Envelope:
        return self.session.request("GET", path, params=params)

    def _model(self, cls: type[T], value: Any, path: str) -> T:
        try:
            return cls.model_validate(value)
        except ValidationError as exc:
            raise E.ResponseInvalid(
                f"GET {path}: Shoptet's answer does not have the expected shape "
                f"({exc.error_count()} problem(s), first: {exc.errors()[0]['msg']} at "
                f"{'.'.join(map(str, exc.errors()[0]['loc']))}).",
                method="GET",
                path=path,
            ) from None

    def _section(self, env: Envelope, key: str, path: str) -> Any:
        if not isinstance(env.data, dict) or key not in env.data:
            raise E.ResponseInvalid(
                f"GET {path}: Shoptet's answer has no data.{key}.",
                request_id=env.request_id,
                method="GET",
                path=path,
            )
        return env.data[key]

    def _write(self, method: str, path: str, data: Any = None, *, reread: str) -> WriteResult:
        body = None if data is None else {"data": data}
        env = self.session.request(method, path, json=body, reread=reread)
        return WriteResult(env.data, env.errors, env.request_id, env.status)

    def _pages(
        self,
        path: str,
        key: str,
        per_page: int,
        params: dict[str, Any] | None = None,
        ident: str | None = "guid",
        on_page: OnPage | None = None,
    ) -> list[Any]:
        """Every item of a paged list, read consistently (see the module docstring).

        A read is consistent when every page reported the same ``totalCount``, that many items
        arrived, and no item (by ``ident``) arrived twice (a shift between pages). ``ident``
        None: the items have no identity of their own (two equal lines may be real), so only the
        counts are checked.
        """
        for attempt in range(1, self.config.paging_rereads + 2):
            items: list[Any] = []
            totals: set[object] = set()  # every totalCount seen, "shrank" if a page vanished
            page, page_count = 1, 1
            while page <= page_count:
                query = {**(params or {}), "page": page, "itemsPerPage": per_page}
                try:
                    env = self._get(path, query)
                except E.NotFound:
                    if page == 1:
                        raise
                    totals.add("shrank")  # page-not-found: the list got shorter while paging
                    break
                chunk = self._section(env, key, path) or []
                paginator = (env.data or {}).get("paginator") or {}
                totals.add(paginator.get("totalCount"))
                page_count = int(paginator.get("pageCount") or 1)
                items.extend(chunk)
                if on_page is not None:
                    on_page(PageRead(path, page, page_count, len(items), attempt))
                if not chunk:
                    break
                page += 1
            idents = [i.get(ident) for i in items if isinstance(i, dict)] if ident else []
            repeated = len(set(idents)) != len(idents)
            if not repeated and len(totals) == 1 and next(iter(totals)) in (None, len(items)):
                return items
        raise E.PagingInconsistent(
            f"GET {path}: the list kept changing while it was read (totalCount "
            f"{sorted(str(t) for t in totals if t is not None)}, {len(items)} items read) after "
            f"{self.config.paging_rereads + 1} attempts. Run again when the shop is quieter.",
            method="GET",
            path=path,
        )

    # -- reads --------------------------------------------------------------------------

    def get_eshop(self, include: Sequence[str] = ()) -> M.Eshop:
        params = {"include": ",".join(include)} if include else None
        return self._model(M.Eshop, self._get("/api/eshop", params).data, "/api/eshop")

    def get_stocks(self) -> M.Stocks:
        return self._model(M.Stocks, self._get("/api/stocks").data, "/api/stocks")

    def iter_categories(self) -> Iterator[M.Category]:
        for item in self._pages("/api/categories", "categories", 1000):
            yield self._model(M.Category, item, "/api/categories")

    def iter_brands(self) -> Iterator[M.Brand]:
        for item in self._pages("/api/brands", "brands", 1000):
            yield self._model(M.Brand, item, "/api/brands")

    def iter_products(self, **filters: Any) -> Iterator[M.ProductSummary]:
        """All products (no variants). ``filters`` are the list's query parameters by their
        Shoptet names (``visibility``, ``brandCode``, ``productGuids``, ...). A list value is
        sent comma-separated (``productGuids``/``productCodes``: at most 50), a datetime as
        ISO 8601 with its offset (``changeTimeFrom``)."""
        params: dict[str, Any] = {}
        for name, value in filters.items():
            if value is None:
                continue
            if isinstance(value, datetime):
                value = _iso(value)
            elif isinstance(value, list | tuple | set | frozenset):
                if name in ("productGuids", "productCodes") and len(value) > MAX_LOOKUP:
                    raise ValueError(
                        f"{name}: at most {MAX_LOOKUP} values per request; got {len(value)}"
                    )
                value = ",".join(map(str, value))
            params[name] = value
        for item in self._pages("/api/products", "products", 1000, params):
            yield self._model(M.ProductSummary, item, "/api/products")

    def get_product(self, guid: str, include: Sequence[str] = DETAIL_INCLUDE) -> M.ProductDetail:
        path = f"/api/products/{_seg(guid, 'product GUID', 'GET')}"
        params = {"include": ",".join(include)} if include else None
        return self._model(M.ProductDetail, self._get(path, params).data, path)

    def get_product_by_code(
        self, code: str, include: Sequence[str] = DETAIL_INCLUDE
    ) -> M.ProductDetail:
        path = f"/api/products/code/{_seg(code, 'variant code', 'GET')}"
        params = {"include": ",".join(include)} if include else None
        return self._model(M.ProductDetail, self._get(path, params).data, path)

    def get_products(
        self, guids: Iterable[str], include: Sequence[str] = DETAIL_INCLUDE
    ) -> dict[str, M.ProductDetail | None]:
        """Details of many products, fetched concurrently within the in-flight cap.

        Returns ``{guid: detail}`` in the order given, ``None`` for a product that is gone
        (404). Any other error is raised; reads not yet started are then cancelled.
        """
        unique = list(dict.fromkeys(guids))

        def one(guid: str) -> M.ProductDetail | None:
            try:
                return self.get_product(guid, include)
            except E.NotFound:
                return None

        if len(unique) <= 1:
            return {g: one(g) for g in unique}
        pool = ThreadPoolExecutor(self.config.max_in_flight, "shoptet-read")
        try:
            futures = {g: pool.submit(one, g) for g in unique}
            return {g: f.result() for g, f in futures.items()}
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # after an error, read no further

    def iter_product_changes(
        self, since: datetime | str, change_type: str | None = None
    ) -> Iterator[M.ProductChange]:
        """``GET /api/products/changes?from=``: products changed since ``since`` (30 days max).
        Stock changes do not appear here (use :meth:`iter_supplies` with ``changed_from``)."""
        params: dict[str, Any] = {"from": _iso(since)}
        if change_type:
            params["changeType"] = change_type
        for item in self._pages("/api/products/changes", "changes", 1000, params):
            yield self._model(M.ProductChange, item, "/api/products/changes")

    def iter_supplies(
        self,
        stock_id: int,
        changed_from: datetime | str | None = None,
        code: str | None = None,
        product_guid: str | None = None,
        only_with_claim: bool = False,
    ) -> Iterator[M.Supply]:
        path = f"/api/stocks/{int(stock_id)}/supplies"
        params: dict[str, Any] = {"onlyWithClaim": "true"} if only_with_claim else {}
        if changed_from is not None:
            params["changedFrom"] = _iso(changed_from)
        if code:
            params["code"] = code
        if product_guid:
            params["productGuid"] = product_guid
        for item in self._pages(path, "supplies", 1000, params, ident="code"):
            yield self._model(M.Supply, item, path)

    def iter_order_claims(self, product_code: str) -> Iterator[M.OrderClaim]:
        """``GET /api/orders/claims?productCode=``: open orders' unfulfilled claims on one
        variant (250 a page)."""
        path = "/api/orders/claims"
        params = {"productCode": product_code}
        # One order may hold the same variant on two lines: an order code may repeat, and the
        # rows carry no id of their own, so only the counts prove a consistent read.
        for item in self._pages(path, "orders", 250, params, ident=None):
            yield self._model(M.OrderClaim, item, path)

    def count_orders(self, product_code: str, created_from: datetime | str) -> int:
        """How many orders created since ``created_from`` contain the variant: one request,
        ``itemsPerPage=1``, the paginator's ``totalCount``."""
        params = {
            "productCode": product_code,
            "creationTimeFrom": _iso(created_from),
            "itemsPerPage": 1,
        }
        env = self._get("/api/orders", params)
        paginator = (env.data or {}).get("paginator") or {}
        return int(paginator.get("totalCount") or 0)

    def iter_orders(
        self,
        created_from: datetime | str,
        created_to: datetime | str | None = None,
        on_page: OnPage | None = None,
    ) -> Iterator[dict[str, Any]]:
        """``GET /api/orders`` created in the window, 50 a page (the endpoint's maximum), as
        Shoptet sends them (order codes stay text)."""
        params = {"creationTimeFrom": _iso(created_from)}
        if created_to is not None:
            params["creationTimeTo"] = _iso(created_to)
        yield from self._pages("/api/orders", "orders", 50, params, "code", on_page)

    def iter_invoices(
        self,
        created_from: datetime | str,
        created_to: datetime | str | None = None,
        on_page: OnPage | None = None,
    ) -> Iterator[dict[str, Any]]:
        """``GET /api/invoices`` issued in the window, 1000 a page (the endpoint's maximum), as
        Shoptet sends them (invoice and order codes stay text)."""
        params = {"creationTimeFrom": _iso(created_from)}
        if created_to is not None:
            params["creationTimeTo"] = _iso(created_to)
        yield from self._pages("/api/invoices", "invoices", 1000, params, "code", on_page)

    def iter_customers(self, on_page: OnPage | None = None) -> Iterator[dict[str, Any]]:
        """``GET /api/customers``, every customer, 1000 a page (the endpoint's maximum). The
        list documents no date filter (only ``email``/``phone``), so callers filter by
        ``creationTime`` themselves."""
        yield from self._pages("/api/customers", "customers", 1000, None, "guid", on_page)

    def iter_stock_levels(
        self, stock_id: int, on_page: OnPage | None = None
    ) -> Iterator[dict[str, Any]]:
        """``GET /api/stocks/{stockId}/supplies?include=changeTime``: every variant's level in
        one stock, 1000 a page, as Shoptet sends it (codes stay text)."""
        path = f"/api/stocks/{int(stock_id)}/supplies"
        params = {"include": "changeTime"}
        yield from self._pages(path, "supplies", 1000, params, "code", on_page)

    def iter_pricelist(
        self, pricelist_id: int, code: str | None = None
    ) -> Iterator[M.PricelistRow]:
        path = f"/api/pricelists/{int(pricelist_id)}"
        params = {"code": code} if code else None
        for item in self._pages(path, "pricelist", 100, params, ident="code"):
            yield self._model(M.PricelistRow, item, path)

    def get_availabilities(self) -> M.Availabilities:
        """``GET /api/products/availabilities`` (not paginated)."""
        path = "/api/products/availabilities"
        return self._model(M.Availabilities, self._get(path).data, path)

    def get_pricelists(self) -> list[M.Pricelist]:
        """``GET /api/pricelists``: every price list (not paginated)."""
        path = "/api/pricelists"
        items = self._section(self._get(path), "pricelists", path) or []
        return [self._model(M.Pricelist, item, path) for item in items]

    def iter_variant_parameters(self, include_values: bool = True) -> Iterator[M.VariantParameter]:
        """``GET /api/products/variant-parameters`` (100 per page), with each parameter's values
        unless ``include_values`` is false. Identifiers are the shop's current language's."""
        path = "/api/products/variant-parameters"
        params = {"include": "values"} if include_values else None
        for item in self._pages(path, "parameters", 100, params, ident="paramIndex"):
            yield self._model(M.VariantParameter, item, path)

    def get_variant_parameter(self, param_index: str) -> M.VariantParameter:
        """``GET /api/products/variant-parameters/{paramIndex}``, values included."""
        path = f"/api/products/variant-parameters/{_seg(param_index, 'parameter index', 'GET')}"
        return self._model(M.VariantParameter, self._get(path).data, path)

    # -- writes -------------------------------------------------------------------------

    def create_variant_parameter(self, body: dict[str, Any]) -> WriteResult:
        """``POST /api/products/variant-parameters``: ``paramName`` (required), optional
        ``paramIndex`` (``^[a-zA-Z0-9-]*$``; Shoptet derives one otherwise), ``displayName``,
        ``priority`` and ``values`` (items as for :meth:`add_variant_parameter_values`). 201;
        ``data`` is the parameter (``M.VariantParameter``)."""
        return self._create_in_registry("/api/products/variant-parameters", "paramIndex", body)

    def add_variant_parameter_values(
        self, param_index: str, values: Sequence[dict[str, Any]]
    ) -> WriteResult:
        """``POST /api/products/variant-parameters/{paramIndex}``: add values, each
        ``{"paramValue": "500 g", "rawValue": "500-g"}`` (``rawValue``, ``color``, ``image``,
        ``valuePriority`` optional). 201; ``data`` is the parameter with all its values."""
        path = "/api/products/variant-parameters"
        return self._add_to_registry(path, param_index, values, "variant parameter")

    def iter_filtering_parameters(self) -> Iterator[M.FilteringParameter]:
        """``GET /api/products/filtering-parameters`` (100 per page), each with its values."""
        path = "/api/products/filtering-parameters"
        for item in self._pages(path, "filteringParameters", 100, None, ident="code"):
            yield self._model(M.FilteringParameter, item, path)

    def create_filtering_parameter(self, body: dict[str, Any]) -> WriteResult:
        """``POST /api/products/filtering-parameters``: ``name`` and ``values`` (at least one
        ``{name, valueIndex?}``) required, ``code`` optional (derived otherwise). 201."""
        return self._create_in_registry("/api/products/filtering-parameters", "code", body)

    def add_filtering_parameter_values(
        self, code: str, values: Sequence[dict[str, Any]]
    ) -> WriteResult:
        """``POST /api/products/filtering-parameters/{code}``: add values, each ``{name,
        valueIndex?}``. 201; ``data`` is the parameter with all its values."""
        path = "/api/products/filtering-parameters"
        return self._add_to_registry(path, code, values, "filtering parameter")

    def _create_in_registry(self, path: str, index_key: str, body: dict[str, Any]) -> WriteResult:
        """A parameter registry's create; a lost answer is checked at its index, when sent."""
        index = body.get(index_key)
        reread = f"GET {path}/{index}" if index else f"GET {path} (no {index_key} was sent)"
        return self._write("POST", path, body, reread=reread)

    def _add_to_registry(
        self, path: str, index: str, values: Sequence[dict[str, Any]], what: str
    ) -> WriteResult:
        """``POST {path}/{index}`` with ``paramValues`` (both registries spell it so)."""
        if not values:
            raise ValueError(f"no {what} values to send")
        target = f"{path}/{_seg(index, 'parameter index', 'POST')}"
        return self._write("POST", target, {"paramValues": list(values)}, reread=f"GET {target}")

    def create_flag(self, body: dict[str, Any]) -> WriteResult:
        """``POST /api/products/flags``: ``title`` (required, 1-255) and ``color``; Shoptet
        generates the code. ``data.flags`` lists the flag (match it by title)."""
        return self._write(
            "POST", "/api/products/flags", body, reread="GET /api/products/flags (by title)"
        )

    def update_flag(self, code: str, body: dict[str, Any]) -> WriteResult:
        """``PATCH /api/products/flags/{code}``: ``title`` and/or ``color``."""
        path = f"/api/products/flags/{_seg(code, 'flag code', 'PATCH')}"
        return self._write("PATCH", path, body, reread="GET /api/products/flags")

    def create_product(self, body: dict[str, Any]) -> WriteResult:
        """``POST /api/products``. Put the catalog's GUID in ``body["guid"]``: if the response is
        lost, ``WriteOutcomeUnknown.reread`` then names that product to check."""
        guid = body.get("guid")
        reread = f"GET /api/products/{guid}" if guid else "the product list (no guid was sent)"
        return self._write("POST", "/api/products", body, reread=reread)

    def patch_product(self, guid: str, body: dict[str, Any]) -> WriteResult:
        path = f"/api/products/{_seg(guid, 'product GUID', 'PATCH')}"
        return self._write("PATCH", path, body, reread=f"GET {path}")

    def put_product_links(self, guid: str, name: str, body: dict[str, Any]) -> WriteResult:
        """``PUT /api/products/{guid}/relatedProducts`` or ``.../alternativeProducts``: the
        whole list (0-50 ``{guid}`` items) replaces the product's."""
        if name not in ("relatedProducts", "alternativeProducts"):
            raise ValueError(f"not a product link list: {name}")
        path = f"/api/products/{_seg(guid, 'product GUID', 'PUT')}/{name}"
        return self._write("PUT", path, body, reread=f"GET {path}")

    def delete_product(self, guid: str) -> WriteResult:
        path = f"/api/products/{_seg(guid, 'product GUID', 'DELETE')}"
        return self._write("DELETE", path, reread=f"GET {path}")

    def delete_variant(self, code: str) -> WriteResult:
        """Delete one variant; Shoptet deletes the product with its last variant."""
        path = f"/api/products/code/{_seg(code, 'variant code', 'DELETE')}"
        return self._write("DELETE", path, reread=f"GET {path}")

    def patch_stock_movements(self, stock_id: int, items: Sequence[dict[str, Any]]) -> WriteResult:
        """``PATCH /api/stocks/{id}/movements``: at most 300 items, each ``productCode`` plus one
        of ``realStock`` / ``quantity`` / ``amountChange``."""
        _check_batch(items, "stock movements")
        path = f"/api/stocks/{int(stock_id)}/movements"
        codes = ",".join(str(i.get("productCode")) for i in items[:5])
        more = " ..." if len(items) > 5 else ""
        reread = f"GET /api/stocks/{int(stock_id)}/supplies for {codes}{more}"
        return self._write("PATCH", path, list(items), reread=reread)

    def patch_pricelist(self, pricelist_id: int, rows: Sequence[dict[str, Any]]) -> WriteResult:
        """``PATCH /api/pricelists/{id}``: at most 300 rows keyed by variant ``code``."""
        _check_batch(rows, "pricelist rows")
        path = f"/api/pricelists/{int(pricelist_id)}"
        return self._write("PATCH", path, list(rows), reread=f"GET {path} for the codes sent")


def _check_batch(items: Sequence[Any], what: str) -> None:
    if not items:
        raise ValueError(f"no {what} to send")
    if len(items) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} {what} per request; got {len(items)} (split them)")


# -- lookups (issue 14: `lookup`, `doctor`); appended as functions over the client so this
# module's class stays as it was. Each is one GET; none writes. ------------------------------


def get_availabilities(client: ShoptetClient) -> M.Availabilities:
    """``GET /api/products/availabilities`` (not paginated)."""
    return client.get_availabilities()


def get_pricelists(client: ShoptetClient) -> list[M.Pricelist]:
    """``GET /api/pricelists``: every price list (not paginated)."""
    return client.get_pricelists()


def get_flags(client: ShoptetClient) -> list[dict[str, Any]]:
    """``GET /api/products/flags`` (not paginated): ``{code, title, system, color, ...}``."""
    path = "/api/products/flags"
    return list(client._section(client._get(path), "flags", path) or [])


def get_warranties(client: ShoptetClient) -> list[dict[str, Any]]:
    """``GET /api/products/warranties`` (not paginated): ``{id, inMonths, description,
    system}``; read-only in the API (define them in the admin)."""
    path = "/api/products/warranties"
    return list(client._section(client._get(path), "warranties", path) or [])


def get_units(client: ShoptetClient) -> list[dict[str, Any]]:
    """``GET /api/products/units`` (not paginated): ``{id, name, system}``; read-only."""
    path = "/api/products/units"
    return list(client._section(client._get(path), "units", path) or [])


def get_measure_units(client: ShoptetClient) -> list[dict[str, Any]]:
    """``GET /api/products/measure-units`` (not paginated): ``{id, unitName, priority,
    ratios}``; Shoptet's system units, which no e-shop can add to."""
    path = "/api/products/measure-units"
    return list(client._section(client._get(path), "measureUnits", path) or [])


def get_suppliers(client: ShoptetClient) -> list[dict[str, Any]]:
    """``GET /api/suppliers``, every page (500 a page): ``{guid, name}``; read-only."""
    return list(client._pages("/api/suppliers", "suppliers", 500))


def get_customer_groups(client: ShoptetClient) -> list[M.CustomerGroup]:
    """``GET /api/customers/groups`` (not paginated); each group names its default price list."""
    path = "/api/customers/groups"
    items = client._section(client._get(path), "customerGroups", path) or []
    return [client._model(M.CustomerGroup, item, path) for item in items]


def iter_webhooks(client: ShoptetClient) -> Iterator[M.Webhook]:
    """``GET /api/webhooks``: the webhooks registered for this installation (500 per page)."""
    for item in client._pages("/api/webhooks", "webhooks", 500, ident="id"):
        yield client._model(M.Webhook, item, "/api/webhooks")


def get_system_endpoints(client: ShoptetClient) -> list[M.ApiEndpoint]:
    """``GET /api/system/endpoints``: the endpoints the token is approved for, with access."""
    path = "/api/system/endpoints"
    items = client._section(client._get(path), "endpoints", path) or []
    return [client._model(M.ApiEndpoint, item, path) for item in items]


def get_json(client: ShoptetClient, path: str, params: dict[str, Any] | None = None) -> Any:
    """``data`` of one GET, for reads that have no typed method (yet). GET only."""
    return client._get(path, params).data
