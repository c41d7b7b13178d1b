// wx.request cannot send PATCH (its methods are GET, POST, PUT, DELETE, HEAD, OPTIONS, TRACE,
// CONNECT), so the mini-program sends POST with `X-HTTP-Method-Override: PATCH`. Only PATCH is
// honoured: it is the one method the API uses that wx.request lacks.
const HEADER = "x-http-method-override";

export function withMethodOverride(request: Request): Request {
  if (request.method !== "POST" || request.headers.get(HEADER)?.trim().toUpperCase() !== "PATCH") return request;
  const headers = new Headers(request.headers);
  headers.delete(HEADER);
  return new Request(request, { method: "PATCH", headers });
}
