// The chat's "+" panel, shown in place of the keyboard as WeChat does: Album, Camera, Video,
// Location, File and Contact Card as a grid of tiles. It only says which was tapped (`pick`
// { item }); the chat page does the work (pages/chat/attachments.ts, the friend picker for a card).
import { localized } from "../../behaviors/localized";
import { type MessageKey, t } from "../../i18n/index";

/** The tiles in WeChat's order, with their WeUI icons and catalogue labels. */
export const PLUS_ITEMS = [
  { item: "album", icon: "album", label: "composer.album" },
  { item: "camera", icon: "camera", label: "composer.camera" },
  { item: "video", icon: "video-call", label: "composer.video" },
  { item: "location", icon: "location", label: "composer.location" },
  { item: "file", icon: "folder", label: "composer.file" },
  { item: "card", icon: "contacts", label: "composer.card" },
] as const satisfies ReadonlyArray<{ item: string; icon: string; label: MessageKey }>;

export type PlusItem = (typeof PLUS_ITEMS)[number]["item"];

const strings = () => ({ items: PLUS_ITEMS.map((i) => t(i.label)) });

Component({
  behaviors: [localized(strings)],
  data: {
    items: PLUS_ITEMS.map((i) => ({ item: i.item, icon: i.icon })),
  },
  methods: {
    onPick(e: WechatMiniprogram.BaseEvent) {
      const item = (e.currentTarget.dataset as { item?: PlusItem }).item;
      if (item) this.triggerEvent("pick", { item });
    },
  },
});
