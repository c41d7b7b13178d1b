-- Message search (docs/search.md): one FTS5 row per searchable message, rowid = seq. `terms` is
-- the message text as worker/lib/search-terms.ts writes it (CJK runs as overlapping bigrams plus
-- the run's last character, other words as they are), so 1- and 2-character Chinese queries are
-- index lookups too; unicode61 folds case and accents.
CREATE VIRTUAL TABLE `message_search` USING fts5(`terms`, tokenize = 'unicode61 remove_diacritics 2');
--> statement-breakpoint
-- Messages stored before this migration, indexed on first use in batches: next_seq..end_seq.
CREATE TABLE `search_backfill` (
	`id` integer PRIMARY KEY NOT NULL,
	`next_seq` integer NOT NULL,
	`end_seq` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `search_backfill` (`id`, `next_seq`, `end_seq`) SELECT 1, 1, coalesce(max(`seq`), 0) FROM `messages`;
