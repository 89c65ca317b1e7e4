-- Anonymous surveys (see saman_domain::evaluation::survey). Answers are kept as counts
-- per period, group, question and option, and free texts on their own (sealed): no row
-- of an answer holds an account, a log, an identity number or a time beyond the period.

CREATE TABLE surveys (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    -- bruker (users: guardians and youth) or ansatte (staff)
    kind TEXT NOT NULL,
    -- JSON: the title, intro and questions in both languages.
    content TEXT NOT NULL,
    -- draft, open or closed
    state TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX surveys_tenant ON surveys (tenant_id);

CREATE TABLE survey_counts (
    survey_id TEXT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    -- The term (user survey) or year (staff survey), as 2026-2 or 2026.
    period TEXT NOT NULL,
    respondent TEXT NOT NULL,
    -- A question's key and the option chosen; both empty count the respondents.
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (survey_id, period, respondent, question, answer)
);

CREATE TABLE survey_texts (
    id TEXT PRIMARY KEY,
    survey_id TEXT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    respondent TEXT NOT NULL,
    question TEXT NOT NULL,
    -- Sealed under the platform key.
    text TEXT NOT NULL
);
CREATE INDEX survey_texts_survey ON survey_texts (survey_id);

-- A family offered the user survey when a log closed, by the keyed hash of their
-- identity number; deleted when they answer, or after it expires.
CREATE TABLE survey_invitations (
    survey_id TEXT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    pid_key TEXT NOT NULL,
    respondent TEXT NOT NULL,
    expires_on TEXT NOT NULL,
    PRIMARY KEY (survey_id, pid_key)
);

-- Staff who answered a period's staff survey (not what they answered), so each answers
-- once.
CREATE TABLE survey_responses (
    survey_id TEXT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    account_id TEXT NOT NULL,
    PRIMARY KEY (survey_id, period, account_id)
);
