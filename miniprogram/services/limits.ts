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
