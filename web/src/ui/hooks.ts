// Preact hooks over the client's stores.
import { useEffect, useState } from "preact/hooks";
import type { ChatState } from "../platform/index";
import { chats, onMediaUrls } from "./client";

/** The chat store's state, redrawn on every change. */
export function useChats(): ChatState {
  const [state, setState] = useState<ChatState>(chats.store.get());
  useEffect(() => chats.store.subscribe((s: ChatState) => setState(s)), []);
  return state;
}

/** Redraws when signed media URLs arrive. */
export function useMediaUrls(): void {
  const [, setVersion] = useState(0);
  useEffect(() => onMediaUrls(() => setVersion((n) => n + 1)), []);
}
