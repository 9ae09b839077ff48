"""The data fingerprint of DESIGN.md: which data a figure, a page or a slide was drawn from, in 12 characters.

The first 12 hex characters of a SHA-256 over the contents of the input tables: every table of the store but the
ones people's work writes (scenarios, scenario_projects, decisions, user_roles, import_log) and the store's own
bookkeeping (store_meta, whose write counter moves on every save). Equal data gives an equal fingerprint on any
machine, whatever order the rows were written in; one changed cell, row or column gives another.

How, so that the bench store's 10 million KPI rows hash in seconds:

- DuckDB streams each table as Arrow batches; every value becomes 64 bits that do not depend on the machine:
  a number its IEEE-754 or integer bits (``-0.0`` as ``0.0``, one NaN), a date its day number, a timestamp its
  microseconds, a text (and any other type, as its text) the first 8 bytes of its BLAKE2b; NULL a fixed constant;
- each row's values are folded, in column order, through the SplitMix64 finaliser into two 64-bit row hashes
  (two seeds), with numpy over whole columns at once, never a Python loop over rows;
- a table's digest is its row count and the sums of its row hashes mod 2**64. A sum does not depend on the order
  rows are read in, so it equals what reading them in key order gives, without sorting 10 million rows (a keyed
  table has no duplicate rows, so the sum is over distinct rows);
- the fingerprint is the SHA-256 over, table by table in name order, its name, column names and types and digest.

Hashing in DuckDB (``md5`` of each row's text, aggregated in key order) was measured first: 86 s on the bench store
on this shared machine, against seconds here. DuckDB's ``hash()`` is not used: it may differ between versions and
platforms. It is a fingerprint for seeing change, not a signature against tampering.
"""

from __future__ import annotations

import hashlib

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Tables that hold what people did with the data (saved scenarios, decisions, grants, the import audit) or the
#: store's bookkeeping, not the data itself: saving a scenario does not change the fingerprint.
NOT_INPUT_TABLES = frozenset({"scenarios", "scenario_projects", "decisions", "user_roles", "import_log", "store_meta"})
#: Hex characters of the digest that are shown.
LENGTH = 12
#: Rows per Arrow batch: a few tens of megabytes of columns at a time, whatever the table's size.
BATCH_ROWS = 1 << 20

_SEEDS = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xD1B54A32D192ED03))
_NULL = np.uint64(0x6A09E667F3BCC909)  # what a NULL hashes to, in every column
_CANONICAL_NAN = np.uint64(0x7FF8000000000000)

_TABLES = """
SELECT t.table_name, c.column_name, c.data_type
FROM information_schema.tables t JOIN information_schema.columns c USING (table_schema, table_name)
WHERE t.table_schema = 'main' AND t.table_type = 'BASE TABLE'
ORDER BY t.table_name, c.ordinal_position
"""


def _quoted(identifier: str) -> str:
    # Identifiers come from the store's own catalogue, never from user input; quoting keeps any name a name.
    return '"' + identifier.replace('"', '""') + '"'


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: every input bit moves every output bit (uint64 arithmetic wraps by design)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _text_bits(values: pa.Array) -> np.ndarray:
    """Each text's first 8 BLAKE2b bytes, little-endian: hashed once per distinct value (codes, ids, metrics)."""
    encoded = pc.dictionary_encode(values)
    distinct = encoded.dictionary.to_pylist()
    digests = np.frombuffer(
        b"".join(hashlib.blake2b(v.encode(), digest_size=8).digest() for v in distinct), dtype="<u8"
    )
    indices = encoded.indices.fill_null(0).to_numpy(zero_copy_only=False)
    return digests[indices] if len(distinct) else np.zeros(len(values), dtype=np.uint64)


def _value_bits(values: pa.Array) -> np.ndarray:
    """One machine-independent 64-bit word per value (NULLs are replaced by the caller)."""
    kind = values.type
    if pa.types.is_floating(kind):
        floats = values.cast(pa.float64()).fill_null(0.0).to_numpy(zero_copy_only=False) + 0.0  # -0.0 -> 0.0
        bits = floats.astype("<f8").view("<u8").copy()
        bits[np.isnan(floats)] = _CANONICAL_NAN
        return bits
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        return values.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False).astype("<i8").view("<u8")
    if pa.types.is_date(kind):
        return values.cast(pa.int32()).cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False).view("<u8")
    if pa.types.is_timestamp(kind):
        micros = values.cast(pa.timestamp("us", tz=kind.tz)).cast(pa.int64())
        return micros.fill_null(0).to_numpy(zero_copy_only=False).view("<u8")
    if pa.types.is_dictionary(kind):
        values = values.cast(kind.value_type)
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        values = values.cast(pa.large_string())
    return _text_bits(values)


def _batch_sums(batch: pa.RecordBatch) -> tuple[int, int]:
    lanes = [np.full(batch.num_rows, seed, dtype=np.uint64) for seed in _SEEDS]
    for column in batch.columns:
        bits = _value_bits(column)
        if column.null_count:
            bits = np.where(column.is_null().to_numpy(zero_copy_only=False), _NULL, bits)
        lanes = [_mix(lane * np.uint64(0x100000001B3) + bits) for lane in lanes]
    # Sums mod 2**64, in Python integers so nothing depends on numpy's overflow rules.
    return tuple(int(lane.sum(dtype=np.uint64)) for lane in lanes)


def input_tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    """Return the tables the fingerprint covers, by name, each with its (column, type) pairs in column order."""
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in con.execute(_TABLES).fetchall():
        if table not in NOT_INPUT_TABLES:
            tables.setdefault(table, []).append((column, data_type))
    return tables


def table_digest(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> tuple[int, int, int]:
    """Return a table's row count and the two sums mod 2**64 of its row hashes (see the module's docstring)."""
    select = ", ".join(_quoted(c) for c in columns)
    reader = con.sql(f"SELECT {select} FROM {_quoted(table)}").to_arrow_reader(BATCH_ROWS)  # noqa: S608 - catalogue names
    rows, first, second = 0, 0, 0
    for batch in reader:
        a, b = _batch_sums(batch)
        rows, first, second = rows + batch.num_rows, (first + a) % 2**64, (second + b) % 2**64
    return rows, first, second


def data_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """Return the store's data fingerprint: 12 hex characters of a SHA-256 over its input tables' contents.

    Parameters
    ----------
    con
        A connection or cursor to the store (read-only is enough).

    Returns
    -------
    str
        Lower-case hex, :data:`LENGTH` characters. Equal data gives the equal fingerprint on any machine, in any
        order the rows were written; a changed value, row, column or table gives another.

    Examples
    --------
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT)")
    >>> before = data_fingerprint(con)
    >>> _ = con.execute("INSERT INTO settings VALUES ('as_of', '2026-06-30')")
    >>> len(data_fingerprint(con)), data_fingerprint(con) != before
    (12, True)
    """
    digest = hashlib.sha256()
    for table, columns in input_tables(con).items():
        rows, first, second = table_digest(con, table, [c for c, _ in columns])
        header = ", ".join(f"{c} {t}" for c, t in columns)
        digest.update(f"{table} ({header}): {rows} rows, {first:016x}{second:016x}\n".encode())
    return digest.hexdigest()[:LENGTH]
