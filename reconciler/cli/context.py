"""What every command shares: the catalog directory and how to reach the shop."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_CATALOG = Path("catalog")
SANDBOX_URL = "http://127.0.0.1"
SANDBOX_TOKEN = "sandbox-token"


@dataclass
class AppContext:
    """The run's settings, filled by the shared options (``cli.options``) wherever they were
    given on the command line."""

    catalog_dir: Path = DEFAULT_CATALOG
    sandbox: bool = False
    _sandbox_shop: Any = field(default=None, init=False, repr=False)

    def make_client(self, *, read_only: bool = True):
        """A Shoptet client: the in-process demo sandbox with ``--sandbox``, else from the
        environment (DESIGN §7). Raises ``ConfigError`` when the environment is not usable.

        With ``--sandbox`` every client of one command talks to the same in-memory shop, so a
        write made by one is seen by the next read.
        """
        from reconciler.shoptet import ClientConfig, ShoptetClient

        if not self.sandbox:
            return ShoptetClient.from_env(read_only=read_only)
        config = ClientConfig(
            base_url=SANDBOX_URL, private_token=SANDBOX_TOKEN, read_only=read_only
        )
        return ShoptetClient(config, transport=self.sandbox_shop().transport())

    def sandbox_shop(self):
        """The demo sandbox behind ``--sandbox`` (created on first use)."""
        if self._sandbox_shop is None:
            # imported lazily: the sandbox is only needed with --sandbox
            from reconciler.sandbox import Sandbox

            self._sandbox_shop = Sandbox.from_seed("demo")
        return self._sandbox_shop
