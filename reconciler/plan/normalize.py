"""One canonical form for both sides of the diff (desired YAML and live shop).

``normalize_product(product, ctx)`` turns a ``Product`` model into a plain *form*::

    {"fields": {field: value, ...},                 # product-level fields that are set
     "variants": {CODE: {field: value, ...}, ...}}  # variants that are not tombstones

Only fields in ``model_fields_set`` appear (DESIGN §3: a field left out is unmanaged; an
explicit null is kept as None = "clear it"). Live models set every field they know, so the
live form holds everything. Then every rule in ``RULES`` runs, in order, on both sides. Each
rule is a named function with a docstring saying why it exists; the diff has no special cases
of its own (STYLE 4). A new false positive gets a new named rule here, with a test by name.

After normalising, values are JSON-ready except stock, which is ``{stock id (int): amount}``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from reconciler import fields as F
from reconciler.fields import read_negative_stock_allowed, read_visibility  # also for live.py
from reconciler.model import VARIANT_DIRECTIVES, Product, Variant

Form = dict[str, Any]

# The value kinds the rules treat alike, from the field registry (``reconciler.fields``).
DECIMAL_FIELDS = frozenset(F.names(F.select(F.Level.VARIANT, kind=F.Kind.DECIMAL)))
HTML_FIELDS = frozenset(F.names(F.select(F.Level.PRODUCT, kind=F.Kind.HTML)))
GUID_FIELDS = frozenset(F.names(F.select(F.Level.PRODUCT, kind=F.Kind.GUID)))
GUID_LIST_FIELDS = frozenset(F.names(F.select(F.Level.PRODUCT, kind=F.Kind.GUID_LIST)))
OBJECT_FIELDS = {f.name: f for f in F.select(F.Level.VARIANT, kind=F.Kind.OBJECT)}


@dataclass(frozen=True)
class NormContext:
    """What the rules need to know about the shop: the stock a scalar ``stock`` means."""

    default_stock_id: int


def normalize_product(product: Any, ctx: NormContext) -> Form:
    """The canonical form of one product model (desired or live); tombstoned variants are left
    out (the diff reads tombstones from the model).

    The rules compiled per field (``compiled_form``, issue 16: a 100,000-product plan
    normalises 1.2 million values); whatever that does not take plainly, and every error,
    goes through the rules themselves (``normalize_by_rules``), so both give the same form and
    the same error."""
    if COMPILED:
        try:
            return compiled_form(product, ctx)
        except Exception:  # the rules raise it again, in their own order
            pass
    return normalize_by_rules(product, ctx)


def normalize_by_rules(product: Any, ctx: NormContext) -> Form:
    """``normalize_product`` by running every rule in ``RULES`` over the whole form: the
    definition the compiled form is tested against."""
    form = product_form(product)
    for _name, rule in RULES:
        form = rule(form, ctx)
    return form


def product_form(product: Any) -> Form:
    """The raw form: the set fields of the product and of each non-tombstone variant."""
    fields = {
        name: getattr(product, name)
        for name in product.model_fields_set
        if name not in ("variants", "absent")
    }
    variants = {}
    for code, variant in (product.variants or {}).items():
        if getattr(variant, "absent", False):
            continue
        variants[code] = {
            name: getattr(variant, name)
            for name in variant.model_fields_set
            if name not in VARIANT_DIRECTIVES
        }
    return {"fields": fields, "variants": variants}


# ---------------------------------------------------------------------------------------------
# Value readers, also for live.py: Shoptet's read-side spellings to the model's values.


def canonical_decimal(value: Any) -> str | None:
    """``Decimal("1.000")``, ``"1.000"``, ``1`` -> ``"1"``; ``"123.450"`` -> ``"123.45"``.

    Plain digits, never an exponent, ``-0`` is ``0``. Floats are refused (they would carry
    binary noise into a price)."""
    if value is None:
        return None
    if type(value) in (str, Decimal, int):
        return _canonical_decimal(value)
    return _canonical_decimal_uncached(value)


@lru_cache(maxsize=65_536)  # prices and amounts repeat a lot across a catalog
def _canonical_decimal(value: Any) -> str | None:
    return _canonical_decimal_uncached(value)


def _canonical_decimal_uncached(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool | float):
        raise TypeError(f"not a decimal: {value!r}")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not a decimal: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a finite decimal: {value!r}")
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def live_physical_stock(amount: Any, claim: Any) -> Decimal:
    """Physical amount on hand (realStock) from a live supply / perStockAmounts row.

    The working reading of Shoptet's OpenAPI file (DESIGN §3): ``amount`` is what is available
    for ordering and ``claim`` what open orders reserve, so physical = amount + claim."""
    return Decimal(str(amount or 0)) + Decimal(str(claim or 0))


# ---------------------------------------------------------------------------------------------
# The rules. Each takes and returns a form; order matters only where a docstring says so.


def _each_variant(form: Form) -> Iterable[dict[str, Any]]:
    variants: dict[str, dict[str, Any]] = form["variants"]
    return variants.values()


def code_uppercase(form: Form, ctx: NormContext) -> Form:
    """Variant codes are keys in upper case: Shoptet stores codes uppercased, so a code read
    back never matches a lowercase spelling."""
    form["variants"] = {code.strip().upper(): v for code, v in form["variants"].items()}
    return form


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return value if value.isascii() else unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    return value


def text_nfc(form: Form, ctx: NormContext) -> Form:
    """All text in Unicode NFC: ``č`` typed as one code point or as ``c`` + combining caron
    is the same text (editors and the Shoptet admin differ in what they produce)."""
    for fields in (form["fields"], *_each_variant(form)):
        for key, value in fields.items():
            if isinstance(value, str | list):
                fields[key] = _nfc(value)
    return form


def html_trim(form: Form, ctx: NormContext) -> Form:
    """HTML fields (shortDescription, description): line endings unified to LF and leading
    and trailing whitespace dropped. YAML block scalars (``|``) add a final newline and
    Shoptet's editor trims; whitespace *inside* the HTML is kept on purpose (it can matter,
    e.g. in ``<pre>``, and Shoptet is not known to rewrite it). Runs before
    ``empty_text_is_null``."""
    fields = form["fields"]
    for key in HTML_FIELDS & fields.keys():
        value = fields[key]
        if isinstance(value, str):
            fields[key] = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return form


def empty_text_is_null(form: Form, ctx: NormContext) -> Form:
    """An empty text is the same as no text: Shoptet returns ``""`` or ``null`` for an empty
    description (or EAN, note, ...) depending on how it was cleared."""
    for fields in (form["fields"], *_each_variant(form)):
        for key, value in fields.items():
            if value == "":
                fields[key] = None
    return form


def visibility_normal_is_visible(form: Form, ctx: NormContext) -> Form:
    """Product ``visibility``: ``normal`` (some read-side docs) is ``visible``."""
    if "visibility" in form["fields"]:
        form["fields"]["visibility"] = read_visibility(form["fields"]["visibility"])
    return form


def negative_stock_allowed_bool(form: Form, ctx: NormContext) -> Form:
    """Variant ``negativeStockAllowed`` as a bool: the read side says ``yes``, ``yes-global``
    or ``no-global`` (the shop-wide default), the write side takes true/false."""
    for v in _each_variant(form):
        if "negativeStockAllowed" in v:
            v["negativeStockAllowed"] = read_negative_stock_allowed(v["negativeStockAllowed"])
    return form


def stock_per_stock_id(form: Form, ctx: NormContext) -> Form:
    """Variant ``stock`` as ``{stock id: amount}``: a scalar means the default stock (shop.yaml
    ``defaultStock``, else Shoptet's ``defaultStockId``). Only the stock ids stated are
    managed. ``stock: null`` manages no stock (there is nothing to clear: an amount is always
    some number), so it becomes an empty mapping."""
    for v in _each_variant(form):
        if "stock" not in v:
            continue
        stock = v["stock"]
        if stock is None:
            v["stock"] = {}
        elif isinstance(stock, dict):
            v["stock"] = {int(k): amount for k, amount in stock.items()}
        else:
            v["stock"] = {ctx.default_stock_id: stock}
    return form


def decimal_canonical(form: Form, ctx: NormContext) -> Form:
    """Prices, VAT rates, weights and amounts compared as numbers: ``"1.000"`` equals ``1``
    (Shoptet answers with fixed decimals: price 2, stock and weight 3). Each becomes its
    canonical text (``"123.45"``, ``"1"``). Runs after ``stock_per_stock_id``."""
    for v in _each_variant(form):
        for key in DECIMAL_FIELDS & v.keys():
            v[key] = canonical_decimal(v[key])
        if isinstance(v.get("stock"), dict):
            v["stock"] = {k: canonical_decimal(a) for k, a in v["stock"].items()}
    return form


def guid_lowercase(form: Form, ctx: NormContext) -> Form:
    """Category GUIDs in lower case (Shoptet's GUID pattern is lowercase hex)."""
    fields = form["fields"]
    for key in GUID_FIELDS & fields.keys():
        if isinstance(fields[key], str):
            fields[key] = fields[key].lower()
    for key in GUID_LIST_FIELDS & fields.keys():
        if isinstance(fields[key], list):
            fields[key] = [g.lower() for g in fields[key]]
    return form


def categories_as_set(form: Form, ctx: NormContext) -> Form:
    """``categories`` is a set: sorted, without duplicates, and including ``defaultCategory``
    when both are stated (Shoptet lists the default category among all categories). Order is
    not managed (Shoptet does not keep it). Runs after ``guid_lowercase``."""
    fields = form["fields"]
    if isinstance(fields.get("categories"), list):
        cats = set(fields["categories"])
        if isinstance(fields.get("defaultCategory"), str):
            cats.add(fields["defaultCategory"])
        fields["categories"] = sorted(cats)
    return form


def parameters_mapping(form: Form, ctx: NormContext) -> Form:
    """Variant ``parameters`` as a mapping sorted by parameter: ``null`` and ``{}`` both mean
    "no parameters", and the order they were written (or read) in carries no meaning. The
    diff then replaces the desired side's names by the registry's slugs
    (``plan.param_changes``); the live side is read as slugs already."""
    for v in _each_variant(form):
        if "parameters" in v:
            v["parameters"] = dict(sorted((v["parameters"] or {}).items()))
    return form


def objects_canonical(form: Form, ctx: NormContext) -> Form:
    """Pricelist-row objects (``actionPrice``, ``purchasePrice``, ``orderableAmount``): their
    decimals as canonical text, and an object that means nothing as null: Shoptet answers a
    cleared action price as null but a cleared purchase price as ``{price: null, vatRate:
    "21.00", ...}`` (it keeps the VAT rate), and no orderable limits as two nulls. Parts a
    desired object leaves out stay out (the diff compares only the parts stated)."""
    for v in _each_variant(form):
        for name in OBJECT_FIELDS.keys() & v.keys():
            v[name] = canonical_object(OBJECT_FIELDS[name], v[name])
    return form


def canonical_object(field: F.Field, value: Any) -> Any:
    """One object's canonical form (see ``objects_canonical``); not a mapping: as it is."""
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for part in field.parts:
        if part.name not in value:
            continue
        item = value[part.name]
        if part.kind is F.Kind.DECIMAL and item is not None:
            item = canonical_decimal(item)
        elif part.kind is F.Kind.DATE and item is not None:
            item = str(item)[:10]  # a date-time would carry a time nobody manages
        out[part.name] = item
    if field.key_part is not None:
        return None if field.key_part in out and out[field.key_part] is None else out
    # only a whole object of nulls is "none": ``{minimumAmount: null}`` clears just that part
    complete = len(out) == len(field.parts)
    return None if complete and all(v is None for v in out.values()) else out


def prices_per_pricelist(form: Form, ctx: NormContext) -> Form:
    """Variant ``prices`` (rows in other pricelists) as ``{pricelist: {field: value}}`` with
    each row's values canonical as the variant's own (``decimal_canonical``,
    ``objects_canonical``). Only the fields a desired row states are there; a live row has
    them all. The diff then resolves the desired side's pricelist names to ids; the live
    side is keyed by id already."""
    for v in _each_variant(form):
        if isinstance(v.get(F.PRICES), dict):
            v[F.PRICES] = {str(key): price_row_form(row) for key, row in v[F.PRICES].items()}
    return form


def price_row_form(row: Any) -> dict[str, Any]:
    if isinstance(row, dict):
        values = dict(row)
    else:  # a desired row: a ``model.PricelistPrices``, managed fields only
        values = {name: getattr(row, name) for name in row.model_fields_set}
    for key in DECIMAL_FIELDS & values.keys():
        values[key] = canonical_decimal(values[key])
    for name in OBJECT_FIELDS.keys() & values.keys():
        values[name] = canonical_object(OBJECT_FIELDS[name], values[name])
    return values


def flags_by_code(form: Form, ctx: NormContext) -> Form:
    """Product ``flags`` as a mapping sorted by flag, each ``{dateFrom, dateTo}`` (set) or
    None (unset); a date-time is cut to its date. The diff then resolves the desired side's
    titles to codes (``PlanContext.flags``); the live side is read as codes."""
    fields = form["fields"]
    if isinstance(fields.get("flags"), dict):
        fields["flags"] = {
            name: None
            if value is None
            else {k: None if value.get(k) is None else str(value[k])[:10] for k in _FLAG_DATES}
            for name, value in sorted(fields["flags"].items())
        }
    return form


_FLAG_DATES = ("dateFrom", "dateTo")


def image_alt_empty_is_none(form: Form, ctx: NormContext) -> Form:
    """An image's empty alt text is no alt text (Shoptet answers ``null`` or ``""`` for a
    cleared description). A desired item keeps ``alt`` only when the YAML states it (left
    out: the shop's text stays, ``plan.images``)."""
    images = form["fields"].get("images")
    if isinstance(images, list):
        form["fields"]["images"] = [
            {**i, "alt": None} if isinstance(i, dict) and i.get("alt") == "" else i for i in images
        ]
    return form


def stated_parts(name: str, want: Any, have: Any) -> Any:
    """The live value as far as the catalog manages it (the diff's ``before``, apply's
    compare-before-write): of an object field only the parts the desired value states; the
    others stay as the shop has them and are neither compared nor written."""
    if name == "flags" and isinstance(want, dict):  # only the flags the YAML names
        return {code: (have or {}).get(code) for code in want}
    field = OBJECT_FIELDS.get(name)
    if field is None or not isinstance(want, dict):
        return have
    if isinstance(have, dict):
        return {k: have.get(k) for k in want}
    if have is None and field.key_part is None:
        return dict.fromkeys(want)  # e.g. no orderable limits live: each stated part is null
    return have


Rule = Callable[[Form, NormContext], Form]

RULES: tuple[tuple[str, Rule], ...] = tuple(
    (rule.__name__, rule)
    for rule in (
        code_uppercase,
        text_nfc,
        html_trim,
        empty_text_is_null,
        visibility_normal_is_visible,
        negative_stock_allowed_bool,
        stock_per_stock_id,
        decimal_canonical,
        guid_lowercase,
        categories_as_set,
        parameters_mapping,
        objects_canonical,
        prices_per_pricelist,
        flags_by_code,
        image_alt_empty_is_none,
    )
)
RULES_BY_NAME: dict[str, Rule] = dict(RULES)


# ---------------------------------------------------------------------------------------------
# The rules compiled per field. Every rule above changes only the value of its own key (one
# exception: ``categories_as_set`` also reads ``defaultCategory``), so a field's canonical value
# is its raw value through the rules that concern its name, in RULES' order. ``compiled_form``
# does that inline for the common value types and hands any other value to the rules
# themselves, run on a form holding that one value (``_by_rules``).

COMPILED = True  # False: every form by the rules (tests compare the two)


def _by_rules(level: str, name: str, value: Any, stock_id: int) -> Any:
    """``value`` of field ``name`` through ``RULES`` in a form holding nothing else (not for
    ``categories``, which also reads ``defaultCategory``)."""
    if level == "product":
        form: Form = {"fields": {name: value}, "variants": {}}
    else:
        form = {"fields": {}, "variants": {"": {name: value}}}
    ctx = NormContext(stock_id)
    for _name, rule in RULES:
        form = rule(form, ctx)
    return form["fields"][name] if level == "product" else form["variants"][""][name]


class _Unusual(Exception):
    """A value the compiled form leaves to the rules."""


# How the compiled form treats a field name: which rules concern it beside text_nfc and
# empty_text_is_null (the names come from the same sets the rules use).
_SKIP, _PLAIN, _DECIMAL, _STOCK, _NEGATIVE, _HTML, _GUID, _CATEGORIES, _VISIBILITY, _OTHER = range(
    10
)


def _product_kind(name: str) -> int:
    if name in ("variants", "absent"):
        return _SKIP
    if name == "categories":  # GUID_LIST_FIELDS + categories_as_set
        return _CATEGORIES
    if name in HTML_FIELDS:
        return _HTML
    if name in GUID_FIELDS:
        return _GUID
    if name == "visibility":
        return _VISIBILITY
    if name in GUID_LIST_FIELDS or name in ("flags", "images"):
        return _OTHER
    return _PLAIN


def _variant_kind(name: str) -> int:
    if name in VARIANT_DIRECTIVES:
        return _SKIP
    if name in DECIMAL_FIELDS:
        return _DECIMAL
    if name == "stock":
        return _STOCK
    if name == "negativeStockAllowed":
        return _NEGATIVE
    if name in OBJECT_FIELDS or name in ("parameters", F.PRICES):
        return _OTHER
    return _PLAIN


# name -> kind for every field the models have (a plain dict: the quickest lookup); a name
# not here is worked out and added on first use.
_PRODUCT_KINDS = {name: _product_kind(name) for name in Product.model_fields}
_VARIANT_KINDS = {name: _variant_kind(name) for name in Variant.model_fields}
# Names whose null the rules keep a null (all but variant stock and parameters: ``{}``).
_NULL_KEPT_PRODUCT = frozenset(
    f.name for f in F.PRODUCT if _by_rules("product", f.name, None, 1) is None
)
_NULL_KEPT_VARIANT = frozenset(
    name
    for name in (*F.names(F.VARIANT), F.PRICES)
    if name not in VARIANT_DIRECTIVES and _by_rules("variant", name, None, 1) is None
)


def _text(value: str) -> str | None:
    """text_nfc, then empty_text_is_null."""
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    return None if value == "" else value


def compiled_form(product: Any, ctx: NormContext) -> Form:
    """``normalize_by_rules(product, ctx)``, field by field. Raises ``_Unusual`` or the error a
    value gives (``normalize_product`` then asks the rules, which raise theirs)."""
    kinds = _PRODUCT_KINDS
    fields: dict[str, Any] = {}
    stated = product.model_fields_set
    for name in stated:
        kind = kinds.get(name)
        if kind is None:
            kind = kinds[name] = _product_kind(name)
        if kind is _SKIP:
            continue
        value = getattr(product, name)
        if value is None and name in _NULL_KEPT_PRODUCT:
            fields[name] = None
        elif kind is _PLAIN and type(value) is str:
            fields[name] = _text(value)
        elif kind is _HTML and type(value) is str:
            text = value if value.isascii() else unicodedata.normalize("NFC", value)
            text = text.replace("\r\n", "\n").replace("\r", "\n").strip()  # html_trim
            fields[name] = None if text == "" else text
        elif kind is _GUID and type(value) is str:
            guid = _text(value)
            fields[name] = None if guid is None else guid.lower()
        elif kind is _VISIBILITY and type(value) is str:
            fields[name] = read_visibility(_text(value))
        elif kind is _CATEGORIES:
            fields[name] = _categories(product, value, "defaultCategory" in stated)
        elif kind is _PLAIN and (type(value) is bool or type(value) is int):
            fields[name] = value  # never equal to ""
        else:
            fields[name] = _by_rules("product", name, value, ctx.default_stock_id)
    return {"fields": fields, "variants": _variant_forms(product, ctx.default_stock_id)}


def _categories(product: Any, value: Any, default_stated: bool) -> Any:
    """text_nfc, guid_lowercase, categories_as_set (with the side's canonical
    ``defaultCategory`` when it states one)."""
    if value is None:
        return None
    if type(value) is not list:
        raise _Unusual
    cats = set()
    for g in value:
        if type(g) is not str:
            raise _Unusual
        cats.add((g if g.isascii() else unicodedata.normalize("NFC", g)).lower())
    if default_stated:
        default = product.defaultCategory
        if type(default) is str:
            default = _text(default)
            if default is not None:
                cats.add(default.lower())
        elif default is not None:
            raise _Unusual
    return sorted(cats)


def _variant_forms(product: Any, stock_id: int) -> dict[str, Any]:
    kinds, null_kept = _VARIANT_KINDS, _NULL_KEPT_VARIANT
    variants: dict[str, Any] = {}
    for code, variant in (product.variants or {}).items():
        if getattr(variant, "absent", False):
            continue
        form: dict[str, Any] = {}
        values = variant.__dict__  # a model's field values (KeyError otherwise: the rules)
        for name in variant.model_fields_set:
            value = values[name]
            if value is None and name in null_kept:  # most live fields: first, and no more
                form[name] = None
                continue
            kind = kinds.get(name)
            if kind is None:
                kind = kinds[name] = _variant_kind(name)
            if kind is _SKIP:
                continue
            kind_of_value = type(value)
            if kind is _DECIMAL and kind_of_value is Decimal:
                form[name] = canonical_decimal(value)
            elif kind is _PLAIN and kind_of_value is str:
                form[name] = _text(value)
            elif kind_of_value is bool and (kind is _PLAIN or kind is _NEGATIVE):
                form[name] = value
            elif kind is _STOCK and kind_of_value is dict:
                form[name] = {int(k): canonical_decimal(a) for k, a in value.items()}
            elif kind is _STOCK and (kind_of_value is Decimal or kind_of_value is int):
                form[name] = {stock_id: canonical_decimal(value)}
            elif kind is _PLAIN and (kind_of_value is int or kind_of_value is Decimal):
                form[name] = value  # never equal to ""
            else:
                form[name] = _by_rules("variant", name, value, stock_id)
        variants[code.strip().upper()] = form  # code_uppercase
    return variants
