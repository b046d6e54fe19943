"""What every command shares: the catalog directory and how to reach the shop."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class AppContext:
    catalog_dir: Path
    sandbox: bool = False

    def make_client(self, *, read_only: bool = True):
        """A Shoptet client: the in-process demo sandbox with ``--sandbox``, else from the
        environment (DESIGN §7).

        UNFINISHED: wired up once reconciler.shoptet and reconciler.sandbox exist.
        """
        raise NotImplementedError("client construction is not wired yet")
