// What each REST route answers, as types derived from the response schemas the worker documents
// (GET /openapi.json). Types only: the mini-program imports this with `import type`, so no zod
// reaches its bundle. Keys are "METHOD /path" with Hono's :params.
import type { z } from "zod";
import type * as A from "./api";
import type * as C from "./contacts";
import type * as G from "./groups";
import type * as M from "./media";
import type * as MO from "./moments";
import type * as N from "./notices";
import type * as S from "./safety";
import type * as Q from "./search";
import type * as W from "./web-login";

type Out<S extends z.core.$ZodType> = z.output<S>;
type Seq = Out<typeof G.seqResponse>;

export interface RestResponses {
  "GET /health": Out<typeof A.healthResponse>;
  "POST /auth/register": Out<typeof A.authResponse>;
  "POST /auth/login": Out<typeof A.authResponse>;
  "POST /auth/wechat": Out<typeof A.authResponse>;
  "POST /auth/dev": Out<typeof A.authResponse>;
  "POST /auth/refresh": Out<typeof A.authTokens>;
  "POST /auth/logout": void;
  "POST /auth/password": void;
  "POST /auth/web/qr": Out<typeof W.webQrAnswer>;
  "GET /auth/web/qr/:ticket": Out<typeof W.webTicketState>;
  "POST /auth/web/refresh": Out<typeof W.webSessionAnswer>;
  "POST /auth/web/logout": void;
  "POST /auth/web/qr/:ticket/scan": Out<typeof W.webScanAnswer>;
  "POST /auth/web/qr/:ticket/confirm": void;
  "POST /auth/web/qr/:ticket/cancel": void;
  "GET /me/sessions": Out<typeof W.sessionList>;
  "DELETE /me/sessions/:id": void;
  "GET /me": Out<typeof A.ownProfile>;
  "PATCH /me": Out<typeof A.ownProfile>;
  "DELETE /me": Out<typeof A.accountDeletion>;
  "GET /users/search": Out<typeof A.userList>;
  "GET /users/:id": Out<typeof A.publicProfile>;

  "GET /conversations": Out<typeof A.conversationsList>;
  "POST /conversations": Out<typeof A.conversationSummaryBody>;
  "POST /conversations/direct": Out<typeof A.conversationSummaryBody>;
  "GET /conversations/:id": Out<typeof A.conversationDetail>;
  "PATCH /conversations/:id/settings": Out<typeof A.conversationSummaryBody>;
  "GET /conversations/:id/messages": Out<typeof A.historyPageBody>;
  "POST /conversations/:id/messages": Out<typeof A.ackBody>;
  "GET /conversations/:id/messages/:seq": Out<typeof A.messageBody>;
  "POST /conversations/:id/messages/:seq/recall": Seq;
  "POST /conversations/:id/messages/:seq/hide": Seq;
  "POST /conversations/:id/messages/:seq/forward": Out<typeof A.forwardResults>;
  "POST /conversations/:id/read": Out<typeof A.readResponse>;
  "PUT /conversations/:id/unread": Out<typeof A.conversationSummaryBody>;
  "DELETE /conversations/:id/unread": Out<typeof A.conversationSummaryBody>;
  "POST /conversations/:id/clear": Out<typeof A.conversationSummaryBody>;
  "GET /conversations/:id/receipts": Out<typeof A.receiptsResponse>;
  "GET /conversations/:id/search": Out<typeof Q.chatSearchResult>;
  "GET /search": Out<typeof Q.searchResponse>;
  "GET /search/messages": Out<typeof Q.messagesSearchResponse>;
  "POST /dev/conversations/:id/seed": { lastSeq: number };
  "POST /dev/moments/seed": { friendIds: string[]; posts: number };

  "GET /contacts": Out<typeof C.contactsResponse>;
  "GET /contacts/requests": Out<typeof C.friendRequestsResponse>;
  "POST /contacts/requests": Out<typeof C.friendRequestResponse>;
  "POST /contacts/requests/:id/accept": Out<typeof C.acceptedRequestResponse>;
  "POST /contacts/requests/:id/decline": void;
  "GET /contacts/blocks": Out<typeof A.userList>;
  "PUT /contacts/blocks/:userId": void;
  "DELETE /contacts/blocks/:userId": void;
  "GET /contacts/tags": Out<typeof C.tagsResponse>;
  "POST /contacts/tags": Out<typeof C.tagResponse>;
  "PUT /contacts/tags/:name": Out<typeof C.tagRenamedResponse>;
  "DELETE /contacts/tags/:name": Out<typeof C.tagDeletedResponse>;
  "POST /contacts/tags/:name/members": Out<typeof C.tagResponse>;
  "DELETE /contacts/tags/:name/members/:userId": Out<typeof C.tagResponse>;
  "GET /contacts/:userId": Out<typeof C.friendView>;
  "PATCH /contacts/:userId": Out<typeof C.friendView>;
  "DELETE /contacts/:userId": void;

  "GET /groups/:id": Out<typeof G.groupInfo>;
  "PATCH /groups/:id": Out<typeof G.groupInfo>;
  "GET /groups/:id/members": Out<typeof G.membersResponse>;
  "POST /groups/:id/members": Out<typeof G.addMembersResponse>;
  "POST /groups/:id/leave": Seq;
  "PATCH /groups/:id/members/me": Seq;
  "DELETE /groups/:id/members/:userId": { removed: string[]; seq: number };
  "PUT /groups/:id/members/:userId/mute": { mutedUntil: number | null; seq: number };
  "DELETE /groups/:id/members/:userId/mute": { mutedUntil: number | null; seq: number };
  "PUT /groups/:id/admins/:userId": Seq;
  "DELETE /groups/:id/admins/:userId": Seq;
  "POST /groups/:id/transfer": { seq: number };
  "POST /groups/:id/dissolve": { seq: number };
  "POST /groups/:id/invites": Out<typeof G.createdInvite>;
  "GET /groups/:id/invites": Out<typeof G.invitesResponse>;
  "DELETE /groups/:id/invites/:code": Out<typeof G.inviteView>;
  "GET /groups/:id/join-requests": Out<typeof G.joinRequestsResponse>;
  "POST /groups/:id/join-requests/:requestId/:decision": Out<typeof G.joinRequestDecision>;
  "GET /invites/:code": Out<typeof G.invitePreview>;
  "POST /invites/:code/accept": Out<typeof G.acceptInviteResult>;
  "POST /face-to-face/rooms": Out<typeof G.faceToFaceRoom>;
  "POST /face-to-face/rooms/:roomId/enter": Out<typeof G.faceToFaceRoom>;
  "DELETE /face-to-face/rooms/:roomId/members/me": void;

  "POST /media": Out<typeof M.mediaInfo>;
  "POST /media/urls": Out<typeof M.mediaUrlsResponse>;
  "GET /media": Out<typeof M.mediaList>;
  "DELETE /media": { deleted: number };
  "DELETE /media/:id": { deleted: string[] };

  // Moments (docs/moments.md).
  "POST /moments": Out<typeof MO.momentView>;
  "GET /moments/timeline": Out<typeof MO.momentPage>;
  "GET /moments/badge": Out<typeof MO.badgeResponse>;
  "GET /moments/notifications": Out<typeof MO.notificationsResponse>;
  "POST /moments/notifications/read": void;
  "GET /moments/settings": Out<typeof MO.momentSettingsView>;
  "PATCH /moments/settings": Out<typeof MO.momentSettingsView>;
  "PUT /moments/settings/hidden": Out<typeof MO.momentSettingsView>;
  "PUT /moments/settings/muted": Out<typeof MO.momentSettingsView>;
  "GET /moments/users/:userId": Out<typeof MO.albumResponse>;
  "GET /moments/:id": Out<typeof MO.momentView>;
  "DELETE /moments/:id": void;
  "PUT /moments/:id/like": Out<typeof MO.momentView>;
  "DELETE /moments/:id/like": Out<typeof MO.momentView>;
  "POST /moments/:id/comments": Out<typeof MO.momentView>;
  "DELETE /moments/:id/comments/:commentId": Out<typeof MO.momentView>;

  "GET /notices": Out<typeof N.noticesResponse>;
  "PATCH /notices/settings": Out<typeof N.noticesResponse>;
  "POST /notices/subscriptions": Out<typeof N.noticesResponse>;
  "POST /reports": Out<typeof S.reportCreated>;
  // Operators only (docs/moderation.md); the operator page itself is HTML at GET /ops-console.
  "GET /ops/reports": Out<typeof S.reportList>;
  "GET /ops/reports/:id": Out<typeof S.reportView>;
  "POST /ops/reports/:id/resolve": Out<typeof S.opsDone>;
  "GET /ops/flags": Out<typeof S.flagList>;
  "POST /ops/flags/:id/resolve": Out<typeof S.opsDone>;
  "POST /ops/messages/remove": Out<typeof S.opsDone>;
  "GET /ops/users": Out<typeof S.opsUserList>;
  "POST /ops/users/:userId/:action": Out<typeof S.opsDone>;
  "POST /ops/groups/:id/dissolve": Out<typeof S.opsDone>;
  "GET /ops/log": Out<typeof S.opsLog>;
}

export type RestRoute = keyof RestResponses;
export type RestMethod = RestRoute extends `${infer Method} ${string}` ? Method : never;
/** The routes of one method, as their path patterns: RoutesOf<"GET"> includes "/groups/:id". */
export type RoutesOf<Method extends string> = RestRoute extends infer R ? (R extends `${Method} ${infer P}` ? P : never) : never;
/** A pattern's concrete paths: "/groups/:id/members" → `/groups/${string}/members`. */
export type PathOf<P extends string> = P extends `${infer Head}:${infer _Param}/${infer Rest}` ? `${Head}${string}/${PathOf<Rest>}` : P extends `${infer Head}:${string}` ? `${Head}${string}` : P;
/** What a route answers: ResponseOf<"GET", "/groups/:id"> is GroupInfo. */
export type ResponseOf<Method extends string, P extends string> = `${Method} ${P}` extends RestRoute ? RestResponses[`${Method} ${P}`] : never;
