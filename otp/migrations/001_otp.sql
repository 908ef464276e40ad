-- onecard TOTP secrets (docs/otp.md): one row per enrolled person, the
-- secret sealed with AES-256-GCM by the program (never in clear here),
-- and the last accepted time step for the replay rule. Applied by
-- oc_otp_store_migrate() under the advisory lock every onecard migration
-- takes; recorded in authd_otp_schema_migrations with its SHA-256. Never
-- edit a migration that has been released: add a new file with the next
-- number. The limits repeat the named maxima of otp/otp.h.

CREATE TABLE authd_otp (
	person_id text PRIMARY KEY CHECK (person_id ~ '^[A-Za-z0-9._-]{1,64}$'),
	-- version 1 | key id (4) | nonce (12) | ciphertext (16..64) | tag (16)
	blob bytea NOT NULL CHECK (octet_length(blob) BETWEEN 49 AND 97
		AND get_byte(blob, 0) = 1),
	algorithm text NOT NULL CHECK (algorithm IN ('sha1', 'sha256')),
	digits smallint NOT NULL CHECK (digits IN (6, 8)),
	created_at timestamptz NOT NULL DEFAULT now(),
	-- The newest TOTP time step accepted (floor(unix time / 30)); a code
	-- of this step or an older one is refused. NULL: none accepted yet.
	last_step bigint CHECK (last_step >= 0),
	last_used_at timestamptz,
	CHECK ((last_step IS NULL) = (last_used_at IS NULL))
);
