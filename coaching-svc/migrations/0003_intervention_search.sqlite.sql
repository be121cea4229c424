-- Full-text search over the intervention log: an FTS5 index kept in step by the store.
CREATE VIRTUAL TABLE interventions_fts USING fts5(search_text, tokenize = 'unicode61 remove_diacritics 2');
