-- A sign-in under way: what the callback must find again (state, nonce, PKCE verifier), for ten minutes at most.
CREATE TABLE sign_in_attempts (
    state         text        PRIMARY KEY,
    nonce         text        NOT NULL,
    code_verifier text        NOT NULL,
    return_to     text        NOT NULL,
    created_at    timestamptz NOT NULL
);

-- A signed-in browser. The cookie holds a random secret; only its SHA-256 is kept, so a leaked table opens nothing.
CREATE TABLE browser_sessions (
    secret_hash      bytea       PRIMARY KEY,
    subject          text        NOT NULL,
    participant_id   uuid,
    name             text        NOT NULL,
    email            text,
    roles            text[]      NOT NULL,
    programs         text[]      NOT NULL,
    access_token     text        NOT NULL,
    access_expires_at timestamptz NOT NULL,
    refresh_token    text,
    id_token         text        NOT NULL,
    locale           text,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL
);
CREATE INDEX browser_sessions_by_participant ON browser_sessions (participant_id);
CREATE INDEX browser_sessions_by_expiry ON browser_sessions (expires_at);
