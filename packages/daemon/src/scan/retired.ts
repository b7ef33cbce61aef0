// Values retired in the last 30 days (replaced, removed, expired), kept only as keyed fingerprints of their
// encoded forms, so that `agent scan` still finds them. The file (retired.json in the state folder) is
// sealed with AES-256-GCM under a key in the keychain: the anchors' hashes, though keyed, are short, and a
// file anyone of the user's processes can read should not help guess a weak value.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readStateJson, writeStateJson } from '../state-json.js';
import { fingerprintForms, type FingerprintForm, type Scope, type SecretRecord } from '@latchkey/core';
import type { Logger } from '../log.js';
import type { RetireReason } from '../service.js';
import type { ScannerKeys } from './keys.js';

/** How long a retired value is still looked for. */
export const RETIRED_FOR_MS = 30 * 24 * 3600 * 1000;

/** One retired value: whose it was, when and why it went, and its fingerprints. */
export interface RetiredValue {
  secret: string;
  scope: Scope;
  retiredAt: number;
  reason: RetireReason;
  /** The keyed MAC of the whole value, to tell whether a leak mark is of this value. */
  mac: string;
  forms: FingerprintForm[];
}

export class RetiredValues {
  private entries: RetiredValue[] = [];

  constructor(
    private readonly file: string,
    private readonly keys: ScannerKeys,
    private readonly clock: () => number,
    private readonly log: Logger,
  ) {}

  /** Reads the sealed file; a missing one starts empty, one that does not open is logged and replaced. */
  load(): void {
    const doc = readStateJson(this.file, this.log) as { v: number; iv: string; tag: string; data: string } | undefined;
    if (doc === undefined) return;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.keys.seal, Buffer.from(doc.iv, 'base64'));
      decipher.setAuthTag(Buffer.from(doc.tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(doc.data, 'base64')), decipher.final()]).toString('utf8');
      this.entries = (JSON.parse(plain) as RetiredValue[]).filter((e) => typeof e.secret === 'string' && Array.isArray(e.forms));
    } catch {
      this.log.warn(`ignored ${this.file}: it does not open with this keychain's scan key (made by another keychain, or edited)`);
    }
    this.prune();
  }

  /** Keeps the fingerprints of a value that stopped being current. */
  retire(record: SecretRecord, reason: RetireReason): void {
    const forms = fingerprintForms(record.value, this.keys.keys);
    if (forms.length === 0) return;
    this.entries.push({ secret: record.meta.name, scope: record.meta.scope, retiredAt: this.clock(), reason, mac: this.keys.mac(record.value), forms });
    this.prune();
    this.save();
  }

  /** The values retired within RETIRED_FOR_MS. */
  list(): readonly RetiredValue[] {
    this.prune();
    return this.entries;
  }

  private prune(): void {
    const since = this.clock() - RETIRED_FOR_MS;
    this.entries = this.entries.filter((e) => e.retiredAt >= since);
  }

  private save(): void {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.seal, iv);
    const data = Buffer.concat([cipher.update(JSON.stringify(this.entries), 'utf8'), cipher.final()]);
    writeStateJson(this.file, { v: 1, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') }, this.log);
  }
}
