// Original file: proto/latchkey/v1/agent.proto

import type { ManifestEntry as _latchkey_v1_ManifestEntry, ManifestEntry__Output as _latchkey_v1_ManifestEntry__Output } from '../../latchkey/v1/ManifestEntry.js';

export interface AllowManifestResponse {
  'path'?: (string);
  'sha256'?: (string);
  'entries'?: (_latchkey_v1_ManifestEntry)[];
  'realPath'?: (string);
}

export interface AllowManifestResponse__Output {
  'path': (string);
  'sha256': (string);
  'entries': (_latchkey_v1_ManifestEntry__Output)[];
  'realPath': (string);
}
