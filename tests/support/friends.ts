// Friendships made over HTTP the way people make them (one asks, the other accepts), for the
// suites that build groups against `wrangler dev`: only friends can be put in a group. Plain
// Node (no vitest), so e2e, reliability, the benchmark and the load-held run share it.

export interface Account {
  id: string;
  token: string;
}

async function post(baseUrl: string, path: string, token: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}${path}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** `asker` sends a friend request and `answerer` accepts it. Friends already is fine. */
export async function befriend(baseUrl: string, asker: Account, answerer: Account): Promise<void> {
  const asked = await post(baseUrl, "/contacts/requests", asker.token, { userId: answerer.id });
  if (asked.status === 409 && asked.body?.error?.code === "already_friends") return;
  if (asked.status !== 201 && asked.status !== 200) throw new Error(`friend request: ${asked.status} ${JSON.stringify(asked.body)}`);
  if (asked.body.request.status === "accepted") return; // the answerer had asked first: asking back accepted theirs
  const accepted = await post(baseUrl, `/contacts/requests/${asked.body.request.id}/accept`, answerer.token, {});
  if (accepted.status !== 200) throw new Error(`accepting a friend request: ${accepted.status} ${JSON.stringify(accepted.body)}`);
}

/**
 * Makes `owner` friends with everyone in `others`, `batchSize` at a time. Each of them asks the
 * owner and the owner accepts: a sender may ask only 30 people a day (CONTACT_LIMITS), while
 * accepting has no limit, so this holds for a group of 500.
 */
export async function befriendAll(baseUrl: string, owner: Account, others: Account[], batchSize = 50): Promise<void> {
  const rest = others.filter((o) => o.id !== owner.id);
  for (let i = 0; i < rest.length; i += batchSize) {
    await Promise.all(rest.slice(i, i + batchSize).map((o) => befriend(baseUrl, o, owner)));
  }
}
