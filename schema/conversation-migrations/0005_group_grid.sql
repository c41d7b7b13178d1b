ALTER TABLE `meta` ADD `grid_media_id` text;--> statement-breakpoint
ALTER TABLE `meta` ADD `grid_key` text;