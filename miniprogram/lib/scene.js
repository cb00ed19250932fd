// WeChat's own scene alphabet and length (getwxacodeunlimit): anything else is not one of our codes.
const SCENE = /^[A-Za-z0-9!#$&'()*+,/:;=?@._~-]{1,32}$/;

/**
 * The scene of the scanned code, from the page's options. WeChat hands it over URL-encoded.
 * Missing, undecodable or not a scene: undefined (the page then says the code is not valid).
 * @param {Record<string, string | undefined> | undefined} options
 * @returns {string | undefined}
 */
function sceneFrom(options) {
  const raw = options ? options.scene : undefined;
  if (typeof raw !== 'string' || raw === '') return undefined;
  let scene;
  try {
    scene = decodeURIComponent(raw);
  } catch (err) {
    return undefined;
  }
  return SCENE.test(scene) ? scene : undefined;
}

/**
 * Opened without any code: from the recent list, a search, a shared card, or by a reviewer. Not an
 * error, so the page explains what it is for instead.
 * @param {Record<string, string | undefined> | undefined} options
 */
function openedWithoutCode(options) {
  const raw = options ? options.scene : undefined;
  return raw === undefined || raw === '';
}

module.exports = { sceneFrom, openedWithoutCode };
