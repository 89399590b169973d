-- Requests of one kind (proposals, moves, absences) one person made in the current hour, counted here
-- so that every replica of the service sees the same count.
CREATE TABLE person_request_counts (
    person_id    uuid        NOT NULL,
    action       text        NOT NULL,
    window_start timestamptz NOT NULL,
    requests     integer     NOT NULL,
    PRIMARY KEY (person_id, action, window_start)
);
