"""The demo company's fixed facts: its date, its scales, metrics, products, teams, people and word lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

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
