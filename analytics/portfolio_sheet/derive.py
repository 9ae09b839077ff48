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


def spread_cents(total_cents: int, first_month: date, months: int) -> list[tuple[date, int]]:
    """Spread an amount of whole cents evenly over consecutive months, the remainder in the last month.

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
    base = total_cents // months
    first = month_start(first_month)
    spread = [(add_months(first, i), base) for i in range(months - 1)]
    spread.append((add_months(first, months - 1), total_cents - base * (months - 1)))
    return spread


def cost_by_month(cost_cents: int, start: date, end: date) -> list[tuple[date, int]]:
    """Return the cost spread from the month of ``start`` to the month of ``end`` (see the module's rules)."""
    return spread_cents(cost_cents, start, months_between(start, end))


def benefit_by_month(
    end: date, *, total_cents: int | None = None, annual_cents: int | None = None, years: int = DEFAULT_BENEFIT_YEARS
) -> list[tuple[date, int]]:
    """Return the benefit spread over ``years`` × 12 months from the month after the month of ``end``.

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
    first = add_months(month_start(end), 1)
    if total_cents is not None:
        return spread_cents(total_cents, first, 12 * years)
    if annual_cents is not None:
        return [entry for y in range(years) for entry in spread_cents(annual_cents, add_months(first, 12 * y), 12)]
    return []


def project_months(start: date, end: date) -> list[date]:
    """Return the first day of every month the project covers, from the month of start to the month of end."""
    first = month_start(start)
    return [add_months(first, i) for i in range(months_between(start, end))]
