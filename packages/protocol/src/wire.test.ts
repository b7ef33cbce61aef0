import { describe, expect, it } from 'vitest';
import * as protoLoader from '@grpc/proto-loader';
import * as grpc from '@grpc/grpc-js';
import { LOADER_OPTIONS, PROTO_PATH } from './proto.js';
import { decodeResolveEnvResponse, encodeResolveEnvRequest, grpcFrame, grpcUnframe } from './wire.js';

const definition = protoLoader.loadSync(PROTO_PATH, LOADER_OPTIONS);
const agent = (grpc.loadPackageDefinition(definition) as any).latchkey.v1.Agent.service;
const resolve = agent.ResolveEnv;

describe('the hand-written hot-path codec agrees with proto-loader', () => {
  const requests = [
    { manifests: [], cwd: '', command: '', allowVars: [] },
    { manifests: ['/repo/agent.env'], cwd: '/repo', command: 'npm', allowVars: [] },
    { manifests: ['/a/agent.env', '/b/x.env'], cwd: '/ünï côdé/dir', command: 'node', allowVars: ['PATH', 'LD_PRELOAD'] },
    { manifests: ['/' + 'x'.repeat(300)], cwd: 'c'.repeat(20000), command: 'y', allowVars: [] },
  ];
  it.each(requests)('encodes ResolveEnvRequest %#', (req) => {
    const mine = encodeResolveEnvRequest(req);
    expect(resolve.requestDeserialize(Buffer.from(mine))).toEqual(req);
  });

  const responses = [
    { env: {}, warnings: [], secrets: [], manifests: [], referenced: [] },
    { env: { A: '1', STRIPE_KEY: 'sk_test_\n\0ü', EMPTY: '' }, warnings: ['x expires in 5m'], secrets: ['stripe-test'], manifests: ['/r/agent.env'], referenced: ['STRIPE_KEY'] },
    { env: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`V${i}`, 'v'.repeat(i * 100)])), warnings: [], secrets: ['a', 'b'], manifests: [], referenced: ['V1', 'V49'] },
  ];
  it.each(responses)('decodes ResolveEnvResponse %#', (res) => {
    const bytes = resolve.responseSerialize(res);
    expect(decodeResolveEnvResponse(bytes)).toEqual(res);
  });

  it('frames and unframes gRPC messages', () => {
    const msg = new Uint8Array([1, 2, 3, 250]);
    const framed = grpcFrame(msg);
    expect([...framed.subarray(0, 5)]).toEqual([0, 0, 0, 0, 4]);
    expect([...grpcUnframe(framed)]).toEqual([1, 2, 3, 250]);
    expect(() => grpcUnframe(framed.subarray(0, 6))).toThrow(/truncated/);
  });

  it('skips unknown fields of every wire type', () => {
    // field 9 varint 150, field 10 fixed64, field 11 fixed32, then field 2 "w"
    const bytes = Uint8Array.from([0x48, 0x96, 0x01, 0x51, 1, 2, 3, 4, 5, 6, 7, 8, 0x5d, 1, 2, 3, 4, 0x12, 1, 0x77]);
    expect(decodeResolveEnvResponse(bytes).warnings).toEqual(['w']);
  });
});
