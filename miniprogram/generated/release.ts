// Written by `npm run build:miniprogram -- --api https://…` (scripts/build-miniprogram.ts) for a
// release: the API address a released mini-program talks to. Empty: the local development server.
export const RELEASE_API_BASE = "";
