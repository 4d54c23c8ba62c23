/**
 * The widget and the desk in a real browser (Debian chromium via playwright-core), against the
 * webchat and desk routers with the fake flows: a citizen tab and a helper tab, end to end through
 * HTTP, SSE and the page scripts. The full flow with the real flows lives in flow.test.ts.
 * Skips with a message when /usr/bin/chromium is missing (`apt-get install -y chromium fonts-noto-cjk`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMediaStore } from '../../adapters/webchat/media-store.ts';
import { createWebchatGateway } from '../../adapters/webchat/webchat-gateway.ts';
import { createWebchatHub, type WebchatHub } from '../../adapters/webchat/webchat-hub.ts';
import { createWebchatRouter } from '../../adapters/webchat/webchat-router.ts';
import { systemClock } from '../../src/clock.ts';
import { createDeskAuth } from '../../src/desk/desk-auth.ts';
import { createDeskGateway, createDeskHub, type DeskHub } from '../../src/desk/desk-hub.ts';
import { createDeskRouter } from '../../src/desk/desk-router.ts';
import { createStartPageRouter } from '../../src/desk/start-page.ts';
import { useTestDatabase } from '../helpers/db.ts';
import { FakeFlows, seedStaff } from '../fakes/fake-flows.ts';
import { captureLogger, startTestApp, type TestApp } from '../http/test-app.ts';
import { TINY_PNG } from '../adapters/webchat/webchat-harness.ts';
import { chromiumAvailable, launchChromium, newChineseContext, shot, watchPage } from './helpers.ts';

describe.skipIf(!chromiumAvailable())('widget and desk in chromium', () => {
  const test = useTestDatabase('pglite');
  let t: TestApp;
  let browser: Browser;
  let webchatHub: WebchatHub;
  let deskHub: DeskHub;
  let uploads: string;

  beforeAll(async () => {
    const { logger } = captureLogger();
    const database = test.database;
    await seedStaff(database.db, [{ id: 'zhang-wei', name: '张伟', roles: ['helper'] }]);
    webchatHub = createWebchatHub({ database, logger });
    deskHub = createDeskHub({ database, logger });
    await webchatHub.start();
    await deskHub.start();
    const desk = createDeskGateway({ hub: deskHub });
    const flows: FakeFlows = new FakeFlows({
      db: database.db,
      gateway: createWebchatGateway({ hub: webchatHub }),
      botReply: (m) =>
        m.kind === 'text' && m.text.includes('材料')
          ? {
              kind: 'text',
              text: '请问您办理的是哪类事项？',
              choices: [
                { key: '1', label: '医疗器械' },
                { key: '2', label: '化妆品' },
              ],
            }
          : null,
      afterInbound: async (m, conversationId) => {
        const conversation = await flows.getConversation(conversationId);
        if (m.kind === 'text' && m.text === '转人工') {
          await flows.setState(conversationId, 'queued', null, new Date(Date.now() + 60_000));
          await flows.reply(conversationId, { kind: 'text', text: '正在为您转接人工服务，请稍候。' });
          await desk.notifyStaff('zhang-wei', {
            type: 'new_conversation',
            conversation: (await flows.getConversation(conversationId))!,
            claimable: true,
          });
        } else if (conversation?.assigneeId) {
          await desk.notifyStaff(conversation.assigneeId, {
            type: 'citizen_message',
            conversation,
            text: '[图片]',
            messageId: 0,
          });
        }
      },
    });
    uploads = await mkdtemp(path.join(os.tmpdir(), 'bangban-browser-'));
    const media = createMediaStore(uploads);
    const routers = [
      createWebchatRouter({ database, flows, clock: systemClock, logger, hub: webchatHub, media }),
      createDeskRouter({
        database,
        flows,
        clock: systemClock,
        hub: deskHub,
        auth: createDeskAuth({ database, clock: systemClock, loginSecret: Buffer.alloc(32, 1) }),
        demo: true,
        resolveMedia: (ref) => media.open(ref),
      }),
      createStartPageRouter({
        staff: [{ id: 'zhang-wei', name: '张伟', roles: ['helper'] }],
        items: [{ id: 'device-registration', name: '第二类医疗器械产品注册' }],
        demo: true,
      }),
    ];
    t = await startTestApp({ routers, shutdownTimeoutMs: 500 });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await webchatHub?.close();
    await deskHub?.close();
    await t?.close();
    if (uploads) await rm(uploads, { recursive: true, force: true });
  });

  it('a citizen asks, picks a choice, asks for a human; a helper claims and replies; the citizen sees it', async () => {
    const context = await newChineseContext(browser);
    const errors: string[] = [];
    const citizen = watchPage(await context.newPage(), 'citizen', errors);

    await citizen.goto(`${t.url}/demo?item=device-registration`);
    await citizen.getByRole('button', { name: '打开小申在线咨询' }).click();
    const input = citizen.getByRole('textbox', { name: '输入消息' });
    await input.fill('第二类医疗器械注册需要哪些材料？');
    await input.press('Enter');
    const log = citizen.getByRole('log', { name: '对话记录' });
    await expect.poll(() => log.textContent(), { timeout: 5000 }).toContain('请问您办理的是哪类事项？');
    await citizen.getByRole('button', { name: '医疗器械' }).click();
    // Stored as the key ('1'), shown as the label the citizen pressed.
    await expect
      .poll(() => citizen.locator('.bb-from-citizen:not(.bb-pending) .bb-text').allTextContents())
      .toContain('医疗器械');
    await citizen.getByRole('button', { name: '转人工服务' }).click();
    await expect.poll(() => log.textContent(), { timeout: 5000 }).toContain('正在为您转接人工服务');
    await shot(citizen, '1-citizen-asked-for-human');

    const helper = watchPage(await context.newPage(), 'helper', errors);
    await helper.goto(`${t.url}/`);
    await shot(helper, '0-start-page');
    await helper
      .getByRole('link', { name: '张伟' })
      .evaluate((a) => (a as unknown as { removeAttribute(name: string): void }).removeAttribute('target'));
    await helper.getByRole('link', { name: '张伟' }).click();
    await helper.waitForURL(`${t.url}/desk`);
    const waiting = helper.getByRole('list', { name: '待接单' }).getByRole('button').first();
    await expect.poll(() => waiting.textContent(), { timeout: 5000 }).toMatch(/剩余 \d+ 秒/);
    await waiting.click();
    await helper.getByRole('button', { name: '接单' }).click();
    await expect
      .poll(() => helper.getByRole('list', { name: '我的会话' }).textContent(), { timeout: 5000 })
      .toContain('已分派');
    const reply = helper.getByRole('textbox', { name: '回复内容' });
    await reply.fill('您好，我是帮办人员张伟，请问还有什么需要？');
    await helper.getByRole('button', { name: '发送', exact: true }).click();
    await shot(helper, '2-helper-replied');

    await expect.poll(() => log.textContent(), { timeout: 5000 }).toContain('我是帮办人员张伟');
    expect(await citizen.locator('.bb-from-staff .bb-sender').first().textContent()).toBe('帮办人员');

    await citizen
      .locator('#bb-file')
      .setInputFiles({ name: '截图.png', mimeType: 'image/png', buffer: TINY_PNG });
    await expect
      .poll(
        () =>
          citizen
            .locator('.bb-image')
            .evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth)),
        { timeout: 5000 },
      )
      .toEqual([1]);
    await expect.poll(() => helper.locator('.transcript img.thumb').count(), { timeout: 8000 }).toBe(1);
    await shot(citizen, '3-citizen-sees-reply-and-image');
    await shot(helper, '4-helper-sees-image');
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
