// Friends and groups. Until contacts exist on the server it shows its empty state.
import { ensureSignedIn } from "../../services/auth";

Component({
  data: {
    /** Friends, grouped by index letter (filled once the contacts API lands). */
    friends: [] as never[],
  },
  methods: {
    onShow() {
      ensureSignedIn();
    },
  },
});
