import jsQRModule from 'jsqr';
import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';

// jsqr is CommonJS with `exports.default`; under NodeNext its default import is the module object.
const jsQR = jsQRModule.default;

/** What the bytes are, read from their first bytes as saoma reads them (never from a label). */
export function imageFormatOf(image: Buffer): 'jpeg' | 'png' | undefined {
  if (image.length >= 3 && image[0] === 0xff && image[1] === 0xd8 && image[2] === 0xff) return 'jpeg';
  if (image.length >= 8 && image.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  return undefined;
}

/** The pixels of a JPEG or PNG image, RGBA. */
export function pixelsOf(image: Buffer): { data: Uint8ClampedArray; width: number; height: number } {
  const format = imageFormatOf(image);
  if (format === 'png') {
    const png = PNG.sync.read(image);
    return { data: new Uint8ClampedArray(png.data), width: png.width, height: png.height };
  }
  if (format === 'jpeg') {
    const jpeg = decodeJpeg(image, { useTArray: true, formatAsRGBA: true });
    return { data: new Uint8ClampedArray(jpeg.data), width: jpeg.width, height: jpeg.height };
  }
  throw new Error(`not a JPEG or PNG image (starts ${image.subarray(0, 8).toString('hex')})`);
}

/** Reads a QR code like a phone camera, from a JPEG or PNG image: its text, or undefined. */
export function decodeQr(image: Buffer): string | undefined {
  const { data, width, height } = pixelsOf(image);
  return jsQR(data, width, height)?.data;
}
