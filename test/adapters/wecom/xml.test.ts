import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encryptMessage, aesKeyFrom } from '../../../adapters/wecom/crypto.ts';
import {
  buildXml,
  parseWithFastXmlParser,
  parseXmlDocument,
  readFlatXml,
  textOf,
} from '../../../adapters/wecom/xml.ts';

/**
 * parseXmlDocument reads WeCom's flat dialect with its own scanner and leaves everything else to
 * fast-xml-parser. The scanner must never change an answer: for any text, the result equals what
 * the general path alone gives (the DTD/ENTITY refusal comes first on both).
 */
const sameAsGeneralPath = (text: string): void => {
  expect(parseXmlDocument(text)).toEqual(parseWithFastXmlParser(text));
};

// Characters that matter to XML (markup, entities, CDATA ends, line ends) mixed with ordinary ones.
const valueChar = fc.constantFrom(
  'a',
  'Z',
  '0',
  '9',
  ' ',
  '\n',
  '\r',
  '\t',
  '<',
  '>',
  '&',
  ';',
  ']',
  '[',
  '!',
  '/',
  '"',
  "'",
  '=',
  '#',
  'x',
  '中',
  '文',
  '😀',
  '\u0000',
  '\u0001',
  '\u2028',
  '\ufeff',
);
const valueText = fc.array(valueChar, { maxLength: 24 }).map((chars) => chars.join(''));
const tagName = fc.constantFrom(
  'ToUserName',
  'FromUserName',
  'MsgType',
  'Content',
  'MsgId',
  'A',
  'a_b',
  '_x',
  'x1',
  'a-b',
  'a.b',
  'a:b',
  '1a',
  'constructor',
  'toString',
  'hasOwnProperty',
  '__proto__',
  'prototype',
  '中文',
);
const value = fc.oneof(
  valueText,
  valueText.map((text) => `<![CDATA[${text}]]>`),
  fc
    .array(valueText, { minLength: 2, maxLength: 3 })
    .map((parts) => parts.map((p) => `<![CDATA[${p}]]>`).join('')),
  fc.tuple(valueText, valueText).map(([a, b]) => `${a}<![CDATA[${b}]]>`),
  valueText.map((text) => `<B>${text}</B>`),
  fc.constant('&amp;&lt;&#x41;'),
  fc.constant('<!-- c -->'),
);
const space = fc.constantFrom('', '', '\n', ' ', '\r\n', '\t', 'x', '<!-- c -->');
const element = fc
  .tuple(tagName, value, fc.constantFrom('', '', '', ' ', 'X'), fc.constantFrom('', '', '', ' '))
  .map(([name, inner, openExtra, closeExtra]) => `<${name}${openExtra}>${inner}</${name}${closeExtra}>`);
const flatDocument = fc
  .tuple(
    fc.constantFrom('', '', '', ' ', '\ufeff', '<?xml version="1.0"?>'),
    fc.constantFrom('<xml>', '<xml>', '<xml>', '<xml >', '<XML>', '<xml a="1">'),
    fc.array(fc.tuple(space, element), { maxLength: 6 }),
    space,
    fc.constantFrom('</xml>', '</xml>', '</xml>', '</XML>', '', '</xml >'),
    fc.constantFrom('', '', '', '\n', ' ', 'x', '<b/>', '<xml><C>1</C></xml>'),
  )
  .map(
    ([before, open, children, last, close, after]) =>
      `${before}${open}${children.map(([s, e]) => s + e).join('')}${last}${close}${after}`,
  );

// Well-formed flat documents: only the values (and their characters) vary.
const cleanDocument = fc
  .uniqueArray(
    fc.tuple(
      fc.constantFrom('ToUserName', 'FromUserName', 'MsgType', 'Content', 'MsgId', 'A', 'a_b', 'x1'),
      fc.oneof(
        valueText,
        valueText.map((text) => `<![CDATA[${text}]]>`),
      ),
    ),
    { minLength: 1, maxLength: 6, selector: ([name]) => name },
  )
  .map(
    (children) => `<xml>${children.map(([name, inner]) => `\n<${name}>${inner}</${name}>`).join('')}\n</xml>`,
  );

describe('parseXmlDocument: the flat-XML scanner gives the same answers as fast-xml-parser', () => {
  it('on generated WeCom-like documents, valid and broken', () => {
    fc.assert(fc.property(flatDocument, sameAsGeneralPath), { numRuns: 3000 });
  });

  it('on well-formed flat documents with any characters in the values', () => {
    fc.assert(fc.property(cleanDocument, sameAsGeneralPath), { numRuns: 3000 });
  });

  it('on a valid document with any one character deleted, replaced or inserted', () => {
    const valid = buildXml({
      ToUserName: 'ww1',
      FromUserName: 'ZhangWei',
      CreateTime: 1700000000,
      MsgType: 'text',
      Content: 'a]]>b <c> & d',
      MsgId: '4561255354251345929',
    });
    const chars = ['<', '>', '/', '!', '[', ']', '&', 'x', ' ', '\r', '"'];
    for (let at = 0; at <= valid.length; at += 1) {
      sameAsGeneralPath(valid.slice(0, at) + valid.slice(at + 1));
      for (const char of chars) {
        sameAsGeneralPath(valid.slice(0, at) + char + valid.slice(at + 1));
        sameAsGeneralPath(valid.slice(0, at) + char + valid.slice(at));
      }
    }
  });

  it('on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), sameAsGeneralPath), { numRuns: 1000 });
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => sameAsGeneralPath(`<xml>${s}</xml>`)),
      { numRuns: 1000 },
    );
  });

  it.each([
    '<xml><A>1</A><A>2</A></xml>',
    '<xml><A><B>1</B></A></xml>',
    '<xml><A>a&amp;b</A></xml>',
    '<xml><A><![CDATA[a\r\nb]]></A></xml>',
    '<xml><hasOwnProperty>1</hasOwnProperty></xml>',
    '<xml><__proto__>1</__proto__></xml>',
    '<xml><A>1</A></xml>x',
    '<xml></xml>',
    '<xml><A>1</a></xml>',
    '<xml><A><![CDATA[x</A></xml>',
    '<!DOCTYPE x><xml><A>1</A></xml>',
    '<xml><A><![CDATA[<!ENTITY x "y">]]></A></xml>',
  ])('%j', sameAsGeneralPath);
});

describe('readFlatXml: what WeCom actually sends takes the fast path', () => {
  it('reads an envelope and a decrypted text message in one pass', () => {
    const message = buildXml({
      ToUserName: 'ww1',
      FromUserName: 'ZhangWei',
      CreateTime: 1700000000,
      MsgType: 'text',
      Content: '第一行\n第二行 ]]> <b>&amp;</b>',
      MsgId: '4561255354251345929',
      AgentID: 1000002,
    });
    expect(readFlatXml(message)).toEqual({
      ToUserName: 'ww1',
      FromUserName: 'ZhangWei',
      CreateTime: '1700000000',
      MsgType: 'text',
      Content: '第一行\n第二行 ]]> <b>&amp;</b>',
      MsgId: '4561255354251345929',
      AgentID: '1000002',
    });
    const aes = aesKeyFrom('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG')!;
    const encrypt = encryptMessage(aes, message, 'ww1');
    const envelope = `<xml>\n  <ToUserName><![CDATA[ww1]]></ToUserName>\n  <Encrypt><![CDATA[${encrypt}]]></Encrypt>\n  <AgentID><![CDATA[1000002]]></AgentID>\n</xml>\n`;
    const flat = readFlatXml(envelope);
    expect(flat && textOf(flat, 'Encrypt')).toBe(encrypt);
  });

  it('leaves nesting, entities, repeated tags and broken markup to the general parser', () => {
    for (const text of [
      '<xml><A><B>1</B></A></xml>',
      '<xml><A>a&amp;b</A></xml>',
      '<xml><A>1</A><A>2</A></xml>',
      '<xml><A>1</A>',
      '<?xml version="1.0"?><xml><A>1</A></xml>',
    ])
      expect(readFlatXml(text)).toBeUndefined();
  });
});
