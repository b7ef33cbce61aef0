// SECURITY 47 end to end: a value that is not valid UTF-8 sent by a raw gRPC client is refused at
// PutSecret (the proto decoder would have stored U+FFFD in its place), and an HS256 signer with too
// little entropy is refused when it would sign.
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { rawAgent, useLab } from '@latchkey/test-utils';

/** A PutSecret request encoded by hand: name (field 1), value (field 2) as raw bytes, ttl_seconds (3). */
function putSecretBytes(name: string, value: Buffer, ttlSeconds: number): Buffer {
  const field = (no: number, bytes: Buffer) => Buffer.concat([Buffer.from([(no << 3) | 2, bytes.length]), bytes]);
  return Buffer.concat([field(1, Buffer.from(name)), field(2, value), Buffer.from([3 << 3, ttlSeconds])]);
}

describe('SECURITY 47: values and signers the daemon refuses', { timeout: 60_000 }, () => {
  const lab = useLab({ store: 'memory' });

  it('47. a value that is not valid UTF-8 is refused at PutSecret, and nothing is stored', async () => {
    const client = rawAgent(lab.world.socket);
    const put = async (value: Buffer) => (await client.callBytes('putSecret', putSecretBytes('bin', value, 60))).err;
    const refused = await put(Buffer.from([0x61, 0xff, 0xfe, 0x62]));
    expect(refused?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(refused?.details).toBe('the value for "bin" is not valid UTF-8');
    expect((await lab.world.agent(['get', 'bin'])).code).not.toBe(0);
    // Valid UTF-8, multi-byte included, is stored as sent.
    expect(await put(Buffer.from('a-é-€-b', 'utf8'))).toBeUndefined();
    const get = await lab.world.agent(['get', 'bin']);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout).toBe('a-é-€-b');
    client.close();
  });

  it('47. an HS256 signer of 32 times "a" is refused when it would sign; a random one signs', async () => {
    expect((await lab.world.agent(['set', 'weak-signer', '--ttl', '1h'], { input: 'a'.repeat(32) })).code).toBe(0);
    const weak = await lab.world.agent(['temp', 'jwt', '--signer', 'weak-signer', '--ttl', '1m']);
    expect(weak.code, weak.stderr).toBe(65);
    expect(weak.stderr).toContain('looks too weak for HS256: about 0 bits of entropy, under 128');
    expect(weak.stdout).toBe('');
    expect((await lab.world.agent(['set', 'strong-signer', '--ttl', '1h'], { input: 'k3J9vQ2xR7mT5wL8pZ1cN4bF6hY0sD2gA9eU3iO7' })).code).toBe(0);
    const strong = await lab.world.agent(['temp', 'jwt', '--signer', 'strong-signer', '--ttl', '1m']);
    expect(strong.code, strong.stderr).toBe(0);
    expect(strong.stdout.trim().split('.')).toHaveLength(3);
  });
});
