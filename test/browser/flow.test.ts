/**
 * The whole helper flow in a real browser against the real server (createBangban in demo mode, the
 * real flows, KB, timers and database): a citizen tab with the 小申 widget and a helper tab with
 * the desk. KB answer → 转人工 → assignment → reminder 1 on the desk → reply within the limit →
 * 结束 → the citizen says it was solved. The SLA is shortened for this test only; the 60-second
 * behaviour is covered by the clock-injected flow tests.
 * Skips with a message when /usr/bin/chromium is missing (`apt-get install -y chromium fonts-noto-cjk`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../src/config/index.ts';
import type { RunningServer } from '../../src/http/server.ts';
import { createBangban, type Bangban } from '../../src/main.ts';
import { queryRows } from '../../src/storage/database.ts';
import { defaultRaw, repoRoot } from '../config/fixtures.ts';
import { chromiumAvailable, launchChromium, newChineseContext, shot, watchPage } from './helpers.ts';

/**
 * Short, yet with room on a busy machine: the helper's desk must be live before reminder 1 (the
 * desk shows notifications as they happen), and the answer must still land before the limit.
 */
const SLA = { firstResponseSeconds: 20, reminderSeconds: [8, 16] };

function shortSlaConfig(dataDir: string): Config {
  const raw = defaultRaw();
  raw['sla'].firstResponseSeconds = SLA.firstResponseSeconds;
  raw['sla'].reminderSeconds = SLA.reminderSeconds;
  return parseConfig(raw, { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent' }, 'flow-test.yaml', {
    cwd: repoRoot,
  });
}

describe.skipIf(!chromiumAvailable())('the helper flow end to end in chromium', () => {
  let dataDir: string;
  let bangban: Bangban;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'bangban-flow-'));
    bangban = await createBangban({ config: shortSlaConfig(dataDir), demo: true, env: {} });
    server = await bangban.listen();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await bangban?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('KB answer → 转人工 → assigned → reminder → reply in time → 结束 → citizen answers 1', async () => {
    const url = server.url;
    const context = await newChineseContext(browser);
    const errors: string[] = [];

    // ── Citizen: the item page, 小申 answers from the KB and asks whether that solved it.
    const citizen = watchPage(await context.newPage(), 'citizen', errors);
    await citizen.goto(`${url}/demo?item=device-registration`);
    await citizen.getByRole('button', { name: '打开小申在线咨询' }).click();
    const log = citizen.getByRole('log', { name: '对话记录' });
    await expect.poll(() => log.textContent(), { timeout: 10_000 }).toContain('第二类医疗器械产品注册');
    const input = citizen.getByRole('textbox', { name: '输入消息' });
    await input.fill('第二类医疗器械注册需要哪些材料？');
    await input.press('Enter');
    await expect.poll(() => log.textContent(), { timeout: 10_000 }).toContain('是否解决了您的问题');
    const botAnswer = citizen.locator('.bb-from-bot .bb-text').last();
    expect(await botAnswer.textContent()).toMatch(/产品技术要求[\s\S]*是否解决了您的问题/);
    await shot(citizen, 'flow-1-citizen-kb-answer');

    // ── 转人工: the rota picks whoever is on duty for the item and the citizen is told who.
    await citizen.getByRole('button', { name: '转人工服务' }).click();
    await expect.poll(() => log.textContent(), { timeout: 10_000 }).toMatch(/帮办人员\S+已为您服务/);
    const helperName = /帮办人员(\S+?)已为您服务/.exec((await log.textContent()) ?? '')?.[1];
    const helperId = bangban.config.staff.find((s) => s.name === helperName)?.id;
    expect(helperId, `staff member named ${helperName}`).toBeDefined();
    await shot(citizen, 'flow-2-citizen-assigned');

    // ── Helper: one-click demo login from the start page, the conversation with its countdown.
    const helper = watchPage(await context.newPage(), 'helper', errors);
    helper.on('dialog', (dialog) => void dialog.accept());
    await helper.goto(`${url}/`);
    await shot(helper, 'flow-3-start-page');
    const login = helper.locator(`a.login[href="/desk/login?demo=${helperId}"]`);
    // Same tab, so the test keeps hold of the page (the link opens a new tab for people).
    await login.evaluate((a) =>
      (a as unknown as { removeAttribute(name: string): void }).removeAttribute('target'),
    );
    await login.click();
    await helper.waitForURL(`${url}/desk`);
    const mine = helper.getByRole('list', { name: '我的会话' }).getByRole('button').first();
    await expect
      .poll(() => mine.textContent(), { timeout: 10_000 })
      .toMatch(/第二类医疗器械产品注册.*剩余 \d+ 秒/);
    const code = (await mine.locator('.code').textContent()) ?? '';
    expect(code).toMatch(/^#\w+$/);
    await mine.click();
    await expect.poll(() => helper.locator('#conv-title').textContent()).toContain(code);
    await expect.poll(() => helper.locator('#conv-sla').textContent()).toMatch(/剩余 \d+ 秒/);
    await expect.poll(() => helper.locator('#transcript').textContent()).toContain('需要哪些材料');
    await shot(helper, 'flow-4-desk-assigned-countdown');

    // ── Reminder 1 fires (8 s after the handoff) and shows on the desk while the clock still runs.
    const toasts = helper.locator('#toasts');
    await expect.poll(() => toasts.textContent(), { timeout: 15_000 }).toContain(`提醒：${code} 还有`);
    await expect.poll(() => helper.locator('#conv-sla').textContent()).toMatch(/剩余 \d+ 秒/);
    await shot(helper, 'flow-5-desk-reminder');

    // ── The helper answers inside the limit; the citizen sees it and the countdown stops.
    const answer = `您好，我是帮办人员${helperName}。注册申请资料共7项，可在“一网通办”在线提交。`;
    await helper.getByRole('textbox', { name: '回复内容' }).fill(answer);
    await helper.getByRole('button', { name: '发送', exact: true }).click();
    await expect.poll(() => log.textContent(), { timeout: 10_000 }).toContain(answer);
    expect(await citizen.locator('.bb-from-staff .bb-sender').last().textContent()).toBe('帮办人员');
    await expect.poll(() => helper.locator('#conv-sla').textContent(), { timeout: 12_000 }).toBe('');
    await shot(citizen, 'flow-6-citizen-sees-reply');

    // ── 结束 (/resolve): the citizen is asked whether it was solved and answers 1.
    await helper.getByRole('button', { name: '结束', exact: true }).click();
    await expect.poll(() => log.textContent(), { timeout: 10_000 }).toContain('请问您的问题是否已解决');
    await shot(citizen, 'flow-7-citizen-asked-if-solved');
    await citizen.getByRole('button', { name: '1 已解决' }).click();
    await expect.poll(() => log.textContent(), { timeout: 10_000 }).toContain('感谢您的反馈');
    // The citizen's own bubble shows the button they pressed, not its machine key.
    expect(await citizen.locator('.bb-from-citizen:not(.bb-pending) .bb-text').allTextContents()).toContain(
      '1 已解决',
    );
    await shot(citizen, 'flow-8-citizen-thanked');
    await expect
      .poll(() => helper.locator('#conv-state').textContent(), { timeout: 12_000 })
      .toContain('已结束');
    await expect
      .poll(() => helper.locator('#transcript').textContent(), { timeout: 12_000 })
      .toContain('感谢您的反馈');
    await shot(helper, 'flow-9-desk-resolved');

    // ── The record: resolved, answered before the deadline, reminded once, never breached, solved.
    const [row] = await queryRows<{ id: string; state: string; assignee_id: string; late: boolean }>(
      bangban.database.db,
      sql`select c.id, c.state, c.assignee_id,
                 c.first_human_response_at > c.handoff_at + make_interval(secs => ${SLA.firstResponseSeconds}) as late
            from conversations c where c.code = ${code.slice(1)}`,
    );
    expect(row).toMatchObject({ state: 'resolved', assignee_id: helperId, late: false });
    const events = await queryRows<{ type: string; data: Record<string, unknown> }>(
      bangban.database.db,
      sql`select type, data from conversation_events where conversation_id = ${row!.id} order by id`,
    );
    const types = events.map((e) => e.type);
    expect(events.find((e) => e.type === 'first_response')?.data).toMatchObject({ withinSla: true });
    expect(types).not.toContain('sla_breached');
    expect(events.filter((e) => e.type === 'sla_reminder').map((e) => e.data['level'])).toContain(1);
    expect(events.find((e) => e.type === 'resolution_feedback')?.data).toMatchObject({ solved: true });

    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
