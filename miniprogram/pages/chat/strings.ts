// The chat page's words from the catalogues, as its WXML reads them (`s.…`), and the labels of
// the long-press menu's actions.
import { type MessageKey, t } from "../../i18n/index";

export const strings = () => ({
  info: t("chat.info"),
  historyStart: t("chat.historyStart"),
  sending: t("chat.sending"),
  retry: t("chat.retry"),
  forwarded: t("chat.forwarded"),
  releaseToCancel: t("chat.releaseToCancel"),
  swipeUpToCancel: t("chat.swipeUpToCancel"),
  dissolved: t("chat.dissolved"),
  voiceMode: t("chat.voiceMode"),
  keyboardMode: t("chat.keyboardMode"),
  holdToTalk: t("chat.holdToTalk"),
  releaseToSend: t("chat.releaseToSend"),
  releaseCancel: t("chat.releaseCancel"),
  send: t("chat.send"),
  emojiPanel: t("composer.emojiPanel"),
  plusPanel: t("composer.plusPanel"),
  cardPicker: t("composer.cardPicker"),
  cardLabel: t("card.label"),
  cancelReply: t("chat.cancelReply"),
  mentionTitle: t("chat.mentionTitle"),
  mentionAll: t("chat.mentionAll"),
  forwardTo: t("chat.forwardTo"),
  back: t("chat.back"),
  cancel: t("chat.cancelSelect"),
  forwardEach: t("chat.forwardEach"),
  delete: t("chat.delete"),
  unplayed: t("chat.unplayed"),
  readList: t("chat.readList"),
});

/** The long-press menu's actions (ids that stay English in code) and their words. */
export const ACTION_LABEL: Record<"Copy" | "Reply" | "Forward" | "Select" | "Recall" | "Report" | "Delete", MessageKey> = {
  Copy: "chat.copy",
  Select: "chat.select",
  Reply: "chat.reply",
  Forward: "chat.forward",
  Recall: "chat.recall",
  Report: "chat.report",
  Delete: "chat.delete",
};
