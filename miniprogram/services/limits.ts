// The client's copy of the limits in schema/limits.ts it needs at run time (a mini-program
// cannot load files outside its root; only types cross). A test keeps the two equal.
export const PROFILE_LIMITS = {
  usernameMax: 20,
  passwordMax: 128,
  nicknameMax: 32,
  signatureMax: 60,
  statusMax: 30,
  deviceMax: 64,
} as const;

/** From MESSAGE_LIMITS and GROUP_LIMITS in schema/limits.ts. */
export const MESSAGE_LIMITS = {
  textChars: 4000,
  recallWindowMs: 2 * 60 * 1000,
  historyPageMax: 200,
  forwardTargetsMax: 9,
  mentionsMax: 50,
  groupNameChars: 30,
} as const;

export const GROUP_LIMITS = {
  announcementChars: 1000,
  groupNicknameChars: 32,
  inviteCodeChars: 22,
} as const;
