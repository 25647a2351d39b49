import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { serveSite } from '../../lib/web/serve.js';

/** A raw request (the path is sent as given: no URL normalisation by the client). */
function get(port: number, path: string, method = 'GET'): Promise<{ status: number; type?: string; body: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => ok({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', fail);
    req.end();
  });
}

it('serves the site folder on 127.0.0.1 with the types browsers need, and nothing outside it', async () => {
  const root = mkdtempSync(join(tmpdir(), 'spinelab-serve-'));
  const site = join(root, 'site');
  mkdirSync(join(site, 'wasm'), { recursive: true });
  writeFileSync(join(site, 'index.html'), '<!doctype html>page');
  writeFileSync(join(site, 'wasm', 'x.wasm'), 'wasm');
  writeFileSync(join(root, 'secret.txt'), 'secret');
  const server = await serveSite(site);
  try {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await get(server.port, '/')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', body: '<!doctype html>page' });
    expect(await get(server.port, '/wasm/x.wasm')).toMatchObject({ status: 200, type: 'application/wasm' });
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/wasm/..%2f..%2fsecret.txt', '/wasm/', '/missing.js']) expect((await get(server.port, p)).status, p).toBe(404);
    expect((await get(server.port, '/index.html', 'POST')).status).toBe(405);
  } finally {
    await server.close();
  }
});
