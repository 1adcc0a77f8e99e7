-- One event store per service, in the service's own schema ({schema}).
-- Not CREATE SCHEMA IF NOT EXISTS: PostgreSQL checks the right to create schemas in the
-- database before it looks, and a service's role owns its schema but may not create others.
DO $$ BEGIN
    IF to_regnamespace('{schema}') IS NULL THEN CREATE SCHEMA {schema}; END IF;
END $$;

CREATE TABLE IF NOT EXISTS {schema}.events (
    -- Global position. Assigned under the append lock and so in commit order:
    -- a reader tailing by position can never pass an event that commits later.
    position        bigint      PRIMARY KEY,
    event_id        uuid        NOT NULL UNIQUE,          -- idempotency
    stream_id       text        NOT NULL,
    stream_version  integer     NOT NULL CHECK (stream_version > 0),
    event_type      text        NOT NULL,
    schema_version  integer     NOT NULL,
    partnership_id  text        NOT NULL,
    actor           text        NOT NULL,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL,
    correlation_id  uuid        NOT NULL,
    causation_id    uuid,
    trace_context   jsonb       NOT NULL DEFAULT '{{}}',
    payload         jsonb       NOT NULL,
    prev_hash       bytea       NOT NULL,
    hash            bytea       NOT NULL,
    UNIQUE (stream_id, stream_version)                    -- optimistic concurrency
);

CREATE INDEX IF NOT EXISTS events_recorded_at ON {schema}.events (recorded_at);
-- One partnership's events in order: what its records as of a past day are rebuilt from.
CREATE INDEX IF NOT EXISTS events_partnership_position ON {schema}.events (partnership_id, position);

-- Events not yet relayed to JetStream; written in the same transaction as the events.
CREATE TABLE IF NOT EXISTS {schema}.outbox (
    position bigint PRIMARY KEY REFERENCES {schema}.events (position)
);

-- The last link of each partnership's hash chain, so deleting the newest events shows too.
CREATE TABLE IF NOT EXISTS {schema}.chain_heads (
    partnership_id text   PRIMARY KEY,
    position       bigint NOT NULL,
    hash           bytea  NOT NULL
);
