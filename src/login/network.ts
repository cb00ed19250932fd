import { BlockList, isIP } from 'node:net';
import ip2region from 'ip2region';
import type { Translate } from '../http/locale.ts';

/**
 * Where an IP address is, in words a person recognises ("浙江省 杭州市", "电信"), and whether two
 * addresses look like one network: the confirm screen's signal against QRLJacking (a live code
 * relayed from an attacker's browser to a victim's phone).
 *
 * The database ships inside the `ip2region` npm package (IPv4 and IPv6); nothing is downloaded at
 * run time. It is read into memory once per process: by `npm start` before it serves, otherwise on
 * the first lookup (the first scan), so processes that never see a scan (the admin CLI, most tests)
 * never pay for it: about 12 MB of RSS (8.7 MB for IPv4, 2.8 MB more for IPv6) and 0.1–0.5 s, once.
 * A lookup then takes ~0.05 ms. IPv6 is worth its 2.8 MB: Chinese mobile networks give phones IPv6
 * addresses by default, and without it most phones would read "unknown".
 */
export interface NetworkInfo {
  /** The region in the database's words, most specific last ("浙江省 杭州市", "美国"); null when unknown or private. */
  region: string | null;
  /** The network operator ("阿里云", "电信", "中国移动公众宽带"); null when unknown or private. */
  network: string | null;
  /** Loopback, RFC 1918, link-local, carrier-grade NAT or unique-local: not on the public internet. */
  private: boolean;
  /** 127.0.0.0/8 or ::1: the request came from the server's own machine. */
  loopback: boolean;
}

/**
 * How two addresses relate, from the closest to the farthest:
 * - `same`: the same address, the same IPv4 /24 or IPv6 /48 (one home, office or site), or both
 *   loopback (one machine);
 * - `similar`: both private (both inside a local network we cannot tell apart), or both public
 *   with the same country and province and the same operator (e.g. the same carrier's broadband
 *   and mobile network in one province);
 * - `different`: one private and one public, or both public in different provinces or on
 *   different operators;
 * - `unknown`: an address is missing or unreadable, or the database knows too little to compare.
 * Only `different` is worth a warning; `unknown` is said as such, never as a warning.
 */
export type NetworkMatch = 'same' | 'similar' | 'different' | 'unknown';

const UNKNOWN: NetworkInfo = Object.freeze({ region: null, network: null, private: false, loopback: false });

const loopbacks = new BlockList();
loopbacks.addSubnet('127.0.0.0', 8, 'ipv4');
loopbacks.addAddress('::1', 'ipv6');

const privates = new BlockList();
for (const [net, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16]] as const) privates.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) privates.addSubnet(net, prefix, 'ipv6');

interface Database {
  search(ip: string): { country: string; province: string; city: string; isp: string } | null;
}

let database: Database | undefined;

/** Reads the database into memory (once per process; later calls are free), warming up IPv6 too. */
export function loadNetworkDatabase(): void {
  if (database) return;
  // ip2region is CommonJS with `exports.default`; under NodeNext its default import is the module object.
  database = new ip2region.default();
  database.search('240e::1');
}

/** The address as compared: an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) is its IPv4 address. */
export function normaliseIp(ip: string | undefined | null): { ip: string; family: 4 | 6 } | undefined {
  if (typeof ip !== 'string') return undefined;
  let value = ip.trim();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(value);
  if (mapped) value = mapped[1]!;
  const family = isIP(value);
  return family === 4 || family === 6 ? { ip: value.toLowerCase(), family } : undefined;
}

/** What the database says about `ip`, or that it is private, or unknown. Never throws. */
export function lookupNetwork(ip: string | undefined | null): NetworkInfo {
  return examine(normaliseIp(ip)).info;
}

/** How the networks of two addresses relate (see NetworkMatch for the rule). */
export function sameNetwork(a: string | undefined | null, b: string | undefined | null): NetworkMatch {
  const first = normaliseIp(a);
  const second = normaliseIp(b);
  if (!first || !second) return 'unknown';
  if (first.family === second.family && prefixOf(first) === prefixOf(second)) return 'same';
  const one = examine(first);
  const other = examine(second);
  if (one.info.loopback && other.info.loopback) return 'same';
  if (one.info.private && other.info.private) return 'similar';
  if (one.info.private !== other.info.private) return 'different';
  if (one.place && other.place && one.place !== other.place) return 'different';
  if (one.operator && other.operator && one.operator !== other.operator) return 'different';
  if (one.place && other.place && one.operator && other.operator) return 'similar';
  return 'unknown';
}

/**
 * The words the confirm screen shows for one address: the database's own (Chinese) words, or
 * saoma's for what the database cannot say (private, this machine, unknown) in the person's language.
 */
export function networkWords(info: NetworkInfo, t: Translate): { region: string; network: string } {
  const placeholder = info.loopback ? t('network.loopback') : info.private ? t('network.private') : t('network.unknown');
  return { region: info.region ?? placeholder, network: info.network ?? placeholder };
}

/** One address's network for the audit trail: the database's words, never the address itself. */
export function networkForAudit(info: NetworkInfo): { region: string | null; network: string | null; private: boolean } {
  return { region: info.region, network: info.network, private: info.private };
}

/** The words for a person, plus the keys two lookups are compared by. */
function examine(address: { ip: string; family: 4 | 6 } | undefined): { info: NetworkInfo; place?: string; operator?: string } {
  if (!address) return { info: UNKNOWN };
  const type = address.family === 4 ? 'ipv4' : 'ipv6';
  if (privates.check(address.ip, type)) return { info: { region: null, network: null, private: true, loopback: loopbacks.check(address.ip, type) } };
  let found: ReturnType<Database['search']>;
  try {
    loadNetworkDatabase();
    found = database!.search(address.ip);
  } catch {
    return { info: UNKNOWN };
  }
  if (!found) return { info: UNKNOWN };
  const country = usable(found.country);
  const province = usable(found.province);
  // "北京" and "北京市" name one place: say it once, the more specific way.
  const city = usable(found.city);
  const local = province && city && provinceName(province) === provinceName(city) ? [city] : [province, city];
  const region = (country === '中国' ? local : [country, ...local]).filter(Boolean).join(' ');
  const network = usable(found.isp);
  return {
    info: { region: region || null, network, private: false, loopback: false },
    ...(country ? { place: province ? `${country}/${provinceName(province)}` : country } : {}),
    ...(network ? { operator: operatorKey(network) } : {}),
  };
}

/** One site: the /24 of an IPv4 address, the /48 of an IPv6 one. */
function prefixOf(address: { ip: string; family: 4 | 6 }): string {
  if (address.family === 4) return address.ip.split('.').slice(0, 3).join('.');
  const [head = '', tail = ''] = address.ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.ip.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return groups.slice(0, 3).map((group) => Number.parseInt(group || '0', 16)).join(':');
}

/** The big operators by one name whichever database spelled them ("电信", "中国电信CTNET网络"). */
const OPERATORS: Array<[RegExp, string]> = [
  [/电信|telecom/i, '电信'],
  [/联通|网通|unicom/i, '联通'],
  [/移动|铁通|china ?mobile/i, '移动'],
  [/广电/, '广电'],
  [/教育网|cernet/i, '教育网'],
  [/阿里/, '阿里云'],
  [/腾讯/, '腾讯云'],
];

function operatorKey(network: string): string {
  return OPERATORS.find(([pattern]) => pattern.test(network))?.[1] ?? network.trim().toLowerCase();
}

/** Provinces spelled alike in both databases ("北京" and "北京市", "广西" and "广西壮族自治区"). */
function provinceName(province: string): string {
  return province.replace(/(省|市|特别行政区|壮族自治区|回族自治区|维吾尔自治区|自治区)$/, '');
}

/** The database's placeholders ("0", "内网IP", "未知") are no words for a person. */
function usable(value: string | undefined): string | null {
  const text = value?.trim();
  return text && text !== '0' && text !== '内网IP' && text !== '未知' ? text : null;
}
