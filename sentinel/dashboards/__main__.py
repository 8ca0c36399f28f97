"""`python -m sentinel.dashboards [--check] [OUT_DIR]`: write (or check) dashboards/*.json."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sentinel.dashboards import check, write_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sentinel.dashboards", description=__doc__)
    parser.add_argument("out_dir", nargs="?", default="dashboards", type=Path)
    parser.add_argument("--check", action="store_true", help="exit 1 if the files drifted")
    args = parser.parse_args(argv)
    if args.check:
        problems = check(args.out_dir)
        for problem in problems:
            print(f"{args.out_dir}/{problem}", file=sys.stderr)
        return 1 if problems else 0
    for path in write_all(args.out_dir):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
