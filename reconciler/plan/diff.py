"""Desired catalog + live catalog -> ``Plan``. Pure: no I/O, no clock, no randomness.

Matching is by identity only (STYLE 3): products by lowercase GUID, variants by uppercase
code. Both sides go through ``normalize`` first; field-level differences come from deepdiff
over the normalised forms and are turned into ``FieldChange`` records here (no deepdiff object
leaves this module). Rules, in the words of DESIGN §3:

- only fields the YAML states are compared (``model_fields_set``); an explicit null clears;
- a desired product missing live is a product create (its product fields only) followed by,
  per variant, the same variant, price and stock creates a new variant of an existing product
  gets (one shape per fact; apply groups them into one ``POST /api/products``);
- a tombstone (``absent: true``) deletes the product or variant only if it exists live;
- live products no file mentions are *unmanaged* (counted, listed, never changed), unless
  ``policy.prune``, which plans their deletion (full plans only);
- ``ignore`` rules drop fields from the comparison (and from creates) and are listed;
- live variants of a compared product that its entry does not mention are left alone and
  listed in the plan's ``notes`` (display only), as are the products and variants a pull
  request removed from the YAML (``PlanContext.removed``) that the plan does not delete;
- product ``type`` is used only on create (Shoptet cannot change it afterwards);
- ``renamedFrom: OLD`` on variant NEW: OLD live and NEW not -> one variant update whose
  ``code`` field goes OLD -> NEW, the other fields (and price, stock) compared with OLD's
  live values; NEW live and OLD not -> done, compared as usual; both live -> a plan error;
  neither -> NEW is created (its reason says so). A variant created on an existing product
  whose EAN an unmentioned live variant has is noted as a likely rename (display only).

A targeted plan (``Scope.targeted``) compares only the products whose GUID or one of whose
variant codes is a target; it does not count unmanaged products, and with ``policy.prune`` it
deletes only the live products its scope names that no file mentions (``--changed-since``: a
product the pull request removed from the catalog).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from deepdiff import DeepDiff

from reconciler import __version__
from reconciler import fields as F
from reconciler.assignments import stated_fields
from reconciler.errors import CatalogError, Problem
from reconciler.gcpause import gc_paused
from reconciler.plan.filtering import FilterPlanner
from reconciler.plan.flag_changes import FlagPlanner
from reconciler.plan.guards import GuardPolicy, compute_guards, policy_changes
from reconciler.plan.images import IMAGE, IMAGES, resolve
from reconciler.plan.links import link_problems
from reconciler.plan.model import (
    NOTES_LISTED,
    RENAME_FIELD,
    UNMANAGED_LISTED,
    Action,
    CatalogEntry,
    CatalogNotes,
    Change,
    FieldChange,
    IgnoredRule,
    Plan,
    RenameHint,
    Resource,
    Scope,
    Unmanaged,
    UnmanagedProduct,
    field_order,
)
from reconciler.plan.normalize import NormContext, normalize_product, stated_parts
from reconciler.plan.param_changes import ParamPlanner
from reconciler.plan.pricelists import PricelistNames

# Which change carries which field, and what a create does with it: the field registry's.
VARIANT_FIELDS = F.names(F.select(F.Level.VARIANT, resource=F.Resource.VARIANT))
PRICE_FIELDS = F.names(F.select(F.Level.VARIANT, resource=F.Resource.PRICE))
PER_PRICELIST = F.names(F.PER_PRICELIST)  # the fields of a row under ``prices:``
# Price fields Shoptet's product create (POST /api/products) cannot carry: apply writes them in
# the pricelist right after the create (only for the reason shown; apply decides per request).
NOT_ON_CREATE = tuple(f.name for f in F.VARIANT if f.on_create is F.OnCreate.AFTER)
CREATE_ONLY = tuple(f.name for f in F.FIELDS if f.on_create is F.OnCreate.ONLY)
REQUIRED_ON_CREATE = tuple(f.name for f in F.FIELDS if f.required_on_create)

_FOLLOW_UP = (
    f"Shoptet's product create cannot set {', '.join(NOT_ON_CREATE[:-1])} or "
    f"{NOT_ON_CREATE[-1]}; apply sets them in the pricelist right after the create"
)
_NEW_VARIANT = "new variant: the price and stock of a new code are written after it exists"
_NOT_RENAMED = (
    "renamedFrom {old}: the product has neither {old} nor {new} in the shop, so there is "
    "nothing to rename: {new} is created as a new variant"
)


@dataclass(frozen=True)
class PlanContext:
    """What the diff needs besides the two catalogs. ``default_stock_id`` and
    ``pricelist_id`` are already resolved (the shop's defaults with ``shop.yaml``'s
    ``shop.defaultStock`` / ``shop.pricelist`` over them: ``live.base.ShopInfo``); the diff
    uses them as given and never reads ``desired.shop`` again."""

    catalog_digest: str
    default_stock_id: int = 1
    pricelist_id: int | None = None
    eshop_id: int | None = None
    git_commit: str | None = None
    tool_version: str = __version__
    scope: Scope = field(default_factory=Scope)
    # shop.yaml's policy at the base (``--changed-since REF``): the guards use it, and the
    # plan lists how the catalog changes it. None: the catalog's own policy.
    base_policy: Any = None
    # The shop's variant-parameter registry (``plan.parameters.ParameterRegistry``), read when
    # a product in scope states ``parameters``, its ``filtering`` registry when one states
    # ``filteringParameters``; None when nothing needs them.
    parameters: Any = None
    # Check Shoptet's multi-variant rule (``plan.param_changes``). Only a caller that read the
    # live variants' parameters of every product gaining a variant can (``make_plan`` through
    # ``live.params.complete_live``; apply's re-read includes them), so it is asked for.
    variant_rule: bool = False
    # Products and variants removed from the YAML since ``--changed-since REF`` (display only,
    # ``desired.scope.removed_entries``); the plan lists those it does not delete.
    removed: tuple[CatalogEntry, ...] = ()
    # The plan's pricelist is the e-shop's default: Shoptet takes purchase prices only there.
    purchase_prices: bool = True
    # The shop's product flags (``GET /api/products/flags`` items), read when a product in
    # scope states ``flags`` or shop.yaml declares some (``plan.flag_changes``); None when
    # nothing needs them.
    flags: tuple[dict[str, Any], ...] | None = None
    # The shop's pricelists (``GET /api/pricelists``: id -> name), read when a product in
    # scope states ``prices``; the diff resolves the names written there against them.
    pricelists: dict[int, str | None] | None = None
    # The image lock (``desired.image_lock.ImageLock``: ``entries(guid)``, ``name_of(guid,
    # src)``): which image name each ``src`` became. None: empty.
    image_lock: Any = None
    # Shop products a related/alternative link names beyond the live read (GUID -> name;
    # ``live.links``). None: targets are not checked (apply's recompute: the plan did).
    products: dict[str, str | None] | None = None


def diff(
    desired: Any, live: Any, *, locations: Mapping[Any, Any] | None = None, context: PlanContext
) -> Plan:
    """The plan that makes ``live`` match ``desired`` (both ``Catalog`` models).

    ``locations`` maps the loader's keys (``(guid,)``, ``(guid, field)``, ``(guid,
    "variants", code)``, ``(guid, "variants", code, field)``) to ``Location`` objects.
    Raises ``CatalogError`` when a product to be created lacks what Shoptet requires.
    """
    # the diff makes millions of short-lived dicts, none in a cycle: each full collection on
    # the way would walk every object of both catalogs (issue 16: a 100,000-product plan)
    with gc_paused():
        return _diff(desired, live, locations, context)


def _diff(
    desired: Any, live: Any, locations: Mapping[Any, Any] | None, context: PlanContext
) -> Plan:
    stock_id = context.default_stock_id
    pricelist = context.pricelist_id
    run = _Run(locations or {}, NormContext(stock_id), _Ignore(desired.ignore))
    run.params = ParamPlanner(context.parameters, run.locations, rule=context.variant_rule)
    shop_filters = getattr(context.parameters, "filtering", None)
    run.filters = FilterPlanner(shop_filters, run.locations)
    run.flags = FlagPlanner(getattr(desired, "flags", None) or {}, context.flags, run.locations)
    run.pricelists = PricelistNames(context.pricelists, pricelist)
    run.image_lock = context.image_lock
    wanted = {g.lower(): p for g, p in desired.products.items()}
    have = {g.lower(): p for g, p in live.products.items()}
    scope = context.scope
    # (GUID, old code) of every renamedFrom; nobody states one in most catalogs (no walk then)
    renames = _renames(wanted) if "renamedFrom" in stated_fields(desired)[1] else set()
    in_scope = set(wanted) if scope.is_full else _targeted(scope, wanted, have, renames)

    for guid in sorted(in_scope):
        run.product(guid, wanted[guid], have.get(guid))
    if not context.purchase_prices:
        run.problems += _purchase_price_problems(wanted, in_scope, run, pricelist)
    run.problems += run.params.problems + run.filters.problems + run.flags.problems
    if run.problems:
        raise CatalogError(run.problems)
    run.changes = [
        *run.filters.annotate(run.changes),
        *run.params.changes(),
        *run.filters.changes(),
        *run.flags.changes(),
    ]

    existing = sum(1 for g in in_scope if g in have)
    unmanaged = Unmanaged(count=None)
    if scope.is_full:
        strays = sorted(g for g in have if g not in wanted)
        if desired.policy.prune:
            for g in strays:
                run.delete_product(g, have[g], reason="policy.prune: no catalog file mentions it")
            existing += len(strays)
            unmanaged = Unmanaged(0)
        else:
            listed = tuple(UnmanagedProduct(g, have[g].name) for g in strays[:UNMANAGED_LISTED])
            unmanaged = Unmanaged(len(strays), listed)
    else:
        if desired.policy.prune:
            named = {t.lower() for t in scope.targets}
            for g in sorted(g for g in have if g not in wanted and g in named):
                run.delete_product(g, have[g], reason="policy.prune: no catalog file mentions it")
                existing += 1
        # Out-of-scope products may not have been read: count those listed live and assume the
        # other non-tombstone ones exist, so a pull request touching 12 of 500 products is
        # not "bulk". The risk is a share a little lower than the truth.
        existing += sum(
            1
            for g, p in wanted.items()
            if g not in in_scope and (g in have or not getattr(p, "absent", False))
        )

    if context.products is not None:
        deleted = {
            c.guid
            for c in run.changes
            if c.action is Action.DELETE and c.resource is Resource.PRODUCT
        }
        known = {**dict.fromkeys(have), **context.products}
        link_problems(wanted, in_scope, known, deleted, run.problem)
        if run.problems:
            raise CatalogError(run.problems)

    base = context.base_policy
    guards = compute_guards(
        run.changes,
        policy=GuardPolicy.from_policy(desired.policy if base is None else base),
        existing_managed=existing,
    )
    return Plan(
        notes=_notes(run.changes, context.removed, wanted, have, in_scope, run.hints, renames),
        catalog_digest=context.catalog_digest,
        changes=tuple(run.changes),
        guards=guards,
        unmanaged=unmanaged,
        scope=scope,
        ignored=run.ignore.applied(),
        policy_changes=() if base is None else policy_changes(base, desired.policy),
        eshop_id=context.eshop_id,
        pricelist_id=pricelist,
        default_stock_id=stock_id,
        git_commit=context.git_commit,
        tool_version=context.tool_version,
    )


def _purchase_price_problems(
    wanted: dict[str, Any], in_scope: set[str], run: _Run, pricelist: int | None
) -> list[Problem]:
    """A purchase price stated for a plan whose pricelist is not the e-shop's default:
    Shoptet keeps purchase prices in the default pricelist only (it would answer null)."""
    out = []
    for guid in sorted(in_scope):
        for code, variant in (getattr(wanted[guid], "variants", None) or {}).items():
            if "purchasePrice" not in variant.model_fields_set:
                continue
            loc = run.locations.get((guid, "variants", code, "purchasePrice"))
            out.append(
                Problem.at(
                    loc,
                    f"variant {code}: purchasePrice is kept only in the e-shop's default "
                    f"pricelist, and this catalog writes pricelist {pricelist} (shop.pricelist "
                    "in shop.yaml); remove purchasePrice here or plan against the default "
                    "pricelist",
                )
            )
    return out


def _notes(
    changes: list[Change],
    removed: tuple[CatalogEntry, ...],
    wanted: dict[str, Any],
    have: dict[str, Any],
    in_scope: set[str],
    hints: list[RenameHint],
    renamed: set[tuple[str, str]],
) -> CatalogNotes:
    """Display only: the removed entries this plan does not delete (with the live name when
    the YAML gave none), and the live variants of compared products their entry leaves out.
    ``renamed``: (GUID, old code) of every ``renamedFrom``."""
    deleted = {
        (c.guid, c.code if c.resource is Resource.VARIANT else None)
        for c in changes
        if c.action is Action.DELETE
    }
    # a code renamed from is not removed: the variant lives on under its new code
    shown: list[CatalogEntry] = []
    for e in removed:
        guid, code = e.guid.lower(), None if e.code is None else e.code.upper()
        if (guid, code) in deleted or (guid, None) in deleted or (guid, code) in renamed:
            continue
        live = have.get(guid)
        shown.append(CatalogEntry(guid, code, e.name or getattr(live, "name", None)))
    said = {(e.guid, e.code) for e in shown}
    unmentioned: list[CatalogEntry] = []
    for guid in sorted(in_scope):
        product, live = wanted[guid], have.get(guid)
        if live is None or getattr(product, "absent", False):
            continue
        live_codes = live.variants or {}
        if (
            FAST_PATH
            and type(live_codes) is dict
            and live_codes.keys() <= (product.variants or {}).keys()
        ):
            continue  # the entry names every live code (most products: no set, no sort)
        mentioned = {c.upper() for c in (product.variants or {})} | _renamed_from(product)
        name = getattr(product, "name", None) or live.name
        unmentioned += [
            CatalogEntry(guid, code, name)
            for code in sorted(c.upper() for c in (live.variants or {}))
            if code not in mentioned and (guid, code) not in said
        ]
    return CatalogNotes(
        tuple(shown), tuple(unmentioned[:NOTES_LISTED]), len(unmentioned), tuple(hints)
    )


def _renamed_from(product: Any) -> set[str]:
    """The old codes a desired product's variants name in ``renamedFrom``."""
    return {
        v.renamedFrom
        for v in (product.variants or {}).values()
        if getattr(v, "renamedFrom", None) and not getattr(v, "absent", False)
    }


def _renames(wanted: dict[str, Any]) -> set[tuple[str, str]]:
    """(GUID, old code) of every ``renamedFrom`` in ``wanted``: one comprehension over all
    variants, which costs less than a set a product (issue 16: 100,000 products)."""
    return {
        (guid, variant.renamedFrom)
        for guid, product in wanted.items()
        for variant in (product.variants or {}).values()
        if getattr(variant, "renamedFrom", None) and not getattr(variant, "absent", False)
    }


def _targeted(
    scope: Scope, wanted: dict[str, Any], have: dict[str, Any], renames: set[tuple[str, str]]
) -> set[str]:
    """The desired products named by a target: their GUID, or one of their variant codes
    (desired, live or renamed from)."""
    guids = {t.lower() for t in scope.targets}
    codes = {t.upper() for t in scope.targets}
    chosen = {guid for guid in wanted if guid in guids}
    chosen |= {guid for guid, old in renames if old.upper() in codes}
    for guid, product in wanted.items():
        if guid in chosen:
            continue
        live = have.get(guid)  # a scoped plan reads few: most products have no live side
        if not codes.isdisjoint(map(str.upper, product.variants or ())) or (
            live is not None and not codes.isdisjoint(map(str.upper, live.variants or ()))
        ):
            chosen.add(guid)
    return chosen


class _Ignore:
    """The ``ignore`` rules: ``FIELD``, ``variants.*.FIELD``, ``variants.CODE.FIELD``."""

    def __init__(self, rules: list[str]):
        self.rules = list(rules)
        self.counts = dict.fromkeys(self.rules, 0)
        self.product_rules = {r for r in self.rules if not r.startswith("variants.")}
        self.variant_rules = []
        for r in self.rules:
            if r.startswith("variants."):
                code, _, fname = r[len("variants.") :].rpartition(".")
                self.variant_rules.append((r, code.upper(), fname))

    def product(self, form: dict[str, Any], count: bool) -> dict[str, Any]:
        for rule in self.product_rules & form.keys():
            del form[rule]
            if count:
                self.counts[rule] += 1
        return form

    def variant(self, code: str, form: dict[str, Any], count: bool) -> dict[str, Any]:
        for rule, rcode, fname in self.variant_rules:
            if fname in form and rcode in ("*", code):
                del form[fname]
                if count:
                    self.counts[rule] += 1
        return form

    def strip(self, form: dict[str, Any], count: bool) -> dict[str, Any]:
        if not self.rules:
            return form
        self.product(form["fields"], count)
        for code, vform in form["variants"].items():
            self.variant(code, vform, count)
        return form

    def applied(self) -> tuple[IgnoredRule, ...]:
        return tuple(IgnoredRule(r, self.counts[r]) for r in self.rules)


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Top-level keys whose (normalised) values differ, via deepdiff; sorted."""
    return changed_fields_batch([(before, after)])[0]


def changed_fields_batch(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[list[str]]:
    """For each ``(before, after)`` pair of dicts with the same keys: the keys whose values
    differ, sorted. Equal pairs are skipped cheaply; the fields of the others go through one
    deepdiff call as one flat mapping (deepdiff's fixed cost per call and per nesting level
    dominates small dicts, so one product is one shallow call)."""
    todo = [i for i, (before, after) in enumerate(pairs) if before != after]
    seen: list[list[str]] = [[] for _ in pairs]
    if not todo:
        return seen
    flat_before, flat_after = {}, {}
    for i in todo:
        before, after = pairs[i]
        for key, value in after.items():
            old = before.get(key)
            if type(old) in _SCALARS and type(value) in _SCALARS:
                # what deepdiff says of two scalars (a type change is a change), without it
                if type(old) is not type(value) or old != value:
                    seen[i].append(key)
                continue
            flat_before[(i, key)] = old
            flat_after[(i, key)] = value
    if flat_after:
        found = DeepDiff(flat_before, flat_after, ignore_order=False, verbose_level=0)
        for i, key in found.affected_root_keys:
            seen[i].append(key)
    return [sorted(names, key=field_order) for names in seen]


_SCALARS = frozenset({type(None), str, int, bool})


class _Run:
    """Collects the changes and problems of one diff."""

    def __init__(self, locations: Mapping[Any, Any], ctx: NormContext, ignore: _Ignore) -> None:
        self.locations = locations
        self.ctx = ctx
        self.ignore = ignore
        self.changes: list[Change] = []
        self.problems: list[Problem] = []
        self.hints: list[RenameHint] = []
        self.params = ParamPlanner(None, locations)
        self.filters = FilterPlanner(None, locations)
        self.flags = FlagPlanner({}, None, locations)
        self.pricelists = PricelistNames(None, None)
        self.image_lock: Any = None

    def src(self, *key: Any) -> str | None:
        loc = self.locations.get(tuple(key))
        return f"{loc.file}:{loc.line}" if loc is not None else None

    def form(self, product: Any, *, desired: bool) -> dict[str, Any]:
        return self.ignore.strip(normalize_product(product, self.ctx), count=desired)

    def product(self, guid: str, desired: Any, live: Any) -> None:
        if getattr(desired, "absent", False):
            if live is not None:
                self.delete_product(guid, live, source=self.src(guid))
            return
        want = self.form(desired, desired=True)
        have = None
        if FAST_PATH and live is not None and _compared_only(desired):
            have = self.form(live, desired=False)
            if _unchanged(desired, want, have):
                return  # what the rest would find: no change, no problem, no note
        self.params.resolve(guid, want)
        self.flags.resolve(guid, want["fields"])
        self.filters.resolve_product(guid, want["fields"])
        for code, vform in want["variants"].items():
            self.resolve_prices(guid, code, vform)
        name = want["fields"].get("name") or (live.name if live is not None else None)
        if live is None:
            self.params.check(guid, desired, want, None)
            self.resolve_images(guid, want, None)
            self.create_product(guid, desired, want, name)
            return
        if have is None:
            have = self.form(live, desired=False)
        renames = self.renames(guid, desired, have)
        self.resolve_images(guid, want, have)
        self.params.check(guid, desired, want, have)
        after = {f: v for f, v in want["fields"].items() if f not in CREATE_ONLY}
        before = {f: stated_parts(f, after[f], have["fields"].get(f)) for f in after}
        pending = [(Resource.PRODUCT, None, None, before, after)]
        live_codes = {c.upper() for c in have["variants"]}
        created = []
        for code, variant in sorted((desired.variants or {}).items()):
            code = code.upper()
            if getattr(variant, "absent", False):
                if code in live_codes:
                    self.delete_variant(guid, code, desired, live_codes, name)
            elif code not in live_codes:
                old = getattr(variant, "renamedFrom", None)
                note = None if old is None else _NOT_RENAMED.format(old=old, new=code)
                self.create_variant(guid, code, want["variants"][code], name, note=note)
                created.append(code)
            else:
                wanted, live_fields = want["variants"][code], have["variants"][code]
                self.sale_above_live_price(guid, code, wanted, live_fields)
                live_rows = live_fields.get(F.PRICES) or {}
                for pid, row in (wanted.get(F.PRICES) or {}).items():
                    where = (F.PRICES, self.pricelists.written[(guid, code, pid)])
                    live_row = live_rows.get(str(pid)) or {}
                    self.sale_above_live_price(guid, code, row, live_row, where)
                pairs = _variant_pairs(code, wanted, live_fields)
                if code in renames:  # the variant pair: the code too, before any field
                    _, _, _, before, after_v = pairs[0]
                    pairs[0] = (
                        Resource.VARIANT,
                        code,
                        None,
                        {RENAME_FIELD: renames[code], **before},
                        {RENAME_FIELD: code, **after_v},
                    )
                pending += pairs
        self.flush(guid, name, pending)
        self.rename_hints(guid, desired, want, have, created)

    def problem(self, key: tuple[Any, ...], message: str) -> None:
        loc = self.locations.get(key) or self.locations.get(key[:2]) or self.locations.get(key[:1])
        self.problems.append(
            Problem.at(
                loc,
                message,
            )
        )

    def renames(self, guid: str, desired: Any, have: dict[str, Any]) -> dict[str, str]:
        """``{new: old}`` for the variants whose ``renamedFrom`` names a live variant of this
        product while their own code is not live. Each such live variant is moved to its new
        code in ``have`` (in place), so the rest of the diff compares the desired variant with
        it. Both codes live is a problem: which variant is meant cannot be told."""
        live = have["variants"]
        out: dict[str, str] = {}
        for code, variant in sorted((desired.variants or {}).items()):
            old, code = getattr(variant, "renamedFrom", None), code.upper()
            if old is None or getattr(variant, "absent", False) or old == code or old not in live:
                continue
            if code in live:
                self.problem(
                    (guid, "variants", code, "renamedFrom"),
                    f"variant {code}: renamedFrom {old}, but product {guid} has both {old} and "
                    f"{code} in the shop, so {old} cannot be renamed to {code}. Remove "
                    f"renamedFrom to manage {code} as it is ({old} is then left alone), or "
                    f"replace it with a tombstone `{old}: {{absent: true}}` to delete {old}",
                )
                continue
            out[code] = old
        for new, old in out.items():
            live[new] = live.pop(old)
        return out

    def rename_hints(
        self,
        guid: str,
        desired: Any,
        want: dict[str, Any],
        have: dict[str, Any],
        created: list[str],
    ) -> None:
        """Note each created variant whose EAN an unmentioned live variant has."""
        mentioned = {c.upper() for c in (desired.variants or {})}
        by_ean: dict[Any, list[str]] = {}
        for code, vform in sorted(have["variants"].items()):
            if code not in mentioned and vform.get("ean"):
                by_ean.setdefault(vform["ean"], []).append(code)
        for code in created:
            ean = want["variants"][code].get("ean")
            for old in by_ean.get(ean, []) if ean else []:
                self.hints.append(
                    RenameHint(guid, code, old, str(ean), self.src(guid, "variants", code))
                )

    def resolve_images(self, guid: str, want: dict[str, Any], have: dict[str, Any] | None) -> None:
        """``images`` and variant ``image`` to their canonical forms (``plan.images``): a src
        the lock maps to a live image is that image's name; located problems otherwise."""
        refs = {code: v[IMAGE] for code, v in want["variants"].items() if IMAGE in v}
        if IMAGES not in want["fields"] and not refs:
            return
        lock = self.image_lock
        entries = lock.entries(guid) if lock is not None else ()
        found = resolve(
            guid,
            want["fields"].get(IMAGES),
            refs,
            None if have is None else have["fields"].get(IMAGES) or [],
            {} if have is None else {c: v.get(IMAGE) for c, v in have["variants"].items()},
            lambda src: next((e.name for e in entries if e.src == src), None),
            frozenset(e.name for e in entries),
        )
        for key, message in found.problems:
            self.problem(key, message)
        if found.images is not None:
            want["fields"][IMAGES] = found.images
        for code, ref in found.variant_images.items():
            want["variants"][code][IMAGE] = ref

    def resolve_prices(self, guid: str, code: str, vform: dict[str, Any]) -> None:
        """``prices`` keyed by the names (or ids) written -> keyed by pricelist id; each name
        that does not name exactly one other pricelist of the shop is a located problem."""
        stated = vform.get(F.PRICES)
        if not isinstance(stated, dict):
            return
        out: dict[int, Any] = {}
        for written, row in stated.items():
            found = self.pricelists.resolve(written)
            where = (guid, "variants", code, F.PRICES, written)
            if isinstance(found, str):
                self.problem(where, f"variant {code}: {found}")
            elif found in out:
                self.problem(
                    where,
                    f"variant {code}: prices names pricelist {found} twice (by name and by "
                    "id); keep one",
                )
            else:
                out[found] = row
                self.pricelists.written[(guid, code, found)] = written
        vform[F.PRICES] = out

    def sale_above_live_price(
        self,
        guid: str,
        code: str,
        want: dict[str, Any],
        have: dict[str, Any],
        where: tuple[str, ...] = (),
    ) -> None:
        """An action price above the live regular price, when the YAML states no ``price``
        (the loader compares the two when it states both): a sale that raises the price is
        a mistake, refused like the loader's check."""
        sale = want.get("actionPrice")
        if "price" in want or not isinstance(sale, dict) or sale.get("price") is None:
            return
        regular = have.get("price")
        if regular is None or Decimal(sale["price"]) <= Decimal(regular):
            return
        cents = Decimal("0.01")
        loc = self.locations.get((guid, "variants", code, *where, "actionPrice"))
        pricelist = f" in pricelist {where[1]}" if where else ""
        self.problems.append(
            Problem.at(
                loc,
                f"variant {code}: the action price {Decimal(sale['price']).quantize(cents)}"
                f"{pricelist} is above the shop's regular price "
                f"{Decimal(regular).quantize(cents)}: a sale "
                "price must not be higher; lower actionPrice.price or state price",
            )
        )

    # --- products ---------------------------------------------------------------------------

    def create_product(
        self, guid: str, desired: Any, want: dict[str, Any], name: str | None
    ) -> None:
        missing = [f for f in REQUIRED_ON_CREATE if want["fields"].get(f) is None]
        if not want["variants"]:
            missing.append("at least one variant")
        if missing:
            loc = self.locations.get((guid,))
            self.problems.append(
                Problem.at(
                    loc,
                    f"product {guid} does not exist in the shop; to create it, state "
                    f"{', '.join(missing)}",
                )
            )
            return
        fields = [
            FieldChange(f, None, v, self.src(guid, f))
            for f, v in sorted(want["fields"].items(), key=lambda item: field_order(item[0]))
            if v is not None  # null clears; on a create there is nothing to clear
        ]
        self.changes.append(
            Change(
                Action.CREATE,
                Resource.PRODUCT,
                guid,
                fields=tuple(fields),
                source=self.src(guid),
                name=name,
            )
        )
        # Each variant as the same variant, price and stock creates a new code on an existing
        # product gets (one shape per fact); apply sends them with the product in one POST.
        for code, vform in sorted(want["variants"].items()):
            self.create_variant(guid, code, vform, name, with_product=True)

    def flush(self, guid: str, name: str | None, pending: list[Any]) -> None:
        """Turn the compared pairs of one existing product into update changes."""
        diffs = changed_fields_batch([(before, after) for *_, before, after in pending])
        for (resource, code, number, before, after), names in zip(pending, diffs, strict=True):
            if not names:
                continue
            # the third item is the stock id of a stock pair, the other pricelist of a price pair
            pricelist = number if resource is Resource.PRICE else None
            self.changes.append(
                Change(
                    Action.UPDATE,
                    resource,
                    guid,
                    code,
                    stock_id=number if resource is Resource.STOCK else None,
                    pricelist_id=pricelist,
                    fields=tuple(
                        FieldChange(
                            f, before[f], after[f], self.field_src(guid, code, f, pricelist)
                        )
                        for f in names
                    ),
                    source=self.src(guid) if code is None else self.src(guid, "variants", code),
                    name=name,
                )
            )

    def field_src(
        self, guid: str, code: str | None, name: str, pricelist: int | None = None
    ) -> str | None:
        if code is not None and pricelist is not None:
            written = self.pricelists.written.get((guid, code, pricelist))
            return self.src(guid, "variants", code, F.PRICES, written, name)
        if code is not None and name == RENAME_FIELD:
            return self.src(guid, "variants", code, "renamedFrom")
        return self.src(guid, name) if code is None else self.src(guid, "variants", code, name)

    def delete_product(
        self, guid: str, live: Any, *, source: str | None = None, reason: str | None = None
    ) -> None:
        live_name = getattr(live, "name", None)
        self.changes.append(
            Change(
                Action.DELETE,
                Resource.PRODUCT,
                guid,
                fields=(FieldChange("name", live_name, None),),
                source=source,
                name=live_name,
                reason=reason,
            )
        )

    # --- variants, prices, stock ------------------------------------------------------------

    def create(
        self,
        resource: Resource,
        guid: str,
        code: str,
        after: dict[str, Any],
        names: Iterable[str],
        name: str | None,
        stock_id: int | None = None,
        reason: str | None = None,
        pricelist_id: int | None = None,
    ) -> None:
        """A create of a variant-level resource (a new code on an existing product)."""
        chosen = [f for f in names if after.get(f) is not None]  # nothing to clear on a create
        if not chosen and resource is not Resource.VARIANT:
            return
        self.changes.append(
            Change(
                Action.CREATE,
                resource,
                guid,
                code,
                stock_id=stock_id,
                pricelist_id=pricelist_id,
                fields=tuple(
                    FieldChange(f, None, after[f], self.field_src(guid, code, f, pricelist_id))
                    for f in chosen
                ),
                source=self.src(guid, "variants", code),
                name=name,
                reason=reason,
            )
        )

    def create_variant(
        self,
        guid: str,
        code: str,
        want: dict[str, Any],
        name: str | None,
        *,
        with_product: bool = False,
        note: str | None = None,
    ) -> None:
        """A new code: a variant create, its price create and one stock create per stock.
        ``with_product``: the product is created too (the reasons differ: only what the
        product's create cannot carry is written after it). ``note``: the variant create's
        reason."""
        reason: str | None = _NEW_VARIANT
        if with_product:
            later = any(want.get(k) is not None for k in NOT_ON_CREATE)
            reason = _FOLLOW_UP if later else None
        self.create(Resource.VARIANT, guid, code, want, VARIANT_FIELDS, name, reason=note)
        self.create(Resource.PRICE, guid, code, want, PRICE_FIELDS, name, reason=reason)
        for pid, row in sorted((want.get(F.PRICES) or {}).items()):
            self.create(
                Resource.PRICE,
                guid,
                code,
                row,
                PER_PRICELIST,
                name,
                reason=_NEW_VARIANT,
                pricelist_id=pid,
            )
        for sid, amount in sorted((want.get("stock") or {}).items()):
            self.create(
                Resource.STOCK,
                guid,
                code,
                {"stock": amount},
                ("stock",),
                name,
                stock_id=sid,
                reason=None if with_product else reason,
            )

    def delete_variant(
        self, guid: str, code: str, desired: Any, live_codes: set[str], name: str | None
    ) -> None:
        gone = {c.upper() for c, v in desired.variants.items() if getattr(v, "absent", False)}
        reason = None
        if not live_codes - gone:
            reason = "the product's last variant: Shoptet deletes the product with it"
        self.changes.append(
            Change(
                Action.DELETE,
                Resource.VARIANT,
                guid,
                code,
                source=self.src(guid, "variants", code),
                name=name,
                reason=reason,
            )
        )


# The fast path (issue 16: most products of a large shop are equal on both sides). A product
# none of whose fields needs more than the field-by-field compare (no flags, filtering
# parameters, images, variant parameters, other pricelists' rows, variant image, action price,
# renamedFrom or tombstone), all of whose variants are live, and whose compared pairs are all
# equal gives nothing: ``_Run.product`` returns before building pairs, changes or hints. Any
# other product goes the whole way. FAST_PATH False: every product does (tests compare).
FAST_PATH = True
_PRODUCT_PLANNED_ELSEWHERE = frozenset({"flags", "filteringParameters", IMAGES})
_VARIANT_PLANNED_ELSEWHERE = frozenset({"parameters", F.PRICES, IMAGE, "actionPrice"})
_COMPARED = frozenset(VARIANT_FIELDS + PRICE_FIELDS)


def _compared_only(desired: Any) -> bool:
    """Whether the field-by-field compare is all the diff does with ``desired``'s fields."""
    if not _PRODUCT_PLANNED_ELSEWHERE.isdisjoint(desired.model_fields_set):
        return False
    for variant in (desired.variants or {}).values():
        if getattr(variant, "absent", False) or getattr(variant, "renamedFrom", None) is not None:
            return False
        if not _VARIANT_PLANNED_ELSEWHERE.isdisjoint(variant.model_fields_set):
            return False
    return True


def _unchanged(desired: Any, want: dict[str, Any], have: dict[str, Any]) -> bool:
    """Every variant of ``desired`` is live and every pair ``_Run.product`` would compare is
    equal (``==`` as ``changed_fields_batch`` takes it, the live value on the left). False
    also when anything here raises: the whole way then raises what it raises."""
    try:
        return _all_equal(desired, want, have)
    except Exception:  # a value no compare takes: the whole way says what
        return False


def _all_equal(desired: Any, want: dict[str, Any], have: dict[str, Any]) -> bool:
    wanted, live = want["variants"], have["variants"]
    mentioned = {code.upper() for code in desired.variants or {}}
    for code in mentioned:
        if code not in live or code not in wanted:
            return False
    if len(live) > len(mentioned):  # rename_hints indexes the EANs of the others
        for code, fields in live.items():
            if code not in mentioned and fields.get("ean"):
                hash(fields["ean"])
    live_fields = have["fields"]
    for name, after in want["fields"].items():
        if name not in CREATE_ONLY:
            before = stated_parts(name, after, live_fields.get(name))
            if not (before is after or before == after):
                return False
    for code, fields in wanted.items():
        live_variant = live.get(code)
        if live_variant is None:
            return False
        for name, after in fields.items():
            if name in _COMPARED:
                before = stated_parts(name, after, live_variant.get(name))
                if not (before is after or before == after):
                    return False
            elif name == "stock":
                live_stock = live_variant.get("stock") or {}
                for stock_id, amount in (after or {}).items():
                    before = live_stock.get(stock_id)
                    if not (before is amount or before == amount):
                        return False
    return True


def _variant_pairs(code: str, want: dict[str, Any], have: dict[str, Any]) -> list[tuple[Any, ...]]:
    """(resource, code, stock id, before, after) for each resource of an existing variant."""
    out = []
    for resource, names in ((Resource.VARIANT, VARIANT_FIELDS), (Resource.PRICE, PRICE_FIELDS)):
        after = {f: want[f] for f in names if f in want}
        before = {f: stated_parts(f, want[f], have.get(f)) for f in after}
        out.append((resource, code, None, before, after))
    live_rows = have.get(F.PRICES) or {}
    for pid, row in sorted((want.get(F.PRICES) or {}).items()):
        live_row = live_rows.get(str(pid)) or {}
        before = {f: stated_parts(f, row[f], live_row.get(f)) for f in row}
        out.append((Resource.PRICE, code, pid, before, dict(row)))
    live_stock = have.get("stock") or {}
    for sid, amount in sorted((want.get("stock") or {}).items()):
        out.append((Resource.STOCK, code, sid, {"stock": live_stock.get(sid)}, {"stock": amount}))
    return out
