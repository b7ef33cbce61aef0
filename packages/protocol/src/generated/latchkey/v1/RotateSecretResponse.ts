// Original file: proto/latchkey/v1/agent.proto

import type { SecretMeta as _latchkey_v1_SecretMeta, SecretMeta__Output as _latchkey_v1_SecretMeta__Output } from '../../latchkey/v1/SecretMeta.js';

export interface RotateSecretResponse {
  'secret'?: (_latchkey_v1_SecretMeta | null);
}

export interface RotateSecretResponse__Output {
  'secret': (_latchkey_v1_SecretMeta__Output | null);
}
