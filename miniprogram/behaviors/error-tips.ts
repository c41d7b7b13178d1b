// Error toptips for every page that shows errors: `error` in the page's data for WeUI's
// <mp-toptips msg="{{error}}" show="{{!!error}}" bindhide="onErrorHide">, showError() for a
// sentence or anything thrown, and onErrorHide() clearing it when the tip hides itself.
import { errorMessage } from "../services/errors";

export const errorTips = Behavior({
  data: { error: "" },
  methods: {
    /** Shows a sentence as it is, or the user's sentence for anything thrown (an ApiError's message). */
    showError(err: unknown) {
      this.setData({ error: typeof err === "string" ? err : errorMessage(err) });
    },
    onErrorHide() {
      this.setData({ error: "" });
    },
  },
});
