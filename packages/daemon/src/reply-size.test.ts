import { agentService } from '@latchkey/protocol';
import { describe, expect, it } from 'vitest';
import { assertFitsReply, REPLY_BUDGET, sizeBounds } from './reply-size.js';

const serializerOf = (method: string) => agentService()[method]!.responseSerialize as (r: object) => Uint8Array;

function inspectReply(entries: number, text = 'x') {
  return {
    path: '/p/agent.env',
    realPath: '/p/agent.env',
    sha256: 'a'.repeat(64),
    approved: false,
    changed: false,
    entries: Array.from({ length: entries }, (_, i) => ({
      variable: `VAR_${i}`,
      line: i + 1,
      kind: i % 3 === 0 ? 'literal' : 'secret',
      secret: i % 3 === 0 ? '' : `secret-${i}`,
      owner: `${text}é`,
      description: '',
      docs: '',
      uses: i % 5 === 0 ? ['signer'] : [],
      params: i % 7 === 0 ? { sub: 'u', 'claim.role': 'admin' } : {},
    })),
    needed: [],
    projectRoot: '',
    refusedVariables: [],
  };
}

describe('reply size bounds', () => {
  it.each([0, 1, 10, 500, 3000])('hold the encoded size of an InspectManifest reply of %i entries between them', (n) => {
    const reply = inspectReply(n, 'ü'.repeat(n % 13));
    const { low, high } = sizeBounds(reply);
    const actual = serializerOf('InspectManifest')(reply).length;
    expect(low).toBeLessThanOrEqual(actual);
    expect(high).toBeGreaterThanOrEqual(actual);
  });

  it('hold a ResolveEnv reply with its string map', () => {
    const reply = { env: { A: 'v'.repeat(1000), B_LONGER_NAME: '' }, warnings: ['w'], secrets: ['a'], manifests: ['/m'], referenced: ['A'], eventSeq: 0 };
    const { low, high } = sizeBounds(reply);
    const actual = serializerOf('ResolveEnv')(reply).length;
    expect(low).toBeLessThanOrEqual(actual);
    expect(high).toBeGreaterThanOrEqual(actual);
  });

  it('lets a small reply through without encoding it, refuses a large one, and encodes only between the bounds', () => {
    let encoded = 0;
    const serialize = (r: object) => {
      encoded++;
      return serializerOf('InspectManifest')(r);
    };
    const tooBig = () => new Error('too big');
    expect(assertFitsReply(inspectReply(10), serialize, tooBig)).toBeDefined();
    expect(encoded).toBe(0);
    expect(() => assertFitsReply(inspectReply(6000), serialize, tooBig)).toThrow('too big');
    expect(encoded).toBe(0);
    // Between the bounds: the exact size decides.
    let n = 100;
    while (sizeBounds(inspectReply(n)).high <= REPLY_BUDGET) n += 100;
    assertFitsReply(inspectReply(n), serialize, tooBig);
    expect(encoded).toBe(1);
  });
});
