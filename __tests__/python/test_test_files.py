"""Tests of the test-file splitter: model output cut into pieces the caller can assemble."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import test_files as tf

HELPER = Path(__file__).resolve().parents[2] / "src" / "python" / "test_files.py"
TARGET = {"module": "pkg.mod", "importName": "slugify", "name": "slugify"}
METHOD = {"module": "pkg.mod", "importName": "Stack", "name": "push"}


def split(source: str, target: dict = TARGET) -> dict:
    return tf.split_file({"id": "x", "source": textwrap.dedent(source), "target": target})


def kinds(result: dict) -> list:
    return [(p["kind"], p["name"]) for p in result["pieces"]]


def test_pieces_of_a_typical_file() -> None:
    result = split(
        '''
        import pytest
        from pkg.mod import slugify

        @pytest.fixture
        def text():
            return "a b"

        def helper(x):
            return x

        # Words are joined with dashes.
        def test_words(text):
            """Spaces become dashes."""
            assert slugify(text) == 'a-b'

        class TestEdge:
            def test_empty(self):
                assert slugify("") == ""

        CASES = [1, 2]
        assert slugify("x") == "x"
        test_words("a")
        if __name__ == "__main__":
            pytest.main()
        def slugify(text):
            return text
        '''
    )
    assert result["broken"] == []
    assert kinds(result) == [
        ("import", None),
        ("import", None),
        ("fixture", "text"),
        ("helper", "helper"),
        ("test", "test_words"),
        ("class", "TestEdge"),
        ("other", None),
        ("assert", None),
        ("stray", None),
        ("main", None),
        ("shadow", "slugify"),
    ]
    test = result["pieces"][4]
    assert test["comment"] == "Words are joined with dashes."
    assert test["docstring"] == "Spaces become dashes."
    assert test["source"].startswith("# Words are joined with dashes.\ndef test_words(text):")
    assert test["line"] == 12
    assert test["calls"] == [{"call": 'slugify(text)', "expected": '"a-b"', "raises": None, "line": 15, "selfContained": False}]
    assert result["pieces"][1]["targetImport"] == "ok"


def test_fingerprints_ignore_name_docstring_and_comments() -> None:
    result = split(
        '''
        def test_a():
            """One."""
            assert slugify("a") == "a"  # note

        def test_b():
            # other words
            assert slugify('a') == 'a'

        def test_c():
            assert slugify("b") == "b"
        '''
    )
    a, b, c = (p["fingerprint"] for p in result["pieces"])
    assert a == b
    assert a != c


@pytest.mark.parametrize(
    "line, target_import, without",
    [
        ("from pkg.mod import slugify", "ok", None),
        ("from pkg.mod import *", "ok", None),
        ("from solution import slugify", "elsewhere", None),
        ("from solution import slugify, other", "elsewhere", "from solution import other"),
        ("from .mod import slugify", "elsewhere", None),
        ("from pkg.mod import other as slugify", "elsewhere", None),
        ("from pkg.mod import slugify as s", None, None),
        ("import pkg.mod", None, None),
    ],
)
def test_imports_of_the_target(line: str, target_import: "str | None", without: "str | None") -> None:
    piece = split(line + "\n")["pieces"][0]
    assert piece["kind"] == "import"
    assert piece["targetImport"] == target_import
    assert piece["withoutTarget"] == without


def test_imports_report_what_they_bind() -> None:
    pieces = split("import os.path\nimport numpy as np\nfrom a import b, c as d\n")["pieces"]
    assert [p["binds"] for p in pieces] == [["os"], ["np"], ["b", "d"]]


def test_pieces_report_the_names_they_bind_and_use() -> None:
    pieces = split(
        '''
        from pkg.helpers import make_list
        DATA = make_list(3)

        @pytest.fixture(name="items")
        def _items():
            return list(DATA)

        def helper(x):
            return sorted(x)

        @pytest.mark.usefixtures("db")
        def test_sorted(items, tmp_path):
            assert helper(items) == slugify(DATA)
        '''
    )["pieces"]
    assert [p["binds"] for p in pieces] == [["make_list"], ["DATA"], ["_items", "items"], ["helper"], ["test_sorted"]]
    assert set(pieces[1]["uses"]) == {"DATA", "make_list"}
    assert {"DATA", "pytest", "list"} <= set(pieces[2]["uses"])
    assert {"helper", "items", "tmp_path", "slugify", "DATA", "db", "pytest"} <= set(pieces[4]["uses"])
    assert "make_list" not in pieces[4]["uses"]


def test_a_test_class_is_split_into_members() -> None:
    piece = split(
        '''
        class TestStack:
            """Stack tests."""

            @pytest.fixture
            def stack(self):
                return Stack()

            # pushing works
            def test_push(self, stack):
                stack.push(1)
                assert stack.push(2) == None
        ''',
        METHOD,
    )["pieces"][0]
    assert piece["kind"] == "class"
    assert piece["header"] == 'class TestStack:\n    """Stack tests."""'
    members = piece["members"]
    assert [(m["kind"], m["name"]) for m in members] == [("fixture", "stack"), ("test", "test_push")]
    assert members[1]["source"].startswith("    # pushing works\n    def test_push(self, stack):")
    assert members[1]["comment"] == "pushing works"
    assert members[1]["calls"] == [{"call": "stack.push(2)", "expected": "None", "raises": None, "line": 12, "selfContained": False}]


def test_calls_in_either_order_and_under_pytest_raises() -> None:
    pieces = split(
        '''
        def test_a():
            assert 'x-y' == slugify('x y')
            assert slugify('a') != 'b'
            assert len(slugify('a')) == 1

        def test_b():
            with pytest.raises(ValueError, match="bad"):
                slugify(None)
        '''
    )["pieces"]
    assert pieces[0]["calls"] == [{"call": 'slugify("x y")', "expected": '"x-y"', "raises": None, "line": 3, "selfContained": True}]
    assert pieces[1]["calls"] == [{"call": "slugify(None)", "expected": None, "raises": "ValueError", "line": 9, "selfContained": True}]


@pytest.mark.parametrize(
    "call, expected",
    [
        ("f(1, 'a', [2, (3,)], k={'x': None})", True),
        ("f()", True),
        ("f(x)", False),
        ("f(*args)", False),
        ("f(len('a'))", False),
        ("Stack([1, 2]).push(3)", True),
        ("pkg.Stack().push(3)", True),
        ("Stack(items).push(3)", False),
        ("stack.push(3)", False),
        ("Stack.Inner().meth(1)", True),
    ],
)
def test_self_contained(call: str, expected: bool) -> None:
    node = tf.ast.parse(call, mode="eval").body
    assert tf.self_contained(node) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("f('a')", 'f("a")'),
        ("f('it\"s')", "f('it\"s')"),
        ("f('a\\n')", "f('a\\n')"),
        ("f(b'x', r'y')", 'f(b"x", r"y")'),
        ("f('''a''')", "f('''a''')"),
        ("f(\"a\", 'b')", 'f("a", "b")'),
        ("f(f'{x}')", "f(f'{x}')"),
        ("f('unterminated", "f('unterminated"),
        ("g(\n  'a',\n  'b')", 'g(\n  "a",\n  "b")'),
    ],
)
def test_requote(text: str, expected: str) -> None:
    assert tf.requote(text) == expected


def test_a_broken_file_keeps_the_chunks_that_parse() -> None:
    result = split(
        '''
        from pkg.mod import slugify

        def test_ok():
            assert slugify("a") == "a"

        def test_broken(:
            assert slugify("b") == "b"

        @pytest.mark.parametrize("x", [1,
        2])
        def test_param(x):
            assert slugify(x) == x

        def test_cut():
            assert slugify("abc
        '''
    )
    assert kinds(result) == [("import", None), ("test", "test_ok"), ("test", "test_param")]
    assert result["pieces"][2]["line"] == 10
    assert result["pieces"][2]["source"].startswith('@pytest.mark.parametrize("x", [1,\n2])\ndef test_param')
    broken = result["broken"]
    assert [b["line"] for b in broken] == [7, 16]
    assert broken[0]["source"] == 'def test_broken(:\n    assert slugify("b") == "b"'
    assert broken[1]["message"] == "unterminated string literal (detected at line 16)" or "EOL" in broken[1]["message"]


def test_prose_is_broken_not_fatal() -> None:
    result = split("Here are the tests you asked for.\n\ndef test_x():\n    assert slugify('') == ''\n")
    assert kinds(result) == [("test", "test_x")]
    assert [b["line"] for b in result["broken"]] == [1]


def test_an_empty_file_has_no_pieces() -> None:
    assert split("") == {"id": "x", "pieces": [], "broken": []}


def test_the_script_reads_and_writes_json() -> None:
    request = {"files": [{"id": "a", "source": "def test_a():\n    pass\n", "target": TARGET}, {"id": "b", "source": "def (", "target": TARGET}]}
    done = subprocess.run([sys.executable, str(HELPER)], input=json.dumps(request), capture_output=True, text=True, check=True)
    files = json.loads(done.stdout)["files"]
    assert [f["id"] for f in files] == ["a", "b"]
    assert files[0]["pieces"][0]["name"] == "test_a"
    assert files[1]["broken"][0]["line"] == 1
