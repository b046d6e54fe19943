"""What a pricelist row of ``PATCH /api/pricelists/{id}`` does beyond storing its values
(issue 17), as Shoptet's OpenAPI file describes updatePricelist (SPEC = the file):

- ``price`` "directly sets price of product, without recalculating" (SPEC:L14963);
  ``priceWithVat`` sets it "respecting it is price **with** VAT and thus recalculating if
  needed", ``priceWithoutVat`` likewise **without** VAT (SPEC:L14965-14970). So a price with
  VAT written to a row kept without VAT is stored divided by (1 + rate), and the other way
  round, for ``price``, ``commonPrice`` and the action price (2 decimals, half up);
- "For non-vat payer e-shops, ``vatRate`` and ``includingVat`` fields are forbidden to use and
  fields ``price``, ``priceWithVat`` and ``priceWithoutVat`` all works the same"
  (SPEC:L14976-14980): such a row is refused, per item;
- ``sales`` (SPEC pricelistUpdate, L48836-48875) and ``priceRatio`` (L48891-48895) are
  stored and read back (with 3 decimals, SPEC typeProductPriceRatio); ``minPriceRatio`` is
  "from ``0.0000`` to ``1.0000``" (SPEC:L46657), so a larger one is refused, per item.

Per-item refusals use the wording of the file's documented examples (``invalid-request-data``,
"Input data for code ... is not correct. ... Code skipped.").

UNFINISHED: "If you set ``includingVat`` or ``vatRate`` field, current data for product (or
variant) will be recalculated" (SPEC:L14959) is not modelled: the file does not say which way
(keeping the price with VAT or without it), so the stored prices stay as they are.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from reconciler.sandbox.state import dec

__all__ = ["PRICE_OBJECTS", "converted", "row_refusal", "store_sales"]

# The three objects that set prices, in the order a row is applied (``price`` last: it sets
# the value as given, whatever the others recalculated).
PRICE_OBJECTS = ("priceWithoutVat", "priceWithVat", "price")
_CENTS = Decimal("0.01")
_MAX_MIN_PRICE_RATIO = Decimal("1.0000")


def row_refusal(row: dict, *, vat_payer: bool) -> str | None:
    """Why Shoptet skips this row before storing anything (None: it does not)."""
    head = f'Input data for code "{row["code"]}" is not correct.'
    if not vat_payer and ("vatRate" in row or "includingVat" in row):
        field = "vatRate" if "vatRate" in row else "includingVat"
        return f'{head} The e-shop is not a VAT payer: "{field}" cannot be used. Code skipped.'
    ratio = (row.get("sales") or {}).get("minPriceRatio")
    if ratio is not None and dec(ratio) > _MAX_MIN_PRICE_RATIO:
        return f'{head} Invalid "minPriceRatio" value (0.0000 to 1.0000). Code skipped.'
    return None


def converted(value: Any, source: str, with_vat: bool, rate: Decimal, *, vat_payer: bool) -> Any:
    """A price given in ``source`` (one of ``PRICE_OBJECTS``) as a row kept ``with_vat`` (or
    not) at ``rate`` percent stores it (the row's values after the same row's ``vatRate`` and
    ``includingVat``). ``price`` and a non-VAT payer's prices are stored as given."""
    if value is None or source == "price" or not vat_payer:
        return value
    factor = 1 + rate / 100
    if source == "priceWithVat" and not with_vat:
        return str((dec(value) / factor).quantize(_CENTS, ROUND_HALF_UP))
    if source == "priceWithoutVat" and with_vat:
        return str((dec(value) * factor).quantize(_CENTS, ROUND_HALF_UP))
    return value


def store_sales(target: dict, row: dict) -> None:
    """``sales`` merged part by part, ``priceRatio`` from whichever price object gives it."""
    if row.get("sales"):
        target["sales"] = {**(target.get("sales") or {}), **row["sales"]}
    for source in PRICE_OBJECTS:
        ratio = (row.get(source) or {}).get("priceRatio")
        if ratio is not None:
            target["priceRatio"] = ratio
