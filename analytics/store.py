"""Open or create the Quarterdeck store, migrate its schema in place, run writes as transactions; manage stores.

The store is one DuckDB file. Its schema is the list ``MIGRATIONS``: each entry moves a store from the
previous version to its own, and ``connect`` applies the ones a store has not seen yet, each in one
transaction, so an older store is upgraded where it lies and keeps its data. Stores live as ``*.duckdb`` files in
a folder: ``stores_in`` lists them, ``new_store_path`` and ``create_empty_store`` add one.
"""

from __future__ import annotations

import glob
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STORE = PROJECT_ROOT / "data" / "demo.duckdb"
SCHEMA_SQL = Path(__file__).with_name("schema.sql")

#: The tables of CONTRACT.md, in an order where a table comes after the ones it refers to.
CONTRACT_TABLES = (
    "settings",
    "objectives",
    "products",
    "teams",
    "team_capacity",
    "projects",
    "project_cashflows",
    "project_alignment",
    "project_demand",
    "project_dependencies",
    "project_progress",
    "risks",
    "kpi_definitions",
    "kpi_history",
    "kpi_targets",
    "features",
    "feedback",
    "retention_cohorts",
    "scenarios",
    "scenario_projects",
    "import_log",
    "decisions",
    "user_roles",
)

# Bookkeeping that is not part of the contract: the schema version and a counter bumped by every write,
# which keys the app's caches so an import shows up on the next rerun.
META_DDL = "CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL)"


class StoreError(Exception):
    """A store that cannot be opened or written; the message is one sentence that says what to do."""


class StoreDamagedError(StoreError):
    """The store's file cannot be read as a database (truncated, overwritten, corrupted)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        super().__init__(
            f"The store {self.path} is damaged: restore a backup, or rebuild it with "
            f"`python -m analytics demo --db {self.path}`."
        )


class NotAStoreError(StoreError):
    """A readable DuckDB file that Quarterdeck did not make: it is left as it is."""


class StoreHeldError(StoreError):
    """Another process holds the store's file open."""

    def __init__(self, message: str, holder: str, pid: int):
        super().__init__(message)
        self.holder, self.pid = holder, pid


#: What DuckDB says when a file is not a database it can read: every one of them means the file is damaged.
DAMAGE_SIGNS = (
    "not a valid DuckDB database file",
    "Could not read enough bytes",
    "Corrupt database file",
    "does not match stored checksum",
    "Wrong magic",
)


def is_damage(exc: BaseException, path: str | os.PathLike | None = None) -> bool:
    """Whether a DuckDB error says that the store's file is damaged (rather than, say, a query being wrong).

    An error that names a file (``Could not read enough bytes from file "..."``) is damage of the store only when
    that file is the store at ``path`` or its WAL, not an import's input file that is cut short.
    """
    text = str(exc)
    if not isinstance(exc, duckdb.Error) or not any(sign in text for sign in DAMAGE_SIGNS):
        return False
    named = re.search(r'file "([^"]+)"', text)
    if named is None or path is None:
        return True
    return Path(named.group(1)).name.removesuffix(".wal") == Path(path).name


@contextmanager
def reporting_damage(path: str | os.PathLike | None = None) -> Iterator[None]:
    """Turn any DuckDB error inside the block that says the file is damaged into ``StoreDamagedError``.

    A file damaged past its first blocks opens, and the damage shows only when a query reads a broken block; every
    place that runs queries for people (the app's calls, the command line) runs them inside this.
    """
    try:
        yield
    except duckdb.Error as exc:
        if is_damage(exc, resolve_path(path)):
            raise StoreDamagedError(resolve_path(path)) from None
        raise


def file_identity(path: str | os.PathLike) -> tuple[int, int] | None:
    """Return the (device, inode) of the file at ``path``, or None when there is none.

    While a process holds a store open its inode cannot be reused, so a different identity at the same path means
    the file was replaced (a rebuild, a restore, a ``mv``) and None that it was removed.
    """
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    return found.st_dev, found.st_ino


@dataclass(frozen=True)
class Migration:
    """One step of the schema: ``apply(con)`` turns a store of ``version - 1`` into ``version``."""

    version: int
    description: str
    apply: Callable[[duckdb.DuckDBPyConnection], None]


def _create_contract_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA_SQL.read_text(encoding="utf-8"))


# schema.sql always holds the whole current schema (every statement idempotent), so a new store gets it in one
# step (``migrate``) and an older store gets what it lacks from the step that added it.
MIGRATIONS: list[Migration] = [
    Migration(1, "the tables of CONTRACT.md", _create_contract_tables),
    Migration(2, "the decision log and role grants", _create_contract_tables),
    Migration(3, "project start windows", _create_contract_tables),
    Migration(4, "what each decision expected (decision_baselines)", _create_contract_tables),
    Migration(5, "the cost of stopping a project", _create_contract_tables),
    Migration(6, "each chosen project's start in a scenario (scenario_projects.start)", _create_contract_tables),
]
SCHEMA_VERSION = MIGRATIONS[-1].version
_CURRENT_SCHEMA = Migration(SCHEMA_VERSION, "the current schema, for a new store", _create_contract_tables)


def resolve_path(path: str | os.PathLike | None = None) -> Path:
    """Return the store to open: ``path``, else ``$QUARTERDECK_DB``, else ``data/demo.duckdb``."""
    chosen = path if path not in (None, "") else os.environ.get("QUARTERDECK_DB") or DEFAULT_STORE
    return Path(chosen).expanduser()


def connect(path: str | os.PathLike | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store, creating it and migrating its schema when opened read-write.

    Parameters
    ----------
    path
        The DuckDB file; ``None`` means ``$QUARTERDECK_DB`` or ``data/demo.duckdb``.
    read_only
        Open without writing. The store must exist and be at the current schema version.

    Returns
    -------
    duckdb.DuckDBPyConnection
        A connection; give each thread its own ``.cursor()``.

    Raises
    ------
    StoreError
        With a one-line message saying what is wrong and what to do.

    """
    store = resolve_path(path)
    if read_only and not store.exists():
        raise StoreError(
            f"No store at {store}: build the demo with `python -m analytics demo --db {store}` "
            "or set QUARTERDECK_DB to an existing store."
        )
    if not read_only and not store.parent.is_dir():
        raise StoreError(f"Cannot create a store at {store}: the folder {store.parent} does not exist.")
    con = open_file(store, read_only=read_only)
    try:
        with reporting_damage(store):
            tables = _check_is_store(con, store)
            # The version is read from the table list already in hand: every open of a current store (each
            # import, each test, each CLI call) used to list the tables twice more and re-run META_DDL for nothing.
            found = _stored_version(con, tables)
            if read_only:
                _check_version(found, store)
            elif found < SCHEMA_VERSION:
                migrate(con)
        # No SQL on the store reads or writes other files (imports and exports stage through a connection of
        # their own in memory); once off, it cannot be turned back on for this connection.
        con.execute("SET enable_external_access = false")
    except BaseException:
        con.close()
        raise
    return con


def open_file(store: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the DuckDB file ``store`` as it is (no schema, no checks); a failure is a ``StoreError`` sentence."""
    try:
        return duckdb.connect(str(store), read_only=read_only)
    except duckdb.Error as exc:
        raise _explain_open_error(store, exc) from None


def _explain_open_error(store: Path, exc: duckdb.Error) -> StoreError:
    text = str(exc)
    holder = re.search(r"held in (.+?) \(PID (\d+)\)", text)
    if holder:
        return StoreHeldError(
            f"The store {store} is open for writing by another process ({holder.group(1)}, PID "
            f"{holder.group(2)}): close that process, or open the store read-only.",
            holder.group(1),
            int(holder.group(2)),
        )
    if is_damage(exc, store):
        return StoreDamagedError(store)
    if isinstance(exc, duckdb.IOException) or "Permission denied" in text:
        return StoreError(f"Cannot open the store {store}: {text.splitlines()[0]} Check the path and its permissions.")
    return StoreError(f"Cannot open the store {store}: {text.splitlines()[0]}")


def _check_is_store(con: duckdb.DuckDBPyConnection, store: Path) -> set[str]:
    """Return the names of the file's tables, refusing a DuckDB file that is not a store."""
    # A DuckDB file with tables but no store_meta was made by something else: migrating it would write
    # Quarterdeck's tables into someone else's database. An empty file is a store still to be created.
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if tables and "store_meta" not in tables:
        shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
        raise NotAStoreError(
            f"{store} is a DuckDB file but not a Quarterdeck store (it holds {shown} and no store_meta): "
            "choose a store that Quarterdeck built, or start an empty one."
        )
    return tables


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """Return the schema version a store is at (0 for a store that has never been migrated)."""
    has_meta = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'store_meta'").fetchone()[
        0
    ]
    return _stored_version(con, {"store_meta"} if has_meta else set())


def _stored_version(con: duckdb.DuckDBPyConnection, tables: set[str]) -> int:
    """``schema_version`` for a store whose table names (``tables``) have been listed already."""
    if "store_meta" not in tables:
        return 0
    row = con.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection, migrations: list[Migration] | None = None) -> int:
    """Apply, each in its own transaction, the migrations the store has not seen; return the new version."""
    steps = MIGRATIONS if migrations is None else migrations
    con.execute(META_DDL)
    current = schema_version(con)
    if current == 0 and steps[: len(MIGRATIONS)] == MIGRATIONS:
        # A new store takes the whole current schema in one step: every step so far runs schema.sql, which holds
        # it all idempotently, so once is the same as once per step (and a third of the time). Later steps, and
        # every step of an older store, still run one by one.
        steps = [_CURRENT_SCHEMA, *steps[len(MIGRATIONS) :]]
    for step in steps:
        if step.version <= current:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            step.apply(con)
            con.execute(
                "INSERT INTO store_meta VALUES ('schema_version', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [step.version],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        current = step.version
    return current


def _check_version(found: int, store: Path) -> None:
    if found < SCHEMA_VERSION:
        raise StoreError(
            f"The store {store} is at schema version {found} and this Quarterdeck needs {SCHEMA_VERSION}: "
            "open it once read-write (for example `make run`) to migrate it in place."
        )
    if found > SCHEMA_VERSION:
        raise StoreError(
            f"The store {store} is at schema version {found}, newer than this Quarterdeck "
            f"({SCHEMA_VERSION}): update Quarterdeck."
        )


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """Return the store's write counter: it changes whenever a write through ``transaction`` commits."""
    row = con.execute("SELECT value FROM store_meta WHERE key = 'data_version'").fetchone()
    return int(row[0]) if row else 0


_WRITE_LOCK = threading.Lock()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block as one transaction that also bumps the store's data version; roll back on any error.

    Writers in one process (the app's sessions, each on its own cursor) take turns: every transaction bumps the
    same ``data_version`` row, which DuckDB's optimistic concurrency would otherwise refuse to all but the
    first ("Conflict on update").
    """
    with _WRITE_LOCK:
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
            con.execute(
                "INSERT INTO store_meta VALUES ('data_version', 1) "
                "ON CONFLICT (key) DO UPDATE SET value = store_meta.value + 1"
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


@dataclass(frozen=True)
class Settings:
    """The store's ``settings`` table, typed."""

    as_of: date
    currency: str
    company: str
    discount_rate: float
    fiscal_year_start_month: int


SETTINGS_DEFAULTS = {
    "currency": "USD",
    "company": "Your company",
    "discount_rate": "0.08",
    "fiscal_year_start_month": "1",
}

#: The valuation dates a store may hold: wide enough for any plan, narrow enough for every date the app derives
#: from them (windows, fiscal years, months ahead) to stay a date pandas and DuckDB can both hold.
AS_OF_RANGE = (date(1900, 1, 1), date(2199, 12, 31))
#: The discount rates a store may hold, annual: the what-if's rate slider spans the same 0 to 25 %.
DISCOUNT_RATE_RANGE = (0.0, 0.25)
#: A company name is shown in the sidebar and on every slide: at most this many characters.
COMPANY_MAX_CHARS = 120


@dataclass(frozen=True)
class SettingRule:
    """How one setting's text is read.

    ``parse`` returns its value or raises ``ValueError``; ``expected`` says what the text must be, for messages.
    """

    parse: Callable[[str], object]
    expected: str


def _iso_date(text: str) -> date:
    # date.fromisoformat alone also takes 20261015 and 2026-W42-4, and DuckDB's cast takes 2026-1-5: only
    # YYYY-MM-DD is a date here.
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(text)
    value = date.fromisoformat(text)
    if not AS_OF_RANGE[0] <= value <= AS_OF_RANGE[1]:
        raise ValueError(text)
    return value


def _month(text: str) -> int:
    if not re.fullmatch(r"\d{1,2}", text) or not 1 <= int(text) <= 12:
        raise ValueError(text)
    return int(text)


def _rate(text: str) -> float:
    # A plain decimal: no per cent sign, exponent, comma, sign, nan or inf, which float() would take or misread.
    if not re.fullmatch(r"\d+(\.\d+)?|\.\d+", text):
        raise ValueError(text)
    value = float(text)
    if not DISCOUNT_RATE_RANGE[0] <= value <= DISCOUNT_RATE_RANGE[1]:
        raise ValueError(text)
    return value


def _currency(text: str) -> str:
    if not re.fullmatch(r"[A-Z]{3}", text):
        raise ValueError(text)
    return text


def _company(text: str) -> str:
    if not text.strip() or len(text) > COMPANY_MAX_CHARS:
        raise ValueError(text)
    return text


#: One parser per setting (CONTRACT.md), used both by the settings import's validation and by ``read_settings``,
#: so that whatever imports also reads.
SETTING_RULES: dict[str, SettingRule] = {
    "as_of": SettingRule(
        _iso_date,
        f"an ISO date YYYY-MM-DD from {AS_OF_RANGE[0]:%Y} to {AS_OF_RANGE[1]:%Y}, such as 2026-10-15",
    ),
    "currency": SettingRule(_currency, "a three-letter ISO currency code in capitals, such as USD"),
    "company": SettingRule(_company, f"the company's name (1 to {COMPANY_MAX_CHARS} characters)"),
    "discount_rate": SettingRule(
        _rate,
        f"an annual rate as a plain decimal from {DISCOUNT_RATE_RANGE[0]:g} to {DISCOUNT_RATE_RANGE[1]:g}, "
        "such as 0.08",
    ),
    "fiscal_year_start_month": SettingRule(_month, "a whole month number from 1 to 12"),
}


class SettingsError(StoreError):
    """A stored setting that its parser refuses; the message names the key, the value and how to fix it."""

    def __init__(self, key: str, value: str):
        self.key, self.value = key, value
        super().__init__(
            f'The setting {key} in this store is "{value}", which is not {SETTING_RULES[key].expected}: import a '
            f"settings file (columns key,value) with a corrected {key} on the Data page, or with "
            "`python -m analytics import --db STORE settings FILE`."
        )


def setting_problem(key: str, text: str) -> str | None:
    """Return what ``text`` must be when it is not a value ``key`` can hold, else None (also for unknown keys)."""
    rule = SETTING_RULES.get(key)
    if rule is None:
        return None
    try:
        rule.parse(text)
    except ValueError:
        return rule.expected
    return None


def parse_setting(key: str, text: str) -> object:
    """Return the value of setting ``key`` stored as ``text``; text as it is for a key with no rule.

    Raises
    ------
    ValueError
        ``"<text>" is not <what it must be>`` when ``text`` is not a value ``key`` can hold.
    """
    rule = SETTING_RULES.get(key)
    if rule is None:
        return text
    try:
        return rule.parse(text)
    except ValueError:
        raise ValueError(f'"{text}" is not {rule.expected}') from None


def read_settings(con: duckdb.DuckDBPyConnection) -> Settings:
    """Return the store's settings; a store without ``as_of`` is valued as of today.

    Raises
    ------
    SettingsError
        For a stored value its key's parser refuses (written past the importer), naming key, value and fix.
    """
    stored = dict(con.execute("SELECT key, value FROM settings WHERE value IS NOT NULL").fetchall())
    values = {**SETTINGS_DEFAULTS, **stored}
    parsed = {}
    for key, text in values.items():
        try:
            parsed[key] = parse_setting(key, text)
        except ValueError:
            raise SettingsError(key, text) from None
    return Settings(
        as_of=parsed.get("as_of", date.today()),
        currency=parsed["currency"],
        company=parsed["company"],
        discount_rate=parsed["discount_rate"],
        fiscal_year_start_month=parsed["fiscal_year_start_month"],
    )


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Return the number of rows of every contract table."""
    # Table names come from the fixed CONTRACT_TABLES list, never from user input.
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in CONTRACT_TABLES}  # noqa: S608


# Store management: the Data page's overview of a store, and the stores beside it.


#: The ``import_log.table_name`` of a portfolio sheet import (``analytics.portfolio_sheet``), and the tables one
#: writes: the sheet's rows are projects, and its columns their cash flows, demand, fit, dependencies, new teams
#: and objectives. The store overview counts a sheet import as the last import of each.
PORTFOLIO_SHEET_LOG = "portfolio"
PORTFOLIO_SHEET_TABLES = (
    "objectives",
    "teams",
    "projects",
    "project_cashflows",
    "project_alignment",
    "project_demand",
    "project_dependencies",
)


def store_overview(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every contract table with its row count and its last import (when, file, outcome, by whom).

    A portfolio sheet import (logged as ``PORTFOLIO_SHEET_LOG``) counts for every table in
    ``PORTFOLIO_SHEET_TABLES``, so the sheet shows as the last import when it is.

    Parameters
    ----------
    con
        A connection to the store.

    Returns
    -------
    pandas.DataFrame
        Columns table, rows, last_import, file, status, imported_by, message; one row per contract table,
        in the order a store is best filled.
    """
    counts = table_counts(con)
    last = con.execute(
        "WITH logged AS ("
        " SELECT table_name, imported_at, import_id, file_name, status, imported_by, message FROM import_log"
        " WHERE table_name <> ?"
        " UNION ALL"
        " SELECT t.table_name, l.imported_at, l.import_id, l.file_name, l.status, l.imported_by, l.message"
        " FROM import_log l CROSS JOIN unnest(?::VARCHAR[]) AS t(table_name) WHERE l.table_name = ?) "
        "SELECT table_name, imported_at, file_name, status, imported_by, message FROM logged "
        "QUALIFY row_number() OVER (PARTITION BY table_name ORDER BY imported_at DESC, import_id) = 1",
        [PORTFOLIO_SHEET_LOG, list(PORTFOLIO_SHEET_TABLES), PORTFOLIO_SHEET_LOG],
    ).df()
    frame = pd.DataFrame({"table": list(counts), "rows": list(counts.values())})
    last = last.rename(columns={"table_name": "table", "imported_at": "last_import", "file_name": "file"})
    return frame.merge(last, on="table", how="left")


def recent_imports(con: duckdb.DuckDBPyConnection, limit: int = 10) -> pd.DataFrame:
    """Return the latest ``limit`` imports, newest first, from ``import_log``."""
    return con.execute(
        "SELECT imported_at, table_name AS table, file_name AS file, rows, status, imported_by, message "
        "FROM import_log ORDER BY imported_at DESC, import_id LIMIT ?",
        [limit],
    ).df()


#: What a store may be called: letters, digits, - and _, up to 64 characters, starting with a letter or digit.
STORE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def new_store_path(folder: str | Path, name: str) -> Path:
    """Return the path of a new store called ``name`` in ``folder``.

    Parameters
    ----------
    folder
        Where stores live (the open store's folder).
    name
        Letters, digits, ``-`` and ``_``, up to 64 characters; ``.duckdb`` is added.

    Returns
    -------
    Path
        ``folder / (name + ".duckdb")``.

    Raises
    ------
    StoreError
        For a name that is not allowed, or a store that already exists there.
    """
    stem = name.strip().removesuffix(".duckdb")
    if not STORE_NAME.fullmatch(stem):
        raise StoreError(
            f"{name!r} cannot name a store: use letters, digits, - and _ (up to 64), starting with a letter or digit."
        )
    path = Path(folder) / f"{stem}.duckdb"
    if path.exists():
        raise StoreError(f"There is already a store at {path}: choose another name, or open that one.")
    return path


def create_empty_store(path: str | Path) -> Path:
    """Create a store with every table of the schema and no rows; return its path."""
    connect(path).close()
    return Path(path)


def ensure_free(path: str | os.PathLike, doing: str = "replaced") -> None:
    """Raise ``StoreHeldError`` when another process holds the store at ``path`` open (for writing or reading).

    A missing file, or one that is damaged, is free: replacing it is the fix the damaged-store sentence gives.
    """
    target = Path(path)
    if not target.exists():
        return
    try:
        duckdb.connect(str(target)).close()
    except duckdb.Error as exc:
        problem = _explain_open_error(target, exc)
        if isinstance(problem, StoreHeldError):
            raise StoreHeldError(
                f"The store {target} is open in another process ({problem.holder}, PID {problem.pid}), so it was "
                f"not {doing}: stop that process, or have it serve another store, and try again.",
                problem.holder,
                problem.pid,
            ) from None


def _building_name(target: Path, pid: int) -> Path:
    return target.with_name(f".{target.name}.{pid}.building")


def _remove_leftovers(target: Path) -> None:
    # A build killed halfway leaves its file beside the store; remove those of processes that are gone.
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.*.building*"):
        pid = leftover.name.removeprefix(f".{target.name}.").split(".")[0]
        if pid.isdigit() and not _alive(int(pid)):
            leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def replacing(path: str | os.PathLike) -> Iterator[Path]:
    """Build a new store beside ``path`` and move it into place in one rename when the block ends without error.

    The block gets the path to build at: a hidden file in the same folder (so that the rename is atomic and a
    store listing never shows it). Nothing happens to the store at ``path`` until the new one is complete and
    checkpointed; then its WAL is removed (a WAL left beside the new file would be replayed into it) and the new
    file renamed over it. A store another process holds is refused before and again just before the rename.

    Raises
    ------
    StoreHeldError
        When another process holds the store at ``path``; nothing is changed.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise StoreError(f"Cannot create a store at {target}: the folder {target.parent} does not exist.")
    ensure_free(target, "rebuilt")
    _remove_leftovers(target)
    building = _building_name(target, os.getpid())
    building_wal = building.with_name(building.name + ".wal")
    for stale in (building, building_wal):
        stale.unlink(missing_ok=True)
    try:
        yield building
        if building_wal.exists():  # the builder did not checkpoint: do it, so that the file holds everything
            duckdb.connect(str(building)).close()
        with open(building, "rb") as handle:
            os.fsync(handle.fileno())
        ensure_free(target, "rebuilt")
        target.with_name(target.name + ".wal").unlink(missing_ok=True)
        os.replace(building, target)
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    finally:
        for leftover in (building, building_wal):
            leftover.unlink(missing_ok=True)


def stores_in(folder: str | Path) -> list[Path]:
    """Return the Quarterdeck stores (``*.duckdb``) in ``folder``, by name."""
    return sorted(Path(folder).glob("*.duckdb"))
