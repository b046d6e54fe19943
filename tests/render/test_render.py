"""Renderers: golden files for text, Markdown and JSON, scope statements, and truncation."""

from __future__ import annotations

import pytest

from reconciler.plan.guards import GuardPolicy, compute_guards
from reconciler.plan.model import (
    Action,
    CatalogEntry,
    CatalogNotes,
    Change,
    FieldChange,
    Plan,
    Resource,
    Scope,
    Unmanaged,
    UnmanagedProduct,
)
from reconciler.render.formats import (
    MARKER,
    NO_CHANGES,
    render,
    render_json,
    render_markdown,
    render_text,
    summary_line,
)
from tests.plan.sample import NEW, UPD, empty_plan, sample_plan
from tests.render.golden import assert_golden

SCOPED = Scope.targeted([UPD, "DARK-1"], ref="origin/main")
PLANS = {
    "sample": sample_plan,
    "empty": empty_plan,
    "scoped": lambda: sample_plan(scope=SCOPED),
}


@pytest.mark.parametrize("name", sorted(PLANS))
def test_text_golden(name):
    assert_golden(f"{name}.txt", render_text(PLANS[name]()))


@pytest.mark.parametrize("name", sorted(PLANS))
def test_markdown_golden(name):
    assert_golden(f"{name}.md", render_markdown(PLANS[name](), catalog_dir="catalog"))


@pytest.mark.parametrize("name", sorted(PLANS))
def test_json_golden(name):
    assert_golden(f"{name}.json", render_json(PLANS[name]()))


def test_text_color_golden():
    assert_golden("sample.color.txt", render_text(sample_plan(), color=True))


def test_colour_only_when_asked():
    assert "\x1b[" not in render_text(sample_plan())
    assert "\x1b[" not in render_markdown(sample_plan())
    colored = render_text(sample_plan(), color=True)
    assert "\x1b[32m+ product" in colored and "\x1b[31m- product" in colored


def test_summary_line_counts_products_as_products_in_plain_words():
    assert summary_line(sample_plan()) == (
        "Plan: 1 product created, 1 updated, 1 deleted; "
        "4 variants, 3 prices, 3 stock amounts changed."
    )
    # the plan file keeps its per-resource counts for machines
    assert sample_plan().summary["total"] == 13
    assert sample_plan().summary["resources"]["stock"] == 3


def test_every_renderer_ends_text_with_the_summary_or_no_changes():
    text = render_text(sample_plan())
    assert text.rstrip("\n").endswith(summary_line(sample_plan()))
    assert NO_CHANGES in render_text(empty_plan())
    assert NO_CHANGES in render_markdown(empty_plan())
    assert "Plan:" not in render_text(empty_plan())


def test_text_shows_before_after_and_source():
    text = render_text(sample_plan())
    assert "~ price: 99.00 -> 109.90  # catalog/products/choc.yaml:26" in text
    assert "~ stock DARK-1 in stock 1" in text
    assert '- product "Stará tyčinka" (7c9e6679…)  # catalog/products/choc.yaml:40' in text
    assert "[REFUSED] protected" in text
    assert "Unmanaged: 2 live products" in text


@pytest.mark.parametrize("renderer", [render_text, render_markdown, render_json])
def test_scoped_plans_say_so_in_every_renderer(renderer):
    out = renderer(sample_plan(scope=SCOPED))
    assert "covers only the listed products" in out
    assert "scheduled drift check" in out
    assert "covers only" not in renderer(sample_plan())


def test_markdown_starts_with_the_hidden_marker():
    assert render_markdown(sample_plan()).splitlines()[0] == MARKER
    first = render_markdown(sample_plan(), catalog_dir="shops/a").splitlines()[0]
    assert first == "<!-- shoptet-catalog-plan catalog=shops/a -->"
    evil = render_markdown(sample_plan(), catalog_dir="x --> <b>").splitlines()[0]
    assert evil.count("-->") == 1 and evil.endswith("-->")


def test_markdown_puts_summary_guards_and_deletions_before_details():
    md = render_markdown(sample_plan())
    first_details = md.index("<details><summary>+ product")
    assert md.index("| product | 1 | 1 | 1 |") < first_details
    assert md.index("**Guards**") < first_details
    assert md.index("**Deletions (2)**") < first_details
    assert "**- product Stará tyčinka `7c9e6679-7425-40de-944b-e07fc1f90ae7`**" in md


def test_markdown_escapes_names():
    plan = Plan(
        "d",
        changes=(Change(Action.DELETE, Resource.PRODUCT, NEW, name="<script>x</script> | *bold*"),),
    )
    md = render_markdown(plan)
    assert "<script>" not in md
    assert "&lt;script&gt;x&lt;/script&gt; \\| \\*bold\\*" in md


def test_markdown_fence_survives_backticks_in_values():
    change = Change(
        Action.UPDATE,
        Resource.PRODUCT,
        NEW,
        fields=(FieldChange("description", "```", "````x"),),
    )
    md = render_markdown(Plan("d", changes=(change,)))
    assert "`````diff" in md


def guid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def big_plan(n_products: int, n_deletes: int) -> Plan:
    changes = []
    for n in range(n_products):
        changes += [
            Change(
                Action.UPDATE,
                Resource.PRODUCT,
                guid(n),
                fields=(FieldChange("name", f"Old name {n}", f"New name {n}", f"p/{n}.yaml:3"),),
                name=f"New name {n}",
                source=f"p/{n}.yaml:2",
            ),
            Change(
                Action.UPDATE,
                Resource.PRICE,
                guid(n),
                f"CODE-{n}",
                fields=(FieldChange("price", "10", "12.5", f"p/{n}.yaml:6"),),
            ),
        ]
    for n in range(n_deletes):
        changes.append(
            Change(
                Action.DELETE,
                Resource.PRODUCT,
                guid(100_000 + n),
                name=f"Doomed product {n}",
                source=f"p/d{n}.yaml:1",
            )
        )
    guards = compute_guards(
        changes, policy=GuardPolicy(max_deletes=10), existing_managed=n_products + n_deletes
    )
    return Plan("d" * 64, changes=tuple(changes), guards=guards, eshop_id=1)


def test_markdown_for_2000_changes_stays_small_and_keeps_the_essentials():
    plan = big_plan(975, 50)
    assert len(plan.changes) == 2000
    md = render_markdown(plan)
    assert len(md) < 60_000
    assert summary_line(plan) in md
    for change in plan.changes:
        if change.action is Action.DELETE:
            assert f"{change.name} `{change.guid}`" in md
    for guard in plan.guards:
        assert guard.message.replace("_", "\\_") in md
    assert "more products" in md and "not shown here" in md
    assert "plan JSON artifact" in md


def test_markdown_with_thousands_of_deletions_still_fits():
    plan = big_plan(0, 3000)
    md = render_markdown(plan, max_chars=60_000, artifact="the `plan` artifact")
    assert len(md) < 60_000
    assert "**Deletions (3000)**" in md
    assert "more deletions: every one is listed in the 'plan' artifact" in md
    for guard in plan.guards:
        assert guard.name in md


@pytest.mark.parametrize("max_chars", [2_000, 10_000, 30_000])
def test_markdown_respects_max_chars(max_chars):
    assert len(render_markdown(big_plan(400, 5), max_chars=max_chars)) <= max_chars


def test_render_dispatches_by_name():
    plan = sample_plan()
    assert render(plan, "json") == plan.to_json()
    assert render(plan, "text", color=False) == render_text(plan)
    assert render(plan, "markdown", catalog_dir="c") == render_markdown(plan, catalog_dir="c")
    with pytest.raises(ValueError, match="unknown plan format 'html'"):
        render(plan, "html")


@pytest.mark.parametrize("name", sorted(PLANS))
def test_a_saved_plan_renders_exactly_like_the_fresh_one(name):
    plan = PLANS[name]()
    loaded = Plan.from_json(plan.to_json())
    assert render_text(loaded) == render_text(plan)
    assert render_markdown(loaded) == render_markdown(plan)


def test_markdown_never_exceeds_max_chars_even_with_a_long_head():
    plan = sample_plan(
        unmanaged=Unmanaged(500, tuple(UnmanagedProduct(guid(n), "N" * 200) for n in range(20))),
        scope=Scope.targeted([guid(n) for n in range(20)]),
    )
    md = render_markdown(plan, max_chars=2_000)
    assert len(md) <= 2_000
    assert md.startswith(MARKER) and summary_line(plan) in md
    assert md.rstrip().endswith(
        "the full plan is in the plan JSON artifact of this workflow run.**"
    )


NOTED = CatalogNotes(
    removed=(
        CatalogEntry("5c499a23-70ac-11e9-9208-08002774f818", None, "Hořká čokoláda"),
        CatalogEntry(UPD, "DARK-2", "Mléčná čokoláda"),
    ),
    unmentioned=(CatalogEntry(UPD, "DARK-3", "Mléčná čokoláda"),),
    unmentioned_count=3,
)


def test_a_plan_with_only_notes_says_no_changes_to_write_not_that_the_shop_matches():
    plan = empty_plan(notes=NOTED)
    for text in (render_text(plan), render_markdown(plan)):
        assert NO_CHANGES not in text
        assert "No changes to write." in text
        assert "stays in the shop, now unmanaged; to delete it write `absent: true`" in text
        assert "DARK-3" in text and "2 more" in text
        assert "Plan:" not in text
    assert render_markdown(plan).splitlines()[1] == "### No changes to write."


def test_removed_entries_come_first_and_unmentioned_variants_after_the_changes():
    text = render_text(sample_plan(notes=NOTED))
    removed = text.index("Removed from the catalog")
    assert removed < text.index("Symbols:") < text.index("Not in the catalog: left alone")
    assert 'product "Hořká čokoláda" (5c499a23-70ac-11e9-9208-08002774f818)' in text
    assert f'variant DARK-2 of product "Mléčná čokoláda" ({UPD})' in text
    assert "(first 1 listed)" in text
    md = render_markdown(sample_plan(notes=NOTED), catalog_dir="catalog")
    assert md.index("Removed from the catalog") < md.index("#### Changes by product")
    assert f"variant `DARK-2` of product Mléčná čokoláda `{UPD}`" in md
    assert "… and 2 more" in md
