"""Issue 18, "import of a shop with all of these, then plan: no changes": the demo shop (its
galleries with a variant's own image, specification tables, filtering parameters, related and
alternative products) imported whole into an empty directory plans no changes, and an apply of
that plan writes nothing. Then the image lock joins in: an image added by URL is recorded by
apply, a fresh import writes it as its ``src`` (and rewrites the lock), and the plan is again
empty."""

from __future__ import annotations

from reconciler.sandbox import Sandbox
from tests.apply.support import demo_state, run_cli, write_requests
from tests.support.sandbox_client import served

NEW_IMAGE = "https://cdn.example.cz/guatemala-1kg.jpg"


def test_import_all_of_the_demo_with_content_then_plan_is_empty_and_apply_writes_nothing(
    tmp_path, monkeypatch, capsys
):
    sb = Sandbox(demo_state())

    def cli(*args: str) -> tuple[int, str]:
        code, out, err = run_cli(monkeypatch, capsys, tmp_path, list(args), url=server.url)
        return code, out + err

    with served(sb) as server:
        code, out = cli("import", "--all", "--catalog", "catalog")
        assert code == 0, out
        text = "".join(
            p.read_text(encoding="utf-8") for p in sorted((tmp_path / "catalog").rglob("*.yaml"))
        )
        for stated in (  # every kind of content reached the files
            "images:",
            '{name: "104.jpg"}',
            '{name: "105.jpg", alt: "V60 černý"}',
            'image: "105.jpg"',
            "descriptiveParameters:",
            "{name: Velikost, value: 02, description: na 1-4 šálky, priority: 20}",
            "filteringParameters:",
            "Chuťové tóny",
            "relatedProducts:",
            "alternativeProducts:",
        ):
            assert stated in text, stated

        code, out = cli("plan", "--catalog", "catalog", "--detailed-exitcode", "--out", "p.json")
        assert code == 0, out
        assert "No changes" in out
        before = len(sb.request_log)
        code, out = cli("apply", "p.json", "--auto-approve")
        assert code == 0, out
        assert write_requests(sb, before) == []

        imported = tmp_path / "catalog" / "products" / "imported.yaml"
        gallery = '      - {name: "102.jpg", alt: "Balení 500 g"}\n'
        added = gallery + f'      - {{src: "{NEW_IMAGE}", alt: "Balení 1 kg"}}\n'
        imported.write_text(imported.read_text(encoding="utf-8").replace(gallery, added, 1))
        code, out = cli("apply", "--catalog", "catalog", "--auto-approve")
        assert code == 0, out
        lock = tmp_path / "catalog" / "images.lock.yaml"
        assert "107.jpg" in lock.read_text(encoding="utf-8")

        lock_text = lock.read_text(encoding="utf-8")
        imported.unlink()
        code, out = cli("import", "--all", "--catalog", "catalog")
        assert code == 0, out
        assert f'{{src: "{NEW_IMAGE}", alt: "Balení 1 kg"}}' in imported.read_text(encoding="utf-8")
        assert lock.read_text(encoding="utf-8") == lock_text
        code, out = cli("plan", "--catalog", "catalog", "--detailed-exitcode")
        assert code == 0, out
