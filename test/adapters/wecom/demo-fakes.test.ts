import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WecomApiClient } from '../../../adapters/wecom/api-client.ts';
import { readWecomSettings } from '../../../adapters/wecom/wecom-settings.ts';
import { systemClock } from '../../../src/clock.ts';
import { DEMO_FAKES, startDemoFakes } from '../../../src/cli/demo-fakes.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

describe('demo fakes registry', () => {
  it('starts the WeCom fake when no WECOM_* variable is set; its variables switch WeCom on against it', async () => {
    const fakes = await startDemoFakes(
      {},
      DEMO_FAKES.filter((f) => f.name === 'WeCom'),
    );
    try {
      expect(fakes.lines).toEqual([expect.stringMatching(/^WeCom: fake API on http:\/\/127\.0\.0\.1:\d+/)]);
      const read = readWecomSettings(fakes.env, ['preparation-registration']);
      if (!read.enabled) throw new Error(JSON.stringify(read));
      const client = new WecomApiClient({ ...read.settings, clock: systemClock });
      await client.sendMessage({ touser: 'ZhangWei', msgtype: 'text', text: { content: '演示' } });
      const seen = (await (await fetch(`${read.settings.apiBase}/_fake/calls`)).json()) as {
        calls: { api: string; query: Record<string, string> }[];
      };
      expect(seen.calls.map((c) => c.api)).toEqual(['gettoken', 'message/send']);
      expect(JSON.stringify(seen.calls)).not.toContain('access_token');
    } finally {
      await fakes.close();
    }
  });

  it('leaves a configured platform alone and reports a fake that is not installed', async () => {
    const fakes = await startDemoFakes({ WECOM_CORP_ID: 'wwreal' }, [
      ...DEMO_FAKES.filter((f) => f.name === 'WeCom'),
      { name: 'Nowhere', switchedOnBy: ['NOWHERE_ID'], module: 'test/fakes/nowhere/demo.ts' },
    ]);
    expect(fakes.env).toEqual({});
    expect(fakes.lines).toEqual([
      'WeCom: configured by the environment (WECOM_CORP_ID), no fake',
      'Nowhere: no fake here (test/fakes/nowhere/demo.ts is not installed)',
    ]);
    await fakes.close();
  });

  it('`bangban start --demo --with-fakes` serves WeCom against the fake; --with-fakes alone is refused', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bangban-demo-fakes-'));
    const run = (args: string[], untilLine?: RegExp) =>
      new Promise<{ code: number | null; signal: string | null; out: string; err: string }>(
        (resolve, reject) => {
          const child = spawn(process.execPath, ['bin/bangban.js', 'start', ...args], {
            cwd: ROOT,
            env: { PATH: process.env['PATH'], DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' },
          });
          let out = '';
          let err = '';
          let stopping = false;
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`timed out; stdout: ${out}\nstderr: ${err}`));
          }, 60_000);
          child.stdout.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            if (untilLine && untilLine.test(out) && !stopping) {
              stopping = true;
              // At once: the signal handlers are in place before "Press Ctrl-C" is printed.
              child.kill('SIGTERM');
            }
          });
          child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
          child.on('exit', (code, signal) => {
            clearTimeout(timer);
            resolve({ code, signal, out, err });
          });
        },
      );
    try {
      const refused = await run(['--with-fakes']);
      expect(refused.code).toBe(2);
      expect(refused.err).toContain('--with-fakes works only with --demo');
      const started = await run(['--demo', '--with-fakes'], /Press Ctrl-C/);
      expect(started.out).toMatch(/demo fake: WeCom: fake API on http:\/\/127\.0\.0\.1:\d+/);
      expect({ code: started.code, signal: started.signal, err: started.err }).toMatchObject({ code: 0 });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
