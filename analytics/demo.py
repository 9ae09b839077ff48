"""A deterministic, believable demo company: Halyard Software, valued as of 2026-10-15.

Same seed, same store, row for row. Every table draws from its own random stream
(``default_rng([seed, stream])``) so changing one table's generator does not reshuffle the others.
Noise is multiplicative and autocorrelated (a log-AR(1) walk), not uniform; launches of major features
step signups and active users up; money is never negative; no project ends before it starts.

Everything is generated as numpy arrays and bulk-loaded through DuckDB in one transaction: no row-by-row
inserts, so the bench scale (2,000 projects, 10M+ KPI rows) builds in well under a minute and a half.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from analytics import store
from analytics.rules import COMMITTED_STAGES, LIVE_STAGES, STAGE_ORDER, STARTED_STAGES

AS_OF = date(2026, 10, 15)
HISTORY_DAYS = 3 * 365 + 1  # three years of daily history, as_of included
FTE_MONTH_COST = 14_000.0  # fully loaded cost of one person for one month, in the store's currency
DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class Scale:
    """How big a company to build."""

    extra_products: int  # products beyond the six hand-written ones (bench: enough for 10M KPI rows)
    projects: int
    teams: int
    features_per_product: int
    feedback_answers: int


SCALES = {
    "demo": Scale(extra_products=0, projects=64, teams=9, features_per_product=28, feedback_answers=6_000),
    "bench": Scale(extra_products=1_720, projects=2_000, teams=12, features_per_product=6, feedback_answers=200_000),
}

METRICS = pd.DataFrame(
    [
        ("active_users", "Active users", "users", "higher_is_better", "last"),
        ("signups", "Signups", "users", "higher_is_better", "sum"),
        ("revenue", "Revenue", "USD", "higher_is_better", "sum"),
        ("churn_rate", "Churn rate", "%", "lower_is_better", "mean"),
        ("csat", "CSAT", "%", "higher_is_better", "mean"),
        ("support_tickets", "Support tickets", "tickets", "lower_is_better", "sum"),
    ],
    columns=["metric", "label", "unit", "direction", "aggregation"],
)

# The six products of the demo, each with a story: (id, name, segment, owner, stage, launched, users at the
# start of the history, yearly growth, monthly revenue per user, monthly churn %, base satisfaction 0-10).
PRODUCTS = [
    ("LEDGER", "Ledger", "Mid-market", "Priya Raman", "maturity", date(2018, 4, 9), 52_000, 0.07, 38.0, 1.4, 7.9),
    ("PULSE", "Pulse Analytics", "SMB", "Marco Bianchi", "growth", date(2023, 3, 20), 9_000, 0.75, 24.0, 2.3, 8.3),
    ("ATLAS", "Atlas Suite", "Enterprise", "Hannah Okafor", "maturity", date(2016, 9, 1), 7_500, 0.05, 210, 0.8, 7.4),
    ("BEACON", "Beacon AI Assist", "SMB", "Lena Fischer", "introduction", date(2026, 2, 16), 0, 0.0, 19.0, 4.2, 8.0),
    ("RELAY", "Relay Messaging", "SMB", "Tom Ashworth", "decline", date(2015, 6, 1), 31_000, -0.16, 11.0, 3.6, 6.4),
    ("ORBIT", "Orbit Mobile", "Consumer", "Aiko Tanaka", "growth", date(2024, 6, 3), 18_000, 0.55, 6.5, 3.1, 7.7),
]

OBJECTIVES = pd.DataFrame(
    [
        ("O-GROWTH", "Grow recurring revenue", "New logos and expansion in mid-market and SMB", 0.30),
        ("O-RETAIN", "Keep the customers we have", "Lower churn, higher NPS and CSAT", 0.25),
        ("O-EFFICIENCY", "Run leaner", "Lower cost to serve and to ship", 0.20),
        ("O-PLATFORM", "One platform", "Shared services every product builds on", 0.15),
        ("O-TRUST", "Earn trust", "Security, privacy and compliance", 0.10),
    ],
    columns=["objective_id", "name", "description", "weight"],
)

TEAM_POOL = [
    ("T-PLAT", "Platform", "backend"),
    ("T-DATA", "Data Engineering", "data"),
    ("T-ML", "Machine Learning", "ml"),
    ("T-WEB", "Web", "frontend"),
    ("T-MOBILE", "Mobile", "mobile"),
    ("T-DESIGN", "Design", "design"),
    ("T-QA", "Quality", "qa"),
    ("T-SEC", "Security", "security"),
    ("T-INFRA", "Infrastructure", "sre"),
    ("T-PAY", "Payments", "backend"),
    ("T-INT", "Integrations", "backend"),
    ("T-INSIGHT", "Insights", "analytics"),
]
# Teams that the plan asks too much of: their capacity is set below their peak demand.
OVERBOOKED_TEAMS = ("T-DATA", "T-ML", "T-SEC")

PROGRAMS = {
    "Growth": {"O-GROWTH": 4.2, "O-RETAIN": 2.0, "O-EFFICIENCY": 0.6, "O-PLATFORM": 0.5, "O-TRUST": 0.3},
    "Customer Experience": {"O-GROWTH": 2.0, "O-RETAIN": 4.3, "O-EFFICIENCY": 1.0, "O-PLATFORM": 0.4, "O-TRUST": 0.8},
    "Platform": {"O-GROWTH": 0.8, "O-RETAIN": 1.0, "O-EFFICIENCY": 3.4, "O-PLATFORM": 4.5, "O-TRUST": 1.2},
    "Data & AI": {"O-GROWTH": 3.0, "O-RETAIN": 2.4, "O-EFFICIENCY": 2.0, "O-PLATFORM": 2.2, "O-TRUST": 0.6},
    "Compliance & Security": {"O-GROWTH": 0.2, "O-RETAIN": 1.5, "O-EFFICIENCY": 0.6, "O-PLATFORM": 1.4, "O-TRUST": 4.8},
}
PROGRAM_TEAMS = {
    "Growth": ["T-WEB", "T-DESIGN", "T-PAY", "T-MOBILE", "T-INSIGHT"],
    "Customer Experience": ["T-WEB", "T-DESIGN", "T-MOBILE", "T-QA", "T-INT"],
    "Platform": ["T-PLAT", "T-INFRA", "T-QA", "T-INT", "T-DATA"],
    "Data & AI": ["T-DATA", "T-ML", "T-PLAT", "T-INSIGHT"],
    "Compliance & Security": ["T-SEC", "T-INFRA", "T-PLAT", "T-DATA"],
}
PROJECT_WORDS = {
    "Growth": [
        "Self-serve checkout",
        "Usage-based pricing",
        "Partner marketplace",
        "Free tier",
        "Referral engine",
        "Enterprise SSO upsell",
        "Localisation for DACH",
        "Trial-to-paid nudges",
        "Annual plans",
    ],
    "Customer Experience": [
        "Onboarding redesign",
        "In-app guidance",
        "Customer health score",
        "Help centre search",
        "Accessibility audit fixes",
        "Notification centre",
        "Dark mode",
        "Mobile offline mode",
    ],
    "Platform": [
        "Identity service",
        "Event bus migration",
        "Multi-region failover",
        "API gateway v2",
        "Design system",
        "Billing engine rewrite",
        "Kubernetes consolidation",
        "Feature flag service",
    ],
    "Data & AI": [
        "Unified data warehouse",
        "Churn prediction",
        "Forecasting assistant",
        "Semantic search",
        "Anomaly alerts",
        "Recommendation engine",
        "Self-serve BI",
        "LLM support triage",
    ],
    "Compliance & Security": [
        "SOC 2 Type II",
        "GDPR data residency",
        "Zero-trust network",
        "Secrets rotation",
        "Pen-test remediation",
        "Audit logging",
        "EU AI Act readiness",
        "Backup encryption",
    ],
}
PEOPLE = [
    "Ana Silva",
    "Ben Carter",
    "Chloé Martin",
    "Dev Patel",
    "Emma Larsen",
    "Farid Haddad",
    "Grace Kim",
    "Hugo Moreau",
    "Isla Murphy",
    "Jonas Berg",
    "Kwame Mensah",
    "Lucía Gómez",
    "Mei Chen",
    "Noah Weber",
    "Olivia Brown",
    "Pavel Novak",
    "Rosa Ortiz",
    "Sam Lee",
    "Tariq Aziz",
    "Uma Iyer",
]
SPONSORS = [
    "CEO · Dana Whitfield",
    "CTO · Rahul Mehta",
    "CPO · Sofia Lindqvist",
    "CFO · Martin Kowalski",
    "COO · Grace Adeyemi",
]
FEATURE_THEMES = [
    "Onboarding",
    "Reporting",
    "Integrations",
    "Performance",
    "Collaboration",
    "AI assist",
    "Billing",
    "Security",
]
FEATURE_WORDS = {
    "Onboarding": ["Guided setup", "Sample data workspace", "Import wizard", "Checklist", "Team invites"],
    "Reporting": ["Scheduled reports", "Custom dashboards", "PDF export", "Cohort report", "Drill-down"],
    "Integrations": ["Slack app", "Salesforce sync", "Zapier triggers", "Webhooks v2", "HubSpot connector"],
    "Performance": ["Faster search", "Lazy loading", "Query cache", "Bulk edit speed-up", "Cold start fix"],
    "Collaboration": ["Comments", "Mentions", "Shared views", "Approvals", "Activity feed"],
    "AI assist": ["Smart summaries", "Auto-categorise", "Natural-language filters", "Draft replies", "Insights"],
    "Billing": ["Invoices in-app", "Seat management", "Proration", "Tax handling", "Plan comparison"],
    "Security": ["SAML SSO", "Audit log", "Role-based access", "2FA enforcement", "IP allow-list"],
}
FEEDBACK_THEMES = ["performance", "pricing", "onboarding", "reliability", "integrations", "support", "usability"]
THEME_EFFECT = {
    "performance": -0.4,
    "pricing": -1.1,
    "onboarding": 0.3,
    "reliability": -0.6,
    "integrations": 0.2,
    "support": 0.6,
    "usability": 0.5,
}
COMMENTS = {
    "positive": [
        "Saves me hours every week.",
        "The {theme} has really improved lately.",
        "Just what our team needed.",
        "Support sorted my issue the same day.",
        "Clean and fast, love it.",
        "Onboarding my team was easy.",
    ],
    "neutral": [
        "Does the job, a few rough edges.",
        "The {theme} is fine but could be simpler.",
        "Good value, missing a couple of integrations.",
        "Works, though reports are slow at month end.",
    ],
    "negative": [
        "The {theme} keeps getting in the way.",
        "Too expensive for what we use.",
        "Had two outages this month.",
        "Hard to find settings; onboarding was confusing.",
        "Waiting a week for a support reply is not OK.",
    ],
}
RISK_TITLES = {
    "technical": [
        "Legacy schema migration harder than estimated",
        "Performance at scale unproven",
        "Third-party API rate limits",
    ],
    "resourcing": ["Key engineer may leave", "Hiring for data roles slower than plan", "Shared team over-allocated"],
    "vendor": ["Vendor contract renewal at higher price", "Vendor roadmap slips"],
    "regulatory": ["New EU guidance changes scope", "Audit finds gaps in evidence"],
    "market": ["Competitor ships first", "Demand lower than the business case"],
    "security": ["Penetration test finds critical issue", "Data residency requirement for a large customer"],
    "schedule": ["Dependency delivers late", "Scope creep from sales commitments"],
}


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream])


def _month_starts(first: np.datetime64, count: int) -> np.ndarray:
    return first.astype("datetime64[M]") + np.arange(count)


def _log_ar1(rng: np.random.Generator, shape: tuple[int, ...], sigma: float, phi: float = 0.9) -> np.ndarray:
    """Multiplicative noise with memory along the last axis: exp of an AR(1) walk with stationary sd ``sigma``."""
    shocks = rng.normal(0.0, sigma * np.sqrt(1 - phi**2), size=shape)
    walk = np.empty(shape)
    walk[..., 0] = rng.normal(0.0, sigma, size=shape[:-1])
    for t in range(1, shape[-1]):
        walk[..., t] = phi * walk[..., t - 1] + shocks[..., t]
    return np.exp(walk - sigma**2 / 2)


def build_demo(path: str | os.PathLike, scale: str = "demo", seed: int = 7) -> str:
    """Build the demo store at ``path``, replacing any store there, and return a one-line summary.

    Parameters
    ----------
    path
        The DuckDB file to (re)create.
    scale
        ``"demo"`` (6 products, 64 projects, 9 teams) or ``"bench"`` (2,000 projects, 12 teams, 10M+ KPI rows).
    seed
        Same seed, same content.

    Raises
    ------
    analytics.store.StoreHeldError
        When another process holds the store at ``path`` open; the store is left as it was.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {sorted(SCALES)}, not {scale!r}")
    size = SCALES[scale]
    # Built beside the store and renamed over it, so a failed build leaves the old store as it was; a store that
    # another process serves is refused with a sentence naming that process (StoreHeldError).
    with store.replacing(path) as building:
        tables = generate(size, seed)
        _write_tables(building, tables)
    return ", ".join(f"{len(tables[t]):,} {t}" for t in ("projects", "kpi_history", "feedback", "features"))


def _write_tables(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    con = store.connect(path)
    try:
        with store.transaction(con):
            for table in store.CONTRACT_TABLES:
                frame = tables.get(table)
                if frame is None or frame.empty:
                    continue
                con.register("incoming", frame)
                columns = ", ".join(frame.columns)
                # Table and column names come from this module's own frames, never from input.
                con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming")  # noqa: S608
                con.unregister("incoming")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def generate(size: Scale, seed: int) -> dict[str, pd.DataFrame]:
    """Generate every table of the demo company as DataFrames keyed by table name."""
    as_of = np.datetime64(AS_OF, "D")
    tables: dict[str, pd.DataFrame] = {}
    tables["settings"] = pd.DataFrame(
        {
            "key": ["as_of", "currency", "company", "discount_rate", "fiscal_year_start_month"],
            "value": [AS_OF.isoformat(), "USD", "Halyard Software", "0.08", "1"],
        }
    )
    tables["objectives"] = OBJECTIVES.copy()
    tables["kpi_definitions"] = METRICS.copy()
    products = _products(size, seed)
    tables["products"] = products.drop(columns=["users0", "growth", "arpu", "churn", "satisfaction"])
    teams = pd.DataFrame(TEAM_POOL[: size.teams], columns=["team_id", "name", "skill"])
    tables["teams"] = teams

    projects, cashflows, demand, alignment, dependencies = _projects(size, seed, as_of, products, teams)
    tables["projects"] = projects
    tables["project_cashflows"] = cashflows
    tables["project_demand"] = demand
    tables["project_alignment"] = alignment
    tables["project_dependencies"] = dependencies
    tables["team_capacity"] = _team_capacity(seed, as_of, teams, demand, projects)
    tables["project_progress"] = _progress(seed, as_of, projects, cashflows)
    tables["risks"] = _risks(seed, as_of, projects)

    features = _features(size, seed, as_of, products, projects)
    tables["features"] = features
    history, targets, monthly_signups = _kpis(seed, as_of, products, features)
    tables["kpi_history"] = history
    tables["kpi_targets"] = targets
    tables["feedback"] = _feedback(size, seed, as_of, products)
    tables["retention_cohorts"] = _retention(seed, as_of, products, monthly_signups)
    return tables


def _products(size: Scale, seed: int) -> pd.DataFrame:
    rows = [list(p) for p in PRODUCTS]
    rng = _rng(seed, 1)
    # Yearly user growth by lifecycle stage; the keys are the schema's lifecycle stages, in order.
    growth_by_stage = {"introduction": 0.0, "growth": 0.6, "maturity": 0.06, "decline": -0.15}
    stages = np.array(list(growth_by_stage))
    for i in range(size.extra_products):
        stage = stages[rng.choice(4, p=[0.1, 0.3, 0.45, 0.15])]
        launched = date(2010 + int(rng.integers(0, 13)), int(rng.integers(1, 13)), 1)
        if stage == "introduction":
            launched = date(2026, int(rng.integers(1, 9)), 1)
        rows.append(
            [
                f"P{i:04d}X",
                f"Product {i:04d}",
                str(rng.choice(["SMB", "Mid-market", "Enterprise", "Consumer"])),
                PEOPLE[i % len(PEOPLE)],
                str(stage),
                launched,
                0 if stage == "introduction" else rng.lognormal(9, 1),
                growth_by_stage[stage] + rng.normal(0, 0.05),
                float(rng.lognormal(3, 0.6)),
                float(rng.uniform(0.8, 4.5)),
                float(rng.uniform(6.3, 8.5)),
            ]
        )
    return pd.DataFrame(
        rows,
        columns=[
            "product_id",
            "name",
            "segment",
            "owner",
            "lifecycle_stage",
            "launched_on",
            "users0",
            "growth",
            "arpu",
            "churn",
            "satisfaction",
        ],
    )


def _projects(size: Scale, seed: int, as_of: np.datetime64, products: pd.DataFrame, teams: pd.DataFrame):
    rng = _rng(seed, 2)
    n = size.projects
    team_ids = set(teams["team_id"])
    program_names = list(PROGRAMS)
    program = np.array(program_names)[rng.choice(len(program_names), size=n, p=[0.26, 0.22, 0.2, 0.2, 0.12])]
    stage_names = np.array(STAGE_ORDER)
    stage = stage_names[rng.choice(len(stage_names), size=n, p=[0.22, 0.18, 0.31, 0.06, 0.16, 0.07])]
    # Every stage appears at least once, whatever the seed.
    stage[:6] = rng.permutation(stage_names)
    duration = np.clip(np.round(rng.gamma(4.0, 2.6, size=n)), 3, 24).astype(int)
    month0 = as_of.astype("datetime64[M]")
    offset = np.select(
        [stage == "proposed", stage == "approved", stage == "completed", stage == "cancelled"],
        [
            rng.integers(2, 13, n),
            rng.integers(0, 7, n),
            -duration - rng.integers(1, 18, n),
            -duration + rng.integers(-6, 0, n),
        ],
        default=-np.minimum(duration - 1, rng.integers(1, 16, n)),
    )
    start = (month0 + offset).astype("datetime64[D]")
    end = ((month0 + offset + duration).astype("datetime64[D]") - DAY).astype("datetime64[D]")
    product_ids = products["product_id"].to_numpy()
    product_pick = product_ids[rng.integers(0, len(product_ids), n)].astype(object)
    product_pick[rng.random(n) < 0.15] = None  # cross-cutting work serves no single product
    ids = np.array([f"P-{i + 1:03d}" if n < 1000 else f"P-{i + 1:04d}" for i in range(n)])
    names = []
    used: dict[str, int] = {}
    for i in range(n):
        words = PROJECT_WORDS[program[i]]
        base = words[int(rng.integers(0, len(words)))]
        used[base] = used.get(base, 0) + 1
        names.append(
            base if used[base] == 1 else f"{base} {['', '', 'II', 'III', 'IV'][min(used[base], 4)] or used[base]}"
        )
    mandatory = np.zeros(n, dtype=bool)
    compliance = np.flatnonzero((program == "Compliance & Security") & np.isin(stage, COMMITTED_STAGES))
    mandatory[compliance[: max(2, min(3, len(compliance)))]] = True

    pos_ranges = {
        "proposed": (0.45, 0.75),
        "approved": (0.65, 0.85),
        "active": (0.75, 0.95),
        "on_hold": (0.5, 0.7),
        "completed": (1.0, 1.0),
        "cancelled": (0.0, 0.0),
    }
    pos = np.array([rng.uniform(*pos_ranges[s]) for s in stage]).round(2)

    # Demand: two to four teams per project, a ramp-up, a plateau and a ramp-down of FTEs.
    # Rows are gathered as arrays and framed once: a DataFrame per project was most of the build time.
    demand_rows: dict[str, list[np.ndarray]] = {"project_id": [], "team_id": [], "period": [], "fte": []}
    cash_rows: dict[str, list[np.ndarray]] = {"project_id": [], "period": [], "cost": [], "benefit": []}
    benefit_multiple = rng.lognormal(np.log(1.9), 0.55, n)
    benefit_multiple[mandatory] = rng.uniform(0.2, 0.6, mandatory.sum())
    benefit_multiple[rng.random(n) < 0.08] = rng.uniform(0.3, 0.8)  # a few business cases that never pay back
    life = rng.integers(24, 49, n)
    budgets = np.zeros(n)
    for i in range(n):
        teams_here = [t for t in PROGRAM_TEAMS[program[i]] if t in team_ids] or list(team_ids)
        k = int(min(len(teams_here), rng.integers(2, 5)))
        chosen = rng.choice(teams_here, size=k, replace=False)
        months = _month_starts(start[i], duration[i])
        shape = np.minimum(1.0, np.minimum(np.arange(1, duration[i] + 1), np.arange(duration[i], 0, -1)) / 2.5)
        total_fte = np.zeros(duration[i])
        for team in chosen:
            fte = np.round(rng.gamma(3.0, 0.8) * shape * rng.lognormal(0, 0.12, duration[i]), 1)
            fte = np.maximum(fte, 0.5)
            total_fte += fte
            demand_rows["project_id"].append(np.full(duration[i], ids[i]))
            demand_rows["team_id"].append(np.full(duration[i], team))
            demand_rows["period"].append(months)
            demand_rows["fte"].append(fte)
        cost = np.round(total_fte * FTE_MONTH_COST * rng.lognormal(0, 0.05, duration[i]) + rng.gamma(2, 4_000), -2)
        stop = duration[i]
        if stage[i] == "cancelled":
            stop = max(2, int(duration[i] * rng.uniform(0.3, 0.7)))
        cost = cost[:stop]
        budgets[i] = cost.sum() if stage[i] != "cancelled" else np.round(cost.sum() / rng.uniform(0.3, 0.7), -3)
        benefit_months = _month_starts(start[i] + np.timedelta64(int(duration[i]) * 31, "D"), int(life[i]))
        if stage[i] == "cancelled":
            benefit = np.zeros(0)
            benefit_months = benefit_months[:0]
        else:
            plateau = benefit_multiple[i] * cost.sum() / (life[i] * 0.8)
            ramp = np.minimum(1.0, np.arange(1, life[i] + 1) / 6.0) * np.exp(-np.arange(life[i]) / 90)
            benefit = np.round(plateau * ramp * rng.lognormal(0, 0.08, life[i]), -2)
        cash_rows["project_id"].append(np.full(stop + len(benefit), ids[i]))
        cash_rows["period"].extend((months[:stop], benefit_months))
        cash_rows["cost"].extend((cost, np.zeros(len(benefit))))
        cash_rows["benefit"].extend((np.zeros(stop), benefit))
    demand = pd.DataFrame({column: np.concatenate(parts) for column, parts in demand_rows.items()})
    demand = demand.groupby(["project_id", "team_id", "period"], as_index=False)["fte"].sum()
    # Cancelled projects no longer ask for anyone; history of completed ones is kept as planned.
    demand = demand[~demand["project_id"].isin(ids[stage == "cancelled"])]
    cashflows = pd.DataFrame({column: np.concatenate(parts) for column, parts in cash_rows.items()})
    cashflows = cashflows.groupby(["project_id", "period"], as_index=False).sum()

    health = np.full(n, None, dtype=object)
    stored = (stage == "active") & (rng.random(n) < 0.25)
    health[stored] = rng.choice(["green", "amber", "red"], size=stored.sum(), p=[0.5, 0.3, 0.2])
    projects = pd.DataFrame(
        {
            "project_id": ids,
            "name": names,
            "product_id": product_pick,
            "program": program,
            "sponsor": np.array(SPONSORS)[rng.integers(0, len(SPONSORS), n)],
            "manager": np.array(PEOPLE)[rng.integers(0, len(PEOPLE), n)],
            "stage": stage,
            "start_date": start,
            "end_date": end,
            "budget": budgets,
            "probability_of_success": pos,
            "health": health,
            "mandatory": mandatory,
            "description": [f"{names[i]} ({program[i]})" for i in range(n)],
        }
    )

    # Alignment: the program sets the profile, people's judgement adds noise; a few projects serve nothing.
    objective_ids = OBJECTIVES["objective_id"].to_numpy()
    profile = np.array([[PROGRAMS[p][o] for o in objective_ids] for p in program])
    scores = np.clip(np.round(profile + rng.normal(0, 0.9, profile.shape)), 0, 5).astype(int)
    scores[rng.random(n) < 0.05] = 0
    alignment = pd.DataFrame(
        {
            "project_id": np.repeat(ids, len(objective_ids)),
            "objective_id": np.tile(objective_ids, n),
            "score": scores.ravel(),
        }
    )

    # Dependencies only point to projects that start no later (ties broken by id), so the graph is acyclic.
    order = np.lexsort((np.arange(n), start))
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(n)
    is_platform = program == "Platform"
    edges = set()
    for i in range(n):
        if rank[i] == 0 or rng.random() > 0.55:
            continue
        earlier = order[: rank[i]]
        weights = np.where(is_platform[earlier], 4.0, 1.0) * np.exp(-(rank[i] - rank[earlier]) / 25)
        for j in rng.choice(
            earlier, size=min(len(earlier), int(rng.integers(1, 3))), replace=False, p=weights / weights.sum()
        ):
            edges.add((ids[i], ids[j]))
    edges = sorted(edges)
    dependencies = pd.DataFrame(edges, columns=["project_id", "depends_on"])
    dependencies["kind"] = np.where(rng.random(len(edges)) < 0.75, "requires", "finish_to_start")
    return projects, cashflows, demand, alignment, dependencies


def _team_capacity(seed, as_of, teams, demand, projects) -> pd.DataFrame:
    rng = _rng(seed, 3)
    months = _month_starts(as_of - np.timedelta64(365, "D"), 49)
    committed = projects.loc[projects["stage"].isin(COMMITTED_STAGES), "project_id"]
    load = (
        demand[demand["project_id"].isin(committed)]
        .groupby(["team_id", "period"])["fte"]
        .sum()
        .unstack(fill_value=0.0)
        .reindex(index=teams["team_id"], columns=months.astype("datetime64[ns]"), fill_value=0.0)
    )
    rows = []
    for team in teams["team_id"]:
        peak = float(load.loc[team].max())
        busy = load.loc[team][load.loc[team] > 0]
        if team in OVERBOOKED_TEAMS and len(busy):
            base = max(2.0, float(np.quantile(busy, 0.8)))
        else:
            base = max(4.0, peak * rng.uniform(1.1, 1.35))
        # Hiring plans add people over time; December holidays take some away.
        growth = 1 + np.arange(len(months)) * rng.uniform(0.0, 0.006)
        december = np.where(months.astype("datetime64[M]").astype(int) % 12 == 11, 0.85, 1.0)
        fte = np.round(base * growth * december, 1)
        rows.append(pd.DataFrame({"team_id": team, "period": months, "fte": fte}))
    return pd.concat(rows, ignore_index=True)


def _progress(seed, as_of, projects, cashflows) -> pd.DataFrame:
    rng = _rng(seed, 4)
    tracked = projects[projects["stage"].isin(STARTED_STAGES)]
    cost_by_project = {pid: g for pid, g in cashflows[cashflows["cost"] > 0].groupby("project_id")}
    columns: dict[str, list[np.ndarray]] = {
        "project_id": [],
        "as_of": [],
        "percent_complete": [],
        "planned_value": [],
        "earned_value": [],
        "actual_cost": [],
    }
    for pid, stage, budget in tracked[["project_id", "stage", "budget"]].itertuples(index=False):
        plan = cost_by_project[pid].sort_values("period")
        planned_cum = plan["cost"].cumsum().to_numpy()
        periods = plan["period"].to_numpy().astype("datetime64[D]")
        # Snapshots on the first of each month the project ran, up to as_of.
        keep = periods <= as_of
        if not keep.any():
            continue
        periods, planned_cum = periods[keep], planned_cum[keep]
        # Each project has a temperament: most near plan, some chronically over budget or late.
        cpi = float(np.clip(rng.normal(0.98, 0.07), 0.7, 1.15)) if rng.random() > 0.2 else rng.uniform(0.72, 0.88)
        spi = float(np.clip(rng.normal(0.97, 0.07), 0.7, 1.1)) if rng.random() > 0.2 else rng.uniform(0.72, 0.88)
        if stage == "completed":
            spi = 1.0
        wobble = _log_ar1(rng, (len(periods),), 0.03, 0.7)
        earned = np.minimum(planned_cum * spi * wobble, budget)
        actual = earned / cpi
        columns["project_id"].append(np.full(len(periods), pid))
        columns["as_of"].append(periods)
        columns["percent_complete"].append(np.clip(np.round(earned / max(budget, 1) * 100, 1), 0, 100))
        columns["planned_value"].append(np.round(planned_cum, -2))
        columns["earned_value"].append(np.round(earned, -2))
        columns["actual_cost"].append(np.round(actual, -2))
    return pd.DataFrame({column: np.concatenate(parts) for column, parts in columns.items()})


def _risks(seed, as_of, projects) -> pd.DataFrame:
    rng = _rng(seed, 5)
    live = projects[projects["stage"].isin(LIVE_STAGES)]
    counts = rng.choice([0, 1, 2, 3, 4], size=len(live), p=[0.05, 0.25, 0.35, 0.25, 0.1])
    owners = rng.choice(PEOPLE, size=counts.sum())
    project_ids = np.repeat(live["project_id"].to_numpy(), counts)
    starts = np.repeat(live["start_date"].to_numpy().astype("datetime64[D]"), counts)
    categories = rng.choice(list(RISK_TITLES), size=counts.sum())
    titles = [RISK_TITLES[c][int(rng.integers(0, len(RISK_TITLES[c])))] for c in categories]
    probability = np.round(rng.beta(2.2, 3.5, counts.sum()), 2)
    impact = rng.choice([1, 2, 3, 4, 5], size=counts.sum(), p=[0.1, 0.25, 0.3, 0.22, 0.13])
    status = rng.choice(["open", "mitigating", "closed"], size=counts.sum(), p=[0.55, 0.3, 0.15])
    raised = np.minimum(starts + rng.integers(0, 200, counts.sum()) * DAY, as_of)
    mitigation = [f"{o.split()[0]} to review weekly; fallback plan agreed with the sponsor." for o in owners]
    width = 4 if counts.sum() < 10_000 else 5
    return pd.DataFrame(
        {
            "risk_id": [f"R-{i + 1:0{width}d}" for i in range(counts.sum())],
            "project_id": project_ids,
            "title": titles,
            "category": categories,
            "probability": probability,
            "impact": impact,
            "status": status,
            "owner": owners,
            "mitigation": mitigation,
            "raised_on": raised,
        }
    )


def _features(size: Scale, seed, as_of, products, projects) -> pd.DataFrame:
    rng = _rng(seed, 6)
    fib = np.array([1, 2, 3, 5, 8, 13, 20])
    rows = []
    counter = 0
    by_product = projects.dropna(subset=["product_id"]).groupby("product_id")["project_id"].apply(list).to_dict()
    for product_id, launched in products[["product_id", "launched_on"]].itertuples(index=False):
        first = max(np.datetime64(launched, "D"), as_of - np.timedelta64(HISTORY_DAYS - 1, "D"))
        span = int((as_of - first) / DAY)
        k = size.features_per_product
        status = rng.choice(
            ["shipped", "in_progress", "planned", "idea", "dropped"], size=k, p=[0.4, 0.15, 0.2, 0.2, 0.05]
        )
        theme = rng.choice(FEATURE_THEMES, size=k)
        start = np.where(
            status == "shipped",
            first + rng.integers(0, max(span - 60, 1), k) * DAY,
            np.where(
                status == "in_progress", as_of - rng.integers(10, 120, k) * DAY, as_of + rng.integers(15, 300, k) * DAY
            ),
        ).astype("datetime64[D]")
        planned_days = rng.integers(20, 160, k)
        target = start + planned_days * DAY
        # About a third of shipped work lands late, by a lognormal number of days.
        late = rng.random(k) < 0.35
        slip = np.where(late, np.round(rng.lognormal(3.0, 0.7, k)), -rng.integers(0, 10, k))
        shipped = np.where(status == "shipped", target + slip.astype(int) * DAY, np.datetime64("NaT"))
        shipped = np.where(shipped > as_of, as_of, shipped).astype("datetime64[D]")
        linked = by_product.get(product_id, [])
        project_link = np.array(
            [linked[int(rng.integers(0, len(linked)))] if linked and rng.random() < 0.3 else None for _ in range(k)],
            dtype=object,
        )
        titles = [FEATURE_WORDS[t][int(rng.integers(0, 5))] for t in theme]
        for i in range(k):
            counter += 1
            rows.append(
                (
                    f"F-{counter:04d}" if size.extra_products == 0 else f"F-{counter:06d}",
                    product_id,
                    titles[i],
                    theme[i],
                    status[i],
                    float(np.round(rng.lognormal(7.5, 1.0), -1)),
                    float(rng.choice([0.25, 0.5, 1, 2, 3], p=[0.1, 0.25, 0.35, 0.2, 0.1])),
                    float(rng.choice([0.5, 0.8, 1.0], p=[0.3, 0.5, 0.2])),
                    float(np.round(rng.gamma(2.0, 1.6) + 0.5, 1)),
                    int(rng.choice(fib)),
                    int(rng.choice(fib)),
                    int(rng.choice(fib)),
                    int(rng.choice(fib)),
                    start[i],
                    target[i],
                    shipped[i],
                    project_link[i],
                )
            )
    frame = pd.DataFrame(
        rows,
        columns=[
            "feature_id",
            "product_id",
            "title",
            "theme",
            "status",
            "reach",
            "impact",
            "confidence",
            "effort",
            "business_value",
            "time_criticality",
            "risk_reduction",
            "job_size",
            "start_date",
            "target_date",
            "shipped_on",
            "project_id",
        ],
    )
    for column in ("start_date", "target_date", "shipped_on"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame


def _kpis(seed, as_of, products, features):
    """Daily KPI history for every product, its monthly targets, and monthly signups (for retention cohorts)."""
    rng = _rng(seed, 7)
    days = as_of - np.arange(HISTORY_DAYS)[::-1] * DAY
    n_days = len(days)
    years = (days - days[0]) / DAY / 365.0
    weekday = (days.astype("datetime64[D]").astype(int) + 3) % 7  # Monday = 0
    day_of_year = (days - days.astype("datetime64[Y]")) / DAY
    weekly = np.where(weekday >= 5, 0.55, 1.0 + 0.04 * (weekday == 1))
    yearly = (
        1 + 0.08 * np.cos(2 * np.pi * (day_of_year - 255) / 365.25) - 0.07 * np.exp(-((day_of_year - 358) ** 2) / 60)
    )

    n = len(products)
    launched = np.array([np.datetime64(d, "D") for d in products["launched_on"]])
    alive = days[None, :] >= launched[:, None]
    age_days = np.maximum((days[None, :] - launched[:, None]) / DAY, 0)
    # A new product ramps up along a logistic curve from launch.
    ramp = np.where(products["users0"].to_numpy()[:, None] > 0, 1.0, 1 / (1 + np.exp(-(age_days - 120) / 35)))
    scale0 = np.where(products["users0"].to_numpy() > 0, products["users0"].to_numpy(), rng.uniform(9_000, 14_000, n))
    trend = scale0[:, None] * np.exp(products["growth"].to_numpy()[:, None] * years[None, :]) * ramp

    # Major features that shipped step adoption up for good, with a short ramp.
    uplift = np.ones((n, n_days))
    index = {p: i for i, p in enumerate(products["product_id"])}
    shipped = features[(features["status"] == "shipped") & (features["impact"] >= 2)]
    for product_id, shipped_on, impact in shipped[["product_id", "shipped_on", "impact"]].itertuples(index=False):
        when = np.datetime64(shipped_on, "D")
        step = 0.025 * impact * rng.uniform(0.6, 1.4)
        since = np.clip((days - when) / DAY / 21.0, 0, 1)
        uplift[index[product_id]] *= 1 + step * since

    users = trend * uplift * _log_ar1(rng, (n, n_days), 0.03, 0.97) * alive
    active_users = np.round(users * (1 + 0.015 * np.cos(2 * np.pi * day_of_year / 365.25))[None, :])
    signup_rate = np.where(products["growth"].to_numpy() > 0, 0.0035 + products["growth"].to_numpy() * 0.004, 0.0022)
    signup_rate = np.where(products["users0"].to_numpy() == 0, 0.012, signup_rate)
    signups = rng.poisson(
        np.maximum(users * signup_rate[:, None] * weekly * yearly * _log_ar1(rng, (n, n_days), 0.15, 0.6), 0)
    )
    revenue = np.round(
        active_users
        * products["arpu"].to_numpy()[:, None]
        / 30.4
        * weekly**0.3
        * yearly
        * _log_ar1(rng, (n, n_days), 0.06, 0.8),
        2,
    )
    churn_base = products["churn"].to_numpy()[:, None] * (1 - 0.06 * np.log(uplift))
    churn = np.round(np.clip(churn_base * _log_ar1(rng, (n, n_days), 0.08, 0.9), 0.1, 20), 2)
    satisfaction = products["satisfaction"].to_numpy()[:, None]
    csat = np.round(np.clip(44 + 4.6 * satisfaction + 30 * np.log(uplift) + rng.normal(0, 2.0, (n, n_days)), 20, 99), 1)
    incidents = 1 + (rng.random((n, n_days)) < 0.01) * rng.uniform(1.5, 4, (n, n_days))
    tickets = rng.poisson(np.maximum(users * 0.0016 * weekly * incidents / np.sqrt(uplift), 0))

    series = {
        "active_users": active_users,
        "signups": signups,
        "revenue": revenue,
        "churn_rate": churn,
        "csat": csat,
        "support_tickets": tickets,
    }
    product_ids = products["product_id"].to_numpy()
    frames = []
    order = np.argsort(product_ids, kind="stable")
    for metric in sorted(series):
        values = series[metric]
        for i in order:
            keep = alive[i]
            frames.append((product_ids[i], metric, days[keep], values[i, keep].astype(float)))
    history = pd.DataFrame(
        {
            "product_id": np.concatenate([np.full(len(d), p, dtype=object) for p, _, d, _ in frames]),
            "metric": np.concatenate([np.full(len(d), m, dtype=object) for _, m, d, _ in frames]),
            "date": np.concatenate([d for _, _, d, _ in frames]),
            "value": np.concatenate([v for _, _, _, v in frames]),
        }
    )
    history = history.sort_values(["product_id", "metric", "date"], kind="stable", ignore_index=True)

    # Targets: the plan's expectation (trend without noise or launches) times an ambition the product may miss.
    months = _month_starts(days[0], 36 + 13)
    month_days = ((months + 1).astype("datetime64[D]") - months.astype("datetime64[D]")) / DAY
    mid_years = ((months.astype("datetime64[D]") + 14) - days[0]) / DAY / 365.0
    ambition = rng.uniform(1.02, 1.12, n)
    launched_month = launched.astype("datetime64[M]")
    expected_users = scale0[:, None] * np.exp(products["growth"].to_numpy()[:, None] * mid_years[None, :])
    expected_users = np.where(months[None, :] > launched_month[:, None], expected_users, np.nan)
    target_values = {
        "active_users": np.round(expected_users * ambition[:, None], -1),
        "signups": np.round(expected_users * signup_rate[:, None] * 0.93 * month_days * ambition[:, None], 0),
        "revenue": np.round(expected_users * products["arpu"].to_numpy()[:, None] * ambition[:, None], -2),
        "churn_rate": np.round(
            np.broadcast_to(products["churn"].to_numpy()[:, None] / ambition[:, None], expected_users.shape), 2
        ),
        "csat": np.round(
            np.broadcast_to(np.minimum(97, (44 + 4.6 * satisfaction) * ambition[:, None] ** 0.5), expected_users.shape),
            1,
        ),
    }
    target_columns: dict[str, list[np.ndarray]] = {"product_id": [], "metric": [], "period": [], "target": []}
    for metric, values in target_values.items():
        for i in range(n):
            keep = months > launched_month[i]
            target_columns["product_id"].append(np.full(keep.sum(), product_ids[i]))
            target_columns["metric"].append(np.full(keep.sum(), metric))
            target_columns["period"].append(months[keep])
            target_columns["target"].append(values[i, keep])
    targets = pd.DataFrame({column: np.concatenate(parts) for column, parts in target_columns.items()}).dropna()

    month_of_day = days.astype("datetime64[M]")
    unique_months, inverse = np.unique(month_of_day, return_inverse=True)
    monthly = np.zeros((n, len(unique_months)))
    np.add.at(monthly, (slice(None), inverse), signups)
    monthly_signups = pd.DataFrame(monthly, index=product_ids, columns=unique_months)
    return history, targets, monthly_signups


def _feedback(size: Scale, seed, as_of, products) -> pd.DataFrame:
    rng = _rng(seed, 8)
    n = size.feedback_answers
    weights = np.sqrt(np.maximum(products["users0"].to_numpy(), 4_000))
    product_index = rng.choice(len(products), size=n, p=weights / weights.sum())
    launched = np.array([np.datetime64(d, "D") for d in products["launched_on"]])
    first = np.maximum(launched[product_index], as_of - np.timedelta64(HISTORY_DAYS - 1, "D"))
    span = ((as_of - first) / DAY).astype(int)
    received = first + (rng.random(n) ** 0.8 * (span + 1)).astype(int) * DAY
    theme = rng.choice(FEEDBACK_THEMES, size=n, p=[0.16, 0.14, 0.14, 0.14, 0.14, 0.12, 0.16])
    # Satisfaction drifts: growing products get better over time, declining ones worse.
    years_ago = (as_of - received) / DAY / 365.0
    drift = -products["growth"].to_numpy()[product_index] * years_ago * 0.9
    latent = (
        products["satisfaction"].to_numpy()[product_index]
        + np.vectorize(THEME_EFFECT.get)(theme)
        + drift
        + rng.normal(0, 1.6, n)
    )
    nps_score = np.clip(np.round(latent + 0.6), 0, 10).astype(float)
    csat_score = np.clip(np.round(1 + (latent + rng.normal(0, 0.8, n)) / 2.3), 1, 5).astype(float)
    kind = rng.random(n)
    nps_score[kind < 0.15] = np.nan
    csat_score[(kind >= 0.15) & (kind < 0.3)] = np.nan
    sentiment = np.where(latent >= 8.5, "positive", np.where(latent >= 6.5, "neutral", "negative"))
    has_comment = rng.random(n) < 0.45
    comment = np.array(
        [
            COMMENTS[s][int(r * len(COMMENTS[s]))].format(theme=t) if c else None
            for s, r, t, c in zip(sentiment, rng.random(n), theme, has_comment, strict=True)
        ],
        dtype=object,
    )
    order = np.argsort(received, kind="stable")
    width = 6 if n < 1_000_000 else 7
    frame = pd.DataFrame(
        {
            "feedback_id": [f"FB-{i + 1:0{width}d}" for i in range(n)],
            "product_id": products["product_id"].to_numpy()[product_index][order],
            "received_on": received[order],
            "channel": rng.choice(["in-app", "email", "support", "sales"], size=n, p=[0.5, 0.25, 0.17, 0.08]),
            "nps_score": nps_score[order],
            "csat_score": csat_score[order],
            "theme": theme[order],
            "comment": comment[order],
        }
    )
    frame["nps_score"] = frame["nps_score"].astype("Int64")
    frame["csat_score"] = frame["csat_score"].astype("Int64")
    return frame


def _retention(seed, as_of, products, monthly_signups) -> pd.DataFrame:
    rng = _rng(seed, 9)
    current_month = as_of.astype("datetime64[M]")
    cohorts = current_month - np.arange(24, 0, -1)
    columns: dict[str, list[np.ndarray]] = {
        "product_id": [],
        "cohort_month": [],
        "month_offset": [],
        "cohort_size": [],
        "retained": [],
    }
    for i, product_id in enumerate(products["product_id"]):
        floor = float(np.clip(0.62 - products["churn"].iloc[i] * 0.07 + rng.normal(0, 0.03), 0.2, 0.8))
        decay = rng.uniform(1.5, 4.0)
        for cohort in cohorts:
            size = int(monthly_signups.loc[product_id].get(cohort, 0))
            if size <= 0:
                continue
            reached = int((current_month - cohort) / np.timedelta64(1, "M"))  # offsets 0 .. reached - 1 are mature
            offsets = np.arange(reached)
            curve = floor + (1 - floor) * np.exp(-offsets / decay)
            retained = np.minimum.accumulate(np.round(size * curve * rng.lognormal(0, 0.02, reached)).astype(int))
            retained = np.minimum(retained, size)
            retained[0] = size
            columns["product_id"].append(np.full(reached, product_id))
            columns["cohort_month"].append(np.full(reached, cohort.astype("datetime64[D]")))
            columns["month_offset"].append(offsets)
            columns["cohort_size"].append(np.full(reached, size))
            columns["retained"].append(retained)
    return pd.DataFrame({column: np.concatenate(parts) for column, parts in columns.items()})
