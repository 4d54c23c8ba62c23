/**
 * The small XML dialect WeCom speaks (pitfall 10): one `<xml>` root, CDATA or bare values,
 * newlines between elements, numbers as text. Values stay strings (MsgId exceeds 2^53); DTDs and
 * entity declarations are refused (XXE); a repeated scalar tag is refused rather than guessed at.
 *
 * Every callback goes through here twice (envelope, then the decrypted message), so the common
 * case — flat children under `<xml>`, each one or more CDATA sections or plain text — is read by a
 * small strict scanner (`readFlatXml`) in one pass. Anything outside that shape (nesting,
 * attributes, entities, comments, a declaration, `\r`, repeated or unusual tag names, broken
 * markup) goes to fast-xml-parser's validator and parser exactly as before, so the scanner only
 * ever answers where both give the same record (test/adapters/wecom/xml.test.ts checks this).
 */
import { cdataSafe } from './crypto.ts';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export type XmlValue = string | XmlRecord | XmlValue[];
export interface XmlRecord {
  [tag: string]: XmlValue;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
});

const DECLARATIONS = /<!(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST)/i;

export type XmlParseResult = { ok: true; root: XmlRecord } | { ok: false; reason: string };

const REFUSED_DECLARATIONS: XmlParseResult = {
  ok: false,
  reason: 'XML declarations (DTD/ENTITY) are not accepted',
};

/** Parses a document whose root is `<xml>`; every failure is a value with a short reason. */
export function parseXmlDocument(text: string): XmlParseResult {
  if (DECLARATIONS.test(text)) return { ...REFUSED_DECLARATIONS };
  const flat = readFlatXml(text);
  if (flat !== undefined) return { ok: true, root: flat };
  return parseWithFastXmlParser(text);
}

/**
 * The general path alone (declarations refused, then fast-xml-parser's validator and parser);
 * exported so tests can check that parseXmlDocument's scanner never answers differently.
 */
export function parseWithFastXmlParser(text: string): XmlParseResult {
  if (DECLARATIONS.test(text)) return { ...REFUSED_DECLARATIONS };
  const valid = XMLValidator.validate(text);
  if (valid !== true) return { ok: false, reason: `malformed XML: ${valid.err.msg}` };
  let parsed: unknown;
  try {
    parsed = parser.parse(text);
  } catch (error) {
    return { ok: false, reason: `malformed XML: ${error instanceof Error ? error.message : String(error)}` };
  }
  const root = (parsed as Record<string, unknown> | null)?.['xml'];
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    return { ok: false, reason: 'expected one <xml> root element with child elements' };
  }
  const record = { ...(root as XmlRecord) };
  delete record['#text']; // the newlines between elements
  return { ok: true, root: record };
}

const CDATA_OPEN = '<![CDATA[';
const CDATA_CLOSE = ']]>';
// Tag names the general parser renames or refuses (prototype pollution guards).
const RESERVED_NAMES: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  'prototype',
]);

/** ASCII letter or `_`; digits too when not first. Other names (`-`, `.`, `:`, non-ASCII) take the general path. */
function isNameCode(code: number, first: boolean): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x41 && code <= 0x5a) ||
    code === 0x5f ||
    (!first && code >= 0x30 && code <= 0x39)
  );
}

const isSpace = (code: number): boolean => code === 0x20 || code === 0x0a || code === 0x09 || code === 0x0d;

/**
 * `<xml>` + one or more `<Tag>value</Tag>` (whitespace between them) + `</xml>`, where a value is
 * one or more adjacent CDATA sections or plain text; anything else → undefined (not "invalid":
 * the caller then asks the general parser). Plain text with `&`, `>` or `\r` and CDATA with `\r`
 * (the general parser decodes entities and turns `\r\n` into `\n`), reserved tag names and a tag
 * seen twice (the general parser makes an array of it) take the general path too.
 */
export function readFlatXml(text: string): XmlRecord | undefined {
  if (!text.startsWith('<xml>')) return undefined;
  const record: XmlRecord = {};
  let children = 0;
  let i = 5;
  for (;;) {
    let code = text.charCodeAt(i);
    while (isSpace(code)) code = text.charCodeAt(++i);
    if (code !== 0x3c) return undefined; // <
    const nameStart = i + 1;
    let j = nameStart;
    code = text.charCodeAt(j);
    if (code === 0x2f) {
      // </xml>, then only whitespace
      if (children === 0 || !text.startsWith('xml>', j + 1)) return undefined;
      j += 5;
      while (isSpace(text.charCodeAt(j))) j += 1;
      return j === text.length ? record : undefined;
    }
    if (!isNameCode(code, true)) return undefined;
    do code = text.charCodeAt(++j);
    while (isNameCode(code, false));
    if (code !== 0x3e) return undefined; // >
    const name = text.slice(nameStart, j);
    if (RESERVED_NAMES.has(name) || Object.hasOwn(record, name)) return undefined;
    i = j + 1;
    let value: string;
    if (text.startsWith(CDATA_OPEN, i)) {
      let end = text.indexOf(CDATA_CLOSE, i + CDATA_OPEN.length);
      if (end === -1) return undefined;
      value = text.slice(i + CDATA_OPEN.length, end);
      i = end + CDATA_CLOSE.length;
      while (text.startsWith(CDATA_OPEN, i)) {
        end = text.indexOf(CDATA_CLOSE, i + CDATA_OPEN.length);
        if (end === -1) return undefined;
        value += text.slice(i + CDATA_OPEN.length, end);
        i = end + CDATA_CLOSE.length;
      }
      if (value.includes('\r')) return undefined;
    } else {
      const start = i;
      for (;;) {
        code = text.charCodeAt(i);
        if (code === 0x3c) break;
        // &, >, \r, or the end of the text (NaN)
        if (code === 0x26 || code === 0x3e || code === 0x0d || Number.isNaN(code)) return undefined;
        i += 1;
      }
      value = text.slice(start, i);
    }
    // </Name>
    if (
      text.charCodeAt(i) !== 0x3c ||
      text.charCodeAt(i + 1) !== 0x2f ||
      !text.startsWith(name, i + 2) ||
      text.charCodeAt(i + 2 + name.length) !== 0x3e
    )
      return undefined;
    i += name.length + 3;
    record[name] = value;
    children += 1;
  }
}

/** A scalar child: undefined when absent, null when repeated or not a plain value. */
export function textOf(record: XmlRecord, tag: string): string | undefined | null {
  const value = record[tag];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  // `<Tag></Tag>` next to whitespace may come back as a record holding only `#text`.
  if (!Array.isArray(value) && Object.keys(value).every((key) => key === '#text')) {
    const inner = value['#text'];
    return typeof inner === 'string' ? inner : '';
  }
  return null;
}

/** Serialises flat fields as `<xml><K><![CDATA[v]]></K>…</xml>`; numbers go bare, like WeCom's. */
export function buildXml(fields: Record<string, string | number | Record<string, string>>): string {
  const element = (tag: string, value: string | number | Record<string, string>): string =>
    typeof value === 'number'
      ? `<${tag}>${value}</${tag}>`
      : typeof value === 'string'
        ? `<${tag}><![CDATA[${cdataSafe(value)}]]></${tag}>`
        : `<${tag}>${Object.entries(value)
            .map(([k, v]) => element(k, v))
            .join('')}</${tag}>`;
  return `<xml>${Object.entries(fields)
    .map(([tag, value]) => element(tag, value))
    .join('')}</xml>`;
}
