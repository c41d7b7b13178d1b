// Named limits shared by worker and client.
export const LIMITS = {
  jsonBodyBytes: 64 * 1024,
  usernameMin: 6,
  usernameMax: 20,
  passwordMin: 8,
  passwordMax: 128,
  nicknameMax: 32,
  signatureMax: 60,
  statusMax: 30,
  deviceMax: 64,
  searchQueryMax: 64,
  accessTokenSeconds: 15 * 60,
  refreshTokenDays: 30,
  pbkdf2Iterations: 100_000, // the most Workers' WebCrypto allows
  loginFailuresPerAccount: 5,
  loginFailuresPerIp: 30,
  loginWindowSeconds: 15 * 60,
  registrationsPerIp: 10,
  registrationWindowSeconds: 60 * 60,
} as const;

export const MESSAGE_LIMITS = {
  textChars: 4000,
  clientIdChars: 64,
  mentionsMax: 50,
  frameBytes: 64 * 1024,
  historyPageMax: 200,
  historyPageDefault: 50,
  groupMembersMax: 500,
  groupNameChars: 30,
  recallWindowMs: 2 * 60 * 1000,
  forwardTargetsMax: 9,
  // Per sender and conversation: a burst, then a steady rate (token bucket).
  sendBurst: 30,
  sendPerSecond: 10,
  previewChars: 60,
} as const;
