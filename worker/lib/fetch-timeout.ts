// fetch with a deadline whose timer is cleared as soon as the answer (or failure) arrives.
// AbortSignal.timeout() keeps its timer pending for the whole timeout even after the fetch has
// finished, which holds a Durable Object's work open (and, in tests, delays its eviction).
export async function fetchWithTimeout(input: RequestInfo | URL, init: RequestInit, timeoutMs: number): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  try {
    const res = await fetch(input, { ...init, signal: controller.signal });
    // The body is read by the caller; a stalled body still aborts until the timer is cleared.
    const body = await res.arrayBuffer();
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  } finally {
    clearTimeout(timer);
  }
}
