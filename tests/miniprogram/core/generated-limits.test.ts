// miniprogram/generated/limits.ts is committed (DevTools compiles miniprogram/ as it is), so
// nothing rewrites it on its own: this fails when it is not what scripts/gen-miniprogram-shared.ts
// would write from schema/ today.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GENERATED_LIMITS, renderShared, type SharedSource } from "../../../scripts/gen-miniprogram-shared.ts";
import { CONTACT_LIMITS } from "../../../schema/contacts";
import { GROUP_LIMITS, LIMITS, MEDIA_LIMITS, MESSAGE_LIMITS } from "../../../schema/limits";
import { locationBody } from "../../../schema/protocol";
import * as client from "../../../miniprogram/generated/limits";

const schema: SharedSource = { LIMITS, MESSAGE_LIMITS, GROUP_LIMITS, MEDIA_LIMITS, CONTACT_LIMITS, locationBody };

describe("the mini-program's generated limits", () => {
  it("are exactly what npm run gen:miniprogram writes from schema/ (run it after changing a limit)", () => {
    expect(readFileSync(GENERATED_LIMITS, "utf8")).toBe(renderShared(schema));
  });

  it("would differ once a limit in schema/ changes", () => {
    const changed = renderShared({ ...schema, MESSAGE_LIMITS: { ...MESSAGE_LIMITS, textChars: MESSAGE_LIMITS.textChars + 1 } });
    expect(changed).not.toBe(readFileSync(GENERATED_LIMITS, "utf8"));
  });

  it("hold the server's values, the location lengths included", () => {
    expect(client.MESSAGE_LIMITS.recallWindowMs).toBe(MESSAGE_LIMITS.recallWindowMs);
    expect(client.PROFILE_LIMITS.nicknameMax).toBe(LIMITS.nicknameMax);
    expect(client.CONTACT_LIMITS.greetingChars).toBe(CONTACT_LIMITS.greetingChars);
    expect(locationBody.safeParse({ latitude: 0, longitude: 0, name: "x".repeat(client.LOCATION_LIMITS.nameChars) }).success).toBe(true);
    expect(locationBody.safeParse({ latitude: 0, longitude: 0, name: "x".repeat(client.LOCATION_LIMITS.nameChars + 1) }).success).toBe(false);
    expect(locationBody.safeParse({ latitude: 0, longitude: 0, address: "x".repeat(client.LOCATION_LIMITS.addressChars + 1) }).success).toBe(false);
  });
});
