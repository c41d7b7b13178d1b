// Module kinds Vite bundles that TypeScript does not know by itself.
declare module "*.css";

// The part of the `qrcode` package the sign-in screen uses (it ships no types); Vite takes its browser build.
declare module "qrcode" {
  const QRCode: { toString(text: string, options: { type: "svg"; margin?: number; errorCorrectionLevel?: "L" | "M" | "Q" | "H"; color?: { dark?: string; light?: string } }): Promise<string> };
  export default QRCode;
}
