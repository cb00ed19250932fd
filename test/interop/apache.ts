import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { example, exampleEnv, startWebsite, type Rig, type Website } from './harness.ts';

export const APACHE = '/usr/sbin/apache2';
const MODULES = '/usr/lib/apache2/modules';

/**
 * Apache in the foreground on the website's loopback port, with a configuration of its own in a
 * temporary directory (no system service): the bare server around the page's own `saoma.conf`
 * and `site/`.
 */
export function startApache(rig: Rig): Promise<Website> {
  const dir = mkdtempSync(join(tmpdir(), 'saoma-apache-'));
  const site = example('mod_auth_openidc', 'site').pathname;
  const modules = ['mpm_event', 'authn_core', 'authz_core', 'authz_user', 'mime', 'dir', 'include', 'auth_openidc'];
  writeFileSync(join(dir, 'httpd.conf'), [
    `ServerRoot ${dir}`,
    'ServerName 127.0.0.1',
    `Listen 127.0.0.1:${rig.port}`,
    `PidFile ${dir}/apache2.pid`,
    `DefaultRuntimeDir ${dir}`,
    `Mutex file:${dir} default`,
    // A piped logger: its output is Apache's own stdout, which the test keeps.
    'ErrorLog "|/bin/cat"',
    (process.env.APACHE_LOG_LEVEL ? `LogLevel ${process.env.APACHE_LOG_LEVEL}` : 'LogLevel warn auth_openidc:info'),
    ...modules.map((m) => `LoadModule ${m === 'auth_openidc' ? 'auth_openidc_module' : `${m}_module`} ${MODULES}/mod_${m}.so`),
    'TypesConfig /etc/mime.types',
    'User nobody',
    'Group nogroup',
    `DocumentRoot ${site}`,
    'DirectoryIndex index.html index.shtml',
    `<Directory ${site}>`,
    '  Options +Includes',
    '  AddType text/html .shtml',
    '  AddOutputFilter INCLUDES .shtml',
    '  Require all granted',
    '</Directory>',
    `Include ${example('mod_auth_openidc', 'saoma.conf').pathname}`,
    '',
  ].join('\n'));
  return startWebsite(APACHE, ['-f', join(dir, 'httpd.conf'), '-DFOREGROUND'], {
    env: { ...exampleEnv(rig), OIDC_CRYPTO_PASSPHRASE: 'interop-test-crypto-passphrase-0123456789', APACHE_RUN_DIR: dir },
    ready: `${rig.appUrl}/`,
  });
}
