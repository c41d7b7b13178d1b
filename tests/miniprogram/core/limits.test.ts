// The mini-program cannot import values from schema/, so it keeps copies of the limits it needs;
// this keeps them equal to the server's.
import { describe, expect, it } from "vitest";
import * as client from "../../../miniprogram/services/limits";
import { GROUP_LIMITS, LIMITS, MESSAGE_LIMITS } from "../../../schema/limits";

describe("client limits", () => {
  it.each([
    ["PROFILE_LIMITS", client.PROFILE_LIMITS, LIMITS],
    ["MESSAGE_LIMITS", client.MESSAGE_LIMITS, MESSAGE_LIMITS],
    ["GROUP_LIMITS", client.GROUP_LIMITS, GROUP_LIMITS],
  ] as const)("%s match schema/limits.ts", (_, copy, server) => {
    for (const [key, value] of Object.entries(copy)) expect(server[key as keyof typeof server], key).toBe(value);
  });
});
