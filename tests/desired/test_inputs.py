"""Issue 12, inputs: symbolic links in the catalog, text Shoptet cannot store, and control
characters in names printed to the terminal. Each through `validate` as the user runs it."""

from __future__ import annotations

import pytest

from reconciler.cli import main
from reconciler.errors import terminal_safe

GUID = "1b02cb8e-d7b5-11e0-9a5c-feab5ed617ed"
GOOD = f"products:\n  {GUID}:\n    name: Tea\n"


def run(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return info.value.code, out.out, out.err


@pytest.fixture
def repo(tmp_path, monkeypatch):
    (tmp_path / "catalog" / "products").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_symlinked_product_file_is_refused_with_its_path(repo, capsys):
    outside = repo / "secret.yaml"
    outside.write_text(GOOD, encoding="utf-8")
    (repo / "catalog/products/tea.yaml").symlink_to(outside)
    code, _, err = run(["validate"], capsys)
    assert code == 1
    assert err.splitlines() == [
        "catalog/products/tea.yaml:1:1: this is a symbolic link; the catalog does not follow "
        "links (one could read a file outside the repository): replace the link with the file "
        "or folder itself",
        "1 problem found.",
    ]


def test_a_symlinked_folder_and_shop_file_are_refused_and_not_read(repo, capsys):
    outside = repo / "elsewhere"
    outside.mkdir()
    (outside / "p.yaml").write_text("products: [broken\n", encoding="utf-8")
    (outside / "shop.yaml").write_text("shop: {}\n", encoding="utf-8")
    (repo / "catalog/products/more").symlink_to(outside, target_is_directory=True)
    (repo / "catalog/shop.yaml").symlink_to(outside / "shop.yaml")
    code, _, err = run(["validate"], capsys)
    assert code == 1
    lines = err.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [
        "catalog/products/more",
        "catalog/shop.yaml",
    ]
    assert all("symbolic link" in line and "replace the link" in line for line in lines[:-1])
    assert "YAML syntax error" not in err  # the file behind the link was never read
    assert lines[-1] == "2 problems found."


def test_a_file_that_becomes_a_link_while_loading_is_refused(repo, capsys, monkeypatch):
    """The read itself never follows a link (O_NOFOLLOW), not only the directory scan."""
    from reconciler.desired import load as desired

    path = repo / "catalog/products/tea.yaml"
    path.write_text(GOOD, encoding="utf-8")
    real = desired._walk

    def swap(catalog_dir):
        found = real(catalog_dir)
        (repo / "real.yaml").write_text(GOOD, encoding="utf-8")
        path.unlink()
        path.symlink_to(repo / "real.yaml")
        return found

    monkeypatch.setattr(desired, "_walk", swap)
    code, _, err = run(["validate"], capsys)
    assert code == 1
    assert err.startswith("catalog/products/tea.yaml:1:1: this is a symbolic link")


@pytest.mark.parametrize(
    ("escape", "what"),
    [
        ("\\ud800", "a lone surrogate (U+D800"),
        ("\\udfff", "a lone surrogate (U+DFFF"),
        ("a\\0b", "the control character U+0000"),
        ("\\e[2J", "the control character U+001B"),
        ("\\x7f", "the control character U+007F"),
        ("\\x0b", "the control character U+000B"),
    ],
)
def test_text_shoptet_cannot_store_is_refused_at_validate_with_file_and_line(
    repo, capsys, escape, what
):
    text = f'products:\n  {GUID}:\n    name: "Tea {escape}"\n'
    (repo / "catalog/products/tea.yaml").write_text(text, encoding="utf-8")
    code, _, err = run(["validate"], capsys)
    assert code == 1
    first = err.splitlines()[0]
    assert first.startswith("catalog/products/tea.yaml:3:11: this text contains " + what)
    assert "Shoptet cannot store" in first


def test_a_control_character_in_a_key_is_refused_too(repo, capsys):
    text = f'products:\n  {GUID}:\n    name: Tea\n    variants:\n      "A\\x01": {{price: 1}}\n'
    (repo / "catalog/products/tea.yaml").write_text(text, encoding="utf-8")
    code, _, err = run(["validate"], capsys)
    assert code == 1
    assert "catalog/products/tea.yaml:5:7: this text contains the control character U+0001" in err


def test_tab_newline_and_an_escaped_utf16_pair_are_fine(repo, capsys):
    text = (
        f'products:\n  {GUID}:\n    name: "Tea \\ud83c\\udf75"\n'
        '    description: "<p>a\\tb\\r\\nc</p>"\n'
    )
    (repo / "catalog/products/tea.yaml").write_text(text, encoding="utf-8")
    code, _, err = run(["validate"], capsys)
    assert (code, err) == (0, "")


def test_a_control_character_in_a_file_name_is_escaped_in_the_error(repo, capsys):
    name = "tea\x1b[2J\x9b.yaml"
    (repo / "catalog/products" / name).write_text("products: [\n", encoding="utf-8")
    code, _, err = run(["validate"], capsys)
    assert code == 1
    assert "\x1b" not in err and "\x9b" not in err
    assert err.startswith("catalog/products/tea\\x1b[2J\\x9b.yaml:2:1: YAML syntax error")


def test_terminal_safe_escapes_controls_and_bidi_but_keeps_plain_text():
    assert terminal_safe("Čaj\x1b[31m\u202e\x00\ud800") == "Čaj\\x1b[31m\\u202e\\x00\\ud800"
    assert terminal_safe("a\nb\tc") == "a\nb\tc"
    assert terminal_safe("a\nb", keep_newlines=False) == "a\\x0ab"
