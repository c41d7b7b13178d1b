// Predicted vs measured for `npm run simulate`: the capacity model's functions
// (scripts/capacity/model.ts) run with the simulation's own parameters (users online, messages a
// second, the conversations' sizes and message shares, the share of recipients reading), and
// the figures the simulation measured beside them, each difference over the tolerance flagged.
import { INPUTS } from "../capacity/inputs.ts";
import { type Inputs, loadAt } from "../capacity/model.ts";

/** What the simulation ran, in the model's terms. */
export interface SimParameters {
  /** Users with a socket (one socket each). */
  online: number;
  /** Share of all users online: the chance that a member is online. */
  onlineShare: number;
  messagesPerSecond: number;
  /** Every conversation that carried messages: its members and its share of the messages. */
  mix: { members: number; share: number }[];
  /** Of a message's online recipients, the share with the chat open (who report reads). */
  readersPerOnlineRecipient: number;
  /** The busiest conversation: its members and its messages a second. */
  hottest: { members: number; messagesPerSecond: number };
  gatewayShards: number;
}

/** The model's inputs for the simulation: today's design and measured costs, the simulation's traffic. */
export function simInputs(p: SimParameters, base: Inputs = INPUTS): Inputs {
  return {
    ...base,
    traffic: {
      ...base.traffic,
      devicesPerOnlineUser: 1,
      memberOnlineChance: p.onlineShare,
      mix: p.mix.map((m, i) => ({ name: `c${i}`, members: m.members, share: m.share })),
      readersPerOnlineRecipient: p.readersPerOnlineRecipient,
      // The simulated sockets stay connected for the whole run.
      reconnectsPerSocketHour: 0,
      hottestGroup: p.hottest,
    },
    design: { ...base.design, gatewayShards: p.gatewayShards },
  };
}

/** The model's predictions, per message and per object, in the units the simulation measures. */
export interface Predicted {
  conversationRequestsPerMessage: number;
  gatewayRequestsPerMessage: number;
  deliverCallsPerMessage: number;
  /** Frames reaching other members' sockets (the sender's own device not counted). */
  deliveriesPerMessage: number;
  readReportsPerMessage: number;
  d1BatchesPerMessage: number;
  d1StatementsPerMessage: number;
  gatewayRequestsPerShardPerSecond: number;
  hottestConversationRequestsPerSecond: number;
  /** The hottest conversation's share of all conversation requests. */
  hottestConversationShare: number;
  /** The hottest shard's share of all gateway requests: the model spreads them evenly. */
  hottestGatewayShare: number;
}

export function predict(p: SimParameters, base: Inputs = INPUTS): Predicted {
  const inputs = simInputs(p, base);
  const load = loadAt(inputs, { online: p.online, messagesPerSecond: p.messagesPerSecond });
  const { shardCalls, readReports, socketFrames } = load.perMessage;
  // Into conversations: the send from the gateway, and read calls (coalesced: about half a call
  // per report, as model.ts's objectRequestsPerMessage counts them).
  const conversationRequestsPerMessage = 1 + readReports * 0.5;
  const m = p.messagesPerSecond;
  return {
    conversationRequestsPerMessage,
    // Into gateways: the pushes, the client's send frame, its read frames (model.ts's gatewayRequests).
    gatewayRequestsPerMessage: shardCalls + 1 + readReports,
    deliverCallsPerMessage: shardCalls,
    deliveriesPerMessage: socketFrames,
    readReportsPerMessage: readReports,
    d1BatchesPerMessage: load.d1.writeBatchesPerSecond / m,
    // One summary row, and a read position per report (model.ts's summaryRows for D1).
    d1StatementsPerMessage: 1 + readReports,
    gatewayRequestsPerShardPerSecond: load.gateway.requestsPerShard,
    hottestConversationRequestsPerSecond: load.hottestConversation.requestsPerSecond,
    hottestConversationShare: load.hottestConversation.requestsPerSecond / (m * conversationRequestsPerMessage),
    hottestGatewayShare: 1 / p.gatewayShards,
  };
}

export interface ComparisonRow {
  figure: string;
  predicted: number;
  measured: number;
  /** measured / predicted − 1 (0 when both are 0; Infinity when only the prediction is 0). */
  difference: number;
  /** |difference| over the tolerance: the report must explain it. */
  over: boolean;
}

export function difference(predicted: number, measured: number): number {
  if (predicted === 0) return measured === 0 ? 0 : Number.POSITIVE_INFINITY;
  return measured / predicted - 1;
}

/** Side by side, figure by figure (every key of `predicted` that `measured` has too). */
export function compare(predicted: Predicted, measured: Partial<Predicted>, tolerance = 0.2): ComparisonRow[] {
  return (Object.keys(predicted) as (keyof Predicted)[]).flatMap((figure) => {
    const m = measured[figure];
    if (m === undefined) return [];
    const d = difference(predicted[figure], m);
    return [{ figure, predicted: predicted[figure], measured: m, difference: d, over: Math.abs(d) > tolerance }];
  });
}

/** mean, p99 and max of a list of rates (0s for none). */
export function spread(xs: number[]): { mean: number; p99: number; max: number; count: number } {
  if (xs.length === 0) return { mean: 0, p99: 0, max: 0, count: 0 };
  const s = [...xs].sort((a, b) => a - b);
  return {
    mean: s.reduce((a, b) => a + b, 0) / s.length,
    p99: s[Math.min(s.length - 1, Math.floor(0.99 * s.length))]!,
    max: s.at(-1)!,
    count: s.length,
  };
}
