// A development setting: which server the app talks to. Opened from the login page and Me.
import { localized } from "../../behaviors/localized";
import { t } from "../../i18n/index";
import { apiBase, DEFAULT_API_BASE, resetApiBase, setApiBase } from "../../services/config";

const strings = () => ({ title: t("server.title"), subtitle: t("server.subtitle"), label: t("server.label"), tips: t("server.tips"), reset: t("server.reset"), save: t("common.save") });

Component({
  behaviors: [localized(strings)],
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
