"""Product content in the sandbox's state (issue 18), shared by product writes, the detail
read and deletes:

- ``relatedProducts`` / ``alternativeProducts``: ordered GUIDs (their endpoints are
  ``handlers_content``);
- ``descriptiveParameters``: rows ``{name, value, description, priority}``, replaced whole by
  a product create or PATCH that sends them (a row without priority gets its position);
- the read shapes of filtering parameters and of a product's assignment of them.
"""

from __future__ import annotations

from reconciler.sandbox.state import ShopState

LINK_LISTS = ("relatedProducts", "alternativeProducts")


def link_items(state: ShopState, guids: list[str]) -> list[dict]:
    """A list as Shoptet's ``relatedProduct`` items, in order (``priority`` from 1)."""
    return [
        {
            "guid": g,
            "priority": i,
            "visibility": state.products[g]["visibility"] if g in state.products else "hidden",
            "linkType": "physical",
        }
        for i, g in enumerate(guids, start=1)
    ]


def unlink(state: ShopState, guid: str) -> None:
    """A deleted product leaves every list it was in (it cannot be shown any more)."""
    for product in state.doc["products"]:
        for name in LINK_LISTS:
            if guid in product.get(name, ()):
                product[name] = [g for g in product[name] if g != guid]


def apply_descriptive(product: dict, data: dict) -> None:
    if "descriptiveParameters" not in data:
        return
    product["descriptiveParameters"] = [
        {
            "name": row["name"],
            "value": row.get("value"),
            "description": row.get("description"),
            "priority": row.get("priority") if row.get("priority") is not None else i,
        }
        for i, row in enumerate(data["descriptiveParameters"] or [], start=1)
    ]


def descriptive_items(product: dict) -> list[dict]:
    """``include=descriptiveParameters``: the rows by priority."""
    rows = product.get("descriptiveParameters", [])
    return sorted((dict(r) for r in rows), key=lambda r: r["priority"])


# -- filtering parameters (their endpoints and write rules: ``filtering``) ------------------


def _value(v: dict) -> dict:
    """components.schemas.productFilteringParameterValue."""
    return {
        "id": v["id"],
        "valueIndex": v["valueIndex"],
        "name": v["name"],
        "priority": v["priority"],
        "color": v["color"],
        "image": v["image"],
    }


def render_filtering_param(p: dict, values: list[dict] | None = None) -> dict:
    """A registry parameter; ``values``: only these (a product's), else all of its values."""
    chosen = p["values"] if values is None else values
    return {
        "id": p["id"],
        "code": p["nameIndex"],
        "name": p["name"],
        "displayName": p["displayName"],
        "description": p["description"],
        "priority": p["priority"],
        "googleMapping": p["googleMapping"],
        "values": [_value(v) for v in chosen],
    }


def assignment_items(state: ShopState, product: dict) -> list[dict]:
    """``include=filteringParameters``: each assigned parameter with its assigned values."""
    have = {p["nameIndex"]: p for p in state.doc["filteringParameters"]}
    out = []
    for item in product.get("filteringParameters", []):
        param = have.get(item["code"])
        if param is None:  # only a state file can leave one (a DELETE of a used one is 409)
            continue
        chosen = [v for v in param["values"] if v["valueIndex"] in item["values"]]
        shown = render_filtering_param(param, chosen)  # the detail's items carry no ids
        del shown["id"]
        for value in shown["values"]:
            del value["id"]
        out.append(shown)
    return out
