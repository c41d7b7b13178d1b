// Every error the API returns, with its HTTP status. The client switches on `code`.
export const ERROR_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  token_expired: 401,
  token_invalid: 401,
  token_revoked: 401,
  invalid_credentials: 401,
  wechat_code_invalid: 401,
  forbidden: 403,
  wrong_password: 403,
  blocked: 403,
  not_friends: 403,
  not_found: 404,
  conflict: 409,
  username_taken: 409,
  already_friends: 409,
  tag_exists: 409,
  tag_limit: 409,
  group_full: 409,
  // A clientId sent again with a different message: a retry must repeat the request exactly.
  client_id_reused: 409,
  join_closed: 403,
  group_dissolved: 410,
  account_deleted: 410,
  invite_expired: 410,
  invite_revoked: 410,
  invite_used_up: 410,
  room_expired: 410,
  // A web sign-in QR code past its 2 minutes, or already confirmed, cancelled or used.
  expired: 410,
  empty_upload: 400,
  incomplete_upload: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  // A download's Range starts at or past the end of the media (Content-Range says its size).
  range_not_satisfiable: 416,
  rate_limited: 429,
  // Content safety: the text or media breaks the rules (local word list or WeChat's check).
  content_refused: 422,
  // An operator suspended or banned the account (docs/moderation.md).
  account_suspended: 403,
  internal: 500,
  wechat_unavailable: 502,
  not_configured: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId?: string; details?: unknown };
}
