// A square avatar (style objects are set through the CSSOM, which the CSP allows) with rounded corners, as WeChat draws them: the picture when its signed URL is
// known, else the name's first character on a colour picked from the name.
import { mediaUrl, wantMedia } from "./client";
import { initialOf } from "./format";

const COLOURS = ["#5B8FF9", "#61DDAA", "#F6BD16", "#7262FD", "#78D3F8", "#9661BC", "#F6903D", "#008685"];

function colourOf(name: string): string {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.codePointAt(0)!) >>> 0;
  return COLOURS[h % COLOURS.length]!;
}

export function Avatar({ name, mediaId, size = 40 }: { name: string; mediaId?: string | null; size?: number }) {
  const url = mediaUrl(mediaId);
  if (mediaId && !url) wantMedia([mediaId]);
  return (
    <span class={`avatar avatar-${size}`} style={url ? undefined : { background: colourOf(name) }}>
      {url ? <img src={url} alt="" /> : initialOf(name)}
    </span>
  );
}
