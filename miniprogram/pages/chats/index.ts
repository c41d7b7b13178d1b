// The conversation list. Until conversations exist on the server it shows its empty state.
import { ensureSignedIn } from "../../services/auth";

Component({
  data: {
    /** Conversation summaries, newest first (filled once the conversations API lands). */
    conversations: [] as never[],
  },
  methods: {
    onShow() {
      ensureSignedIn();
    },
  },
});
