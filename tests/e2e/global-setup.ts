import type { TestProject } from "vitest/node";
import { FAKE_APPID, FAKE_SECRET, startFakeWechat } from "../support/fake-wechat";
import { SAFETY_TEST_BINDINGS } from "../support/safety-config";
import { startWorker } from "./harness";

/** Starts the fake WeChat API and the real worker under `wrangler dev`, once for all e2e files. */
export default async function setup(project: TestProject) {
  const wechat = await startFakeWechat();
  let worker: Awaited<ReturnType<typeof startWorker>>;
  try {
    worker = await startWorker({
      ENVIRONMENT: "development",
      JWT_SECRET: `e2e-${crypto.randomUUID()}`,
      PASSWORD_PEPPER: `e2e-pepper-${crypto.randomUUID()}`,
      WECHAT_APPID: FAKE_APPID,
      WECHAT_SECRET: FAKE_SECRET,
      WECHAT_API_BASE: wechat.url,
      NOTICE_TEMPLATE_ID: "tmpl-new-message",
      NOTICE_MINIPROGRAM_STATE: "developer",
      ...SAFETY_TEST_BINDINGS,
    });
  } catch (e) {
    await wechat.close();
    throw e;
  }
  project.provide("e2eBaseUrl", worker.url);
  project.provide("e2eWechatUrl", wechat.url);
  return async () => {
    await worker.stop();
    await wechat.close();
  };
}
