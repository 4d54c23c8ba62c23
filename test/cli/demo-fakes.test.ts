import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import { DEMO_FAKES, startDemoFakes } from '../../src/cli/demo-fakes.ts';
import { OutboxRunner } from '../../src/jobs/index.ts';
import { createLogger } from '../../src/logger.ts';
import { createFileMediaStore } from '../../src/media/file-media-store.ts';
import { checkPlatformSettings, createPlatformChannels, PLATFORMS } from '../../src/platform-channels.ts';
import { testConfig } from '../flows/flow-harness.ts';
import { useTestDatabase } from '../helpers/db.ts';

describe('the demo fakes of every platform', () => {
  const test = useTestDatabase('pglite');

  it('has one fake per platform, and their variables switch every platform on', async () => {
    expect(DEMO_FAKES.map((fake) => fake.name)).toEqual([
      'WeCom',
      'DingTalk',
      'WeChat Official Account',
      '12345 hotline',
    ]);
    expect(DEMO_FAKES).toHaveLength(PLATFORMS.length);
    const fakes = await startDemoFakes({});
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bangban-demo-fakes-'));
    try {
      expect(fakes.lines).toHaveLength(4);
      const config = testConfig();
      expect(() => checkPlatformSettings(fakes.env, config)).not.toThrow();
      const channels = await createPlatformChannels({
        env: fakes.env,
        config,
        database: test.database,
        outbox: new OutboxRunner({ database: test.database, listen: false }),
        clock: systemClock,
        logger: createLogger({ level: 'silent' }),
        media: createFileMediaStore(dir),
      });
      expect(channels.status).toEqual([
        expect.stringMatching(/^WeCom is on/),
        expect.stringMatching(/^DingTalk is on/),
        expect.stringMatching(/^WeChat Official Account is on/),
        expect.stringMatching(/^12345 gateway is on/),
      ]);
      expect(Object.keys(channels.citizens)).toEqual(expect.arrayContaining(['wecom_kf', 'wechat_oa']));
      await channels.close();
    } finally {
      await fakes.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
