import type { Check } from './check.ts';
import { clock } from './checks/clock.ts';
import { codeImage } from './checks/code-image.ts';
import { configuration } from './checks/configuration.ts';
import { cookieKeys } from './checks/cookie-keys.ts';
import { ipWhitelist } from './checks/ip-whitelist.ts';
import { issuer } from './checks/issuer.ts';
import { loginPage } from './checks/login-page.ts';
import { phoneNumber } from './checks/phone-number.ts';
import { redisPersistence } from './checks/redis-persistence.ts';
import { urlLink } from './checks/url-link.ts';
import { wechatCredentials } from './checks/wechat-credentials.ts';

/** Every check of `saoma doctor`, in the order the report shows them (docs/doctor.md describes each). */
export const CHECKS: readonly Check[] = [
  configuration,
  wechatCredentials,
  ipWhitelist,
  loginPage,
  codeImage,
  urlLink,
  phoneNumber,
  issuer,
  cookieKeys,
  redisPersistence,
  clock,
];
