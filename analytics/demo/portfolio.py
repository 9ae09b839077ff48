"""The demo portfolio: projects, cash flows, team demand and capacity, progress (earned value) and risks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.demo.company import (
    DAY,
    FTE_MONTH_COST,
    OBJECTIVES,
    OVERBOOKED_TEAMS,
    PEOPLE,
    PROGRAM_TEAMS,
    PROGRAMS,
    PROJECT_WORDS,
    RISK_TITLES,
    SPONSORS,
    Scale,
)
from analytics.demo.streams import log_ar1, month_starts, random_stream
from analytics.rules import COMMITTED_STAGES, LIVE_STAGES, STAGE_ORDER, STARTED_STAGES


def generate_projects(size: Scale, seed: int, as_of: np.datetime64, products: pd.DataFrame, teams: pd.DataFrame):
    """Projects with their cash flows, team demand, objective alignment and dependencies (stream 2)."""
    rng = random_stream(seed, 2)
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
        months = month_starts(start[i], duration[i])
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
        benefit_months = month_starts(start[i] + np.timedelta64(int(duration[i]) * 31, "D"), int(life[i]))
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


#: The most months a demo project not yet started may slip past its planned start (its window's slack).
MAX_START_SLACK = 6


def generate_start_windows(seed: int, projects: pd.DataFrame) -> pd.DataFrame:
    """Start windows (stream 10): a proposed or approved project may start 0 to 6 months after its planned start.

    Columns ``project_id``, ``earliest_start`` (the planned start's month), ``latest_start``; other stages get
    nulls (the planned start, no shift). A stream of its own, so every other table is the same with or without
    windows, and a store built before windows existed can be given the same ones (``add_start_windows``).
    """
    rng = random_stream(seed, 10)
    ordered = projects.sort_values("project_id")
    slack = rng.integers(0, MAX_START_SLACK + 1, len(ordered))
    movable = ordered["stage"].isin(("proposed", "approved")).to_numpy()
    planned = ordered["start_date"].to_numpy().astype("datetime64[M]")
    earliest = np.where(movable, planned, np.datetime64("NaT")).astype("datetime64[D]")
    latest = np.where(movable, planned + slack, np.datetime64("NaT")).astype("datetime64[D]")
    return pd.DataFrame(
        {"project_id": ordered["project_id"].to_numpy(), "earliest_start": earliest, "latest_start": latest}
    )


def generate_team_capacity(seed, as_of, teams, demand, projects) -> pd.DataFrame:
    """Monthly FTE per team: above committed demand, except the overbooked teams (stream 3)."""
    rng = random_stream(seed, 3)
    months = month_starts(as_of - np.timedelta64(365, "D"), 49)
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


def generate_progress(seed, as_of, projects, cashflows) -> pd.DataFrame:
    """Monthly earned-value snapshots of every started project up to ``as_of`` (stream 4)."""
    rng = random_stream(seed, 4)
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
        wobble = log_ar1(rng, (len(periods),), 0.03, 0.7)
        earned = np.minimum(planned_cum * spi * wobble, budget)
        actual = earned / cpi
        columns["project_id"].append(np.full(len(periods), pid))
        columns["as_of"].append(periods)
        columns["percent_complete"].append(np.clip(np.round(earned / max(budget, 1) * 100, 1), 0, 100))
        columns["planned_value"].append(np.round(planned_cum, -2))
        columns["earned_value"].append(np.round(earned, -2))
        columns["actual_cost"].append(np.round(actual, -2))
    return pd.DataFrame({column: np.concatenate(parts) for column, parts in columns.items()})


def generate_risks(seed, as_of, projects) -> pd.DataFrame:
    """Draw the risk register of the live projects (stream 5)."""
    rng = random_stream(seed, 5)
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
