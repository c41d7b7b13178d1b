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
  // A refresh retried this soon after its answer was lost gets the same successor back.
  refreshRetryGraceSeconds: 10,
  pbkdf2Iterations: 100_000, // the most Workers' WebCrypto allows
  // Sign-in failures lock one address out of one account, for longer as they go on (5 in 15
  // minutes, 10 in an hour, 20 in a day); the account as a whole locks only after many more.
  loginFailuresPerAccount: 5,
  loginWindowSeconds: 15 * 60,
  loginFailuresPerAccountHour: 10,
  loginFailuresPerAccountDay: 20,
  loginFailuresPerAccountGlobal: 100,
  loginGlobalWindowSeconds: 60 * 60,
  loginFailuresPerIp: 30,
  registrationsPerIp: 10,
  registrationWindowSeconds: 60 * 60,
  // Live sessions (signed-in devices) per user: a sign-in past this signs out the least
  // recently used one, as WeChat does when a new device signs in.
  sessionsPerUser: 10,
} as const;

// Per socket, for the frames a device sends (the heartbeat ping is answered by the runtime and
// not counted). A token bucket: `burst` at once, refilled at `perSecond`. The busiest traffic we
// generate stays under it: the bench's top rate puts 16 sends and one read a second on a socket,
// and the mini-program sends a typing frame per 3 s and a read per second per open chat.
export const FRAME_LIMITS = {
  perSecond: 30,
  burst: 60,
  // Frames refused for the budget before the socket is closed (4429); one is forgiven a second.
  refusedBeforeClose: 20,
  // At most one typing push per sender and conversation this often (the client sends one per 3 s).
  typingEveryMs: 2_500,
} as const;

export const MESSAGE_LIMITS = {
  textChars: 4000,
  clientIdChars: 64,
  mentionsMax: 50,
  frameBytes: 64 * 1024,
  // Server → client: frames due together are joined into one `batch` frame up to this size.
  batchFrameBytes: 256 * 1024,
  historyPageMax: 200,
  /**
   * With format=compact a page may hold more: each request pays the same few ms (token, session,
   * membership, the object), so a catch-up of 10,000 takes 2-3 requests instead of 11. A page of
   * 5,000 short texts is about 650 KB of JSON, about 120 KB gzipped.
   */
  historyCompactPageMax: 5000,
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
  // Per user: codes are only 4 digits, so trying them is limited (a sweep of all 10,000 takes
  // a day rather than minutes).
  faceToFaceCodesPerMinute: 10,
} as const;

// Uploads are held in memory while they are checked (type, completeness, sha256), so these
// also bound a worker's memory per upload.
export const MEDIA_LIMITS = {
  imageBytes: 10 * 1024 * 1024,
  voiceBytes: 4 * 1024 * 1024, // 10 minutes (the recorder's maximum) of AAC at its default 48 kbit/s is 3.6 MB
  videoBytes: 25 * 1024 * 1024,
  fileBytes: 25 * 1024 * 1024,
  // A chat-list thumbnail or video poster: small enough that a list of them loads quickly.
  previewBytes: 512 * 1024,
  // Clients send a picture larger than this with a thumbnail (a JPEG at most thumbnailWidth
  // pixels wide) for the chat to draw; a smaller picture is its own thumbnail.
  thumbnailFromBytes: 100 * 1024,
  thumbnailWidth: 480,
  // Multipart boundaries, part headers and the small form fields around the file.
  multipartOverheadBytes: 16 * 1024,
  fileNameChars: 255,
  // Signed download URLs live 10-15 minutes: expiry is rounded up to a 5-minute step, so URLs
  // issued within one step are identical and the client's image cache can reuse them.
  urlTtlSeconds: 10 * 60,
  urlStepSeconds: 5 * 60,
  urlsPerRequest: 100,
  // Uploads never sent, nor used as an avatar, are deleted by the daily cron after this long.
  unsentDays: 7,
  // Per uploader, so one account cannot fill the bucket: stored uploads an hour (a burst of nine
  // pictures with thumbnails is 18) and stored bytes a day (40 of the largest videos).
  uploadsPerHour: 300,
  uploadBytesPerDay: 1024 * 1024 * 1024,
} as const;

// What the server stores as a picture or a video (worker/lib/sniff.ts reads it from the bytes;
// docs/media.md), as browsers name it: a client sends anything else, a BMP or a WebM, as a file.
export const MEDIA_FORMATS = {
  image: ["image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/heif", "image/avif"],
  video: ["video/mp4", "video/quicktime", "video/3gpp"],
} as const satisfies Record<"image" | "video", readonly string[]>;

// Message, chat and people search (docs/search.md).
export const SEARCH_LIMITS = {
  queryChars: 64,
  pageDefault: 20,
  pageMax: 50,
  // Matches counted per chat ("999+" past it): a count is an index scan, so it is bounded.
  countCap: 999,
  snippetChars: 60,
  // Across conversations: a page names this many chats with matches, each with its newest few,
  // asks this many conversation objects at once, and stops starting new ones after the deadline.
  chatsPerPage: 20,
  hitsPerChat: 3,
  objectsAtOnce: 50,
  deadlineMs: 1500,
  contactsMax: 20,
  groupsMax: 20,
  // Messages stored before the index existed are indexed this many per transaction.
  backfillBatch: 200,
  aroundDefault: 30,
} as const;
