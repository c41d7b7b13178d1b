// Media uploads from the browser (docs/media.md): the file goes as multipart to POST /media with
// the Bearer token, by XMLHttpRequest where there is one (its upload progress events drive the
// bubble's percent), else by fetch (0 then 100). The outbox survives a reload, so a file picked
// for a message is staged in storage first (IndexedDB keeps Blobs) and the outbox holds only its
// handle, `web-file:<id>`, in UploadJob.path.
import type { UploadJob } from "../../../miniprogram/core/chat-types";
import { ApiError, errorFromResponse } from "../../../miniprogram/core/errors";
import type { KeyValueStorage } from "../../../miniprogram/core/platform";
import type { WebSession } from "./session";

const FILE_PREFIX = "web-file:";
const fileKey = (handle: string) => `qun.file.${handle.slice(FILE_PREFIX.length)}`;
/** The handles of staged files not yet uploaded, so sign-out can drop them (storage lists no keys). */
const STAGED_KEY = "qun.files";

export class WebUploads {
  private listing: Promise<void> = Promise.resolve();

  constructor(
    private readonly baseUrl: string,
    private readonly session: WebSession,
    private readonly storage: KeyValueStorage,
  ) {}

  /** Keeps a picked file until its message is sent; answers the handle for UploadJob.path (and `preview`). */
  async stage(file: Blob): Promise<string> {
    const handle = `${FILE_PREFIX}${crypto.randomUUID()}`;
    await this.storage.set(fileKey(handle), file);
    await this.listed(async () => this.setStaged([...(await this.staged()), handle]));
    return handle;
  }

  /** Drops every staged file (sign-out: the next person at this computer must not find them). */
  forgetAll(): Promise<void> {
    return this.listed(async () => {
      for (const handle of await this.staged()) await this.storage.remove(fileKey(handle));
      await this.storage.remove(STAGED_KEY);
    });
  }

  private async staged(): Promise<string[]> {
    return (await this.storage.get<string[]>(STAGED_KEY)) ?? [];
  }

  private async setStaged(handles: string[]): Promise<void> {
    await this.storage.set(STAGED_KEY, handles);
  }

  /** Runs list updates one at a time: two files staged at once must both be listed. */
  private listed<T>(update: () => Promise<T>): Promise<T> {
    const run = this.listing.then(update, update);
    this.listing = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async drop(handle: string): Promise<void> {
    await this.storage.remove(fileKey(handle));
    await this.listed(async () => this.setStaged((await this.staged()).filter((h) => h !== handle)));
  }

  async file(handle: string): Promise<Blob> {
    const blob = handle.startsWith(FILE_PREFIX) ? await this.storage.get<Blob>(fileKey(handle)) : undefined;
    if (!blob) throw new ApiError("not_found", "The file to send is no longer on this computer", 404);
    return blob;
  }

  /**
   * The message's file, then its preview when the job names a staged one: a big picture's
   * thumbnail, drawn in the browser when it was picked (ui/client.ts), or a video's cover frame.
   * The staged files are dropped once uploaded.
   */
  async upload(job: UploadJob, onProgress: (percent: number) => void): Promise<{ mediaId: string; previewId: string | null }> {
    const mediaId = await this.uploadFile(await this.file(job.path), { kind: job.kind, ...job.fields }, onProgress);
    let previewId: string | null = null;
    if (job.preview && job.preview.startsWith(FILE_PREFIX)) {
      try {
        previewId = await this.uploadFile(await this.file(job.preview), { kind: "image", previewOf: mediaId }, () => undefined);
      } catch {
        previewId = null; // best effort, as in the mini-program: the message goes without
      }
      await this.drop(job.preview);
    }
    await this.drop(job.path);
    return { mediaId, previewId };
  }

  private async uploadFile(file: Blob, fields: Record<string, string | number>, onProgress: (percent: number) => void): Promise<string> {
    const stale = this.session.accessToken();
    let res = await this.post(file, fields, onProgress);
    if (res.status === 401 && (res.data as { error?: { code?: string } } | null)?.error?.code === "token_expired") {
      await this.session.refresh(stale ?? undefined);
      res = await this.post(file, fields, onProgress);
    }
    const id = (res.data as { id?: unknown } | null)?.id;
    if (res.status >= 200 && res.status < 300 && typeof id === "string") return id;
    throw errorFromResponse(res.status, res.data);
  }

  private post(file: Blob, fields: Record<string, string | number>, onProgress: (percent: number) => void): Promise<{ status: number; data: unknown }> {
    const token = this.session.accessToken();
    if (!token) return Promise.reject(new ApiError("unauthorized", "Sign in first", 401));
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, String(v));
    form.append("file", file, (fields.name as string | undefined) ?? "file");
    const url = `${this.baseUrl}/media`;
    const parse = (text: string) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    };
    if (typeof XMLHttpRequest === "undefined") {
      onProgress(0);
      return fetch(url, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form }).then(
        async (r) => {
          onProgress(100);
          return { status: r.status, data: parse(await r.text()) };
        },
        (e: unknown) => {
          throw new ApiError("network", e instanceof Error ? e.message : "upload failed");
        },
      );
    }
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("authorization", `Bearer ${token}`);
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100));
      };
      xhr.onload = () => resolve({ status: xhr.status, data: parse(xhr.responseText) });
      xhr.onerror = () => reject(new ApiError("network", "upload failed"));
      xhr.send(form);
    });
  }
}
