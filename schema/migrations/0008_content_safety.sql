CREATE TABLE `content_flags` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`kind` text NOT NULL,
	`suggest` text NOT NULL,
	`source` text NOT NULL,
	`label` text DEFAULT '' NOT NULL,
	`text` text DEFAULT '' NOT NULL,
	`conversation_id` text,
	`seq` integer,
	`media_id` text,
	`trace_id` text,
	`status` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	`resolved_by` text,
	`resolved_at` integer
);
--> statement-breakpoint
CREATE INDEX `content_flags_status_idx` ON `content_flags` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `content_flags_user_idx` ON `content_flags` (`user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `media_checks` (
	`trace_id` text PRIMARY KEY NOT NULL,
	`media_id` text NOT NULL,
	`user_id` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	`decided_at` integer
);
--> statement-breakpoint
CREATE INDEX `media_checks_media_idx` ON `media_checks` (`media_id`);--> statement-breakpoint
CREATE TABLE `moderation_log` (
	`id` text PRIMARY KEY NOT NULL,
	`operator_id` text NOT NULL,
	`action` text NOT NULL,
	`target_user_id` text,
	`conversation_id` text,
	`seq` integer,
	`report_id` text,
	`flag_id` text,
	`note` text DEFAULT '' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `moderation_log_created_idx` ON `moderation_log` (`created_at`);--> statement-breakpoint
CREATE TABLE `reports` (
	`id` text PRIMARY KEY NOT NULL,
	`reporter_id` text NOT NULL,
	`target` text NOT NULL,
	`target_user_id` text,
	`conversation_id` text,
	`seq` integer,
	`reason` text NOT NULL,
	`detail` text DEFAULT '' NOT NULL,
	`evidence` text DEFAULT '[]' NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	`resolved_by` text,
	`resolved_at` integer
);
--> statement-breakpoint
CREATE INDEX `reports_status_idx` ON `reports` (`status`,`created_at`);--> statement-breakpoint
ALTER TABLE `users` ADD `moderation` text;--> statement-breakpoint
ALTER TABLE `users` ADD `moderated_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `slowed_until` integer;