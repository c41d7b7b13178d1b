CREATE TABLE `conversation_summaries` (
	`conversation_id` text PRIMARY KEY NOT NULL,
	`last_seq` integer DEFAULT 0 NOT NULL,
	`last_message_at` integer,
	`last_preview` text
);
--> statement-breakpoint
CREATE INDEX `conversation_summaries_active_idx` ON `conversation_summaries` (`last_message_at`);--> statement-breakpoint
CREATE TABLE `member_reads` (
	`conversation_id` text NOT NULL,
	`user_id` text NOT NULL,
	`read_seq` integer DEFAULT 0 NOT NULL,
	`marked_unread` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`conversation_id`, `user_id`)
);
--> statement-breakpoint
CREATE INDEX `member_reads_user_idx` ON `member_reads` (`user_id`);