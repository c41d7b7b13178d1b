CREATE TABLE `hidden_messages` (
	`user_id` text NOT NULL,
	`seq` integer NOT NULL,
	`hidden_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `seq`)
);
