import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger, isSecretKey, maskPersonalData } from '../src/logger.ts';

function capture(options: { level?: 'trace' | 'debug' | 'info'; revealPersonalDataInDebug?: boolean } = {}) {
  const lines: string[] = [];
  const logger = createLogger({
    level: options.level ?? 'trace',
    revealPersonalDataInDebug: options.revealPersonalDataInDebug,
    destination: { write: (line: string) => void lines.push(line) },
  });
  return {
    logger,
    output: () => lines.join(''),
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

// Looser than the masking patterns on purpose (no date checks): anything that still looks like a
// number is a leak. Bounded by non-digits so the 13-digit `time` field does not count.
const MOBILE_ANYWHERE = /(?<!\d)1[3-9]\d[-\s]?\d{4}[-\s]?\d{4}(?!\d)/;
const ID_ANYWHERE = /(?<!\d)(?:\d{17}[\dXx]|\d{15})(?!\d)/;

const SECRETS = {
  token: 'tok-0001-SECRET',
  appSecret: 'app-0002-SECRET',
  encodingAesKey: 'aes-0003-SECRET',
  password: 'pw-0004-SECRET',
  authorization: 'auth-0005-SECRET', // no 'Bearer' prefix: only the key can give it away
  cookie: 'sid=cookie-0006-SECRET',
  access_token: 'at-0007-SECRET',
  aesKey: 'aes-0008-SECRET',
  'x-api-key': 'key-0009-SECRET',
  corpSecret: 'corp-0010-SECRET',
};

describe('createLogger: secrets', () => {
  it('redacts secret keys at the top level and deep inside objects and arrays', () => {
    const { logger, output, records } = capture();
    logger.info(
      { ...SECRETS, nested: { a: { b: { c: { ...SECRETS } } } }, list: [{ headers: { ...SECRETS } }] },
      'config loaded',
    );
    const text = output();
    expect(text).not.toContain('SECRET');
    const [record] = records();
    expect(record).toMatchObject({
      token: '[redacted]',
      appSecret: '[redacted]',
      nested: { a: { b: { c: { password: '[redacted]' } } } },
    });
  });

  it('redacts secrets in child bindings, including nested child loggers', () => {
    const { logger, output } = capture();
    logger
      .child({ channel: 'wecom', token: SECRETS.token })
      .child({ config: { corpSecret: SECRETS.corpSecret } })
      .warn('ready');
    expect(output()).not.toContain('SECRET');
    expect(output()).toContain('"channel":"wecom"');
  });

  it('redacts credentials inside strings: query parameters, JSON text and bearer tokens', () => {
    const { logger, output } = capture();
    logger.info(
      {
        url: 'https://qyapi.weixin.qq.com/cgi-bin/message/send?access_token=at-0007-SECRET&debug=1',
        robot: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=key-0009-SECRET',
        raw: '{"errcode":0,"access_token":"at-0007-SECRET","expires_in":7200}',
      },
      'calling %s with Bearer auth-0005-SECRET',
      'gettoken?corpid=ww1&corpsecret=corp-0010-SECRET',
    );
    const text = output();
    expect(text).not.toContain('SECRET');
    expect(text).toContain('debug=1');
    expect(text).toContain('expires_in');
  });

  it('redacts secrets at every level, also when personal data is revealed in debug', () => {
    const { logger, output } = capture({ revealPersonalDataInDebug: true });
    logger.trace({ token: SECRETS.token }, 'trace');
    logger.debug({ appSecret: SECRETS.appSecret }, 'debug');
    expect(output()).not.toContain('SECRET');
  });

  it('redacts enumerable secret properties of a logged Error', () => {
    const { logger, output, records } = capture();
    const error = Object.assign(new Error('token refresh failed'), {
      config: { headers: { Authorization: 'Bearer auth-0005-SECRET' } },
    });
    logger.error(error);
    expect(output()).not.toContain('SECRET');
    expect(records()[0]).toMatchObject({
      msg: 'token refresh failed',
      err: { type: 'Error', message: 'token refresh failed' },
    });
  });

  it('recognises secret key names case- and separator-insensitively, but not look-alikes', () => {
    for (const key of [
      'Authorization',
      'proxy-authorization',
      'Cookie',
      'TOKEN',
      'x-wecom-token',
      'APP_SECRET',
      'EncodingAESKey',
      'Set-Cookie',
      'sessionWebhook',
      'db_password',
    ]) {
      expect(isSecretKey(key), key).toBe(true);
    }
    for (const key of ['tokens', 'tokenCount', 'messageId', 'key', 'signatureValid', 'secretary']) {
      expect(isSecretKey(key), key).toBe(false);
    }
  });

  it('answers the same for keys seen before and for new keys after many distinct ones', () => {
    // Answers are remembered up to a bound; past it every key is still judged, just not kept.
    for (let i = 0; i < 6000; i++) expect(isSecretKey(`field${i}`)).toBe(false);
    for (const [key, secret] of [
      ['accessToken', true],
      ['field1', false],
      ['brandNewApiKey', true],
      ['brandNewCount', false],
    ] as const) {
      expect(isSecretKey(key), key).toBe(secret);
      expect(isSecretKey(key), `${key} again`).toBe(secret);
    }
  });
});

describe('createLogger: personal data', () => {
  const citizen = {
    mobile: '13812345678',
    spaced: '+86 139 1234 5678',
    landline: '021-62345678',
    id18: '31010119900307123X',
    id15: '310101900307123',
  };

  it.each(['info', 'warn', 'error', 'fatal'] as const)(
    'masks phone and ID numbers in every string at %s',
    (level) => {
      const { logger, output } = capture();
      logger[level](
        {
          from: citizen.mobile,
          body: `我的电话${citizen.landline}，身份证${citizen.id18}`,
          deep: { list: [citizen.id15, { tel: citizen.spaced }] },
        },
        '市民 %s 留言：%s',
        citizen.mobile,
        `请回电 ${citizen.spaced}`,
      );
      const text = output();
      expect(text).not.toMatch(MOBILE_ANYWHERE);
      expect(text).not.toMatch(ID_ANYWHERE);
      expect(text).not.toContain('62345678');
      expect(text).toContain('138****5678');
    },
  );

  it('masks numbers in message text, Error messages and stacks, child bindings and numeric fields', () => {
    const { logger, output } = capture();
    logger.error(new Error(`no account for ${citizen.id18}`));
    logger.info({ err: new Error(`callback from ${citizen.mobile} failed`) });
    logger.child({ citizenPhone: citizen.mobile }).info({ phoneAsNumber: 13812345678 }, `ID ${citizen.id15}`);
    const text = output();
    expect(text).not.toMatch(MOBILE_ANYWHERE);
    expect(text).not.toMatch(ID_ANYWHERE);
  });

  it('masks debug records by default', () => {
    const { logger, output } = capture({ level: 'debug' });
    logger.debug({ body: citizen.mobile }, citizen.id18);
    expect(output()).not.toMatch(MOBILE_ANYWHERE);
    expect(output()).not.toMatch(ID_ANYWHERE);
  });

  it('can reveal personal data in debug and trace records only', () => {
    const { logger, records } = capture({ revealPersonalDataInDebug: true });
    logger.debug({ body: citizen.mobile }, 'debug');
    logger.info({ body: citizen.mobile }, 'info');
    expect(records().map((r) => r['body'])).toEqual([citizen.mobile, '138****5678']);
  });

  it('keeps message ids, timestamps and ordinary numbers intact', () => {
    const { logger, records } = capture();
    logger.info(
      { msgId: '7372931785023567891', at: 1795800000000, count: 12345, date: '2026-11-27 09:30' },
      'hotline 12345',
    );
    expect(records()[0]).toMatchObject({
      msgId: '7372931785023567891',
      at: 1795800000000,
      count: 12345,
      date: '2026-11-27 09:30',
      msg: 'hotline 12345',
    });
  });

  it('survives cycles and very deep objects', () => {
    const { logger, records } = capture();
    const cyclic: Record<string, unknown> = { name: 'loop', phone: citizen.mobile };
    cyclic['self'] = cyclic;
    logger.info({ cyclic }, 'cycle');
    expect(JSON.stringify(records()[0])).not.toMatch(MOBILE_ANYWHERE);
    expect(JSON.stringify(records()[0])).toContain('[depth limit]');
  });
});

describe('maskPersonalData', () => {
  it.each([
    ['13812345678', '138****5678'],
    ['电话：138-1234-5678。', '电话：138****5678。'],
    ['+8613912345678', '139****5678'],
    ['call 86 139 1234 5678 now', 'call 139****5678 now'],
    ['021-62345678', '021-****5678'],
    ['(021)6234-5678', '021-****5678'],
    ['0571 87654321', '0571-****4321'],
    ['身份证31010119900307123X号', '身份证**************123X号'],
    ['身份证 310101199003071234', '身份证 **************1234'],
    ['老证 310101900307123', '老证 ***********7123'],
  ])('masks %s', (input, expected) => {
    expect(maskPersonalData(input)).toBe(expected);
  });

  it.each([
    ['a WeChat MsgId', '7372931785023567891'],
    ['a millisecond timestamp', '1795800000000'],
    ['a date and time', '2026-11-27 09:30:00'],
    ['the 12345 hotline', '请拨打12345'],
    ['an 18-digit number without a date', '123456789012345678'],
    ['12 digits starting like a mobile', '138123456789'],
    ['plain Chinese text', '医疗机构制剂注册需要哪些材料？'],
  ])('leaves %s alone', (_name, input) => {
    expect(maskPersonalData(input)).toBe(input);
  });

  it('is idempotent', () => {
    const once = maskPersonalData('13812345678 / 31010119900307123X / 021-62345678');
    expect(maskPersonalData(once)).toBe(once);
  });

  it('never lets a generated phone or ID number through, whatever surrounds it', () => {
    const mobile = fc
      .tuple(fc.constantFrom('3', '4', '5', '6', '7', '8', '9'), fc.stringMatching(/^\d{9}$/))
      .map(([second, rest]) => `1${second}${rest}`);
    const id18 = fc
      .tuple(
        fc.stringMatching(/^[1-9]\d{5}$/),
        fc.integer({ min: 1900, max: 2025 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 28 }),
        fc.stringMatching(/^\d{3}[\dX]$/),
      )
      .map(
        ([region, year, month, day, tail]) =>
          `${region}${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}${tail}`,
      );
    const surrounding = fc.string({ maxLength: 20 }).filter((text) => !/\d$/.test(text));
    const trailing = fc.string({ maxLength: 20 }).filter((text) => !/^\d/.test(text));
    fc.assert(
      fc.property(surrounding, fc.oneof(mobile, id18), trailing, (before, secret, after) => {
        expect(maskPersonalData(`${before}${secret}${after}`)).not.toContain(secret);
      }),
      { numRuns: 500 },
    );
  });

  it('is fast on long text: 1 MB of mixed Chinese text and numbers in well under a second', () => {
    const chunk = '您好，我想咨询第二类医疗器械产品注册，受理编号 20261127-0042，电话 13812345678。';
    const text = chunk.repeat(Math.ceil(1_000_000 / chunk.length));
    const started = performance.now();
    const masked = maskPersonalData(text);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(masked).not.toMatch(MOBILE_ANYWHERE);
  });
});
