-- Full-text search over the intervention log: a Dutch text-search vector with a GIN index.
ALTER TABLE interventions ADD COLUMN search_vector tsvector;
CREATE INDEX interventions_search ON interventions USING GIN (search_vector);
