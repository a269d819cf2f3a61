"""Split candidate pytest files written by the model into top-level pieces.

Stdlib only, Python 3.9+. One process checks a whole batch of candidate files.

Input (JSON on stdin):
    {"files": [{"id": "pkg/mod.py::f#1", "source": "<python text>",
                "target": {"module": "pkg.mod", "importName": "f", "name": "f"}}]}
    `importName` is the top-level name a test imports (the class for a method); `name` is the
    function's own name (the method name for a method).

Output (JSON on stdout):
    {"files": [{"id": "...", "pieces": [Piece...],
                "broken": [{"line": 12, "message": "invalid syntax", "source": "<chunk>"}]}]}

    A file that parses gives pieces only. A file that does not is cut into top-level chunks
    (a line at column 0 starts a chunk; decorators and comments stay with what follows) and each
    chunk is parsed on its own: the ones that parse give pieces, the others are `broken`, with
    the absolute line and message of their syntax error.

    Piece: {"kind": "import" | "test" | "fixture" | "helper" | "class" | "assert" | "other"
                     | "shadow" | "main" | "stray",
            "name": str | null, "line": 1-based, "source": "<text, with the comments above it>",
            "comment": "<comment lines just above, without #>" | null,
            "docstring": str | null,
            "fingerprint": str | null,    tests, asserts and test methods: equal when the code is
                                          equal apart from name, docstring and comments
            "binds": [names],             the names it binds: an import's names, a def's or
                                          class's name (and a fixture's `name=`), assignment targets
            "uses": [names],              the names it reads, the fixtures its functions ask for by
                                          parameter, and `usefixtures` names: an over-approximation,
                                          to tell which imports and helpers a test needs
            "targetImport": "ok" | "elsewhere" | null,
                                          imports binding `importName`: from the right module, or
                                          from another one (the model guessed a module name)
            "withoutTarget": str | null,  for "elsewhere": the import without that name (null
                                          when nothing is left)
            "header": str | null,         classes: decorators, class line and docstring
            "members": [Piece] | null,    classes: body statements (tests, fixtures, others)
            "calls": [{"call": "f(\"a\")", "expected": "\"b\"" | null, "raises": "ValueError" | null,
                       "line": 1-based, "selfContained": true}]}
                                          selfContained: the call needs only the target (literal
                                          arguments, on the function or on `Cls(<literals>)`)
    kinds: "shadow" redefines the target's name (it would hide the code under test); "main" is an
    `if __name__ == "__main__":` block and "stray" a bare expression such as `test_x()` or
    `print(...)`: all three are dropped by the caller. "assert" is a bare top-level assert, which
    the caller wraps into a test. String literals in `calls` use double quotes where that changes
    nothing else, the form SemCoder's execution-reasoning prompts were trained on.
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import re
import sys
import tokenize
from typing import Any, Dict, List, Optional, Sequence, Tuple

Piece = Dict[str, Any]
FIXTURE = re.compile(r"^(pytest\.)?fixture\b")
DEFINITION = re.compile(r"^(async\s+def|def|class)\b")


def requote(text: str) -> str:
    """Turns 'abc' into "abc" when the string holds no quote or backslash; same length."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return text
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    chars = list(text)
    for token in tokens:
        if token.type != tokenize.STRING:
            continue
        prefix = re.match(r"[A-Za-z]*", token.string).group(0)  # type: ignore[union-attr]
        body = token.string[len(prefix) :]
        if "f" in prefix.lower() or not body.startswith("'") or body.startswith("'''"):
            continue
        inner = body[1:-1]
        if '"' in inner or "\\" in inner:
            continue
        row, col = token.start
        start = offsets[row - 1] + col + len(prefix)
        end = start + len(body) - 1
        chars[start] = '"'
        chars[end] = '"'
    return "".join(chars)


def span(node: ast.AST) -> Tuple[int, int]:
    decorators = getattr(node, "decorator_list", None) or []
    start = min([node.lineno] + [d.lineno for d in decorators])  # type: ignore[attr-defined]
    return start, node.end_lineno or node.lineno  # type: ignore[attr-defined]


def comments_above(lines: Sequence[str], start: int, floor: int) -> int:
    """The first line of the comment block directly above line `start` (not above `floor`)."""
    first = start
    while first - 1 > floor and lines[first - 2].strip().startswith("#"):
        first -= 1
    return first


def fingerprint(node: ast.AST) -> str:
    """Equal for the same code under another name, docstring or comments."""
    clone = ast.parse(ast.unparse(node)).body[0]
    if isinstance(clone, (ast.FunctionDef, ast.AsyncFunctionDef)):
        clone.name = "_"
        body = clone.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            if isinstance(body[0].value.value, str):
                clone.body = body[1:] or [ast.Pass()]
    return hashlib.sha1(ast.dump(clone).encode("utf-8")).hexdigest()[:16]


def refers_to(func: ast.expr, target: Dict[str, str]) -> bool:
    if isinstance(func, ast.Name):
        return func.id in (target.get("importName"), target.get("name"))
    if isinstance(func, ast.Attribute):
        return func.attr == target.get("name")
    return False


def is_target_call(node: ast.expr, target: Dict[str, str]) -> bool:
    return isinstance(node, ast.Call) and refers_to(node.func, target)


def is_literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)  # type: ignore[arg-type]
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def dotted(node: ast.expr) -> bool:
    """`name` or `a.b.name`: a reference to something importable, not a local value."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def self_contained(call: ast.Call, constructor: bool = False) -> bool:
    """True when the call needs nothing but importable names and literals: `f(1)`, or a method
    on a constructor call with literals, `Stack([1]).push(2)` or `pkg.Stack().push(2)`."""
    arguments = list(call.args) + [k.value for k in call.keywords]
    if not all(is_literal(a) for a in arguments):
        return False
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):
        return self_contained(func.value, constructor=True)
    return isinstance(func, ast.Name) or (constructor and dotted(func))


def source_of(text: str, node: ast.AST) -> str:
    return requote(ast.get_source_segment(text, node) or ast.unparse(node))


def calls_in(text: str, node: ast.AST, target: Dict[str, str], base: int) -> List[Dict[str, Any]]:
    """`assert f(x) == y` (either side) and `with pytest.raises(E): f(x)` in a test."""
    out: List[Dict[str, Any]] = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Assert) and isinstance(sub.test, ast.Compare):
            compare = sub.test
            if len(compare.ops) != 1 or not isinstance(compare.ops[0], ast.Eq):
                continue
            left, right = compare.left, compare.comparators[0]
            if not is_target_call(left, target) and is_target_call(right, target):
                left, right = right, left
            if is_target_call(left, target):
                out.append({
                    "call": source_of(text, left),
                    "expected": source_of(text, right),
                    "raises": None,
                    "line": base + sub.lineno - 1,
                    "selfContained": self_contained(left),  # type: ignore[arg-type]
                })
        elif isinstance(sub, ast.With):
            raises = [
                item.context_expr for item in sub.items
                if isinstance(item.context_expr, ast.Call)
                and isinstance(item.context_expr.func, (ast.Attribute, ast.Name))
                and getattr(item.context_expr.func, "attr", getattr(item.context_expr.func, "id", "")) == "raises"
                and item.context_expr.args
            ]
            if not raises:
                continue
            for inner in ast.walk(ast.Module(body=sub.body, type_ignores=[])):
                if is_target_call(inner, target):  # type: ignore[arg-type]
                    out.append({
                        "call": source_of(text, inner),
                        "expected": None,
                        "raises": ast.unparse(raises[0].args[0]),
                        "line": base + inner.lineno - 1,  # type: ignore[attr-defined]
                        "selfContained": self_contained(inner),  # type: ignore[arg-type]
                    })
                    break
    return out


def import_piece(piece: Piece, node: ast.stmt, target: Dict[str, str]) -> None:
    wanted = target.get("importName")
    binds: List[str] = []
    for alias in node.names:  # type: ignore[attr-defined]
        if isinstance(node, ast.Import):
            binds.append(alias.asname or alias.name.split(".")[0])
        else:
            binds.append(alias.asname or alias.name)
    piece["binds"] = binds
    if not isinstance(node, ast.ImportFrom):
        return
    right_module = node.level == 0 and node.module == target.get("module")
    if right_module and "*" in binds:
        piece["targetImport"] = "ok"
        return
    hits = [a for a in node.names if (a.asname or a.name) == wanted]
    if not hits:
        return
    if right_module and all(a.name == wanted for a in hits):
        piece["targetImport"] = "ok"
        return
    piece["targetImport"] = "elsewhere"
    rest = [a for a in node.names if a not in hits]
    if rest:
        clone = ast.ImportFrom(module=node.module, names=rest, level=node.level)
        piece["withoutTarget"] = ast.unparse(clone)


def names_used(node: ast.AST) -> List[str]:
    """Every name the statement mentions, parameters (fixture requests) and `usefixtures` names."""
    used = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            used.add(sub.id)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            arguments = sub.args
            for arg in arguments.posonlyargs + arguments.args + arguments.kwonlyargs:
                used.add(arg.arg)
        elif isinstance(sub, ast.Call) and ast.unparse(sub.func).endswith("usefixtures"):
            used.update(a.value for a in sub.args if isinstance(a, ast.Constant) and isinstance(a.value, str))
    return sorted(used)


def names_bound(node: ast.stmt) -> List[str]:
    """What a definition or assignment binds at module level (imports: see import_piece)."""
    bound: List[str] = []
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        bound.append(node.name)
        for decorator in getattr(node, "decorator_list", []):
            if isinstance(decorator, ast.Call) and FIXTURE.match(ast.unparse(decorator.func)):
                for keyword in decorator.keywords:
                    if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                        bound.append(str(keyword.value.value))
    elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        bound.extend(sorted({n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}))
    return bound


def decorated_as_fixture(node: ast.AST) -> bool:
    for decorator in getattr(node, "decorator_list", []):
        expr = decorator.func if isinstance(decorator, ast.Call) else decorator
        if FIXTURE.match(ast.unparse(expr)):
            return True
    return False


def is_main_block(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "__name__" in ast.unparse(node.test) and "__main__" in ast.unparse(node.test)


def classify(node: ast.stmt, target: Dict[str, str], in_class: bool) -> str:
    wanted = target.get("importName")
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return "import"
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        if node.name == wanted and not in_class:
            return "shadow"
        if decorated_as_fixture(node):
            return "fixture"
        return "test" if node.name.startswith("test") else "helper"
    if isinstance(node, ast.ClassDef):
        if node.name == wanted and not in_class:
            return "shadow"
        return "class" if node.name.startswith("Test") and not in_class else "helper"
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and not in_class:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        return "shadow" if wanted in names else "other"
    if isinstance(node, ast.Assert) and not in_class:
        return "assert"
    if is_main_block(node):
        return "main"
    if isinstance(node, ast.Expr) and not isinstance(node.value, ast.Constant):
        return "stray"
    return "other"


def make_piece(
    text: str, lines: Sequence[str], node: ast.stmt, floor: int, base: int, target: Dict[str, str],
    in_class: bool = False,
) -> Piece:
    start, end = span(node)
    first = comments_above(lines, start, floor)
    kind = classify(node, target, in_class)
    comment = [lines[i].strip().lstrip("#").strip() for i in range(first - 1, start - 1)]
    piece: Piece = {
        "kind": kind,
        "name": getattr(node, "name", None),
        "line": base + first - 1,
        "source": "".join(lines[first - 1 : end]).rstrip(),
        "comment": " ".join(c for c in comment if c) or None,
        "docstring": None,
        "fingerprint": None,
        "binds": [],
        "uses": names_used(node),
        "targetImport": None,
        "withoutTarget": None,
        "header": None,
        "members": None,
        "calls": [],
    }
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        piece["docstring"] = ast.get_docstring(node, clean=True)
    if kind == "import":
        import_piece(piece, node, target)
    else:
        piece["binds"] = names_bound(node)
    if kind in ("test", "assert"):
        piece["fingerprint"] = fingerprint(node)
        piece["calls"] = calls_in(text, node, target, base)
    if kind == "class":
        class_piece(piece, text, lines, node, target, base)  # type: ignore[arg-type]
    return piece


def class_piece(
    piece: Piece, text: str, lines: Sequence[str], node: ast.ClassDef, target: Dict[str, str], base: int
) -> None:
    members: List[Piece] = []
    body = list(node.body)
    if span(body[0])[0] <= node.lineno:  # `class TestX: pass` on one line: keep it whole
        piece["kind"] = "other"
        return
    header_end = span(body[0])[0] - 1
    if ast.get_docstring(node) is not None:
        header_end = span(body[0])[1]
        body = body[1:]
    start, _ = span(node)
    first = comments_above(lines, start, 0)
    piece["header"] = "".join(lines[first - 1 : header_end]).rstrip()
    floor = header_end
    for member in body:
        members.append(make_piece(text, lines, member, floor, base, target, in_class=True))
        floor = span(member)[1]
    piece["members"] = members


def pieces_of(text: str, module: ast.Module, target: Dict[str, str], base: int) -> List[Piece]:
    lines = text.splitlines(keepends=True)
    out: List[Piece] = []
    floor = 0
    for node in module.body:
        out.append(make_piece(text, lines, node, floor, base, target))
        floor = span(node)[1]
    return out


def chunks(text: str) -> List[Tuple[int, str]]:
    """Top-level chunks: each starts at a column-0 code line; decorators, comments and blank
    lines join the statement below them. Returns (first line, text) pairs."""
    out: List[Tuple[int, List[str]]] = []
    waiting: List[str] = []
    waiting_start = 1
    decorating = False
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        stripped = line.strip()
        column0 = bool(stripped) and not line[0].isspace()
        if not stripped or (column0 and stripped.startswith("#")):
            if not waiting:
                waiting_start = number
            waiting.append(line)
            continue
        if (column0 and stripped[0] not in ")]}" and not decorating) or not out:
            out.append((waiting_start if waiting else number, waiting + [line]))
        else:
            out[-1][1].extend(waiting + [line])
        waiting = []
        if column0:  # a decorator holds the chunk open until its def or class
            decorating = stripped.startswith("@") or (decorating and not DEFINITION.match(stripped))
    if waiting and out:
        out[-1][1].extend(waiting)
    return [(start, "".join(body)) for start, body in out]


def syntax_message(error: SyntaxError, first_line: int) -> str:
    """The message, with a line it mentions made absolute like the error's own line."""
    message = (error.msg or "invalid syntax").splitlines()[0]
    return re.sub(r"line (\d+)", lambda m: "line %d" % (first_line + int(m.group(1)) - 1), message)


def split_file(request: Dict[str, Any]) -> Dict[str, Any]:
    text = request.get("source") or ""
    target = request.get("target") or {}
    result: Dict[str, Any] = {"id": request.get("id"), "pieces": [], "broken": []}
    try:
        module = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    else:
        result["pieces"] = pieces_of(text, module, target, 1)
        return result
    for start, chunk in chunks(text):
        try:
            module = ast.parse(chunk)
        except SyntaxError as error:
            line = start + (error.lineno or 1) - 1
            result["broken"].append({"line": line, "message": syntax_message(error, start), "source": chunk.strip("\n")})
            continue
        except (ValueError, RecursionError, MemoryError) as error:
            result["broken"].append({"line": start, "message": str(error) or "cannot be parsed", "source": chunk.strip("\n")})
            continue
        result["pieces"].extend(pieces_of(chunk, module, target, start))
    return result


def handle(request: Dict[str, Any]) -> Dict[str, Any]:
    return {"files": [split_file(f) for f in request.get("files", [])]}


def main() -> None:
    json.dump(handle(json.load(sys.stdin)), sys.stdout)


if __name__ == "__main__":
    main()
