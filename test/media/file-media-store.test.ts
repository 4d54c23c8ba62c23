import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileMediaStore, isMediaRef } from '../../src/media/file-media-store.ts';

describe('file media store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bangban-media-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives back what was put, under a media: ref', async () => {
    const store = createFileMediaStore(path.join(dir, 'media'));
    const ref = await store.put({
      bytes: Buffer.from('png bytes'),
      contentType: 'image/png',
      fileName: '图.png',
    });
    expect(isMediaRef(ref)).toBe(true);
    const media = await store.get(ref);
    expect(media?.bytes.toString()).toBe('png bytes');
    expect(media).toMatchObject({ contentType: 'image/png', fileName: '图.png' });
  });

  it('answers null for unknown, malformed or path-like refs', async () => {
    const store = createFileMediaStore(dir);
    expect(await store.get('media:AAAAAAAAAAAAAAAAAAAAAA')).toBeNull();
    expect(await store.get('media:../../etc/passwd')).toBeNull();
    expect(await store.get('webchat-upload:x.png')).toBeNull();
  });

  it('refuses media over the limit or without a MIME type, writing nothing', async () => {
    const store = createFileMediaStore(dir, { limitBytes: 4 });
    await expect(store.put({ bytes: Buffer.from('12345'), contentType: 'image/png' })).rejects.toMatchObject({
      code: 'payload_too_large',
    });
    await expect(store.put({ bytes: Buffer.from('1'), contentType: 'png' })).rejects.toMatchObject({
      code: 'bad_request',
    });
    expect(await readdir(dir)).toEqual([]);
  });
});
