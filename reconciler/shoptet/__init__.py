"""The Shoptet REST API client (DESIGN §7). See ``client.py`` for the layering."""

from reconciler.shoptet.client import DETAIL_INCLUDE, ShoptetClient, WriteResult
from reconciler.shoptet.config import ClientConfig
from reconciler.shoptet.redact import Secret

__all__ = ["DETAIL_INCLUDE", "ClientConfig", "Secret", "ShoptetClient", "WriteResult"]
