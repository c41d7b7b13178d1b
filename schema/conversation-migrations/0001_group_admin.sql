ALTER TABLE `members` ADD `nickname` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `meta` ADD `avatar_media_id` text;--> statement-breakpoint
ALTER TABLE `meta` ADD `announcement` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `meta` ADD `announcement_at` integer;--> statement-breakpoint
ALTER TABLE `meta` ADD `announcement_by` text;--> statement-breakpoint
ALTER TABLE `meta` ADD `join_policy` text DEFAULT 'open' NOT NULL;--> statement-breakpoint
ALTER TABLE `meta` ADD `invite_confirmation` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `meta` ADD `members_can_invite` integer DEFAULT true NOT NULL;