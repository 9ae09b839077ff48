"""A store whose survey answers can be checked by hand: a week of thirty answers, then a week of five.

Product A valued on Tuesday 31 March 2026. Week of 16 March: 30 answers, 15 promoters (10), 9 passives (8) and 6
detractors (3): NPS 100 × (15 − 6) / 30 = +30; CSAT: 20 score 5 and 10 score 2, 66.7 %; all of theme "speed".
Week of 23 March: 5 answers, all promoters scoring 10 with CSAT 5: NPS +100 and CSAT 100 % from five answers, the
swing a board must not read; all of theme "price".
"""

from __future__ import annotations

from datetime import date

AS_OF = date(2026, 3, 31)


def insert_five_answer_week(con) -> None:
    """Write the settings, product A and its 35 answers into the empty store behind ``con``."""
    con.execute("""
        INSERT INTO settings VALUES ('as_of', '2026-03-31'), ('currency', 'USD'), ('company', 'Tiny Co');
        INSERT INTO products VALUES ('A', 'Alpha', 'SMB', 'Ann', 'growth', '2025-06-01');
    """)
    rows = []
    for i in range(30):
        nps_score = 10 if i < 15 else 8 if i < 24 else 3
        rows.append((f"W{i}", "A", date(2026, 3, 16 + i % 5), "email", nps_score, 5 if i < 20 else 2, "speed"))
    rows += [(f"V{i}", "A", date(2026, 3, 23 + i), "email", 10, 5, "price") for i in range(5)]
    con.executemany("INSERT INTO feedback VALUES (?, ?, ?, ?, ?, ?, ?, NULL)", rows)
