// The screenshots' sample people and clock, in the language SCREEN_LOCALE names (zh_CN, the
// default, or en): shared by the sample data modules.
export const LOCALE: "zh_CN" | "en" = process.env.SCREEN_LOCALE === "en" ? "en" : "zh_CN";
/** The sample data's words in the language shown. */
export const say = (en: string, zh: string) => (LOCALE === "en" ? en : zh);
export const HIKING = say("Weekend Hiking", "周末徒步");
export const NAMES = { ann: say("Ann", "安妮"), bob: say("Bob", "鲍勃"), carol: say("Carol", "卡罗尔") };
export const ME = "u_annannannannannanna";
export const BOB = "u_bobbobbobbobbobbobb";
export const CAROL = "u_carolcarolcarolcaro";
export const GROUP = "c_hikinghikinghikinghi";
export const now = Date.now();
export const minutes = (n: number) => now - n * 60_000;

export const DAVE = "u_davedavedavedavedave";
export const NAME_DAVE = say("Dave", "大卫");
export const ERIN = "u_erinerinerinerinerin";
export const NAME_ERIN = say("Erin", "赵小雨");
export const FRANK = "u_frankfrankfrankfrank";
export const NAME_FRANK = say("Frank", "王磊");
export const GRACE = "u_gracegracegracegrace";
export const NAME_GRACE = say("Grace", "陈静");
