import type { TestProject } from "vitest/node";
import { startFakeWechat } from "../support/fake-wechat";

declare module "vitest" {
  export interface ProvidedContext {
    wechatApiBase: string;
  }
}

export default async function setup(project: TestProject) {
  const wechat = await startFakeWechat();
  project.provide("wechatApiBase", wechat.url);
  return () => wechat.close();
}
