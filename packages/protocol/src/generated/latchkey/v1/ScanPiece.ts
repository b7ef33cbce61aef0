// Original file: proto/latchkey/v1/agent.proto


export interface ScanPiece {
  'source'?: (number);
  'label'?: (string);
  'data'?: (Buffer | Uint8Array | string);
  'sourceEnd'?: (boolean);
  'channel'?: (string);
}

export interface ScanPiece__Output {
  'source': (number);
  'label': (string);
  'data': (Buffer);
  'sourceEnd': (boolean);
  'channel': (string);
}
