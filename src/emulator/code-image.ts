import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { encode as encodeJpeg } from 'jpeg-js';
import QRCode from 'qrcode';

export interface CodeDrawing {
  /** Width and height in pixels. */
  width: number;
  /** `jpeg` as WeChat draws by default; `png` for a transparent background (`is_hyaline`) or when asked. */
  format: 'jpeg' | 'png';
  transparent: boolean;
  /** The colour of the code's modules. */
  color: { r: number; g: number; b: number };
}

const MARGIN = 2;
const JPEG_QUALITY = 90;

/**
 * A standard QR code of `text` (a camera, a person or a test can read it where WeChat would draw
 * its round mini-program code), `width` pixels square, as JPEG or PNG bytes.
 */
export async function drawCode(text: string, drawing: CodeDrawing): Promise<Buffer> {
  const hex = `#${[drawing.color.r, drawing.color.g, drawing.color.b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
  if (drawing.format === 'png') {
    // Transparent pixels stay white underneath, so a reader that ignores alpha still sees the code.
    const light = drawing.transparent ? '#ffffff00' : '#ffffffff';
    return QRCode.toBuffer(text, { type: 'png', width: drawing.width, margin: MARGIN, errorCorrectionLevel: 'M', color: { dark: `${hex}ff`, light } });
  }
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const size = modules.size;
  const width = drawing.width;
  // The same geometry as qrcode's own PNG: the modules and margin stretched over exactly `width` pixels.
  const scale = width / (size + MARGIN * 2);
  const rgba = Buffer.alloc(width * width * 4, 0xff);
  for (let y = 0; y < width; y += 1) {
    const row = Math.floor(y / scale) - MARGIN;
    if (row < 0 || row >= size) continue;
    for (let x = 0; x < width; x += 1) {
      const column = Math.floor(x / scale) - MARGIN;
      if (column < 0 || column >= size || !modules.get(row, column)) continue;
      const at = (y * width + x) * 4;
      rgba[at] = drawing.color.r;
      rgba[at + 1] = drawing.color.g;
      rgba[at + 2] = drawing.color.b;
    }
  }
  return jpeg({ data: rgba, width, height: width });
}

/** Draws one small code, so the first real one is not slowed by building the JPEG encoder. */
export function warmUpCodeImages(): void {
  void drawCode('warm-up', { width: 280, format: 'jpeg', transparent: false, color: { r: 0, g: 0, b: 0 } });
}

type RawImage = { data: Buffer; width: number; height: number };
let reusable: ((image: RawImage) => Buffer) | undefined;

/**
 * jpeg-js's `encode` builds a new encoder for every image, and building one (tables of 65,535
 * entries) costs ~100 ms of CPU and as much garbage, ten times the encoding itself, enough to time
 * out busy test runs. Its encoder is reusable but not exported, so one is made from jpeg-js's own
 * encoder file, once; should that ever fail (another jpeg-js layout), `encode` is used instead.
 */
function jpeg(image: RawImage): Buffer {
  if (!reusable) {
    try {
      const require = createRequire(import.meta.url);
      const source = readFileSync(require.resolve('jpeg-js/lib/encoder.js'), 'utf8');
      // Evaluates jpeg-js's own file (never input) to reach its encoder constructor.
      const Encoder = new Function('module', 'require', `${source}\nreturn JPEGEncoder;`)({ exports: {} }, require) as new (quality: number) => { encode(image: RawImage, quality: number): Buffer };
      const encoder = new Encoder(JPEG_QUALITY);
      reusable = (raw) => encoder.encode(raw, JPEG_QUALITY);
    } catch {
      reusable = (raw) => encodeJpeg(raw, JPEG_QUALITY).data;
    }
  }
  return reusable(image);
}
