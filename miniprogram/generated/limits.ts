// generated from schema/limits.ts by scripts/gen-miniprogram-shared.ts; do not edit.
// `npm run gen:miniprogram` writes it again (CONTACT_LIMITS from schema/contacts.ts, LOCATION_LIMITS
// from schema/protocol.ts). A mini-program cannot load files outside its root, so these are copies.

/** From LIMITS. */
export const PROFILE_LIMITS = {
  usernameMax: 20,
  passwordMax: 128,
  nicknameMax: 32,
  signatureMax: 60,
  statusMax: 30,
  deviceMax: 64,
} as const;

/** From MESSAGE_LIMITS. */
export const MESSAGE_LIMITS = {
  textChars: 4000,
  recallWindowMs: 120000,
  historyPageMax: 200,
  historyCompactPageMax: 5000,
  forwardTargetsMax: 9,
  mentionsMax: 50,
  groupNameChars: 30,
} as const;

/** From GROUP_LIMITS. */
export const GROUP_LIMITS = {
  announcementChars: 1000,
  groupNicknameChars: 32,
  inviteCodeChars: 22,
} as const;

/** From MEDIA_LIMITS. */
export const MEDIA_LIMITS = {
  urlsPerRequest: 100,
  thumbnailFromBytes: 102400,
  thumbnailWidth: 480,
} as const;

/** From CONTACT_LIMITS in schema/contacts.ts. */
export const CONTACT_LIMITS = {
  greetingChars: 100,
} as const;

/** The longest name and address of a location message (locationBody in schema/protocol.ts). */
export const LOCATION_LIMITS = {
  nameChars: 100,
  addressChars: 200,
} as const;
