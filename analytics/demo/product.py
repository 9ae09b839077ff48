"""The demo products: the product list, features, daily KPI history and targets, feedback and retention."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from analytics.demo.company import (
    COMMENTS,
    DAY,
    FEATURE_THEMES,
    FEATURE_WORDS,
    FEEDBACK_THEMES,
    HISTORY_DAYS,
    PEOPLE,
    PRODUCTS,
    THEME_EFFECT,
    Scale,
)
from analytics.demo.streams import log_ar1, month_starts, random_stream


def generate_products(size: Scale, seed: int) -> pd.DataFrame:
    """List the six hand-written products plus the scale's extra ones, with their story columns (stream 1)."""
    rows = [list(p) for p in PRODUCTS]
    rng = random_stream(seed, 1)
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


def generate_features(size: Scale, seed, as_of, products, projects) -> pd.DataFrame:
    """Each product's features with status, dates, effort and the project that delivers them (stream 6)."""
    rng = random_stream(seed, 6)
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


def generate_kpis(seed, as_of, products, features):
    """Daily KPI history for every product, its monthly targets, and monthly signups (for retention cohorts)."""
    rng = random_stream(seed, 7)
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

    users = trend * uplift * log_ar1(rng, (n, n_days), 0.03, 0.97) * alive
    active_users = np.round(users * (1 + 0.015 * np.cos(2 * np.pi * day_of_year / 365.25))[None, :])
    signup_rate = np.where(products["growth"].to_numpy() > 0, 0.0035 + products["growth"].to_numpy() * 0.004, 0.0022)
    signup_rate = np.where(products["users0"].to_numpy() == 0, 0.012, signup_rate)
    signups = rng.poisson(
        np.maximum(users * signup_rate[:, None] * weekly * yearly * log_ar1(rng, (n, n_days), 0.15, 0.6), 0)
    )
    revenue = np.round(
        active_users
        * products["arpu"].to_numpy()[:, None]
        / 30.4
        * weekly**0.3
        * yearly
        * log_ar1(rng, (n, n_days), 0.06, 0.8),
        2,
    )
    churn_base = products["churn"].to_numpy()[:, None] * (1 - 0.06 * np.log(uplift))
    churn = np.round(np.clip(churn_base * log_ar1(rng, (n, n_days), 0.08, 0.9), 0.1, 20), 2)
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
    months = month_starts(days[0], 36 + 13)
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


def generate_feedback(size: Scale, seed, as_of, products) -> pd.DataFrame:
    """Survey answers with score, theme and comment per product (stream 8)."""
    rng = random_stream(seed, 8)
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


def generate_retention(seed, as_of, products, monthly_signups) -> pd.DataFrame:
    """Monthly signup cohorts and the share of each still active months later (stream 9)."""
    rng = random_stream(seed, 9)
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
