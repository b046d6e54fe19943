"""The one pull-request comment for every shop (reconciler.render.combined): the size limit,
whole blocks only, every shop's heading and guard line, hostile names, and the golden
five-shop comment (also rendered to HTML with markdown-it-py, as GitHub would, to check the
structure an eye would see)."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from reconciler.plan.guards import GuardPolicy, compute_guards
from reconciler.plan.model import (
    Action,
    CatalogEntry,
    CatalogNotes,
    Change,
    FieldChange,
    GuardVerdict,
    IgnoredRule,
    Plan,
    Resource,
    Unmanaged,
    UnmanagedProduct,
)
from reconciler.render.combined import (
    COMMENT_LIMIT,
    ShopResult,
    render_combined,
    safe_name,
)
from reconciler.render.markdown import MARKER, balanced_prefix, render_markdown
from tests.plan.sample import empty_plan
from tests.render.golden import GOLDEN_DIR, assert_golden

RUN = "https://github.com/acme/catalog/actions/runs/4242"


def guid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


@cache
def large_plan(n_products: int, *, price_drop: bool = False, seed: int = 0) -> Plan:
    """``n_products`` products, each with a name and a price update (3 lines of diff each);
    ``price_drop`` makes the first price fall by 80% (the price guard refuses it)."""
    changes = []
    for n in range(n_products):
        new_price = "2" if price_drop and n == 0 else f"{10 + n % 4}.5"
        changes += [
            Change(
                Action.UPDATE,
                Resource.PRODUCT,
                guid(seed * 100_000 + n),
                fields=(FieldChange("name", f"Old name {n}", f"New name {n}", f"p/{n}.yaml:3"),),
                name=f"New name {n}",
                source=f"p/{n}.yaml:2",
            ),
            Change(
                Action.UPDATE,
                Resource.PRICE,
                guid(seed * 100_000 + n),
                f"CODE-{seed}-{n}",
                fields=(FieldChange("price", "10", new_price, f"p/{n}.yaml:6"),),
            ),
        ]
    guards = compute_guards(changes, policy=GuardPolicy(), existing_managed=10 * n_products + 10)
    return Plan(
        f"{seed:02d}" * 32,
        changes=tuple(changes),
        guards=guards,
        eshop_id=1000 + seed,
        pricelist_id=1,
        tool_version="0.1.0",
    )


def five_shops() -> list[ShopResult]:
    """One refused by the price guard, one failed, one empty, two large."""
    return [
        ShopResult("at", "shoptet-plan-at", 3, large_plan(3, price_drop=True, seed=1), "shops/at"),
        ShopResult("cz", "shoptet-plan-cz", 2, large_plan(700, seed=2), "shops/cz"),
        ShopResult("de", "shoptet-plan-de", 1, None, "shops/de"),
        ShopResult("hu", "shoptet-plan-hu", 0, empty_plan(), "shops/hu"),
        ShopResult("sk", "shoptet-plan-sk", 2, large_plan(450, seed=3), "shops/sk"),
    ]


# --- what GitHub would show: Markdown -> HTML, checked with an HTML parser ---------------------


def to_html(markdown: str) -> str:
    """GitHub-flavoured enough for structure: raw HTML blocks (details) and tables."""
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)


class _Structure(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open_details = self.max_depth = 0
        self.closed_too_often = False
        self.h3: list[str] = []
        self._in_h3 = False
        self.subs: list[str] = []
        self._in_sub = False

    def handle_starttag(self, tag, attrs):
        if tag == "details":
            self.open_details += 1
            self.max_depth = max(self.max_depth, self.open_details)
        elif tag == "h3":
            self._in_h3 = True
            self.h3.append("")
        elif tag == "sub":
            self._in_sub = True
            self.subs.append("")

    def handle_endtag(self, tag):
        if tag == "details":
            self.open_details -= 1
            self.closed_too_often |= self.open_details < 0
        elif tag == "h3":
            self._in_h3 = False
        elif tag == "sub":
            self._in_sub = False

    def handle_data(self, data):
        if self._in_h3:
            self.h3[-1] += data
        if self._in_sub:
            self.subs[-1] += data


def structure(markdown: str) -> _Structure:
    parser = _Structure()
    parser.feed(to_html(markdown))
    parser.close()
    return parser


def assert_well_formed(md: str, shops: list[ShopResult], limit: int = COMMENT_LIMIT) -> None:
    assert len(md) <= limit
    assert md.startswith(MARKER + "\n") and md.count("<!-- shoptet-catalog-plan") == 1
    # every fence and <details> opened is closed again (the whole text is its own balanced
    # prefix), and an HTML parser agrees: a block left open would swallow what follows
    assert balanced_prefix(md, len(md)) == md
    seen = structure(md)
    assert seen.open_details == 0 and not seen.closed_too_often
    assert seen.max_depth <= 1
    # the footer is still a real element, not text inside an unclosed code block
    assert seen.subs and seen.subs[-1].startswith("Plan run:")
    if len(shops) > 1:
        shown = [h for h in seen.h3 if h.startswith("Shop ")]
        for shop in shops:
            row = f"| `{safe_name(shop.name)}` |"
            assert row in md, f"no table row for {shop.name}"
        note = re.search(r"\*\*(\d+) more shops? not shown here", md)
        hidden = int(note.group(1)) if note else 0
        assert shown == [f"Shop {safe_name(s.name)}" for s in shops[: len(shops) - hidden]]


# --- the five-shop comment ---------------------------------------------------------------------


def test_five_shop_golden():
    assert_golden("five-shops.md", render_combined(five_shops(), run_url=RUN))


def test_five_shop_comment_fits_and_keeps_every_heading_and_guard_line():
    shops = five_shops()
    md = render_combined(shops, run_url=RUN)
    assert_well_formed(md, shops)
    assert len(md) > 50_000  # the big shops do use the room the small ones leave
    # the table: one row per shop, what happened, in the reader's words
    assert "| `at` | ⛔ 6 changes, refused by guard `price` (label `shoptet:allow-price`) |" in md
    assert "| `cz` | 1400 changes | 0 / 700 / 0 | ok |" in md
    assert "| `de` | ❌ plan failed (exit 1) | – | – |" in md
    assert "| `hu` | no changes | 0 / 0 / 0 | ok |" in md
    assert "| `sk` | 900 changes | 0 / 450 / 0 | ok |" in md
    assert md.index("| `sk` |") < md.index("### Shop `at`")
    # the refused shop's section starts with the guard and the label that allows it
    at = md[md.index("### Shop `at`") :]
    assert at.startswith(
        "### Shop `at`\n\n**⛔ The apply would be refused: guard `price` (a maintainer sets the "
        f"label `shoptet:allow-price` after the last push, or the catalog changes).** Log: {RUN}"
    )
    assert "⚠️ **price (needs --allow-price)" in at
    de = md[md.index("### Shop `de`") :]
    assert de.startswith(f"### Shop `de`\n\n**❌ The plan failed (exit 1).** See the log: {RUN}")
    # the big shops are cut between products, saying how much is left out and where
    for shop, total in (("cz", 1400), ("sk", 900)):
        section = md[md.index(f"### Shop `{shop}`") :]
        m = re.search(r"\*\*(\d+) more changes \((\d+) products\) not shown here", section)
        assert m, shop
        assert f"they are in the artifact `shoptet-plan-{shop}`.**" in section
        shown = section[: m.start()].count("<details><summary>")
        assert 2 * shown + int(m.group(1)) == total and shown + int(m.group(2)) == total // 2
    assert md.rstrip().endswith(
        f"<sub>Plan run: {RUN}. After merge, catalog-apply applies the last plan of this pull "
        "request's head commit.</sub>"
    )


def test_the_golden_renders_to_html_with_five_shop_headings_and_balanced_details():
    md = (GOLDEN_DIR / "five-shops.md").read_text(encoding="utf-8")
    seen = structure(md)
    assert [h for h in seen.h3 if h.startswith("Shop ")] == [
        "Shop at",
        "Shop cz",
        "Shop de",
        "Shop hu",
        "Shop sk",
    ]
    html = to_html(md)
    assert html.count("<details>") == html.count("</details>") > 100
    assert seen.open_details == 0 and not seen.closed_too_often
    assert html.count("<table>") == 1 + 3  # the shops table, then each plan's own summary


def test_small_shops_leave_their_room_to_the_big_one():
    big = ShopResult("big", "shoptet-plan-big", 2, large_plan(700, seed=2))
    alone = render_combined([big, ShopResult("small", "shoptet-plan-small", 0, empty_plan())])
    even_split = COMMENT_LIMIT // 2
    section = alone[alone.index("### Shop `big`") :]
    assert len(section) > 1.5 * even_split  # far more than the half an even split gives


def test_one_shop_gets_no_table_and_no_shop_heading():
    md = render_combined([ShopResult("main", "shoptet-plan-main", 2, large_plan(2))], run_url=RUN)
    assert md.startswith(MARKER + "\n\n### Plan: 2 products updated; 2 prices changed.")
    assert "### Shop" not in md and "| Shop |" not in md
    assert_well_formed(md, [])


def test_no_shop_at_all_says_no_plan_was_made():
    md = render_combined([], run_url=RUN)
    assert md.startswith(MARKER + "\n\n**No plan was made.** See the log: " + RUN)
    assert_well_formed(md, [])


def test_unreadable_files_show_as_no_plan():
    shops = [
        ShopResult("cz", "shoptet-plan-cz", None),  # meta.json unreadable
        ShopResult("sk", "shoptet-plan-sk", 2, None),  # plan.json unreadable
    ]
    md = render_combined(shops, run_url=RUN)
    assert md.count("| no plan (file unreadable) | – | – |") == 2
    assert "**No plan: the plan files in the artifact `shoptet-plan-sk` could not be read.**" in md


def test_a_refusal_without_a_label_says_so():
    plan = large_plan(2)
    refused = Plan(
        plan.catalog_digest,
        changes=plan.changes,
        guards=(GuardVerdict("protected", False, "Protected products would be deleted."),),
        tool_version="0.1.0",
    )
    md = render_combined([ShopResult("cz", "a", 3, refused), ShopResult("sk", "b", 1)])
    assert "⛔ 4 changes, refused by guard `protected` |" in md
    assert "`protected` refused (no label allows it)" in md
    assert "guard `protected` (no label allows this: change the catalog or the shop.yaml" in md


# --- untrusted input ---------------------------------------------------------------------------

HOSTILE_NAMES = [
    "cz`\n### Shop `fake`",
    "</details><details><summary>x",
    "a | b | c",
    "```diff",
    "<!-- shoptet-catalog-plan -->",
    "x" * 500,
    "",
    "[link](https://evil.example)",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_shop_name_never_breaks_out_of_its_code_span(name):
    shops = [ShopResult(name, name, 2, large_plan(3)), ShopResult("sk", "shoptet-plan-sk", 1)]
    md = render_combined(shops, run_url=RUN)
    assert_well_formed(md, shops)
    shown = safe_name(name)
    assert re.fullmatch(r"[A-Za-z0-9._?-]{1,64}…?", shown)
    assert f"### Shop `{shown}`" in md and f"| `{shown}` |" in md
    assert "<a " not in to_html(md) and md.count("### Shop") == 2


def test_a_hostile_run_url_is_not_linked():
    md = render_combined([ShopResult("sk", "b", 1)], run_url="javascript:alert(1) <b>")
    assert "javascript" not in md and "<b>" not in md
    assert "See the log: the workflow run's page" in md


def test_a_hand_made_plan_whose_markdown_leaves_a_block_open_is_shown_by_its_summary():
    # An ignore rule is shown in a code span; one with a newline and a fence (no plan the
    # tool writes, but a plan file is an artifact anyone with the branch can shape) would
    # open a code block that swallows every shop after it.
    plan = large_plan(2)
    evil = Plan(
        plan.catalog_digest,
        changes=plan.changes,
        guards=plan.guards,
        ignored=(IgnoredRule("x\n````", 1),),
        tool_version="0.1.0",
    )
    assert balanced_prefix(render_markdown(evil), 10**9) != render_markdown(evil)
    shops = [ShopResult("cz", "a", 2, evil), ShopResult("sk", "b", 0, empty_plan())]
    md = render_combined(shops, run_url=RUN)
    assert_well_formed(md, shops)
    assert "### Shop `cz`\n\n**Plan: 2 products updated; 2 prices changed.**" in md
    assert "The changes are not shown here, to stay within GitHub's comment size" in md


def test_a_plan_whose_head_alone_is_too_big_is_cut_between_blocks_and_keeps_its_guard_row():
    # 3,000 products removed from the YAML are listed before the guards: render_markdown's
    # last-resort cut drops the guards from the shop's section, the table row keeps them
    plan = large_plan(3, price_drop=True, seed=1)
    removed = tuple(CatalogEntry(guid(n), None, "<details> ```" * 3) for n in range(3000))
    noisy = Plan(
        plan.catalog_digest,
        changes=plan.changes,
        guards=plan.guards,
        unmanaged=Unmanaged(900, tuple(UnmanagedProduct(guid(n), "U" * 80) for n in range(20))),
        notes=CatalogNotes(removed=removed),
        tool_version="0.1.0",
    )
    for notes, max_chars in ((CatalogNotes(removed=removed[:3]), 2_000), (noisy.notes, 5_000)):
        alone = render_markdown(replace(noisy, notes=notes), max_chars=max_chars)
        assert len(alone) <= max_chars and "cut to fit" in alone
        assert balanced_prefix(alone, len(alone)) == alone  # not cut inside the <details>
    shops = [*five_shops()[1:], ShopResult("zz", "shoptet-plan-zz", 3, noisy)]
    md = render_combined(shops, run_url=RUN)
    assert_well_formed(md, shops)
    assert "| `zz` | ⛔ 6 changes, refused by guard `price` (label `shoptet:allow-price`) |" in md
    assert md[md.index("### Shop `zz`") :].startswith(
        "### Shop `zz`\n\n**⛔ The apply would be refused: guard `price`"
    )


# --- the property: any sizes, any limit --------------------------------------------------------

SIZES = (0, 1, 40, 300, 900)
KINDS = ("changes", "refused", "failed", "empty", "unreadable")


def make_shop(i: int, kind: str, size: int) -> ShopResult:
    name = f"shop{i}"
    if kind == "failed":
        return ShopResult(name, f"shoptet-plan-{name}", 1)
    if kind == "unreadable":
        return ShopResult(name, f"shoptet-plan-{name}", 2, None)
    if kind == "empty" or size == 0:
        return ShopResult(name, f"shoptet-plan-{name}", 0, empty_plan())
    plan = large_plan(size, price_drop=kind == "refused", seed=i % 3)
    return ShopResult(name, f"shoptet-plan-{name}", 3 if kind == "refused" else 2, plan)


@settings(max_examples=25, deadline=None)
@given(
    shops=st.lists(st.tuples(st.sampled_from(KINDS), st.sampled_from(SIZES)), max_size=9),
    limit=st.sampled_from([12_000, 25_000, 45_000, COMMENT_LIMIT]),
)
def test_any_mix_of_shops_fits_the_limit_with_every_block_closed(shops, limit):
    results = [make_shop(i, kind, size) for i, (kind, size) in enumerate(shops)]
    md = render_combined(results, run_url=RUN, limit=limit)
    assert_well_formed(md, results, limit)
    for shop in results:  # every refusal names its guard and label, in the table at least
        if len(results) > 1 and shop.exit_code == 3:
            assert f"| `{shop.name}` | ⛔ " in md and "(label `shoptet:allow-price`)" in md


def test_forty_shops_still_fit_and_name_every_shop_in_the_table():
    results = [make_shop(i, KINDS[i % 5], 300) for i in range(40)]
    md = render_combined(results, run_url=RUN)
    assert_well_formed(md, results)
    assert "more shops not shown here" in md or md.count("### Shop") == 40


def test_balanced_prefix_stops_before_an_open_block():
    text = "a\n<details><summary>s</summary>\n\n```diff\n+ x\n```\n\n</details>\nb\n"
    assert balanced_prefix(text, len(text)) == text
    assert balanced_prefix(text, text.index("</details>")) == "a\n"
    assert balanced_prefix("x\n````\n```\n", 100) == "x\n"  # a shorter fence does not close
