import { customAlphabet } from 'nanoid';
import { ALPHANUMERIC } from '../ids.ts';

/**
 * Scenes: the string printed in a mini-program code and handed to the mini-program when it is
 * scanned. WeChat accepts 1–32 visible characters from its alphabet (no `%`, so nothing
 * URL-encoded); the emulator enforces the same rule WeChat does. saoma's own scenes use a part of
 * it, A-Za-z0-9, so a scene of any other shape was never one of ours.
 */
export const SCENE_PATTERN = /^[A-Za-z0-9!#$&'()*+,/:;=?@._~-]{1,32}$/;

const SAOMA_SCENE = /^[A-Za-z0-9]{1,32}$/;

/** A new scene for a login ticket: 20 characters over A-Za-z0-9, ~119 bits. */
export const newScene = customAlphabet(ALPHANUMERIC, 20);

/** Whether WeChat would accept `scene` in a code. */
export function isValidScene(scene: unknown): scene is string {
  return typeof scene === 'string' && SCENE_PATTERN.test(scene);
}

/** Whether `scene` could be one saoma made (else there is no ticket to look up). */
export function isSaomaScene(scene: unknown): scene is string {
  return typeof scene === 'string' && SAOMA_SCENE.test(scene);
}

/** A wx.login or phone-number code as the client accepts it before asking WeChat: 1–128 characters. */
export function isPlausibleWeChatCode(code: unknown): code is string {
  return typeof code === 'string' && code.length >= 1 && code.length <= 128;
}
