// The content-safety configuration the worker runs with in tests (vitest worker pool and wrangler
// dev for e2e): the local word lists and the message push's Token and EncodingAESKey, which
// specs use to build WeChat's signed pushes (wechat-push.ts).
export const TEST_WORDS_RISKY = "forbiddenword,违禁词";
export const TEST_WORDS_REVIEW = "suspiciousword";
export const TEST_PUSH_TOKEN = "test-push-token";
// 43 characters of base64 (WeChat's EncodingAESKey: 32 bytes without the trailing "=").
export const TEST_PUSH_AES_KEY = "cXVuLXRlc3QtZW5jb2RpbmctYWVzLWtleS0zMmJ5dGU";

export const SAFETY_TEST_BINDINGS = {
  CONTENT_WORDS_RISKY: TEST_WORDS_RISKY,
  CONTENT_WORDS_REVIEW: TEST_WORDS_REVIEW,
  WECHAT_PUSH_TOKEN: TEST_PUSH_TOKEN,
  WECHAT_PUSH_AES_KEY: TEST_PUSH_AES_KEY,
};
