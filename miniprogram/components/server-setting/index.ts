// A development setting: which server the app talks to. Opened from the login page and Me.
import { apiBase, DEFAULT_API_BASE, resetApiBase, setApiBase } from "../../services/config";

Component({
  properties: {
    show: { type: Boolean, value: false },
  },
  data: {
    draft: "",
    error: "",
    defaultBase: DEFAULT_API_BASE,
  },
  observers: {
    show(show: boolean) {
      if (show) this.setData({ draft: apiBase(), error: "" });
    },
  },
  methods: {
    onInput(e: WechatMiniprogram.Input) {
      this.setData({ draft: e.detail.value, error: "" });
    },
    onSave() {
      try {
        this.triggerEvent("change", { apiBase: setApiBase(this.data.draft) });
      } catch (e) {
        this.setData({ error: e instanceof Error ? e.message : String(e) });
      }
    },
    onReset() {
      this.setData({ draft: resetApiBase(), error: "" });
      this.triggerEvent("change", { apiBase: DEFAULT_API_BASE });
    },
    onClose() {
      this.triggerEvent("close");
    },
  },
});
