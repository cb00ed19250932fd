/**
 * What WeChat accepts as a `scene` of getwxacodeunlimit: 1–32 visible characters from this set
 * (no `%`, so nothing URL-encoded). The emulator enforces the same rule WeChat does.
 */
export const SCENE_PATTERN = /^[A-Za-z0-9!#$&'()*+,/:;=?@._~-]{1,32}$/;

export function isValidScene(scene: unknown): scene is string {
  return typeof scene === 'string' && SCENE_PATTERN.test(scene);
}

/** A wx.login or phone-number code as the client accepts it before asking WeChat: 1–128 characters. */
export function isPlausibleWeChatCode(code: unknown): code is string {
  return typeof code === 'string' && code.length >= 1 && code.length <= 128;
}
