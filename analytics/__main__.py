"""The command line: ``python -m analytics demo | import | export | review | users`` (see CONTRACT.md).

Exit codes: 0 done; 2 rejected input or a store that cannot be opened (missing, damaged, held by another process),
with the reason on stderr in one sentence. Only ``demo`` makes a store where there is none; the others need
``--create`` for that, so that a mistyped path is an error rather than a new, empty store.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from analytics.ingest import ExportError
from analytics.store import StoreError, create_empty_store, reporting_damage, resolve_path

EXIT_OK = 0
EXIT_REJECTED = 2
#: The table name that imports the one-sheet portfolio, and the export format that writes it.
PORTFOLIO = "portfolio"
PORTFOLIO_XLSX = "portfolio-xlsx"
CREATE_HELP = "start an empty store at --db when there is none (else a missing store is an error)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analytics", description="Quarterdeck's store from the shell.")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="build the demo store (replaces --db)")
    demo.add_argument("--db", help="store path (default: $QUARTERDECK_DB or data/demo.duckdb)")
    demo.add_argument("--scale", choices=("demo", "bench"), default="demo")
    demo.add_argument("--seed", type=int, default=7)

    load = commands.add_parser(
        "import", help="load a .csv or .xlsx into a table, or the one-sheet portfolio (TABLE portfolio): all or none"
    )
    load.add_argument("--db", help="store path (default: $QUARTERDECK_DB or data/demo.duckdb)")
    load.add_argument("--by", help="who imports (recorded in import_log)")
    load.add_argument(
        "--dry-run", action="store_true", help="portfolio sheet: print what it would write, write nothing"
    )
    load.add_argument("--day-first", action="store_true", help="portfolio sheet: read 1/3/2026 as 1 March")
    load.add_argument("--create", action="store_true", help=CREATE_HELP)
    load.add_argument("table", help="a table, or portfolio for the one-sheet portfolio")
    load.add_argument("file", type=Path)

    export = commands.add_parser("export", help="write every table to a folder")
    export.add_argument("--db", help="store path (default: $QUARTERDECK_DB or data/demo.duckdb)")
    export.add_argument("--out", required=True, type=Path)
    export.add_argument("--format", choices=("csv", "xlsx", "parquet", PORTFOLIO_XLSX), default="csv")
    export.add_argument("--create", action="store_true", help=CREATE_HELP)

    review = commands.add_parser("review", help="write the review pack: a .pptx deck or a .pdf, by --out's extension")
    review.add_argument("--db", help="store path (default: $QUARTERDECK_DB or data/demo.duckdb)")
    review.add_argument("--out", required=True, type=Path, help="FILE.pptx or FILE.pdf")
    review.add_argument("--scenario", action="append", default=[], help="a saved scenario's name; 2-4 to compare")
    review.add_argument("--product", help="add the slide of this product (its id)")

    users = commands.add_parser("users", help="who may sign in, and with which role: grant, revoke, list")
    actions = users.add_subparsers(dest="action", required=True)
    grant = actions.add_parser("grant", help="give PRINCIPAL a role (replacing the one it had)")
    grant.add_argument("--db", help="store path (default: $QUARTERDECK_DB or data/demo.duckdb)")
    grant.add_argument("--create", action="store_true", help=CREATE_HELP)
    grant.add_argument("principal", help="an email address, or group:NAME for a group claim of the identity provider")
    grant.add_argument("role", help="viewer, editor or admin")
    revoke = actions.add_parser("revoke", help="remove PRINCIPAL's grant")
    revoke.add_argument("--db", help="store path (default: $QUARTERDECK_DB or data/demo.duckdb)")
    revoke.add_argument("principal")
    listing = actions.add_parser("list", help="every grant, admins first")
    listing.add_argument("--db", help="store path (default: $QUARTERDECK_DB or data/demo.duckdb)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command and return its exit code."""
    args = _parser().parse_args(argv)
    store = resolve_path(args.db)
    try:
        with reporting_damage(store):
            return _run(args, store)
    except (StoreError, ExportError) as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201
        return EXIT_REJECTED


def _run(args: argparse.Namespace, store: Path) -> int:
    # A dry run only reads the sheet, so it needs no store (and makes none).
    if args.command != "demo" and not store.exists() and not getattr(args, "dry_run", False):
        if not getattr(args, "create", False):  # a command without --create never makes a store
            raise StoreError(
                f"There is no store at {store}: check the path, build the demo there with "
                f"`python -m analytics demo --db {store}`, or add --create to start an empty store."
            )
        create_empty_store(store)
    if args.command == "demo":
        from analytics.demo import build_demo

        summary = build_demo(store, scale=args.scale, seed=args.seed)
        print(f"built {store} ({args.scale}, seed {args.seed}): {summary}")  # noqa: T201
        return EXIT_OK
    if args.command == "review":
        return _review(store, args)
    if args.command == "users":
        return _users(store, args)
    if args.command == "import" and args.table == PORTFOLIO:
        return _import_portfolio(store, args)
    if args.command == "import" and (args.dry_run or args.day_first):
        flag = "--dry-run" if args.dry_run else "--day-first"
        print(f"error: {flag} is for the portfolio sheet: import --db PATH {PORTFOLIO} FILE", file=sys.stderr)  # noqa: T201
        return EXIT_REJECTED
    if args.command == "import":
        from analytics.ingest import import_file

        result = import_file(store, args.table, args.file, imported_by=args.by)
        if result.problems:
            for problem in result.problems_as_lines():
                print(problem, file=sys.stderr)  # noqa: T201
            print(f"rejected: {args.file} was not imported; the store is unchanged", file=sys.stderr)  # noqa: T201
            return EXIT_REJECTED
        print(f"imported {args.file} into {args.table}: {result.summary()}")  # noqa: T201
        return EXIT_OK
    if args.format == PORTFOLIO_XLSX:
        from analytics.portfolio_sheet import export_sheet_file

        print(f"wrote {export_sheet_file(store, args.out)}")  # noqa: T201
        return EXIT_OK
    from analytics.ingest import export_store

    written = export_store(store, args.out, fmt=args.format)
    print(f"wrote {len(written)} files to {args.out}")  # noqa: T201
    return EXIT_OK


def _review(store: Path, args: argparse.Namespace) -> int:
    """Write the review pack; an unknown scenario, product or extension is a sentence and exit 2."""
    from analytics.review import RendererError, ReviewError, write_pack

    try:
        pages = write_pack(store, args.out, args.scenario, args.product)
    except (ReviewError, RendererError) as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201
        return EXIT_REJECTED
    print(f"wrote {args.out}: {pages} slides")  # noqa: T201
    return EXIT_OK


def _users(store: Path, args: argparse.Namespace) -> int:
    """Grant, revoke or list roles; a bad role or principal is a sentence on stderr and exit 2."""
    from analytics import users
    from analytics.store import connect

    with connect(store) as con:
        try:
            if args.action == "grant":
                who = users.grant(con, args.principal, args.role, granted_by=f"command line ({getpass.getuser()})")
                print(f"granted {users.role_named(args.role)} to {who} in {store}")  # noqa: T201
            elif args.action == "revoke":
                who = users.principal_of(args.principal)
                if not users.revoke(con, who):
                    print(f"error: {who} has no grant in {store}; nothing was revoked", file=sys.stderr)  # noqa: T201
                    return EXIT_REJECTED
                print(f"revoked the grant of {who} in {store}")  # noqa: T201
            else:
                grants = users.list_grants(con)
                if grants.empty:
                    print(f"no grants in {store}: nobody can sign in until one is made (users grant ... admin)")  # noqa: T201
                for row in grants.itertuples(index=False):
                    print(f"{row.principal}\t{row.role}\t{row.granted_at:%Y-%m-%d %H:%M}\t{row.granted_by or ''}")  # noqa: T201
        except users.GrantError as exc:
            print(f"error: {exc}", file=sys.stderr)  # noqa: T201
            return EXIT_REJECTED
    return EXIT_OK


def _import_portfolio(store: Path, args: argparse.Namespace) -> int:
    """Import (or dry-run) the one-sheet portfolio; problems on stderr, exit 2 when there are any."""
    from analytics.portfolio_sheet import import_sheet_file

    result = import_sheet_file(store, args.file, day_first=args.day_first, dry_run=args.dry_run, imported_by=args.by)
    if args.dry_run:
        for line in result.report_lines(with_problems=False):
            print(line)  # noqa: T201
        for problem in result.problem_lines():
            print(problem, file=sys.stderr)  # noqa: T201
        return EXIT_OK if result.accepted else EXIT_REJECTED
    if not result.accepted:
        for problem in result.problem_lines():
            print(problem, file=sys.stderr)  # noqa: T201
        print(f"rejected: {args.file} was not imported; the store is unchanged", file=sys.stderr)  # noqa: T201
        return EXIT_REJECTED
    print(f"imported {args.file} as the portfolio sheet: {result.summary()}")  # noqa: T201
    for line in [f"missing: {m}" for m in result.missing] + [f"warning: {w}" for w in result.warning_lines()]:
        print(line)  # noqa: T201
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
