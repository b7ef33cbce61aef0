// Requests the daemon's decoder (the generated codec, @latchkey/protocol's proto.ts) must refuse, sent as
// raw bytes by a client that is not Latchkey's: each is answered with an error status, stores nothing,
// and leaves the daemon answering.
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { rawAgent, useLab } from '@latchkey/test-utils';

const varint = (n: bigint): Buffer => {
  const out: number[] = [];
  let v = n;
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Buffer.from(out);
};
const tag = (no: number, wire: number) => varint(BigInt((no << 3) | wire));
const text = (no: number, s: string) => Buffer.concat([tag(no, 2), varint(BigInt(Buffer.byteLength(s))), Buffer.from(s)]);

describe('requests the decoder refuses', { timeout: 60_000 }, () => {
  const lab = useLab({ store: 'memory' });

  it.each([
    // Each holds a name (the last two a value too) before its fault, so a decoder that kept what it read
    // before the fault would store a secret. Name "w1", then a value whose length runs past the end
    { what: 'a length past the end', bytes: Buffer.concat([text(1, 'w1'), tag(2, 2), varint(50n), Buffer.from('abc')]) },
    // name "w2" and a value, then a ttl whose varint never ends
    { what: 'a varint that never ends', bytes: Buffer.concat([text(1, 'w2'), text(2, 'v2'), tag(3, 0), Buffer.from([0xff, 0xff, 0xff])]) },
    // name "w3", a value and a ttl, then wire type 7, which does not exist
    { what: 'a wire type that does not exist', bytes: Buffer.concat([text(1, 'w3'), text(2, 'v3'), tag(3, 0), varint(60n), tag(9, 7), Buffer.from([1])]) },
  ])('PutSecret with $what: an error status, nothing stored, the daemon still answers', async ({ bytes }) => {
    const client = rawAgent(lab.world.socket);
    try {
      const { err } = await client.callBytes('putSecret', bytes);
      expect(err, 'the request was accepted').toBeDefined();
      expect(err?.code).not.toBe(grpc.status.OK);
      const listed = await client.call('listSecrets', { pageSize: 0, pageToken: '' });
      expect(listed.err).toBeUndefined();
      expect((listed.res?.secrets as unknown[]).length).toBe(0);
      const status = await client.call('status', {});
      expect(status.err).toBeUndefined();
      expect(status.res?.pid).toBe(lab.daemon.pid);
    } finally {
      client.close();
    }
  });

  it('a well-formed request beside them is stored as sent', async () => {
    const client = rawAgent(lab.world.socket);
    try {
      const ok = await client.callBytes('putSecret', Buffer.concat([text(1, 'w4'), text(2, 'v-ü'), tag(3, 0), varint(60n)]));
      expect(ok.err).toBeUndefined();
      const got = await lab.world.agent(['get', 'w4']);
      expect(got.code, got.stderr).toBe(0);
      expect(got.stdout).toBe('v-ü');
    } finally {
      client.close();
    }
  });
});
