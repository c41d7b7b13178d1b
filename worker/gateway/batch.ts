// Batch frames: serialised frames wrapped as one `{"type":"batch","frames":[…]}` for sockets that
// connected with `?batch=1`. Each ws.send costs about as much as the bytes it carries, so fewer,
// larger sends were most of what the bench gained.
import { MESSAGE_LIMITS } from "../../schema/limits";

/**
 * Serialised frames wrapped as `{"type":"batch","frames":[…]}` without parsing them again, in
 * order, each batch at most MESSAGE_LIMITS.batchFrameBytes (a single larger frame goes alone).
 */
export function batchFrames(frames: string[]): string[] {
  const out: string[] = [];
  let part: string[] = [];
  let size = 0;
  const close = () => {
    if (part.length === 1) out.push(part[0]!);
    else if (part.length > 1) out.push(`{"type":"batch","frames":[${part.join(",")}]}`);
    part = [];
    size = 0;
  };
  for (const f of frames) {
    if (part.length > 0 && size + f.length > MESSAGE_LIMITS.batchFrameBytes) close();
    part.push(f);
    size += f.length + 1;
  }
  close();
  return out;
}
