import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mysqlNativeHash, redisAclHash, scramSha256Verifier } from './verifiers.js';

const xor = (a: Buffer, b: Buffer): Buffer => Buffer.from(a.map((x, i) => x ^ (b[i] as number)));

describe('scramSha256Verifier', () => {
  // RFC 7677 section 3: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations.
  const clientFirstBare = 'n=user,r=rOprNGfwEbeRWgbNEkqO';
  const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
  const clientFinalBare = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
  const authMessage = `${clientFirstBare},${serverFirst},${clientFinalBare}`;
  const proof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');
  const serverSignature = '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

  it("holds the keys that check RFC 7677's exchange: the server's signature and the client's proof", async () => {
    const v = await scramSha256Verifier('pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'));
    const m = /^SCRAM-SHA-256\$4096:W22ZaJ0SNY7soEsUEjb6gQ==\$([A-Za-z0-9+/=]{44}):([A-Za-z0-9+/=]{44})$/.exec(v);
    expect(m, v).not.toBeNull();
    const storedKey = Buffer.from(m![1]!, 'base64');
    const serverKey = Buffer.from(m![2]!, 'base64');
    expect(createHmac('sha256', serverKey).update(authMessage).digest('base64')).toBe(serverSignature);
    // The server's check: ClientKey = proof XOR HMAC(StoredKey, AuthMessage), and SHA-256(ClientKey) = StoredKey.
    const clientKey = xor(proof, createHmac('sha256', storedKey).update(authMessage).digest());
    expect(createHash('sha256').update(clientKey).digest().equals(storedKey)).toBe(true);
  });

  it('takes 16 random bytes of salt by default, new each time', async () => {
    const [a, b] = await Promise.all([scramSha256Verifier('pencil'), scramSha256Verifier('pencil')]);
    const salt = (v: string) => Buffer.from(v.split('$')[1]!.split(':')[1]!, 'base64');
    expect(salt(a)).toHaveLength(16);
    expect(salt(a).equals(salt(b))).toBe(false);
    expect(a).not.toContain('pencil');
  });

  it('refuses a password SASLprep could change', async () => {
    await expect(scramSha256Verifier('p\u00e4ss')).rejects.toThrow(/printable ASCII/);
    await expect(scramSha256Verifier('two words')).rejects.toThrow(/printable ASCII/);
  });
});

describe('mysqlNativeHash', () => {
  it("is MariaDB's PASSWORD(): * and the hex of SHA1(SHA1(password))", () => {
    expect(mysqlNativeHash('password')).toBe('*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19');
  });
});

describe('redisAclHash', () => {
  it('is the hex SHA-256 of the password', () => {
    expect(redisAclHash('password')).toBe('5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8');
  });
});
