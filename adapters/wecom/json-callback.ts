/**
 * WeCom's JSON callback format (a callback URL configured as JSON, protocols §4.2): the envelope is
 * `{"tousername","encrypt","agentid"}` and the decrypted message is JSON with the same field names
 * as the XML one. Numbers are read losslessly as strings (MsgId 4561255354251345929 > 2^53,
 * pitfall 7) and the document becomes the same record shape the XML parser gives, so one parser
 * (parse-callback.ts) serves both formats.
 */
import type { XmlParseResult, XmlRecord, XmlValue } from './xml.ts';

export type CallbackFormat = 'xml' | 'json';

/** JSON when the Content-Type says so; XML when it says so; otherwise by the body's first character. */
export function callbackFormat(contentType: string, body: string): CallbackFormat {
  if (/json/i.test(contentType)) return 'json';
  if (/xml/i.test(contentType)) return 'xml';
  return body.trimStart().startsWith('{') ? 'json' : 'xml';
}

/** Every bare number token wrapped in quotes, so JSON.parse keeps its exact digits. */
function quoteNumbers(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i]!;
    if (inString) {
      out += ch;
      if (ch === '\\') {
        out += text[i + 1] ?? '';
        i += 1;
      } else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      out += ch;
      continue;
    }
    const number = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (number && (ch === '-' || (ch >= '0' && ch <= '9'))) {
      out += `"${number[0]}"`;
      i += number[0].length - 1;
      continue;
    }
    out += ch;
  }
  return out;
}

function toRecordValue(value: unknown): XmlValue | undefined {
  if (value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value))
    return value.map(toRecordValue).filter((item): item is XmlValue => item !== undefined);
  if (typeof value === 'object') {
    const record: XmlRecord = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      const converted = toRecordValue(item);
      if (converted !== undefined) record[key] = converted;
    }
    return record;
  }
  return undefined;
}

/** A JSON object document as a record of string values; every failure is a value with a reason. */
export function parseJsonDocument(text: string): XmlParseResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(quoteNumbers(text));
  } catch (error) {
    return { ok: false, reason: `malformed JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { ok: false, reason: 'expected a JSON object' };
  return { ok: true, root: toRecordValue(parsed) as XmlRecord };
}
