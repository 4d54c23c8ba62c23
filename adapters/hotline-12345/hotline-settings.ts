/**
 * The 12345 gateway's environment: all three variables set → on; none → off (and the start log
 * says how to switch it on); some → errors naming each missing or bad variable (start exits 2).
 */

export const HOTLINE_ENV = {
  baseUrl: 'HOTLINE_12345_BASE_URL',
  appId: 'HOTLINE_12345_APP_ID',
  secret: 'HOTLINE_12345_SECRET',
} as const;

export interface HotlineSettings {
  /** No trailing slash. */
  baseUrl: string;
  appId: string;
  secret: string;
}

export type HotlineSettingsRead =
  | { enabled: true; settings: HotlineSettings }
  | { enabled: false; reason: string }
  | { enabled: false; errors: string[] };

const MIN_SECRET_LENGTH = 16;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function readHotlineSettings(env: NodeJS.ProcessEnv): HotlineSettingsRead {
  const values = {
    baseUrl: env[HOTLINE_ENV.baseUrl]?.trim() ?? '',
    appId: env[HOTLINE_ENV.appId]?.trim() ?? '',
    secret: env[HOTLINE_ENV.secret] ?? '',
  };
  const set = Object.values(values).filter((value) => value !== '').length;
  if (set === 0) {
    return {
      enabled: false,
      reason:
        `12345 gateway is off: set ${HOTLINE_ENV.baseUrl}, ${HOTLINE_ENV.appId} and ${HOTLINE_ENV.secret} ` +
        'to switch it on (tickets pushed meanwhile are kept pending and sent once it is on)',
    };
  }
  const errors: string[] = [];
  for (const [key, name] of Object.entries(HOTLINE_ENV) as [keyof typeof HOTLINE_ENV, string][]) {
    if (values[key] === '') errors.push(`${name} is not set (the 12345 gateway needs all three variables)`);
  }
  if (values.baseUrl !== '') {
    const problem = baseUrlProblem(values.baseUrl);
    if (problem) errors.push(`${HOTLINE_ENV.baseUrl}: ${problem}`);
  }
  if (values.secret !== '' && values.secret.length < MIN_SECRET_LENGTH)
    errors.push(`${HOTLINE_ENV.secret} must have at least ${MIN_SECRET_LENGTH} characters`);
  if (errors.length > 0) return { enabled: false, errors };
  return { enabled: true, settings: { ...values, baseUrl: values.baseUrl.replace(/\/+$/, '') } };
}

/** HTTPS only; plain HTTP is allowed to a loopback address (the fake in tests and the demo). */
function baseUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'expected an absolute URL such as https://12345.example.gov.cn';
  }
  if (url.search || url.hash) return 'must not have a query or fragment';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return null;
  return 'must be https:// (plain http is allowed only to 127.0.0.1 or localhost)';
}
