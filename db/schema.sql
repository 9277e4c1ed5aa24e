-- The database is derived: every table below is rebuilt from the archived raw files
-- (data/archive/, listed in manifest.jsonl) plus the reference files in data/reference/.
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);

-- WIPO ST.3 codes of every office the data may name.
CREATE TABLE offices (
    code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,          -- national, regional or international
    region VARCHAR NOT NULL
);
-- Offices' names in the interface's languages, from data/reference/office-names.csv (one column
-- per language): one row per office and language that the file names.
CREATE TABLE office_name_translations (
    code VARCHAR, lang VARCHAR, name VARCHAR NOT NULL, PRIMARY KEY (code, lang)
);

-- The aggregates published in CWS/13/14 (public), for reconciliation.
CREATE TABLE published_figures (
    section VARCHAR, direction VARCHAR, category VARCHAR, item VARCHAR, code VARCHAR,
    offices INTEGER, base INTEGER, round VARCHAR
);

-- One row per accepted file, in load order: the manifest inside the snapshot.
CREATE TABLE loads (
    seq INTEGER PRIMARY KEY, sha256 VARCHAR NOT NULL, kind VARCHAR NOT NULL,
    original_name VARCHAR, archived_as VARCHAR NOT NULL,
    round VARCHAR, codebook_sha256 VARCHAR, codebook_archived_as VARCHAR,
    rows INTEGER, new_rows INTEGER, corrected_rows INTEGER, unchanged_rows INTEGER,
    loaded_at TIMESTAMP, loaded_by VARCHAR, bundled BOOLEAN NOT NULL
);

CREATE TABLE survey_rounds (
    round VARCHAR PRIMARY KEY, title VARCHAR, fielded_from DATE, fielded_to DATE,
    codebook_sha256 VARCHAR, load_seq INTEGER, bundled BOOLEAN
);
CREATE TABLE survey_questions (
    round VARCHAR, question_id VARCHAR, ord INTEGER, type VARCHAR, text VARCHAR,
    section VARCHAR, direction VARCHAR, PRIMARY KEY (round, question_id)
);
CREATE TABLE survey_options (
    round VARCHAR, question_id VARCHAR, option_code VARCHAR, ord INTEGER, label VARCHAR,
    category VARCHAR, PRIMARY KEY (round, question_id, option_code)
);
CREATE TABLE survey_respondents (round VARCHAR, office VARCHAR, source_row INTEGER,
    PRIMARY KEY (round, office));
-- Long form. status 'no_answer' (left blank) is distinct from value_text 'no'.
-- yes_no: option_code NULL, value_text yes|no. multiple_choice: one row per option,
-- value_text yes (ticked) | no (not ticked). single_choice: option_code = the choice.
-- number: value_num. free_text: value_text.
CREATE TABLE survey_answers (
    round VARCHAR, office VARCHAR, question_id VARCHAR, option_code VARCHAR,
    status VARCHAR NOT NULL, value_text VARCHAR, value_num DOUBLE
);
-- Answer options' labels in the interface's other languages, from the round's codebook
-- (label_fr = "..."): one row per option and language; direction '' for a question without one.
CREATE TABLE codebook_labels (
    round VARCHAR, section VARCHAR, direction VARCHAR, code VARCHAR, lang VARCHAR, label VARCHAR,
    PRIMARY KEY (round, section, direction, code, lang)
);

-- The shared update calendar: who delivers what to whom, how often, with which SLA.
CREATE TABLE delivery_schedule (
    provider VARCHAR, recipient VARCHAR, dataset VARCHAR, frequency VARCHAR,
    grace_days INTEGER, starts DATE, ends DATE, on_time_target DOUBLE, load_seq INTEGER,
    -- Business-day schedules.
    grace_unit VARCHAR DEFAULT 'days',  -- 'days' | 'business_days'
    holiday_calendar VARCHAR            -- ISO country or office code (db/business_days.py); NULL = none
);
-- The business days (weekdays that are not holidays) of each holiday calendar the schedules use,
-- numbered in order ('' = weekends only); rewritten with schedule_calendar (db/business_days.py).
CREATE TABLE business_days (calendar VARCHAR, day DATE, n BIGINT);
CREATE TABLE deliveries (
    provider VARCHAR, recipient VARCHAR, dataset VARCHAR, format VARCHAR, standard VARCHAR,
    scheduled_date DATE, delivered_at TIMESTAMP, records BIGINT, notice_given BOOLEAN,
    notes VARCHAR, load_seq INTEGER
);
CREATE TABLE field_completeness (
    provider VARCHAR, recipient VARCHAR, dataset VARCHAR, scheduled_date DATE,
    field VARCHAR, populated BIGINT,
    source VARCHAR NOT NULL,        -- 'reported' (a completeness file) or 'measured'
    load_seq INTEGER
);

-- ---------------------------------------------------------------- measured from the data
-- Options of a load that are not columns of `loads` (provider, recipient, dataset, scheduled date
-- of an XML batch), as JSON; the manifest carries them so that a rebuild replays the load exactly.
CREATE TABLE load_options (load_seq INTEGER PRIMARY KEY, options VARCHAR NOT NULL);
-- One row per delivered XML batch (ST.36/ST.96), keyed like a delivery; a later batch for the
-- same key replaces the earlier one. `records` is the base of measured completeness
-- (populated / records), so it works without a row in the delivery log.
CREATE TABLE xml_batches (
    load_seq INTEGER PRIMARY KEY, provider VARCHAR, recipient VARCHAR, dataset VARCHAR,
    scheduled_date DATE, original_name VARCHAR, files INTEGER, records BIGINT,
    not_well_formed INTEGER, missing_identifier INTEGER,
    standards VARCHAR,              -- dialects and versions seen, e.g. 'ST.36 v1.6; ST.96 V6_0'
    dialects VARCHAR,               -- dialects seen (field maps' names), e.g. 'EP; US grant'
    lost_documents INTEGER,         -- documents that could not be read to their end (file, line in xml_record_problems)
    incomplete BOOLEAN,             -- true when documents were lost or a document was not well-formed
    office_mismatch VARCHAR,        -- offices of documents other than the provider, with counts, e.g. 'US (3)'
    skipped_links VARCHAR           -- symbolic links left out of a directory batch
);
-- Standard and version seen per file of a batch (a zip may mix them).
CREATE TABLE xml_batch_files (
    load_seq INTEGER, file VARCHAR, standard VARCHAR, version VARCHAR, records BIGINT,
    documents INTEGER,              -- XML documents in the file (USPTO bulk files concatenate many)
    lost_documents INTEGER
);
-- Records that are not well-formed or lack a document identifier, with file and line.
CREATE TABLE xml_record_problems (
    load_seq INTEGER, file VARCHAR, line INTEGER,
    problem VARCHAR,                -- 'not_well_formed' or 'missing_identifier'
    detail VARCHAR
);
-- Every document seen in a delivered batch (the base of ST.37 coverage).
CREATE TABLE delivered_documents (
    load_seq INTEGER, provider VARCHAR, office VARCHAR, publication_number VARCHAR,
    number_key VARCHAR,             -- publication number normalised for matching (see loaders/st37.py)
    kind VARCHAR, publication_date DATE, file VARCHAR, line INTEGER
);
-- ST.37 authority files: one row per file (per office; a new file for an office replaces it) ...
CREATE TABLE authority_files (
    load_seq INTEGER PRIMARY KEY, office VARCHAR, original_name VARCHAR, form VARCHAR,
    entries INTEGER, documents BIGINT
);
-- ... and one row per publication number it lists (ranges expanded).
CREATE TABLE authority_documents (
    load_seq INTEGER, office VARCHAR, publication_number VARCHAR, number_key VARCHAR,
    kind VARCHAR, publication_date DATE,
    exception_code VARCHAR,         -- NULL, or an ST.37 publication exception code
    expected BOOLEAN NOT NULL,      -- false when the exception code says no document exists
    line INTEGER
);

-- Notices (loaders/notices.py): a provider's word that deliveries are or were
-- affected. recipient / dataset NULL = all; starts..ends inclusive; announced_at UTC, NULL = the
-- time of its load (loads.loaded_at). notice_id: a hash of the content, stable across loads.
CREATE TABLE notices (
    notice_id VARCHAR, provider VARCHAR, recipient VARCHAR, dataset VARCHAR,
    starts DATE, ends DATE, kind VARCHAR, text VARCHAR, announced_at TIMESTAMP, load_seq INTEGER
);

-- Review of survey rounds and delivery periods (months) before publication
-- (loaders/review_events.py): every status change, confirmation, contest and answer, one row per
-- event, append-only (a later event never edits an earlier one). Who and when: the load's
-- loaded_by and recorded_at. A round without a status event is 'published' when a bundled file
-- loaded it, else 'draft'; a month without one is 'published' (db/review.py).
CREATE TABLE review_events (
    load_seq INTEGER, source_row INTEGER,
    event VARCHAR NOT NULL,         -- 'status', 'confirm', 'contest' or 'answer'
    round VARCHAR,                  -- the survey round reviewed, or NULL for a period ...
    period VARCHAR,                 -- ... the month 'YYYY-MM' of the scheduled date reviewed
    status VARCHAR,                 -- status: 'draft', 'review' or 'published'
    until DATE,                     -- status review: the end of the review by the offices
    show_provisional BOOLEAN,       -- status review: shown to the public, marked provisional
    office VARCHAR,                 -- confirm, contest: the office whose entries these are
    question_id VARCHAR, option_code VARCHAR,   -- contest: the entry contested
    recipient VARCHAR, dataset VARCHAR,         -- contest of a period: the schedule (office = its provider)
    comment VARCHAR,                -- contest: the office's comment; answer: the reason
    evidence_url VARCHAR,           -- contest: an http(s) address (shown as text, never fetched)
    evidence_file VARCHAR,          -- contest: the evidence file attached, archived as <sha256><ext>
    evidence_name VARCHAR,          -- contest: the name the evidence file was uploaded under (text only)
    contest_id VARCHAR,             -- contest: its id (a hash of its content); answer: the contest answered
    decision VARCHAR,               -- answer: 'accepted' or 'rejected'
    correction_seq INTEGER,         -- answer accepted: the load that corrected the entry, its number here ...
    correction_file VARCHAR,        -- ... found by its archived name (loads.archived_as) when the answer gives it
    recorded_at TIMESTAMP NOT NULL  -- UTC, when the event was recorded
);

-- The last published state of a held-back month (db/held.py): when the secretariat first holds
-- back a month the public has seen (draft or review), the review load copies its delivery rows
-- and its completeness rows (with their record counts) here, and public views read these copies
-- for that month until it is published again (the copies are then dropped).
CREATE TABLE held_periods (
    period VARCHAR PRIMARY KEY,     -- the month 'YYYY-MM'
    held_on DATE NOT NULL,          -- the date of the status event that held it back (UTC)
    load_seq INTEGER                -- the review load that held it back
);
-- The columns of `deliveries`, whatever they become.
CREATE TABLE held_deliveries AS SELECT * FROM deliveries LIMIT 0;
CREATE TABLE held_completeness (
    provider VARCHAR, recipient VARCHAR, dataset VARCHAR, scheduled_date DATE,
    field VARCHAR, source VARCHAR, populated BIGINT, records BIGINT
);

-- Coverage keys (db/coverage_keys.py), kept by the loads of authority files and XML batches in
-- their transaction so that the coverage query joins two tables of distinct documents:
-- one row per (office, number_key, kind, publication year) an authority file lists, expected
-- when any of its entries says a document exists ...
CREATE TABLE authority_keys (office VARCHAR, number_key VARCHAR, kind VARCHAR, year INTEGER, expected BOOLEAN);
-- ... and one row per (office, number_key, kind) delivered in any batch, with its earliest
-- publication date.
CREATE TABLE delivered_keys (office VARCHAR, number_key VARCHAR, kind VARCHAR, first_date DATE);
