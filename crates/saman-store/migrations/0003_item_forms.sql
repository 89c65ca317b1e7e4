-- A tool can name the fillable form behind it (saman_domain::forms).
ALTER TABLE items ADD COLUMN form_key TEXT;
