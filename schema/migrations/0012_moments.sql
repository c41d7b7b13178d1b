CREATE TABLE `moment_audience` (
	`moment_id` text NOT NULL,
	`user_id` text NOT NULL,
	PRIMARY KEY(`moment_id`, `user_id`),
	FOREIGN KEY (`moment_id`) REFERENCES `moments`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `moment_comments` (
	`id` text PRIMARY KEY NOT NULL,
	`moment_id` text NOT NULL,
	`user_id` text NOT NULL,
	`author_id` text NOT NULL,
	`reply_to_id` text,
	`reply_to_user_id` text,
	`text` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`moment_id`) REFERENCES `moments`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `moment_comments_moment_idx` ON `moment_comments` (`moment_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `moment_comments_author_idx` ON `moment_comments` (`author_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `moment_comments_reply_idx` ON `moment_comments` (`reply_to_user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `moment_hides` (
	`user_id` text NOT NULL,
	`other_id` text NOT NULL,
	`kind` text NOT NULL,
	PRIMARY KEY(`user_id`, `kind`, `other_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`other_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `moment_likes` (
	`moment_id` text NOT NULL,
	`user_id` text NOT NULL,
	`author_id` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`moment_id`, `user_id`),
	FOREIGN KEY (`moment_id`) REFERENCES `moments`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `moment_likes_author_idx` ON `moment_likes` (`author_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `moment_media` (
	`moment_id` text NOT NULL,
	`media_id` text NOT NULL,
	PRIMARY KEY(`moment_id`, `media_id`),
	FOREIGN KEY (`moment_id`) REFERENCES `moments`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`media_id`) REFERENCES `media`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `moment_media_media_idx` ON `moment_media` (`media_id`);--> statement-breakpoint
CREATE TABLE `moment_settings` (
	`user_id` text PRIMARY KEY NOT NULL,
	`friends_window` text DEFAULT 'all' NOT NULL,
	`strangers_window` text DEFAULT 'none' NOT NULL,
	`cover_media_id` text,
	`notifications_read_at` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `moments` (
	`id` text PRIMARY KEY NOT NULL,
	`author_id` text NOT NULL,
	`text` text DEFAULT '' NOT NULL,
	`media` text DEFAULT '[]' NOT NULL,
	`location` text,
	`visibility` text NOT NULL,
	`audience_tags` text DEFAULT '[]' NOT NULL,
	`audience_users` text DEFAULT '[]' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`author_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `moments_author_idx` ON `moments` (`author_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `reports` ADD `moment_id` text;--> statement-breakpoint
ALTER TABLE `reports` ADD `comment_id` text;--> statement-breakpoint
ALTER TABLE `reports` ADD `excerpt` text;