"""What every command shares: the catalog directory and how to reach the shop."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SANDBOX_URL = "http://127.0.0.1"
SANDBOX_TOKEN = "sandbox-token"


@dataclass
class AppContext:
    catalog_dir: Path
    sandbox: bool = False

    def make_client(self, *, read_only: bool = True):
        """A Shoptet client: the in-process demo sandbox with ``--sandbox``, else from the
        environment (DESIGN §7). Raises ``ConfigError`` when the environment is not usable."""
        from reconciler.shoptet import ClientConfig, ShoptetClient

        if not self.sandbox:
            return ShoptetClient.from_env(read_only=read_only)
        # imported lazily: the sandbox is only needed with --sandbox
        from reconciler.sandbox import Sandbox

        sandbox = Sandbox.from_seed("demo")
        config = ClientConfig(base_url=SANDBOX_URL, private_token=SANDBOX_TOKEN, read_only=read_only)
        return ShoptetClient(config, transport=sandbox.transport())
