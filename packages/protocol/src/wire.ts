// A hand-written protobuf codec for the few messages on `agent exec`'s hot path, so that path starts
// without loading grpc-js and proto-loader (about 90 ms together here). Checked against proto-loader's
// encoding in wire.test.ts; everything else uses the generated types.

/** The fields of latchkey.v1.ResolveEnvRequest. */
export interface ResolveEnvRequestWire {
  manifests: string[];
  cwd: string;
  command: string;
  allowVars: string[];
}

/** The fields of latchkey.v1.ResolveEnvResponse. */
export interface ResolveEnvResponseWire {
  env: Record<string, string>;
  warnings: string[];
  secrets: string[];
  manifests: string[];
  referenced: string[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

class Writer {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  varint(n: number): this {
    const bytes: number[] = [];
    let v = n >>> 0;
    while (v > 0x7f) {
      bytes.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    bytes.push(v);
    return this.raw(Uint8Array.from(bytes));
  }

  raw(b: Uint8Array): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }

  /** A length-delimited field (wire type 2). */
  bytes(field: number, b: Uint8Array): this {
    return this.varint((field << 3) | 2).varint(b.length).raw(b);
  }

  string(field: number, s: string): this {
    return s === '' ? this : this.bytes(field, encoder.encode(s));
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

/** Reads the fields of one message, calling `onField` for each length-delimited one; skips the rest. */
function readFields(buf: Uint8Array, onField: (field: number, value: Uint8Array) => void): void {
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= buf.length) throw new Error('truncated protobuf varint');
      const b = buf[pos++] as number;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new Error('protobuf varint too long');
    }
  };
  while (pos < buf.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const type = tag & 7;
    if (type === 0) varint();
    else if (type === 1) pos += 8;
    else if (type === 5) pos += 4;
    else if (type === 2) {
      const len = varint();
      if (pos + len > buf.length) throw new Error('truncated protobuf field');
      onField(field, buf.subarray(pos, pos + len));
      pos += len;
    } else throw new Error(`unsupported protobuf wire type ${type}`);
  }
}

/** Encodes a ResolveEnvRequest. */
export function encodeResolveEnvRequest(req: ResolveEnvRequestWire): Uint8Array {
  const w = new Writer();
  for (const m of req.manifests) w.bytes(1, encoder.encode(m));
  w.string(2, req.cwd).string(3, req.command);
  for (const v of req.allowVars) w.bytes(4, encoder.encode(v));
  return w.finish();
}

/** Decodes a ResolveEnvResponse. */
export function decodeResolveEnvResponse(buf: Uint8Array): ResolveEnvResponseWire {
  const res: ResolveEnvResponseWire = { env: {}, warnings: [], secrets: [], manifests: [], referenced: [] };
  readFields(buf, (field, value) => {
    if (field === 1) {
      let key = '';
      let val = '';
      readFields(value, (f, v) => {
        if (f === 1) key = decoder.decode(v);
        else if (f === 2) val = decoder.decode(v);
      });
      res.env[key] = val;
    } else if (field === 2) res.warnings.push(decoder.decode(value));
    else if (field === 3) res.secrets.push(decoder.decode(value));
    else if (field === 4) res.manifests.push(decoder.decode(value));
    else if (field === 5) res.referenced.push(decoder.decode(value));
  });
  return res;
}

/** Wraps a message in gRPC's length-prefixed framing (uncompressed). */
export function grpcFrame(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + message.length);
  new DataView(out.buffer).setUint32(1, message.length);
  out.set(message, 5);
  return out;
}

/** Extracts the first message of a gRPC response body. */
export function grpcUnframe(body: Uint8Array): Uint8Array {
  if (body.length < 5) throw new Error('truncated gRPC frame');
  if (body[0] !== 0) throw new Error('compressed gRPC frames are not supported');
  const len = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(1);
  if (body.length < 5 + len) throw new Error('truncated gRPC frame');
  return body.subarray(5, 5 + len);
}
