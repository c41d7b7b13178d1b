CREATE TABLE `contact_tags` (
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`user_id`, `name`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
-- Tags used before this table existed keep existing.
INSERT OR IGNORE INTO `contact_tags` (`user_id`, `name`, `created_at`)
SELECT f.`user_id`, j.value, f.`created_at` FROM `friendships` f, json_each(f.`tags`) j;
