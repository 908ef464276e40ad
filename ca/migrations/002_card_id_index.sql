-- Certificates by card: `onecard-ca list --card-id` and
-- `onecard-ca revoke --card-id` (docs/ca.md, "Cards").
CREATE INDEX certificates_card_id ON certificates (card_id, ca_id) WHERE card_id IS NOT NULL;
