// Builds the message pushes WeChat sends (plain and safe mode), signed with the Token and
// EncodingAESKey the test worker is configured with, so specs can deliver valid, forged and
// replayed pushes to /wechat/push.
import { encryptPush, pushSignature } from "../../worker/lib/wechat-push";
import { FAKE_APPID } from "./fake-wechat";
import { TEST_PUSH_AES_KEY, TEST_PUSH_TOKEN } from "./safety-config";

let nonces = 0;

export interface SignedPush {
  path: string;
  body: string;
}

/** A wxa_media_check event as WeChat pushes it. */
export const mediaCheckEvent = (traceId: string, suggest: "pass" | "review" | "risky") => ({
  ToUserName: "gh_test",
  FromUserName: "o-system",
  CreateTime: Math.floor(Date.now() / 1000),
  MsgType: "event",
  Event: "wxa_media_check",
  appid: FAKE_APPID,
  trace_id: traceId,
  version: 2,
  detail: [{ strategy: "content_model", errcode: 0, suggest, label: suggest === "pass" ? 100 : 20002, prob: 90 }],
  errcode: 0,
  errmsg: "ok",
  result: { suggest, label: suggest === "pass" ? 100 : 20002 },
});

export async function plainPush(event: object, opts: { token?: string; timestamp?: number; nonce?: string } = {}): Promise<SignedPush> {
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = opts.nonce ?? `n${Date.now()}${++nonces}`;
  const signature = await pushSignature([opts.token ?? TEST_PUSH_TOKEN, timestamp, nonce]);
  return { path: `/wechat/push?signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`, body: JSON.stringify(event) };
}

export async function safePush(event: object, opts: { appid?: string; nonce?: string } = {}): Promise<SignedPush> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = opts.nonce ?? `n${Date.now()}${++nonces}`;
  const Encrypt = await encryptPush(TEST_PUSH_AES_KEY, JSON.stringify(event), opts.appid ?? FAKE_APPID);
  const signature = await pushSignature([TEST_PUSH_TOKEN, timestamp, nonce]);
  const msgSignature = await pushSignature([TEST_PUSH_TOKEN, timestamp, nonce, Encrypt]);
  return { path: `/wechat/push?signature=${signature}&timestamp=${timestamp}&nonce=${nonce}&encrypt_type=aes&msg_signature=${msgSignature}`, body: JSON.stringify({ ToUserName: "gh_test", Encrypt }) };
}
