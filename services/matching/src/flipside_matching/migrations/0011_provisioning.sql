-- People an HR system provisions: the SCIM resource as the identity provider set it (GET returns it, its version
-- is the ETag), and what each CSV import last sent per employee id (a re-upload changes only what changed).
-- Both hold personal data: an erasure deletes the person's rows.
CREATE TABLE scim_users (
    participant_id uuid PRIMARY KEY,
    user_name text NOT NULL,
    external_id text,
    resource jsonb NOT NULL,
    standing text NOT NULL CHECK (standing IN ('waiting', 'enrolled', 'withdrawn')),
    version integer NOT NULL,
    created_at timestamptz NOT NULL,
    modified_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX scim_users_user_name ON scim_users (lower(user_name));
CREATE INDEX scim_users_external_id ON scim_users (external_id);

CREATE TABLE imported_people (
    employee_id text PRIMARY KEY,
    participant_id uuid NOT NULL UNIQUE,
    program_id text NOT NULL,
    profile jsonb NOT NULL,
    imported_at timestamptz NOT NULL
);
