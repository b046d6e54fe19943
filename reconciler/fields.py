"""The managed fields, each declared once: pure data, no I/O (issue 13, "one field registry").

Every field the catalog manages is one frozen ``Field`` record in ``FIELDS``, in the model's
order (the order a plan lists fields in). The modules that used to keep their own list of field
names read it instead:

=====================  ======================================================================
module                 what it reads
=====================  ======================================================================
desired/load.py        ``nullable``: may the YAML clear the field with ``null``?
desired/schema.py      ``digits``: the JSON Schema also accepts a number (YAML 1.2 editors
                       read ``ean: 0012345678905`` as one)
plan/parts.py          the order fields are listed in (``FIELDS`` order)
plan/normalize.py      ``kind``: which values are HTML, decimals, GUIDs
plan/diff.py           ``level``/``resource``: which change a field belongs to; ``on_create``
                       and ``required_on_create``
live/convert.py        ``read``/``include``/``reader``: where Shoptet's detail answer has it
apply/bodies.py        ``write``/``body``/``places``: Shoptet's write name, where it goes in a
                       request body, fixed decimals
apply/program.py       ``on_create``: which price fields travel in the product create
importer/build.py      ``imported``/``import_group``: whether and how ``import`` writes it
=====================  ======================================================================

The pydantic models in ``reconciler.model`` stay the source of validation (types, limits,
descriptions); ``tests/test_fields.py`` checks the two agree (same names, same levels, same
nullability). A new field is one model attribute, one record here, and the sandbox's handling
of it (the fake shop must store and return it).

Shoptet's read-side spellings that differ from the write side (``read_visibility``,
``read_negative_stock_allowed``) live here too, as the ``reader`` of their field; the
normalisation rules of ``reconciler.plan.normalize`` use the same functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Level(StrEnum):
    """Where the field is written in the YAML: on the product or on a variant."""

    PRODUCT = "product"
    VARIANT = "variant"


class Resource(StrEnum):
    """Which plan change carries the field (the values of ``reconciler.plan.model.Resource``)."""

    PRODUCT = "product"
    VARIANT = "variant"
    PRICE = "price"
    STOCK = "stock"


class Kind(StrEnum):
    """What a value is, for normalising, writing and importing it."""

    TEXT = "text"
    HTML = "html"  # text compared with trimmed ends and unified line endings
    DECIMAL = "decimal"  # with ``places`` fixed decimals on the write side
    INTEGER = "integer"
    BOOL = "bool"
    ENUM = "enum"
    GUID = "guid"
    GUID_LIST = "guid-list"
    STOCK_MAP = "stock-map"  # {stock id: amount}; a scalar means the default stock
    PARAMETERS = "parameters"  # {nameIndex: valueIndex}, resolved against the shop's registry
    DATE = "date"  # ``YYYY-MM-DD`` text (only inside an object's parts)
    FLAGS = "flags"  # {flag code: {dateFrom, dateTo}} set, or None: unset; resolved by name
    REFERENCE = "reference"  # an entry of a shop list by id (GUID) or name; the id in the plan
    PRODUCT_LINKS = "product-links"  # ordered product GUIDs, written whole by their own PUT
    DESCRIPTIVE = "descriptive"  # ordered rows {name, value, description, priority}, whole
    FILTERING = "filtering"  # {code: [valueIndex]}, resolved by name against the shop's list
    OBJECT = "object"  # a small mapping of ``parts``; the parts the YAML leaves out are unmanaged
    IMAGES = "images"  # the gallery: [{src or name, alt}] in order (``plan/images.py``)
    IMAGE = "image"  # a variant's image: a src or name of its product's images


class Body(StrEnum):
    """Where an update writes the field."""

    PRODUCT = "product"  # a key of the product body (``PATCH/POST /api/products``)
    VARIANT = "variant"  # a key of a ``variants[]`` item of that body
    PRICE_ROW_PRICE = "price-row-price"  # ``price.<write>`` of a pricelist row
    PRICE_ROW = "price-row"  # a key of a pricelist row (``PATCH /api/pricelists/{id}``)
    PRICE_ROW_PRICES = "price-row-prices"  # ``prices.<write>`` of a pricelist row
    MOVEMENT = "movement"  # ``realStock`` of a stock movement (``PATCH .../movements``)
    GALLERY = "gallery"  # the image gallery's own requests (``apply/images.py``)
    PRODUCT_LINKS = "product-links"  # its own ``PUT /api/products/{guid}/<write>`` (full list)


class OnCreate(StrEnum):
    """What a new product or variant does with the field."""

    SENT = "sent"  # in the create request (``POST /api/products``) with the rest
    AFTER = "after"  # the create cannot carry it: written right after it (pricelist)
    ONLY = "only"  # used only on create, never compared or updated afterwards (``type``)


class Imported(StrEnum):
    """How ``import`` writes the live value into YAML."""

    PLAIN = "plain"  # a plain scalar (numbers, bools, ids) or text quoted only when needed
    QUOTED = "quoted"  # always quoted text: codes and EANs that may look like numbers
    BLOCK = "block"  # HTML: a literal block when it has line breaks
    NO = "no"  # never written by import (see the field's ``why``)


# ---------------------------------------------------------------------------------------------
# Read-side spellings (used by live/convert.py and the normalisation rules)


def read_visibility(value: Any) -> Any:
    """Shoptet's read side may say ``normal`` where the write side says ``visible``."""
    return "visible" if value == "normal" else value


def read_images(items: Any) -> Any:
    """A detail's ``images`` (include ``images``): the ``shop`` gallery in Shoptet's order
    (priority, then name) as ``[{name, alt}]``; the 360° gallery is not managed."""
    if not isinstance(items, list):
        return items
    rows = []
    for item in items:
        get = item.get if isinstance(item, dict) else (lambda k, _i=item: getattr(_i, k, None))
        if (get("gallery") or "shop") != "shop":
            continue
        priority = get("priority")
        rows.append((priority is None, priority or 0, str(get("name")), get("description")))
    return [{"name": name, "alt": alt} for _, _, name, alt in sorted(rows)]


def read_flags(items: Any) -> Any:
    """A detail's ``flags`` (include ``flags``) as ``{code: {dateFrom, dateTo}}``."""
    if not isinstance(items, list):
        return items
    out = {}
    for item in items:
        get = item.get if isinstance(item, dict) else (lambda k, _i=item: getattr(_i, k, None))
        out[str(get("code"))] = {"dateFrom": get("dateFrom"), "dateTo": get("dateTo")}
    return dict(sorted(out.items()))


def read_product_links(items: Any) -> Any:
    """A detail's ``relatedProducts`` / ``alternativeProducts`` (include of the same name) as
    the GUIDs in the shop's order (``priority``, then as listed)."""
    if not isinstance(items, list):
        return items
    return [str(row.get("guid")).lower() for row in _by_priority(_rows(items))]


def _rows(items: list[Any]) -> list[dict[str, Any]]:
    return [i if isinstance(i, dict) else dict(vars(i)) for i in items]


def _by_priority(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows in the shop's order: by ``priority`` (none last), then as listed."""
    ranked = sorted(
        enumerate(rows),
        key=lambda r: (r[1].get("priority") is None, r[1].get("priority") or 0, r[0]),
    )
    return [row for _, row in ranked]


def read_descriptive_parameters(items: Any) -> Any:
    """A detail's ``descriptiveParameters`` (include of that name) as the model's rows
    ``{name, value, description, priority}`` in the shop's order."""
    if not isinstance(items, list):
        return items
    keys = ("name", "value", "description", "priority")
    return [{k: row.get(k) for k in keys} for row in _by_priority(_rows(items))]


def read_filtering_parameters(items: Any) -> Any:
    """A detail's ``filteringParameters`` (include of that name) as ``{code: [valueIndex]}``,
    sorted (a set: the shop keeps no order for it)."""
    if not isinstance(items, list):
        return items
    out: dict[str, list[str]] = {}
    for row in _rows(items):
        values = _rows(row.get("values") or [])
        out[str(row.get("code"))] = sorted(
            str(v.get("valueIndex") or v.get("name")) for v in values
        )
    return dict(sorted(out.items()))


_NEGATIVE_STOCK = {"yes": True, "yes-global": True, "no": False, "no-global": False}


def read_negative_stock_allowed(value: Any) -> Any:
    """Read values ``yes``/``yes-global`` -> True, ``no``/``no-global`` -> False; bools pass."""
    if isinstance(value, str):
        return _NEGATIVE_STOCK.get(value.strip().lower(), value)
    return value


# ---------------------------------------------------------------------------------------------
# The record


@dataclass(frozen=True)
class Part:
    """One key of an ``OBJECT`` field's value (``actionPrice.fromDate``)."""

    name: str
    kind: Kind
    places: int | None = None
    nullable: bool = True  # Shoptet's write side takes null for it (clearing the object)


@dataclass(frozen=True)
class Field:
    """One managed field. ``name`` is the catalog's (and the model's) name."""

    name: str
    level: Level
    resource: Resource
    kind: Kind
    places: int | None = None  # decimals: fixed decimals Shoptet writes
    nullable: bool = True  # the YAML may clear it with ``null``
    write: str | None = None  # Shoptet's write name (None: the field has its own request)
    body: Body | None = None  # where an update writes it
    # Where the product detail (``GET /api/products/{guid}``) has it: a path from the product
    # (product fields) or from a ``variants[]`` item; ``a.b`` is a key of a nested object,
    # ``a[].b`` that key of each item of a list. Price fields are read from the plan's
    # pricelist (``live/convert.py``), stock from ``perStockAmounts``.
    read: str | None = None
    include: str | None = None  # the detail include the read needs
    reader: Callable[[Any], Any] | None = None  # a read-side spelling to the model's value
    on_create: OnCreate = OnCreate.SENT
    required_on_create: bool = False
    digits: bool = False  # text that may be all digits (codes, EANs)
    imported: Imported = Imported.PLAIN
    import_group: int = 0  # import writes groups in order, registry order inside a group
    why: str = ""  # anything unusual about the field, for a reader of this table
    parts: tuple[Part, ...] = ()  # an OBJECT's keys, in the order they are written
    # an OBJECT whose value of this part is null means nothing (Shoptet keeps a purchase
    # price's VAT rate after the price is cleared): it reads as null; None: all parts null
    key_part: str | None = None

    @property
    def write_name(self) -> str:
        """``write``, for a field that has one (a typed read of it)."""
        if self.write is None:
            raise ValueError(f"{self.name} has no write name")
        return self.write

    @property
    def decimals(self) -> int:
        """``places``, for a decimal (a typed read of it)."""
        if self.places is None:
            raise ValueError(f"{self.name} has no decimal places")
        return self.places

    def __post_init__(self) -> None:
        if self.places is None and self.kind in (Kind.DECIMAL, Kind.STOCK_MAP):
            raise ValueError(f"{self.name}: a decimal needs its places")
        if self.digits and self.imported is not Imported.QUOTED:
            raise ValueError(f"{self.name}: digit-like text must be imported quoted")
        if (self.kind is Kind.OBJECT) != bool(self.parts):
            raise ValueError(f"{self.name}: an object, and only an object, has parts")


_P, _V = Level.PRODUCT, Level.VARIANT


def _product(name: str, kind: Kind = Kind.TEXT, write: str | None = None, **kw: Any) -> Field:
    return Field(
        name,
        _P,
        Resource.PRODUCT,
        kind,
        write=write or name,
        body=Body.PRODUCT,
        read=kw.pop("read", name),
        **kw,
    )


def _variant(name: str, kind: Kind, write: str | None = None, **kw: Any) -> Field:
    return Field(
        name,
        _V,
        Resource.VARIANT,
        kind,
        write=write or name,
        body=Body.VARIANT,
        read=kw.pop("read", name),
        **kw,
    )


def _price(name: str, kind: Kind, body: Body, **kw: Any) -> Field:
    return Field(name, _V, Resource.PRICE, kind, write=name, body=body, read=name, **kw)


def _price_object(name: str, body: Body, parts: tuple[Part, ...], **kw: Any) -> Field:
    """A pricelist-row object; read from the row of the plan's pricelist, so it always needs
    ``perPricelistPrices`` (``read``: where a detail variant has it too, if anywhere)."""
    return Field(
        name,
        _V,
        Resource.PRICE,
        Kind.OBJECT,
        write=name,
        body=body,
        read=kw.pop("read", None),
        include=PRICE_INCLUDE,
        on_create=OnCreate.AFTER,
        parts=parts,
        **kw,
    )


PRICE_INCLUDE = "perPricelistPrices"  # price fields of a pricelist other than the default


# Import groups: product identity first, then where the product sits (brand, categories), then
# its texts; a variant's amounts on hand last.
_PLACE, _TEXTS, _LINKS, _AMOUNTS = 1, 2, 3, 1

FIELDS: tuple[Field, ...] = (
    # --- product -----------------------------------------------------------------------------
    _product("name", nullable=False, required_on_create=True),
    _product("visibility", Kind.ENUM, nullable=False, reader=read_visibility),
    _product(
        "type",
        Kind.ENUM,
        nullable=False,
        on_create=OnCreate.ONLY,
        imported=Imported.NO,
        why="Shoptet cannot change a product's type after the create",
    ),
    _product("shortDescription", Kind.HTML, imported=Imported.BLOCK, import_group=_TEXTS),
    _product("description", Kind.HTML, imported=Imported.BLOCK, import_group=_TEXTS),
    _product("metaTitle", import_group=_TEXTS),
    _product("metaDescription", import_group=_TEXTS),
    _product("additionalName", import_group=_TEXTS),
    _product("brand", write="brandCode", read="brand.code", import_group=_PLACE),
    _product(
        "defaultCategory",
        Kind.GUID,
        write="defaultCategoryGuid",
        read="defaultCategory.guid",
        nullable=False,
        required_on_create=True,
        import_group=_PLACE,
    ),
    _product(
        "categories",
        Kind.GUID_LIST,
        write="categoryGuids",
        read="categories[].guid",
        include="allCategories",
        nullable=False,
        import_group=_PLACE,
    ),
    _product("internalNote", import_group=_TEXTS),
    _product(
        "flags",
        Kind.FLAGS,
        write="flagsManagement",
        include="flags",
        reader=read_flags,
        nullable=False,
        import_group=_PLACE,
        why=(
            "by code or title, resolved against GET /api/products/flags at plan time; written "
            "with flagsManagement set/unset, so flags the YAML does not name are left alone"
        ),
    ),
    _product(
        "warranty",
        Kind.REFERENCE,
        write="warrantyId",
        read="warranty.id",
        include="warranty",
        import_group=_PLACE,
        why="by description or id, resolved against GET /api/products/warranties at plan time",
    ),
    _product(
        "supplier",
        Kind.REFERENCE,
        write="supplierGuid",
        read="supplier.guid",
        import_group=_PLACE,
        why="by name or GUID, resolved against GET /api/suppliers at plan time",
    ),
    Field(
        "images",
        _P,
        Resource.PRODUCT,
        Kind.IMAGES,
        nullable=False,
        write="images",
        body=Body.GALLERY,
        read="images",
        include="images",
        reader=read_images,
        imported=Imported.NO,
        why=(
            "the shop gallery in order; identity of images added by URL from the lock file "
            "(desired/image_lock.py); written by apply/images.py (an async add job, then "
            "reorder/alt and deletes); import writes it itself (importer/images.py)"
        ),
    ),
    _product(
        "descriptiveParameters",
        Kind.DESCRIPTIVE,
        include="descriptiveParameters",
        reader=read_descriptive_parameters,
        nullable=False,
        import_group=_TEXTS,
        why=(
            "the specification table, rows {name, value, description, priority} in order "
            "(priority is the row's position unless stated); sent whole, [] clears it"
        ),
    ),
    _product(
        "filteringParameters",
        Kind.FILTERING,
        include="filteringParameters",
        reader=read_filtering_parameters,
        nullable=False,
        import_group=_PLACE,
        why=(
            "names or codes in the YAML, code -> value indexes in the plan (resolved against "
            "GET /api/products/filtering-parameters by plan/filtering.py, what the shop lacks "
            "created first); written whole as [{code, values}]"
        ),
    ),
    *(
        Field(
            name,
            _P,
            Resource.PRODUCT,
            Kind.PRODUCT_LINKS,
            nullable=False,
            write=name,
            body=Body.PRODUCT_LINKS,
            read=name,
            include=name,
            reader=read_product_links,
            import_group=_LINKS,
            why=(
                "product GUIDs in the shop's order, at most 50; each target must be in the "
                "catalog or the shop (checked at plan time by plan/links.py); written whole "
                f"with PUT /api/products/{{guid}}/{name} after the creates and the PATCHes"
            ),
        )
        for name in ("relatedProducts", "alternativeProducts")
    ),
    # --- variant -----------------------------------------------------------------------------
    _variant("ean", Kind.TEXT, digits=True, imported=Imported.QUOTED),
    _variant("manufacturerCode", Kind.TEXT, digits=True, imported=Imported.QUOTED),
    _variant("pluCode", Kind.TEXT, digits=True, imported=Imported.QUOTED),
    _variant("isbn", Kind.TEXT, digits=True, imported=Imported.QUOTED),
    _variant("serialNo", Kind.TEXT, digits=True, imported=Imported.QUOTED),
    _variant("mpn", Kind.TEXT, digits=True, imported=Imported.QUOTED),
    _price("price", Kind.DECIMAL, Body.PRICE_ROW_PRICE, places=2, nullable=False),
    _price("commonPrice", Kind.DECIMAL, Body.PRICE_ROW_PRICE, places=2, on_create=OnCreate.AFTER),
    _price(
        "vatRate",
        Kind.DECIMAL,
        Body.PRICE_ROW,
        places=2,
        nullable=False,
        on_create=OnCreate.AFTER,
    ),
    _price("includingVat", Kind.BOOL, Body.PRICE_ROW, nullable=False, on_create=OnCreate.AFTER),
    _price_object(
        "actionPrice",
        Body.PRICE_ROW_PRICE,
        (Part("price", Kind.DECIMAL, 2), Part("fromDate", Kind.DATE), Part("toDate", Kind.DATE)),
        key_part="price",
        read="actionPrice",
        why="a campaign price for a date range; managed whole (dates left out are none)",
    ),
    _price_object(
        "purchasePrice",
        Body.PRICE_ROW_PRICES,
        (
            Part("price", Kind.DECIMAL, 2),
            Part("vatRate", Kind.DECIMAL, 2),
            Part("includingVat", Kind.BOOL, nullable=False),
        ),
        key_part="price",
        why=(
            "Shoptet's current form (prices.purchasePrice), never the deprecated buyPrice; "
            "default pricelist only (the plan refuses it for another)"
        ),
    ),
    _price_object(
        "orderableAmount",
        Body.PRICE_ROW,
        (Part("minimumAmount", Kind.DECIMAL, 3), Part("maximumAmount", Kind.DECIMAL, 3)),
    ),
    Field(
        "stock",
        _V,
        Resource.STOCK,
        Kind.STOCK_MAP,
        places=3,
        nullable=False,
        write="realStock",
        body=Body.MOVEMENT,
        read="perStockAmounts[]",
        include="perStockAmounts",
        import_group=_AMOUNTS,
        why="physical amount on hand: Shoptet's amount + claim per stock; `null` manages none",
    ),
    _variant("visible", Kind.BOOL, nullable=False),
    _variant("availability", Kind.INTEGER, write="availabilityId", read="availability.id"),
    _variant(
        "availabilityWhenSoldOut",
        Kind.INTEGER,
        write="availabilityWhenSoldOutId",
        read="availabilityWhenSoldOut.id",
    ),
    _variant(
        "unit",
        Kind.REFERENCE,
        write="unitId",
        nullable=False,
        why=(
            "by name or id; Shoptet reads the name (variant unit) and writes the id (unitId), "
            "so both sides are resolved against GET /api/products/units (live/units.py)"
        ),
    ),
    _variant(
        "measureUnit",
        Kind.OBJECT,
        include="measureUnit",
        parts=(
            Part("packagingUnitId", Kind.REFERENCE),
            Part("packagingAmount", Kind.DECIMAL, 3),
            Part("measureUnitId", Kind.REFERENCE),
            Part("measureAmount", Kind.DECIMAL, 3),
        ),
        key_part="measureUnitId",
        why=(
            "{contents, per} in the YAML (desired/values.py), Shoptet's four parts in the plan "
            "with the unit names resolved to ids against GET /api/products/measure-units "
            "(reconciler/assignments.py); managed and written whole, null clears it"
        ),
    ),
    _variant("weight", Kind.DECIMAL, places=3),
    _variant("minStockSupply", Kind.DECIMAL, places=3),
    _variant(
        "negativeStockAllowed",
        Kind.BOOL,
        nullable=False,
        reader=read_negative_stock_allowed,
        imported=Imported.NO,
        why="usually the shop-wide default; import stating it would pin it",
    ),
    _variant(
        "parameters",
        Kind.PARAMETERS,
        read=None,
        include="variantParameters",
        import_group=-1,
        why=(
            "names or slugs in the YAML, nameIndex -> valueIndex slugs in the plan (resolved "
            "against GET /api/products/variant-parameters by plan/param_changes.py); read by "
            "live/params.py; written whole, a list of {nameIndex, valueIndex} (replace-all)"
        ),
    ),
    _variant(
        "image",
        Kind.IMAGE,
        read=None,
        imported=Imported.NO,
        why=(
            "a src or name of the product's images in the YAML, the image name in the plan "
            "(a src only while the image is still to be added); read by live/convert.py "
            "(Shoptet reports the product's main image with isProductDefaultImage when the "
            "variant has none); written by apply/images.py after the gallery, in the product "
            "PATCH's variants[].image; import writes it with the images"
        ),
    ),
)

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
if len(BY_NAME) != len(FIELDS):  # pragma: no cover - a typo in the table above
    raise ValueError("a field is declared twice")


def select(
    level: Level | None = None,
    *,
    resource: Resource | None = None,
    kind: Kind | None = None,
) -> tuple[Field, ...]:
    """The fields matching every criterion given, in registry order."""
    return tuple(
        f
        for f in FIELDS
        if (level is None or f.level is level)
        and (resource is None or f.resource is resource)
        and (kind is None or f.kind is kind)
    )


def names(fields: tuple[Field, ...]) -> tuple[str, ...]:
    return tuple(f.name for f in fields)


PRODUCT: tuple[Field, ...] = select(Level.PRODUCT)
VARIANT: tuple[Field, ...] = select(Level.VARIANT)

# A variant's ``prices:`` holds its rows in pricelists other than the default, keyed by
# pricelist name or id: the price fields Shoptet keeps per pricelist (purchase prices are the
# default pricelist's only). Structure, like ``variants``: not a field of its own.
PRICES = "prices"
PER_PRICELIST: tuple[Field, ...] = tuple(
    f for f in select(Level.VARIANT, resource=Resource.PRICE) if f.name != "purchasePrice"
)
