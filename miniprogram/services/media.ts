// Media on R2: uploads go through wx.uploadFile (multipart, the only way a mini-program sends a
// file) with progress; images are shown by URL because <image> cannot send headers.
// The media routes are being built alongside (docs/media.md once it lands); these follow its
// draft: POST /media (multipart field "file", form field "kind") → { id }, GET /media/:id.
import { refreshTokens } from "./api";
import { apiBase } from "./config";
import { ApiError, errorFromResponse } from "./errors";
import { currentTokens } from "./session";

export type MediaKind = "image" | "voice" | "video" | "file" | "avatar";

export function mediaUrl(mediaId: string | null | undefined): string {
  return mediaId ? `${apiBase()}/media/${mediaId}` : "";
}

function uploadOnce(filePath: string, kind: MediaKind, onProgress: (percent: number) => void, name?: string): Promise<{ status: number; data: unknown }> {
  const token = currentTokens()?.accessToken;
  if (!token) return Promise.reject(new ApiError("unauthorized", "Sign in first", 401));
  return new Promise((resolve, reject) => {
    const task = wx.uploadFile({
      url: `${apiBase()}/media`,
      filePath,
      name: "file",
      header: { authorization: `Bearer ${token}` },
      formData: name ? { kind, name } : { kind },
      success: (res) => {
        let data: unknown = res.data;
        try {
          data = JSON.parse(res.data);
        } catch {
          // not JSON: reported below as an unexpected answer
        }
        resolve({ status: res.statusCode, data });
      },
      fail: (err) => reject(new ApiError("network", err.errMsg || "uploadFile:fail")),
    });
    task?.onProgressUpdate?.((p) => onProgress(p.progress));
  });
}

/** Uploads a local file; answers the new media id. Refreshes the token once if it expired. */
export async function uploadMedia(filePath: string, kind: MediaKind, onProgress: (percent: number) => void = () => undefined, name?: string): Promise<string> {
  let res = await uploadOnce(filePath, kind, onProgress, name);
  if (res.status === 401) {
    await refreshTokens();
    res = await uploadOnce(filePath, kind, onProgress, name);
  }
  if (res.status >= 200 && res.status < 300) {
    const id = (res.data as { id?: unknown; mediaId?: unknown } | null)?.id ?? (res.data as { mediaId?: unknown } | null)?.mediaId;
    if (typeof id === "string") return id;
  }
  throw errorFromResponse(res.status, res.data);
}
