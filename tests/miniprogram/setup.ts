// Page specs written before the catalogues read English; a spec of the Chinese pages switches to
// zh_CN itself. Each spec starts in English whatever the host's language, in both copies of the
// client: the source modules the core specs import, and the build the rendered pages run.
import { beforeEach } from "vitest";
import * as i18n from "../../miniprogram/i18n/index";
import { clientModule } from "./harness";

beforeEach(() => {
  i18n.setLocale("en");
  clientModule<typeof i18n>("i18n/index").setLocale("en");
});
