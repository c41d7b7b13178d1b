// The emoji panel's table and rules, pure. WeChat's chat faces travel as text codes such as
// [微笑]: the message body keeps the code (the server stores and previews it as typed, search
// finds it, an older client shows the code), and only drawing a bubble turns a known code into
// its picture. Qun draws them with Unicode emoji, so no image assets ship with the client and
// every language shows the same faces for the same codes.

/** WeChat's face codes and the Unicode emoji each is drawn as, in the panel's order. */
export const FACE_CODES: ReadonlyArray<{ code: string; emoji: string }> = [
  { code: "[微笑]", emoji: "🙂" },
  { code: "[撇嘴]", emoji: "😒" },
  { code: "[色]", emoji: "😍" },
  { code: "[发呆]", emoji: "😶" },
  { code: "[得意]", emoji: "😎" },
  { code: "[流泪]", emoji: "😢" },
  { code: "[害羞]", emoji: "😊" },
  { code: "[闭嘴]", emoji: "🤐" },
  { code: "[睡]", emoji: "😴" },
  { code: "[大哭]", emoji: "😭" },
  { code: "[尴尬]", emoji: "😅" },
  { code: "[发怒]", emoji: "😡" },
  { code: "[调皮]", emoji: "😜" },
  { code: "[呲牙]", emoji: "😁" },
  { code: "[惊讶]", emoji: "😮" },
  { code: "[难过]", emoji: "😞" },
  { code: "[抓狂]", emoji: "😫" },
  { code: "[吐]", emoji: "🤮" },
  { code: "[偷笑]", emoji: "🤭" },
  { code: "[愉快]", emoji: "😄" },
  { code: "[白眼]", emoji: "🙄" },
  { code: "[傲慢]", emoji: "😤" },
  { code: "[困]", emoji: "😪" },
  { code: "[惊恐]", emoji: "😱" },
  { code: "[憨笑]", emoji: "😆" },
  { code: "[悠闲]", emoji: "😌" },
  { code: "[咒骂]", emoji: "🤬" },
  { code: "[疑问]", emoji: "🤔" },
  { code: "[嘘]", emoji: "🤫" },
  { code: "[晕]", emoji: "😵" },
  { code: "[衰]", emoji: "😩" },
  { code: "[再见]", emoji: "👋" },
  { code: "[擦汗]", emoji: "😓" },
  { code: "[鼓掌]", emoji: "👏" },
  { code: "[坏笑]", emoji: "😏" },
  { code: "[哈欠]", emoji: "🥱" },
  { code: "[委屈]", emoji: "🥺" },
  { code: "[亲亲]", emoji: "😘" },
  { code: "[生病]", emoji: "😷" },
  { code: "[破涕为笑]", emoji: "😂" },
  { code: "[捂脸]", emoji: "🤦" },
  { code: "[哇]", emoji: "🤩" },
  { code: "[让我看看]", emoji: "👀" },
  { code: "[吃瓜]", emoji: "🍉" },
  { code: "[加油]", emoji: "💪" },
  { code: "[旺柴]", emoji: "🐶" },
  { code: "[拥抱]", emoji: "🤗" },
  { code: "[强]", emoji: "👍" },
  { code: "[弱]", emoji: "👎" },
  { code: "[握手]", emoji: "🤝" },
  { code: "[胜利]", emoji: "✌️" },
  { code: "[抱拳]", emoji: "🙏" },
  { code: "[拳头]", emoji: "👊" },
  { code: "[OK]", emoji: "👌" },
  { code: "[爱心]", emoji: "❤️" },
  { code: "[心碎]", emoji: "💔" },
  { code: "[玫瑰]", emoji: "🌹" },
  { code: "[凋谢]", emoji: "🥀" },
  { code: "[嘴唇]", emoji: "💋" },
  { code: "[月亮]", emoji: "🌙" },
  { code: "[太阳]", emoji: "☀️" },
  { code: "[礼物]", emoji: "🎁" },
  { code: "[红包]", emoji: "🧧" },
  { code: "[庆祝]", emoji: "🎉" },
  { code: "[烟花]", emoji: "🎆" },
  { code: "[爆竹]", emoji: "🧨" },
  { code: "[啤酒]", emoji: "🍺" },
  { code: "[咖啡]", emoji: "☕" },
  { code: "[蛋糕]", emoji: "🎂" },
  { code: "[炸弹]", emoji: "💣" },
  { code: "[便便]", emoji: "💩" },
  { code: "[猪头]", emoji: "🐷" },
];

/** Plain Unicode emoji offered after the faces; they are sent as they are. */
export const UNICODE_EMOJI: readonly string[] = [
  "😀",
  "😃",
  "😄",
  "😁",
  "😆",
  "😅",
  "🤣",
  "😂",
  "🙂",
  "🙃",
  "😉",
  "😊",
  "😇",
  "🥰",
  "😍",
  "🤩",
  "😘",
  "😋",
  "😛",
  "😜",
  "🤪",
  "😝",
  "🤑",
  "🤗",
  "🤭",
  "🤫",
  "🤔",
  "🤐",
  "🤨",
  "😐",
  "😑",
  "😶",
  "😏",
  "😒",
  "🙄",
  "😬",
  "😌",
  "😔",
  "😪",
  "🤤",
  "😴",
  "😷",
  "🤒",
  "🤕",
  "🤢",
  "🤮",
  "🥵",
  "🥶",
  "😵",
  "🤯",
  "🥳",
  "😎",
  "🤓",
  "🧐",
  "😕",
  "😟",
  "🙁",
  "😮",
  "😲",
  "😳",
  "🥺",
  "😦",
  "😨",
  "😰",
  "😢",
  "😭",
  "😱",
  "😖",
  "😣",
  "😞",
  "😓",
  "😩",
  "😫",
  "🥱",
  "😤",
  "😡",
  "😠",
  "🤬",
  "😈",
  "💀",
  "💩",
  "🤡",
  "👻",
  "👽",
  "🙈",
  "🙉",
  "🙊",
  "💋",
  "❤️",
  "🧡",
  "💛",
  "💚",
  "💙",
  "💜",
  "💔",
  "💯",
  "👍",
  "👎",
  "👌",
  "✌️",
  "🤞",
  "🤟",
  "🤙",
  "👋",
  "👏",
  "🙌",
  "🙏",
  "💪",
  "🤝",
  "👀",
  "🎉",
  "🎂",
  "🎁",
  "🧧",
  "🌹",
  "🌸",
  "🍉",
  "🍺",
  "☕",
  "🔥",
  "✨",
  "🌙",
  "☀️",
  "⭐",
  "🐶",
  "🐱",
  "🐷",
  "🐼",
];

const CODE_EMOJI = new Map(FACE_CODES.map((f) => [f.code, f.emoji]));

/** A bracketed run short enough to be a face code; unknown ones stay as typed. */
const CODE = /\[[^[\]\s]{1,6}\]/g;

/** Text as a bubble draws it: every known face code as its emoji, everything else unchanged. */
export function withEmoji(text: string): string {
  if (!text.includes("[")) return text;
  return text.replace(CODE, (code) => CODE_EMOJI.get(code) ?? code);
}

/** Joins a character to the one before it: variation selector 16, skin tones, the keycap mark. */
const MODIFIER = /^[\uFE0F\u20E3\u{1F3FB}-\u{1F3FF}]$/u;
const ZWJ = "\u200D";

/**
 * The draft after the panel's delete key: a face code at the end goes as one unit, as does an
 * emoji with its skin tone, variation selector or zero-width-joined parts; otherwise one character.
 */
export function deleteBackward(draft: string): string {
  const code = /\[[^[\]\s]{1,6}\]$/.exec(draft)?.[0];
  if (code && CODE_EMOJI.has(code)) return draft.slice(0, -code.length);
  const chars = Array.from(draft);
  let end = chars.length;
  while (end > 0) {
    end--;
    if (MODIFIER.test(chars[end] ?? "")) continue;
    // The part after a joiner belongs to the emoji before it (😮‍💨 is 😮, ZWJ, 💨).
    if (end > 0 && chars[end - 1] === ZWJ) {
      end--;
      continue;
    }
    break;
  }
  return chars.slice(0, end).join("");
}
