import jpeg from 'jpeg-js';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';

// jsqr is CommonJS with `exports.default`; under NodeNext its default import is the module object.
const jsQR = jsQRModule.default;

/** A code image as pixels, and the text of the QR code in it when there is one. */
export interface DecodedCode {
  format: 'JPEG' | 'PNG';
  width: number;
  height: number;
  /** Set when the image holds a standard QR code (the emulator's); WeChat's own round mini-program codes only WeChat reads. */
  qrText?: string;
}

/**
 * Decodes a code image by its bytes, not its label: WeChat sends JPEG labelled image/jpeg, and
 * PNG labelled image/jpeg too when the background is transparent. Throws with a reason a person
 * can act on when the bytes are neither, or do not decode.
 */
export function decodeCode(image: Buffer): DecodedCode {
  let format: DecodedCode['format'];
  let pixels: { width: number; height: number; data: Uint8Array };
  if (image.length >= 3 && image[0] === 0xff && image[1] === 0xd8 && image[2] === 0xff) {
    format = 'JPEG';
    // Bounds on what a hostile or broken answer may cost: a real code is at most 1280 px square.
    pixels = jpeg.decode(image, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 16, maxMemoryUsageInMB: 256 });
  } else if (image.length >= 8 && image.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    format = 'PNG';
    pixels = PNG.sync.read(image);
  } else {
    throw new Error('the bytes are neither JPEG nor PNG');
  }
  if (pixels.width < 1 || pixels.height < 1) throw new Error(`${format} of ${pixels.width}×${pixels.height} pixels`);
  const qr = jsQR(new Uint8ClampedArray(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength), pixels.width, pixels.height);
  return { format, width: pixels.width, height: pixels.height, ...(qr ? { qrText: qr.data } : {}) };
}
