CREATE TABLE `conversations` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`avatar_media_id` text,
	`direct_key` text,
	`created_by` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	`member_count` integer DEFAULT 0 NOT NULL,
	`last_seq` integer DEFAULT 0 NOT NULL,
	`last_message_at` integer,
	`last_preview` text,
	`mute_all` integer DEFAULT false NOT NULL,
	`dissolved_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `conversations_direct_uq` ON `conversations` (`direct_key`);--> statement-breakpoint
CREATE TABLE `memberships` (
	`conversation_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text DEFAULT 'member' NOT NULL,
	`nickname` text DEFAULT '' NOT NULL,
	`joined_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	`visible_from_seq` integer DEFAULT 1 NOT NULL,
	`read_seq` integer DEFAULT 0 NOT NULL,
	`muted_until` integer,
	`pinned` integer DEFAULT false NOT NULL,
	`do_not_disturb` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`conversation_id`, `user_id`),
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `memberships_user_idx` ON `memberships` (`user_id`);