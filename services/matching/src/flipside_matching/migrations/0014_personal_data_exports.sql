-- A person's exports (the right of access): the request, and the pieces of each service's part as they arrive.
-- Both go when the export expires or the person is erased.
CREATE TABLE personal_data_exports (
    export_id      uuid        PRIMARY KEY,
    participant_id uuid        NOT NULL,
    requested_at   timestamptz NOT NULL,
    answer_by      timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL
);
CREATE INDEX personal_data_exports_by_participant ON personal_data_exports (participant_id);
CREATE INDEX personal_data_exports_by_expiry ON personal_data_exports (expires_at);

CREATE TABLE personal_data_export_pieces (
    export_id uuid    NOT NULL REFERENCES personal_data_exports ON DELETE CASCADE,
    service   text    NOT NULL,
    piece     integer NOT NULL,
    pieces    integer NOT NULL,
    document  text    NOT NULL,
    PRIMARY KEY (export_id, service, piece)
);
