"""Readable plans (issue 15): the ``full`` golden files, catalog order, the refusal headline,
long text in a collapsed line diff, and cuts that never leave a code block or <details> open."""

from __future__ import annotations

import re

import pytest

from reconciler.plan.guards import GuardPolicy, compute_guards
from reconciler.plan.model import Action, Change, FieldChange, Plan, Resource
from reconciler.render.formats import render_json, render_markdown, render_text, summary_line
from tests.render.full_plan import (
    KOLUMBIE,
    MATE,
    NEW_DESCRIPTION,
    OLD_DESCRIPTION,
    PERU,
    PRUNED,
    SENCHA,
    full_plan,
)
from tests.render.golden import assert_golden


def test_full_text_golden():
    assert_golden("full.txt", render_text(full_plan()))


def test_full_text_colour_golden():
    assert_golden("full.color.txt", render_text(full_plan(), color=True))


def test_full_markdown_golden():
    assert_golden("full.md", render_markdown(full_plan(), catalog_dir="catalog"))


def test_full_json_golden():
    assert_golden("full.json", render_json(full_plan()))


def _order(text: str, *needles: str) -> list[int]:
    return [text.index(n) for n in needles]


def test_products_come_in_catalog_order_registry_first_unplaced_last():
    # GUID order would be PRUNED, MATE, KOLUMBIE, SENCHA, PERU
    text = render_text(full_plan())
    heads = [line for line in text.splitlines() if re.match(r"[+~-] product ", line)]
    assert [h.split("(")[1][:8] for h in heads] == [
        g[:8] for g in (PERU, KOLUMBIE, SENCHA, MATE, PRUNED)
    ]
    assert text.index("variant parameter hmotnost") < text.index(heads[0])
    md = render_markdown(full_plan())
    assert _order(md, PERU + "</code>", KOLUMBIE + "</code>", SENCHA + "</code>") == sorted(
        _order(md, PERU + "</code>", KOLUMBIE + "</code>", SENCHA + "</code>")
    )
    assert md.index(MATE + "</code>") < md.index(PRUNED + "</code>")


def test_variants_follow_their_yaml_lines_within_a_product():
    changes = [
        Change(
            Action.UPDATE,
            Resource.PRICE,
            MATE,
            "B-LATER",
            source="t.yaml:30",
            fields=(FieldChange("price", "1", "2", "t.yaml:31"),),
        ),
        Change(
            Action.UPDATE,
            Resource.PRICE,
            MATE,
            "Z-FIRST",
            source="t.yaml:10",
            fields=(FieldChange("price", "1", "2", "t.yaml:11"),),
        ),
    ]
    text = render_text(Plan("d", changes=tuple(changes)))
    assert text.index("price Z-FIRST") < text.index("price B-LATER")


def test_a_product_without_a_catalog_line_shows_its_full_guid_and_named_ones_a_short_one():
    text = render_text(full_plan())
    assert f'- product "Starý vzorek" ({PRUNED})\n' in text
    assert (
        f'+ product "Káva Peru Chanchamayo" ({PERU[:8]}…)  # catalog/products/coffee.yaml:3' in text
    )
    md = render_markdown(full_plan())
    for guid in (PERU, KOLUMBIE, SENCHA, MATE, PRUNED):  # the full GUID stays findable
        assert f"<code>{guid}</code>" in md


def test_a_refused_guard_is_the_headline_and_an_ok_plan_keeps_the_summary():
    md = render_markdown(full_plan())
    assert md.splitlines()[1] == (
        "### ⛔ Apply would be refused: delete-limit guard (label shoptet:allow-delete); "
        "price guard (label shoptet:allow-price)"
    )
    assert f"**{summary_line(full_plan())}**" in md
    text = render_text(full_plan())
    assert "Apply would be refused: delete-limit guard" in text.splitlines()[-2]
    calm = [
        c
        for c in full_plan().changes
        if c.action is not Action.DELETE and c.resource is not Resource.PRICE
    ]
    ok = full_plan(
        changes=calm, guards=compute_guards(calm, policy=GuardPolicy(), existing_managed=30)
    )
    assert render_markdown(ok).splitlines()[1] == f"### {summary_line(ok)}"
    assert "refused" not in render_text(ok)


def test_a_guard_no_label_can_allow_says_so():
    plan = full_plan(
        guards=compute_guards(
            full_plan().changes,
            policy=GuardPolicy(protect=frozenset({SENCHA})),
            existing_managed=30,
        )
    )
    assert "protected guard (no label allows it)" in render_markdown(plan).splitlines()[1]


def test_updates_are_orange_bang_lines_in_markdown_and_tilde_in_text():
    md = render_markdown(full_plan())
    blocks = re.findall(r"```diff\n(.*?)\n```", md, re.S)
    lines = [line for block in blocks for line in block.splitlines()]
    assert "!   price: 209.00 -> 419.00 Kč  # catalog/products/coffee.yaml:56" in lines
    assert not [line for line in lines if line.startswith("~")]
    assert "~ price: 209.00 -> 419.00 Kč" in render_text(full_plan())


def test_long_html_is_a_collapsed_line_diff_not_one_escaped_line():
    md = render_markdown(full_plan())
    assert OLD_DESCRIPTION not in md and NEW_DESCRIPTION not in md
    block = md[md.index("<details><summary>description: ") :]
    block = block[: block.index("</details>")]
    assert "- <li>Balení 50 g</li>\n+ <li>Balení 100 g</li>" in block
    assert "2 lines changed (230 -&gt; 236 chars)" in block
    # nested inside the product's own section, after its diff
    section = md[md.index(f"<code>{MATE}</code>") :]
    assert section.index("```diff") < section.index("<details><summary>description")
    text = render_text(full_plan())
    assert "    ~ description: 2 lines changed (230 -> 236 chars)  # catalog" in text
    assert "      - <li>Balení 50 g</li>\n      + <li>Balení 100 g</li>" in text


def test_control_characters_in_long_text_are_escaped_in_the_terminal():
    change = Change(
        Action.UPDATE,
        Resource.PRODUCT,
        MATE,
        fields=(FieldChange("description", "a\n" * 50, "a\n" * 49 + "\x1b[31mred"),),
    )
    text = render_text(Plan("d", changes=(change,)))
    assert "\x1b" not in text and "\\x1b[31mred" in text


def _open_blocks(md: str) -> tuple[str, int]:
    """The fence still open at the end (or "") and the <details> depth outside fences."""
    fence, depth = "", 0
    for line in md.splitlines():
        stripped = line.strip()
        if fence:
            if stripped == fence:
                fence = ""
        elif stripped.startswith("```"):
            fence = stripped[: len(stripped) - len(stripped.lstrip("`"))]
        else:
            depth += line.count("<details>") - line.count("</details>")
            assert depth >= 0, "a </details> without its <details>"
    return fence, depth


def _bulky_plan() -> Plan:
    base = list(full_plan().changes)
    more = []
    for n in range(60):
        guid = f"00000000-0000-4000-8000-{n:012d}"
        more.append(
            Change(
                Action.UPDATE,
                Resource.PRODUCT,
                guid,
                name=f"Produkt {n}",
                source=f"p/{n}.yaml:2",
                fields=(
                    FieldChange(
                        "description", OLD_DESCRIPTION * 3, NEW_DESCRIPTION * 3, f"p/{n}.yaml:3"
                    ),
                ),
            )
        )
    registry = [
        Change(
            Action.CREATE,
            Resource.PARAMETER_VALUE,
            "",
            f"hmotnost:{n}-g",
            fields=(FieldChange("paramValue", None, f"{n} g"),),
        )
        for n in range(1, 80)
    ]
    return full_plan(changes=base + more + registry)


@pytest.mark.parametrize("max_chars", [*range(2_000, 20_000, 650), 30_000, 60_000])
def test_no_cut_leaves_a_code_block_or_details_open(max_chars):
    md = render_markdown(_bulky_plan(), max_chars=max_chars)
    assert len(md) <= max_chars
    assert _open_blocks(md) == ("", 0)


def test_the_checker_itself_sees_an_open_fence_and_open_details():
    assert _open_blocks("```diff\n+ x\n") == ("```", 0)
    assert _open_blocks("<details><summary>x</summary>\n\ntext\n") == ("", 1)


def test_the_comment_names_the_catalog_files_the_changes_come_from():
    # CODEOWNERS works per file (one file per category): the reviewer sees whose files these are
    from dataclasses import replace

    from reconciler.render.common import FILES_SHOWN, files_touched

    plan = full_plan()
    files = files_touched(plan)
    assert files and files == sorted(set(files))
    md = render_markdown(plan)
    assert "**Catalog files:** " + ", ".join(f"`{f}`" for f in files) in md
    base = next(c for c in plan.changes if c.action is Action.UPDATE)
    many = [
        replace(
            base,
            guid=f"00000000-0000-4000-8000-{i:012}",
            source=f"catalog/products/f{i:02}.yaml:1",
            fields=tuple(replace(f, source=None) for f in base.fields),
        )
        for i in range(FILES_SHOWN + 5)
    ]
    crowded = replace(plan, changes=tuple(many))
    assert len(files_touched(crowded)) == FILES_SHOWN + 5
    assert "`catalog/products/f19.yaml` and 5 more" in render_markdown(crowded)
    evil = replace(plan, changes=(replace(base, source="a`b.yaml:3"),))
    assert "`a'b.yaml`" in render_markdown(evil)  # a backtick cannot end the code span early
