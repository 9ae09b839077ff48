"""Settings (issue 16, case 1): one strict parser per key, used both by the import's validation and by
``read_settings``, so what imports is what reads; a bad stored value is a sentence naming key, value and fix."""

from __future__ import annotations

from datetime import date

import pytest

from analytics import ingest, store

# Values the old lenient validation let in (DuckDB rounds 1.5 to 2, casts 2026-1-5 and a timestamp to a date),
# which then locked every page: each must now be refused at the import, with FILE:ROW:COLUMN.
LOCKOUTS = [
    ("fiscal_year_start_month", "1.5"),
    ("as_of", "2026-1-5"),
    ("as_of", "2026-10-15 13:00:00"),
]
GOOD = {
    "as_of": ("2026-10-15", date(2026, 10, 15)),
    "fiscal_year_start_month": ("10", 10),
    "discount_rate": ("0.08", 0.08),
    "currency": ("EUR", "EUR"),
    "company": ("Halyard Software", "Halyard Software"),
}
BAD = {
    "as_of": ["2026-1-5", "2026-10-15 13:00:00", "15/10/2026", "20261015", "2026-W42-4", "2026-02-30", "0001-01-01"],
    "fiscal_year_start_month": ["1.5", "0", "13", "1e0", "-1", "one", " 1", ""],
    "discount_rate": ["8%", "1e-2", "0,08", "nan", "inf", "-0.01", "0.5", "eight", ""],
    "currency": ["usd", "US", "EURO", "€", ""],
    "company": ["", "   "],
}


@pytest.mark.parametrize("key", list(GOOD))
def test_each_setting_parses_its_documented_form(key):
    text, value = GOOD[key]
    assert store.parse_setting(key, text) == pytest.approx(value) if isinstance(value, float) else value
    assert store.setting_problem(key, text) is None


@pytest.mark.parametrize(("key", "text"), [(k, t) for k, texts in BAD.items() for t in texts])
def test_each_setting_refuses_what_it_cannot_hold(key, text):
    expected = store.setting_problem(key, text)
    assert expected == store.SETTING_RULES[key].expected
    with pytest.raises(ValueError, match="is not"):
        store.parse_setting(key, text)


@pytest.mark.parametrize(("key", "text"), LOCKOUTS)
def test_an_import_refuses_the_values_that_read_settings_cannot_read(empty_con, tmp_path, key, text):
    empty_con.close()
    path = tmp_path / "empty.duckdb"
    source = tmp_path / "settings.csv"
    source.write_text(f"key,value\n{key},{text}\n")
    result = ingest.import_file(path, "settings", source)
    assert not result.accepted
    assert result.problems_as_lines() == [f'settings.csv:2:value: "{text}" is not {store.SETTING_RULES[key].expected}']
    con = store.connect(path)
    try:
        assert con.execute("SELECT count(*) FROM settings").fetchone()[0] == 0
        store.read_settings(con)  # still readable
    finally:
        con.close()


def test_what_an_import_accepts_reads_back_as_it_was_typed(tmp_path):
    path = store.create_empty_store(tmp_path / "s.duckdb")
    source = tmp_path / "settings.csv"
    source.write_text("key,value\n" + "".join(f"{k},{text}\n" for k, (text, _) in GOOD.items()))
    assert ingest.import_file(path, "settings", source).accepted
    con = store.connect(path)
    try:
        settings = store.read_settings(con)
    finally:
        con.close()
    assert settings == store.Settings(date(2026, 10, 15), "EUR", "Halyard Software", 0.08, 10)


@pytest.mark.parametrize(("key", "text"), LOCKOUTS + [("discount_rate", "8%"), ("currency", "usd")])
def test_a_bad_stored_setting_is_a_store_error_naming_key_value_and_fix(empty_con, key, text):
    # Written with SQL, past the importer: as an older Quarterdeck's lenient import left it.
    empty_con.execute("INSERT INTO settings VALUES (?, ?)", [key, text])
    with pytest.raises(store.SettingsError) as info:
        store.read_settings(empty_con)
    message = str(info.value)
    assert isinstance(info.value, store.StoreError)
    assert "\n" not in message
    assert f'"{text}"' in message and key in message
    assert store.SETTING_RULES[key].expected in message
    assert "import" in message and "Data page" in message  # the fix
    assert (info.value.key, info.value.value) == (key, text)
