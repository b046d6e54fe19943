"""Parsing catalog values from YAML text: pure functions, each raising a finished message.

The YAML loader hands every plain scalar over as text; these functions turn text (or ready
Python values from code that builds models directly) into the typed value, and refuse
anything that would need a guess: floats, exponent forms, yes/no booleans, lowercase codes.
``reconciler.model`` wires them into the pydantic models.

Errors are ``PydanticCustomError`` of type ``catalog`` with a finished message; an optional
``at`` in the context names the mapping key or list index inside the field the problem is about
(the loader uses it to point at the exact YAML position).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic_core import PydanticCustomError

GUID_PATTERN = r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$"
CODE_PATTERN = r"^[A-Z0-9_/ .-]+$"
CODE_MAX_LENGTH = 64
MAX_VARIANTS = 512
VISIBILITIES = (
    "visible",
    "hidden",
    "blocked",
    "show-registered",
    "block-unregistered",
    "cash-desk-only",
    "detail-only",
)
PRODUCT_TYPES = ("product", "bazar", "service", "gift-certificate", "product-set")

_GUID_RE = re.compile(GUID_PATTERN)
CODE_RE = re.compile(CODE_PATTERN)
_CODE_CHARS_RE = re.compile(r"^[A-Za-z0-9_/ .-]+$")
_DECIMAL_RE = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_INT_RE = re.compile(r"^-?[0-9]+$")
_MAX_INT_DIGITS = 15
_TRUE = ("true", "True", "TRUE")
T = TypeVar("T")
_FALSE = ("false", "False", "FALSE")


def fail(message: str, at: Any = None) -> PydanticCustomError:
    """A model error with a finished message; ``at`` is a key/index inside the field."""
    ctx = {"at": at} if at is not None else None
    return PydanticCustomError("catalog", message, ctx)


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        close = [c for c in choices if c.lower() == word.lower()]
    return f" (did you mean '{close[0]}'?)" if close else ""


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, float):
        return "a float"
    return type(value).__name__


# ---------------------------------------------------------------------------------------------
# Value parsers (pure functions; each raises a finished message)


def parse_text(value: Any) -> str:
    """Text, normalised to NFC so composed and decomposed spellings compare equal."""
    if type(value) is str and value.isascii():
        return value  # NFC leaves ASCII as it is
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    raise fail(f"must be text, not {_kind(value)}")


# Texts parse_guid accepted: a catalog names its few categories in every
# product. Bounded as the decimal memo (whatever it holds is a valid GUID, so a full memo only
# costs the regular expression again).
_KNOWN_GUIDS: set[str] = set()
_KNOWN_GUIDS_MAX = 10_000


def parse_guid(value: Any) -> str:
    if type(value) is str and value in _KNOWN_GUIDS:
        return value
    if not isinstance(value, str):
        raise fail(f"must be a GUID (text), not {_kind(value)}")
    if _GUID_RE.fullmatch(value):  # not match: its $ would take a GUID with a newline after
        if type(value) is str and len(_KNOWN_GUIDS) < _KNOWN_GUIDS_MAX:
            _KNOWN_GUIDS.add(value)
        return value
    if _GUID_RE.fullmatch(value.lower()):
        raise fail(f"GUID '{value}' must be lowercase: write '{value.lower()}'")
    raise fail(
        f"'{value}' is not a Shoptet GUID (8-4-4-4-12 lowercase hex digits, e.g. "
        "'1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed'); `shoptet-catalog new-guid` prints a new one"
    )


def path_changing(code: str) -> bool:
    """True if ``code`` has a part that a URL path would treat as structure, not text.

    Split at ``/``: an empty part (leading, trailing or double ``/``) or a ``.``/``..`` part
    is collapsed or resolved by path normalisation (in httpx, proxies or the server after it
    decodes ``%2F``), so the request would reach another resource than the code names.
    """
    return any(part in ("", ".", "..") for part in code.split("/"))


# A code that passes every rule below at a glance: no slash, no space, not only dots.
_PLAIN_CODE_RE = re.compile(rf"[A-Z0-9_.-]{{1,{CODE_MAX_LENGTH}}}")


def parse_code(value: Any) -> str:
    """A variant code exactly as written; lowercase is refused with the uppercase spelling."""
    if type(value) is str and _PLAIN_CODE_RE.fullmatch(value) and value not in (".", ".."):
        return value  # the common case, checked once instead of rule by rule
    if not isinstance(value, str):
        raise fail(f"variant code must be text, not {_kind(value)}")
    if not value:
        raise fail("variant code must not be empty")
    if len(value) > CODE_MAX_LENGTH:
        raise fail(f"variant code '{value}' is longer than {CODE_MAX_LENGTH} characters")
    if not _CODE_CHARS_RE.match(value):
        bad = sorted({c for c in value if not _CODE_CHARS_RE.match(c)})
        raise fail(
            f"variant code '{value}' contains {', '.join(repr(c) for c in bad)}: Shoptet codes "
            "allow only letters A-Z, digits, space, '_', '/', '-' and '.'"
        )
    if value != value.strip():
        raise fail(f"variant code '{value}' must not start or end with a space")
    if path_changing(value):
        raise fail(
            f"variant code '{value}' would change the URL path it is sent in (Shoptet addresses "
            "a variant as /api/products/code/CODE): a code must not be '.' or '..', have a '.' "
            "or '..' part between slashes, start or end with '/' or contain '//'; rename it"
        )
    if not CODE_RE.match(value):
        raise fail(
            f"variant code '{value}' must be uppercase (Shoptet stores codes uppercase): "
            f"write '{value.upper()}'"
        )
    return value


# One Decimal per distinct spelling (a catalog repeats "21.00" and its prices thousands of
# times; a Decimal is immutable, so sharing is safe). Bounded so odd input cannot grow it.
_DECIMAL_MEMO: dict[str, Decimal] = {}
_DECIMAL_MEMO_MAX = 100_000


def _decimal_of(text: str) -> Decimal:
    number = _DECIMAL_MEMO.get(text)
    if number is None:
        number = Decimal(text)
        if len(_DECIMAL_MEMO) < _DECIMAL_MEMO_MAX:
            _DECIMAL_MEMO[text] = number
    return number


# What parse_decimal returned for a text and its rules: a catalog states the same prices and
# rates thousands of times, and the checks below cost more than a lookup. Only results are
# kept (an error is raised again each time); bounded as _DECIMAL_MEMO.
_PARSED_MEMO: dict[tuple, Decimal] = {}


def remembered(check: Callable[[Any], T]) -> Callable[[Any], T]:
    """``check`` (pure) answering a text it accepted before from memory, bounded as
    ``_PARSED_MEMO``: a validator runs for every price of every variant, and a catalog repeats
    its prices. An error is raised again each time; other values are checked each time."""
    memo: dict[str, T] = {}

    def checked(value: Any) -> T:
        if type(value) is not str:
            return check(value)
        known = memo.get(value, _MISSING)
        if known is _MISSING:
            known = check(value)
            if len(memo) < _DECIMAL_MEMO_MAX:
                memo[value] = known
        return known

    return checked


_MISSING: Any = object()


def parse_decimal(
    value: Any,
    *,
    places: int,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
) -> Decimal:
    if type(value) is str:
        key = (value, places, minimum, maximum)
        known = _PARSED_MEMO.get(key)
        if known is None:
            known = _parse_decimal(value, places=places, minimum=minimum, maximum=maximum)
            if len(_PARSED_MEMO) < _DECIMAL_MEMO_MAX:
                _PARSED_MEMO[key] = known
        return known
    return _parse_decimal(value, places=places, minimum=minimum, maximum=maximum)


def _parse_decimal(
    value: Any,
    *,
    places: int,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
) -> Decimal:
    if isinstance(value, bool | float):
        raise fail(f"must be a decimal number written as text or digits, not {_kind(value)}")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise fail("must be a finite number")
        number = value
    elif isinstance(value, str):
        text = value
        if not _DECIMAL_RE.match(text):
            low = text.strip().lower().lstrip("+-")
            if low in (".inf", "inf", "infinity", ".nan", "nan"):
                raise fail(f"must be a finite number, not '{text}'")
            if re.fullmatch(r"-?[0-9]+,[0-9]+", text):
                raise fail(f"use a dot as the decimal separator: '{text.replace(',', '.')}'")
            try:
                as_exp = (
                    Decimal(text) if re.fullmatch(r"[-+]?[0-9.]+[eE][-+]?[0-9]+", text) else None
                )
            except InvalidOperation:  # pragma: no cover - the regex admits only valid forms
                as_exp = None
            if as_exp is not None and as_exp.is_finite():
                raise fail(
                    f"write the number in plain digits, not in exponent form '{text}' "
                    f"(e.g. '{as_exp:f}')"
                )
            raise fail(f"must be a decimal number like 123.45, not '{text}'")
        number = _decimal_of(text)
    else:
        raise fail(f"must be a decimal number, not {_kind(value)}")
    if number and number.adjusted() >= _MAX_INT_DIGITS:
        raise fail(f"is too large ({value}); at most {_MAX_INT_DIGITS} digits before the point")
    step = Decimal(1).scaleb(-places)
    if number != number.quantize(step, rounding="ROUND_DOWN"):
        raise fail(f"allows at most {places} decimal places, got '{value}'")
    if minimum is not None and number < minimum:
        raise fail(f"must be at least {minimum}, got '{value}'")
    if maximum is not None and number > maximum:
        raise fail(f"must be at most {maximum}, got '{value}'")
    return number


def parse_bool(value: Any) -> bool:
    """YAML 1.2 booleans only: true/false (also True/TRUE/False/FALSE)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise fail(
            f"must be true or false, not '{value}' (YAML 1.2: yes/no/on/off are not booleans)"
        )
    raise fail(f"must be true or false, not {_kind(value)}")


def parse_int(value: Any, *, minimum: int | None = None) -> int:
    if type(value) is int:  # the JSON of a kept product; bool is not ``type`` int
        if minimum is None or value >= minimum:
            return value
        raise fail(f"must be at least {minimum}, got {value}")
    if isinstance(value, bool):
        raise fail("must be a whole number, not a boolean")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _INT_RE.match(value) and len(value) <= _MAX_INT_DIGITS:
        number = int(value)
    else:
        shown = f"'{value}'" if isinstance(value, str) else _kind(value)
        raise fail(f"must be a whole number, not {shown}")
    if minimum is not None and number < minimum:
        raise fail(f"must be at least {minimum}, got {number}")
    return number


def choice_of(values: tuple[str, ...], what: str):
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise fail(f"{what} must be text, not {_kind(value)}")
        if value in values:
            return value
        raise fail(
            f"unknown {what} '{value}'{did_you_mean(value, values)}; one of: {', '.join(values)}"
        )

    return check


# Stock ids written as text that parse_int took (``"1"`` -> 1), for ``_known_stock``.
_STOCK_IDS: dict[str, int] = {}


def _known_stock(value: dict) -> dict[int, Decimal] | None:
    """The mapping from texts parsed before (ids and amounts alike), without a call per
    entry; None when any is new or an id repeats (then the full check words it)."""
    out: dict[int, Decimal] = {}
    for key, amount in value.items():
        if type(key) is not str or type(amount) is not str:
            return None
        stock_id = _STOCK_IDS.get(key)
        number = _PARSED_MEMO.get((amount, 3, None, None))  # parse_decimal(amount, places=3)
        if stock_id is None or number is None or stock_id in out:
            return None
        out[stock_id] = number
    return out


def parse_stock(value: Any) -> Decimal | dict[int, Decimal]:
    """A scalar (the default stock) or a mapping stock id -> physical amount."""
    if isinstance(value, dict):
        known = _known_stock(value)
        if known is not None:
            return known
        out: dict[int, Decimal] = {}
        for key, amount in value.items():
            try:
                stock_id = parse_int(key, minimum=1)
            except PydanticCustomError:
                raise fail(
                    f"stock id must be a whole number 1 or more, not '{key}'", at=key
                ) from None
            if type(key) is str and len(_STOCK_IDS) < _DECIMAL_MEMO_MAX:
                _STOCK_IDS[key] = stock_id
            if stock_id in out:
                raise fail(f"stock id {stock_id} is given twice", at=key)
            try:
                out[stock_id] = parse_decimal(amount, places=3)
            except PydanticCustomError as err:
                raise fail(f"stock {stock_id}: {err.message()}", at=key) from None
        return out
    if isinstance(value, list):
        raise fail("must be an amount or a mapping stock id -> amount, not a list")
    return parse_decimal(value, places=3)


def parse_parameters(value: Any) -> dict[str, str]:
    """Variant parameters: a mapping parameter -> value, each by the name the admin shows
    (``{Hmotnost: 250 g}``) or by Shoptet's index slug (``{hmotnost: 250-g}``). ``null`` or
    ``{}``: the variant has none. Resolved against the shop's registry at plan time."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise fail(
            f"must be a mapping parameter -> value (e.g. {{Hmotnost: 250 g}}), not {_kind(value)}"
        )
    out: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise fail(f"a parameter name must be text, not {_kind(key)}", at=key)
        if not key.strip():
            raise fail("a parameter name must not be empty", at=key)
        if isinstance(item, bool) or not isinstance(item, str | int | Decimal):
            raise fail(f"parameter {key!r}: the value must be text, not {_kind(item)}", at=key)
        text = unicodedata.normalize("NFC", str(item)).strip()
        if not text:
            raise fail(f"parameter {key!r}: the value must not be empty", at=key)
        name = unicodedata.normalize("NFC", key).strip()
        if name in out:
            raise fail(f"parameter {name!r} is given twice", at=key)
        out[name] = text
    return out


def parse_guid_list(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise fail(f"must be a list of category GUIDs, not {_kind(value)}")
    if not value:
        # Shoptet keeps every product in at least its default category, so [] never converges.
        raise fail(
            "must list at least one category (Shoptet always keeps the default category); "
            "leave `categories` out to not manage it"
        )
    return _distinct_guids(value, "category '{}' is listed twice")


def _distinct_guids(value: list[Any], twice: str) -> list[str]:
    """Each item parsed as a GUID, each once (``twice``: the message, ``{}`` the GUID)."""
    try:  # every item a text accepted before (a str subclass equal to one is returned as is,
        # as parse_guid returns it), none twice
        known = _KNOWN_GUIDS.issuperset(value) and len(set(value)) == len(value)
    except TypeError:  # an item that is a list or a mapping
        known = False
    if known:
        return list(value)
    seen: set[str] = set()
    out = []
    for i, item in enumerate(value):
        try:
            guid = parse_guid(item)
        except PydanticCustomError as err:
            raise fail(err.message(), at=i) from None
        if guid in seen:
            raise fail(twice.format(guid), at=i)
        seen.add(guid)
        out.append(guid)
    return out


# ---------------------------------------------------------------------------------------------
# Pricelist-row objects (issue 17): actionPrice, purchasePrice, orderableAmount


def is_calendar_date(text: str) -> bool:
    """``YYYY-MM-DD`` naming a real day (no clock or datetime: this module is pure)."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return False
    year, month, day = (int(p) for p in text.split("-"))
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    return year >= 1 and 1 <= month <= 12 and 1 <= day <= days[month - 1]


def parse_date(value: Any) -> str:
    """A calendar date written ``YYYY-MM-DD`` (Shoptet's ``typeDate``), kept as that text."""
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        shown = f"'{value}'" if isinstance(value, str) else _kind(value)
        raise fail(f"must be a date written YYYY-MM-DD (e.g. 2026-12-24), not {shown}")
    if not is_calendar_date(value):
        raise fail(f"'{value}' is not a calendar date")
    return value


def _price_part(value: Any) -> Decimal:
    number = parse_decimal(value, places=2)
    if number < 0:
        raise fail(f"a price cannot be negative, got '{value}'")
    return number


def _object(value: Any, parsers: dict[str, Any], example: str) -> dict[str, Any]:
    """A mapping of the keys ``parsers`` knows, each parsed (``null`` allowed: it clears that
    part); a key left out is not in the result (the caller decides what that means)."""
    if not isinstance(value, dict):
        raise fail(f"must be a mapping like {example}, not {_kind(value)}")
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key not in parsers:
            raise fail(
                f"unknown key '{key}'{did_you_mean(str(key), tuple(parsers))}; "
                f"allowed: {', '.join(parsers)}",
                at=key,
            )
        if item is None:
            out[key] = None
            continue
        try:
            out[key] = parsers[key](item)
        except PydanticCustomError as err:
            raise fail(f"{key} {err.message()}", at=key) from None
    return out


def parse_action_price(value: Any) -> dict[str, Any]:
    """``{price, fromDate, toDate}``: managed whole, so a date left out is no date (Shoptet
    uses an action price only while its dates are set). ``toDate`` before ``fromDate`` is
    refused; the comparison with the regular price is the variant's (``model.Variant``)."""
    parsers = {"price": _price_part, "fromDate": parse_date, "toDate": parse_date}
    out = _object(value, parsers, "{price: 179.00, fromDate: 2026-12-01, toDate: 2026-12-24}")
    if out.get("price") is None:
        raise fail(
            "an action price needs its price (write actionPrice: null to end the action price)"
        )
    out = {"price": out["price"], "fromDate": out.get("fromDate"), "toDate": out.get("toDate")}
    if out["fromDate"] and out["toDate"] and out["toDate"] < out["fromDate"]:
        raise fail(
            f"toDate {out['toDate']} is before fromDate {out['fromDate']}; swap them or fix "
            "the date",
            at="toDate",
        )
    return out


def parse_purchase_price(value: Any) -> dict[str, Any]:
    """``{price, vatRate, includingVat}`` (Shoptet's ``prices.purchasePrice``); a bare number
    is the price alone. Parts left out stay as the shop has them."""
    if not isinstance(value, dict):
        return {"price": _price_part(value)}
    parsers = {
        "price": _price_part,
        "vatRate": lambda v: parse_decimal(v, places=2, minimum=Decimal(0)),
        "includingVat": parse_bool,
    }
    out = _object(value, parsers, "{price: 120.00, vatRate: 21, includingVat: true}")
    if out.get("price") is None:
        raise fail("a purchase price needs its price (write purchasePrice: null to remove it)")
    return out


def parse_orderable_amount(value: Any) -> dict[str, Any]:
    """``{minimumAmount, maximumAmount}``: how much one order may hold; a part left out stays
    as the shop has it, ``null`` removes that limit."""
    amount = lambda v: parse_decimal(v, places=3, minimum=Decimal(0))  # noqa: E731
    out = _object(
        value,
        {"minimumAmount": amount, "maximumAmount": amount},
        "{minimumAmount: 1, maximumAmount: 10}",
    )
    if not out:
        raise fail("state minimumAmount, maximumAmount or both (or write null for no limits)")
    low, high = out.get("minimumAmount"), out.get("maximumAmount")
    if low is not None and high is not None and high < low:
        raise fail(f"maximumAmount {high} is below minimumAmount {low}", at="maximumAmount")
    return out


def parse_flags(value: Any) -> dict[str, Any]:
    """Product flags: flag code or title -> ``true`` (set, no dates), ``false`` (unset), or
    ``{from, to}`` (set for those dates; either may be left out). Flags not named are left
    as the shop has them. Names are resolved against the shop's flags at plan time."""
    if not isinstance(value, dict):
        raise fail(
            "must be a mapping flag -> true, false or {from: YYYY-MM-DD, to: YYYY-MM-DD} "
            f"(e.g. {{Akce: {{from: 2026-12-01, to: 2026-12-24}}, Novinka: false}}), not "
            f"{_kind(value)}"
        )
    out: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key.strip():
            raise fail("a flag must be named by its code or title (text)", at=key)
        name = unicodedata.normalize("NFC", key).strip()
        if name in out:
            raise fail(f"flag {name!r} is given twice", at=key)
        if isinstance(item, dict):
            dates = _object(item, {"from": parse_date, "to": parse_date}, "{from: 2026-12-01}")
            start, end = dates.get("from"), dates.get("to")
            if start and end and end < start:
                raise fail(f"flag {name!r}: to {end} is before from {start}", at=key)
            out[name] = {"dateFrom": start, "dateTo": end}
            continue
        try:
            on = parse_bool(item)
        except PydanticCustomError:
            raise fail(
                f"flag {name!r}: write true, false or {{from: YYYY-MM-DD, to: YYYY-MM-DD}}",
                at=key,
            ) from None
        out[name] = {"dateFrom": None, "dateTo": None} if on else None
    return out


COLOR_PATTERN = r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"  # Shoptet's typeColor
_COLOR_RE = re.compile(COLOR_PATTERN)


def canonical_color(value: str) -> str:
    """``D40000``, ``#d40000`` and ``#D40000`` are one colour: ``#d40000`` (a three-digit one
    stays three digits; Shoptet documents no expansion)."""
    return "#" + value.lstrip("#").lower()


def parse_color(value: Any) -> str:
    """A flag colour as Shoptet takes it: hex ``#rrggbb`` or ``#rgb`` (the ``#`` optional)."""
    if not isinstance(value, str) or not _COLOR_RE.match(value.strip()):
        raise fail(
            f"must be a hex colour like '#d40000' (quote it: # starts a YAML comment), not "
            f"{value!r}"
        )
    return canonical_color(value.strip())


_ID_RE = re.compile(r"^-?[0-9]+$")


def parse_reference(value: Any) -> int | str:
    """A shop list entry named by its id (a whole number, negative for Shoptet's system
    entries) or by its name as the admin shows it; the plan resolves a name to the id."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise fail(f"must be an id (a whole number) or a name (text), not {_kind(value)}")
    if isinstance(value, int):
        return value
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise fail("must not be empty: write an id or a name, or null")
    return int(text) if _ID_RE.match(text) else text


def parse_supplier(value: Any) -> str:
    """A supplier by GUID (kept lowercase) or by name; the plan resolves a name to the GUID."""
    if not isinstance(value, str) or not value.strip():
        raise fail(f"must be a supplier GUID or name (text), not {_kind(value)}")
    text = unicodedata.normalize("NFC", value).strip()
    return text.lower() if _GUID_RE.match(text.lower()) else text


MAX_PRODUCT_LINKS = 50  # Shoptet's PUT .../relatedProducts and .../alternativeProducts take 0-50


def parse_product_links(value: Any) -> list[str]:
    """``relatedProducts`` / ``alternativeProducts``: product GUIDs in the order the shop shows
    them, at most 50, each once; ``[]`` clears the list. The product's own GUID and whether the
    targets exist are checked by the loader and the plan (they need more than this value)."""
    if not isinstance(value, list):
        raise fail(
            f"must be a list of product GUIDs (e.g. [1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed]), "
            f"or [] to clear it, not {_kind(value)}"
        )
    if len(value) > MAX_PRODUCT_LINKS:
        raise fail(
            f"lists {len(value)} products; Shoptet keeps at most {MAX_PRODUCT_LINKS}",
            at=MAX_PRODUCT_LINKS,
        )
    return _distinct_guids(value, "product '{}' is listed twice; list each product once")


MAX_DESCRIPTIVE_PRIORITY = 99999  # OpenAPI updateProduct descriptiveParameters[].priority
_DESCRIPTIVE_KEYS = ("name", "value", "description", "priority")


def parse_descriptive_parameters(value: Any) -> list[dict[str, Any]]:
    """The specification table: a list of ``{name, value, description?, priority?}``, each
    name once. Canonical form: every key present, ``priority`` the item's position (1, 2, ...)
    unless stated, sorted by priority (stable) as the shop lists them; ``[]`` clears it."""
    if not isinstance(value, list):
        raise fail(
            "must be a list of {name: ..., value: ...} rows (e.g. [{name: Materiál, value: "
            f"bavlna}}]), or [] to clear it, not {_kind(value)}"
        )
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise fail(
                f"row {i + 1} must be a mapping {{name: ..., value: ...}}, not {_kind(item)}", at=i
            )
        if len(item) == 1 and "name" not in item:  # `- Materiál: bavlna`, the natural slip
            ((key, text),) = item.items()
            if key not in _DESCRIPTIVE_KEYS:
                raise fail(f"row {i + 1}: write {{name: {key}, value: {text}}}", at=i)
        for key in item:
            if key not in _DESCRIPTIVE_KEYS:
                raise fail(
                    f"row {i + 1}: unknown key '{key}'{did_you_mean(str(key), _DESCRIPTIVE_KEYS)}; "
                    f"allowed: {', '.join(_DESCRIPTIVE_KEYS)}",
                    at=i,
                )
        name = item.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 255:
            raise fail(f"row {i + 1}: name must be text of 1-255 characters", at=i)
        name = unicodedata.normalize("NFC", name)
        if name.casefold() in seen:
            raise fail(f"row {i + 1}: '{name}' is given twice; each name once", at=i)
        seen.add(name.casefold())
        row: dict[str, Any] = {"name": name}
        for key in ("value", "description"):
            text = item.get(key)
            if text is not None and not isinstance(text, str):
                raise fail(f"row {i + 1}: {key} must be text, not {_kind(text)}", at=i)
            row[key] = None if text is None else unicodedata.normalize("NFC", text)
        priority = item.get("priority")
        try:
            number = i + 1 if priority is None else parse_int(priority, minimum=0)
        except PydanticCustomError as err:
            raise fail(f"row {i + 1}: priority {err.message()}", at=i) from None
        if number > MAX_DESCRIPTIVE_PRIORITY:
            raise fail(f"row {i + 1}: priority must be at most {MAX_DESCRIPTIVE_PRIORITY}", at=i)
        row["priority"] = number
        rows.append(row)
    return sorted(rows, key=lambda r: r["priority"])


def parse_filtering_parameters(value: Any) -> dict[str, list[str]]:
    """Filtering parameters: parameter (name or code) -> a value or a list of values (names
    or value indexes), e.g. ``{Materiál: [bavlna, len], Barva: červená}``; ``{}`` clears
    them. Resolved against the shop's filtering parameters at plan time."""
    if not isinstance(value, dict):
        raise fail(
            "must be a mapping parameter -> value or [values] (e.g. {Materiál: [bavlna, len]}), "
            f"or {{}} to clear them, not {_kind(value)}"
        )
    out: dict[str, list[str]] = {}
    seen: set[str] = set()
    for key, item in value.items():
        if not isinstance(key, str) or not key.strip():
            raise fail("a filtering parameter must be named by its name or code (text)", at=key)
        name = unicodedata.normalize("NFC", key).strip()
        if name.casefold() in seen:
            raise fail(f"filtering parameter {name!r} is given twice", at=key)
        seen.add(name.casefold())
        items = item if isinstance(item, list) else [item]
        if not items:
            raise fail(
                f"filtering parameter {name!r}: list at least one value, or leave the "
                "parameter out",
                at=key,
            )
        values: list[str] = []
        for one in items:
            if not isinstance(one, str) or not one.strip():
                raise fail(
                    f"filtering parameter {name!r}: a value must be text, not {_kind(one)}",
                    at=key,
                )
            text = unicodedata.normalize("NFC", one).strip()
            if text.casefold() in {v.casefold() for v in values}:
                raise fail(f"filtering parameter {name!r}: value {text!r} is given twice", at=key)
            values.append(text)
        out[name] = values
    return out


# measureUnit: YAML key -> (Shoptet's amount part, Shoptet's unit part)
MEASURE_UNIT_KEYS = {
    "contents": ("packagingAmount", "packagingUnitId"),
    "per": ("measureAmount", "measureUnitId"),
}
MEASURE_UNIT_EXAMPLE = "{contents: 250 g, per: 1 kg}"
# an amount, then its unit after a space or right after the digits (``250 g``, ``250g``)
_AMOUNT_AND_UNIT_RE = re.compile(r"^([0-9][0-9.,]*)(\s+\S.*|[^\s0-9.,].*)$")


def parse_measure_unit(value: Any) -> dict[str, Any]:
    """A variant's unit price basis: ``{contents: 250 g, per: 1 kg}`` (what one piece holds,
    and the amount Shoptet shows its unit price for), each an amount and a measure unit by
    name or id. Managed whole: both are required. The result is Shoptet's four parts; the
    plan resolves the unit names to ids."""
    out = _object(value, dict.fromkeys(MEASURE_UNIT_KEYS, _amount_and_unit), MEASURE_UNIT_EXAMPLE)
    for key in MEASURE_UNIT_KEYS:
        if out.get(key) is None:
            shown = "is missing" if key not in out else "must not be null"
            raise fail(
                f"{key} {shown}: state both contents and per, like {MEASURE_UNIT_EXAMPLE} "
                "(write measureUnit: null to remove the unit price)",
                at=key if key in out else None,
            )
    parts: dict[str, Any] = {}
    for key, (amount_part, unit_part) in MEASURE_UNIT_KEYS.items():
        parts[unit_part] = out[key][1]
        parts[amount_part] = out[key][0]
    return parts


def _amount_and_unit(value: Any) -> tuple[Decimal, int | str]:
    text = unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else None
    found = _AMOUNT_AND_UNIT_RE.match(text) if text else None
    if found is None:
        shown = f"'{value}'" if isinstance(value, str) else _kind(value)
        raise fail(f"must be an amount and its unit, like '250 g' or '1 kg', not {shown}")
    amount = parse_decimal(found.group(1), places=3)
    if amount <= 0:
        raise fail(f"must be more than 0, got '{found.group(1)}'")
    return amount, parse_reference(found.group(2).strip())
