import { imageTypeOf, type BrandImageType } from '../image-type.ts';

/**
 * What a branding file is, from its first bytes (never from its name): the logo and favicon
 * files must be images, and an SVG must be a plain picture. saoma serves them from its own
 * origin, where a scripted SVG opened on its own would run as saoma.
 */
export interface Image { type: string; ext: string }

/** The file extension each type is served under. */
const EXTENSIONS: Record<BrandImageType, string> = {
  'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp', 'image/x-icon': 'ico',
};

/** The image `bytes` are, or a sentence saying why they are not one saoma will serve. */
export function sniffImage(bytes: Buffer): Image | string {
  const type = imageTypeOf(bytes, { gifAndIco: true });
  if (type) return { type, ext: EXTENSIONS[type] };
  const text = bytes.toString('utf8');
  // An SVG: optional XML declaration, comments and doctype, then the <svg> element.
  if (!/^\uFEFF?\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]/i.test(text)) {
    return 'is not an image (PNG, JPEG, GIF, WebP, ICO or SVG, by its content)';
  }
  if (/<script|<foreignObject|\son[a-z]+\s*=|javascript:/i.test(text)) return 'is an SVG with script or event handlers; use a plain SVG';
  if (/(?:href|src)\s*=\s*["']\s*(?!#|data:)/i.test(text) || /url\(\s*["']?\s*(?!#|data:)/i.test(text)) return 'is an SVG that loads other files; embed everything in it';
  return { type: 'image/svg+xml', ext: 'svg' };
}
