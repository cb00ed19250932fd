/** The image types saoma tells apart: WeChat's code images (JPEG, PNG) and avatars (also WebP). */
export type ImageType = 'image/jpeg' | 'image/png' | 'image/webp';
/** What a branding logo or favicon may also be (an SVG is text, told apart in src/branding/images.ts). */
export type BrandImageType = ImageType | 'image/gif' | 'image/x-icon';

/**
 * An image's type by its first bytes, never by its name or label (WeChat labels a transparent
 * PNG code image/jpeg; an upload's name and type are the sender's word); undefined for anything else.
 * GIF and ICO count only when asked for (branding files): WeChat's images and avatars are never those.
 */
export function imageTypeOf(bytes: Uint8Array): ImageType | undefined;
export function imageTypeOf(bytes: Uint8Array, also: { gifAndIco: true }): BrandImageType | undefined;
export function imageTypeOf(bytes: Uint8Array, also?: { gifAndIco: true }): BrandImageType | undefined {
  const starts = (...prefix: number[]) => prefix.every((byte, i) => bytes[i] === byte);
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  // \x89 P N G: the rest of the 8-byte signature (CR LF SUB LF) adds nothing a sender could not fake.
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'image/png';
  // RIFF <size> WEBP
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return 'image/webp';
  if (!also?.gifAndIco) return undefined;
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif'; // GIF8
  if (starts(0x00, 0x00, 0x01, 0x00)) return 'image/x-icon';
  return undefined;
}
