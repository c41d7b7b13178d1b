CREATE TABLE `direct_rules` (
	`sender_id` text PRIMARY KEY NOT NULL,
	`refusal` text,
	`synced_at` integer NOT NULL
);
