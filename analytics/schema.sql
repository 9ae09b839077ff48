-- Quarterdeck store, schema version 1: the tables of ../shared/CONTRACT.md.
-- Keys are short text identifiers; `period` is always the first day of a month.
-- References between tables are checked by the importer, not by FOREIGN KEY clauses: DuckDB refuses to
-- update or replace a referenced row, which would make the contract's "upsert by key" import impossible.

CREATE TABLE IF NOT EXISTS settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS objectives (
    objective_id TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    description  TEXT,
    weight       DOUBLE NOT NULL CHECK (weight > 0)
);

CREATE TABLE IF NOT EXISTS products (
    product_id      TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    segment         TEXT,
    owner           TEXT,
    lifecycle_stage TEXT NOT NULL CHECK (lifecycle_stage IN ('introduction', 'growth', 'maturity', 'decline')),
    launched_on     DATE
);

CREATE TABLE IF NOT EXISTS teams (
    team_id TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    skill   TEXT
);

CREATE TABLE IF NOT EXISTS team_capacity (
    team_id TEXT NOT NULL,
    period  DATE NOT NULL CHECK (period = date_trunc('month', period)),
    fte     DOUBLE NOT NULL CHECK (fte >= 0),
    PRIMARY KEY (team_id, period)
);

CREATE TABLE IF NOT EXISTS projects (
    project_id             TEXT PRIMARY KEY,
    name                   TEXT NOT NULL,
    product_id             TEXT,
    program                TEXT,
    sponsor                TEXT,
    manager                TEXT,
    stage                  TEXT NOT NULL
        CHECK (stage IN ('proposed', 'approved', 'active', 'on_hold', 'completed', 'cancelled')),
    start_date             DATE NOT NULL,
    end_date               DATE NOT NULL,
    budget                 DOUBLE NOT NULL CHECK (budget >= 0),
    probability_of_success DOUBLE NOT NULL CHECK (probability_of_success BETWEEN 0 AND 1),
    health                 TEXT CHECK (health IN ('green', 'amber', 'red')),
    mandatory              BOOLEAN NOT NULL DEFAULT FALSE,
    description            TEXT,
    CHECK (end_date >= start_date)
);

CREATE TABLE IF NOT EXISTS project_cashflows (
    project_id TEXT NOT NULL,
    period     DATE NOT NULL CHECK (period = date_trunc('month', period)),
    cost       DOUBLE NOT NULL DEFAULT 0 CHECK (cost >= 0),
    benefit    DOUBLE NOT NULL DEFAULT 0 CHECK (benefit >= 0),
    PRIMARY KEY (project_id, period)
);

CREATE TABLE IF NOT EXISTS project_alignment (
    project_id   TEXT NOT NULL,
    objective_id TEXT NOT NULL,
    score        INTEGER NOT NULL CHECK (score BETWEEN 0 AND 5),
    PRIMARY KEY (project_id, objective_id)
);

CREATE TABLE IF NOT EXISTS project_demand (
    project_id TEXT NOT NULL,
    team_id    TEXT NOT NULL,
    period     DATE NOT NULL CHECK (period = date_trunc('month', period)),
    fte        DOUBLE NOT NULL CHECK (fte >= 0),
    PRIMARY KEY (project_id, team_id, period)
);

CREATE TABLE IF NOT EXISTS project_dependencies (
    project_id TEXT NOT NULL,
    depends_on TEXT NOT NULL,
    kind       TEXT NOT NULL DEFAULT 'requires' CHECK (kind IN ('requires', 'finish_to_start')),
    PRIMARY KEY (project_id, depends_on),
    CHECK (project_id <> depends_on)
);

CREATE TABLE IF NOT EXISTS project_progress (
    project_id       TEXT NOT NULL,
    as_of            DATE NOT NULL,
    percent_complete DOUBLE NOT NULL CHECK (percent_complete BETWEEN 0 AND 100),
    planned_value    DOUBLE NOT NULL CHECK (planned_value >= 0),
    earned_value     DOUBLE NOT NULL CHECK (earned_value >= 0),
    actual_cost      DOUBLE NOT NULL CHECK (actual_cost >= 0),
    PRIMARY KEY (project_id, as_of)
);

CREATE TABLE IF NOT EXISTS risks (
    risk_id     TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    title       TEXT NOT NULL,
    category    TEXT,
    probability DOUBLE NOT NULL CHECK (probability BETWEEN 0 AND 1),
    impact      INTEGER NOT NULL CHECK (impact BETWEEN 1 AND 5),
    status      TEXT NOT NULL CHECK (status IN ('open', 'mitigating', 'closed')),
    owner       TEXT,
    mitigation  TEXT,
    raised_on   DATE
);

CREATE TABLE IF NOT EXISTS kpi_definitions (
    metric      TEXT PRIMARY KEY,
    label       TEXT NOT NULL,
    unit        TEXT,
    direction   TEXT NOT NULL CHECK (direction IN ('higher_is_better', 'lower_is_better')),
    aggregation TEXT NOT NULL CHECK (aggregation IN ('sum', 'mean', 'last'))
);

CREATE TABLE IF NOT EXISTS kpi_history (
    product_id TEXT NOT NULL,
    metric     TEXT NOT NULL,
    date       DATE NOT NULL,
    value      DOUBLE NOT NULL,
    PRIMARY KEY (product_id, metric, date)
);

CREATE TABLE IF NOT EXISTS kpi_targets (
    product_id TEXT NOT NULL,
    metric     TEXT NOT NULL,
    period     DATE NOT NULL CHECK (period = date_trunc('month', period)),
    target     DOUBLE NOT NULL,
    PRIMARY KEY (product_id, metric, period)
);

CREATE TABLE IF NOT EXISTS features (
    feature_id       TEXT PRIMARY KEY,
    product_id       TEXT NOT NULL,
    title            TEXT NOT NULL,
    theme            TEXT,
    status           TEXT NOT NULL CHECK (status IN ('idea', 'planned', 'in_progress', 'shipped', 'dropped')),
    reach            DOUBLE CHECK (reach >= 0),
    impact           DOUBLE CHECK (impact >= 0),
    confidence       DOUBLE CHECK (confidence BETWEEN 0 AND 1),
    effort           DOUBLE CHECK (effort > 0),
    business_value   DOUBLE CHECK (business_value >= 0),
    time_criticality DOUBLE CHECK (time_criticality >= 0),
    risk_reduction   DOUBLE CHECK (risk_reduction >= 0),
    job_size         DOUBLE CHECK (job_size > 0),
    start_date       DATE,
    target_date      DATE,
    shipped_on       DATE,
    project_id       TEXT
);

CREATE TABLE IF NOT EXISTS feedback (
    feedback_id TEXT PRIMARY KEY,
    product_id  TEXT NOT NULL,
    received_on DATE NOT NULL,
    channel     TEXT,
    nps_score   INTEGER CHECK (nps_score BETWEEN 0 AND 10),
    csat_score  INTEGER CHECK (csat_score BETWEEN 1 AND 5),
    theme       TEXT,
    comment     TEXT
);

CREATE TABLE IF NOT EXISTS retention_cohorts (
    product_id   TEXT NOT NULL,
    cohort_month DATE NOT NULL CHECK (cohort_month = date_trunc('month', cohort_month)),
    month_offset INTEGER NOT NULL CHECK (month_offset >= 0),
    cohort_size  INTEGER NOT NULL CHECK (cohort_size >= 0),
    retained     INTEGER NOT NULL CHECK (retained >= 0),
    PRIMARY KEY (product_id, cohort_month, month_offset),
    CHECK (retained <= cohort_size)
);

CREATE TABLE IF NOT EXISTS scenarios (
    scenario_id TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    created_by  TEXT,
    params      JSON NOT NULL,
    note        TEXT
);

CREATE TABLE IF NOT EXISTS scenario_projects (
    scenario_id TEXT NOT NULL,
    project_id  TEXT NOT NULL,
    chosen      BOOLEAN NOT NULL,
    PRIMARY KEY (scenario_id, project_id)
);

CREATE TABLE IF NOT EXISTS import_log (
    import_id   TEXT PRIMARY KEY,
    table_name  TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    rows        INTEGER NOT NULL DEFAULT 0,
    imported_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    imported_by TEXT,
    status      TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
    message     TEXT
);

-- Schema version 2: the decision log (append-only: Quarterdeck never updates or deletes a row) and role grants.
CREATE TABLE IF NOT EXISTS decisions (
    decision_id TEXT PRIMARY KEY,
    scenario_id TEXT NOT NULL,
    decided_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    decided_by  TEXT NOT NULL,
    rationale   TEXT
);

CREATE TABLE IF NOT EXISTS user_roles (
    principal  TEXT PRIMARY KEY,
    role       TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    granted_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    granted_by TEXT
);

-- Schema version 3: a project's start window for the schedule (nullable month starts; null = its planned start).
-- DuckDB cannot add a column with a CHECK, so the importers check that these are first days of months.
ALTER TABLE projects ADD COLUMN IF NOT EXISTS earliest_start DATE;
ALTER TABLE projects ADD COLUMN IF NOT EXISTS latest_start DATE;

-- Schema version 4: what each decision expected, kept with it (append-only like the decision log; only
-- analytics.scenarios.record_decision writes a row, in the transaction that writes the decision). The store moves
-- on after a decision (projects cancelled, cash flows re-planned, the valuation date advanced), so the figures a
-- decision is later checked against are the ones computed when it was taken, not recomputed from today's store.
-- params is the decided scenario's what-if settings; projects its candidates then, each with chosen, stage and
-- health; overbooked the team-months its selection already over-booked.
CREATE TABLE IF NOT EXISTS decision_baselines (
    decision_id   TEXT PRIMARY KEY,
    as_of         DATE NOT NULL,
    params        JSON NOT NULL,
    forward_spend DOUBLE NOT NULL,
    rnpv          DOUBLE NOT NULL,
    projects      JSON NOT NULL,
    overbooked    JSON NOT NULL
);

-- Schema version 5: what stopping an active project costs (wind-down, commitments), nullable; null means the
-- stated default of analytics.finance.stop_costs. DuckDB cannot add a column with a CHECK, so the importers hold
-- stop_cost >= 0 (analytics.ingest.catalogue.ADDED_CHECKS).
ALTER TABLE projects ADD COLUMN IF NOT EXISTS stop_cost DOUBLE;

-- Schema version 6: the chosen start of each chosen project in a scenario saved with start shifts (a month start;
-- null = its planned start). DuckDB cannot add a column with a CHECK; analytics.scenarios.save_scenario writes it.
ALTER TABLE scenario_projects ADD COLUMN IF NOT EXISTS start DATE;
