// Original file: proto/latchkey/v1/agent.proto

import type { ScanPiece as _latchkey_v1_ScanPiece, ScanPiece__Output as _latchkey_v1_ScanPiece__Output } from '../../latchkey/v1/ScanPiece.js';

export interface ScanRequest {
  'mode'?: (string);
  'roots'?: (string)[];
  'answer'?: (boolean);
  'source'?: (number);
  'label'?: (string);
  'data'?: (Buffer | Uint8Array | string);
  'sourceEnd'?: (boolean);
  'channel'?: (string);
  'pieces'?: (_latchkey_v1_ScanPiece)[];
}

export interface ScanRequest__Output {
  'mode': (string);
  'roots': (string)[];
  'answer': (boolean);
  'source': (number);
  'label': (string);
  'data': (Buffer);
  'sourceEnd': (boolean);
  'channel': (string);
  'pieces': (_latchkey_v1_ScanPiece__Output)[];
}
