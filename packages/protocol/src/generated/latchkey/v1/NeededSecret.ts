// Original file: proto/latchkey/v1/agent.proto

import type { SecretMeta as _latchkey_v1_SecretMeta, SecretMeta__Output as _latchkey_v1_SecretMeta__Output } from '../../latchkey/v1/SecretMeta.js';

export interface NeededSecret {
  'name'?: (string);
  'variables'?: (string)[];
  'signerFor'?: (string)[];
  'owner'?: (string);
  'description'?: (string);
  'docs'?: (string);
  'maxTtlSeconds'?: (number);
  'state'?: (string);
  'stored'?: (_latchkey_v1_SecretMeta | null);
}

export interface NeededSecret__Output {
  'name': (string);
  'variables': (string)[];
  'signerFor': (string)[];
  'owner': (string);
  'description': (string);
  'docs': (string);
  'maxTtlSeconds': (number);
  'state': (string);
  'stored': (_latchkey_v1_SecretMeta__Output | null);
}
