"""Variant parameters in the plan as a catalog manager wrote them: ``Barva: Bílá -> Modrá``,
only the parameters that differ, added and removed ones marked, by the names the plan carries
(``Names.parameters``) or by their slugs when it carries none (an older plan file); one line
whatever a shop's names hold, verbatim inside the Markdown diff block."""

from __future__ import annotations

import json
import re

from reconciler.plan.model import Action, Change, FieldChange, Names, Plan, Resource
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_text
from reconciler.render.values import show, show_change
from tests.render.full_plan import full_plan

GUID = "37b171f0-5796-5998-89c2-fcaf36b7c06b"
NAMES = Names(
    parameters={"barva": "Barva", "velikost": "Velikost", "mleti": "Mletí"},
    parameter_values={
        "barva": {"bila": "Bílá", "modra": "Modrá", "zelena": "Zelená"},
        "velikost": {"m": "M", "xl": "XL"},
        "mleti": {"zrno": "Zrnková"},
    },
)


def _plan(action: Action, before, after, names: Names = NAMES, code: str = "00124-BILA") -> Plan:
    change = Change(
        action,
        Resource.VARIANT,
        GUID,
        code,
        fields=(FieldChange("parameters", before, after, "catalog/products/p.yaml:7"),),
        source="catalog/products/p.yaml:6",
        name="Mlýnek Burr 200",
    )
    return full_plan(changes=[change], names=names)


def _line(text: str, prefix: str) -> str:
    """The one line of ``text`` holding the parameters field."""
    (line,) = [row for row in text.splitlines() if f"{prefix}parameters:" in row]
    return line


def test_a_changed_value_shows_only_that_parameter_by_name():
    plan = _plan(Action.UPDATE, {"barva": "bila", "velikost": "m"}, {"barva": "modra", "velikost": "m"})
    assert _line(render_text(plan), "~ ").strip() == (
        "~ parameters: Barva: Bílá -> Modrá  # catalog/products/p.yaml:7"
    )
    assert _line(render_markdown(plan), "!   ") == (
        "!   parameters: Barva: Bílá -> Modrá  # catalog/products/p.yaml:7"
    )


def test_an_added_and_a_removed_parameter_are_marked():
    plan = _plan(Action.UPDATE, {"barva": "bila", "mleti": "zrno"}, {"barva": "bila", "velikost": "xl"})
    assert _line(render_text(plan), "~ ").strip() == (
        "~ parameters: Mletí: Zrnková (removed), Velikost: XL (added)"
        "  # catalog/products/p.yaml:7"
    )


def test_a_new_variant_lists_its_parameters():
    plan = _plan(Action.CREATE, None, {"velikost": "xl", "barva": "zelena"}, code="00124-ZELENA")
    text = render_text(plan)
    assert "    + variant 00124-ZELENA\n" in text
    assert _line(text, "+ ").strip() == (
        "+ parameters: Barva: Zelená, Velikost: XL  # catalog/products/p.yaml:7"
    )
    assert "+   parameters: Barva: Zelená, Velikost: XL" in render_markdown(plan)


def test_none_on_one_side_reads_as_none():
    assert show_change("parameters", {}, {"barva": "bila"}, NAMES) == "(none) -> Barva: Bílá"
    assert show_change("parameters", None, {"barva": "bila"}, NAMES) == "(none) -> Barva: Bílá"
    assert show_change("parameters", {"barva": "bila"}, {}, NAMES) == "Barva: Bílá -> (none)"
    assert show("parameters", {}, NAMES) == "(none)"


def test_without_names_slugs_are_shown_and_an_older_plan_file_still_loads():
    plan = _plan(Action.UPDATE, {"barva": "bila"}, {"barva": "modra"})
    data = json.loads(plan.to_json())
    del data["names"]["parameters"], data["names"]["parameterValues"]  # as older plans are
    old = Plan.from_json(json.dumps(data))
    assert "parameters" not in Names(currency=NAMES.currency).to_dict()  # the old shape
    assert old.plan_id == plan.plan_id
    assert "~ parameters: barva: bila -> modra  # " in render_text(old)
    # a value the names lack is shown by its slug, beside the ones they have
    assert show_change("parameters", {"barva": "bila"}, {"barva": "cerna"}, NAMES) == (
        "Barva: Bílá -> cerna"
    )


def test_names_round_trip_through_the_plan_file_and_malformed_ones_are_dropped():
    plan = _plan(Action.UPDATE, {"barva": "bila"}, {"barva": "modra"})
    assert Plan.from_json(plan.to_json()).names == NAMES
    data = json.loads(plan.to_json())
    data["names"]["parameters"] = {"barva": 7, "velikost": "Velikost"}
    data["names"]["parameterValues"] = {"barva": ["bila"], "velikost": {"m": "M", "xl": None}}
    loaded = Plan.from_json(json.dumps(data))  # display data: tolerated, never an error
    assert loaded.names.parameters == {"velikost": "Velikost"}
    assert loaded.names.parameter_values == {"velikost": {"m": "M"}}
    assert "~ parameters: barva: bila -> modra  # " in render_text(loaded)


HOSTILE = Names(
    parameters={"barva": "Barva | <b>*tučně*</b>", "velikost": "Velikost\n+ price: 0"},
    parameter_values={"barva": {"bila": "a|b", "modra": "<i>*x*</i> ```"}},
)


def test_markdown_shows_names_with_pipes_stars_and_tags_verbatim_inside_the_diff_block():
    plan = _plan(
        Action.UPDATE, {"barva": "bila"}, {"barva": "modra", "velikost": "m"}, names=HOSTILE
    )
    md = render_markdown(plan)
    line = _line(md, "!   ")
    # inside a code block Markdown and HTML are not read: escaping would show the backslashes
    assert line == (
        "!   parameters: Barva | <b>*tučně*</b>: a|b -> <i>*x*</i> ```, "
        "Velikost + price: 0: m (added)  # catalog/products/p.yaml:7"
    )
    # the line is inside the product's diff block, whose fence the name cannot close
    block = re.search(r"^(`{3,})diff\n(.*?)^\1$", md, re.MULTILINE | re.DOTALL)
    assert block is not None and len(block.group(1)) > 3 and line in block.group(2)
    assert md.count("<details>") == md.count("</details>")
    # a line break in a shop's name never starts a line of its own
    assert "\n+ price: 0" not in md and "\n+ price: 0" not in render_text(plan)


def test_terminal_control_characters_in_a_name_are_escaped():
    names = Names(parameters={"barva": "Barva\x1b[31m"})
    text = render_text(_plan(Action.UPDATE, {"barva": "a"}, {"barva": "b"}, names=names))
    assert "\x1b" not in text and "Barva\\x1b[31m: a -> b" in text
