-- The database is derived: every table below is rebuilt from the archived raw files
-- (data/archive/, listed in manifest.jsonl) plus the reference files in data/reference/.
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);

-- WIPO ST.3 codes of every office the data may name.
CREATE TABLE offices (
    code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,          -- national, regional or international
    region VARCHAR NOT NULL
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

-- The shared update calendar: who delivers what to whom, how often, with which SLA.
CREATE TABLE delivery_schedule (
    provider VARCHAR, recipient VARCHAR, dataset VARCHAR, frequency VARCHAR,
    grace_days INTEGER, starts DATE, ends DATE, on_time_target DOUBLE, load_seq INTEGER
);
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
