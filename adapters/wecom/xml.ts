/**
 * The small XML dialect WeCom speaks (pitfall 10): one `<xml>` root, CDATA or bare values,
 * newlines between elements, numbers as text. Values stay strings (MsgId exceeds 2^53); DTDs and
 * entity declarations are refused (XXE); a repeated scalar tag is refused rather than guessed at.
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

/** Parses a document whose root is `<xml>`; every failure is a value with a short reason. */
export function parseXmlDocument(text: string): XmlParseResult {
  if (DECLARATIONS.test(text)) return { ok: false, reason: 'XML declarations (DTD/ENTITY) are not accepted' };
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
