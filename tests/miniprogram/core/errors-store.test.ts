// Two small client services every page leans on: the error type (what a failed call becomes and
// the sentence shown) and the observable store (who hears a change, and when nobody should).
import { describe, expect, it } from "vitest";
import { ApiError, errorFromResponse, errorMessage, headerValue, isApiError } from "../../../miniprogram/services/errors";
import { Store, unwatchAll, watch } from "../../../miniprogram/services/store";

describe("client errors", () => {
  it("read the server's { error: { code, message } } with its status, request id and details", () => {
    const e = errorFromResponse(409, { error: { code: "group_full", message: "Full", requestId: "req-1", details: { ids: ["u_1"] } } }, { "X-Request-Id": "req-header" });
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ code: "group_full", message: "Full", status: 409, requestId: "req-1", details: { ids: ["u_1"] }, name: "ApiError" });
    expect(errorFromResponse(403, { error: { code: "forbidden", message: "No" } }, { "x-request-id": "req-2" }).requestId).toBe("req-2");
  });

  it("turn anything else into unexpected_response naming the status", () => {
    for (const data of [null, "oops", 5, {}, { error: null }, { error: "x" }, { error: { code: 1, message: "m" } }, { error: { code: "c" } }, { error: { message: "m" } }]) {
      const e = errorFromResponse(502, data, { "x-request-id": "req-3" });
      expect(e, JSON.stringify(data)).toMatchObject({ code: "unexpected_response", status: 502, requestId: "req-3", message: "The server answered 502 without an error message" });
    }
    expect(errorFromResponse(500, undefined).requestId).toBeUndefined();
  });

  it("are recognised by their flag, even across module copies, and nothing else is", () => {
    expect(isApiError(new ApiError("network", "down"))).toBe(true);
    expect(isApiError({ isApiError: true })).toBe(true);
    for (const v of [null, undefined, "ApiError", new Error("x"), { isApiError: "yes" }, {}]) expect(isApiError(v)).toBe(false);
  });

  it("find a header whatever its case", () => {
    expect(headerValue({ "Content-Type": "a", "X-Request-Id": "r" }, "x-request-id")).toBe("r");
    expect(headerValue({ "content-type": "a" }, "x-request-id")).toBeUndefined();
    expect(headerValue(undefined, "x-request-id")).toBeUndefined();
  });

  it("give the user one sentence for any failure", () => {
    expect(errorMessage(new ApiError("network", "request:fail"))).toBe("Network unavailable. Check the connection and the server address.");
    expect(errorMessage(new ApiError("forbidden", "You are muted in this group", 403))).toBe("You are muted in this group");
    expect(errorMessage(new TypeError("bad"))).toBe("bad");
    expect(errorMessage("what")).toBe("Something went wrong");
  });
});

describe("Store", () => {
  it("reads its initial state lazily, once", () => {
    let reads = 0;
    const store = new Store(() => ({ n: ++reads }));
    expect(reads).toBe(0);
    expect(store.get()).toEqual({ n: 1 });
    expect(store.get()).toEqual({ n: 1 });
    expect(reads).toBe(1);
  });

  it("tells subscribers at once and on each real change, with the previous state, until they unsubscribe", () => {
    const store = new Store(() => ({ a: 1, b: [] as number[] }));
    const seen: Array<[number, number]> = [];
    const off = store.subscribe((s, prev) => void seen.push([s.a, prev.a]));
    expect(seen).toEqual([[1, 1]]);
    store.set({ a: 1 }); // nothing changed: nobody is told
    store.set({ a: 2 });
    store.set({ b: store.get().b }); // the same array: no change
    store.set({ b: [1] });
    expect(seen).toEqual([
      [1, 1],
      [2, 1],
      [2, 2],
    ]);
    expect(store.listenerCount).toBe(1);
    off();
    store.set({ a: 3 });
    expect(seen).toHaveLength(3);
    expect(store.listenerCount).toBe(0);
    expect(store.get()).toEqual({ a: 3, b: [1] });
  });

  it("drops every subscription a page made when it unloads", () => {
    const store = new Store(() => ({ a: 0 }));
    const page = {};
    const heard: number[] = [];
    watch(page, store, (s) => void heard.push(s.a));
    watch(page, store, (s) => void heard.push(s.a * 10));
    store.set({ a: 1 });
    expect(store.listenerCount).toBe(2);
    unwatchAll(page);
    expect(store.listenerCount).toBe(0);
    store.set({ a: 2 });
    expect(heard).toEqual([0, 0, 1, 10]);
    unwatchAll(page); // twice is harmless
  });
});
