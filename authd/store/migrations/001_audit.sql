-- onecard-authd: single-use challenge nonces and the audit trail
-- (docs/authd-store.md). Applied once by oc_astore_migrate(), in a
-- transaction, under the advisory lock every onecard migration takes;
-- recorded in authd_schema_migrations with its SHA-256. Never edit a
-- migration that has been released: add a new file with the next number.
-- Every table is prefixed authd_: the CA's tables share the database.
-- The length limits repeat the named maxima of authd/store/astore.h.

CREATE FUNCTION authd_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% rows are never changed or removed', TG_TABLE_NAME;
END
$$;

-- Every challenge issued (POST /v1/challenge). Append-only.
CREATE TABLE authd_challenges (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at timestamptz NOT NULL DEFAULT now(),
	instance text NOT NULL CHECK (instance ~ '^[A-Za-z0-9._:-]{1,64}$'),
	remote_addr text CHECK (octet_length(remote_addr) BETWEEN 1 AND 64),
	audience text NOT NULL CHECK (octet_length(audience) BETWEEN 1 AND 255),
	nonce text NOT NULL CHECK (nonce ~ '^([0-9a-f]{2}){16,64}$'),
	expires_at timestamptz NOT NULL
);
CREATE INDEX authd_challenges_at ON authd_challenges (at);
CREATE INDEX authd_challenges_nonce ON authd_challenges (nonce);

-- The nonces used: the primary key is the single-use rule across every
-- instance. Rows go once their challenge has expired
-- (oc_astore_purge_nonces); authd_logins.nonce keeps them for good.
CREATE TABLE authd_nonces (
	nonce text PRIMARY KEY CHECK (nonce ~ '^([0-9a-f]{2}){16,64}$'),
	expires_at timestamptz NOT NULL,
	used_at timestamptz NOT NULL DEFAULT now(),
	instance text NOT NULL CHECK (instance ~ '^[A-Za-z0-9._:-]{1,64}$')
);
CREATE INDEX authd_nonces_expires_at ON authd_nonces (expires_at);

-- Every login attempt (POST /v1/login), whatever its outcome.
-- Append-only. A success names its token (jti); nothing else does.
CREATE TABLE authd_logins (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at timestamptz NOT NULL DEFAULT now(),
	instance text NOT NULL CHECK (instance ~ '^[A-Za-z0-9._:-]{1,64}$'),
	remote_addr text CHECK (octet_length(remote_addr) BETWEEN 1 AND 64),
	audience text CHECK (octet_length(audience) BETWEEN 1 AND 255),
	outcome text NOT NULL CHECK (outcome IN ('success', 'refused', 'error')),
	reason text CHECK (reason ~ '^[a-z][a-z0-9_]{0,63}$'),
	detail text CHECK (octet_length(detail) BETWEEN 1 AND 512),
	nonce text UNIQUE CHECK (nonce ~ '^([0-9a-f]{2}){16,64}$'),
	person_id text CHECK (octet_length(person_id) BETWEEN 1 AND 64),
	enterprise_uscc text CHECK (octet_length(enterprise_uscc) BETWEEN 1 AND 18),
	card_id text CHECK (octet_length(card_id) BETWEEN 1 AND 64),
	certs jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(certs) = 'array'),
	jti text UNIQUE,
	CHECK ((outcome = 'success') = (reason IS NULL)),
	CHECK ((outcome = 'success') = (jti IS NOT NULL)),
	CHECK (outcome <> 'success' OR (audience IS NOT NULL AND person_id IS NOT NULL
		AND enterprise_uscc IS NOT NULL AND card_id IS NOT NULL))
);
CREATE INDEX authd_logins_at ON authd_logins (at);
CREATE INDEX authd_logins_person ON authd_logins (person_id, at) WHERE person_id IS NOT NULL;
CREATE INDEX authd_logins_card ON authd_logins (card_id, at) WHERE card_id IS NOT NULL;

-- Every token issued: its claims, never the token. Append-only.
CREATE TABLE authd_tokens (
	jti text PRIMARY KEY CHECK (jti ~ '^[A-Za-z0-9_-]{1,128}$'),
	login_id bigint NOT NULL UNIQUE REFERENCES authd_logins (id),
	sub text NOT NULL CHECK (octet_length(sub) BETWEEN 1 AND 64),
	aud text NOT NULL CHECK (octet_length(aud) BETWEEN 1 AND 255),
	kid text NOT NULL CHECK (octet_length(kid) BETWEEN 1 AND 128),
	acr text NOT NULL CHECK (octet_length(acr) BETWEEN 1 AND 32),
	iat timestamptz NOT NULL,
	exp timestamptz NOT NULL,
	CHECK (exp > iat)
);

-- A success's jti names a token row of the same transaction (checked at
-- COMMIT, as the login row is written first).
ALTER TABLE authd_logins ADD CONSTRAINT authd_logins_jti_token FOREIGN KEY (jti)
	REFERENCES authd_tokens (jti) DEFERRABLE INITIALLY DEFERRED;

CREATE TRIGGER authd_challenges_append_only BEFORE UPDATE OR DELETE ON authd_challenges
	FOR EACH ROW EXECUTE FUNCTION authd_append_only();
CREATE TRIGGER authd_challenges_no_truncate BEFORE TRUNCATE ON authd_challenges
	FOR EACH STATEMENT EXECUTE FUNCTION authd_append_only();
CREATE TRIGGER authd_logins_append_only BEFORE UPDATE OR DELETE ON authd_logins
	FOR EACH ROW EXECUTE FUNCTION authd_append_only();
CREATE TRIGGER authd_logins_no_truncate BEFORE TRUNCATE ON authd_logins
	FOR EACH STATEMENT EXECUTE FUNCTION authd_append_only();
CREATE TRIGGER authd_tokens_append_only BEFORE UPDATE OR DELETE ON authd_tokens
	FOR EACH ROW EXECUTE FUNCTION authd_append_only();
CREATE TRIGGER authd_tokens_no_truncate BEFORE TRUNCATE ON authd_tokens
	FOR EACH STATEMENT EXECUTE FUNCTION authd_append_only();
