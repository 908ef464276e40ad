-- onecard-authd: SSO sessions, their end events, token grants
-- (docs/sso.md, docs/authd-store.md). Applied once by oc_astore_migrate()
-- after 001_audit.sql, in a transaction, under the advisory lock every
-- onecard migration takes. Never edit a released migration: add the next.
-- The length limits repeat the named maxima of authd/store/astore.h.

-- The open SSO sessions: one per successful login that opened one. Only
-- the SHA-256 of the session credential is kept. A row changes in two
-- ways only: its last use moves forward while it is live, and it ends
-- once (end time and reason, never undone). Rows go once they are past
-- (oc_astore_purge_sessions); authd_session_events and authd_grants keep
-- the history.
CREATE TABLE authd_sessions (
	sid text PRIMARY KEY CONSTRAINT authd_sessions_sid_check
		CHECK (sid ~ '^[A-Za-z0-9_-]{16,64}$'),
	secret_hash bytea NOT NULL UNIQUE CONSTRAINT authd_sessions_secret_hash_check
		CHECK (octet_length(secret_hash) = 32),
	login_id bigint NOT NULL UNIQUE REFERENCES authd_logins (id),
	person_id text NOT NULL CHECK (octet_length(person_id) BETWEEN 1 AND 64),
	enterprise_uscc text NOT NULL CHECK (octet_length(enterprise_uscc) BETWEEN 1 AND 18),
	card_id text NOT NULL CHECK (octet_length(card_id) BETWEEN 1 AND 64),
	acr text NOT NULL CHECK (octet_length(acr) BETWEEN 1 AND 32),
	-- A JSON array of strings (["sc", "pin"]).
	amr jsonb NOT NULL CONSTRAINT authd_sessions_amr_check
		CHECK (jsonb_typeof(amr) = 'array'
		       AND NOT jsonb_path_exists(amr, '$[*] ? (@.type() != "string")', '{}', true)),
	-- One object per certificate the login proved (agency, sha256, der).
	certs jsonb NOT NULL CONSTRAINT authd_sessions_certs_check
		CHECK (jsonb_typeof(certs) = 'array'),
	created_at timestamptz NOT NULL DEFAULT now(),
	-- created_at + the absolute timeout (at most 366 days, in seconds so
	-- that no time zone's daylight saving counts: OC_ASTORE_SESSION_TIMEOUT_MAX).
	expires_at timestamptz NOT NULL,
	-- Seconds without a use after which the session is idle.
	idle_timeout integer NOT NULL CHECK (idle_timeout BETWEEN 1 AND 31622400),
	last_used_at timestamptz NOT NULL DEFAULT now(),
	ended_at timestamptz,
	end_reason text CHECK (end_reason ~ '^[a-z][a-z0-9_]{0,63}$'),
	CONSTRAINT authd_sessions_ended_check CHECK ((ended_at IS NULL) = (end_reason IS NULL)),
	CONSTRAINT authd_sessions_absolute_check
		CHECK (expires_at > created_at AND expires_at <= created_at + interval '31622400 seconds'),
	CONSTRAINT authd_sessions_idle_check
		CHECK (created_at + idle_timeout * interval '1 second' <= expires_at),
	CHECK (last_used_at >= created_at),
	CHECK (ended_at >= created_at)
);

-- A session belongs to a successful login of the same person, enterprise
-- and card (inserted in that login's transaction). Once written, only
-- last_used_at (forward, while not ended), ended_at and end_reason (once,
-- from NULL) change.
CREATE FUNCTION authd_sessions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		IF NOT EXISTS (SELECT 1 FROM authd_logins l WHERE l.id = NEW.login_id
			       AND l.outcome = 'success' AND l.person_id = NEW.person_id
			       AND l.enterprise_uscc = NEW.enterprise_uscc
			       AND l.card_id = NEW.card_id) THEN
			RAISE EXCEPTION 'a session belongs to a successful login of its person, enterprise and card'
				USING ERRCODE = 'foreign_key_violation',
				      CONSTRAINT = 'authd_sessions_login_success';
		END IF;
		IF NEW.ended_at IS NOT NULL THEN
			RAISE EXCEPTION 'a session starts live'
				USING ERRCODE = 'check_violation',
				      CONSTRAINT = 'authd_sessions_starts_live';
		END IF;
		RETURN NEW;
	END IF;
	IF (NEW.sid, NEW.secret_hash, NEW.login_id, NEW.person_id, NEW.enterprise_uscc,
	    NEW.card_id, NEW.acr, NEW.amr, NEW.certs, NEW.created_at, NEW.expires_at,
	    NEW.idle_timeout)
	   IS DISTINCT FROM
	   (OLD.sid, OLD.secret_hash, OLD.login_id, OLD.person_id, OLD.enterprise_uscc,
	    OLD.card_id, OLD.acr, OLD.amr, OLD.certs, OLD.created_at, OLD.expires_at,
	    OLD.idle_timeout) THEN
		RAISE EXCEPTION 'authd_sessions: only the last use and the end of a session change'
			USING ERRCODE = 'check_violation', CONSTRAINT = 'authd_sessions_immutable';
	END IF;
	IF OLD.ended_at IS NOT NULL AND (NEW.ended_at IS DISTINCT FROM OLD.ended_at
					 OR NEW.end_reason IS DISTINCT FROM OLD.end_reason
					 OR NEW.last_used_at IS DISTINCT FROM OLD.last_used_at) THEN
		RAISE EXCEPTION 'authd_sessions: an ended session stays as it ended'
			USING ERRCODE = 'check_violation', CONSTRAINT = 'authd_sessions_end_final';
	END IF;
	IF NEW.last_used_at < OLD.last_used_at THEN
		RAISE EXCEPTION 'authd_sessions: the last use never moves back'
			USING ERRCODE = 'check_violation', CONSTRAINT = 'authd_sessions_last_use_forward';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER authd_sessions_guard BEFORE INSERT OR UPDATE ON authd_sessions
	FOR EACH ROW EXECUTE FUNCTION authd_sessions_guard();

-- Every session ended (logout, revoke, a certificate revoked, a card
-- suspended...): which instance ended it, for whom, why. Append-only; no
-- foreign key, as sessions are purged and their events stay.
CREATE TABLE authd_session_events (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at timestamptz NOT NULL DEFAULT now(),
	instance text NOT NULL CHECK (instance ~ '^[A-Za-z0-9._:-]{1,64}$'),
	remote_addr text CHECK (octet_length(remote_addr) BETWEEN 1 AND 64),
	sid text NOT NULL CHECK (sid ~ '^[A-Za-z0-9_-]{16,64}$'),
	reason text NOT NULL CHECK (reason ~ '^[a-z][a-z0-9_]{0,63}$')
);
CREATE INDEX authd_session_events_at ON authd_session_events (at);
CREATE INDEX authd_session_events_sid ON authd_session_events (sid);

-- Every token request at POST /v1/token (refresh or exchange), whatever
-- its outcome. Append-only. A success names its token (jti) and its
-- session; nothing else has a jti.
CREATE TABLE authd_grants (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at timestamptz NOT NULL DEFAULT now(),
	instance text NOT NULL CHECK (instance ~ '^[A-Za-z0-9._:-]{1,64}$'),
	remote_addr text CHECK (octet_length(remote_addr) BETWEEN 1 AND 64),
	grant_type text NOT NULL CHECK (grant_type IN ('refresh_token', 'token_exchange')),
	subject_type text CHECK (subject_type IN ('refresh_token', 'access_token')),
	sid text CHECK (sid ~ '^[A-Za-z0-9_-]{16,64}$'),
	audience text CHECK (octet_length(audience) BETWEEN 1 AND 255),
	outcome text NOT NULL CHECK (outcome IN ('success', 'refused', 'error')),
	reason text CHECK (reason ~ '^[a-z][a-z0-9_]{0,63}$'),
	detail text CHECK (octet_length(detail) BETWEEN 1 AND 512),
	jti text UNIQUE,
	CHECK ((outcome = 'success') = (reason IS NULL)),
	CHECK ((outcome = 'success') = (jti IS NOT NULL)),
	CHECK (grant_type = 'token_exchange' OR subject_type IS NULL),
	CHECK (outcome <> 'success' OR (audience IS NOT NULL AND sid IS NOT NULL
		AND (grant_type = 'refresh_token' OR subject_type IS NOT NULL)))
);
CREATE INDEX authd_grants_at ON authd_grants (at);
CREATE INDEX authd_grants_sid ON authd_grants (sid, at) WHERE sid IS NOT NULL;

-- A token comes from a login (001) or from a grant, never both, and
-- carries the sid of the session it was issued from (NULL for none).
ALTER TABLE authd_tokens ALTER COLUMN login_id DROP NOT NULL;
ALTER TABLE authd_tokens ADD COLUMN grant_id bigint UNIQUE REFERENCES authd_grants (id);
ALTER TABLE authd_tokens ADD COLUMN sid text
	CONSTRAINT authd_tokens_sid_check CHECK (sid ~ '^[A-Za-z0-9_-]{16,64}$');
ALTER TABLE authd_tokens ADD CONSTRAINT authd_tokens_one_origin
	CHECK ((login_id IS NULL) <> (grant_id IS NULL));
ALTER TABLE authd_tokens ADD CONSTRAINT authd_tokens_grant_sid
	CHECK (grant_id IS NULL OR sid IS NOT NULL);
CREATE INDEX authd_tokens_sid ON authd_tokens (sid) WHERE sid IS NOT NULL;

-- A grant's jti names a token row of the same transaction (checked at
-- COMMIT, as the grant row is written first).
ALTER TABLE authd_grants ADD CONSTRAINT authd_grants_jti_token FOREIGN KEY (jti)
	REFERENCES authd_tokens (jti) DEFERRABLE INITIALLY DEFERRED;

-- A new token row matches where it came from: a grant's token has the
-- grant's jti, sid and audience; a token with a sid names a session of its
-- sub (written before it, in the same transaction for a login).
CREATE FUNCTION authd_tokens_origin() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.grant_id IS NOT NULL AND NOT EXISTS (
		SELECT 1 FROM authd_grants g WHERE g.id = NEW.grant_id AND g.jti = NEW.jti
		AND g.sid = NEW.sid AND g.audience = NEW.aud) THEN
		RAISE EXCEPTION 'a token matches its grant (jti, sid, audience)'
			USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'authd_tokens_grant_match';
	END IF;
	IF NEW.login_id IS NOT NULL AND NOT EXISTS (
		SELECT 1 FROM authd_logins l WHERE l.id = NEW.login_id AND l.jti = NEW.jti) THEN
		RAISE EXCEPTION 'a token matches its login (jti)'
			USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'authd_tokens_login_match';
	END IF;
	IF NEW.sid IS NOT NULL AND NOT EXISTS (
		SELECT 1 FROM authd_sessions s WHERE s.sid = NEW.sid AND s.person_id = NEW.sub) THEN
		RAISE EXCEPTION 'a token''s sid names a session of its sub'
			USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'authd_tokens_sid_session';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER authd_tokens_origin BEFORE INSERT ON authd_tokens
	FOR EACH ROW EXECUTE FUNCTION authd_tokens_origin();

CREATE TRIGGER authd_session_events_append_only BEFORE UPDATE OR DELETE ON authd_session_events
	FOR EACH ROW EXECUTE FUNCTION authd_append_only();
CREATE TRIGGER authd_session_events_no_truncate BEFORE TRUNCATE ON authd_session_events
	FOR EACH STATEMENT EXECUTE FUNCTION authd_append_only();
CREATE TRIGGER authd_grants_append_only BEFORE UPDATE OR DELETE ON authd_grants
	FOR EACH ROW EXECUTE FUNCTION authd_append_only();
CREATE TRIGGER authd_grants_no_truncate BEFORE TRUNCATE ON authd_grants
	FOR EACH STATEMENT EXECUTE FUNCTION authd_append_only();
