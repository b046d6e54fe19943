"""The ports: what each pipeline step needs from the Shoptet client, and what a live source is.
Pure: typing only.

Each step asks for the narrowest port it uses, so a test double implements a few methods and
a reader cannot write. ``reconciler.shoptet.ShoptetClient`` satisfies every one structurally
(``tests/test_ports.py`` checks it); nothing here names it.

    ShopReader      get_eshop, get_stocks                 read the shop (plan and apply step 1)
    ProductLister   iter_products                         the product list (full reads, guards)
    DetailReader    get_product, get_products,            product details (reads, --target
                    get_product_by_code                   codes, compare-before-write)
    ChangeFeed      iter_product_changes, iter_supplies   what changed since (the live cache)
    ReferenceReader iter_categories, iter_brands          what catalog references are checked
                                                          against (plan step 2)
    ClaimReader     iter_order_claims, iter_supplies      open orders' claims (open-orders guard)
    SalesReader     count_orders                          orders per variant (sales context)
    Writer          create/patch/delete products, ...     the writes (apply only)
    ProductReader   the list and the details              a direct live read
    PlanClient      all the reads                         what ``make_plan`` needs
    ApplyClient     the reads and the writes              what ``apply_plan`` needs
    LiveSource      read(desired, shop, progress)         how the live side is read (pipeline
                                                          step 4 chooses one)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from datetime import datetime

    from reconciler.live.base import LiveRead, ShopInfo
    from reconciler.model import Catalog

Progress = Callable[[str, int, int | None], None]
"""``progress(phase, done, total)``: called as reading advances (``total`` None = unknown)."""


@runtime_checkable
class Counted(Protocol):
    """A client that counts its HTTP requests (a read reports what it cost)."""

    @property
    def request_count(self) -> int:
        """Requests sent so far, retries and token requests included."""
        ...


@runtime_checkable
class ShopReader(Protocol):
    """The e-shop itself: its id and default pricelist, its stocks and default stock."""

    def get_eshop(self, include: Sequence[str] = ()) -> Any:
        """``GET /api/eshop``: has ``eshop_id`` and ``default_pricelist_id``."""
        ...

    def get_stocks(self) -> Any:
        """``GET /api/stocks``: has ``stocks`` (each with ``id``, ``title``) and
        ``defaultStockId``."""
        ...


@runtime_checkable
class ProductLister(Counted, Protocol):
    """The product list, page by page."""

    def iter_products(self, **filters: Any) -> Iterator[Any]:
        """``GET /api/products``: summaries with ``guid`` and ``name``; ``filters`` are the
        list's query parameters by their Shoptet names (``productGuids=[...]``)."""
        ...


@runtime_checkable
class DetailReader(Counted, Protocol):
    """Product details. ``config.max_in_flight`` caps the reads sent at once."""

    config: Any

    def get_product(self, guid: str, include: Sequence[str] = ...) -> Any:
        """``GET /api/products/{guid}``; raises ``errors.NotFound`` for a product not live."""
        ...

    def get_products(self, guids: Iterable[str], include: Sequence[str] = ...) -> dict[str, Any]:
        """Details of many products concurrently: ``{guid: detail, or None when gone}``."""
        ...

    def get_product_by_code(self, code: str, include: Sequence[str] = ...) -> Any:
        """``GET /api/products/code/{code}``; raises ``errors.NotFound``."""
        ...


@runtime_checkable
class ChangeFeed(Protocol):
    """What changed in the shop since a time (the incremental live cache)."""

    def iter_product_changes(
        self, since: datetime | str, change_type: str | None = None
    ) -> Iterator[Any]:
        """``GET /api/products/changes?from=``: items with ``guid``."""
        ...

    def iter_supplies(
        self,
        stock_id: int,
        changed_from: datetime | str | None = None,
        code: str | None = None,
        product_guid: str | None = None,
        only_with_claim: bool = False,
    ) -> Iterator[Any]:
        """``GET /api/stocks/{id}/supplies``: rows with ``code``, ``productGuid``, ``amount``,
        ``claim``."""
        ...


@runtime_checkable
class ClaimReader(Protocol):
    """What open orders claim, read when a plan deletes or hides something (issue 19)."""

    def iter_order_claims(self, product_code: str) -> Iterator[Any]:
        """``GET /api/orders/claims?productCode=``: rows with ``orderCode`` (text),
        ``productCode``, ``amount``, ``amountCompleted``."""
        ...

    def iter_supplies(
        self,
        stock_id: int,
        changed_from: datetime | str | None = None,
        code: str | None = None,
        product_guid: str | None = None,
        only_with_claim: bool = False,
    ) -> Iterator[Any]:
        """``GET /api/stocks/{id}/supplies?onlyWithClaim=true``: claimed rows only."""
        ...


@runtime_checkable
class SalesReader(Protocol):
    """How many orders contain a variant (the plan's sales context, display only)."""

    def count_orders(self, product_code: str, created_from: datetime | str) -> int:
        """``GET /api/orders?productCode=&creationTimeFrom=&itemsPerPage=1``: totalCount."""
        ...


@runtime_checkable
class Writer(Protocol):
    """The writes apply makes; each returns the client's ``WriteResult``."""

    def create_product(self, body: dict[str, Any]) -> Any: ...

    def patch_product(self, guid: str, body: dict[str, Any]) -> Any: ...

    def put_product_links(self, guid: str, name: str, body: dict[str, Any]) -> Any: ...

    def delete_product(self, guid: str) -> Any: ...

    def delete_variant(self, code: str) -> Any: ...

    def patch_stock_movements(self, stock_id: int, items: Sequence[dict[str, Any]]) -> Any: ...

    def patch_pricelist(self, pricelist_id: int, rows: Sequence[dict[str, Any]]) -> Any: ...


@runtime_checkable
class ReferenceReader(Protocol):
    """The lists a catalog's references are checked against (plan step 2,
    ``live.read.read_references``)."""

    def iter_categories(self) -> Iterator[Any]:
        """``GET /api/categories``: items with ``guid`` and ``name``."""
        ...

    def iter_brands(self) -> Iterator[Any]:
        """``GET /api/brands``: items with ``code`` (or ``indexName``) and ``name``."""
        ...

    def get_availabilities(self) -> Any:
        """``GET /api/products/availabilities``: ``availabilities`` with ``id`` and ``name``."""
        ...

    def get_pricelists(self) -> list[Any]:
        """``GET /api/pricelists``: items with ``id`` and ``name``."""
        ...


@runtime_checkable
class ParameterReader(Protocol):
    """The shop's variant-parameter registry (issue 14)."""

    def iter_variant_parameters(self, include_values: bool = True) -> Iterator[Any]:
        """``GET /api/products/variant-parameters``: items with ``paramIndex``,
        ``paramName``, ``displayName`` and ``values`` (``rawValue``, ``paramValue``)."""
        ...

    def iter_filtering_parameters(self) -> Iterator[Any]:
        """``GET /api/products/filtering-parameters``: items with ``code``, ``name``,
        ``displayName`` and ``values`` (``valueIndex``, ``name``)."""
        ...


@runtime_checkable
class ParameterWriter(Protocol):
    """Additions to the registry, applied before the product writes that use them."""

    def create_variant_parameter(self, body: dict[str, Any]) -> Any: ...

    def add_variant_parameter_values(
        self, param_index: str, values: Sequence[dict[str, Any]]
    ) -> Any: ...

    def create_filtering_parameter(self, body: dict[str, Any]) -> Any: ...

    def add_filtering_parameter_values(
        self, code: str, values: Sequence[dict[str, Any]]
    ) -> Any: ...


@runtime_checkable
class FlagWriter(Protocol):
    """Flag definitions shop.yaml declares, written before the products that name them."""

    def create_flag(self, body: dict[str, Any]) -> Any: ...

    def update_flag(self, code: str, body: dict[str, Any]) -> Any: ...


@runtime_checkable
class ProductReader(ProductLister, DetailReader, Protocol):
    """The list and the details: what a direct (full or scoped) live read uses."""


@runtime_checkable
class PlanClient(
    ShopReader,
    ReferenceReader,
    ProductReader,
    ChangeFeed,
    ParameterReader,
    ClaimReader,
    SalesReader,
    Protocol,
):
    """Every read a plan can make (which ones depends on the live source chosen)."""


@runtime_checkable
class ApplyClient(
    ShopReader,
    ProductLister,
    DetailReader,
    Writer,
    ParameterReader,
    ParameterWriter,
    FlagWriter,
    ClaimReader,
    Protocol,
):
    """What an apply needs: the shop, the product list (guards), re-reads and the writes."""


class LiveSource(Protocol):
    """One way of reading the live side of a plan: the whole shop, a few products, or the
    whole shop through the incremental cache. Built with its client and options; the plan
    pipeline chooses which (``reconciler.pipeline.live_source``)."""

    def read(self, desired: Catalog, shop: ShopInfo, progress: Progress | None = None) -> LiveRead:
        """The live side for ``desired``: every live product read (managed ones in full,
        listed-only ones with just their name), as a ``LiveRead``."""
        ...
