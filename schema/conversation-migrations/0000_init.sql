CREATE TABLE `members` (
	`user_id` text PRIMARY KEY NOT NULL,
	`role` text NOT NULL,
	`joined_at` integer NOT NULL,
	`visible_from_seq` integer DEFAULT 1 NOT NULL,
	`read_seq` integer DEFAULT 0 NOT NULL,
	`muted_until` integer
);
--> statement-breakpoint
CREATE INDEX `members_role_idx` ON `members` (`role`);--> statement-breakpoint
CREATE TABLE `messages` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`sender_id` text NOT NULL,
	`client_id` text,
	`type` text NOT NULL,
	`body` text,
	`mentions` text,
	`mention_all` integer DEFAULT false NOT NULL,
	`reply_to` integer,
	`forwarded` text,
	`created_at` integer NOT NULL,
	`recalled_at` integer,
	`recalled_by` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_id_uq` ON `messages` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `messages_client_uq` ON `messages` (`sender_id`,`client_id`);--> statement-breakpoint
CREATE TABLE `meta` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`created_at` integer NOT NULL,
	`mute_all` integer DEFAULT false NOT NULL,
	`new_members_see_history` integer DEFAULT false NOT NULL,
	`dissolved_at` integer
);
