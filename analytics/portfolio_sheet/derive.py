"""From one sheet row to monthly rows: cost and benefit spread by month, FTE per team per month.

The rules, stated once (``SPREADING_RULES`` is the same text for the README and the template):

- **Months.** A project covers every month from the month its ``start`` falls in to the month its ``end``
  falls in, both included (each date is rounded down to the first day of its month; 2026-03-15 to 2026-05-10
  covers March, April and May). The dates themselves are stored as given.
- **Cost.** ``cost`` (the total over the project) is spread evenly over those months, in whole cents: each
  month gets the total divided by the months, rounded down to the cent, and the last month also gets the
  remainder, so the months add up to the total to the cent.
- **Benefit.** ``benefit`` (a total) is spread the same way over ``benefit_years`` × 12 months starting the
  month after the end month; ``annual_benefit`` (per year) is spread over each of ``benefit_years`` years of
  12 months from the same month, each year adding up to the annual figure to the cent. ``benefit_years``
  defaults to 3. A row gives one of the two, not both.
- **People.** ``fte_<TEAM_ID>`` is the FTE the project needs from that team in every one of its months.
- Months with neither cost nor benefit, and team-months with no FTE, are not stored.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from analytics.portfolio_sheet.values import add_months, month_start, months_between

DEFAULT_BENEFIT_YEARS = 3

SPREADING_RULES = """\
How the portfolio sheet becomes monthly figures:

- Months: a project covers every month from the month of its start to the month of its end, both included
  (each date rounded down to the first of its month: 2026-03-15 to 2026-05-10 covers March, April and May).
- cost: the total is spread evenly over those months in whole cents; the last month also takes the rounding
  remainder, so the months add up to the total to the cent.
- benefit: the total is spread the same way over benefit_years x 12 months from the month after the end month.
- annual_benefit: each year's amount is spread over 12 months, for benefit_years years from the month after the
  end month; each year adds up to the amount to the cent. Give benefit or annual_benefit, not both.
- benefit_years: a whole number of years, 3 when blank.
- fte_<TEAM_ID>: the FTE needed from that team in every month of the project; a team it names is created.
- fit_<OBJECTIVE_ID>: a 0-5 whole-number score against that objective (created with weight 1 if missing);
  strategic_fit: one 0-5 score against the objective "overall", for sheets without fit_ columns.
- depends_on: project ids separated by ; or , (3FS+2d and 5SS name task 3 and task 5; a number refers to the
  ID column when the sheet has one). The project can only be chosen with the ones it depends on.
- stage: proposed when blank; probability_of_success: 1 when blank; mandatory: yes/no, no when blank;
  budget: the cost when blank.
- Money is kept to the cent (half a cent rounds up). Months with no money and no FTE are not stored.
"""


def month_index(day: date) -> int:
    """Return the month ``day`` falls in as a count of months since year 0 (``year * 12 + month - 1``)."""
    return day.year * 12 + day.month - 1


def month_dates(index: np.ndarray) -> np.ndarray:
    """Return the first days of months given as ``month_index`` values, as ``datetime64[D]``."""
    return (np.asarray(index, dtype=np.int64) - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]")


def spread_many(
    totals: np.ndarray, first_months: np.ndarray, months: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spread amounts of whole cents evenly over consecutive months, each remainder in its last month.

    The one home of the spreading rule: every month gets the total divided by the months, rounded down to the
    cent, and the last month also gets what is left, so the months add up to the total exactly.

    Parameters
    ----------
    totals
        (n,) int: the amounts, in cents (not negative).
    first_months
        (n,) int: each amount's first month, as ``month_index``.
    months
        (n,) int: how many months each amount covers (at least 1).

    Returns
    -------
    tuple of numpy.ndarray
        ``(owner, month, cents)``: for every month of every amount, the amount's position in ``totals``, the
        month (``month_index``) and its cents.
    """
    totals = np.asarray(totals, dtype=np.int64)
    months = np.asarray(months, dtype=np.int64)
    ends = np.cumsum(months)
    owner = np.repeat(np.arange(len(totals)), months)
    offset = np.arange(ends[-1] if len(ends) else 0) - np.repeat(ends - months, months)
    base = totals // months
    cents = np.repeat(base, months)
    cents[ends - 1] += totals - base * months
    return owner, np.repeat(np.asarray(first_months, dtype=np.int64), months) + offset, cents


def benefit_spans(
    end_months: np.ndarray, totals: np.ndarray, annuals: np.ndarray, years: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the spans the benefit rule spreads over, as inputs for :func:`spread_many`.

    Parameters
    ----------
    end_months
        (n,) int: each project's end month (``month_index``).
    totals
        (n,) int: a benefit total in cents, or 0.
    annuals
        (n,) int: a benefit per year in cents, or 0 (a project gives one or the other).
    years
        (n,) int: the benefit years.

    Returns
    -------
    tuple of numpy.ndarray
        ``(project, amount, first_month, months)``: a total spans ``years * 12`` months from the month after
        the end month; an annual amount one span of 12 months per year from the same month.
    """
    end_months, years = np.asarray(end_months, dtype=np.int64), np.asarray(years, dtype=np.int64)
    totals, annuals = np.asarray(totals, dtype=np.int64), np.asarray(annuals, dtype=np.int64)
    whole = np.flatnonzero(totals > 0)
    yearly = np.flatnonzero(annuals > 0)
    per_year = np.repeat(yearly, years[yearly])
    year_number = np.arange(len(per_year)) - np.repeat(np.cumsum(years[yearly]) - years[yearly], years[yearly])
    project = np.concatenate([whole, per_year])
    amount = np.concatenate([totals[whole], annuals[per_year]])
    first = np.concatenate([end_months[whole] + 1, end_months[per_year] + 1 + 12 * year_number])
    months = np.concatenate([12 * years[whole], np.full(len(per_year), 12, dtype=np.int64)])
    return project, amount, first, months


def spread_cents(total_cents: int, first_month: date, months: int) -> list[tuple[date, int]]:
    """Spread one amount of whole cents evenly over consecutive months (see :func:`spread_many`).

    Parameters
    ----------
    total_cents
        The amount, in cents (not negative).
    first_month
        The first month (any day of it).
    months
        How many months (at least 1).

    Returns
    -------
    list of (date, int)
        One entry per month: its first day and its cents; the entries add up to ``total_cents`` exactly.

    Examples
    --------
    >>> [c for _, c in spread_cents(1000, date(2026, 1, 1), 3)]
    [333, 333, 334]
    """
    _, month, cents = spread_many(np.array([total_cents]), np.array([month_index(first_month)]), np.array([months]))
    first = month_start(first_month)
    return [(add_months(first, int(m) - month_index(first)), int(c)) for m, c in zip(month, cents, strict=True)]


def cost_by_month(cost_cents: int, start: date, end: date) -> list[tuple[date, int]]:
    """Return one project's cost spread from the month of ``start`` to the month of ``end``."""
    return spread_cents(cost_cents, start, months_between(start, end))


def benefit_by_month(
    end: date, *, total_cents: int | None = None, annual_cents: int | None = None, years: int = DEFAULT_BENEFIT_YEARS
) -> list[tuple[date, int]]:
    """Return one project's benefit spread over ``years`` × 12 months from the month after the month of ``end``.

    Parameters
    ----------
    end
        The project's end.
    total_cents
        A benefit total, spread evenly over all the months (remainder in the last one).
    annual_cents
        Or a benefit per year, spread evenly over each year's 12 months (remainder in each year's last month).
    years
        How many years the benefit lasts.

    Returns
    -------
    list of (date, int)
        Month and cents; empty when neither amount is given.
    """
    spans = benefit_spans(
        np.array([month_index(end)]), np.array([total_cents or 0]), np.array([annual_cents or 0]), np.array([years])
    )
    _, amount, first, months = spans
    _, month, cents = spread_many(amount, first, months)
    return [(add_months(date(1, 1, 1), int(m) - 12), int(c)) for m, c in zip(month, cents, strict=True)]
