/**
 * The host of a website's address, for the confirm screen ("shop.example").
 * (No URL class here: older WeChat versions lack it.)
 * @param {string | undefined} uri
 */
function hostOf(uri) {
  const match = typeof uri === 'string' ? /^https?:\/\/([^/?#@]+)/i.exec(uri) : null;
  return match ? match[1] : '';
}

/**
 * A moment as the phone's local date and time, "2026-03-14 09:26:53"; '' when unreadable.
 * @param {string | number | undefined} value ISO text, or epoch seconds
 */
function localTime(value) {
  if (value === undefined || value === '') return '';
  const date = new Date(typeof value === 'number' ? value * 1000 : value);
  if (isNaN(date.getTime())) return '';
  /** @param {number} n */
  const two = (n) => (n < 10 ? '0' : '') + n;
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

module.exports = { hostOf, localTime };
