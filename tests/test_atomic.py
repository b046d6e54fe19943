"""reconciler.atomic: whole files or nothing, with the permissions each writer needs."""

from __future__ import annotations

import os
import stat

import pytest

from reconciler.atomic import write_atomically


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_rewritten_catalog_file_keeps_its_permissions(tmp_path):
    path = tmp_path / "tea.yaml"
    path.write_text("old\n")
    os.chmod(path, 0o664)
    write_atomically(path, ["new\n"])
    assert path.read_text() == "new\n"
    assert _mode(path) == 0o664


def test_a_new_catalog_file_is_world_readable_and_an_export_owner_only(tmp_path):
    write_atomically(tmp_path / "new.yaml", ["a\n"])
    write_atomically(tmp_path / "orders.jsonl", ["{}\n"], mode=None)
    assert _mode(tmp_path / "new.yaml") == 0o644
    assert _mode(tmp_path / "orders.jsonl") == 0o600


def test_a_failure_part_way_leaves_the_old_file_and_no_temporary_file(tmp_path):
    path = tmp_path / "tea.yaml"
    path.write_text("old\n")

    def chunks():
        yield "half"
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        write_atomically(path, chunks())
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["tea.yaml"]


def test_a_link_at_the_target_is_replaced_not_followed(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("keep\n")
    link = tmp_path / "tea.yaml"
    link.symlink_to(outside)
    write_atomically(link, ["new\n"])
    assert outside.read_text() == "keep\n"
    assert not link.is_symlink() and link.read_text() == "new\n"
    assert _mode(link) == 0o644  # not the link's own 0o777
