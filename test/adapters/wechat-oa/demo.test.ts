import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { createBangban } from '../../../src/main.ts';
import { repoRoot } from '../../config/fixtures.ts';
import { startDemoFake } from '../../fakes/wechat/demo.ts';

describe('startDemoFake', () => {
  it('switches the platform on against the fake, and its phone plays a citizen', async () => {
    const demo = await startDemoFake();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bangban-oa-demo-'));
    const config = loadConfig({
      env: { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
      cwd: repoRoot,
    });
    const bangban = await createBangban({ config, env: demo.env, demo: true });
    try {
      const server = await bangban.listen();
      const phone = /curl -X POST (\S+)\/send/.exec(demo.describe)![1]!;
      const response = await fetch(`${phone}/send`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          openid: 'demo-citizen',
          text: '二类医疗器械注册证有效期几年',
          server: server.url,
        }),
      });
      const result = (await response.json()) as { status: number; reply: string | null };
      expect(result.status).toBe(200);
      expect(result.reply).toBeTruthy();
    } finally {
      await bangban.close();
      await demo.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
