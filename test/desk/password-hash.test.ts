import { describe, expect, it } from 'vitest';
import { hashPassword, passwordProblem, verifyPassword } from '../../src/desk/password-hash.ts';

describe('password hashing', () => {
  it('verifies the right password and refuses others; salts differ', async () => {
    const a = await hashPassword('帮办 desk 2026');
    const b = await hashPassword('帮办 desk 2026');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('帮办 desk 2026', a)).toBe(true);
    expect(await verifyPassword('帮办 desk 2027', a)).toBe(false);
  });

  it('refuses hashes it cannot read instead of throwing', async () => {
    for (const stored of ['', 'plain', 'scrypt$x$8$1$AAAA$AAAA', 'bcrypt$2$3$4$5$6']) {
      expect(await verifyPassword('whatever', stored)).toBe(false);
    }
  });

  it('names what is wrong with a new password', () => {
    expect(passwordProblem('short')).toMatch(/at least 8/);
    expect(passwordProblem(' padded password')).toMatch(/space/);
    expect(passwordProblem('long enough')).toBeNull();
  });
});
