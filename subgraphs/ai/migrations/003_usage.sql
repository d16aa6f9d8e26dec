-- Usage per user, UTC day and model: finished assistant messages, tokens and cost.
CREATE TABLE usage_daily (
    owner_id    text NOT NULL,
    day         date NOT NULL,
    model       text NOT NULL,
    messages    bigint NOT NULL DEFAULT 0 CHECK (messages >= 0),
    tokens_in   bigint NOT NULL DEFAULT 0 CHECK (tokens_in >= 0),
    tokens_out  bigint NOT NULL DEFAULT 0 CHECK (tokens_out >= 0),
    cost_micros bigint NOT NULL DEFAULT 0 CHECK (cost_micros >= 0),
    PRIMARY KEY (owner_id, day, model)
);

-- Administrators' totals per day and model.
CREATE INDEX usage_daily_day_model ON usage_daily (day, model);
