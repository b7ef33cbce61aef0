// Original file: proto/latchkey/v1/agent.proto

import type { ManifestEntry as _latchkey_v1_ManifestEntry, ManifestEntry__Output as _latchkey_v1_ManifestEntry__Output } from '../../latchkey/v1/ManifestEntry.js';
import type { NeededSecret as _latchkey_v1_NeededSecret, NeededSecret__Output as _latchkey_v1_NeededSecret__Output } from '../../latchkey/v1/NeededSecret.js';

export interface InspectManifestResponse {
  'path'?: (string);
  'sha256'?: (string);
  'approved'?: (boolean);
  'changed'?: (boolean);
  'entries'?: (_latchkey_v1_ManifestEntry)[];
  'realPath'?: (string);
  'needed'?: (_latchkey_v1_NeededSecret)[];
  'projectRoot'?: (string);
  'refusedVariables'?: (string)[];
}

export interface InspectManifestResponse__Output {
  'path': (string);
  'sha256': (string);
  'approved': (boolean);
  'changed': (boolean);
  'entries': (_latchkey_v1_ManifestEntry__Output)[];
  'realPath': (string);
  'needed': (_latchkey_v1_NeededSecret__Output)[];
  'projectRoot': (string);
  'refusedVariables': (string)[];
}
