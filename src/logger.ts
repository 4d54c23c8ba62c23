import {
  pino,
  stdSerializers,
  type Bindings,
  type DestinationStream,
  type LevelWithSilent,
  type LogFn,
  type Logger as PinoLogger,
} from 'pino';

/** The one logger type the code base passes around (a pino logger with bangban's scrubbing). */
export type Logger = PinoLogger;
export type LogLevel = LevelWithSilent;

export interface LoggerOptions {
  level: LogLevel;
  /** Where JSON lines go; stdout when omitted. Tests pass a capturing stream. */
  destination?: DestinationStream;
  /**
   * Keep citizen phone and ID numbers in debug/trace records, for local troubleshooting only.
   * Records at info and above are always masked (ARCHITECTURE §8); secrets are always redacted.
   */
  revealPersonalDataInDebug?: boolean;
}

const INFO = 30;
const REDACTED = '[redacted]';
// Log objects are small; anything deeper is a mistake (or a cycle) and is cut rather than walked.
const MAX_DEPTH = 8;

/**
 * A pino JSON logger that redacts secrets by key name at any depth, redacts credentials inside
 * strings (`access_token=…` query parameters, `Bearer …`), and masks citizen phone and ID numbers
 * in every string (and phone-like integer) of a record: always at info and above, and at
 * debug/trace too unless `revealPersonalDataInDebug` is set.
 */
export function createLogger(options: LoggerOptions): Logger {
  const revealInDebug = options.revealPersonalDataInDebug === true;
  const logger = pino(
    {
      level: options.level,
      base: { service: 'bangban' },
      // Every Error is already serialized by the walk below; serializing the copy again would
      // turn its `type` into "Object".
      serializers: { err: (err: unknown) => (err instanceof Error ? stdSerializers.err(err) : err) },
      hooks: {
        logMethod(args, method, level) {
          const maskPersonal = level >= INFO || !revealInDebug;
          method.apply(this, scrubLogArgs(args, maskPersonal));
        },
      },
    },
    options.destination,
  );
  scrubChildBindings(logger);
  return logger;
}

// pino applies `formatters.bindings` to the root only, so child bindings are scrubbed here. Children
// inherit from their parent's prototype chain, so patching the root covers every descendant.
function scrubChildBindings(logger: Logger): void {
  const child = logger.child;
  const setBindings = logger.setBindings;
  logger.child = function scrubbedChild(this: Logger, bindings, childOptions) {
    return child.call(this, scrubValue(bindings, true, 0) as Bindings, childOptions);
  } as typeof logger.child;
  logger.setBindings = function scrubbedSetBindings(this: Logger, bindings) {
    setBindings.call(this, scrubValue(bindings, true, 0) as Bindings);
  };
}

// ---------------------------------------------------------------------------------------------
// Personal data (个人信息): mainland mobile numbers, landlines with an area code, and 居民身份证
// numbers (18 characters with a date of birth and a check character, or the old 15-digit form).
// The date parts keep other 18-digit numbers, and the digit boundaries keep 19-digit message ids and
// millisecond timestamps, from being masked.

const ID_18 = String.raw`[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]`;
const ID_15 = String.raw`[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}`;
const MOBILE = String.raw`(?:\+?86[-\s]?)?1[3-9]\d(?:[-\s]?\d{4}){2}`;
const LANDLINE = String.raw`(?:\(0\d{2,3}\)\s?|0\d{2,3}[-\s])\d{3,4}-?\d{4}`;
const PERSONAL_DATA = new RegExp(
  String.raw`(?<!\d)(?:(?<id>${ID_18}|${ID_15})|(?<mobile>${MOBILE})|(?<landline>${LANDLINE}))(?!\d)`,
  'g',
);
// Every pattern above contains three consecutive digits; most log text does not.
const HAS_DIGIT_RUN = /\d{3}/;

/**
 * Masks phone and ID numbers in free text: `13812345678` → `138****5678`,
 * `021-62345678` → `021-****5678`, an ID number keeps only its last four characters.
 * Text without a run of three digits is returned as is, without running the full pattern.
 */
export function maskPersonalData(text: string): string {
  if (text.length < 7 || !HAS_DIGIT_RUN.test(text)) return text;
  return text.replace(PERSONAL_DATA, maskMatch);
}

function maskMatch(match: string, ...rest: unknown[]): string {
  const groups = rest.at(-1) as { id?: string; mobile?: string; landline?: string };
  if (groups.id !== undefined) return '*'.repeat(match.length - 4) + match.slice(-4);
  const digits = match.replace(/\D/g, '');
  if (groups.mobile !== undefined) {
    const mobile = digits.slice(-11);
    return `${mobile.slice(0, 3)}****${mobile.slice(-4)}`;
  }
  const area = /^\(?(0\d{2,3})/.exec(match)?.[1] ?? '';
  return `${area}-****${digits.slice(-4)}`;
}

// ---------------------------------------------------------------------------------------------
// Secrets: redacted by key name everywhere, and inside strings where they commonly hide.

const SECRET_KEYS = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'pwd',
  'sign',
  'jsapiticket',
]);
const SECRET_KEY_ENDINGS = [
  'token',
  'secret',
  'password',
  'passwd',
  'aeskey',
  'apikey',
  'privatekey',
  'webhook',
];

// Log keys come from code and repeat on every line; the answer per key is kept (up to a bound, so
// keys taken from outside input cannot grow it without end).
const secretKeyAnswers = new Map<string, boolean>();
const MAX_REMEMBERED_KEYS = 5000;

/** True for keys such as `token`, `appSecret`, `encodingAesKey`, `x-api-key`, `Authorization`. */
export function isSecretKey(key: string): boolean {
  let answer = secretKeyAnswers.get(key);
  if (answer === undefined) {
    answer = looksSecret(key);
    if (secretKeyAnswers.size < MAX_REMEMBERED_KEYS) secretKeyAnswers.set(key, answer);
  }
  return answer;
}

function looksSecret(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return SECRET_KEYS.has(normalized) || SECRET_KEY_ENDINGS.some((ending) => normalized.endsWith(ending));
}

// WeCom/WeChat put access_token in the query string and robots put their key there (…/webhook/send?key=…).
const SECRET_IN_TEXT = new RegExp(
  [
    String.raw`((?:^|[?&;,\s])(?:access_token|refresh_token|token|secret|corpsecret|appsecret|client_secret|key|password|sign|session)=)[^&#\s"',;]+`,
    String.raw`("(?:access_token|refresh_token|token|secret|corpsecret|appsecret|client_secret|password|aesKey|encodingAesKey)"\s*:\s*")(?:[^"\\]|\\.)*`,
    String.raw`(\b(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/-]+=*`,
  ].join('|'),
  'gi',
);

function redactSecretsInText(text: string): string {
  if (!text.includes('=') && !text.includes('"') && !text.includes('earer') && !text.includes('asic'))
    return text;
  return text.replace(
    SECRET_IN_TEXT,
    (_match, query?: string, json?: string, scheme?: string) => `${query ?? json ?? scheme ?? ''}${REDACTED}`,
  );
}

// ---------------------------------------------------------------------------------------------
// The walk over what a log call was given.

function scrubText(text: string, maskPersonal: boolean): string {
  const withoutSecrets = redactSecretsInText(text);
  return maskPersonal ? maskPersonalData(withoutSecrets) : withoutSecrets;
}

function scrubLogArgs(args: unknown[], maskPersonal: boolean): Parameters<LogFn> {
  const [first, ...rest] = args;
  const scrubbedRest = rest.map((arg) => scrubValue(arg, maskPersonal, 0));
  if (first instanceof Error) {
    // pino would take the message from the Error itself; keep that behaviour with the scrubbed copy.
    const err = scrubValue(first, maskPersonal, 1) as { message?: string };
    const message = scrubbedRest.length > 0 ? scrubbedRest : [err.message ?? ''];
    return [{ err }, ...message] as Parameters<LogFn>;
  }
  return [scrubValue(first, maskPersonal, 0), ...scrubbedRest] as Parameters<LogFn>;
}

function scrubValue(value: unknown, maskPersonal: boolean, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      return scrubText(value, maskPersonal);
    case 'number':
    case 'bigint':
      return maskPersonal ? scrubNumber(value) : value;
    case 'object':
      if (value === null) return null;
      if (depth >= MAX_DEPTH) return '[depth limit]';
      return scrubObject(value, maskPersonal, depth + 1);
    default:
      return value;
  }
}

// A phone number logged as a JSON number would survive string masking.
function scrubNumber(value: number | bigint): number | bigint | string {
  if (typeof value === 'number' && (!Number.isInteger(value) || value < 1e9)) return value;
  const text = String(value);
  const masked = maskPersonalData(text);
  return masked === text ? value : masked;
}

function scrubObject(value: object, maskPersonal: boolean, depth: number): unknown {
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, maskPersonal, depth));
  if (value instanceof Error) return scrubPlain(stdSerializers.err(value), maskPersonal, depth);
  if (value instanceof Date) return value;
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[binary ${value.byteLength} bytes]`;
  if (isIncomingRequest(value)) return scrubPlain(describeRequest(value), maskPersonal, depth);
  if (typeof (value as { pipe?: unknown }).pipe === 'function') return '[stream]';
  if (value instanceof Map) return scrubPlain(Object.fromEntries(value), maskPersonal, depth);
  if (value instanceof Set) return [...value].map((item) => scrubValue(item, maskPersonal, depth));
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return scrubValue(toJSON.call(value), maskPersonal, depth);
  return scrubPlain(value, maskPersonal, depth);
}

function scrubPlain(value: object, maskPersonal: boolean, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    out[key] = isSecretKey(key) ? REDACTED : scrubValue(source[key], maskPersonal, depth);
  }
  return out;
}

interface IncomingRequestLike {
  method: string;
  url?: string;
  headers: Record<string, unknown>;
  socket: unknown;
}

function isIncomingRequest(value: object): value is IncomingRequestLike {
  const candidate = value as Partial<IncomingRequestLike>;
  return (
    typeof candidate.method === 'string' &&
    typeof candidate.headers === 'object' &&
    candidate.socket !== undefined
  );
}

// The query string of a callback carries signatures and echo strings: log the path only.
function describeRequest(req: IncomingRequestLike): Record<string, unknown> {
  return { method: req.method, path: (req.url ?? '').split('?')[0], headers: req.headers };
}
