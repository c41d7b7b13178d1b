// Catalogue strings for a page or component: `s` in its data from `strings()`, redrawn after every
// language switch while it is attached (a switch on Me re-renders the pages already open), and
// `applyTitle()` for the navigation bar. WeChat sets the title of the page on top only, so a page
// calls applyTitle() in onShow rather than on a switch made while it was hidden.
import { type MessageKey, onLocaleChange, t } from "../i18n/index";

const subscriptions = new WeakMap<object, () => void>();

/** A page's hook after a language switch, for strings it builds itself (list rows, previews). */
interface LocaleAware {
  onLocaleChanged?: () => void;
}

export function localized(strings: () => Record<string, string | string[]>, title?: MessageKey) {
  return Behavior({
    data: { s: strings() },
    lifetimes: {
      attached() {
        this.setData({ s: strings() });
        subscriptions.get(this)?.();
        const off = onLocaleChange(() => {
          this.setData({ s: strings() });
          (this as unknown as LocaleAware).onLocaleChanged?.();
        });
        subscriptions.set(this, off);
      },
      detached() {
        subscriptions.get(this)?.();
        subscriptions.delete(this);
      },
    },
    methods: {
      /** The navigation bar's title in the current language (call it in onShow). */
      applyTitle() {
        if (title) wx.setNavigationBarTitle({ title: t(title), fail: () => undefined });
      },
    },
  });
}
