import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import { loadConfig } from '../src/config/index.ts';
import { listGaps } from '../src/kb/gap-backlog.ts';
import { createBangban } from '../src/main.ts';
import { QDG6eK } from './fixtures/wecom/vectors.ts';
import { runCli } from './helpers/cli.ts';
import { createTestDatabase } from './helpers/db.ts';
import { repoRoot } from './config/fixtures.ts';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bangban-main-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('createBangban (composition root)', () => {
  it('migrates a new data folder, serves /healthz and /metrics, and closes cleanly', async () => {
    const config = loadConfig({ env: { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent' }, cwd: repoRoot });
    const bangban = await createBangban({ config, clock: new ManualClock('2026-11-27T02:00:00Z') });
    const server = await bangban.listen();
    try {
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      const body = (await health.json()) as { status: string; database: string; warnings: string[] };
      expect(body).toMatchObject({ status: 'ok', database: 'pglite' });
      // From November on the next year's holidays should be configured; 2027 is not yet.
      expect(body.warnings.join()).toContain('2027');
      // The demo knowledge base is seeded on an empty database and answers from the start.
      expect(bangban.kb.size).toBeGreaterThan(100);
      expect(bangban.kb.answer('二类医疗器械注册证有效期几年', {}).decision).toBe('answer');
      // A question the bot cannot answer reaches the KB gap backlog, due in 5 working days.
      await bangban.flows.handleInbound({
        channel: 'webchat',
        externalId: 'main-test-1',
        channelUserId: 'citizen-main-test',
        senderRole: 'citizen',
        kind: 'text',
        text: '请问贵局食堂周末对外开放吗',
      });
      const [gap] = await listGaps(bangban.database.db, { status: 'open' });
      expect(gap).toMatchObject({ question: '请问贵局食堂周末对外开放吗', status: 'open' });
      expect(gap!.dueAt.toISOString()).toBe('2026-12-04T15:59:59.999Z');
      const metrics = await fetch(`${server.url}/metrics`);
      expect(await metrics.text()).toContain('http_request_duration_seconds');
    } finally {
      await bangban.close();
      await bangban.close();
    }
  });

  it('uses a database it is given (migrated, seeded, closed with it) and opens no PGlite folder', async () => {
    const given = await createTestDatabase('pglite');
    const folder = mkdtempSync(path.join(os.tmpdir(), 'bangban-given-'));
    try {
      const config = loadConfig({ env: { DATA_DIR: folder, PORT: '0', LOG_LEVEL: 'silent' }, cwd: repoRoot });
      const bangban = await createBangban({
        config,
        clock: new ManualClock('2026-11-27T02:00:00Z'),
        database: given,
      });
      expect(bangban.database).toBe(given);
      expect(bangban.kb.size).toBeGreaterThan(100);
      expect(existsSync(path.join(folder, 'pg'))).toBe(false);
      await bangban.close();
      await expect(given.healthCheck()).rejects.toThrow();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('refuses a data folder another process holds, with exit 2 and a clear message', async () => {
    const held = mkdtempSync(path.join(os.tmpdir(), 'bangban-held-'));
    // pid 1 is always alive, so the lock is not stale.
    writeFileSync(path.join(held, 'pg.lock'), '1\n');
    try {
      const result = await runCli(['start'], { env: { DATA_DIR: held, PORT: '0', LOG_LEVEL: 'silent' } });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/in use by process 1/);
    } finally {
      rmSync(held, { recursive: true, force: true });
    }
  });

  it('fails at start on a bad config with the field path and exit 2, writing nothing', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'bangban-badcfg-'));
    const file = path.join(folder, 'bad.yaml');
    writeFileSync(file, 'server: { port: "x" }\n');
    try {
      const result = await runCli(['start', '--config', file], {
        env: { DATA_DIR: path.join(folder, 'data') },
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('server.port');
      const { existsSync } = await import('node:fs');
      expect(existsSync(path.join(folder, 'data'))).toBe(false);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('refuses to start with half the WeCom variables set, naming the missing ones, before opening anything', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'bangban-wecom-env-'));
    try {
      const result = await runCli(['start'], {
        env: { DATA_DIR: path.join(folder, 'data'), PORT: '0', LOG_LEVEL: 'silent', WECOM_CORP_ID: 'ww1' },
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('WECOM_SECRET');
      const { existsSync } = await import('node:fs');
      expect(existsSync(path.join(folder, 'data'))).toBe(false);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('serves the WeCom callback when the WeCom variables are set (official URL-verification vector)', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'bangban-wecom-on-'));
    const v = QDG6eK;
    const env = {
      DATA_DIR: folder,
      PORT: '0',
      LOG_LEVEL: 'silent',
      WECOM_CORP_ID: v.corpId,
      WECOM_AGENT_ID: '218',
      WECOM_SECRET: 'test-secret',
      WECOM_TOKEN: v.token,
      WECOM_ENCODING_AES_KEY: v.encodingAesKey,
      WECOM_API_BASE: 'http://127.0.0.1:9',
      WECOM_MAX_CLOCK_SKEW_SECONDS: '0',
    };
    const config = loadConfig({ env, cwd: repoRoot });
    const bangban = await createBangban({ config, env, clock: new ManualClock('2026-11-27T02:00:00Z') });
    const server = await bangban.listen();
    try {
      const query = new URLSearchParams({
        msg_signature: v.get.msgSignature,
        timestamp: v.get.timestamp,
        nonce: v.get.nonce,
        echostr: v.get.echostr,
      });
      const res = await fetch(`${server.url}/callbacks/wecom?${query}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(v.get.reply);
    } finally {
      await bangban.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
