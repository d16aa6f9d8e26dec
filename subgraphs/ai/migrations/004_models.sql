-- The model registry: which models may be used, and their prices in micro-dollars per
-- million tokens (e.g. $0.15 per million = 150000).
CREATE TABLE models (
    id                  text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
    provider            text NOT NULL CHECK (length(provider) BETWEEN 1 AND 50),
    display_name        text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    input_price_micros  bigint NOT NULL DEFAULT 0 CHECK (input_price_micros >= 0),
    output_price_micros bigint NOT NULL DEFAULT 0 CHECK (output_price_micros >= 0),
    context_window      integer NOT NULL CHECK (context_window > 0),
    enabled             boolean NOT NULL DEFAULT true,
    -- The built-in model that runs with no network.
    offline             boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
