// The parts of the `qrcode` package the worker uses: its encoder and its renderers' helpers,
// imported directly because its entry points pick Node streams or a canvas.
declare module "qrcode/lib/core/qrcode.js" {
  export interface QRCodeData {
    modules: { size: number; data: Uint8Array };
    version: number;
  }
  export function create(text: string, options?: { errorCorrectionLevel?: "L" | "M" | "Q" | "H" }): QRCodeData;
}

declare module "qrcode/lib/renderer/svg-tag.js" {
  import type { QRCodeData } from "qrcode/lib/core/qrcode.js";
  export function render(qr: QRCodeData, options?: { margin?: number; width?: number; color?: { dark?: string; light?: string } }): string;
}

declare module "qrcode/lib/renderer/utils.js" {
  import type { QRCodeData } from "qrcode/lib/core/qrcode.js";
  export interface RenderOptions {
    margin: number;
    scale: number;
    width?: number;
  }
  export function getOptions(options?: { margin?: number; scale?: number; width?: number }): RenderOptions & Record<string, unknown>;
  export function getImageWidth(qrSize: number, opts: RenderOptions): number;
  export function qrToImageData(imgData: Uint8Array | Uint8ClampedArray, qr: QRCodeData, opts: RenderOptions): void;
}
