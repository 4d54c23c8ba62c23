import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../config/fixtures.ts';
import { startFakeWechat, type FakeWechat } from '../fakes/wechat/fake-wechat-server.ts';
import { runCli } from '../helpers/cli.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bangban-oa-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bangban wechat-oa menu push', () => {
  let fake: FakeWechat;
  beforeEach(async () => {
    fake = await startFakeWechat({ appId: 'wxb11529c136998cb6', secret: 'cli-secret' });
  });
  afterEach(() => fake.close());
  const env = () => ({
    WECHAT_OA_APP_ID: 'wxb11529c136998cb6',
    WECHAT_OA_APP_SECRET: 'cli-secret',
    WECHAT_OA_TOKEN: 'pamtest',
    WECHAT_API_BASE: fake.url,
  });

  it('prints its help', async () => {
    const result = await runCli(['wechat-oa', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('menu push');
  });

  it('--dry-run prints the menu from the config: five items, 转人工, 办事指南', async () => {
    const result = await runCli(['wechat-oa', 'menu', 'push', '--dry-run']);
    expect(result.code).toBe(0);
    const menu = JSON.parse(result.stdout) as {
      button: { name: string; type?: string; key?: string; url?: string; sub_button?: { key: string }[] }[];
    };
    expect(menu.button.map((b) => b.name)).toEqual(['咨询事项', '转人工', '办事指南']);
    expect(menu.button[0]!.sub_button!.map((b) => b.key)).toEqual([
      'item:preparation-registration',
      'item:drug-production-license',
      'item:device-registration',
      'item:device-production-license',
      'item:cosmetics-production-license',
    ]);
    expect(menu.button[1]).toMatchObject({ type: 'click', key: 'handoff' });
    expect(menu.button[2]).toMatchObject({ type: 'view', url: expect.stringMatching(/^https:\/\//) });
    expect(fake.calls).toHaveLength(0);
  });

  it('creates the menu on the account', async () => {
    const result = await runCli(['wechat-oa', 'menu', 'push'], { env: env() });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('menu pushed to wxb11529c136998cb6');
    expect(fake.menu).toMatchObject({
      button: [{ name: '咨询事项' }, { key: 'handoff' }, { name: '办事指南' }],
    });
  });

  it('exits 2 naming the variables when the account is not configured', async () => {
    const off = await runCli(['wechat-oa', 'menu', 'push'], { env: {} });
    expect(off.code).toBe(2);
    expect(off.stderr).toContain('WECHAT_OA_APP_ID');
    const half = await runCli(['wechat-oa', 'menu', 'push'], {
      env: { WECHAT_OA_APP_ID: 'wxb11529c136998cb6' },
    });
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('WECHAT_OA_APP_SECRET');
  });

  it('exits 2 on bad usage and on a menu naming an unknown item', async () => {
    expect((await runCli(['wechat-oa', 'menu'])).code).toBe(2);
    expect((await runCli(['wechat-oa', 'menu', 'push', '--nope'])).code).toBe(2);
    const file = path.join(dir, 'bad-menu.yaml');
    writeFileSync(
      file,
      `${readFileSync(path.join(repoRoot, 'config/default.yaml'), 'utf8')}\nwechatOa:\n  menu:\n    items: [preparation-registration, no-such-item]\n`,
    );
    const result = await runCli(['wechat-oa', 'menu', 'push', '--dry-run', '--config', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("wechatOa.menu.items[1]: unknown service item 'no-such-item'");
  });

  it('exits 1 with WeChat’s error when menu/create fails', async () => {
    fake.failNext('menu/create', { errcode: 40164, errmsg: 'invalid ip, not in whitelist' });
    const result = await runCli(['wechat-oa', 'menu', 'push'], { env: env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('40164');
  });
});
