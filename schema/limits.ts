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

export const GROUP_LIMITS = {
  announcementChars: 1000,
  groupNicknameChars: 32,
  joinRequestMessageChars: 60,
  muteMaxSeconds: 30 * 24 * 3600,
  inviteTtlSeconds: 7 * 24 * 3600, // WeChat's group QR codes last 7 days
  inviteMinTtlSeconds: 60,
  inviteMaxUses: 500,
  inviteCodeChars: 22, // base62: 22 characters carry 130 bits
  // Face-to-face: people within this distance who typed the same code in this window share a room.
  faceToFaceRadiusMeters: 1000,
  faceToFaceRoomTtlMs: 5 * 60 * 1000,
} as const;
