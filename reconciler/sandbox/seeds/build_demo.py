"""Builds demo.json, the sandbox's demo shop: ``python -m reconciler.sandbox.seeds.build_demo``.

Deterministic (fixed GUIDs via uuid5, fixed times). demo.json is committed and must stay stable:
the example catalog in ``catalog/`` is written against it. Re-run only on purpose.
"""

from __future__ import annotations

import json
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from reconciler.sandbox.seeds import empty_state
from reconciler.sandbox.state import TZ, fmt_time

NS = uuid.UUID("6f1c2a8e-3d4b-5e6f-8a9b-0c1d2e3f4a5b")
START = datetime(2026, 1, 5, 9, 0, tzinfo=TZ)


def gid(name: str) -> str:
    return str(uuid.uuid5(NS, name))


def ean(body12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


CATEGORIES = [  # key, name, parent key
    ("kava", "Káva", None),
    ("zrnkova", "Zrnková káva", "kava"),
    ("mleta", "Mletá káva", "kava"),
    ("kapsle", "Kapsle", "kava"),
    ("caj", "Čaj", None),
    ("zeleny", "Zelený čaj", "caj"),
    ("cerny", "Černý čaj", "caj"),
    ("bylinny", "Bylinný čaj", "caj"),
    ("prislusenstvi", "Příslušenství", None),
    ("mlynky", "Mlýnky", "prislusenstvi"),
    ("konvice", "Konvice a překapávače", "prislusenstvi"),
    ("hrnky", "Hrnky a šálky", "prislusenstvi"),
    ("darky", "Dárky", None),
]
BRANDS = [
    ("zrnkovna", "Zrnkovna"),
    ("doubravka", "Doubravka"),
    ("bohemia-tea", "Bohemia Tea"),
    ("porcelanka", "Porcelánka Louny"),
    ("mlynarna", "Mlynárna"),
]
# The shop's variant parameters (GET /api/products/variant-parameters): paramIndex ->
# (paramName, displayName, rawValues). Every multi-variant product below varies along one of
# them, each variant with its own value (Shoptet's rule: a unique combination per variant).
PARAMS = {
    "hmotnost": ("Hmotnost", "Hmotnost balení", ["50-g", "100-g", "250-g", "500-g", "1000-g"]),
    "mleti": ("Mletí", None, ["zrno", "jemne", "hrube"]),
    "barva": ("Barva", None, ["bila", "cerna", "modra", "zelena", "cervena"]),
    "objem": ("Objem", None, ["250-ml", "350-ml", "600-ml", "1000-ml"]),
    "velikost": ("Velikost", None, ["s", "m", "l"]),
}
COLORS = {
    "bila": "#ffffff",
    "cerna": "#000000",
    "modra": "#1f4e9c",
    "zelena": "#2e7d32",
    "cervena": "#c62828",
}
VALUE_NAMES = {
    "50-g": "50 g",
    "100-g": "100 g",
    "250-g": "250 g",
    "500-g": "500 g",
    "1000-g": "1 kg",
    "zrno": "Zrnková",
    "jemne": "Jemné",
    "hrube": "Hrubé",
    "bila": "Bílá",
    "cerna": "Černá",
    "modra": "Modrá",
    "zelena": "Zelená",
    "cervena": "Červená",
    "250-ml": "250 ml",
    "350-ml": "350 ml",
    "600-ml": "600 ml",
    "1000-ml": "1 l",
    "s": "S",
    "m": "M",
    "l": "L",
}

# code prefix, name, category, brand, vat, base price, variant axis, values, extra
COFFEE = [
    ("ETH", "Etiopie Yirgacheffe"),
    ("COL", "Kolumbie Supremo"),
    ("BRA", "Brazílie Santos"),
    ("KEN", "Keňa AA"),
    ("GUA", "Guatemala Antigua"),
    ("SUM", "Sumatra Mandheling"),
    ("ESP", "Espresso směs Doubravka"),
    ("DEC", "Bezkofeinová Kolumbie"),
]
TEA = [
    ("SEN", "Sencha Premium", "zeleny"),
    ("GUN", "Gunpowder", "zeleny"),
    ("ASS", "Assam TGFOP", "cerny"),
    ("DAR", "Darjeeling First Flush", "cerny"),
    ("EAR", "Earl Grey", "cerny"),
    ("MAT", "Máta peprná", "bylinny"),
    ("HEŘ", "Heřmánek", "bylinny"),
    ("ROO", "Rooibos vanilka", "bylinny"),
]


def build() -> dict:
    state = empty_state()
    state["eshop"].update(eshopId=222651, name="Zrnko & Lístek", url="https://www.zrnkoalistek.cz/")
    state["stocks"] = [
        {"id": 1, "title": "Hlavní sklad Brno"},
        {"id": 2, "title": "Prodejna Praha"},
    ]
    state["categories"] = [
        {
            "guid": gid("cat:" + k),
            "name": n,
            "parentGuid": gid("cat:" + p) if p else None,
            "visible": k != "darky",
            "priority": i + 1,
        }
        for i, (k, n, p) in enumerate(CATEGORIES)
    ]
    state["brands"] = [{"guid": gid("brand:" + c), "code": c, "name": n} for c, n in BRANDS]
    state["suppliers"] = [  # assigned to no product: the catalog's `supplier:` does that
        {"guid": gid("supplier:" + n), "name": n}
        for n in ("Kávová pražírna Doubravka s.r.o.", "Čajovna U Zeleného draka")
    ]
    state["availabilities"] = [
        {"id": -1, "name": "Skladem"},
        {"id": -2, "name": "Vyprodáno"},
        {"id": 3, "name": "Do 3 dnů"},
        {"id": 4, "name": "Na dotaz"},
    ]
    value_ids = iter(range(1, 100))
    state["variantParameters"] = [
        {
            "nameIndex": k,
            "name": n,
            "id": i + 1,
            "displayName": display,
            "priority": i + 1,
            "values": [
                {
                    "valueIndex": v,
                    "name": VALUE_NAMES[v],
                    "id": next(value_ids),
                    "color": COLORS.get(v),
                    "image": None,
                    "priority": j + 1,
                }
                for j, v in enumerate(vs)
            ],
        }
        for i, (k, (n, display, vs)) in enumerate(PARAMS.items())
    ]
    specs: list[dict[str, Any]] = []
    for i, (c, n) in enumerate(COFFEE):
        specs.append(
            dict(
                code=f"KAV-{c}",
                name=f"Káva {n}",
                cat="zrnkova" if i % 3 else "mleta",
                brand="doubravka" if c == "ESP" else "zrnkovna",
                vat="12.00",
                base=189 + 20 * i,
                axis="hmotnost",
                values=["250-g", "500-g", "1000-g"][: 1 + i % 3],
            )
        )
    for i, (c, n, cat) in enumerate(TEA):
        specs.append(
            dict(
                code=f"CAJ-{c}".replace("Ř", "R"),
                name=f"Čaj {n}",
                cat=cat,
                brand="bohemia-tea",
                vat="12.00",
                base=89 + 10 * i,
                axis="hmotnost",
                values=["50-g", "100-g", "250-g"][: 1 + (i + 1) % 3],
            )
        )
    for i, n in enumerate(["Kapsle Lungo", "Kapsle Ristretto", "Kapsle Decaf"]):
        specs.append(
            dict(
                code=f"KAP-{i + 1:02d}",
                name=n,
                cat="kapsle",
                brand="doubravka",
                vat="12.00",
                base=119,
                axis=None,
                values=[None],
            )
        )
    specs += [
        dict(
            code="00123",
            name="Ruční mlýnek Classic",
            cat="mlynky",
            brand="mlynarna",
            vat="21.00",
            base=1290,
            axis=None,
            values=[None],
        ),
        dict(
            code="00124",
            name="Elektrický mlýnek Burr 200",
            cat="mlynky",
            brand="mlynarna",
            vat="21.00",
            base=2990,
            axis="barva",
            values=["bila", "cerna"],
        ),
        dict(
            code="DRIP-V60",
            name="Překapávač V60 keramický",
            cat="konvice",
            brand="porcelanka",
            vat="21.00",
            base=590,
            axis="barva",
            values=["bila", "cerna", "modra", "zelena", "cervena"],
        ),
        dict(
            code="KON-GOOSE",
            name="Konvice Gooseneck",
            cat="konvice",
            brand="mlynarna",
            vat="21.00",
            base=1490,
            axis="objem",
            values=["600-ml", "1000-ml"],
        ),
        dict(
            code="FRENCH-PRESS",
            name="French press Bistro",
            cat="konvice",
            brand=None,
            vat="21.00",
            base=690,
            axis="objem",
            values=["350-ml", "1000-ml"],
        ),
        dict(
            code="HRN-LOUNY",
            name="Hrnek Louny",
            cat="hrnky",
            brand="porcelanka",
            vat="21.00",
            base=249,
            axis="objem",
            values=["250-ml", "350-ml"],
        ),
        dict(
            code="SALEK-ESP",
            name="Šálek na espresso s podšálkem",
            cat="hrnky",
            brand="porcelanka",
            vat="21.00",
            base=189,
            axis="barva",
            values=["bila", "cerna", "modra"],
        ),
        dict(
            code="FILTR-100",
            name="Papírové filtry 100 ks",
            cat="prislusenstvi",
            brand=None,
            vat="21.00",
            base=129,
            axis=None,
            values=[None],
        ),
        dict(
            code="DAR-KAVA",
            name="Dárkový balíček Kávová degustace",
            cat="darky",
            brand="zrnkovna",
            vat="12.00",
            base=899,
            axis=None,
            values=[None],
        ),
        dict(
            code="POUKAZ-500",
            name="Dárkový poukaz 500 Kč",
            cat="darky",
            brand=None,
            vat="0.00",
            base=500,
            axis=None,
            values=[None],
            type="service",
        ),
        dict(
            code="CAJ-SADA",
            name="Čajová sada Degustace",
            cat="darky",
            brand="bohemia-tea",
            vat="12.00",
            base=459,
            axis=None,
            values=[None],
        ),
        dict(
            code="00125",
            name="Kakao Bio 200 g",
            cat="darky",
            brand="doubravka",
            vat="12.00",
            base=159,
            axis=None,
            values=[None],
        ),
        dict(
            code="SIR-KAR",
            name="Sirup do kávy Karamel",
            cat="prislusenstvi",
            brand=None,
            vat="12.00",
            base=219,
            axis="objem",
            values=["250-ml", "1000-ml"],
        ),
    ]
    state["products"] = [_product(n, spec) for n, spec in enumerate(specs)]
    state["clock"] = {"last": fmt_time(START + timedelta(days=40))}
    _add_sales(state)
    _add_content(state)
    return state


# Invented people (issue 19: try `export` and the open-orders guard on the demo). Open orders
# claim only variants the demo already shows claimed (at most their claim) and only products no
# example plan deletes or hides, so the example catalog still plans as before.
CUSTOMERS = [  # key, full name, company, e-mail, phone
    ("jana", "Jana Nováková", None, "jana.novakova@example.com", "+420600000001"),
    ("petr", "Petr Svoboda", "Kavárna U Mlýna s.r.o.", "petr.svoboda@example.com", "+420600000002"),
    ("eva", "Eva Dvořáková", None, "eva.dvorakova@example.com", None),
]
ORDERS = [  # code (text: leading zeros), status, days after START, customer, items, to pay
    ("0001201", -3, 15, "jana", [("KAV-COL-250", 2, 2)], "418.00"),  # dispatched
    ("0001202", -4, 20, "eva", [("CAJ-EAR-100", 1, 0)], "139.00"),  # cancelled
    ("0001234", -1, 36, "petr", [("DRIP-V60-MODRA", 2, 0), ("DRIP-V60-CERNA", 1, 0)], "1307.00"),
    ("0001235", -2, 37, "jana", [("DRIP-V60-CERNA", 2, 1), ("HRN-LOUNY-350", 1, 0)], "547.00"),
]
INVOICES = [
    ("2026000001", "0001201", 16, "418.00", True),
    ("2026000002", "0001234", 36, "1307.00", False),
]


def _add_sales(state: dict) -> None:
    people = {key: (name, company, email) for key, name, company, email, _ in CUSTOMERS}
    state["customers"] = [
        {
            "guid": gid("customer:" + key),
            "creationTime": fmt_time(START + timedelta(days=5 + 3 * n, hours=n)),
            "billFullName": name,
            "billCompany": company,
            "email": email,
            "phone": phone,
        }
        for n, (key, name, company, email, phone) in enumerate(CUSTOMERS)
    ]
    state["orders"] = [
        {
            "code": code,
            "statusId": status,
            "creationTime": fmt_time(START + timedelta(days=days, hours=n + 1, minutes=7 * n)),
            "fullName": people[who][0],
            "company": people[who][1],
            "email": people[who][2],
            "customerGuid": gid("customer:" + who),
            "toPay": to_pay,
            "items": [
                {"productCode": c, "amount": f"{a}.000", "amountCompleted": f"{done}.000"}
                for c, a, done in items
            ],
        }
        for n, (code, status, days, who, items, to_pay) in enumerate(ORDERS)
    ]
    by_order = {code: who for code, _, _, who, _, _ in ORDERS}
    state["invoices"] = [
        {
            "code": code,
            "orderCode": order,
            "creationTime": fmt_time(START + timedelta(days=days, hours=14)),
            "varSymbol": int(code),
            "isValid": True,
            "billFullName": people[by_order[order]][0],
            "billCompany": people[by_order[order]][1],
            "toPay": to_pay,
            "paid": paid,
        }
        for code, order, days, to_pay, paid in INVOICES
    ]


# Product content (issue 18: try `lookup filtering-parameters` and `import` on the demo). The
# example catalog states none of these fields, so its plan leaves them unmanaged. Names avoid
# the README's examples of parameters a plan creates (Země původu, Pražení, Chuť).
FILTERS = {  # code -> (name, values: valueIndex -> name)
    "oblast": ("Oblast", {"afrika": "Afrika", "amerika": "Jižní Amerika", "asie": "Asie"}),
    "tony": (
        "Chuťové tóny",
        {"ovocne": "ovocné", "kvetinove": "květinové", "cokoladove": "čokoládové"},
    ),
    "material": ("Materiál", {"keramika": "Keramika", "sklo": "Sklo", "nerez": "Nerez"}),
}
# product code -> gallery [(image name, alt text)], variant code -> its own image. Tests use
# the coffees before KAV-GUA as products without content.
GALLERIES: dict[str, tuple[list[tuple[str, str | None]], dict[str, str]]] = {
    "KAV-GUA": (
        [("101.jpg", "Káva Guatemala Antigua 250 g"), ("102.jpg", "Balení 500 g")],
        {"KAV-GUA-500": "102.jpg"},
    ),
    "DRIP-V60": (
        [("103.jpg", "Překapávač V60"), ("104.jpg", None), ("105.jpg", "V60 černý")],
        {"DRIP-V60-CERNA": "105.jpg"},
    ),
    "KON-GOOSE": ([("106.png", "Konvice Gooseneck")], {}),
}
TABLES: dict[
    str, list[tuple[str, str | None, str | None, int]]
] = {  # product code -> specification rows (name, value, description, priority)
    "KAV-GUA": [
        ("Země původu", "Guatemala", None, 1),
        ("Pražení", "střední", "stupeň pražení", 2),
        ("Zpracování", "praná", None, 3),
    ],
    "KAV-SUM": [("Země původu", "Indonésie", None, 1), ("Pražení", "tmavé", None, 2)],
    "DRIP-V60": [("Materiál", "keramika", None, 10), ("Velikost", "02", "na 1-4 šálky", 20)],
    "KON-GOOSE": [("Materiál", "nerez", None, 1), ("Teploměr", None, None, 2)],
}
ASSIGNED = {  # product code -> {filter code: [valueIndex, ...]}
    "KAV-GUA": {"oblast": ["amerika"], "tony": ["cokoladove", "ovocne"]},
    "KAV-SUM": {"oblast": ["asie"]},
    "DRIP-V60": {"material": ["keramika"]},
    "KON-GOOSE": {"material": ["nerez"]},
}
LINKS = {  # product code -> (related, alternative), product codes
    "KAV-GUA": (["DRIP-V60", "KON-GOOSE"], ["KAV-SUM"]),
    "DRIP-V60": (["KON-GOOSE", "HRN-LOUNY"], ["FRENCH-PRESS"]),
}


def _add_content(state: dict) -> None:
    state["filteringParameters"] = [
        {
            "nameIndex": code,
            "name": name,
            "id": i,
            "displayName": None,
            "priority": i,
            "description": None,
            "googleMapping": None,
            "values": [
                {
                    "valueIndex": v,
                    "name": vn,
                    "id": 10 * i + j,
                    "color": None,
                    "image": None,
                    "priority": j,
                }
                for j, (v, vn) in enumerate(values.items(), start=1)
            ],
        }
        for i, (code, (name, values)) in enumerate(FILTERS.items(), start=1)
    ]
    by_guid = {p["guid"]: p for p in state["products"]}
    by_code = {code: by_guid[gid("product:" + code)] for code in {*GALLERIES, *TABLES, *ASSIGNED}}

    for code, (images, own) in GALLERIES.items():
        product = by_code[code]
        product["images"] = [
            {
                "name": name,
                "priority": i,
                "description": alt,
                "changeTime": product["changeTime"],
                "gallery": "shop",
            }
            for i, (name, alt) in enumerate(images, start=1)
        ]
        for variant in product["variants"]:
            variant["image"] = own.get(variant["code"])
    for code, rows in TABLES.items():
        by_code[code]["descriptiveParameters"] = [
            {"name": n, "value": v, "description": d, "priority": p} for n, v, d, p in rows
        ]
    for code, assigned in ASSIGNED.items():
        by_code[code]["filteringParameters"] = [
            {"code": c, "values": values} for c, values in assigned.items()
        ]
    for code, (related, alternative) in LINKS.items():
        product = by_guid[gid("product:" + code)]
        product["relatedProducts"] = [gid("product:" + c) for c in related]
        product["alternativeProducts"] = [gid("product:" + c) for c in alternative]


def _product(n: int, spec: dict) -> dict:
    created = START + timedelta(hours=3 * n)
    changed = created + timedelta(days=n % 7, minutes=17 * n)
    cat = gid("cat:" + spec["cat"])
    parent = next(p for k, _, p in CATEGORIES if k == spec["cat"])
    cats = [cat] + ([gid("cat:" + parent)] if parent and n % 4 == 0 else [])
    variants = []
    for k, value in enumerate(spec["values"]):
        code = spec["code"] if value is None else f"{spec['code']}-{value.split('-')[0].upper()}"
        price = spec["base"] * (1 + k * 0.9 if spec["axis"] == "hmotnost" else 1 + k * 0.1)
        real = (n * 7 + k * 5) % 40
        claim = (n + k) % 4 if real > 3 and n % 3 == 0 else 0
        stocks: dict[str, dict[str, str | None]] = {
            "1": {
                "realStock": f"{real}.000",
                "claim": f"{claim}.000",
                "location": f"R{n % 5 + 1}-{k + 1:02d}",
                "changeTime": fmt_time(changed),
            }
        }
        if n % 2 == 0:
            stocks["2"] = {
                "realStock": f"{(n + k) % 6}.000",
                "claim": "0.000",
                "location": None,
                "changeTime": fmt_time(changed),
            }
        variants.append(
            {
                "code": code,
                "ean": None
                if spec.get("type") == "service"
                else ean(f"859{n:04d}{k:02d}{(n * 31 + k) % 1000:03d}"),
                "manufacturerCode": f"M-{n:03d}{k}" if n % 5 == 1 else None,
                "weight": None if spec.get("type") == "service" else f"{0.25 * (k + 1) + 0.05:.3f}",
                "visible": not (n == 9 and k == 1),
                "unit": "ks",
                "amountDecimalPlaces": 0,
                "availabilityId": -1 if real - claim > 0 else 3,
                "availabilityWhenSoldOutId": -2 if n % 3 else 4,
                "minStockSupply": "2.000" if n % 4 == 1 else None,
                "negativeStockAllowed": "yes" if n % 10 == 7 else "no-global",
                "parameters": []
                if value is None
                else [{"nameIndex": spec["axis"], "valueIndex": value}],
                "prices": {
                    "1": {
                        "price": f"{round(price):d}.00",
                        "commonPrice": f"{round(price * 1.2):d}.00" if n % 6 == 2 else None,
                        "buyPrice": None,
                        "vatRate": spec["vat"],
                        "includingVat": True,
                        "currencyCode": "CZK",
                    }
                },
                "stocks": stocks,
            }
        )
    return {
        "guid": gid("product:" + spec["code"]),
        "type": spec.get("type", "product"),
        "name": spec["name"],
        "visibility": "hidden" if n in (13, 27) else "visible",
        "shortDescription": f"{spec['name']} z nabídky Zrnko & Lístek.",
        "description": f"<p>{spec['name']}.</p>"
        + ("<p>Skladujte v suchu a temnu.</p>" if spec["vat"] == "12.00" else ""),
        "metaTitle": None,
        "metaDescription": None,
        "additionalName": "Novinka" if n % 9 == 4 else None,
        "internalNote": "Přeceňujeme v březnu." if n % 8 == 3 else None,
        "brandCode": spec["brand"],
        "defaultCategoryGuid": cat,
        "categoryGuids": cats,
        "creationTime": fmt_time(created),
        "changeTime": fmt_time(changed),
        "variants": variants,
    }


def main() -> None:
    out = Path(__file__).with_name("demo.json")
    text = json.dumps(build(), ensure_ascii=False, indent=1) + "\n"
    if "--check" in sys.argv:
        sys.exit(0 if out.read_text(encoding="utf-8") == text else 1)
    out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
