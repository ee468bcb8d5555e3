// The package tests' npm: a bare PATH, but the user's way of reaching the registry, and bounded
// network steps that fail with one line (test/integration/package/npm.ts).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { npmEnv, npmReason, runNpm } from '../../integration/package/npm.js';

const files = { globalconfig: '/usr/etc/npmrc', userconfig: '/home/u/.npmrc' };

describe('npmEnv', () => {
  const user = {
    PATH: '/usr/local/bin:/usr/bin',
    HOME: '/home/u',
    NODE_EXTRA_CA_CERTS: '/etc/ssl/corp.pem',
    SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt',
    https_proxy: 'http://proxy:3128',
    NODE_OPTIONS: '--use-openssl-ca',
    npm_config_cafile: '/etc/ssl/corp.pem',
    npm_config_registry: 'https://npm.corp/',
    npm_config_prefix: '/usr',
    npm_config_global_prefix: '/usr',
    npm_config_node_gyp: '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    CC: 'gcc',
  };
  const env = npmEnv('/tmp/bare', files, user);

  it('keeps PATH bare: node and npm only', () => {
    expect(env.PATH).toBe('/tmp/bare');
    expect(env.CC).toBeUndefined();
  });

  it("passes every TLS and proxy setting and the user's npmrc files on", () => {
    expect(env).toMatchObject({
      HOME: '/home/u',
      NODE_EXTRA_CA_CERTS: '/etc/ssl/corp.pem',
      SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt',
      https_proxy: 'http://proxy:3128',
      NODE_OPTIONS: '--use-openssl-ca',
      npm_config_cafile: '/etc/ssl/corp.pem',
      npm_config_registry: 'https://npm.corp/',
      npm_config_globalconfig: '/usr/etc/npmrc',
      npm_config_userconfig: '/home/u/.npmrc',
    });
  });

  it('drops npm settings that move the install or name a compiler', () => {
    expect(env.npm_config_prefix).toBeUndefined();
    expect(env.npm_config_global_prefix).toBeUndefined();
    expect(env.npm_config_node_gyp).toBeUndefined();
  });
});

describe('npmReason', () => {
  it("picks npm's request line out of its error block", () => {
    const stderr = [
      'npm error code SELF_SIGNED_CERT_IN_CHAIN',
      'npm error errno SELF_SIGNED_CERT_IN_CHAIN',
      'npm error request to https://registry.npmjs.org/@oclif%2fcore failed, reason: self-signed certificate in certificate chain',
      'npm error A complete log of this run can be found in: /tmp/x.log',
    ].join('\n');
    expect(npmReason(stderr)).toBe(
      'request to https://registry.npmjs.org/@oclif%2fcore failed, reason: self-signed certificate in certificate chain',
    );
  });
});

describe('runNpm', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pcsc-npm-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // An npm that hangs on install (as npm does while it retries a registry it cannot reach) and whose
  // ping fails the way a missing CA certificate makes it fail.
  const fake = join(dir, 'npm');
  writeFileSync(
    fake,
    '#!/bin/sh\nif [ "$1" = ping ]; then echo "npm error request to https://registry.npmjs.org/-/ping failed, reason: unable to get local issuer certificate" >&2; exit 1; fi\nexec sleep 30\n',
  );
  chmodSync(fake, 0o755);

  it("turns a hang into one line: the bound and npm ping's reason, never ETIMEDOUT", () => {
    let message = '';
    try {
      runNpm(fake, ['install', 'x'], { env: { PATH: '/usr/bin:/bin' }, cwd: dir, timeoutMs: 1000 });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe(
      'npm could not reach the registry in 1 s: request to https://registry.npmjs.org/-/ping failed, reason: unable to get local issuer certificate',
    );
    expect(message).not.toMatch(/ETIMEDOUT|\n/);
  });

  it('returns what npm printed when it finishes', () => {
    const r = runNpm(fake, ['ping'], { env: { PATH: '/usr/bin:/bin' }, cwd: dir, timeoutMs: 10_000 });
    expect(r.code).toBe(1);
    expect(npmReason(r.stderr)).toMatch(/unable to get local issuer certificate$/);
  });
});
