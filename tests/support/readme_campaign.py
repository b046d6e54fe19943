"""The README's worked campaign example (the Christmas sale), read from README.md by its
markers, so the tests apply what the README shows and the README cannot drift.

Each block is the fenced YAML right after a ``<!-- campaign-example: NAME -->`` line."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
MARKER = re.compile(
    r"^<!-- campaign-example: (?P<name>[^>]*?) -->\n+```yaml\n(?P<body>.*?)^```", re.S | re.M
)
NAMES = ("start shop.yaml", "start products", "end products")


def campaign_blocks(readme: str | None = None) -> dict[str, str]:
    """Block name -> its YAML text; every name in ``NAMES`` exactly once."""
    text = README.read_text(encoding="utf-8") if readme is None else readme
    found = [(m["name"], m["body"]) for m in MARKER.finditer(text)]
    names = [name for name, _ in found]
    if sorted(names) != sorted(NAMES):
        raise AssertionError(f"README.md campaign example blocks are {names}, expected {NAMES}")
    return dict(found)


def write_blocks(root: Path, shop: str, products: str) -> Path:
    """``root/catalog`` holding the README's ``shop.yaml`` and one products file."""
    cat = root / "catalog"
    (cat / "products").mkdir(parents=True, exist_ok=True)
    (cat / "shop.yaml").write_text(shop, encoding="utf-8")
    (cat / "products" / "campaign.yaml").write_text(products, encoding="utf-8")
    return cat
