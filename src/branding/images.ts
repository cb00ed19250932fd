/**
 * What a branding file is, from its first bytes (never from its name): the logo and favicon
 * files must be images, and an SVG must be a plain picture. saoma serves them from its own
 * origin, where a scripted SVG opened on its own would run as saoma.
 */
export interface Image { type: string; ext: string }

const SIGNATURES: { type: string; ext: string; test: (b: Buffer) => boolean }[] = [
  { type: 'image/png', ext: 'png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { type: 'image/jpeg', ext: 'jpg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/gif', ext: 'gif', test: (b) => b.subarray(0, 4).toString('latin1') === 'GIF8' },
  { type: 'image/webp', ext: 'webp', test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
  { type: 'image/x-icon', ext: 'ico', test: (b) => b.subarray(0, 4).equals(Buffer.from([0, 0, 1, 0])) },
];

/** The image `bytes` are, or a sentence saying why they are not one saoma will serve. */
export function sniffImage(bytes: Buffer): Image | string {
  const found = SIGNATURES.find((s) => s.test(bytes));
  if (found) return { type: found.type, ext: found.ext };
  const text = bytes.toString('utf8');
  // An SVG: optional XML declaration, comments and doctype, then the <svg> element.
  if (!/^\uFEFF?\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]/i.test(text)) {
    return 'is not an image (PNG, JPEG, GIF, WebP, ICO or SVG, by its content)';
  }
  if (/<script|<foreignObject|\son[a-z]+\s*=|javascript:/i.test(text)) return 'is an SVG with script or event handlers; use a plain SVG';
  if (/(?:href|src)\s*=\s*["']\s*(?!#|data:)/i.test(text) || /url\(\s*["']?\s*(?!#|data:)/i.test(text)) return 'is an SVG that loads other files; embed everything in it';
  return { type: 'image/svg+xml', ext: 'svg' };
}
