"""Run every evaluation and rewrite the tables of docs/evaluation*.md.

    .venv/bin/python -m bench.eval                  # all, docs rewritten
    .venv/bin/python -m bench.eval injection pii    # some of them
    .venv/bin/python -m bench.eval --dry-run        # print only
    .venv/bin/python -m bench.eval injection --side development --out-of-fold   # options

Each evaluation is a module of this package exposing `main(argv) -> int | None`, which prints
its Markdown tables on stdout, and `DOC`, the page (relative to the repository) whose block
between `<!-- bench.eval:begin -->` and `<!-- bench.eval:end -->` those tables replace. A new
evaluation plugs in by adding its module name to `EVALUATIONS`. Options after the names go to
each module named (e.g. `--side development`); a run with options prints and rewrites no page,
since the page's tables are those of a default run. A module that is missing or
has no `DOC` is run and printed, and the report says that no page was rewritten.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EVALUATIONS = ("injection", "content", "pii", "hallucination")
BEGIN, END = "<!-- bench.eval:begin -->", "<!-- bench.eval:end -->"


def rewrite(page: Path, tables: str) -> bool:
    """Replace the marked block of `page` with `tables`; False when the page has no block."""
    text = page.read_text(encoding="utf-8") if page.exists() else ""
    if BEGIN not in text or END not in text:
        return False
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    page.write_text(f"{head}{BEGIN}\n{tables.strip()}\n{END}{tail}", encoding="utf-8")
    return True


def run_one(name: str, extra: list[str], write: bool) -> int:
    try:
        module = importlib.import_module(f"bench.eval.{name}")
    except ModuleNotFoundError as exc:
        print(f"bench.eval: skipped `{name}` ({exc})", file=sys.stderr)
        return 0
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = module.main(extra) or 0
    tables = buffer.getvalue()
    print(tables)
    doc = getattr(module, "DOC", None)
    if write and not code:
        if doc and rewrite(REPO / doc, tables):
            print(f"bench.eval: rewrote {doc}", file=sys.stderr)
        else:
            print(f"bench.eval: `{name}` has no marked page; nothing rewritten", file=sys.stderr)
    return int(code)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(EVALUATIONS))
    parser.add_argument("--dry-run", action="store_true", help="print, rewrite no page")
    args, extra = parser.parse_known_args(argv)
    unknown = sorted(set(args.names) - set(EVALUATIONS))
    if unknown:
        parser.error(f"unknown evaluation {', '.join(unknown)}; known: {', '.join(EVALUATIONS)}")
    failed = 0
    for name in args.names or EVALUATIONS:
        failed |= run_one(name, extra, write=not (args.dry_run or extra))
    return failed


if __name__ == "__main__":
    sys.exit(main())
