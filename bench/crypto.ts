/**
 * P3 crypto: verify + decrypt of signed, encrypted WeCom text callbacks — ours
 * (adapters/wecom/crypto.ts) against the peer `@wecom/crypto` — on the same inputs, alternating
 * short rounds in one process (order swapped every pair) so machine noise hits both alike; the
 * result is the median of the per-pair ratios of ops/s (target ≥ 1.0).
 * Usage: npm run bench -- crypto [--ms 200] [--pairs 40]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { decrypt as peerDecrypt, getSignature as peerSignature } from '@wecom/crypto';
import {
  aesKeyFrom,
  decryptMessage,
  encryptMessage,
  isValidSignature,
  msgSignature,
} from '../adapters/wecom/crypto.ts';
import { buildXml } from '../adapters/wecom/xml.ts';

const { values } = parseArgs({
  options: { ms: { type: 'string', default: '200' }, pairs: { type: 'string', default: '40' } },
});
const ROUND_MS = Number(values.ms);
const PAIRS = Number(values.pairs);
const TARGET = 1.0;

const TOKEN = 'QDG6eK';
const KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const CORP = 'wx5823bf96d3bd56c7';
const aes = aesKeyFrom(KEY)!;

interface Callback {
  signature: string;
  timestamp: string;
  nonce: string;
  encrypt: string;
}

// 256 distinct callbacks of a typical size: a citizen-length question in Chinese.
const callbacks: Callback[] = Array.from({ length: 256 }, (_, i) => {
  const plaintext = buildXml({
    ToUserName: CORP,
    FromUserName: `user${i}`,
    CreateTime: 1764208800 + i,
    MsgType: 'text',
    Content: `医疗机构制剂注册需要哪些材料？第${i}个问题，${randomBytes(8).toString('hex')}`,
    MsgId: `45612553542513${String(i).padStart(5, '0')}`,
    AgentID: 1000002,
  });
  const encrypt = encryptMessage(aes, plaintext, CORP);
  const timestamp = String(1764208800 + i);
  const nonce = String(100000 + i);
  return { signature: msgSignature(TOKEN, timestamp, nonce, encrypt), timestamp, nonce, encrypt };
});

function ours(c: Callback): number {
  if (!isValidSignature(c.signature, TOKEN, c.timestamp, c.nonce, c.encrypt))
    throw new Error('ours: bad signature');
  const opened = decryptMessage(aes, c.encrypt, CORP);
  if (!opened.ok) throw new Error(`ours: ${opened.reason}`);
  return opened.message.length;
}

function peer(c: Callback): number {
  if (peerSignature(TOKEN, c.timestamp, c.nonce, c.encrypt) !== c.signature)
    throw new Error('peer: bad signature');
  const opened = peerDecrypt(KEY, c.encrypt);
  if (opened.id !== CORP) throw new Error('peer: wrong receiveid');
  return opened.message.length;
}

/**
 * Operations per CPU second of `fn` over the callbacks for about ROUND_MS. CPU time of this
 * process, not wall time: the machines are shared, and other processes' load would otherwise land
 * on whichever side happened to be running.
 */
function measure(fn: (c: Callback) => number): number {
  let ops = 0;
  let sink = 0;
  const wall = performance.now();
  const cpu = process.cpuUsage();
  while (performance.now() - wall < ROUND_MS) {
    for (const c of callbacks) sink += fn(c);
    ops += callbacks.length;
  }
  const used = process.cpuUsage(cpu);
  if (sink === 0) throw new Error('nothing decrypted');
  return (ops / (used.user + used.system)) * 1e6;
}

// Warm both up, then alternate in pairs.
measure(ours);
measure(peer);
const oursRuns: number[] = [];
const peerRuns: number[] = [];
const ratios: number[] = [];
for (let pair = 0; pair < PAIRS; pair += 1) {
  let o: number;
  let p: number;
  if (pair % 2 === 0) {
    o = measure(ours);
    p = measure(peer);
  } else {
    p = measure(peer);
    o = measure(ours);
  }
  oursRuns.push(o);
  peerRuns.push(p);
  ratios.push(o / p);
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const ratio = median(ratios);
console.log(
  `pairs=${PAIRS} × ${ROUND_MS} ms; ratio per pair p10=${[...ratios].sort((x, y) => x - y)[Math.floor(PAIRS / 10)]!.toFixed(2)} p90=${[...ratios].sort((x, y) => x - y)[Math.floor((PAIRS * 9) / 10)]!.toFixed(2)}`,
);
console.log(
  `P3 crypto ours=${median(oursRuns).toFixed(0)} ops/cpu-s peer(@wecom/crypto)=${median(peerRuns).toFixed(0)} ops/cpu-s ratio=${ratio.toFixed(2)} (target >=${TARGET.toFixed(1)}) ${ratio >= TARGET ? 'OK' : 'MISS'}`,
);
