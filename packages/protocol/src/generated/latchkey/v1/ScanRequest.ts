// Original file: proto/latchkey/v1/agent.proto


export interface ScanRequest {
  'mode'?: (string);
  'roots'?: (string)[];
  'answer'?: (boolean);
  'source'?: (number);
  'label'?: (string);
  'data'?: (Buffer | Uint8Array | string);
  'sourceEnd'?: (boolean);
  'channel'?: (string);
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
}
