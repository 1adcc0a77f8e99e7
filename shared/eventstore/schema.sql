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

-- One append of a batch in one round trip (shared/eventstore/postgres.py): the store links
-- the rows (positions, hash chain) on what it saw at its last commit, and this checks those
-- assumptions under the append lock (the last position, the streams' versions, the chains'
-- heads, no event id stored, no key yet for a subject it made one for, each other key it
-- sealed with still stored) before it inserts the subjects' new keys ({keys}.subject_keys,
-- shared/personal_data.py), the events, their outbox rows and the new heads. False, with
-- nothing written, when one does not hold: the store then checks and inserts the batch step
-- by step in a transaction of its own. The events' parameters are the columns of rows.py's
-- COLUMNS, in order. The keys it sealed with that were stored (c_*: kept by the store or
-- read before the call) are held from erasure until this commits (personal_data.KEY_LOCK),
-- before they are checked: no text is stored sealed with a key an erasure deleted.
-- (Before the c_* parameters, the function had the same name without them.)
DROP FUNCTION IF EXISTS {schema}.append_linked(
    bigint, text[], int[], text[], bytea[], text[], text[], uuid[], bytea[], bigint[], uuid[], text[], int[], text[],
    int[], text[], text[], timestamptz[], timestamptz[], uuid[], uuid[], jsonb[], jsonb[], bytea[], bytea[], text[],
    bigint[], bytea[]);
CREATE OR REPLACE FUNCTION {schema}.append_linked(
    p_after bigint, p_streams text[], p_versions int[], p_partnerships text[], p_prevs bytea[],
    k_partnership_id text[], k_subject text[], k_key_id uuid[], k_key bytea[],
    c_partnership_id text[], c_subject text[], c_key_id uuid[],
    e_position bigint[],
    e_event_id uuid[],
    e_stream_id text[],
    e_stream_version int[],
    e_event_type text[],
    e_schema_version int[],
    e_partnership_id text[],
    e_actor text[],
    e_occurred_at timestamptz[],
    e_recorded_at timestamptz[],
    e_correlation_id uuid[],
    e_causation_id uuid[],
    e_trace_context jsonb[],
    e_payload jsonb[],
    e_prev_hash bytea[],
    e_hash bytea[],
    h_partnership_id text[], h_position bigint[], h_hash bytea[]
) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE {schema}.events IN EXCLUSIVE MODE;
    -- A statement of its own, so that the check below sees an erasure this waited for.
    PERFORM count(*) FROM (SELECT {key_lock} FROM unnest(c_partnership_id, c_subject) AS c(p, s)) AS locked;
    -- Each check probes a unique index once per element, in a scalar subquery, which the
    -- planner does not turn into a join: PL/pgSQL keeps a statement's generic plan for the
    -- session, and one planned while the tables were small (a join, scanning them whole)
    -- was kept as they grew, until autovacuum analysed them (docs/performance.md, "The
    -- append's checks: an index probe each, however the plan was made").
    IF (SELECT coalesce(max(position), 0) FROM {schema}.events) <> p_after
        OR EXISTS (
            SELECT 1 FROM unnest(e_event_id) AS x(id)
            WHERE (SELECT e.position FROM {schema}.events e WHERE e.event_id = x.id) IS NOT NULL)
        OR EXISTS (
            SELECT 1 FROM unnest(p_streams, p_versions) AS w(stream, version)
            WHERE coalesce((SELECT max(e.stream_version) FROM {schema}.events e WHERE e.stream_id = w.stream), 0) <> w.version)
        OR EXISTS (
            SELECT 1 FROM unnest(p_partnerships, p_prevs) AS h(partnership, prev)
            WHERE (SELECT c.hash FROM {schema}.chain_heads c WHERE c.partnership_id = h.partnership) IS DISTINCT FROM h.prev)
        OR EXISTS (
            SELECT 1 FROM unnest(k_partnership_id, k_subject) AS k(partnership, subject)
            WHERE (SELECT s.key_id FROM {keys}.subject_keys s WHERE s.partnership_id = k.partnership AND s.subject = k.subject)
                IS NOT NULL)
        OR EXISTS (
            SELECT 1 FROM unnest(c_partnership_id, c_subject, c_key_id) AS c(partnership, subject, key_id)
            WHERE (SELECT s.key_id FROM {keys}.subject_keys s WHERE s.partnership_id = c.partnership AND s.subject = c.subject)
                IS DISTINCT FROM c.key_id)
    THEN
        RETURN false;
    END IF;
    -- No ON CONFLICT: a key another process made meanwhile fails the call, which the store
    -- takes as a false (its sealed texts must be under the key that is stored).
    INSERT INTO {keys}.subject_keys (partnership_id, subject, key_id, key)
        SELECT * FROM unnest(k_partnership_id, k_subject, k_key_id, k_key);
    INSERT INTO {schema}.events (position, event_id, stream_id, stream_version, event_type, schema_version, partnership_id, actor, occurred_at, recorded_at, correlation_id, causation_id, trace_context, payload, prev_hash, hash)
        SELECT * FROM unnest(e_position, e_event_id, e_stream_id, e_stream_version, e_event_type, e_schema_version, e_partnership_id, e_actor, e_occurred_at, e_recorded_at, e_correlation_id, e_causation_id, e_trace_context, e_payload, e_prev_hash, e_hash);
    INSERT INTO {schema}.outbox (position) SELECT unnest(e_position);
    INSERT INTO {schema}.chain_heads (partnership_id, position, hash)
        SELECT * FROM unnest(h_partnership_id, h_position, h_hash)
        ON CONFLICT (partnership_id) DO UPDATE SET position = excluded.position, hash = excluded.hash;
    RETURN true;
END $$;
