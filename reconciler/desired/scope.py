"""``plan --changed-since REF``: which products a pull request changed (DESIGN §4, §9).

The desired side is always the whole working-tree catalog; the *scope* is the set of products
whose parsed YAML entry differs between git ``REF`` and the working tree, so a pull request that
touches 20 products costs about 20 detail requests however large the shop is.

    scope = changed_since(catalog_dir, "origin/main", loaded.catalog)
    scope.guids    # frozenset of GUIDs, or None = the whole shop (a full plan)

How the two sides are compared:

- Both are loaded with the project's own loader (``desired.load_catalog``). The REF's catalog is
  taken from ``git archive REF -- <catalog path>`` into a temporary directory; the work tree is
  never checked out or touched.
- Products are compared as *parsed entries*: the fields the YAML states
  (``model_dump(exclude_unset=True)``), so a comment, a reformat, a key moved to another line or
  a product moved to another file is no change, and an added tombstone (``absent: true``) is.
- A product in REF that the working tree no longer declares is in scope too (with
  ``policy.prune`` a scoped plan deletes it; without, it becomes unmanaged). ``removed``
  lists such products, and the variants a still-declared product no longer mentions, so the
  plan can say so at the top (``removed_entries``; a tombstone is not a removal).

``shop.yaml`` changes (decided here, the issue left it open):

- ``shop`` settings (``defaultStock``, ``pricelist``) or ``ignore`` rules changed: every product
  in the catalog is in scope, because each product's comparison depends on them.
- ``policy.prune`` turned on: the whole shop (a full plan), because pruning needs the product
  list to find every live product the catalog does not mention.
- other ``policy`` changes (``maxDeletes``, ``maxChangedShare``, ``protect``, prune turned off):
  no product is added to the scope. The guards use the policy *at REF* (``base_policy``), so a
  pull request cannot relax its own guards; the plan lists the policy change as its own item,
  taking effect after the merge.
- The catalog did not exist at REF, or does not load there (invalid YAML at the base, or
  symbolic links, which the loader refuses; they are never unpacked): every product is in
  scope, with a note saying why.

Errors (``ConfigError``, exit 1): the catalog is not in a git work tree, git is missing, or
``REF`` names no commit.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from reconciler.desired.blocks import HEAD_NODES, split_blocks
from reconciler.errors import CatalogError, ConfigError
from reconciler.gcpause import gc_paused
from reconciler.plan.parts import CatalogEntry

__all__ = [
    "ChangedScope",
    "catalog_at",
    "changed_since",
    "compare_catalogs",
    "policy_at",
    "removed_entries",
]

_GIT_TIMEOUT = 60


@dataclass(frozen=True)
class ChangedScope:
    """The outcome of ``--changed-since``: ``guids`` in scope (None = everything, a full plan),
    ``ref`` as given, ``commit`` it resolved to, and a one-line ``reason``."""

    ref: str
    commit: str
    guids: frozenset[str] | None
    reason: str
    base_policy: Any = None  # shop.yaml's policy at REF (None: no catalog there)
    removed: tuple[CatalogEntry, ...] = ()  # products and variants removed since REF

    @property
    def is_full(self) -> bool:
        return self.guids is None


def _entry(product: Any) -> dict:
    return product.model_dump(exclude_unset=True)  # Decimals compare as numbers: 89.0 == 89.00


def _by_guid(products: Mapping[str, Any]) -> Mapping[str, Any]:
    """``products`` by lowercase GUID: the mapping itself when every key is lowercase (the
    loader's are), without a Python-level pass over 100,000 keys."""
    if all(map(str.islower, products)):
        return products
    return {g.lower(): p for g, p in products.items()}


def compare_catalogs(old: Any | None, new: Any) -> tuple[frozenset[str] | None, str]:
    """The GUIDs whose entry differs between catalogs ``old`` (None: no catalog at the base)
    and ``new``, and a one-line reason. None instead of a set means a full plan. Pure."""
    after = _by_guid(new.products)
    if old is None:
        return frozenset(after), "the catalog did not exist at the base: every product is in scope"
    if new.policy.prune and not old.policy.prune:
        return None, "policy.prune was turned on: the whole shop is planned"
    if old.shop.model_dump() != new.shop.model_dump():
        return frozenset(after), "shop settings changed in shop.yaml: every product is in scope"
    if sorted(old.ignore) != sorted(new.ignore):
        return frozenset(after), "ignore rules changed in shop.yaml: every product is in scope"
    before = _by_guid(old.products)
    changed = set(before.keys() ^ after.keys())  # declared on one side only
    for guid, a in before.items():
        b = after.get(guid)
        # the same object (a file unchanged since the base): no need to dump it
        if b is not a and b is not None and _entry(a) != _entry(b):
            changed.add(guid)
    n = len(changed)
    return frozenset(changed), f"{n} product{'' if n == 1 else 's'} changed"


def removed_entries(old: Any | None, new: Any) -> tuple[CatalogEntry, ...]:
    """The products and variants catalog ``old`` declares and ``new`` no longer mentions at
    all (a tombstone, ``absent: true``, is a mention; an old tombstone removed is no removal),
    in GUID, then code order. Each carries the product's name as the YAML states it. Pure."""
    if old is None:
        return ()
    after = _by_guid(new.products)
    # a product taken over from the working tree (its file or block unchanged) is the same
    # object on both sides: nothing of it was removed, and sorting only the rest is quicker
    differing = [(g, p) for g, p in _by_guid(old.products).items() if after.get(g) is not p]
    out: list[CatalogEntry] = []
    for guid, product in sorted(differing, key=lambda item: item[0]):
        if getattr(product, "absent", False):
            continue
        current = after.get(guid)
        if current is None:
            out.append(CatalogEntry(guid, None, getattr(product, "name", None)))
            continue
        if getattr(current, "absent", False):
            continue
        name = getattr(current, "name", None) or getattr(product, "name", None)
        kept = {c.upper() for c in (current.variants or {})}
        for code, variant in sorted((c.upper(), v) for c, v in (product.variants or {}).items()):
            if code not in kept and not getattr(variant, "absent", False):
                out.append(CatalogEntry(guid, code, name))
    return tuple(out)


def changed_since(
    catalog_dir: Path, ref: str, current: Any, loaded: Any | None = None
) -> ChangedScope:
    """Compare the catalog at git ``ref`` with ``current`` (the working tree's ``Catalog``).
    ``loaded``: the working tree's ``LoadedCatalog``, so the product files that are the same
    at ``ref`` are not parsed again (``catalog_at``)."""
    commit, old, note = catalog_at(catalog_dir, ref, reuse=loaded)
    with gc_paused():  # comparing makes many objects and no cycles: see catalog_at
        guids, reason = compare_catalogs(old, current)
        removed = removed_entries(old, current)
    if note:
        reason = f"{note}: every product is in scope"
    base_policy = None if old is None else old.policy
    return ChangedScope(
        ref=ref,
        commit=commit,
        guids=guids,
        reason=f"{reason} since {ref}",
        base_policy=base_policy,
        removed=removed,
    )


def policy_at(catalog_dir: Path, ref: str) -> tuple[Any, str]:
    """``shop.yaml``'s policy at git ``ref`` and the commit it resolved to, for the guards of
    an apply (``apply --policy-from REF``): a pull request must not relax its own guards.
    A catalog that did not exist or does not load at REF is an error: without the base's
    policy the guards cannot be trusted."""
    commit, old, note = catalog_at(catalog_dir, ref, "--policy-from")
    if old is None:
        raise ConfigError(
            f"--policy-from {ref}: {note or 'the catalog did not exist at ' + ref}; the guards "
            "need the policy of the base. Give the commit before the change (in CI, the "
            "commit before the merge)."
        )
    return old.policy, commit


def catalog_at(
    catalog_dir: Path, ref: str, option: str = "--changed-since", *, reuse: Any | None = None
) -> tuple[str, Any | None, str]:
    """The catalog at git ``ref``: (commit, ``Catalog`` or None, and a note when it exists
    there but does not load; None without a note: it did not exist at ``ref``).

    ``reuse``: the working tree's ``LoadedCatalog`` (of ``catalog_dir``). A product file whose
    bytes at ``ref`` hash the same as when the working tree was loaded holds the same products,
    so they are taken from ``reuse`` and only the other files are parsed: a pull request
    touching one file of a hundred parses one. A GUID declared both in a reused file and in a
    parsed one is the base not loading, as a full load would say."""
    with gc_paused():
        return _catalog_at(catalog_dir, ref, option, reuse)


def _catalog_at(
    catalog_dir: Path, ref: str, option: str, reuse: Any | None
) -> tuple[str, Any | None, str]:
    catalog_dir = Path(catalog_dir)
    if not catalog_dir.is_dir():
        raise ConfigError(f"{option}: the catalog directory {catalog_dir} does not exist")
    top = _git(
        catalog_dir, "rev-parse", "--show-toplevel", what="find the git work tree", option=option
    )
    prefix = _git(
        catalog_dir, "rev-parse", "--show-prefix", what="find the git work tree", option=option
    )
    commit = _resolve(catalog_dir, ref, option)
    path = prefix.rstrip("/")
    old = None
    note = ""
    listed = path and _git(
        Path(top), "ls-tree", commit, "--", path, what="list the base tree", option=option
    )
    if not path or listed:
        # product files whose blob at the base is the bytes loaded: neither unpacked nor parsed
        same = _same_blobs(Path(top), commit, path, catalog_dir, reuse) if reuse else None
        args = (Path(top), commit, path, catalog_dir, ref, reuse, same)
        base = _load_base(*args, split=True)
        if base is None:  # the split was not confirmed, or the shortened base did not load
            base = _load_base(*args, split=False)
        assert base is not None  # without the split there is nothing to confirm
        old, note = base
    return commit, old, note


def _load_base(
    top: Path,
    commit: str,
    path: str,
    catalog_dir: Path,
    ref: str,
    reuse: Any,
    same: _SameBlobs | None,
    split: bool,
) -> tuple[Any | None, str] | None:
    """The catalog at ``commit`` and a note (``_catalog_at``); None when ``split`` was used
    and not confirmed, or the shortened base did not load: then parse without it, so an
    error count or a refusal is always the whole file's."""
    from reconciler.desired.load import load_catalog  # late: desired imports much of the package

    with tempfile.TemporaryDirectory(prefix="shoptet-base-") as tmp:
        base_dir = Path(tmp) / path if path else Path(tmp)
        links = _extract(top, commit, path, Path(tmp), same)
        twice: list[str] = []
        note = ""
        old = None
        expected: dict[str, _Shortened] = {}
        try:
            reused = (
                _take_unchanged(
                    base_dir, catalog_dir, reuse, expected if split else None, same and same.files
                )
                if reuse is not None and base_dir.is_dir()
                else {}
            )
            loaded = load_catalog(base_dir) if base_dir.is_dir() else None
            if expected and (loaded is None or not _split_confirmed(loaded, expected)):
                return None
            old = loaded.catalog if loaded is not None else None
            if old is not None and reused:
                twice = sorted(set(reused) & set(old.products))
                if twice:
                    raise CatalogError([])
                old = old.model_copy(update={"products": {**reused, **old.products}})
        except CatalogError as err:
            if expected:
                return None
            old = None
            count = len(err.problems) or len(twice)
            note = f"the catalog at {ref} does not load ({count} problem(s))"
        if links:
            old = None  # as if the base did not load: the loader refuses links
            shown = ", ".join(links[:3]) + (f" and {len(links) - 3} more" if len(links) > 3 else "")
            note = f"the catalog at {ref} holds symbolic links, which the catalog refuses ({shown})"
    return old, note


def _product_places(locations: Any) -> Iterator[tuple[str, Any]]:
    """(GUID, where its key is) of each product a load's ``locations`` hold."""
    products = getattr(locations, "products", None)
    if products is not None:
        yield from products()
        return
    for key, where in locations.items():  # a plain dict (built by hand)
        if len(key) == 1:
            yield key[0], where


class _Shortened(NamedTuple):
    """What a base file shortened by the split must hold: the line of each block left, and
    the nodes of the blocks cut out (from the working tree's load: the same text)."""

    lines: dict[str, int]
    cut_nodes: int


def _split_confirmed(loaded: Any, expected: dict[str, _Shortened]) -> bool:
    """Whether the shortened base files hold exactly the products the split left in them,
    each on the line the split put its header, and whether each whole file keeps within
    the loader's node limit (a limit means the same with the split and without)."""
    from reconciler.desired import yamlload  # late, as load_catalog; read now: tests lower it

    found: dict[str, dict[str, int]] = {}
    for guid, where in _product_places(loaded.locations):
        if where.file in expected:
            found.setdefault(where.file, {})[guid] = where.line
    for file, shortened in expected.items():
        if found.get(file) != shortened.lines:
            return False
        left = [loaded.product_nodes.get(guid) for guid in shortened.lines]
        if None in left:
            return False  # not counted (the exact YAML path read it): unsure
        whole = HEAD_NODES + sum(n for n in left if n is not None) + shortened.cut_nodes
        if whole > yamlload.MAX_NODES:
            return False
    return True


def _take_unchanged(
    base_dir: Path,
    catalog_dir: Path,
    reuse: Any,
    expected: dict[str, _Shortened] | None = None,
    by_blob: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The products of every product file that is byte-for-byte the same at the base as when
    ``reuse`` was loaded, from ``reuse``: the files in ``by_blob`` (``_same_blobs``: never
    unpacked), and those unpacked whose bytes hash the same (sha256), which are then removed
    from ``base_dir`` so the base's load parses only the others. With ``expected``, also
    the products whose text is the same in a file that differs (``_take_same_products``),
    recording there what the shortened files must hold."""
    from reconciler.desired.load import PRODUCTS_DIR  # late, as load_catalog

    by_blob = by_blob or {}
    grouped = getattr(reuse.locations, "guids_by_file", None)
    guids_in: dict[str, list[str]] = grouped() if grouped is not None else {}
    if grouped is None:  # a plain dict (built by hand)
        for guid, where in _product_places(reuse.locations):
            guids_in.setdefault(where.file, []).append(guid)
    taken: dict[str, Any] = {}
    for path in reuse.files:
        shown = path.as_posix()
        try:
            rel = Path(path).relative_to(catalog_dir)
        except ValueError:
            continue
        if rel.as_posix() in by_blob:
            for guid in guids_in.get(shown, ()):
                taken[guid] = reuse.catalog.products[guid]
            continue
        base = base_dir / rel
        if not rel.parts or rel.parts[0] != PRODUCTS_DIR or base.is_symlink() or not base.is_file():
            continue
        data = base.read_bytes()
        if hashlib.sha256(data).hexdigest() != reuse.file_hashes.get(shown):
            if expected is not None:
                declared = len(guids_in.get(shown, ()))
                same, left = _take_same_products(base, data, Path(path), shown, reuse, declared)
                if left is not None:
                    taken.update(same)
                    expected[base.as_posix()] = left
            continue
        for guid in guids_in.get(shown, ()):
            taken[guid] = reuse.catalog.products[guid]
        base.unlink()
    return taken


# -- products whose text is the same in a file that differs --------------------------------
#
# A pull request that renames one product in a file of 1,000 changes that file, and parsing
# the base's copy whole is most of a --changed-since load (issue 16). A block (``blocks``)
# whose text is the same at the base as in the working tree holds the same product: it is
# taken from the working tree and cut from the base's copy, which is then parsed as usual.
# The split is only trusted where a parser confirmed it: in the working tree, every header
# the split saw must be a product the loader found on that line (and no other); at the base,
# every block left must be a product found on its line in the shortened file
# (``_split_confirmed``), else the base is parsed whole.


def _take_same_products(
    base: Path, data: bytes, path: Path, shown: str, reuse: Any, declared: int
) -> tuple[dict[str, Any], _Shortened | None]:
    """Products of the base's ``base`` (bytes ``data``) whose block is the same as in the
    working tree's ``path`` (where its load found ``declared`` products), and what the
    shortened file must hold; ``base`` is rewritten without them (at least one block stays).
    Nothing taken, and ``base`` untouched, when unsure."""
    from reconciler.desired.yamlload import MAX_FILE_BYTES  # late, as load_catalog

    try:
        current = path.read_bytes()
        if len(data) > MAX_FILE_BYTES or len(current) > MAX_FILE_BYTES:
            return {}, None
        old_split, new_split = (
            split_blocks(data.decode("utf-8")),
            split_blocks(current.decode("utf-8")),
        )
    except (OSError, UnicodeDecodeError):
        return {}, None
    if old_split is None or new_split is None:
        return {}, None
    if hashlib.sha256(current).hexdigest() != reuse.file_hashes.get(shown):
        return {}, None  # changed since it was loaded: the load is no witness for this text
    # The working tree's split must be exactly what its load found: these products, here.
    head, blocks = new_split
    line = head.count("\n") + 1
    seen: dict[str, str] = {}
    for guid, block in blocks:
        where = reuse.locations.get((guid,))
        if guid not in reuse.catalog.products or where is None:
            return {}, None
        if where.file != shown or where.line != line:
            return {}, None
        seen[guid] = block
        line += block.count("\n")
    if declared != len(seen):
        return {}, None
    old_head, old_blocks = old_split
    kept = [(g, b) for g, b in old_blocks if seen.get(g) != b] or old_blocks[:1]
    taken = {g: reuse.catalog.products[g] for g, b in old_blocks if seen.get(g) == b}
    for guid, _ in kept:
        taken.pop(guid, None)
    cut_nodes = [reuse.product_nodes.get(guid) for guid in taken]
    if None in cut_nodes:
        return {}, None  # a block the working tree's fast path did not count: unsure
    lines: dict[str, int] = {}
    line = old_head.count("\n") + 1
    for guid, block in kept:
        lines[guid] = line
        line += block.count("\n")
    base.write_text(old_head + "".join(b for _, b in kept), encoding="utf-8")
    return taken, _Shortened(lines, sum(n for n in cut_nodes if n is not None))


def _resolve(cwd: Path, ref: str, option: str = "--changed-since") -> str:
    if not ref or ref.startswith("-"):
        raise ConfigError(f"{option}: {ref!r} is not a git revision")
    proc = _run(cwd, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    commit = proc.stdout.strip()
    if proc.returncode != 0 or not commit:
        raise ConfigError(
            f"{option} {ref}: git knows no commit by that name in {cwd}. Fix: give a "
            "branch, tag or commit that exists locally (in CI, fetch it first, e.g. "
            "actions/checkout with fetch-depth: 0)."
        )
    return commit


# Paths a ``git archive`` is given at a time (the command line's length is bounded).
_ARCHIVE_PATHS = 500


def _extract(top: Path, commit: str, path: str, dest: Path, same: _SameBlobs | None) -> list[str]:
    """Unpack the tree at ``commit`` into ``dest``, but for the files ``same`` names: only
    their directories are made, as if unpacked and removed again; symbolic (and hard) links
    are left out and returned by name, never created: the loader refuses links, and one
    pointing outside the archive must not even be looked at."""
    if not same or not same.files:
        return _unpack(top, commit, [path] if path else [], dest)
    prefix = f"{path}/" if path else ""
    for rel in same.files:
        (dest / (prefix + rel)).parent.mkdir(parents=True, exist_ok=True)
    rest = [p for _, _, p in same.entries if p[len(prefix) :] not in same.files]
    links: list[str] = []
    for start in range(0, len(rest), _ARCHIVE_PATHS):
        links += _unpack(top, commit, rest[start : start + _ARCHIVE_PATHS], dest)
    return sorted(links)


def _unpack(top: Path, commit: str, paths: list[str], dest: Path) -> list[str]:
    """``git archive`` of ``paths`` (literal; none: the whole tree) at ``commit`` into
    ``dest``, without links (``_extract``); the links left out, by name."""
    args = ["--literal-pathspecs", "archive", "--format=tar", commit]
    if paths:
        args += ["--", *paths]
    proc = _run(top, *args, binary=True)
    if proc.returncode != 0:
        raise ConfigError(
            f"--changed-since: git archive of {commit[:12]} failed: "
            f"{proc.stderr.decode('utf-8', 'replace').strip()}"
        )
    links: list[str] = []

    def no_links(member: tarfile.TarInfo, where: str) -> tarfile.TarInfo | None:
        if member.issym() or member.islnk():
            links.append(member.name)
            return None
        return tarfile.data_filter(member, where)

    try:
        with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
            tar.extractall(dest, filter=no_links)
    except (tarfile.TarError, OSError) as exc:
        raise ConfigError(
            f"--changed-since: the tree of {commit[:12]} could not be unpacked ({exc}); "
            "plan without --changed-since"
        ) from None
    return sorted(links)


# -- files the same at the base, by their git blob ids ---------------------------------------
#
# Unpacking the whole base tree and hashing every file was most of --changed-since at 100,000
# products (issue 16). The base tree names each file's blob id, and the loader recorded the
# blob id of the bytes it read (``LoadedCatalog.git_blobs``): the same id is the same bytes.
# Those bytes are what ``git archive`` would unpack only when checking the file out changes
# nothing (no line-end conversion, filter, ident, encoding or export attribute, as
# ``git check-attr`` says with the base's .gitattributes); a file where that is unsure is
# unpacked and compared by its bytes, as before.

_REGULAR = ("100644", "100755")
_CHECKOUT_ATTRS = (
    "text",
    "eol",
    "crlf",
    "filter",
    "ident",
    "working-tree-encoding",
    "export-ignore",
    "export-subst",
)


class _SameBlobs(NamedTuple):
    """``_same_blobs``: the product files (relative to the catalog, POSIX) to take as they
    were loaded, by blob id, and every entry of the base tree under the catalog."""

    files: dict[str, str]
    entries: list[tuple[str, str, str]]


def _same_blobs(
    top: Path, commit: str, path: str, catalog_dir: Path, reuse: Any
) -> _SameBlobs | None:
    """The product files whose blob at ``commit`` holds exactly the bytes ``reuse`` loaded
    and which checking out leaves as they are; None when git cannot say (the caller then
    unpacks everything, as before)."""
    from reconciler.desired.load import PRODUCTS_DIR  # late, as load_catalog

    blobs = getattr(reuse, "git_blobs", None)
    entries = _tree_entries(top, commit, path)
    if not blobs or entries is None:
        return None
    prefix = f"{path}/" if path else ""
    at_base = {p[len(prefix) :]: (mode, oid) for mode, oid, p in entries}
    found: dict[str, str] = {}
    for file in reuse.files:
        try:
            rel = Path(file).relative_to(catalog_dir).as_posix()
        except ValueError:
            continue
        mode, oid = at_base.get(rel, ("", ""))
        if not rel.startswith(PRODUCTS_DIR + "/") or mode not in _REGULAR:
            continue
        if oid == blobs.get(Path(file).as_posix()):
            found[rel] = oid
    if not found:
        return None
    attributes = [e for e in entries if e[2].rsplit("/", 1)[-1] == ".gitattributes"]
    plain = _checked_out_as_is(top, commit, path, [prefix + r for r in found], attributes)
    return _SameBlobs({r: oid for r, oid in found.items() if prefix + r in plain}, entries)


def _tree_entries(
    top: Path, commit: str, path: str, *, recursive: bool = True, paths: Sequence[str] = ()
) -> list[tuple[str, str, str]] | None:
    """(mode, object id, path from the top) of every entry under ``path`` (or of ``paths``)
    at ``commit``: files, links, submodules, not directories. None when git fails."""
    args = ["--literal-pathspecs", "ls-tree", "-z", "--full-tree", *(["-r"] * recursive)]
    wanted = list(paths) or ([path] if path else [])
    proc = _run(top, *args, commit, "--", *wanted, binary=True)
    if proc.returncode != 0:
        return None
    entries = []
    for record in proc.stdout.split(b"\0"):
        meta, tab, name = record.partition(b"\t")
        fields = meta.decode("ascii", "replace").split(" ")
        if tab and len(fields) == 3:
            entries.append((fields[0], fields[2], name.decode("utf-8", "surrogateescape")))
    return entries


def _checked_out_as_is(
    top: Path, commit: str, path: str, paths: list[str], inside: list[tuple[str, str, str]]
) -> set[str]:
    """Those of ``paths`` (from the top) that ``git archive`` of ``commit`` unpacks as their
    blob's bytes: no attribute converts them, read as archive reads them (the tree's
    .gitattributes: ``inside`` the catalog and above it; the repository's and the user's),
    and no core.autocrlf / core.eol would. Empty when git cannot say."""
    if _config(top, "core.autocrlf") in ("true", "yes", "on", "1"):
        return set()
    if _config(top, "core.eol") == "crlf":
        return set()
    parts = path.split("/") if path else []
    above = [("/".join(parts[:i]) + "/" if i else "") + ".gitattributes" for i in range(len(parts))]
    found = _tree_entries(top, commit, path, recursive=False, paths=above) if above else []
    if found is None or any(mode not in _REGULAR for mode, _, _ in [*found, *inside]):
        return set()  # a .gitattributes that is a link (or unreadable): unsure
    with tempfile.TemporaryDirectory(prefix="shoptet-attr-") as tmp:
        # an index holding only the base's .gitattributes, for check-attr --cached
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        index_info = b"".join(
            f"{mode} {oid}\t{p}".encode("utf-8", "surrogateescape") + b"\0"
            for mode, oid, p in [*found, *inside]
        )
        made = _run(top, "read-tree", "--empty", env=env)
        filled = _run(top, "update-index", "-z", "--index-info", env=env, stdin=index_info)
        asked = _run(
            top,
            "check-attr",
            "--cached",
            "-z",
            "--stdin",
            *_CHECKOUT_ATTRS,
            env=env,
            stdin=b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in paths),
        )
    if made.returncode != 0 or filled.returncode != 0 or asked.returncode != 0:
        return set()
    said: dict[str, dict[str, str]] = {}
    fields = asked.stdout.split(b"\0")
    for i in range(0, len(fields) - 2, 3):
        name = fields[i].decode("utf-8", "surrogateescape")
        said.setdefault(name, {})[fields[i + 1].decode()] = fields[i + 2].decode()
    return {p for p in paths if _as_is(said.get(p))}


def _as_is(attrs: dict[str, str] | None) -> bool:
    """Whether these attributes (``git check-attr``) leave a file's bytes as they are on
    checkout, given no core.autocrlf / core.eol that converts."""
    if attrs is None or len(attrs) != len(_CHECKOUT_ATTRS):
        return False
    unset = ("unspecified", "unset")
    for name in ("filter", "ident", "working-tree-encoding", "export-ignore", "export-subst"):
        if attrs[name] not in unset:
            return False
    if attrs["crlf"] not in (*unset, "input"):
        return False
    return attrs["text"] == "unset" or attrs["eol"] in ("unspecified", "lf")


def _config(top: Path, key: str) -> str:
    proc = _run(top, "config", "--get", key)
    return proc.stdout.strip().lower() if proc.returncode == 0 else ""


def _git(cwd: Path, *args: str, what: str, option: str = "--changed-since") -> str:
    proc = _run(cwd, *args)
    if proc.returncode != 0:
        detail = proc.stderr.strip().splitlines()
        raise ConfigError(
            f"{option} needs the catalog in a git work tree, and git could not {what} "
            f"for {cwd}: {detail[-1] if detail else 'unknown error'}"
        )
    return proc.stdout.strip()


def _run(
    cwd: Path,
    *args: str,
    binary: bool = False,
    env: dict[str, str] | None = None,
    stdin: bytes | None = None,
) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=not binary and stdin is None,
            timeout=_GIT_TIMEOUT,
            check=False,
            env={**os.environ, **env} if env else None,
            input=stdin,
        )
    except FileNotFoundError:
        raise ConfigError("--changed-since needs git, and no `git` program was found") from None
    except (OSError, subprocess.SubprocessError) as exc:
        raise ConfigError(f"--changed-since: running git failed: {exc}") from None
