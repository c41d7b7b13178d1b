// WeChat's long-press menu: a dark rounded panel of icon + label items above a bubble (below it
// when there is no room above), its arrow pointing at the bubble. Where it goes is worked out by
// the page (menuPlacement in pages/chat/menu.ts); this draws it, emits `pick` with the item's id,
// and `close` on a tap anywhere else.

export interface MenuItem {
  id: string;
  label: string;
  icon: string;
}

Component({
  properties: {
    show: { type: Boolean, value: false },
    items: { type: Array, value: [] as MenuItem[] },
    /** The panel's box and the arrow's x inside it, px from the window's top left. */
    left: { type: Number, value: 0 },
    top: { type: Number, value: 0 },
    width: { type: Number, value: 0 },
    arrowX: { type: Number, value: 0 },
    /** Drawn below the bubble (the arrow on top) when there is no room above. */
    below: { type: Boolean, value: false },
  },
  methods: {
    onPick(e: WechatMiniprogram.BaseEvent) {
      const id = (e.currentTarget.dataset as { id?: string }).id;
      if (id) this.triggerEvent("pick", { id });
    },
    onClose() {
      this.triggerEvent("close");
    },
    /** Taps on the panel itself (between items) keep it open. */
    onPanel() {},
  },
});
