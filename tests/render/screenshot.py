"""The plan comment as GitHub would show it: the golden Markdown rendered to HTML (GFM-like,
markdown-it-py) with a small GitHub-like stylesheet, and screenshots of it in headless
Chromium, collapsed (as the comment first appears) and expanded (every <details> open).

    python tests/render/screenshot.py OUT_DIR [GOLDEN.md ...]   # default: golden/full.md

Writes OUT_DIR/<name>.html, <name>.open.html and, when Chromium is installed
(``apt-get install -y chromium``), <name>.png and <name>.open.png. A manual step: the
normal test suite only checks the HTML (tests/render/test_html.py).

Diff blocks are coloured the way GitHub colours them: ``+`` green, ``-`` red, ``!`` orange
(GitHub's diff grammar marks ``!`` lines as changed), ``@@`` purple.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from markdown_it import MarkdownIt

GOLDEN_DIR = Path(__file__).parent / "golden"

CSS = """
body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
       color: #1f2328; background: #fff; margin: 0; padding: 16px 24px; max-width: 920px; }
h3 { font-size: 1.25em; margin: 16px 0 8px; }
h4 { font-size: 1em; margin: 16px 0 8px; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
       background: rgba(175,184,193,.2); padding: .2em .4em; border-radius: 6px; }
pre { background: #f6f8fa; border-radius: 6px; padding: 12px 16px; overflow: auto;
      font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre code { background: none; padding: 0; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; }
tr:nth-child(2n) { background: #f6f8fa; }
details { margin: 4px 0; }
summary { cursor: pointer; }
sub { color: #59636e; }
.ins { color: #116329; background: #dafbe1; display: block; }
.del { color: #82071e; background: #ffebe9; display: block; }
.chg { color: #953800; background: #ffd8b5; display: block; }
.rng { color: #8250df; display: block; }
"""

# The first character of a diff line -> the CSS class GitHub's highlighting amounts to.
_LINE_CLASS = {"+": "ins", "-": "del", "!": "chg", "@": "rng"}


def highlight(code: str, lang: str, _attrs: str) -> str:
    """markdown-it's highlight hook: ``diff`` blocks get one coloured span per line."""
    if lang != "diff":
        return ""  # markdown-it escapes it as plain code
    spans = []
    for line in code.rstrip("\n").split("\n"):
        css = _LINE_CLASS.get(line[:1])
        text = html.escape(line)
        spans.append(f'<span class="{css}">{text}</span>' if css else f"{text}\n")
    return '<pre><code class="language-diff">' + "".join(spans) + "</code></pre>\n"


def markdown_to_html(markdown: str, *, expanded: bool = False, title: str = "plan") -> str:
    """A whole HTML page for one comment; ``expanded`` opens every <details>."""
    md = MarkdownIt("gfm-like", {"linkify": False, "highlight": highlight})
    body = md.render(markdown)
    if expanded:
        body = body.replace("<details>", "<details open>")
    return (
        '<!DOCTYPE html>\n<html lang="cs"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head>\n"
        f"<body>\n{body}</body></html>\n"
    )


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(page: Path, png: Path, browser: str, height: int = 2400) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--screenshot={png}",
                f"--window-size=1000,{height}",
                page.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[3].strip(), file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    sources = [Path(a) for a in argv[1:]] or [GOLDEN_DIR / "full.md"]
    browser = chromium()
    for source in sources:
        markdown = source.read_text(encoding="utf-8")
        for suffix, expanded in ((".html", False), (".open.html", True)):
            page = out / (source.stem + suffix)
            page.write_text(markdown_to_html(markdown, expanded=expanded), encoding="utf-8")
            if browser:
                png = page.with_suffix(".png")
                screenshot(page, png, browser, 2400 if expanded else 1400)
                print(f"wrote {png}")
            else:
                print(f"wrote {page} (no chromium: apt-get install -y chromium for the PNG)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
