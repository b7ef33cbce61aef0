// The UTF-8 conversions of the generated codec (@bufbuild/protobuf/wire) made with Node's Buffer instead
// of a TextEncoder and a TextDecoder. protobuf builds both on its first message, whether any string needs
// them or not: 0.25 ms of a fresh Node 20 process, and 0.08 ms more for the first decode, against 0.01
// and 0.01 ms for Buffer's (the lean commands each make one call per process). Where Buffer's answer
// could differ from the WHATWG coders' (text with a lone surrogate, bytes that are not UTF-8), the coders
// themselves are used, made then: the results, errors included, are theirs in every case.
import { isUtf8 } from 'node:buffer';
import { configureTextEncoding } from '@bufbuild/protobuf/wire';

const utf8Slice = Buffer.prototype.utf8Slice as (this: Uint8Array, start: number, end: number) => string;
// ES2024's String.prototype.isWellFormed (Node 20 has it; this project's TypeScript lib is ES2022).
const isWellFormed = (String.prototype as unknown as { isWellFormed: (this: string) => boolean }).isWellFormed;

let encoder: TextEncoder | undefined;
let decoder: TextDecoder | undefined;
let strictDecoder: TextDecoder | undefined;

/** `text` as UTF-8, as TextEncoder's encode() gives it. */
export function encodeUtf8(text: string): Uint8Array<ArrayBuffer> {
  return isWellFormed.call(text) ? Buffer.from(text, 'utf8') : (encoder ??= new TextEncoder()).encode(text);
}

/**
 * `bytes` as text, as protobuf's TextDecoder("utf-8", { ignoreBOM: true }) gives it; `strict`, as its
 * fatal one does (a TypeError for bytes that are not UTF-8).
 */
export function decodeUtf8(bytes: Uint8Array, strict?: boolean): string {
  if (isUtf8(bytes)) return utf8Slice.call(bytes, 0, bytes.length);
  if (strict) return (strictDecoder ??= new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })).decode(bytes);
  return (decoder ??= new TextDecoder('utf-8', { ignoreBOM: true })).decode(bytes);
}

/** Has the generated codec convert with encodeUtf8 and decodeUtf8 (for every user of it in this process). */
export function useNodeTextEncoding(): void {
  configureTextEncoding({ encodeUtf8, decodeUtf8, checkUtf8: (text) => isWellFormed.call(text) });
}
