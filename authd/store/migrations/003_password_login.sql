-- onecard-authd: the password + TOTP login (issue 6, docs/authd-store.md):
-- a login's method, sessions without a card, the acr a token may carry,
-- and the count of failed password logins. Applied once by
-- oc_astore_migrate() after 002_sessions.sql, in a transaction, under the
-- advisory lock every onecard migration takes. Never edit a released
-- migration: add the next.

-- How a login proved who it was. Every row before this migration was a
-- card login.
ALTER TABLE authd_logins ADD COLUMN method text NOT NULL DEFAULT 'card'
	CONSTRAINT authd_logins_method_check CHECK (method IN ('card', 'pwd-otp'));

-- 001 required a card of every success, in a CHECK it left unnamed. Find
-- it by the columns it names (outcome, audience, person_id,
-- enterprise_uscc, card_id: no other CHECK of 001 names exactly these;
-- PostgreSQL calls it authd_logins_check2) rather than trusting the
-- generated name, and refuse to go on unless there is exactly one.
DO $$
DECLARE
	want smallint[];
	found text[];
BEGIN
	SELECT array_agg(attnum ORDER BY attnum) INTO want FROM pg_attribute
		WHERE attrelid = 'authd_logins'::regclass AND NOT attisdropped
		AND attname IN ('outcome', 'audience', 'person_id', 'enterprise_uscc', 'card_id');
	SELECT array_agg(conname::text) INTO found FROM pg_constraint
		WHERE conrelid = 'authd_logins'::regclass AND contype = 'c'
		AND (SELECT array_agg(k ORDER BY k) FROM unnest(conkey) AS k) = want;
	IF want IS NULL OR cardinality(want) <> 5 OR found IS NULL OR cardinality(found) <> 1 THEN
		RAISE EXCEPTION 'authd_logins: 001''s CHECK on a success''s card was not found once (%)',
			COALESCE(array_to_string(found, ', '), 'none');
	END IF;
	EXECUTE format('ALTER TABLE authd_logins DROP CONSTRAINT %I', found[1]);
END
$$;

-- A success names its audience, person and enterprise, and its card
-- unless it was a password login; a password login never has a nonce, a
-- card or a certificate.
ALTER TABLE authd_logins ADD CONSTRAINT authd_logins_success_who
	CHECK (outcome <> 'success' OR (audience IS NOT NULL AND person_id IS NOT NULL
		AND enterprise_uscc IS NOT NULL AND (method = 'pwd-otp' OR card_id IS NOT NULL)));
ALTER TABLE authd_logins ADD CONSTRAINT authd_logins_pwd_otp_cardless
	CHECK (method <> 'pwd-otp' OR (nonce IS NULL AND card_id IS NULL AND certs = '[]'::jsonb));

-- A session without a card is exactly a session of a password login
-- (acr 'pwd-otp'), and it holds no certificate.
ALTER TABLE authd_sessions ALTER COLUMN card_id DROP NOT NULL;
ALTER TABLE authd_sessions ADD CONSTRAINT authd_sessions_card_acr
	CHECK ((card_id IS NULL) = (acr = 'pwd-otp'));
ALTER TABLE authd_sessions ADD CONSTRAINT authd_sessions_cardless_certs
	CHECK (card_id IS NOT NULL OR certs = '[]'::jsonb);

-- 002's guard, with the card compared so that NULL (a password login's)
-- matches NULL: a session belongs to a successful login of the same
-- person, enterprise and card (or no card). The rest is unchanged.
CREATE OR REPLACE FUNCTION authd_sessions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		IF NOT EXISTS (SELECT 1 FROM authd_logins l WHERE l.id = NEW.login_id
			       AND l.outcome = 'success' AND l.person_id = NEW.person_id
			       AND l.enterprise_uscc = NEW.enterprise_uscc
			       AND l.card_id IS NOT DISTINCT FROM NEW.card_id) THEN
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

-- 002's token rules, and two more so that a password login can never
-- become a card token (issue 6: no step-up path): a login's token says
-- acr 'pwd-otp' exactly when the login was a password login, and a token
-- issued from a session (a login's or a grant's) has the session's acr.
CREATE OR REPLACE FUNCTION authd_tokens_origin() RETURNS trigger LANGUAGE plpgsql AS $$
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
	IF NEW.login_id IS NOT NULL AND NOT EXISTS (
		SELECT 1 FROM authd_logins l WHERE l.id = NEW.login_id
		AND (l.method = 'pwd-otp') = (NEW.acr = 'pwd-otp')) THEN
		RAISE EXCEPTION 'a login''s token has the acr of the login''s method'
			USING ERRCODE = 'check_violation', CONSTRAINT = 'authd_tokens_login_acr';
	END IF;
	IF NEW.sid IS NOT NULL AND NOT EXISTS (
		SELECT 1 FROM authd_sessions s WHERE s.sid = NEW.sid AND s.person_id = NEW.sub) THEN
		RAISE EXCEPTION 'a token''s sid names a session of its sub'
			USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'authd_tokens_sid_session';
	END IF;
	IF NEW.sid IS NOT NULL AND NOT EXISTS (
		SELECT 1 FROM authd_sessions s WHERE s.sid = NEW.sid AND s.acr = NEW.acr) THEN
		RAISE EXCEPTION 'a token has its session''s acr'
			USING ERRCODE = 'check_violation', CONSTRAINT = 'authd_tokens_session_acr';
	END IF;
	RETURN NEW;
END
$$;

-- Failed password logins, counted per subject: the lowercase hex SHA-256
-- of the user name as given, so that no name is stored and an unknown
-- name counts as a known one does. One row per subject with a failure
-- since its last success (a success deletes it). Not an audit table: the
-- failures themselves are authd_logins rows. locked_until is set by
-- oc_astore_lockout_fail() from the database's clock.
CREATE TABLE authd_password_failures (
	subject text PRIMARY KEY CONSTRAINT authd_password_failures_subject_check
		CHECK (subject ~ '^[0-9a-f]{64}$'),
	failures integer NOT NULL CHECK (failures >= 1),
	last_failure_at timestamptz NOT NULL DEFAULT now(),
	locked_until timestamptz,
	CONSTRAINT authd_password_failures_lock_check
		CHECK (locked_until IS NULL OR locked_until > last_failure_at)
);
