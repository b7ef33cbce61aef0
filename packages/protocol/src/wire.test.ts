// The oracle for the generated code: grpc-js encodes and decodes with proto-loader's definition at run
// time while the code is typed (and the exec path encodes) with ts-proto's output. For every method of the
// service, sample messages built from the .proto's own descriptors, with every field set and with none,
// must come out of both decoders the same, whichever side encoded them.
import { describe, expect, it } from 'vitest';
import * as protoLoader from '@grpc/proto-loader';
import * as grpc from '@grpc/grpc-js';
import { grpcFrame, grpcUnframe } from './framing.js';
import { AgentDefinition, ResolveEnvRequest, ResolveEnvResponse } from './generated/latchkey/v1/agent.js';
import * as rpc from './generated/latchkey/v1/methods.js';
import { agentService } from './proto.js';
import { LOADER_OPTIONS, PROTO_PATH } from './proto-loader.js';

const definition = protoLoader.loadSync(PROTO_PATH, LOADER_OPTIONS);
const service = (grpc.loadPackageDefinition(definition) as any).latchkey.v1.Agent.service as grpc.ServiceDefinition;

interface Field {
  name: string;
  label: string;
  type: string;
  typeName: string;
}
interface Descriptor {
  name: string;
  field: Field[];
  nestedType: Descriptor[];
  options: { mapEntry?: boolean } | null;
}

const camel = (snake: string) => snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const descriptor = (name: string) => (definition[`latchkey.v1.${name}`] as unknown as { type: Descriptor }).type;

/** A value of a scalar field; `n` varies it so that repeated and map items differ. */
function scalar(type: string, n: number): unknown {
  switch (type) {
    case 'TYPE_STRING':
      return ['ünï côdé /x\n', 'sk_test_\0', 'x'.repeat(300)][n % 3];
    case 'TYPE_BOOL':
      return true;
    case 'TYPE_INT32':
      return n % 2 ? -5 : 2 ** 31 - 1;
    case 'TYPE_UINT32':
      return 2 ** 32 - 1 - n;
    case 'TYPE_INT64':
      return n % 2 ? -1 : Number.MAX_SAFE_INTEGER - n;
    case 'TYPE_UINT64':
      return Number.MAX_SAFE_INTEGER - n;
    case 'TYPE_DOUBLE':
      return 1234.5678 + n;
    case 'TYPE_BYTES':
      return Buffer.from([0, 0xff, 0x80 + n, 0x0a]);
    default:
      throw new Error(`the oracle has no sample for ${type}: add one`);
  }
}

/** A message of type `d` with every field set (`full`) or only what proto-loader would default. */
function sample(d: Descriptor, full: boolean, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!full) return out;
  for (const f of d.field) {
    const key = camel(f.name);
    const nested = d.nestedType.find((t) => t.name === f.typeName);
    if (nested?.options?.mapEntry) {
      const [k, v] = nested.field as [Field, Field];
      out[key] = { [String(scalar(k.type, 0))]: scalar(v.type, 1), EMPTY: v.type === 'TYPE_STRING' ? '' : scalar(v.type, 2) };
      continue;
    }
    const one = (n: number) => (f.type === 'TYPE_MESSAGE' ? sample(descriptor(f.typeName), depth < 3, depth + 1) : scalar(f.type, n));
    out[key] = f.label === 'LABEL_REPEATED' ? [one(0), one(1)] : one(0);
  }
  return out;
}

/** proto-loader decodes `bytes` as Buffer, a Uint8Array (what the generated type says): compare the bytes. */
function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

type Codec = { encode(m: unknown): { finish(): Uint8Array }; decode(b: Uint8Array): unknown };
const methods = Object.values(AgentDefinition.methods) as unknown as Array<{ name: string; requestType: Codec; responseType: Codec }>;

describe('the generated codec agrees with proto-loader', () => {
  it('has every method of the service, and no other', () => {
    expect(methods.map((m) => m.name).sort()).toEqual(Object.keys(service).sort());
  });

  it("builds the grpc-js definition grpc-js binds (agentService) with proto-loader's keys, paths, names and streaming", () => {
    const mine = agentService();
    expect(Object.keys(mine).sort()).toEqual(Object.keys(service).sort());
    for (const [name, theirs] of Object.entries(service)) {
      const { path, requestStream, responseStream, originalName } = theirs as grpc.MethodDefinition<unknown, unknown>;
      expect(mine[name], name).toMatchObject({ path, requestStream, responseStream, originalName });
    }
    // Its serializers are the generated codecs: a full StatusResponse crosses to proto-loader and back.
    const status = { pid: 7, socket: '/s', store: 'memory', storeNote: 'n', secrets: 3, uptimeSeconds: 1.5, version: '0.1.0', stateDir: '/d', auditHead: 'h', keychain: 'ok' };
    const def = service.Status as grpc.MethodDefinition<unknown, unknown>;
    expect(def.responseDeserialize(mine.Status!.responseSerialize(status) as Buffer)).toEqual(status);
    expect(mine.Status!.responseDeserialize(def.responseSerialize(status))).toEqual(status);
  });

  it('exports each method of AgentDefinition on its own (methods.ts), with the same name, codecs and streaming', () => {
    const { SERVICE, ...each } = rpc;
    expect(SERVICE).toBe(AgentDefinition.fullName);
    expect(Object.keys(each).sort()).toEqual(Object.keys(AgentDefinition.methods).sort());
    for (const [key, m] of Object.entries(AgentDefinition.methods)) {
      const { options: _options, ...expected } = m;
      expect(each[key as keyof typeof each], key).toEqual(expected);
      expect(each[key as keyof typeof each].requestType, key).toBe(m.requestType);
      expect(each[key as keyof typeof each].responseType, key).toBe(m.responseType);
    }
  });

  const cases = methods.flatMap((m) => {
    const def = service[m.name] as grpc.MethodDefinition<unknown, unknown> & { requestType: { type: Descriptor }; responseType: { type: Descriptor } };
    const req = def.requestType.type;
    const res = def.responseType.type;
    return [true, false].flatMap((full) => [
      { what: `${m.name} request${full ? '' : ' (empty)'}`, message: sample(req, full), mine: m.requestType, serialize: def.requestSerialize, deserialize: def.requestDeserialize },
      { what: `${m.name} response${full ? '' : ' (empty)'}`, message: sample(res, full), mine: m.responseType, serialize: def.responseSerialize, deserialize: def.responseDeserialize },
    ]);
  });

  it.each(cases)('$what', ({ message, mine, serialize, deserialize }) => {
    const theirs = plain(deserialize(serialize(message)));
    // proto-loader's bytes read by the generated decoder, and the generated bytes read by proto-loader.
    expect(plain(mine.decode(serialize(message)))).toEqual(theirs);
    expect(plain(deserialize(Buffer.from(mine.encode(theirs).finish())))).toEqual(theirs);
    if (Object.keys(message).length > 0) expect(theirs).toMatchObject(plain(message) as object);
  });

  // The exec path's two messages, with the shapes it sends and gets.
  const resolve = service.ResolveEnv as grpc.MethodDefinition<unknown, unknown>;
  it.each([
    { manifests: [], cwd: '', command: '', allowVars: [] },
    { manifests: ['/a/agent.env', '/b/x.env'], cwd: '/ünï côdé/dir', command: 'node', allowVars: ['PATH', 'LD_PRELOAD'] },
    { manifests: ['/' + 'x'.repeat(300)], cwd: 'c'.repeat(20000), command: 'y', allowVars: [] },
  ])('encodes the exec path’s ResolveEnvRequest %#', (req) => {
    expect(resolve.requestDeserialize(Buffer.from(ResolveEnvRequest.encode(req).finish()))).toEqual(req);
  });
  it('decodes a ResolveEnvResponse of 50 variables', () => {
    const env = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`V${i}`, 'v'.repeat(i * 100)]));
    const res = { env, warnings: [], secrets: ['a', 'b'], manifests: [], referenced: ['V1', 'V49'], eventSeq: 4242 };
    expect(ResolveEnvResponse.decode(resolve.responseSerialize(res))).toEqual(res);
  });

  it('skips unknown fields of every wire type', () => {
    // field 9 varint 150, field 10 fixed64, field 11 fixed32, then field 2 "w"
    const bytes = Uint8Array.from([0x48, 0x96, 0x01, 0x51, 1, 2, 3, 4, 5, 6, 7, 8, 0x5d, 1, 2, 3, 4, 0x12, 1, 0x77]);
    expect(ResolveEnvResponse.decode(bytes).warnings).toEqual(['w']);
  });

  it('refuses a truncated message', () => {
    const bytes = ResolveEnvResponse.encode({ env: { A: 'value' }, warnings: ['w'], secrets: [], manifests: [], referenced: ['A'], eventSeq: 0 }).finish();
    expect(() => ResolveEnvResponse.decode(bytes.subarray(0, bytes.length - 1))).toThrow();
  });
});

describe('gRPC framing', () => {
  it('frames and unframes messages', () => {
    const msg = new Uint8Array([1, 2, 3, 250]);
    const framed = grpcFrame(msg);
    expect([...framed.subarray(0, 5)]).toEqual([0, 0, 0, 0, 4]);
    expect([...grpcUnframe(framed)]).toEqual([1, 2, 3, 250]);
    expect(() => grpcUnframe(framed.subarray(0, 6))).toThrow(/truncated/);
  });
});
