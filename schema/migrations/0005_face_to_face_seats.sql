CREATE TABLE `face_to_face_seats` (
	`user_id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`room_id` text NOT NULL,
	`joined_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
