"""The route table: method, path pattern (matched on the raw, still-encoded path), handler.

UNFINISHED: only the endpoints the tool uses are served; e.g. GET /api/stocks/{id}/movements
(the audit log; the state's ``movements`` list stands in for it in tests),
batch jobs and the other snapshots answer 404 endpoint-not-found (the products snapshot and
the jobs endpoints are served: ``reconciler.sandbox.jobs``).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from reconciler.sandbox import filtering
from reconciler.sandbox import handlers_catalog as cat
from reconciler.sandbox import handlers_content as content
from reconciler.sandbox import handlers_flags as flags
from reconciler.sandbox import handlers_images as img
from reconciler.sandbox import handlers_jobs as jobs
from reconciler.sandbox import handlers_lookup as look
from reconciler.sandbox import handlers_params as params
from reconciler.sandbox import handlers_products as prod
from reconciler.sandbox import handlers_sales as sales
from reconciler.sandbox import handlers_stock as stock

_SEG = r"(?P<{}>[^/]+)"

ROUTES = [
    ("GET", "/api/eshop", cat.get_eshop),
    ("GET", "/api/stocks", cat.get_stocks),
    ("GET", "/api/categories", cat.list_categories),
    ("POST", "/api/categories", cat.create_category),
    ("GET", "/api/brands", cat.list_brands),
    ("GET", "/api/products", prod.list_products),
    ("POST", "/api/products", prod.create_product),
    ("GET", "/api/products/changes", prod.product_changes),
    ("GET", "/api/products/variant-parameters", params.list_params),
    ("POST", "/api/products/variant-parameters", params.create),
    ("GET", "/api/products/variant-parameters/{paramIndex}", params.get_param),
    ("POST", "/api/products/variant-parameters/{paramIndex}", params.create_values),
    ("PATCH", "/api/products/variant-parameters/{paramIndex}", params.WRITES.update),
    ("DELETE", "/api/products/variant-parameters/{paramIndex}", params.WRITES.delete),
    (
        "PATCH",
        "/api/products/variant-parameters/{paramIndex}/{rawValue}",
        params.WRITES.update_value,
    ),
    (
        "DELETE",
        "/api/products/variant-parameters/{paramIndex}/{rawValue}",
        params.WRITES.delete_value,
    ),
    ("GET", "/api/products/filtering-parameters", filtering.list_params),
    ("POST", "/api/products/filtering-parameters", filtering.create),
    ("GET", "/api/products/filtering-parameters/{code}", filtering.get_param),
    ("POST", "/api/products/filtering-parameters/{code}", filtering.create_values),
    ("PATCH", "/api/products/filtering-parameters/{code}", filtering.WRITES.update),
    ("DELETE", "/api/products/filtering-parameters/{code}", filtering.WRITES.delete),
    (
        "PATCH",
        "/api/products/filtering-parameters/{code}/{valueIndex}",
        filtering.WRITES.update_value,
    ),
    (
        "DELETE",
        "/api/products/filtering-parameters/{code}/{valueIndex}",
        filtering.WRITES.delete_value,
    ),
    ("GET", "/api/products/availabilities", look.availabilities),
    ("GET", "/api/products/warranties", look.warranties),
    ("GET", "/api/products/units", look.units),
    ("GET", "/api/products/measure-units", look.measure_units),
    ("GET", "/api/suppliers", look.suppliers),
    ("GET", "/api/products/flags", look.flags),
    ("POST", "/api/products/flags", flags.create),
    ("PATCH", "/api/products/flags/{code}", flags.update),
    ("DELETE", "/api/products/flags/{code}", flags.delete),
    ("GET", "/api/pricelists", look.pricelists),
    ("GET", "/api/customers/groups", look.customer_groups),
    ("GET", "/api/webhooks", jobs.list_webhooks),
    ("POST", "/api/webhooks", jobs.create_webhooks),
    ("GET", "/api/products/snapshot", jobs.products_snapshot),
    ("GET", "/api/system/jobs", jobs.job_list),
    ("GET", "/api/system/jobs/{jobId}", jobs.job_detail),
    ("GET", "/api/system/endpoints", look.system_endpoints),
    ("GET", "/api/products/code/{code}", prod.get_product_by_code),
    ("PATCH", "/api/products/code/{code}", prod.patch_product_by_code),
    ("DELETE", "/api/products/code/{code}", prod.delete_variant),
    ("GET", "/api/products/{guid}/images/{gallery}", img.list_images),
    ("POST", "/api/products/{guid}/images/{gallery}", img.add_images),
    ("PATCH", "/api/products/{guid}/images/{gallery}", img.update_images),
    ("DELETE", "/api/products/{guid}/images/{gallery}", img.delete_all),
    ("PATCH", "/api/products/{guid}/images/{gallery}/source", img.replace_sources),
    ("DELETE", "/api/products/{guid}/images/{gallery}/{imageName}", img.delete_image),
    ("GET", "/api/products/{guid}/relatedProducts", content.get_links),
    ("PUT", "/api/products/{guid}/relatedProducts", content.put_links),
    ("POST", "/api/products/{guid}/relatedProducts", content.add_link),
    ("GET", "/api/products/{guid}/alternativeProducts", content.get_links),
    ("PUT", "/api/products/{guid}/alternativeProducts", content.put_links),
    ("POST", "/api/products/{guid}/alternativeProducts", content.add_link),
    ("GET", "/api/products/{guid}", prod.get_product),
    ("PATCH", "/api/products/{guid}", prod.patch_product),
    ("DELETE", "/api/products/{guid}", prod.delete_product),
    ("GET", "/api/stocks/{stockId}/supplies", stock.supplies),
    ("GET", "/api/orders/claims", stock.order_claims),
    ("GET", "/api/orders", stock.list_orders),
    ("GET", "/api/customers", sales.list_customers),
    ("GET", "/api/invoices", sales.list_invoices),
    ("PATCH", "/api/stocks/{stockId}/movements", stock.movements),
    ("GET", "/api/pricelists/{id}", stock.get_pricelist),
    ("PATCH", "/api/pricelists/{id}", stock.patch_pricelist),
]


def _compile(template: str) -> re.Pattern:
    pattern = re.sub(r"\{(\w+)\}", lambda m: _SEG.format(m.group(1)), template)
    return re.compile(f"^{pattern}/?$")


_COMPILED = [(method, _compile(path), path, handler) for method, path, handler in ROUTES]


def match(method: str, raw_path: str):
    """``(handler, params, template)``; ``(None, None, template)`` when only the method is
    wrong; ``(None, None, None)`` for an unknown path."""
    known = None
    for route_method, pattern, template, handler in _COMPILED:
        found = pattern.match(raw_path)
        if found is None:
            continue
        if route_method == method:
            return handler, {k: unquote(v) for k, v in found.groupdict().items()}, template
        known = template
    return None, None, known
