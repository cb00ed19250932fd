import jpeg from 'jpeg-js';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { imageTypeOf } from '../image-type.ts';

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
  const type = imageTypeOf(image);
  if (type === 'image/jpeg') {
    format = 'JPEG';
    // Bounds on what a hostile or broken answer may cost: a real code is at most 1280 px square.
    pixels = jpeg.decode(image, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 16, maxMemoryUsageInMB: 256 });
  } else if (type === 'image/png') {
    format = 'PNG';
    pixels = PNG.sync.read(image);
  } else {
    throw new Error('the bytes are neither JPEG nor PNG');
  }
  if (pixels.width < 1 || pixels.height < 1) throw new Error(`${format} of ${pixels.width}×${pixels.height} pixels`);
  const qr = jsQR(new Uint8ClampedArray(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength), pixels.width, pixels.height);
  return { format, width: pixels.width, height: pixels.height, ...(qr ? { qrText: qr.data } : {}) };
}
