-- onecard-ca inventory and audit trail (docs/ca.md).
-- Applied once by onecard-ca, in a transaction, under an advisory lock;
-- recorded in schema_migrations with its SHA-256. Never edit a migration
-- that has been released: add a new file with the next number.

-- The CA certificates: each home's root and card-issuing CA.
CREATE TABLE cas (
	id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	role text NOT NULL CHECK (role IN ('root', 'card')),
	issuer_id integer REFERENCES cas (id),
	name text NOT NULL,
	alg text NOT NULL CHECK (alg IN ('ec', 'rsa', 'sm2')),
	subject text NOT NULL,
	serial text NOT NULL CHECK (serial ~ '^([0-9A-F]{2}){1,20}$'),
	sha256 text NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
	not_before timestamptz NOT NULL,
	not_after timestamptz NOT NULL CHECK (not_after > not_before),
	der bytea NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	CHECK ((role = 'root') = (issuer_id IS NULL))
);

-- Every end-entity certificate issued, valid or revoked. Rows are never
-- deleted; the only change is status valid -> revoked.
CREATE TABLE certificates (
	serial text PRIMARY KEY CHECK (serial ~ '^([0-9A-F]{2}){1,20}$'),
	ca_id integer NOT NULL REFERENCES cas (id),
	profile text NOT NULL,
	subject text NOT NULL,
	issuer text NOT NULL,
	not_before timestamptz NOT NULL,
	not_after timestamptz NOT NULL CHECK (not_after > not_before),
	der bytea NOT NULL,
	sha256 text NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
	status text NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'revoked')),
	card_id text,
	label text,
	issued_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX certificates_ca_id ON certificates (ca_id, issued_at);

CREATE TABLE revocations (
	serial text PRIMARY KEY REFERENCES certificates (serial),
	reason text NOT NULL CHECK (reason IN ('unspecified', 'keyCompromise',
		'affiliationChanged', 'superseded', 'cessationOfOperation', 'privilegeWithdrawn')),
	revoked_at timestamptz NOT NULL DEFAULT now()
);

-- CRLs as issued; numbers rise by one per CA.
CREATE TABLE crls (
	ca_id integer NOT NULL REFERENCES cas (id),
	number bigint NOT NULL CHECK (number > 0),
	this_update timestamptz NOT NULL,
	next_update timestamptz NOT NULL CHECK (next_update > this_update),
	der bytea NOT NULL,
	PRIMARY KEY (ca_id, number)
);

-- What was done, by whom, with what result. Append-only.
CREATE TABLE audit (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at timestamptz NOT NULL DEFAULT now(),
	actor text NOT NULL,
	action text NOT NULL,
	ca_id integer REFERENCES cas (id),
	serial text,
	result text NOT NULL,
	detail jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(detail) = 'object')
);
CREATE INDEX audit_serial ON audit (serial);

CREATE FUNCTION onecard_ca_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% rows are never changed or removed', TG_TABLE_NAME;
END
$$;

CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
	FOR EACH ROW EXECUTE FUNCTION onecard_ca_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
	FOR EACH STATEMENT EXECUTE FUNCTION onecard_ca_append_only();
CREATE TRIGGER revocations_append_only BEFORE UPDATE OR DELETE ON revocations
	FOR EACH ROW EXECUTE FUNCTION onecard_ca_append_only();
CREATE TRIGGER crls_append_only BEFORE UPDATE OR DELETE ON crls
	FOR EACH ROW EXECUTE FUNCTION onecard_ca_append_only();
CREATE TRIGGER cas_append_only BEFORE UPDATE OR DELETE ON cas
	FOR EACH ROW EXECUTE FUNCTION onecard_ca_append_only();

-- A certificate row changes once: status valid -> revoked, nothing else.
CREATE FUNCTION onecard_ca_certificate_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'certificates rows are never removed';
	END IF;
	IF OLD.status <> 'valid' OR NEW.status <> 'revoked'
	   OR (NEW.serial, NEW.ca_id, NEW.profile, NEW.subject, NEW.issuer, NEW.not_before,
	       NEW.not_after, NEW.der, NEW.sha256, NEW.card_id, NEW.label, NEW.issued_at)
	      IS DISTINCT FROM
	      (OLD.serial, OLD.ca_id, OLD.profile, OLD.subject, OLD.issuer, OLD.not_before,
	       OLD.not_after, OLD.der, OLD.sha256, OLD.card_id, OLD.label, OLD.issued_at) THEN
		RAISE EXCEPTION 'a certificates row changes only from valid to revoked';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER certificates_guard BEFORE UPDATE OR DELETE ON certificates
	FOR EACH ROW EXECUTE FUNCTION onecard_ca_certificate_guard();
CREATE TRIGGER certificates_no_truncate BEFORE TRUNCATE ON certificates
	FOR EACH STATEMENT EXECUTE FUNCTION onecard_ca_append_only();
