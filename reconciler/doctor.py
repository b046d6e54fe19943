"""`shoptet-catalog doctor`: read-only checks for the first run against a real shop.

Two kinds of check, each ``ok`` / ``not ok`` / ``could not check`` with its evidence:

* **Rights.** Every endpoint plan and apply use. Reads are checked by reading (one small page
  each). Writes cannot be tried without writing, so they are checked against what
  ``GET /api/system/endpoints`` says the token may do (``access`` read / write / both); when
  that list cannot be read, or names no matching endpoint (Shoptet documents its identifiers
  only by the example ``orders``), the check says "cannot check without writing".
* **Assumptions** the tool makes where Shoptet's docs are uncertain (README *First run against
  a real shop*): (a) ``perStockAmounts.amount`` is the available amount, like supplies'
  ``amount``; (b) the ``visibility`` spelling; (c) the date format of ``from``/``changedFrom``;
  (d) a code with ``/`` addressed as ``%2F``; (e) VAT payer; (f) the shop-wide negative-stock
  setting matches the variants' ``*-global`` values; (g) a ``job:finished`` webhook.
* The Orders read right (``read-orders``), advisory: only `export orders` and plans that
  delete or hide products need it.

``required`` checks are ones the tool relies on: one that is ``not ok`` makes doctor exit 1.
Advisory ones (VAT payer, the webhook, the Orders read right) report ``not ok`` without failing the run, with what to
do. Nothing here writes: the client is read-only (a write would raise before being sent).

The report holds no secret: it names the API host, never a token, and is passed through
:func:`reconciler.shoptet.redact.redact` (every token the client knows is masked) at the end.
"""

from __future__ import annotations

import json
import platform
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from reconciler import __version__
from reconciler import errors as E
from reconciler.desired.values import VISIBILITIES
from reconciler.errors import terminal_safe
from reconciler.shoptet import client as C
from reconciler.shoptet.client import DETAIL_INCLUDE
from reconciler.shoptet.dates import shoptet_time
from reconciler.shoptet.redact import redact

OK, NOT_OK, UNKNOWN = "ok", "not ok", "could not check"
PROBE_CODE = "SHOPTET-CATALOG-DOCTOR/PROBE"  # a code no shop has; only ever read
READ_VISIBILITY = frozenset(VISIBILITIES) | {"normal"}  # normalize maps normal -> visible
NEGATIVE_STOCK_SETTINGS = ("allowed", "no-show-product", "no-hide-navigation", "no-hide-product")


@dataclass
class Check:
    id: str
    title: str
    status: str = UNKNOWN
    evidence: list[str] = field(default_factory=list)
    required: bool = True
    advice: str | None = None

    def set(self, status: str, *evidence: str, advice: str | None = None) -> Check:
        self.status = status
        self.evidence.extend(evidence)
        if advice:
            self.advice = advice
        return self


@dataclass
class Report:
    version: str
    python: str
    api: str
    eshop_id: int | None = None
    checks: list[Check] = field(default_factory=list)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.required and c.status == NOT_OK]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def to_dict(self) -> dict:
        return json.loads(redact(json.dumps(asdict(self))))

    def text(self) -> str:
        counts = {s: sum(1 for c in self.checks if c.status == s) for s in (OK, NOT_OK, UNKNOWN)}
        lines = [
            "shoptet-catalog doctor report",
            f"tool version: {self.version} (Python {self.python})",
            f"API: {self.api}",
            f"e-shop id: {self.eshop_id if self.eshop_id is not None else 'unknown'}",
            "",
        ]
        for c in self.checks:
            tag = "" if c.required or c.status == OK else " (advisory)"
            lines.append(f"[{c.status}]{tag} {c.id}: {c.title}")
            lines.extend(f"    {e}" for e in c.evidence)
            if c.advice and c.status != OK:
                lines.append(f"    -> {c.advice}")
        lines += [
            "",
            f"{counts[OK]} ok, {counts[NOT_OK]} not ok, {counts[UNKNOWN]} could not check.",
        ]
        if self.failed:
            names = ", ".join(c.id for c in self.failed)
            lines.append(f"Not ready: {names} (see above). Exit code 1.")
        else:
            lines.append("Nothing the tool relies on is broken.")
        return terminal_safe(redact("\n".join(lines)))


def _api_host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")


def _err(exc: E.ApiError) -> str:
    bits = [f"HTTP {exc.status}" if exc.status else type(exc).__name__]
    if exc.error_code:
        bits.append(exc.error_code)
    if exc.request_id:
        bits.append(f"requestId {exc.request_id}")
    return " ".join(bits)


def _dec(value: Any) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return None


# -- rights -----------------------------------------------------------------------------------

# (check id, endpoint group, method and path as the report shows it, what needs it)
WRITES = (
    ("write-products", "Products", "POST/PATCH/DELETE /api/products", ("products", "product")),
    (
        "write-stock-movements",
        "Stocks",
        "PATCH /api/stocks/{id}/movements",
        ("stocks-movements", "stock-movements", "movements", "stocks"),
    ),
    (
        "write-pricelists",
        "Price lists",
        "PATCH /api/pricelists/{id}",
        ("pricelists", "price-lists", "pricelist"),
    ),
)


def _ident(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")


class _Doctor:
    def __init__(self, client):
        self.client = client
        self.eshop = None
        self.stocks = None
        self.guid: str | None = None

    def read(self, check: Check, path: str, params: dict | None = None) -> Any:
        """One GET for a rights check; sets the check and returns ``data`` (None on failure)."""
        try:
            data = C.get_json(self.client, path, params)
        except E.PermissionDenied as exc:
            group = check.title.split(":", 1)[0]
            if exc.error_code == "missing-module":
                check.set(
                    NOT_OK,
                    f"GET {path}: {_err(exc)}",
                    advice="Activate the module in the Shoptet admin.",
                )
            else:
                check.set(
                    NOT_OK,
                    f"GET {path}: {_err(exc)}",
                    advice=f"Give the token read access to the '{group}' endpoint group in the "
                    "Shoptet admin (Connections » Private API).",
                )
            return None
        except E.ApiError as exc:
            check.set(UNKNOWN, f"GET {path}: {_err(exc)}")
            return None
        check.set(OK, f"GET {path}: HTTP 200")
        return data

    def read_rights(self) -> list[Check]:
        checks = []
        c = Check("read-stocks", "Stocks: GET /api/stocks")
        checks.append(c)
        data = self.read(c, "/api/stocks")
        default_stock = (data or {}).get("defaultStockId") if isinstance(data, dict) else None
        self.stocks = data
        c = Check("read-products", "Products: GET /api/products")
        checks.append(c)
        data = self.read(c, "/api/products", {"itemsPerPage": 5})
        products = (data or {}).get("products") or [] if isinstance(data, dict) else []
        self.guid = products[0].get("guid") if products else None
        self.sample_guids = [p.get("guid") for p in products if p.get("guid")]
        c = Check(
            "read-product-detail", "Products: GET /api/products/{guid}, the includes plan uses"
        )
        checks.append(c)
        if self.guid:
            self.read(c, f"/api/products/{self.guid}", {"include": ",".join(DETAIL_INCLUDE)})
        else:
            c.set(UNKNOWN, "the shop has no product to read")
        since = (datetime.now(UTC) - timedelta(days=1)).astimezone()
        c = Check("read-product-changes", "Products: GET /api/products/changes (--changed-since)")
        checks.append(c)
        self.read(
            c,
            "/api/products/changes",
            {"from": since.isoformat(timespec="seconds"), "itemsPerPage": 1},
        )
        for ident, title, path in (
            ("read-categories", "Categories: GET /api/categories", "/api/categories"),
            ("read-brands", "Brands: GET /api/brands", "/api/brands"),
        ):
            c = Check(ident, title)
            checks.append(c)
            self.read(c, path, {"itemsPerPage": 1})
        c = Check("read-supplies", "Stocks: GET /api/stocks/{id}/supplies")
        checks.append(c)
        if default_stock is not None:
            self.read(c, f"/api/stocks/{int(default_stock)}/supplies", {"itemsPerPage": 1})
        else:
            c.set(UNKNOWN, "no default stock id (GET /api/stocks did not answer)")
        c = Check("read-pricelist", "Price lists: GET /api/pricelists/{id}")
        checks.append(c)
        pricelist = self.eshop.default_pricelist_id if self.eshop else None
        if pricelist is not None:
            self.read(c, f"/api/pricelists/{int(pricelist)}", {"itemsPerPage": 1})
        else:
            c.set(UNKNOWN, "no default price list id in GET /api/eshop")
        checks.append(self.orders())
        return checks

    def orders(self) -> Check:
        """Advisory: orders are read only by `export orders` and by plans that delete or hide
        products (the open-orders guard reads /api/orders/claims, same endpoint group); every
        other plan and apply runs without the right."""
        c = Check("read-orders", "Orders: GET /api/orders (export orders)", required=False)
        if self.read(c, "/api/orders", {"itemsPerPage": 1}) is None and c.status == NOT_OK:
            c.advice = (c.advice or "") + (
                " Needed for `export orders` and for plans that delete or hide products "
                "(open-orders guard)."
            )
        return c

    def write_rights(self) -> list[Check]:
        checks = [Check(ident, f"{group}: {what} (apply)") for ident, group, what, _ in WRITES]
        try:
            endpoints = C.get_system_endpoints(self.client)
        except E.ApiError as exc:
            for c in checks:
                c.set(
                    UNKNOWN,
                    f"GET /api/system/endpoints: {_err(exc)}",
                    "cannot check without writing",
                )
            return checks
        listed = {_ident(e.endpoint): e for e in endpoints}
        for c, (_, group, _what, idents) in zip(checks, WRITES, strict=True):
            found = next((listed[i] for i in idents if i in listed), None)
            if found is None:
                c.set(
                    UNKNOWN,
                    f"GET /api/system/endpoints lists {len(endpoints)} endpoint(s), none named "
                    f"{' / '.join(idents)}",
                    "cannot check without writing",
                )
            elif found.access in ("write", "both"):
                c.set(OK, f"GET /api/system/endpoints: {found.endpoint!r} access {found.access!r}")
            else:
                c.set(
                    NOT_OK,
                    f"GET /api/system/endpoints: {found.endpoint!r} access {found.access!r}",
                    advice=f"Give the token write access to the '{group}' endpoint group, or "
                    "keep this token for plan only.",
                )
        return checks

    # -- assumptions --------------------------------------------------------------------------

    def stock_amount(self) -> Check:
        c = Check(
            "a-stock-amount", "perStockAmounts.amount is the available amount, as in supplies"
        )
        stock_id = (
            (self.stocks or {}).get("defaultStockId") if isinstance(self.stocks, dict) else None
        )
        if stock_id is None:
            return c.set(UNKNOWN, "no default stock id")
        path = f"/api/stocks/{int(stock_id)}/supplies"
        try:
            data = C.get_json(self.client, path, {"onlyWithClaim": "true", "itemsPerPage": 1})
        except E.ApiError as exc:
            return c.set(UNKNOWN, f"GET {path}?onlyWithClaim=true: {_err(exc)}")
        supplies = (data or {}).get("supplies") or []
        supply = next((s for s in supplies if (_dec(s.get("claim")) or 0) > 0), None)
        if supply is None:
            return c.set(
                UNKNOWN,
                f"no variant in stock {stock_id} has a claim (open orders), "
                "so available and physical amounts are the same everywhere",
            )
        code = supply["code"]
        try:
            detail = self.client.get_product_by_code(code, include=("perStockAmounts",))
        except E.ApiError as exc:
            return c.set(UNKNOWN, f"GET /api/products/code/{code}: {_err(exc)}")
        variant = next((v for v in detail.variants if v.code == code), None)
        row = (
            next((r for r in (variant.perStockAmounts or []) if r.stockId == stock_id), None)
            if variant
            else None
        )
        if row is None:
            return c.set(UNKNOWN, f"variant {code}: no perStockAmounts row for stock {stock_id}")
        s_amount, s_claim, p_amount = (
            _dec(supply.get("amount")),
            _dec(supply["claim"]),
            _dec(row.amount),
        )
        evidence = (
            f"variant {code}, stock {stock_id}: supplies amount {supply.get('amount')} claim "
            f"{supply['claim']}; perStockAmounts amount {row.amount} claim {row.claim}"
        )
        if p_amount == s_amount:
            return c.set(OK, evidence)
        if s_amount is not None and s_claim is not None and p_amount == s_amount + s_claim:
            return c.set(
                NOT_OK,
                evidence,
                "perStockAmounts.amount is the physical amount (amount + claim)",
                advice="plan would count claimed stock twice; report this (with this output) "
                "as an issue before applying stock.",
            )
        return c.set(
            NOT_OK,
            evidence,
            "the two amounts differ in a way the tool does not know",
            advice="report this output as an issue before applying stock.",
        )

    def visibility(self) -> Check:
        c = Check("b-visibility", "the visibility spelling the shop returns")
        seen: dict[str, int] = {}
        try:
            data = C.get_json(self.client, "/api/products", {"itemsPerPage": 100})
        except E.ApiError as exc:
            return c.set(UNKNOWN, f"GET /api/products: {_err(exc)}")
        for p in (data or {}).get("products") or []:
            seen[str(p.get("visibility"))] = seen.get(str(p.get("visibility")), 0) + 1
        if not seen:
            return c.set(UNKNOWN, "the shop has no product")
        shown = ", ".join(f"{k!r} x{n}" for k, n in sorted(seen.items()))
        unknown = sorted(set(seen) - READ_VISIBILITY)
        if unknown:
            return c.set(
                NOT_OK,
                f"values on the first page of products: {shown}",
                f"not known to the tool: {', '.join(map(repr, unknown))}",
                advice="report this output as an issue; plan would show these "
                "products' visibility as changed.",
            )
        note = " ('normal' is read as 'visible')" if "normal" in seen else ""
        return c.set(OK, f"values on the first page of products: {shown}{note}")

    def date_format(self) -> Check:
        c = Check("c-date-format", "the offset format the changes feed and supplies accept")
        moment = (datetime.now(UTC) - timedelta(days=1)).astimezone(timezone(timedelta(hours=1)))
        colon = moment.isoformat(timespec="seconds")  # the changes feed's example: +01:00
        plain = shoptet_time(moment)  # what the tool sends, as Shoptet documents: +0100
        stock_id = (
            (self.stocks or {}).get("defaultStockId") if isinstance(self.stocks, dict) else None
        )
        probes = [("/api/products/changes", "from")]
        if stock_id is not None:
            probes.append((f"/api/stocks/{int(stock_id)}/supplies", "changedFrom"))
        refused_plain = False
        for path, name in probes:
            for value in (plain, colon):
                try:
                    C.get_json(self.client, path, {name: value, "itemsPerPage": 1})
                    c.evidence.append(f"GET {path}?{name}={value}: accepted")
                except (E.ValidationFailed, E.NotFound) as exc:
                    c.evidence.append(f"GET {path}?{name}={value}: refused ({_err(exc)})")
                    refused_plain = refused_plain or value == plain
                except E.ApiError as exc:
                    return c.set(UNKNOWN, f"GET {path}?{name}={value}: {_err(exc)}")
        if refused_plain:
            return c.set(
                NOT_OK,
                advice="the tool sends +0100 as Shoptet documents; the cached plan (--cache) "
                "will fail. Report this output as an issue.",
            )
        return c.set(OK)

    def slash_code(self) -> Check:
        c = Check(
            "d-slash-code", "a code with '/' is addressed as %2F in /api/products/code/{code}"
        )
        code = None
        stock_id = (
            (self.stocks or {}).get("defaultStockId") if isinstance(self.stocks, dict) else None
        )
        if stock_id is not None:
            try:
                data = C.get_json(
                    self.client, f"/api/stocks/{int(stock_id)}/supplies", {"itemsPerPage": 1000}
                )
                code = next(
                    (
                        s["code"]
                        for s in (data or {}).get("supplies") or []
                        if "/" in str(s.get("code"))
                    ),
                    None,
                )
            except E.ApiError:
                code = None
        if code is not None:
            try:
                detail = self.client.get_product_by_code(code, include=())
            except E.ApiError as exc:
                return c.set(
                    NOT_OK,
                    f"GET /api/products/code/{code} (as %2F): {_err(exc)}",
                    advice="variant deletes and code look-ups of codes with '/' will "
                    "fail; report this output as an issue.",
                )
            codes = {v.code for v in detail.variants}
            if code in codes:
                return c.set(OK, f"GET /api/products/code/{code} (as %2F) found it")
            return c.set(
                NOT_OK,
                f"GET /api/products/code/{code} (as %2F) answered product "
                f"{detail.guid} without that variant",
            )
        try:
            self.client.get_product_by_code(PROBE_CODE, include=())
        except E.NotFound as exc:
            evidence = (
                f"no code with '/' in the shop; GET /api/products/code/{PROBE_CODE} "
                f"(as %2F): {_err(exc)}, instance {exc.instance!r}"
            )
            if (exc.instance or "").upper() == PROBE_CODE:
                return c.set(OK, evidence, "the whole code, '/' included, was looked up")
            parts = set(PROBE_CODE.split("/"))
            if exc.error_code == "endpoint-not-found" or (exc.instance or "").upper() in parts:
                return c.set(
                    NOT_OK,
                    evidence,
                    "the code did not arrive whole: %2F was decoded before routing",
                    advice="codes with '/' cannot be addressed; rename them in the admin "
                    "or report this output as an issue.",
                )
            return c.set(UNKNOWN, evidence)
        except E.ApiError as exc:
            return c.set(UNKNOWN, f"GET /api/products/code/{PROBE_CODE}: {_err(exc)}")
        return c.set(UNKNOWN, f"GET /api/products/code/{PROBE_CODE} found a product")

    def vat_payer(self) -> Check:
        c = Check(
            "e-vat-payer",
            "the shop pays VAT (vatRate / includingVat can be written)",
            required=False,
        )
        settings = (self.eshop.settings or {}) if self.eshop else {}
        value = settings.get("vatPayer")
        if value is True:
            return c.set(OK, "GET /api/eshop settings.vatPayer: true")
        if value is False:
            return c.set(
                NOT_OK,
                "GET /api/eshop settings.vatPayer: false",
                advice="leave vatRate and includingVat out of the catalog: Shoptet "
                "rejects them for a shop that is not a VAT payer.",
            )
        return c.set(UNKNOWN, f"GET /api/eshop settings.vatPayer: {value!r}")

    def negative_stock(self) -> Check:
        c = Check(
            "f-negative-stock",
            "the shop-wide negative-stock setting matches the variants' '*-global' values",
        )
        setting = ((self.eshop.settings or {}) if self.eshop else {}).get("negativeStockAmount")
        c.evidence.append(f"GET /api/eshop settings.negativeStockAmount: {setting!r}")
        if setting not in NEGATIVE_STOCK_SETTINGS:
            return c.set(UNKNOWN)
        expected = "yes-global" if setting == "allowed" else "no-global"
        try:
            details = self.client.get_products(self.sample_guids, include=())
        except E.ApiError as exc:
            return c.set(UNKNOWN, f"product details: {_err(exc)}")
        values: dict[str, int] = {}
        for detail in details.values():
            for v in detail.variants if detail else []:
                value = str(v.negativeStockAllowed)
                if value.endswith("-global"):
                    values[value] = values.get(value, 0) + 1
        if not values:
            return c.set(UNKNOWN, "no sampled variant follows the shop-wide setting")
        shown = ", ".join(f"{k!r} x{n}" for k, n in sorted(values.items()))
        c.evidence.append(f"variants of {len(details)} product(s): {shown}")
        if set(values) == {expected}:
            allowed = "allowed" if setting == "allowed" else "not allowed"
            return c.set(OK, f"negative stock is {allowed} shop-wide")
        return c.set(
            NOT_OK,
            f"expected only {expected!r} for {setting!r}",
            advice="plan reads negativeStockAllowed from these values; report this "
            "output as an issue before managing negativeStockAllowed.",
        )

    def webhook(self) -> Check:
        c = Check(
            "g-job-finished-webhook",
            "a job:finished webhook is registered (snapshots)",
            required=False,
        )
        try:
            hooks = list(C.iter_webhooks(self.client))
        except E.ApiError as exc:
            return c.set(UNKNOWN, f"GET /api/webhooks: {_err(exc)}")
        events = sorted({h.event for h in hooks})
        if "job:finished" in events:
            return c.set(OK, f"GET /api/webhooks: {len(hooks)} registered, job:finished among them")
        return c.set(
            NOT_OK,
            f"GET /api/webhooks: events {events or 'none'}",
            advice="needed only for `plan --read snapshot` (large shops; detail reads work "
            "without it): `shoptet-catalog webhooks ensure --url https://...` registers one "
            "(a token with webhook rights).",
        )


def run_doctor(client) -> Report:
    """Every check against the shop ``client`` reaches (read-only), as a :class:`Report`."""
    report = Report(__version__, platform.python_version(), _api_host(client.config.base_url))
    doc = _Doctor(client)
    token = Check("token", "the token works: GET /api/eshop")
    report.checks.append(token)
    try:
        doc.eshop = client.get_eshop()
    except E.ApiError as exc:
        advice = (
            "Check SHOPTET_PRIVATE_API_TOKEN / SHOPTET_OAUTH_ACCESS_TOKEN."
            if isinstance(exc, E.AuthError)
            else None
        )
        token.set(NOT_OK, f"GET /api/eshop: {_err(exc)}", advice=advice)
        return report
    report.eshop_id = doc.eshop.eshop_id
    modules = ", ".join(sorted(doc.eshop.module_names)) or "none listed"
    token.set(OK, f"e-shop {report.eshop_id}; active modules: {modules}")
    report.checks += doc.read_rights()
    report.checks += doc.write_rights()
    report.checks += [
        doc.stock_amount(),
        doc.visibility(),
        doc.date_format(),
        doc.slash_code(),
        doc.vat_payer(),
        doc.negative_stock(),
        doc.webhook(),
    ]
    return report
