CREATE TABLE `web_login_tickets` (
	`id` text PRIMARY KEY NOT NULL,
	`secret_hash` text NOT NULL,
	`state` text DEFAULT 'waiting' NOT NULL,
	`device` text DEFAULT '' NOT NULL,
	`user_id` text,
	`scanner_session_id` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `web_login_tickets_expires_idx` ON `web_login_tickets` (`expires_at`);--> statement-breakpoint
ALTER TABLE `sessions` ADD `kind` text DEFAULT 'miniprogram' NOT NULL;