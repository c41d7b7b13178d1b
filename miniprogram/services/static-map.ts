// A location bubble's picture. A live <map> per bubble is a native component (heavy, drawn above
// the page), so a bubble shows a still picture: Tencent's static map image when the operator put a
// Tencent Location Service key here (a release also needs https://apis.map.qq.com among the
// mini-program's downloadFile domains, see docs/miniprogram.md), else nothing, and the page draws a
// map-like tile with a pin in WXSS. Tapping either opens wx.openLocation.

/** The Tencent Location Service (lbs.qq.com) key for static map pictures; empty: the drawn tile. */
export const TENCENT_MAP_KEY: string = "";

const STATIC_MAP = "https://apis.map.qq.com/ws/staticmap/v2/";

/** The static map picture of a place, `width`×`height` CSS pixels drawn at twice that, or "" without a key. */
export function staticMapUrl(latitude: number, longitude: number, width: number, height: number, key = TENCENT_MAP_KEY): string {
  if (!key || !Number.isFinite(latitude) || !Number.isFinite(longitude)) return "";
  const at = `${latitude.toFixed(6)},${longitude.toFixed(6)}`;
  const query = [`center=${at}`, "zoom=15", `size=${Math.round(width)}*${Math.round(height)}`, "scale=2", `markers=${encodeURIComponent(`color:red|${at}`)}`, `key=${encodeURIComponent(key)}`];
  return `${STATIC_MAP}?${query.join("&")}`;
}
