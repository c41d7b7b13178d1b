// The part of the `qrcode` package the screenshots use (it ships no types).
declare module "qrcode" {
  const QRCode: { toString(text: string, options: { type: "svg"; margin?: number }): Promise<string> };
  export default QRCode;
}
