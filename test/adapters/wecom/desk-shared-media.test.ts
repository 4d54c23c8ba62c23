import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { createBangban } from '../../../src/main.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bangban-desk-media-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** The composition root's desk media route resolves `media:` refs from the shared MediaStore. */
describe('desk media route with shared media refs', () => {
  it('serves a staff member a `media:` ref with its type (files as downloads); others get 401, unknown refs 404', async () => {
    const config = loadConfig({ env: { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent' }, cwd: ROOT });
    const bangban = await createBangban({
      config,
      demo: true,
      clock: new ManualClock('2026-11-27T02:00:00Z'),
    });
    const server = await bangban.listen();
    try {
      const png = Buffer.from(
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
        'base64',
      );
      const image = await bangban.media.put({ bytes: png, contentType: 'image/png', fileName: 'scan.png' });
      const pdf = await bangban.media.put({
        bytes: Buffer.from('%PDF-1.4 test'),
        contentType: 'application/pdf',
        fileName: '办事指南.pdf',
      });
      const login = await fetch(`${server.url}/api/desk/demo-login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ staffId: 'zhang-wei' }),
      });
      const { token } = (await login.json()) as { token: string };
      const get = (ref: string, auth = true) =>
        fetch(`${server.url}/api/desk/media?ref=${encodeURIComponent(ref)}`, {
          headers: auth ? { Authorization: `Bearer ${token}` } : {},
        });

      const shown = await get(image);
      expect(shown.status).toBe(200);
      expect(shown.headers.get('content-type')).toBe('image/png');
      expect(shown.headers.get('content-disposition')).toBeNull();
      expect(Buffer.from(await shown.arrayBuffer()).equals(png)).toBe(true);

      const file = await get(pdf);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toBe('application/pdf');
      expect(file.headers.get('content-disposition')).toBe(
        `attachment; filename="____.pdf"; filename*=UTF-8''${encodeURIComponent('办事指南.pdf')}`,
      );

      expect((await get(image, false)).status).toBe(401);
      expect((await get('media:AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
      expect((await get('media:../../etc/passwd')).status).toBe(404);
    } finally {
      await bangban.close();
    }
  });
});
